//! Photo encryption as the code describes it: AES-256-GCM (tag appended, no AAD) or AES-256-CBC
//! with PKCS#7 padding. The key lives only in the code.
//!
//! CBC is not authenticated and a padding check leaks; that is acceptable here only because the
//! desk verifies the cloud's seal over the ciphertext *before* decrypting (see [`crate::seal`]).

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use rand::rngs::OsRng;
use rand::RngCore;
use zeroize::Zeroize;

use crate::{Algorithm, PhotoCode, PhotoError};

type CbcEnc = cbc::Encryptor<aes::Aes256>;
type CbcDec = cbc::Decryptor<aes::Aes256>;

/// A fresh key and IV for one photo, from the operating system's RNG (TR-03170: one key per photo).
/// The caller puts both into a [`PhotoCode`], which wipes the key when dropped.
pub fn new_key_material(algorithm: Algorithm) -> ([u8; 32], Vec<u8>) {
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    let mut iv = vec![0u8; algorithm.iv_len()];
    OsRng.fill_bytes(&mut iv);
    (key, iv)
}

/// Encrypts a photo for upload (studio side and tests).
///
/// # Panics
/// If the code's public `iv` was changed to a length that does not fit its algorithm after the code
/// was built; `PhotoCode::new` and `parse` never produce such a code.
pub fn encrypt(code: &PhotoCode, plaintext: &[u8]) -> Vec<u8> {
    assert_eq!(code.iv.len(), code.algorithm.iv_len(), "IV length does not fit the algorithm");
    match code.algorithm {
        Algorithm::Aes256Gcm => Aes256Gcm::new(code.key().into())
            .encrypt(Nonce::from_slice(&code.iv), plaintext)
            // aes-gcm refuses only plaintexts beyond 64 GiB, far above any photo limit.
            .expect("photo too large for AES-GCM"),
        Algorithm::Aes256Cbc => {
            CbcEnc::new(code.key().into(), code.iv.as_slice().into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext)
        }
    }
}

/// Decrypts a fetched photo. A wrong key, a tampered GCM ciphertext or broken CBC padding all give
/// `decryption_failed`, with no detail that could serve as an oracle.
pub fn decrypt(code: &PhotoCode, ciphertext: &[u8]) -> Result<Vec<u8>, PhotoError> {
    if code.iv.len() != code.algorithm.iv_len() {
        return Err(PhotoError::WrongIvLength {
            algorithm: code.algorithm.name(),
            expected: code.algorithm.iv_len(),
            found: code.iv.len(),
        });
    }
    match code.algorithm {
        Algorithm::Aes256Gcm => decrypt_gcm(code, ciphertext),
        Algorithm::Aes256Cbc => CbcDec::new(code.key().into(), code.iv.as_slice().into())
            .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
            .map_err(|_| PhotoError::DecryptionFailed),
    }
}

/// AES-256-GCM with ring, whose assembly is several times faster than `aes-gcm` on a photo (it is
/// on the desk's path to the screen); the format is the same: 12-byte nonce, no AAD, the 16-byte
/// tag appended.
fn decrypt_gcm(code: &PhotoCode, ciphertext: &[u8]) -> Result<Vec<u8>, PhotoError> {
    use ring::aead::{Aad, LessSafeKey, Nonce as RingNonce, UnboundKey, AES_256_GCM};
    let key = UnboundKey::new(&AES_256_GCM, code.key()).map_err(|_| PhotoError::DecryptionFailed)?;
    let nonce = RingNonce::try_assume_unique_for_key(&code.iv).map_err(|_| PhotoError::DecryptionFailed)?;
    let mut buffer = ciphertext.to_vec();
    match LessSafeKey::new(key).open_in_place(nonce, Aad::empty(), &mut buffer) {
        Ok(plaintext) => {
            let len = plaintext.len();
            buffer.truncate(len);
            Ok(buffer)
        }
        Err(_) => {
            // ring may have left unauthenticated plaintext behind.
            buffer.zeroize();
            Err(PhotoError::DecryptionFailed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn code(algorithm: Algorithm, key: [u8; 32]) -> PhotoCode {
        let iv = vec![0x5A; algorithm.iv_len()];
        PhotoCode::new("https://c.example", Uuid::nil(), algorithm, iv, algorithm.default_padding(), key).unwrap()
    }

    const PHOTO: &[u8] = b"\xFF\xD8\xFF\xE0 not really a photo, but bytes all the same \xFF\xD9";

    #[test]
    fn both_algorithms_round_trip() {
        for alg in Algorithm::ALL {
            let c = code(alg, [1; 32]);
            let ct = encrypt(&c, PHOTO);
            assert_ne!(&ct[..], PHOTO);
            assert_eq!(decrypt(&c, &ct).unwrap(), PHOTO);
        }
    }

    #[test]
    fn gcm_appends_a_16_byte_tag() {
        let ct = encrypt(&code(Algorithm::Aes256Gcm, [1; 32]), PHOTO);
        assert_eq!(ct.len(), PHOTO.len() + 16);
    }

    #[test]
    fn cbc_pads_to_whole_blocks() {
        let c = code(Algorithm::Aes256Cbc, [1; 32]);
        assert_eq!(encrypt(&c, &[0; 16]).len(), 32, "a full block gets a whole padding block");
        assert_eq!(encrypt(&c, &[0; 15]).len(), 16);
    }

    // NIST SP 800-38A F.2.5 (CBC-AES256.Encrypt), first block; proves we use plain AES-256-CBC.
    #[test]
    fn cbc_matches_the_nist_vector() {
        let key: [u8; 32] =
            unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4").try_into().unwrap();
        let iv = unhex("000102030405060708090a0b0c0d0e0f");
        let c = PhotoCode::new("https://c.example", Uuid::nil(), Algorithm::Aes256Cbc, iv, "", key).unwrap();
        let ct = encrypt(&c, &unhex("6bc1bee22e409f96e93d7e117393172a"));
        assert_eq!(&ct[..16], &unhex("f58c4c04d6e5f1ba779eabfb5f7bfbd6")[..]);
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn wrong_key_fails() {
        for alg in Algorithm::ALL {
            let ct = encrypt(&code(alg, [1; 32]), PHOTO);
            let err = decrypt(&code(alg, [2; 32]), &ct).unwrap_err();
            assert_eq!(err.code(), "decryption_failed", "{alg:?}");
        }
    }

    #[test]
    fn tampered_gcm_ciphertext_fails_anywhere() {
        let c = code(Algorithm::Aes256Gcm, [1; 32]);
        let ct = encrypt(&c, PHOTO);
        for i in 0..ct.len() {
            let mut bad = ct.clone();
            bad[i] ^= 0x01;
            assert_eq!(decrypt(&c, &bad).unwrap_err(), PhotoError::DecryptionFailed, "byte {i}");
        }
        assert_eq!(decrypt(&c, &ct[..ct.len() - 1]).unwrap_err(), PhotoError::DecryptionFailed);
        assert_eq!(decrypt(&c, &[]).unwrap_err(), PhotoError::DecryptionFailed);
    }

    // CBC only notices damage that breaks the padding; the seal catches the rest before we get here.
    #[test]
    fn tampered_cbc_padding_fails() {
        let c = code(Algorithm::Aes256Cbc, [1; 32]);
        let ct = encrypt(&c, PHOTO);
        let mut bad = ct.clone();
        let n = bad.len();
        bad[n - 17] ^= 0xFF; // flips the last plaintext byte, i.e. the padding length
        assert_eq!(decrypt(&c, &bad).unwrap_err(), PhotoError::DecryptionFailed);
        assert_eq!(decrypt(&c, &ct[..n - 1]).unwrap_err(), PhotoError::DecryptionFailed, "not whole blocks");
        assert_eq!(decrypt(&c, &[]).unwrap_err(), PhotoError::DecryptionFailed);
    }

    #[test]
    fn key_material_has_the_right_shape_and_differs() {
        for alg in Algorithm::ALL {
            let (k1, iv1) = new_key_material(alg);
            let (k2, iv2) = new_key_material(alg);
            assert_eq!(iv1.len(), alg.iv_len());
            assert_ne!(k1, k2);
            assert_ne!(iv1, iv2);
        }
    }

    proptest! {
        #[test]
        fn arbitrary_ciphertext_never_panics(
            bytes in proptest::collection::vec(any::<u8>(), 0..100),
            gcm in any::<bool>(),
        ) {
            let alg = if gcm { Algorithm::Aes256Gcm } else { Algorithm::Aes256Cbc };
            let _ = decrypt(&code(alg, [3; 32]), &bytes);
        }

        /// Encryption is `aes-gcm`, decryption ring: two implementations must agree on every
        /// ciphertext, a damaged one included.
        #[test]
        fn gcm_decryption_agrees_with_the_aes_gcm_crate(
            plain in proptest::collection::vec(any::<u8>(), 0..300),
            key in any::<[u8; 32]>(),
            flip in any::<Option<(prop::sample::Index, u8)>>(),
        ) {
            let c = code(Algorithm::Aes256Gcm, key);
            let mut ct = encrypt(&c, &plain);
            if let Some((at, bits)) = flip {
                let i = at.index(ct.len());
                ct[i] ^= bits.max(1);
            }
            let reference = Aes256Gcm::new(c.key().into()).decrypt(Nonce::from_slice(&c.iv), &ct[..]).ok();
            prop_assert_eq!(decrypt(&c, &ct).ok(), reference.clone());
            prop_assert_eq!(reference.is_some(), flip.is_none());
        }

        #[test]
        fn round_trip(
            plain in proptest::collection::vec(any::<u8>(), 0..200),
            gcm in any::<bool>(),
            key in any::<[u8; 32]>(),
        ) {
            let alg = if gcm { Algorithm::Aes256Gcm } else { Algorithm::Aes256Cbc };
            let c = code(alg, key);
            prop_assert_eq!(decrypt(&c, &encrypt(&c, &plain)).unwrap(), plain);
        }
    }
}
