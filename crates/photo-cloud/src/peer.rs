//! Who is on the other end of the TLS connection.
//!
//! One listener serves authorities and studios. Its TLS layer demands a client certificate
//! issued by either the authority CA or the studio CA; the shared acceptor
//! (`schalter_server_kit::ClientCertificateAcceptor`) hands the verified chain to every request.
//! The [`PeerClassifier`] (a request extension set by [`crate::server`]) then checks that chain
//! against each CA separately; handlers authorise by the resulting [`PeerRole`]. A certificate
//! that chains to both CAs is refused at start-up (the two CAs must be distinct) and would get
//! no role at run time.

use std::sync::Arc;

use rustls::pki_types::UnixTime;
use rustls::server::danger::ClientCertVerifier;
use rustls::server::WebPkiClientVerifier;
use schalter_server_kit::peer::hex_sha256;
use schalter_server_kit::ClientCertificate;

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

    /// The role of a connection's client certificate, if exactly one CA vouches for it.
    pub fn classify(&self, client: &ClientCertificate) -> Option<Peer> {
        let (leaf, intermediates) = client.chain.split_first()?;
        let now = UnixTime::now();
        let by_authority = self.authority.verify_client_cert(leaf, intermediates, now).is_ok();
        let by_studio = self.studio.verify_client_cert(leaf, intermediates, now).is_ok();
        let role = match (by_authority, by_studio) {
            (true, false) => PeerRole::Authority,
            (false, true) => PeerRole::Studio,
            _ => return None,
        };
        let subject = webpki::EndEntityCert::try_from(leaf).ok()?.subject().to_vec();
        Some(Peer { role, cert_sha256: client.fingerprint.clone(), subject_sha256: hex_sha256(&subject) })
    }
}

fn tls_error(error: schalter_pki::PkiError) -> CloudError {
    CloudError::Internal(format!("TLS configuration: {error}"))
}
