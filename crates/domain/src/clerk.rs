use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// A clerk's login name: lower-case ASCII so that `Erika.M` and `erika.m` cannot
/// become two accounts, and so that it is safe in URLs and file names.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let normalised = raw.trim().to_ascii_lowercase();
        let valid_len = (3..=32).contains(&normalised.len());
        let valid_chars =
            normalised.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_'));
        if valid_len && valid_chars {
            Ok(Self(normalised))
        } else {
            Err(DomainError::InvalidUsername)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Username {
    // Usernames are often derived from real names: keep them out of debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Username(…)")
    }
}

impl TryFrom<String> for Username {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Username> for String {
    fn from(value: Username) -> Self {
        value.0
    }
}

/// A password as typed. Never printed, never logged: `Debug` is redacted and
/// there is no `Display` or `Serialize`.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    /// Argon2 hashes any length, but an unbounded input is a cheap denial of service.
    pub const MAX_CHARS: usize = 256;

    /// For a new password: length rules apply.
    pub fn parse_new(raw: &str) -> Result<Self, DomainError> {
        let chars = raw.chars().count();
        if (Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::InvalidPassword)
        }
    }

    /// For a login attempt: only the upper bound, so that an old short password
    /// still gets the ordinary "wrong credentials" answer.
    pub fn parse_attempt(raw: &str) -> Result<Self, DomainError> {
        if raw.is_empty() || raw.chars().count() > Self::MAX_CHARS {
            Err(DomainError::InvalidPassword)
        } else {
            Ok(Self(raw.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Password {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse_attempt(&value)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// The name shown on screen and on receipts, e.g. "Erika Mustermann".
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let trimmed = raw.trim();
        let chars = trimmed.chars().count();
        if (1..=80).contains(&chars) && !trimmed.chars().any(char::is_control) {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(DomainError::InvalidDisplayName)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DisplayName(…)")
    }
}

impl TryFrom<String> for DisplayName {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DisplayName> for String {
    fn from(value: DisplayName) -> Self {
        value.0
    }
}

/// What a clerk may do. Ordered: a supervisor can do all a clerk can, an admin all
/// a supervisor can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Clerk,
    Supervisor,
    Admin,
}

impl Role {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.trim() {
            "clerk" => Ok(Role::Clerk),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            _ => Err(DomainError::InvalidRole),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn may_act_as(self, required: Role) -> bool {
        self >= required
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn username_is_normalised_to_lower_case() {
        assert_eq!(Username::parse("  Erika.M ").unwrap().as_str(), "erika.m");
    }

    #[test]
    fn username_rejects_spaces_umlauts_and_bad_lengths() {
        for bad in ["er", "erika mustermann", "jürgen", "", &"a".repeat(33)] {
            assert_eq!(Username::parse(bad), Err(DomainError::InvalidUsername), "{bad:?}");
        }
    }

    #[test]
    fn password_debug_never_shows_the_secret() {
        let password = Password::parse_new("geheim-und-lang").unwrap();
        assert!(!format!("{password:?}").contains("geheim"));
    }

    #[test]
    fn new_password_needs_ten_characters_but_an_attempt_does_not() {
        assert!(Password::parse_new("kurz").is_err());
        assert!(Password::parse_attempt("kurz").is_ok());
        assert!(Password::parse_attempt("").is_err());
        assert!(Password::parse_attempt(&"x".repeat(257)).is_err());
    }

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Admin.may_act_as(Role::Supervisor));
        assert!(Role::Supervisor.may_act_as(Role::Clerk));
        assert!(!Role::Clerk.may_act_as(Role::Supervisor));
    }

    #[test]
    fn display_name_rejects_control_characters() {
        assert!(DisplayName::parse("Erika\u{0}Mustermann").is_err());
        assert_eq!(DisplayName::parse(" Erika Mustermann ").unwrap().as_str(), "Erika Mustermann");
    }

    proptest! {
        #[test]
        fn parsed_usernames_reparse_to_themselves(raw in "\\PC{0,40}") {
            if let Ok(name) = Username::parse(&raw) {
                prop_assert_eq!(Username::parse(name.as_str()).unwrap(), name);
            }
        }

        #[test]
        fn roles_round_trip(role in prop_oneof![Just(Role::Clerk), Just(Role::Supervisor), Just(Role::Admin)]) {
            prop_assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
    }
}
