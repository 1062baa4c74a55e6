use std::fmt;

use rand::rngs::OsRng;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use zeroize::{ZeroizeOnDrop, Zeroizing};

/// The store's data key: 256 random bits, made once per store by [`crate::DeskStore::create`], kept on disk
/// only wrapped for each clerk in the keyring. Zeroized on drop; `Debug` is redacted; no `Display`/`Serialize`.
#[derive(Clone, ZeroizeOnDrop)]
pub struct DataKey([u8; DataKey::LEN]);

impl DataKey {
    pub const LEN: usize = 32;

    pub(crate) fn generate() -> Self {
        let mut bytes = [0u8; Self::LEN];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Self> {
        let bytes: [u8; Self::LEN] = bytes.try_into().ok()?;
        Some(Self(bytes))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; Self::LEN] {
        &self.0
    }

    /// SQLCipher's raw key form `"x'<64 hex>'"`: used as the key as is, no PBKDF2 at open.
    pub(crate) fn sqlcipher_pragma_value(&self) -> Zeroizing<String> {
        let mut value = Zeroizing::new(String::with_capacity(2 * Self::LEN + 4));
        value.push_str("\"x'");
        for byte in self.0 {
            value.push(hex_digit(byte >> 4));
            value.push(hex_digit(byte & 0x0f));
        }
        value.push_str("'\"");
        value
    }

    /// A one-way check value stored in the keyring so that a key meant for another store is refused
    /// before it is wrapped for a clerk. Reveals nothing about the key (256 random bits behind SHA-256).
    pub(crate) fn check_value(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(b"schalter-store key check v1\0");
        hasher.update(self.0);
        hasher.finalize().into()
    }

    /// For tests of the wrong-key path: a fresh random key that fits no store.
    #[doc(hidden)]
    pub fn random_for_tests() -> Self {
        Self::generate()
    }
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(nibble)])
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl PartialEq for DataKey {
    fn eq(&self, other: &Self) -> bool {
        // Constant time: OR the XOR of every byte pair instead of stopping at the first difference.
        let mut diff = 0u8;
        for (a, b) in self.0.iter().zip(other.0.iter()) {
            diff |= a ^ b;
        }
        diff == 0
    }
}

impl Eq for DataKey {}

/// The key the central API keeps for this desk and hands out with every successful login over the desk's
/// certificate (`Session::desk_store_key`): the keyring wraps the data key with it too, so that a clerk new at
/// this desk, or one whose password changed centrally, opens the desk's one store without anyone else's
/// password. Zeroized on drop; `Debug` is redacted.
#[derive(Clone, ZeroizeOnDrop)]
pub struct DeskKey([u8; DeskKey::LEN]);

impl DeskKey {
    pub const LEN: usize = 32;

    /// From the Base64 text the central sends (256 bits, standard alphabet).
    pub fn from_base64(text: &str) -> Result<Self, crate::StoreError> {
        use base64::Engine as _;
        let decoded = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| crate::StoreError::InvalidInput("Arbeitsplatz-Schlüssel"))?,
        );
        let bytes: [u8; Self::LEN] =
            decoded.as_slice().try_into().map_err(|_| crate::StoreError::InvalidInput("Arbeitsplatz-Schlüssel"))?;
        Ok(Self(bytes))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; Self::LEN] {
        &self.0
    }

    /// For tests: a fresh random key.
    #[doc(hidden)]
    pub fn random_for_tests() -> Self {
        let mut bytes = [0u8; Self::LEN];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }
}

impl fmt::Debug for DeskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeskKey(…)")
    }
}
