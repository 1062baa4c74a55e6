use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{DomainError, OfficeId};

/// DVDV category of an authority (TR-03132 §5.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgCategory {
    /// Personalausweisbehörde
    Pab,
    /// Passbehörde
    Psb,
    /// eID
    Eid,
    /// Ausländerbehörde
    Azr,
    /// Dokumentenhersteller
    Dbs,
}

impl OrgCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgCategory::Pab => "pab",
            OrgCategory::Psb => "psb",
            OrgCategory::Eid => "eid",
            OrgCategory::Azr => "azr",
            OrgCategory::Dbs => "dbs",
        }
    }

    /// TR-03170 part 1 §2.8.2: a photo cloud serves only passport, ID card and
    /// foreigners' authorities.
    pub fn may_fetch_photos(self) -> bool {
        matches!(self, OrgCategory::Pab | OrgCategory::Psb | OrgCategory::Azr)
    }
}

/// A DVDV organisation key: category, colon, authority id, e.g. `psb:05111000_00`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrganisationKey {
    category: OrgCategory,
    authority: OfficeId,
}

impl OrganisationKey {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let (prefix, id) = raw.trim().split_once(':').ok_or(DomainError::InvalidOrganisationKey)?;
        let category = match prefix {
            "pab" => OrgCategory::Pab,
            "psb" => OrgCategory::Psb,
            "eid" => OrgCategory::Eid,
            "azr" => OrgCategory::Azr,
            "dbs" => OrgCategory::Dbs,
            _ => return Err(DomainError::InvalidOrganisationKey),
        };
        let authority = OfficeId::parse(id).map_err(|_| DomainError::InvalidOrganisationKey)?;
        Ok(Self { category, authority })
    }

    pub fn category(&self) -> OrgCategory {
        self.category
    }

    pub fn authority(&self) -> &OfficeId {
        &self.authority
    }
}

impl fmt::Display for OrganisationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.category.as_str(), self.authority)
    }
}

impl fmt::Debug for OrganisationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OrganisationKey({self})")
    }
}

impl TryFrom<String> for OrganisationKey {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<OrganisationKey> for String {
    fn from(value: OrganisationKey) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_dvdv_keys() {
        let key = OrganisationKey::parse("psb:05111000_00").unwrap();
        assert_eq!(key.category(), OrgCategory::Psb);
        assert_eq!(key.to_string(), "psb:05111000_00");
    }

    #[test]
    fn only_pass_id_and_foreigners_authorities_may_fetch_photos() {
        for (raw, allowed) in [
            ("pab:05111000_00", true),
            ("psb:05111000_00", true),
            ("azr:05111000_00", true),
            ("eid:05111000_00", false),
            ("dbs:05111000_00", false),
        ] {
            assert_eq!(OrganisationKey::parse(raw).unwrap().category().may_fetch_photos(), allowed, "{raw}");
        }
    }

    #[test]
    fn rejects_malformed_keys() {
        for bad in ["05111000_00", "xyz:05111000_00", "psb:0511", "psb:"] {
            assert!(OrganisationKey::parse(bad).is_err(), "{bad}");
        }
    }
}
