use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::PhotoError;

const SEPARATOR: &str = ":::";

/// The uploader's "Nutzerkennung" (TR-03170 part 1 §2.5–2.6): cloud service, provider account and
/// user registration, three UUIDs joined by `:::`. The office stores it with the application as
/// "lichtbildaufnehmende Stelle", and the cloud's seal covers it.
///
/// Kept exactly as the cloud sent it (hex case included), because the seal is computed over these
/// bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserIdentifier(String);

impl UserIdentifier {
    /// Each part must be a hyphenated UUID (36 characters); braces, URNs and the simple form are
    /// refused so that two spellings of one identifier cannot both circulate.
    pub fn parse(raw: &str) -> Result<Self, PhotoError> {
        let mut parts = 0;
        for part in raw.split(SEPARATOR) {
            parts += 1;
            if part.len() != 36 || Uuid::try_parse(part).is_err() {
                return Err(PhotoError::InvalidUserIdentifier);
            }
        }
        if parts != 3 {
            return Err(PhotoError::InvalidUserIdentifier);
        }
        Ok(Self(raw.to_owned()))
    }

    /// A fresh identifier for the reference cloud (three random UUIDv4).
    pub fn new_random() -> Self {
        Self::from_parts([Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()])
    }

    pub fn from_parts(parts: [Uuid; 3]) -> Self {
        let [a, b, c] = parts.map(|u| u.hyphenated().to_string());
        Self(format!("{a}{SEPARATOR}{b}{SEPARATOR}{c}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for UserIdentifier {
    type Error = PhotoError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<UserIdentifier> for String {
    fn from(value: UserIdentifier) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GOOD: &str =
        "0b3c1d7e-2f4a-4b6c-8d9e-0f1a2b3c4d5e:::1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5:::9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";

    #[test]
    fn canonical_identifier_parses() {
        let id = UserIdentifier::parse(GOOD).unwrap();
        assert_eq!(id.as_str(), GOOD);
        assert_eq!(id.to_string(), GOOD);
    }

    #[test]
    fn other_shapes_are_refused() {
        let two = GOOD.rsplit_once(":::").unwrap().0.to_owned();
        let four = format!("{GOOD}:::{}", &GOOD[..36]);
        let simple = GOOD.replace('-', "");
        let spaced = format!(" {GOOD}");
        for bad in [&two, &four, &simple, &spaced, "", ":::::::", &GOOD.replace(":::", "::")] {
            assert_eq!(UserIdentifier::parse(bad).unwrap_err().code(), "invalid_user_identifier", "{bad}");
        }
    }

    #[test]
    fn upper_case_hex_is_kept_as_sent() {
        let upper = GOOD.to_uppercase();
        assert_eq!(UserIdentifier::parse(&upper).unwrap().as_str(), upper);
    }

    #[test]
    fn random_identifiers_parse_and_differ() {
        let a = UserIdentifier::new_random();
        assert_eq!(UserIdentifier::parse(a.as_str()).unwrap(), a);
        assert_ne!(a, UserIdentifier::new_random());
    }

    #[test]
    fn serde_uses_the_plain_string_and_validates() {
        let id = UserIdentifier::parse(GOOD).unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{GOOD}\""));
        assert!(serde_json::from_str::<UserIdentifier>("\"nope\"").is_err());
    }

    proptest! {
        #[test]
        fn from_parts_always_parses(a in any::<u128>(), b in any::<u128>(), c in any::<u128>()) {
            let id = UserIdentifier::from_parts([Uuid::from_u128(a), Uuid::from_u128(b), Uuid::from_u128(c)]);
            prop_assert_eq!(UserIdentifier::parse(id.as_str()).unwrap(), id);
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,130}") {
            let _ = UserIdentifier::parse(&text);
        }
    }
}
