//! The applicant's address (domain.md §3.2: street + house number ≤ 50, PLZ exactly 5 digits,
//! PLZ + place ≤ 49) or "keine Wohnung in Deutschland" (PAuswG §5(2)).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::{parse_text, text_newtype, Charset};
use crate::{Field, FieldError, FieldErrorKind};

/// Street and house number in one field, as the order carries them.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Street(String);

impl Street {
    pub const MAX_CHARS: usize = 50;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        parse_text(Field::Street, raw, Self::MAX_CHARS, Charset::Street).map(Self)
    }
}
text_newtype!(Street);

/// A German postcode: exactly five digits.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PostalCode(String);

impl PostalCode {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(FieldError::new(Field::PostalCode, FieldErrorKind::Required));
        }
        if value.len() != 5 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(Field::PostalCode, FieldErrorKind::InvalidFormat));
        }
        Ok(Self(value.to_owned()))
    }
}
text_newtype!(PostalCode);

/// The place of residence. "PLZ + place ≤ 49" is read with the space between them, the way the
/// line is printed ("40213 Düsseldorf"), so the place itself has at most 49 − 6 = 43 characters.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Place(String);

impl Place {
    pub const MAX_CHARS: usize = 49 - 5 - 1;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        parse_text(Field::Place, raw, Self::MAX_CHARS, Charset::Place).map(Self)
    }
}
text_newtype!(Place);

/// An address in Germany.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    pub street: Street,
    pub postal_code: PostalCode,
    pub place: Place,
}

impl Address {
    /// Parses all three parts and reports every wrong one.
    pub fn parse(street: &str, postal_code: &str, place: &str) -> Result<Self, Vec<FieldError>> {
        let (street, postal_code, place) = (Street::parse(street), PostalCode::parse(postal_code), Place::parse(place));
        match (street, postal_code, place) {
            (Ok(street), Ok(postal_code), Ok(place)) => Ok(Self { street, postal_code, place }),
            (street, postal_code, place) => {
                Err([street.err(), postal_code.err(), place.err()].into_iter().flatten().collect())
            }
        }
    }

    /// "40213 Düsseldorf".
    pub fn postal_line(&self) -> String {
        format!("{} {}", self.postal_code, self.place)
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Address(…)")
    }
}

/// Where the applicant lives, as the ID card prints it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Residence {
    Germany(Address),
    /// "keine Wohnung in Deutschland" (PAuswG §5(2)). Foreign addresses with their ICAO state code
    /// (domain.md §3.2) are not captured.
    NoResidenceInGermany,
}

impl Residence {
    pub fn address(&self) -> Option<&Address> {
        match self {
            Residence::Germany(address) => Some(address),
            Residence::NoResidenceInGermany => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn street() {
        assert_eq!(Street::parse(" Heidestraße  17 ").unwrap().as_str(), "Heidestraße 17");
        assert!(Street::parse("Am Markt 3a/1").is_ok());
        assert!(Street::parse(&format!("{} 1", "s".repeat(48))).is_ok());
        assert_eq!(Street::parse(&"s".repeat(51)).unwrap_err().kind, FieldErrorKind::TooLong { max: 50 });
        assert_eq!(Street::parse("17").unwrap_err().kind, FieldErrorKind::InvalidCharacters);
        assert_eq!(Street::parse("Weg #3").unwrap_err().kind, FieldErrorKind::InvalidCharacters);
        assert_eq!(Street::parse("").unwrap_err(), FieldError::new(Field::Street, FieldErrorKind::Required));
    }

    #[test]
    fn postal_code() {
        assert_eq!(PostalCode::parse(" 40213 ").unwrap().as_str(), "40213");
        assert_eq!(PostalCode::parse("01067").unwrap().as_str(), "01067");
        for bad in ["4021", "402133", "4021a", "40 213", "D-40213"] {
            assert_eq!(PostalCode::parse(bad).unwrap_err().kind, FieldErrorKind::InvalidFormat, "{bad}");
        }
        assert_eq!(PostalCode::parse("").unwrap_err().kind, FieldErrorKind::Required);
        assert_eq!(PostalCode::parse("x").unwrap_err().field, Field::PostalCode);
    }

    #[test]
    fn place() {
        assert_eq!(Place::parse("Düsseldorf").unwrap().as_str(), "Düsseldorf");
        assert!(Place::parse("Frankfurt am Main").is_ok());
        assert!(Place::parse(&"p".repeat(43)).is_ok());
        assert_eq!(Place::parse(&"p".repeat(44)).unwrap_err().kind, FieldErrorKind::TooLong { max: 43 });
        assert_eq!(Place::parse("40213").unwrap_err().kind, FieldErrorKind::InvalidCharacters);
        let longest = Address::parse("Heidestraße 17", "51147", &"p".repeat(43)).unwrap();
        assert_eq!(longest.postal_line().chars().count(), 49);
    }

    #[test]
    fn address_reports_every_wrong_part() {
        let errors = Address::parse("", "4021", "Köln1").unwrap_err();
        let fields: Vec<Field> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, [Field::Street, Field::PostalCode, Field::Place]);
        let address = Address::parse("Heidestraße 17", "51147", "Köln").unwrap();
        assert_eq!(address.postal_line(), "51147 Köln");
        assert_eq!(format!("{address:?}"), "Address(…)");
        assert!(!format!("{:?}", Residence::Germany(address)).contains("Köln"));
    }

    proptest! {
        #[test]
        fn parts_reparse_their_display(street in "[A-Za-zäöüß0-9 ./-]{0,60}", plz in "[0-9]{4,6}", place in "[A-Za-zäöü() -]{0,50}") {
            if let Ok(v) = Street::parse(&street) { prop_assert_eq!(Street::parse(&v.to_string()).unwrap(), v); }
            if let Ok(v) = PostalCode::parse(&plz) { prop_assert_eq!(PostalCode::parse(&v.to_string()).unwrap(), v); }
            if let Ok(v) = Place::parse(&place) {
                prop_assert_eq!(Place::parse(&v.to_string()).unwrap(), v.clone());
                let line = format!("12345 {v}");
                prop_assert!(line.chars().count() <= 49);
            }
        }
    }
}
