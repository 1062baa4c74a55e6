use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// An office ("Behörde" branch) as DVDV names it: the 8-digit official municipality
/// key (AGS) and a 2-digit branch, e.g. `05111000_01` for a Düsseldorf Bürgerbüro.
/// Prefixed with a category (`psb:`, `pab:`) it becomes an organisation key.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfficeId(String);

impl OfficeId {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        let bytes = raw.as_bytes();
        let valid = bytes.len() == 11
            && bytes[..8].iter().all(u8::is_ascii_digit)
            && bytes[8] == b'_'
            && bytes[9..].iter().all(u8::is_ascii_digit);
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::InvalidOfficeId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 8-digit official municipality key.
    pub fn municipality_key(&self) -> &str {
        &self.0[..8]
    }
}

impl fmt::Debug for OfficeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OfficeId({})", self.0)
    }
}

impl fmt::Display for OfficeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for OfficeId {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<OfficeId> for String {
    fn from(value: OfficeId) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ags_and_branch() {
        let id = OfficeId::parse("05111000_01").unwrap();
        assert_eq!(id.municipality_key(), "05111000");
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in ["05111000", "0511100_01", "05111000-01", "05111000_1", "psb:05111000_00"] {
            assert!(OfficeId::parse(bad).is_err(), "{bad}");
        }
    }
}
