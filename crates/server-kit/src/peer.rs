//! Who is on the other end: the client certificate chain that mutual TLS has already verified,
//! handed to every request of the connection as the [`ConnectedClient`] extension, so handlers
//! can name the desk in the audit trail, bind sessions to it, or tell studios from authorities.

use std::future::Future;
use std::io;
use std::pin::Pin;

use axum::middleware::AddExtension;
use axum::Extension;
use axum_server::accept::Accept;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use rustls::pki_types::CertificateDer;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::server::TlsStream;
use tower::Layer;
use x509_cert::der::Decode;

/// The verified client certificate of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// The chain as presented, leaf first (DER).
    pub chain: Vec<CertificateDer<'static>>,
    /// Lower-case hex SHA-256 of the leaf (DER): 64 digits, names this very certificate.
    pub fingerprint: String,
    /// RFC 4514 subject of the leaf, e.g. `CN=Arbeitsplatz 3,O=Stadt Düsseldorf`; `?` if unreadable.
    pub subject: String,
}

impl ClientCertificate {
    /// From a chain, leaf first; `None` for an empty chain.
    pub fn from_chain(chain: &[CertificateDer<'_>]) -> Option<Self> {
        let leaf = chain.first()?;
        let subject = x509_cert::Certificate::from_der(leaf.as_ref())
            .map(|certificate| certificate.tbs_certificate.subject.to_string())
            .unwrap_or_else(|_| "?".into());
        Some(Self {
            chain: chain.iter().map(|der| der.clone().into_owned()).collect(),
            fingerprint: hex_sha256(leaf.as_ref()),
            subject,
        })
    }

    /// A lone leaf certificate (DER), e.g. for router tests that stand in for the acceptor.
    pub fn from_leaf_der(der: impl Into<Vec<u8>>) -> Self {
        let leaf = CertificateDer::from(der.into());
        Self::from_chain(std::slice::from_ref(&leaf)).expect("a chain of one")
    }

    /// The leaf, DER.
    pub fn leaf(&self) -> &CertificateDer<'static> {
        &self.chain[0]
    }

    /// What an audit trail stores: `CN=…,O=… sha256:<fingerprint>`.
    pub fn label(&self) -> String {
        format!("{} sha256:{}", self.subject, self.fingerprint)
    }
}

/// Lower-case hex SHA-256.
pub fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The request extension: the connection's client certificate. `None` only where no TLS
/// acceptor ran (router tests without a socket) or the client showed none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectedClient(pub Option<ClientCertificate>);

/// axum-server's rustls acceptor plus [`ConnectedClient`] in every request of the connection.
#[derive(Clone)]
pub struct ClientCertificateAcceptor {
    inner: RustlsAcceptor,
}

impl ClientCertificateAcceptor {
    pub fn new(config: RustlsConfig) -> Self {
        Self { inner: RustlsAcceptor::new(config) }
    }
}

type Accepted<I, S> = (TlsStream<I>, AddExtension<S, ConnectedClient>);

impl<I, S> Accept<I, S> for ClientCertificateAcceptor
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: Send + 'static,
{
    type Stream = TlsStream<I>;
    type Service = AddExtension<S, ConnectedClient>;
    type Future = Pin<Box<dyn Future<Output = io::Result<Accepted<I, S>>> + Send>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let acceptor = self.inner.clone();
        Box::pin(async move {
            let (stream, service) = acceptor.accept(stream, service).await?;
            let peer = stream.get_ref().1.peer_certificates().and_then(ClientCertificate::from_chain);
            Ok((stream, Extension(ConnectedClient(peer)).layer(service)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der_of(pem: &str) -> CertificateDer<'static> {
        let pem = pem.as_bytes().to_vec();
        let mut reader = std::io::BufReader::new(pem.as_slice());
        let ders = rustls_pemfile_certs(&mut reader);
        ders.into_iter().next().unwrap()
    }

    // rustls-pemfile is not a dependency of the kit; the PEM of one certificate is simple enough.
    fn rustls_pemfile_certs(reader: &mut impl std::io::BufRead) -> Vec<CertificateDer<'static>> {
        use rustls::pki_types::pem::PemObject;
        CertificateDer::pem_reader_iter(reader).map(Result::unwrap).collect()
    }

    #[test]
    fn subject_fingerprint_and_chain_of_a_desk_certificate() {
        let ca = schalter_pki::CertificateAuthority::new("Test-CA").unwrap();
        let desk = ca.issue_client("Arbeitsplatz 3", schalter_pki::Validity::days(30)).unwrap();
        let der = der_of(&desk.cert_pem);
        let peer = ClientCertificate::from_chain(std::slice::from_ref(&der)).unwrap();
        assert!(peer.subject.contains("CN=Arbeitsplatz 3"), "{}", peer.subject);
        assert_eq!(peer.fingerprint, hex_sha256(der.as_ref()));
        assert_eq!(peer.fingerprint.len(), 64);
        assert_eq!(peer.leaf(), &der);
        assert!(peer.label().ends_with(&format!("sha256:{}", peer.fingerprint)));
        assert!(ClientCertificate::from_chain(&[]).is_none());
    }

    #[test]
    fn garbage_is_still_identified_by_its_fingerprint() {
        let peer = ClientCertificate::from_chain(&[CertificateDer::from(b"not a certificate".to_vec())]).unwrap();
        assert_eq!(peer.subject, "?");
        assert_eq!(peer.fingerprint.len(), 64);
    }
}
