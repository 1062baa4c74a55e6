//! What a booking carries: the code the citizen gets (to cancel, and to check in at the office),
//! kept by the central only as its hash, and the family name the clerk greets them by.

use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::AppointmentError;

/// No I, O, 0, 1: a code read aloud or typed from a printout is not misread.
const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const LENGTH: usize = 8;

/// A booking code: 8 characters of a 32-letter alphabet (40 bits), shown as `K7QX-M2PA`.
#[derive(Clone, PartialEq, Eq)]
pub struct BookingCode(String);

impl BookingCode {
    /// A fresh code from the operating system's CSPRNG: one read of 8 bytes, 5 bits of each (256 is a
    /// multiple of 32, so every letter is equally likely).
    pub fn generate() -> Self {
        let mut bytes = [0u8; LENGTH];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes.iter().map(|byte| char::from(ALPHABET[usize::from(byte % 32)])).collect())
    }

    /// As typed: case, spaces and dashes do not matter.
    pub fn parse(raw: &str) -> Result<Self, AppointmentError> {
        let normal: String =
            raw.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
        if normal.len() == LENGTH && normal.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(Self(normal))
        } else {
            Err(AppointmentError::InvalidBookingCode)
        }
    }

    /// `K7QX-M2PA`.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..4], &self.0[4..])
    }

    /// Lower-hex SHA-256 of the normalised code: what the central stores and the desks match.
    pub fn hash(&self) -> String {
        Sha256::digest(self.0.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

/// Never printed in logs or panics.
impl std::fmt::Debug for BookingCode {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("BookingCode(…)")
    }
}

/// The family name given at booking: trimmed, 1–80 characters, no control characters.
#[derive(Clone, PartialEq, Eq)]
pub struct FamilyName(String);

impl FamilyName {
    pub fn parse(raw: &str) -> Result<Self, AppointmentError> {
        let name = raw.trim();
        let length = name.chars().count();
        if (1..=80).contains(&length) && !name.chars().any(char::is_control) {
            Ok(Self(name.to_owned()))
        } else {
            Err(AppointmentError::InvalidFamilyName)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Personal data: never in logs.
impl std::fmt::Debug for FamilyName {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("FamilyName(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_code_is_read_back_however_it_is_typed() {
        let code = BookingCode::parse("K7QX-M2PA").expect("valid");
        assert_eq!(BookingCode::parse(" k7qx m2pa ").unwrap(), code);
        assert_eq!(code.display(), "K7QX-M2PA");
        assert_eq!(code.hash(), BookingCode::parse("K7QXM2PA").unwrap().hash());
        assert_eq!(code.hash().len(), 64);
        for wrong in ["K7QX-M2P", "K7QX-M2PAA", "K7QX-M2P0", "I7QX-M2PA", "K7QX-M2PÄ", ""] {
            assert_eq!(BookingCode::parse(wrong), Err(AppointmentError::InvalidBookingCode), "{wrong}");
        }
        assert_eq!(format!("{code:?}"), "BookingCode(…)");
    }

    #[test]
    fn family_names_are_trimmed_and_bounded() {
        assert_eq!(FamilyName::parse("  Mustermann ").unwrap().as_str(), "Mustermann");
        assert!(FamilyName::parse(&"ä".repeat(80)).is_ok());
        assert_eq!(FamilyName::parse(&"ä".repeat(81)), Err(AppointmentError::InvalidFamilyName));
        assert_eq!(FamilyName::parse("  "), Err(AppointmentError::InvalidFamilyName));
        assert_eq!(FamilyName::parse("Muster\u{7}mann"), Err(AppointmentError::InvalidFamilyName));
    }

    proptest! {
        #[test]
        fn generated_codes_parse_and_differ(_seed in 0u8..32) {
            let code = BookingCode::generate();
            prop_assert_eq!(BookingCode::parse(&code.display()).unwrap(), code.clone());
            prop_assert_ne!(BookingCode::generate(), code);
        }
    }
}
