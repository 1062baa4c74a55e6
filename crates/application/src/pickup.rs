//! How the finished document reaches the applicant (domain.md §3.5, §3.7, §4).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Field, FieldError, FieldErrorKind};

/// A mobile number in E.164 form (`+4915123456789`), for the pickup box's text message.
///
/// Clerks type national numbers (`0151 2345 6789`), so a single leading 0 means Germany and `00`
/// means `+`. German numbers must be mobile (015x, 016x, 017x): a landline cannot receive the SMS
/// with the box PIN. Foreign numbers are only checked for E.164 shape.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MobileNumber(String);

impl MobileNumber {
    /// E.164: at most 15 digits after the `+`. Below 8 no real mobile number exists.
    const MIN_DIGITS: usize = 8;
    const MAX_DIGITS: usize = 15;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let error = |kind| FieldError::new(Field::MobileNumber, kind);
        let compact: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '/' | '(' | ')' | '.')).collect();
        if compact.is_empty() {
            return Err(error(FieldErrorKind::Required));
        }
        let digits = if let Some(rest) = compact.strip_prefix('+') {
            rest.to_owned()
        } else if let Some(rest) = compact.strip_prefix("00") {
            rest.to_owned()
        } else if let Some(rest) = compact.strip_prefix('0') {
            format!("49{rest}")
        } else {
            return Err(error(FieldErrorKind::InvalidFormat));
        };
        let shape_ok = digits.bytes().all(|b| b.is_ascii_digit())
            && (Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&digits.len())
            && !digits.starts_with('0');
        if !shape_ok {
            return Err(error(FieldErrorKind::InvalidFormat));
        }
        if let Some(national) = digits.strip_prefix("49") {
            if !(national.starts_with("15") || national.starts_with("16") || national.starts_with("17")) {
                return Err(error(FieldErrorKind::NotMobile));
            }
        }
        Ok(Self(format!("+{digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MobileNumber(…)")
    }
}

impl fmt::Display for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for MobileNumber {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<MobileNumber> for String {
    fn from(value: MobileNumber) -> Self {
        value.0
    }
}

/// The pickup way the customer chose.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Pickup {
    /// At the counter; the only way for documents issued on the spot.
    Counter,
    /// From the pickup box (Dokumentenausgabebox). Exists only with the customer's consent to store
    /// the number (domain.md §4.1).
    PickupBox { mobile: MobileNumber },
    /// Sent to the applicant's door by Deutsche Post ("Direktversand", 15 €, domain.md §3.5).
    DirectDelivery,
}

impl Pickup {
    pub fn key(&self) -> &'static str {
        match self {
            Pickup::Counter => "counter",
            Pickup::PickupBox { .. } => "pickup_box",
            Pickup::DirectDelivery => "direct_delivery",
        }
    }

    pub fn label_de(&self) -> &'static str {
        match self {
            Pickup::Counter => "Abholung am Schalter",
            Pickup::PickupBox { .. } => "Abholung an der Ausgabebox",
            Pickup::DirectDelivery => "Direktversand",
        }
    }

    pub fn label_en(&self) -> &'static str {
        match self {
            Pickup::Counter => "Pickup at the counter",
            Pickup::PickupBox { .. } => "Pickup at the pickup box",
            Pickup::DirectDelivery => "Direct delivery",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kind(raw: &str) -> FieldErrorKind {
        let error = MobileNumber::parse(raw).unwrap_err();
        assert_eq!(error.field, Field::MobileNumber);
        error.kind
    }

    #[test]
    fn mobile_numbers_become_e164() {
        assert_eq!(MobileNumber::parse("0151 23456789").unwrap().as_str(), "+4915123456789");
        assert_eq!(MobileNumber::parse("+49 (151) 234-56789").unwrap().as_str(), "+4915123456789");
        assert_eq!(MobileNumber::parse("0049 171 2345678").unwrap().as_str(), "+491712345678");
        assert_eq!(MobileNumber::parse("+33 6 12 34 56 78").unwrap().as_str(), "+33612345678");
        assert_eq!(kind(""), FieldErrorKind::Required);
        assert_eq!(kind("0211 8991"), FieldErrorKind::NotMobile);
        assert_eq!(kind("+49 211 899100"), FieldErrorKind::NotMobile);
        assert_eq!(kind("151 23456789"), FieldErrorKind::InvalidFormat);
        assert_eq!(kind("+49 151 2345678901234"), FieldErrorKind::InvalidFormat);
        assert_eq!(kind("+0151234567"), FieldErrorKind::InvalidFormat);
        assert_eq!(kind("+1234"), FieldErrorKind::InvalidFormat);
        assert_eq!(kind("0151 2345678x"), FieldErrorKind::InvalidFormat);
        assert!(!format!("{:?}", MobileNumber::parse("0151 23456789").unwrap()).contains("151"));
    }

    #[test]
    fn pickup_serialises_with_its_kind() {
        let pickup = Pickup::PickupBox { mobile: MobileNumber::parse("015123456789").unwrap() };
        let json = serde_json::to_value(&pickup).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "pickup_box", "mobile": "+4915123456789"}));
        assert_eq!(serde_json::from_value::<Pickup>(json).unwrap(), pickup);
        assert_eq!(
            serde_json::to_value(Pickup::DirectDelivery).unwrap(),
            serde_json::json!({"kind": "direct_delivery"})
        );
    }

    proptest! {
        #[test]
        fn numbers_reparse_their_display(raw in "[+0-9 ]{0,20}") {
            if let Ok(number) = MobileNumber::parse(&raw) {
                prop_assert_eq!(MobileNumber::parse(&number.to_string()).unwrap(), number.clone());
                prop_assert!(number.as_str().len() <= 16);
                prop_assert!(number.as_str().starts_with('+'));
            }
        }
    }
}
