//! The cloud's seal (TR-03170 part 1 §2.6, §2.8.2): a signature over
//! SHA-256(ciphertext ‖ user identifier), checked by the desk before it decrypts anything.
//!
//! The unpublished interface specification fixes how; two forms are plausible and each trusted
//! cloud's configuration names its [`SealForm`]:
//! - [`SealForm::DigestAsMessage`] (the default, what [`verify`] and [`SealSigner::sign`] speak): the
//!   32-byte digest is the signed message, so ECDSA-P256-SHA256 hashes it once more:
//!   ECDSA(SHA-256(SHA-256(ciphertext ‖ user identifier))).
//! - [`SealForm::Plain`]: plain ECDSA-P256-SHA256 over ciphertext ‖ user identifier, i.e. the digest
//!   signed as "prehashed": ECDSA(SHA-256(ciphertext ‖ user identifier)).
//!
//! A seal of one form never verifies under the other (the signed hashes differ).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::excerpt;
use crate::PhotoError;

/// The only seal algorithm we speak: ECDSA over P-256 with SHA-256, ASN.1 DER signature.
pub const ALGORITHM: &str = "ecdsa-p256-sha256";

/// What the seal's ECDSA-P256-SHA256 signature is computed over (see the module docs). Written as
/// `"digest_as_message"` or `"plain"` in configuration files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SealForm {
    /// The message is SHA-256(ciphertext ‖ user identifier); ECDSA hashes it once more.
    #[default]
    DigestAsMessage,
    /// The message is ciphertext ‖ user identifier; ECDSA hashes it once (the digest "prehashed").
    Plain,
}

impl SealForm {
    pub const ALL: [SealForm; 2] = [SealForm::DigestAsMessage, SealForm::Plain];

    /// The configuration name, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            SealForm::DigestAsMessage => "digest_as_message",
            SealForm::Plain => "plain",
        }
    }

    /// The bytes handed to ECDSA-P256-SHA256 (which hashes them).
    fn message<'a>(self, ciphertext: &'a [u8], user_identifier: &str) -> Cow<'a, [u8]> {
        match self {
            SealForm::DigestAsMessage => Cow::Owned(digest(ciphertext, user_identifier).to_vec()),
            SealForm::Plain if user_identifier.is_empty() => Cow::Borrowed(ciphertext),
            SealForm::Plain => {
                let mut message = Vec::with_capacity(ciphertext.len() + user_identifier.len());
                message.extend_from_slice(ciphertext);
                message.extend_from_slice(user_identifier.as_bytes());
                Cow::Owned(message)
            }
        }
    }
}

impl fmt::Display for SealForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SealForm {
    type Err = PhotoError;

    /// Exactly the names of [`SealForm::as_str`]; anything else is `seal_form_unknown`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| PhotoError::SealFormUnknown { form: excerpt(s, 40) })
    }
}

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

    /// The seal for a photo as delivered to an authority, in the default form
    /// ([`SealForm::DigestAsMessage`]).
    pub fn sign(&self, ciphertext: &[u8], user_identifier: &str) -> Vec<u8> {
        self.sign_with_form(SealForm::DigestAsMessage, ciphertext, user_identifier)
    }

    /// The seal in the given form.
    pub fn sign_with_form(&self, form: SealForm, ciphertext: &[u8], user_identifier: &str) -> Vec<u8> {
        self.key
            .sign(&self.rng, &form.message(ciphertext, user_identifier))
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
///
/// The default form, [`SealForm::DigestAsMessage`]; see [`verify_with_form`].
pub fn verify(
    seal_cert_pem: &str,
    algorithm: &str,
    ciphertext: &[u8],
    user_identifier: &str,
    signature: &[u8],
) -> Result<(), PhotoError> {
    verify_with_form(seal_cert_pem, algorithm, SealForm::DigestAsMessage, ciphertext, user_identifier, signature)
}

/// [`verify`] for a cloud that seals in the given form. A seal made in the other form is
/// `seal_invalid`.
pub fn verify_with_form(
    seal_cert_pem: &str,
    algorithm: &str,
    form: SealForm,
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
    let message = form.message(ciphertext, user_identifier);
    cert.verify_signature(webpki::ring::ECDSA_P256_SHA256, &message, signature).map_err(|e| match e {
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

    #[test]
    fn each_form_verifies_its_own_seal_and_refuses_the_other_form() {
        let c = cloud();
        let signer = SealSigner::from_pkcs8_pem(&c.key_pem).unwrap();
        for form in SealForm::ALL {
            let sig = signer.sign_with_form(form, b"ciphertext", UID);
            verify_with_form(&c.cert_pem, ALGORITHM, form, b"ciphertext", UID, &sig).unwrap();
            for other in SealForm::ALL.into_iter().filter(|&o| o != form) {
                assert_eq!(
                    verify_with_form(&c.cert_pem, ALGORITHM, other, b"ciphertext", UID, &sig).unwrap_err(),
                    PhotoError::SealInvalid,
                    "a {form} seal verified as {other}"
                );
            }
        }
    }

    #[test]
    fn verify_and_sign_are_the_digest_as_message_form() {
        let c = cloud();
        let signer = SealSigner::from_pkcs8_pem(&c.key_pem).unwrap();
        let old = signer.sign(b"ciphertext", UID);
        verify_with_form(&c.cert_pem, ALGORITHM, SealForm::DigestAsMessage, b"ciphertext", UID, &old).unwrap();
        assert_eq!(
            verify_with_form(&c.cert_pem, ALGORITHM, SealForm::Plain, b"ciphertext", UID, &old).unwrap_err(),
            PhotoError::SealInvalid
        );
        let new = signer.sign_with_form(SealForm::DigestAsMessage, b"ciphertext", UID);
        verify(&c.cert_pem, ALGORITHM, b"ciphertext", UID, &new).unwrap();
        let plain = signer.sign_with_form(SealForm::Plain, b"ciphertext", UID);
        assert_eq!(verify(&c.cert_pem, ALGORITHM, b"ciphertext", UID, &plain).unwrap_err(), PhotoError::SealInvalid);
        assert_eq!(SealForm::default(), SealForm::DigestAsMessage);
    }

    /// Checks both forms against ring's own ECDSA verifier on the message each form defines, so
    /// the forms are what the module docs say and not merely consistent with each other.
    #[test]
    fn forms_sign_what_the_documentation_says() {
        use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};
        let key = rcgen::KeyPair::generate().unwrap();
        let public = UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, key.public_key_raw().to_vec());
        let signer = SealSigner::from_pkcs8_pem(&key.serialize_pem()).unwrap();
        let concatenated = [&b"ciphertext"[..], UID.as_bytes()].concat();
        let digest = digest(b"ciphertext", UID);

        let plain = signer.sign_with_form(SealForm::Plain, b"ciphertext", UID);
        public.verify(&concatenated, &plain).unwrap();
        assert!(public.verify(&digest, &plain).is_err());

        let twice = signer.sign_with_form(SealForm::DigestAsMessage, b"ciphertext", UID);
        public.verify(&digest, &twice).unwrap();
        assert!(public.verify(&concatenated, &twice).is_err());
    }

    #[test]
    fn plain_form_covers_ciphertext_and_identifier() {
        let c = cloud();
        let sig = SealSigner::from_pkcs8_pem(&c.key_pem).unwrap().sign_with_form(SealForm::Plain, b"ciphertext", UID);
        verify_with_form(&c.cert_pem, ALGORITHM, SealForm::Plain, b"ciphertext", UID, &sig).unwrap();
        let other = UID.replace("0b3c", "0b3d");
        for (ct, uid) in [(&b"ciphertexT"[..], UID), (&b"ciphertext"[..], other.as_str())] {
            assert_eq!(
                verify_with_form(&c.cert_pem, ALGORITHM, SealForm::Plain, ct, uid, &sig).unwrap_err(),
                PhotoError::SealInvalid
            );
        }
        // An empty identifier takes the borrowed path: still the plain concatenation, without a
        // separator like the digest (see above).
        let empty = SealSigner::from_pkcs8_pem(&c.key_pem).unwrap().sign_with_form(SealForm::Plain, b"ab", "");
        verify_with_form(&c.cert_pem, ALGORITHM, SealForm::Plain, b"ab", "", &empty).unwrap();
        verify_with_form(&c.cert_pem, ALGORITHM, SealForm::Plain, b"a", "b", &empty).unwrap();
        assert_eq!(
            verify_with_form(&c.cert_pem, ALGORITHM, SealForm::Plain, b"ab", "c", &empty).unwrap_err(),
            PhotoError::SealInvalid
        );
    }

    #[test]
    fn unknown_algorithm_is_refused_in_every_form() {
        for form in SealForm::ALL {
            let err = verify_with_form("garbage", "rsa-pkcs1-sha1", form, b"", UID, b"").unwrap_err();
            assert_eq!(err.code(), "seal_algorithm_unknown");
        }
        let c = cloud();
        let sig = SealSigner::from_pkcs8_pem(&c.key_pem).unwrap().sign_with_form(SealForm::Plain, b"x", UID);
        verify_with_form(&c.cert_pem, ALGORITHM, SealForm::Plain, b"x", UID, &sig).unwrap();
    }

    #[test]
    fn form_names_round_trip_through_from_str_and_serde() {
        for (form, name) in [(SealForm::DigestAsMessage, "digest_as_message"), (SealForm::Plain, "plain")] {
            assert_eq!(form.as_str(), name);
            assert_eq!(form.to_string(), name);
            assert_eq!(name.parse::<SealForm>().unwrap(), form);
            assert_eq!(serde_json::to_string(&form).unwrap(), format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<SealForm>(&format!("\"{name}\"")).unwrap(), form);
        }
    }

    #[test]
    fn unknown_form_is_refused_with_a_clear_error() {
        assert_eq!("plain".parse::<SealForm>().unwrap(), SealForm::Plain);
        for bad in ["", "Plain", "PLAIN", " plain", "prehashed", "digest-as-message", "DigestAsMessage"] {
            let err = bad.parse::<SealForm>().unwrap_err();
            assert_eq!(err.code(), "seal_form_unknown", "{bad:?}");
        }
        let err = "prehashed\n".parse::<SealForm>().unwrap_err();
        let message = err.to_string();
        assert!(message.contains("prehashed?"), "{message}");
        assert!(message.contains("digest_as_message") && message.contains("plain"), "{message}");
        let serde_err = serde_json::from_str::<SealForm>("\"prehashed\"").unwrap_err().to_string();
        assert!(serde_err.contains("prehashed") && serde_err.contains("digest_as_message"), "{serde_err}");
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
            let _ = verify_with_form(&pem, ALGORITHM, SealForm::Plain, b"x", UID, &sig);
        }
    }
}
