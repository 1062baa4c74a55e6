//! Which desk is on the other end: the client certificate that mutual TLS has already verified,
//! handed to every request of the connection as an extension, so the audit trail can name the desk.

use std::future::Future;
use std::io;
use std::pin::Pin;

use axum::middleware::AddExtension;
use axum::Extension;
use axum_server::accept::Accept;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::server::TlsStream;
use tower::Layer;
use x509_cert::der::Decode;

/// A desk's (or box terminal's) certificate: subject for people, fingerprint for certainty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCertificate {
    /// RFC 4514, e.g. `CN=Arbeitsplatz 3,O=Stadt Düsseldorf`.
    pub subject: String,
    /// First 16 hex digits of the SHA-256 of the certificate.
    pub fingerprint: String,
}

impl PeerCertificate {
    pub fn from_der(der: &[u8]) -> Self {
        let digest = Sha256::digest(der);
        let fingerprint = digest.iter().take(8).map(|byte| format!("{byte:02x}")).collect();
        let subject = x509_cert::Certificate::from_der(der)
            .map(|certificate| certificate.tbs_certificate.subject.to_string())
            .unwrap_or_else(|_| "?".into());
        Self { subject, fingerprint }
    }

    /// What the audit trail stores: `CN=…,O=… sha256:0123456789abcdef`.
    pub fn label(&self) -> String {
        format!("{} sha256:{}", self.subject, self.fingerprint)
    }
}

/// The request extension: the connection's client certificate (absent only without TLS, in tests).
#[derive(Debug, Clone, Default)]
pub struct ConnectedDesk(pub Option<PeerCertificate>);

impl ConnectedDesk {
    /// For handlers: `Option<Extension<ConnectedDesk>>` to the audit label.
    pub fn label(extension: Option<Extension<ConnectedDesk>>) -> Option<String> {
        extension.and_then(|Extension(desk)| desk.0).map(|peer| peer.label())
    }
}

/// The rustls acceptor, plus the verified client certificate as a request extension.
#[derive(Clone)]
pub struct PeerCertificateAcceptor {
    inner: RustlsAcceptor,
}

impl PeerCertificateAcceptor {
    pub fn new(config: RustlsConfig) -> Self {
        Self { inner: RustlsAcceptor::new(config) }
    }
}

type Accepted<I, S> = (TlsStream<I>, AddExtension<S, ConnectedDesk>);

impl<I, S> Accept<I, S> for PeerCertificateAcceptor
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: Send + 'static,
{
    type Stream = TlsStream<I>;
    type Service = AddExtension<S, ConnectedDesk>;
    type Future = Pin<Box<dyn Future<Output = io::Result<Accepted<I, S>>> + Send>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let acceptor = self.inner.clone();
        Box::pin(async move {
            let (stream, service) = acceptor.accept(stream, service).await?;
            let peer = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(|leaf| PeerCertificate::from_der(leaf.as_ref()));
            Ok((stream, Extension(ConnectedDesk(peer)).layer(service)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_and_fingerprint_of_a_desk_certificate() {
        use base64::Engine;
        let ca = schalter_pki::CertificateAuthority::new("Test-CA").unwrap();
        let desk = ca.issue_client("Arbeitsplatz 3", schalter_pki::Validity::days(30)).unwrap();
        let body: String = desk.cert_pem.lines().filter(|line| !line.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
        let peer = PeerCertificate::from_der(&der);
        assert!(peer.subject.contains("CN=Arbeitsplatz 3"), "{}", peer.subject);
        assert_eq!(peer.fingerprint.len(), 16);
        assert!(peer.label().ends_with(&format!("sha256:{}", peer.fingerprint)));
    }

    #[test]
    fn garbage_is_still_identified_by_its_fingerprint() {
        let peer = PeerCertificate::from_der(b"not a certificate");
        assert_eq!(peer.subject, "?");
        assert_eq!(peer.fingerprint.len(), 16);
    }
}
