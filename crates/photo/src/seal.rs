//! The cloud's seal (TR-03170 part 1 §2.6, §2.8.2): a signature over
//! SHA-256(ciphertext ‖ user identifier), checked by the desk before it decrypts anything.
//!
//! The signed message is the 32-byte digest itself, so ECDSA-P256-SHA256 hashes it once more; both
//! sides here agree on that, and a cloud that signs the digest as "prehashed" would need another
//! algorithm name.

use std::fmt;

use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

use crate::error::excerpt;
use crate::PhotoError;

/// The only seal algorithm we speak: ECDSA over P-256 with SHA-256, ASN.1 DER signature.
pub const ALGORITHM: &str = "ecdsa-p256-sha256";

/// SHA-256 over the ciphertext followed by the UTF-8 bytes of the user identifier.
pub fn digest(ciphertext: &[u8], user_identifier: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(ciphertext);
    h.update(user_identifier.as_bytes());
    h.finalize().into()
}

/// The cloud's sealing key.
pub struct SealSigner {
    key: EcdsaKeyPair,
    rng: SystemRandom,
}

impl SealSigner {
    /// Reads an unencrypted PKCS#8 PEM ("PRIVATE KEY") holding a P-256 key.
    pub fn from_pkcs8_pem(key_pem: &str) -> Result<Self, PhotoError> {
        let der = PrivatePkcs8KeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|_| PhotoError::SealKeyInvalid)?;
        let rng = SystemRandom::new();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, der.secret_pkcs8_der(), &rng)
            .map_err(|_| PhotoError::SealKeyInvalid)?;
        Ok(Self { key, rng })
    }

    /// The seal for a photo as delivered to an authority.
    pub fn sign(&self, ciphertext: &[u8], user_identifier: &str) -> Vec<u8> {
        let digest = digest(ciphertext, user_identifier);
        self.key
            .sign(&self.rng, &digest)
            // ring fails here only when the operating system's RNG fails; no seal is possible then.
            .expect("system RNG failed while sealing")
            .as_ref()
            .to_vec()
    }
}

impl fmt::Debug for SealSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealSigner").field("algorithm", &ALGORITHM).field("key", &"<redacted>").finish_non_exhaustive()
    }
}

/// Verifies a seal with the public key of the cloud's seal certificate (PEM). The certificate must
/// come from the office's trusted-cloud configuration, never from the cloud's own answer alone;
/// its chain and validity are that configuration's business, not checked here.
pub fn verify(
    seal_cert_pem: &str,
    algorithm: &str,
    ciphertext: &[u8],
    user_identifier: &str,
    signature: &[u8],
) -> Result<(), PhotoError> {
    if algorithm != ALGORITHM {
        return Err(PhotoError::SealAlgorithmUnknown { algorithm: excerpt(algorithm, 40) });
    }
    let der =
        CertificateDer::from_pem_slice(seal_cert_pem.as_bytes()).map_err(|_| PhotoError::SealCertificateInvalid)?;
    let cert = webpki::EndEntityCert::try_from(&der).map_err(|_| PhotoError::SealCertificateInvalid)?;
    let digest = digest(ciphertext, user_identifier);
    cert.verify_signature(webpki::ring::ECDSA_P256_SHA256, &digest, signature).map_err(|e| match e {
        // The certificate holds an RSA or other key: a configuration problem, not a forged photo.
        webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
        | webpki::Error::UnsupportedSignatureAlgorithmContext(_) => PhotoError::SealCertificateInvalid,
        _ => PhotoError::SealInvalid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    struct Cloud {
        key_pem: String,
        cert_pem: String,
    }

    fn cloud() -> Cloud {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["seal.cloud.example".into()]).unwrap().self_signed(&key).unwrap();
        Cloud { key_pem: key.serialize_pem(), cert_pem: cert.pem() }
    }

    const UID: &str =
        "0b3c1d7e-2f4a-4b6c-8d9e-0f1a2b3c4d5e:::1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5:::9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";

    #[test]
    fn digest_covers_ciphertext_then_identifier() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1, split across the two inputs.
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let got: String = digest(b"ab", "c").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn signed_seal_verifies() {
        let c = cloud();
        let signer = SealSigner::from_pkcs8_pem(&c.key_pem).unwrap();
        let sig = signer.sign(b"ciphertext", UID);
        verify(&c.cert_pem, ALGORITHM, b"ciphertext", UID, &sig).unwrap();
    }

    #[test]
    fn tampered_ciphertext_fails() {
        let c = cloud();
        let sig = SealSigner::from_pkcs8_pem(&c.key_pem).unwrap().sign(b"ciphertext", UID);
        assert_eq!(verify(&c.cert_pem, ALGORITHM, b"ciphertexT", UID, &sig).unwrap_err(), PhotoError::SealInvalid);
    }

    #[test]
    fn tampered_user_identifier_fails() {
        let c = cloud();
        let sig = SealSigner::from_pkcs8_pem(&c.key_pem).unwrap().sign(b"ciphertext", UID);
        let other = UID.replace("0b3c", "0b3d");
        assert_eq!(verify(&c.cert_pem, ALGORITHM, b"ciphertext", &other, &sig).unwrap_err(), PhotoError::SealInvalid);
    }

    #[test]
    fn moving_bytes_between_ciphertext_and_identifier_is_not_a_concern_of_the_seal() {
        // The concatenation has no separator (as the TR says); the identifier's fixed shape is what
        // keeps "ab"+"c" and "a"+"bc" apart in practice. Pinned so nobody "fixes" one side only.
        assert_eq!(digest(b"ab", "c"), digest(b"a", "bc"));
    }

    #[test]
    fn tampered_signature_and_other_key_fail() {
        let c = cloud();
        let sig = SealSigner::from_pkcs8_pem(&c.key_pem).unwrap().sign(b"ciphertext", UID);
        let mut bad = sig.clone();
        let n = bad.len();
        bad[n - 1] ^= 1;
        assert_eq!(verify(&c.cert_pem, ALGORITHM, b"ciphertext", UID, &bad).unwrap_err(), PhotoError::SealInvalid);
        assert_eq!(verify(&c.cert_pem, ALGORITHM, b"ciphertext", UID, &[]).unwrap_err(), PhotoError::SealInvalid);
        let other = cloud();
        assert_eq!(verify(&other.cert_pem, ALGORITHM, b"ciphertext", UID, &sig).unwrap_err(), PhotoError::SealInvalid);
    }

    #[test]
    fn unknown_algorithm_is_refused_before_anything_else() {
        let err = verify("not even a certificate", "rsa-pkcs1-sha1", b"", UID, b"").unwrap_err();
        assert_eq!(err.code(), "seal_algorithm_unknown");
        assert!(err.to_string().contains("rsa-pkcs1-sha1"));
    }

    #[test]
    fn unreadable_certificate_is_refused() {
        for pem in ["", "garbage", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"] {
            assert_eq!(verify(pem, ALGORITHM, b"x", UID, b"sig").unwrap_err().code(), "seal_certificate_invalid");
        }
        // a private key where the certificate should be
        assert_eq!(
            verify(&cloud().key_pem, ALGORITHM, b"x", UID, b"sig").unwrap_err().code(),
            "seal_certificate_invalid"
        );
    }

    #[test]
    fn certificate_with_another_key_type_is_a_certificate_problem() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let cert = rcgen::CertificateParams::default().self_signed(&key).unwrap();
        let err =
            verify(&cert.pem(), ALGORITHM, b"x", UID, &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]).unwrap_err();
        assert_eq!(err.code(), "seal_certificate_invalid");
    }

    #[test]
    fn bad_signing_keys_are_refused() {
        assert_eq!(SealSigner::from_pkcs8_pem("").unwrap_err().code(), "seal_key_invalid");
        assert_eq!(SealSigner::from_pkcs8_pem(&cloud().cert_pem).unwrap_err().code(), "seal_key_invalid");
        let ed = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        assert_eq!(SealSigner::from_pkcs8_pem(&ed.serialize_pem()).unwrap_err().code(), "seal_key_invalid");
    }

    #[test]
    fn debug_redacts_the_key() {
        let signer = SealSigner::from_pkcs8_pem(&cloud().key_pem).unwrap();
        let text = format!("{signer:?}");
        assert!(text.contains("<redacted>"), "{text}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn arbitrary_inputs_never_panic(
            pem in ".{0,200}",
            alg in "[a-z0-9-]{0,20}",
            sig in proptest::collection::vec(any::<u8>(), 0..80),
        ) {
            let _ = verify(&pem, &alg, b"x", UID, &sig);
            let _ = verify(&pem, ALGORITHM, b"x", UID, &sig);
        }
    }
}
