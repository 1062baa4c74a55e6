//! Secrets the central keeps for later but must never hold in the clear (today the ID card's
//! Sperrkennwort from the producer's delivery notice): sealed with AES-256-GCM under a key that
//! lives outside the database (a file readable by the service account only), bound by the
//! associated data to the row they belong to, so a sealed value copied to another row does not open.

use std::path::Path;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine as _;
use rand::RngCore;

use crate::CentralError;

const VERSION: &str = "v1";

/// The secrets key.
pub struct SecretsKey(Aes256Gcm);

impl std::fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretsKey(…)")
    }
}

impl SecretsKey {
    pub fn from_bytes(key: &[u8; 32]) -> Self {
        Self(Aes256Gcm::new(key.into()))
    }

    /// Reads the 32-byte key (Base64 in the file), or creates one with mode 0600 when the file is
    /// missing (a development or first start; operators provide and back up their own).
    pub fn load_or_create(path: &Path) -> Result<Self, CentralError> {
        Ok(Self::from_bytes(&Self::load_or_create_bytes(path)?))
    }

    /// The 32 random bytes of a key file (Base64), made with mode 0600 when missing.
    pub fn load_or_create_bytes(path: &Path) -> Result<[u8; 32], CentralError> {
        let internal = |what: &str, error: &dyn std::fmt::Display| {
            CentralError::Internal(format!("secrets key {}: {what}: {error}", path.display()))
        };
        if !path.exists() {
            let mut key = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut key);
            let text = base64::engine::general_purpose::STANDARD.encode(key);
            schalter_pki::write_private_file(path, text.as_bytes()).map_err(|e| internal("writing", &e))?;
            tracing::info!(path = %path.display(), "secrets key created");
        }
        let text = std::fs::read_to_string(path).map_err(|e| internal("reading", &e))?;
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(text.trim()).map_err(|e| internal("not Base64", &e))?;
        bytes.try_into().map_err(|_| internal("length", &"not 32 bytes"))
    }

    /// `v1:<Base64 of nonce ‖ ciphertext>`.
    pub fn seal(&self, plaintext: &str, bound_to: &str) -> Result<String, CentralError> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .0
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext.as_bytes(), aad: bound_to.as_bytes() })
            .map_err(|_| CentralError::Internal("sealing failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{VERSION}:{}", base64::engine::general_purpose::STANDARD.encode(out)))
    }

    pub fn open(&self, sealed: &str, bound_to: &str) -> Result<String, CentralError> {
        let refused = || CentralError::Internal("a sealed secret does not open".into());
        let body = sealed.strip_prefix("v1:").ok_or_else(refused)?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(body).map_err(|_| refused())?;
        if bytes.len() < 12 {
            return Err(refused());
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let plain = self
            .0
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: bound_to.as_bytes() })
            .map_err(|_| refused())?;
        String::from_utf8(plain).map_err(|_| refused())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_row_and_key() {
        let key = SecretsKey::from_bytes(&[7; 32]);
        let sealed = key.seal("SONNEMONDX", "application-1").unwrap();
        assert!(!sealed.contains("SONNE"));
        assert_eq!(key.open(&sealed, "application-1").unwrap(), "SONNEMONDX");
        assert!(key.open(&sealed, "application-2").is_err());
        assert!(SecretsKey::from_bytes(&[8; 32]).open(&sealed, "application-1").is_err());
        assert!(key.open("v1:AAAA", "application-1").is_err());
    }

    #[test]
    fn the_key_file_is_made_once_private_and_read_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.key");
        let sealed = SecretsKey::load_or_create(&path).unwrap().seal("x", "r").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(SecretsKey::load_or_create(&path).unwrap().open(&sealed, "r").unwrap(), "x");
        std::fs::write(&path, "kurz").unwrap();
        assert!(SecretsKey::load_or_create(&path).is_err());
    }
}
