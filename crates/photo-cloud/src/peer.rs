//! Who is on the other end of the TLS connection.
//!
//! One listener serves authorities and studios. Its TLS layer demands a client certificate
//! issued by either the authority CA or the studio CA. After the handshake, [`PeerAcceptor`]
//! checks the presented chain against each CA separately and puts the result, a
//! [`ClientPeer`], into every request of that connection; handlers authorise by its
//! [`PeerRole`]. A certificate that chains to both CAs is refused at start-up (the two CAs
//! must be distinct) and would get no role at run time.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;

use axum::middleware::AddExtension;
use axum::Extension;
use axum_server::accept::Accept;
use axum_server::tls_rustls::RustlsAcceptor;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::ClientCertVerifier;
use rustls::server::WebPkiClientVerifier;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::server::TlsStream;
use tower::Layer;

use crate::CloudError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerRole {
    /// A Pass-, Personalausweis- or Ausländerbehörde desk (authority CA).
    Authority,
    /// A photo studio's workstation (studio CA).
    Studio,
}

/// The verified client certificate of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub role: PeerRole,
    /// Hex SHA-256 of the leaf certificate (DER): names the desk or workstation in the audit.
    pub cert_sha256: String,
    /// Hex SHA-256 of the leaf's subject name (DER): the studio's provider account.
    pub subject_sha256: String,
}

/// Request extension set by [`PeerAcceptor`] on every request. `None`: no certificate
/// that one of the CAs alone vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientPeer(pub Option<Peer>);

/// Tells authority certificates from studio certificates.
#[derive(Debug)]
pub struct PeerClassifier {
    authority: Arc<dyn ClientCertVerifier>,
    studio: Arc<dyn ClientCertVerifier>,
}

impl PeerClassifier {
    pub fn new(authority_ca_pem: &str, studio_ca_pem: &str) -> Result<Self, CloudError> {
        let authority_roots = schalter_pki::root_store(authority_ca_pem).map_err(tls_error)?;
        let studio_roots = schalter_pki::root_store(studio_ca_pem).map_err(tls_error)?;
        let overlap = authority_roots.roots.iter().any(|root| studio_roots.roots.contains(root));
        if overlap {
            return Err(CloudError::Internal("authority CA and studio CA must be different CAs".into()));
        }
        let verifier = |roots| {
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), schalter_pki::crypto_provider())
                .build()
                .map_err(|e| CloudError::Internal(format!("client certificate verifier: {e}")))
        };
        Ok(Self { authority: verifier(authority_roots)?, studio: verifier(studio_roots)? })
    }

    /// The role of a presented chain (leaf first), if exactly one CA vouches for it.
    pub fn classify(&self, chain: &[CertificateDer<'_>]) -> Option<Peer> {
        let (leaf, intermediates) = chain.split_first()?;
        let now = UnixTime::now();
        let by_authority = self.authority.verify_client_cert(leaf, intermediates, now).is_ok();
        let by_studio = self.studio.verify_client_cert(leaf, intermediates, now).is_ok();
        let role = match (by_authority, by_studio) {
            (true, false) => PeerRole::Authority,
            (false, true) => PeerRole::Studio,
            _ => return None,
        };
        let subject = webpki::EndEntityCert::try_from(leaf).ok()?.subject().to_vec();
        Some(Peer { role, cert_sha256: hex_sha256(leaf.as_ref()), subject_sha256: hex_sha256(&subject) })
    }
}

fn tls_error(error: schalter_pki::PkiError) -> CloudError {
    CloudError::Internal(format!("TLS configuration: {error}"))
}

pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// axum-server's rustls acceptor plus [`ClientPeer`] in every request of the connection.
#[derive(Clone)]
pub struct PeerAcceptor {
    inner: RustlsAcceptor,
    classifier: Arc<PeerClassifier>,
}

impl PeerAcceptor {
    pub fn new(inner: RustlsAcceptor, classifier: Arc<PeerClassifier>) -> Self {
        Self { inner, classifier }
    }
}

impl<I, S> Accept<I, S> for PeerAcceptor
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: Send + 'static,
{
    type Stream = TlsStream<I>;
    type Service = AddExtension<S, ClientPeer>;
    type Future = Pin<Box<dyn Future<Output = io::Result<(Self::Stream, Self::Service)>> + Send>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let inner = self.inner.clone();
        let classifier = self.classifier.clone();
        Box::pin(async move {
            let (stream, service) = inner.accept(stream, service).await?;
            let peer = stream.get_ref().1.peer_certificates().and_then(|chain| classifier.classify(chain));
            Ok((stream, Extension(ClientPeer(peer)).layer(service)))
        })
    }
}
