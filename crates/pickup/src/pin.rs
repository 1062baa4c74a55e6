//! The pickup PIN: 6 digits from a CSPRNG, sent by SMS when the document is loaded, stored only as a
//! keyed hash, compared in constant time.
//!
//! # Why HMAC-SHA256 with a pepper, and not Argon2
//!
//! A 6-digit PIN has 10^6 values. Any *unkeyed* hash of it, however slow — Argon2id with a salt
//! included — is brute-forced offline by whoever reads the database: a million guesses per pickup
//! is minutes of work, so a slow hash buys nothing but load on the server. What protects the PIN is
//! a key the database does not hold: `HMAC-SHA256(pepper, pickup id ‖ PIN)` with a 32-byte server
//! secret (the pepper) that lives outside the database (a key file, like the central's other
//! secrets). A stolen database alone then reveals nothing; the pickup id in the input makes equal
//! PINs of different pickups hash differently. Online guessing at the box is stopped by the lock
//! after [`crate::MAX_WRONG_PINS`] wrong PINs per pickup and by [`crate::TerminalRateLimit`]; HMAC is
//! cheap, so the central can afford to run it for unknown numbers too ([`PinHasher::verify_unknown`]).

use std::fmt;

use hmac::{Hmac, Mac};
use rand::{CryptoRng, Rng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;
use zeroize::Zeroize;

use crate::PickupError;

/// The id of one pickup (one document loaded for one citizen): a UUID like the central's other ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PickupId(Uuid);

impl PickupId {
    pub const fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for PickupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A 6-digit PIN. `Debug` never shows it; the digits are wiped from memory on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct PickupPin([u8; PickupPin::LEN]);

impl PickupPin {
    pub const LEN: usize = 6;

    /// A uniformly random PIN (000000–999999) from a cryptographically secure generator.
    pub fn generate<R: CryptoRng + RngCore>(rng: &mut R) -> Self {
        let mut value: u32 = rng.gen_range(0..1_000_000);
        let mut digits = [b'0'; Self::LEN];
        for digit in digits.iter_mut().rev() {
            *digit = b'0' + (value % 10) as u8;
            value /= 10;
        }
        Self(digits)
    }

    /// Exactly 6 ASCII digits, surrounding white space ignored (what the terminal's keypad sends).
    pub fn parse(raw: &str) -> Result<Self, PickupError> {
        let bytes = raw.trim().as_bytes();
        let digits: [u8; Self::LEN] = bytes.try_into().map_err(|_| PickupError::InvalidPin)?;
        if digits.iter().all(u8::is_ascii_digit) {
            Ok(Self(digits))
        } else {
            Err(PickupError::InvalidPin)
        }
    }

    /// The digits, for the one SMS that carries them. Never log or store this.
    pub fn expose(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII digits")
    }
}

impl fmt::Debug for PickupPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PickupPin(******)")
    }
}

impl Drop for PickupPin {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The server secret that keys the PIN hash: 32 random bytes kept outside the database.
pub struct Pepper([u8; Pepper::LEN]);

impl Pepper {
    pub const LEN: usize = 32;

    pub fn from_bytes(bytes: [u8; Self::LEN]) -> Self {
        Self(bytes)
    }

    /// From a key file's contents: exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, PickupError> {
        let bytes: [u8; Self::LEN] = bytes.try_into().map_err(|_| PickupError::InvalidPepper)?;
        Ok(Self(bytes))
    }

    /// A new pepper for a new installation.
    pub fn generate<R: CryptoRng + RngCore>(rng: &mut R) -> Self {
        let mut bytes = [0u8; Self::LEN];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }
}

impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pepper(…)")
    }
}

impl Drop for Pepper {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// `HMAC-SHA256(pepper, …)` of one pickup's PIN: what the database stores. As text: 64 lower-case
/// hex digits.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PinHash([u8; PinHash::LEN]);

impl PinHash {
    pub const LEN: usize = 32;

    pub fn from_bytes(bytes: [u8; Self::LEN]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; Self::LEN] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// 64 hex digits (either case).
    pub fn parse_hex(raw: &str) -> Result<Self, PickupError> {
        let raw = raw.as_bytes();
        if raw.len() != Self::LEN * 2 {
            return Err(PickupError::InvalidPinHash);
        }
        let nibble = |b: u8| (b as char).to_digit(16).map(|v| v as u8).ok_or(PickupError::InvalidPinHash);
        let mut bytes = [0u8; Self::LEN];
        for (byte, pair) in bytes.iter_mut().zip(raw.chunks_exact(2)) {
            *byte = nibble(pair[0])? << 4 | nibble(pair[1])?;
        }
        Ok(Self(bytes))
    }
}

impl fmt::Debug for PinHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PinHash(…)")
    }
}

impl TryFrom<String> for PinHash {
    type Error = PickupError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse_hex(&value)
    }
}

impl From<PinHash> for String {
    fn from(value: PinHash) -> Self {
        value.to_hex()
    }
}

/// Hashes and checks PINs with the server's pepper. Cheap to clone; `Debug` hides the key.
#[derive(Clone)]
pub struct PinHasher {
    /// HMAC state already keyed with the pepper; cloned for every PIN.
    keyed: Hmac<Sha256>,
}

/// Domain separation: these bytes start every hashed message, so the pepper's MAC means nothing
/// elsewhere, and a later scheme can use another label.
const LABEL: &[u8] = b"schalter-pickup-pin-v1\0";

/// The pickup id the dummy check of an unknown number hashes with (the nil UUID, never a real id).
const DUMMY_PICKUP: PickupId = PickupId(Uuid::nil());

/// The stored hash the dummy check compares with. Any 32 bytes do: the result is thrown away.
const DUMMY_HASH: [u8; PinHash::LEN] = [0x5a; PinHash::LEN];

impl PinHasher {
    pub fn new(pepper: &Pepper) -> Self {
        let keyed = <Hmac<Sha256> as Mac>::new_from_slice(&pepper.0).expect("HMAC takes keys of any length");
        Self { keyed }
    }

    /// The MAC of (label, pickup id, PIN): fixed lengths, so no two inputs share a message.
    fn mac(&self, pickup: PickupId, pin: &PickupPin) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        mac.update(LABEL);
        mac.update(pickup.0.as_bytes());
        mac.update(&pin.0);
        mac
    }

    /// What to store for `pin` of `pickup` at loading.
    pub fn hash(&self, pickup: PickupId, pin: &PickupPin) -> PinHash {
        PinHash(self.mac(pickup, pin).finalize().into_bytes().into())
    }

    /// Whether `candidate` is the PIN of `pickup`, compared in constant time (`hmac`'s
    /// `verify_slice`, which uses `subtle`).
    pub fn verify(&self, candidate: &PickupPin, pickup: PickupId, stored: &PinHash) -> bool {
        self.mac(pickup, candidate).verify_slice(&stored.0).is_ok()
    }

    /// The same work as [`PinHasher::verify`] for a phone number that has no pickup: one HMAC of the
    /// same length and one constant-time comparison against a fixed dummy. Always `false`; the
    /// central calls it so that unknown numbers cost the same time as known ones.
    pub fn verify_unknown(&self, candidate: &PickupPin) -> bool {
        let matched = self.mac(DUMMY_PICKUP, candidate).verify_slice(&DUMMY_HASH).is_ok();
        // Keep the comparison from being optimised away; its result does not matter.
        let _ = std::hint::black_box(matched);
        false
    }
}

impl fmt::Debug for PinHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PinHasher(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn hasher() -> PinHasher {
        PinHasher::new(&Pepper::from_bytes([7; 32]))
    }

    fn id(n: u128) -> PickupId {
        PickupId::from_uuid(Uuid::from_u128(n))
    }

    #[test]
    fn pins_parse_as_six_digits_only() {
        assert_eq!(PickupPin::parse("012345").unwrap().expose(), "012345");
        assert_eq!(PickupPin::parse(" 999999\n").unwrap().expose(), "999999");
        for bad in ["", "12345", "1234567", "12345a", "12 345", "１２３４５６", "-12345"] {
            assert_eq!(PickupPin::parse(bad), Err(PickupError::InvalidPin), "{bad:?}");
        }
    }

    #[test]
    fn debug_never_shows_the_pin_the_pepper_or_the_hash() {
        let pin = PickupPin::parse("424242").unwrap();
        assert_eq!(format!("{pin:?}"), "PickupPin(******)");
        assert!(!format!("{:?}", Some(&pin)).contains("42"));
        let pepper = Pepper::from_bytes([0xab; 32]);
        assert!(!format!("{pepper:?}").to_lowercase().contains("ab"));
        let hash = PinHasher::new(&pepper).hash(id(1), &pin);
        assert!(!format!("{hash:?}").contains(&hash.to_hex()[..8]));
        assert_eq!(format!("{:?}", PinHasher::new(&pepper)), "PinHasher(…)");
    }

    #[test]
    fn generated_pins_cover_all_digits_with_leading_zeros() {
        let mut rng = StdRng::seed_from_u64(10);
        let pins: Vec<String> = (0..2000).map(|_| PickupPin::generate(&mut rng).expose().to_owned()).collect();
        assert!(pins.iter().all(|pin| pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit())));
        for position in 0..6 {
            for digit in b'0'..=b'9' {
                assert!(pins.iter().any(|pin| pin.as_bytes()[position] == digit), "{position} {digit}");
            }
        }
        let mut distinct = pins.clone();
        distinct.sort();
        distinct.dedup();
        assert!(distinct.len() > 1990, "about 2 collisions expected among 2000");
        // The operating system's generator is a CryptoRng too.
        let _ = PickupPin::generate(&mut rand::rngs::OsRng);
    }

    #[test]
    fn the_hash_is_keyed_by_pepper_and_pickup_and_verifies() {
        let pin = PickupPin::parse("123456").unwrap();
        let hash = hasher().hash(id(1), &pin);
        assert!(hasher().verify(&pin, id(1), &hash));
        assert!(!hasher().verify(&PickupPin::parse("123457").unwrap(), id(1), &hash));
        assert!(!hasher().verify(&pin, id(2), &hash), "another pickup with the same PIN");
        assert_ne!(hasher().hash(id(2), &pin), hash);
        let other_pepper = PinHasher::new(&Pepper::from_bytes([8; 32]));
        assert!(!other_pepper.verify(&pin, id(1), &hash));
        assert_ne!(other_pepper.hash(id(1), &pin), hash);
        // The unknown-number check never succeeds, not even with the PIN of a real pickup.
        assert!(!hasher().verify_unknown(&pin));
        assert!(!hasher().verify(&pin, DUMMY_PICKUP, &PinHash(DUMMY_HASH)));
    }

    #[test]
    fn the_hash_is_hmac_sha256_of_label_id_and_pin() {
        // Recomputed by hand with the same primitives: the stored format is fixed.
        let pin = PickupPin::parse("000000").unwrap();
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&[7; 32]).unwrap();
        mac.update(b"schalter-pickup-pin-v1\0");
        mac.update(&[0; 15]);
        mac.update(&[1]);
        mac.update(b"000000");
        let expected: [u8; 32] = mac.finalize().into_bytes().into();
        assert_eq!(hasher().hash(id(1), &pin).as_bytes(), &expected);
    }

    #[test]
    fn hashes_round_trip_as_hex_and_refuse_other_text() {
        let hash = hasher().hash(id(3), &PickupPin::parse("654321").unwrap());
        let hex = hash.to_hex();
        assert_eq!(hex.len(), 64);
        assert!(hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(PinHash::parse_hex(&hex).unwrap(), hash);
        assert_eq!(PinHash::parse_hex(&hex.to_uppercase()).unwrap(), hash);
        assert_eq!(serde_json::to_value(&hash).unwrap(), serde_json::Value::String(hex.clone()));
        assert_eq!(serde_json::from_value::<PinHash>(serde_json::Value::String(hex.clone())).unwrap(), hash);
        for bad in ["", &hex[..63], &format!("{hex}0"), &format!("{}g", &hex[..63])] {
            assert_eq!(PinHash::parse_hex(bad), Err(PickupError::InvalidPinHash), "{bad}");
        }
        assert!(Pepper::from_slice(&[1; 31]).is_err());
        assert!(Pepper::from_slice(&[1; 33]).is_err());
        assert!(Pepper::from_slice(&[1; 32]).is_ok());
        let _ = Pepper::generate(&mut StdRng::seed_from_u64(1));
    }

    proptest! {
        #[test]
        fn exactly_the_stored_pin_verifies(stored in 0u32..1_000_000, tried in 0u32..1_000_000, pickup: u128) {
            let stored = PickupPin::parse(&format!("{stored:06}")).unwrap();
            let tried = PickupPin::parse(&format!("{tried:06}")).unwrap();
            let hash = hasher().hash(id(pickup), &stored);
            prop_assert_eq!(hasher().verify(&tried, id(pickup), &hash), tried == stored);
            prop_assert!(!hasher().verify_unknown(&tried));
        }
    }
}
