//! The cloud's seal: a signature over SHA-256(ciphertext ‖ user identifier) on every fetch
//! (TR-03170 Teil 1 §2.8.2), made with `schalter_photo::seal`.

use schalter_photo::seal::SealSigner;

use crate::CloudError;

/// The seal key with its certificate. `Debug` shows neither.
pub struct SealKey {
    signer: SealSigner,
    certificate_pem: String,
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey { .. }")
    }
}

impl SealKey {
    /// `key_pem`: PKCS#8 PEM of the ECDSA P-256 key; `certificate_pem`: its certificate.
    pub fn from_pem(key_pem: &str, certificate_pem: &str) -> Result<Self, CloudError> {
        let signer = SealSigner::from_pkcs8_pem(key_pem)
            .map_err(|error| CloudError::Internal(format!("seal key unusable: {error}")))?;
        if !certificate_pem.contains("-----BEGIN CERTIFICATE-----") {
            return Err(CloudError::Internal("seal certificate is not a PEM certificate".into()));
        }
        Ok(Self { signer, certificate_pem: certificate_pem.to_owned() })
    }

    /// `ecdsa-p256-sha256`.
    pub fn algorithm(&self) -> &'static str {
        schalter_photo::seal::ALGORITHM
    }

    pub fn sign(&self, ciphertext: &[u8], user_identifier: &str) -> Vec<u8> {
        self.signer.sign(ciphertext, user_identifier)
    }

    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }
}
