//! The documents an office issues and the one the applicant holds now.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::normalise;
use crate::{Field, FieldError, FieldErrorKind};

/// What the applicant applies for (domain.md §3.3). No Kinderreisepass: abolished from 1 Jan 2024.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Personalausweis (PAuswG §6).
    IdCard,
    /// Reisepass with 32 pages (PassG §5).
    Passport32,
    /// Reisepass with 48 pages (XhD `ExtraSeiten`).
    Passport48,
    /// Express-Reisepass with 32 pages (XhD `Express` flag).
    ExpressPassport32,
    ExpressPassport48,
    /// Vorläufiger Personalausweis, issued on the spot (PAuswG §3, §6(4)).
    TemporaryIdCard,
    /// Vorläufiger Reisepass, issued on the spot (PassG §5(3)).
    TemporaryPassport,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 7] = [
        DocumentKind::IdCard,
        DocumentKind::Passport32,
        DocumentKind::Passport48,
        DocumentKind::ExpressPassport32,
        DocumentKind::ExpressPassport48,
        DocumentKind::TemporaryIdCard,
        DocumentKind::TemporaryPassport,
    ];

    /// The serde name; also what [`DocumentKind::parse`] takes.
    pub fn key(self) -> &'static str {
        match self {
            DocumentKind::IdCard => "id_card",
            DocumentKind::Passport32 => "passport32",
            DocumentKind::Passport48 => "passport48",
            DocumentKind::ExpressPassport32 => "express_passport32",
            DocumentKind::ExpressPassport48 => "express_passport48",
            DocumentKind::TemporaryIdCard => "temporary_id_card",
            DocumentKind::TemporaryPassport => "temporary_passport",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(FieldError::new(Field::DocumentKind, FieldErrorKind::Required));
        }
        Self::ALL
            .into_iter()
            .find(|kind| kind.key() == value)
            .ok_or(FieldError::new(Field::DocumentKind, FieldErrorKind::UnknownValue))
    }

    pub fn label_de(self) -> &'static str {
        match self {
            DocumentKind::IdCard => "Personalausweis",
            DocumentKind::Passport32 => "Reisepass (32 Seiten)",
            DocumentKind::Passport48 => "Reisepass (48 Seiten)",
            DocumentKind::ExpressPassport32 => "Express-Reisepass (32 Seiten)",
            DocumentKind::ExpressPassport48 => "Express-Reisepass (48 Seiten)",
            DocumentKind::TemporaryIdCard => "Vorläufiger Personalausweis",
            DocumentKind::TemporaryPassport => "Vorläufiger Reisepass",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            DocumentKind::IdCard => "ID card",
            DocumentKind::Passport32 => "Passport (32 pages)",
            DocumentKind::Passport48 => "Passport (48 pages)",
            DocumentKind::ExpressPassport32 => "Express passport (32 pages)",
            DocumentKind::ExpressPassport48 => "Express passport (48 pages)",
            DocumentKind::TemporaryIdCard => "Temporary ID card",
            DocumentKind::TemporaryPassport => "Temporary passport",
        }
    }

    /// Any kind of passport, temporary or not: the rules of PassG apply (sex mandatory, custodian
    /// for all minors).
    pub fn is_passport(self) -> bool {
        !self.is_id_card()
    }

    /// Personalausweis or vorläufiger Personalausweis: the rules of PAuswG apply.
    pub fn is_id_card(self) -> bool {
        matches!(self, DocumentKind::IdCard | DocumentKind::TemporaryIdCard)
    }

    /// Issued by the office on the spot instead of ordered from the producer.
    pub fn is_temporary(self) -> bool {
        matches!(self, DocumentKind::TemporaryIdCard | DocumentKind::TemporaryPassport)
    }

    pub fn is_express(self) -> bool {
        matches!(self, DocumentKind::ExpressPassport32 | DocumentKind::ExpressPassport48)
    }

    /// 32 or 48 for ordered passports.
    pub fn pages(self) -> Option<u8> {
        match self {
            DocumentKind::Passport32 | DocumentKind::ExpressPassport32 => Some(32),
            DocumentKind::Passport48 | DocumentKind::ExpressPassport48 => Some(48),
            _ => None,
        }
    }

    /// The MRZ document code (domain.md §3.1): IDD, ITD, P, PP.
    pub fn mrz_code(self) -> &'static str {
        match self {
            DocumentKind::IdCard => "IDD",
            DocumentKind::TemporaryIdCard => "ITD",
            DocumentKind::TemporaryPassport => "PP",
            _ => "P",
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The document the applicant holds now. It is invalidated at handover (domain.md §3.7) and the
/// pickup box's slot reader checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurrentDocumentKind {
    IdCard,
    Passport,
    TemporaryIdCard,
    TemporaryPassport,
    /// Still valid until its expiry although no longer issued.
    ChildPassport,
}

impl CurrentDocumentKind {
    pub const ALL: [CurrentDocumentKind; 5] = [
        CurrentDocumentKind::IdCard,
        CurrentDocumentKind::Passport,
        CurrentDocumentKind::TemporaryIdCard,
        CurrentDocumentKind::TemporaryPassport,
        CurrentDocumentKind::ChildPassport,
    ];

    pub fn key(self) -> &'static str {
        match self {
            CurrentDocumentKind::IdCard => "id_card",
            CurrentDocumentKind::Passport => "passport",
            CurrentDocumentKind::TemporaryIdCard => "temporary_id_card",
            CurrentDocumentKind::TemporaryPassport => "temporary_passport",
            CurrentDocumentKind::ChildPassport => "child_passport",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(FieldError::new(Field::CurrentDocumentKind, FieldErrorKind::Required));
        }
        Self::ALL
            .into_iter()
            .find(|kind| kind.key() == value)
            .ok_or(FieldError::new(Field::CurrentDocumentKind, FieldErrorKind::UnknownValue))
    }

    pub fn label_de(self) -> &'static str {
        match self {
            CurrentDocumentKind::IdCard => "Personalausweis",
            CurrentDocumentKind::Passport => "Reisepass",
            CurrentDocumentKind::TemporaryIdCard => "Vorläufiger Personalausweis",
            CurrentDocumentKind::TemporaryPassport => "Vorläufiger Reisepass",
            CurrentDocumentKind::ChildPassport => "Kinderreisepass",
        }
    }
}

impl fmt::Display for CurrentDocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A document serial number, normalised to capitals without spaces.
///
/// Formats (domain.md §3.1): ID card = 4-character authority code + 5 random characters, 9 in all,
/// 10 with the check digit as XhD sends it; vorläufiger Personalausweis = 1 letter + 7 digits. The
/// alphabet has no letter O (only the digit 0), so a typed O can only mean 0 and is read as one.
/// domain.md does not give the passport's format; its serial has the ID card's shape (9/10). For a
/// vorläufiger Reisepass and a Kinderreisepass domain.md is silent too: either shape is taken.
/// The check digit is the ICAO 9303 one (weights 7, 3, 1; A = 10 … Z = 35).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SerialNumber(String);

impl SerialNumber {
    pub fn parse(raw: &str, kind: CurrentDocumentKind) -> Result<Self, FieldError> {
        let error = |kind| FieldError::new(Field::CurrentDocumentSerial, kind);
        let value: String = normalise(raw).replace(' ', "").to_uppercase().replace('O', "0");
        if value.is_empty() {
            return Err(error(FieldErrorKind::Required));
        }
        let shape = match kind {
            CurrentDocumentKind::IdCard | CurrentDocumentKind::Passport => Self::card_shape(&value),
            CurrentDocumentKind::TemporaryIdCard => Self::temporary_shape(&value),
            CurrentDocumentKind::TemporaryPassport | CurrentDocumentKind::ChildPassport => {
                Self::temporary_shape(&value).or_else(|_| Self::card_shape(&value))
            }
        };
        shape.map_err(error)?;
        Ok(Self(value))
    }

    /// Parses without knowing the kind (for serde): any of the shapes.
    fn parse_any(raw: &str) -> Result<Self, FieldError> {
        Self::parse(raw, CurrentDocumentKind::ChildPassport)
    }

    fn card_shape(value: &str) -> Result<(), FieldErrorKind> {
        let alphabet_ok = value.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        match value.len() {
            9 if alphabet_ok => Ok(()),
            10 if alphabet_ok => {
                let (body, check) = value.split_at(9);
                if check.as_bytes()[0].is_ascii_digit() && icao_check_digit(body) == check.as_bytes()[0] - b'0' {
                    Ok(())
                } else {
                    Err(FieldErrorKind::CheckDigitWrong)
                }
            }
            _ => Err(FieldErrorKind::InvalidFormat),
        }
    }

    fn temporary_shape(value: &str) -> Result<(), FieldErrorKind> {
        let bytes = value.as_bytes();
        if bytes.len() == 8 && bytes[0].is_ascii_uppercase() && bytes[1..].iter().all(u8::is_ascii_digit) {
            Ok(())
        } else {
            Err(FieldErrorKind::InvalidFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// ICAO 9303 Part 3 check digit: weights 7, 3, 1 repeating; digits count as themselves, A–Z as 10–35.
pub fn icao_check_digit(value: &str) -> u8 {
    let sum: u32 = value
        .bytes()
        .zip([7u32, 3, 1].into_iter().cycle())
        .map(|(b, weight)| {
            let v = match b {
                b'0'..=b'9' => (b - b'0') as u32,
                b'A'..=b'Z' => (b - b'A') as u32 + 10,
                _ => 0,
            };
            v * weight
        })
        .sum();
    (sum % 10) as u8
}

impl fmt::Debug for SerialNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SerialNumber(…)")
    }
}

impl fmt::Display for SerialNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for SerialNumber {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse_any(&value)
    }
}

impl From<SerialNumber> for String {
    fn from(value: SerialNumber) -> Self {
        value.0
    }
}

/// The applicant's current document, if any.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CurrentDocument {
    pub kind: CurrentDocumentKind,
    pub serial: SerialNumber,
}

impl CurrentDocument {
    /// Kind and serial as typed; `None` for both means the applicant holds no document.
    pub fn parse(kind: Option<&str>, serial: Option<&str>) -> Result<Option<Self>, Vec<FieldError>> {
        let blank = |v: Option<&str>| v.is_none_or(|v| v.trim().is_empty() || v.trim() == "none");
        match (blank(kind), blank(serial)) {
            (true, true) => Ok(None),
            (true, false) => Err(vec![FieldError::new(Field::CurrentDocumentKind, FieldErrorKind::Required)]),
            (false, _) => {
                let kind = CurrentDocumentKind::parse(kind.unwrap_or_default()).map_err(|e| vec![e])?;
                let serial = SerialNumber::parse(serial.unwrap_or_default(), kind).map_err(|e| vec![e])?;
                Ok(Some(Self { kind, serial }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn document_kinds_parse_by_key_and_know_their_family() {
        for kind in DocumentKind::ALL {
            assert_eq!(DocumentKind::parse(kind.key()).unwrap(), kind);
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.key());
            assert_ne!(kind.is_id_card(), kind.is_passport());
        }
        assert_eq!(DocumentKind::parse("child_passport").unwrap_err().kind, FieldErrorKind::UnknownValue);
        assert_eq!(DocumentKind::parse("").unwrap_err().kind, FieldErrorKind::Required);
        assert_eq!(DocumentKind::ExpressPassport48.pages(), Some(48));
        assert!(DocumentKind::ExpressPassport48.is_express());
        assert_eq!(DocumentKind::IdCard.pages(), None);
        assert!(DocumentKind::TemporaryPassport.is_passport() && DocumentKind::TemporaryPassport.is_temporary());
        assert_eq!(DocumentKind::TemporaryIdCard.mrz_code(), "ITD");
        assert_eq!(DocumentKind::Passport32.mrz_code(), "P");
    }

    #[test]
    fn check_digit_is_icao_9303() {
        // ICAO 9303 Part 3 example: document number L898902C3 has check digit 6.
        assert_eq!(icao_check_digit("L898902C3"), 6);
        assert_eq!(icao_check_digit("T22000129"), 3);
    }

    #[test]
    fn id_card_serials() {
        let k = CurrentDocumentKind::IdCard;
        assert_eq!(SerialNumber::parse("l01x00t47", k).unwrap().as_str(), "L01X00T47");
        assert_eq!(SerialNumber::parse("L01X 00T47", k).unwrap().as_str(), "L01X00T47");
        // O can only mean 0.
        assert_eq!(SerialNumber::parse("LO1XOOT47", k).unwrap().as_str(), "L01X00T47");
        let check = icao_check_digit("L01X00T47");
        assert!(SerialNumber::parse(&format!("L01X00T47{check}"), k).is_ok());
        let wrong = (check + 1) % 10;
        assert_eq!(
            SerialNumber::parse(&format!("L01X00T47{wrong}"), k).unwrap_err().kind,
            FieldErrorKind::CheckDigitWrong
        );
        assert_eq!(SerialNumber::parse("L01X00T4", k).unwrap_err().kind, FieldErrorKind::InvalidFormat);
        assert_eq!(SerialNumber::parse("L01X-00T4", k).unwrap_err().kind, FieldErrorKind::InvalidFormat);
        assert_eq!(
            SerialNumber::parse("", k).unwrap_err(),
            FieldError::new(Field::CurrentDocumentSerial, FieldErrorKind::Required)
        );
    }

    #[test]
    fn temporary_serials() {
        let k = CurrentDocumentKind::TemporaryIdCard;
        assert_eq!(SerialNumber::parse("a1234567", k).unwrap().as_str(), "A1234567");
        assert_eq!(SerialNumber::parse("L01X00T47", k).unwrap_err().kind, FieldErrorKind::InvalidFormat);
        assert_eq!(SerialNumber::parse("AB234567", k).unwrap_err().kind, FieldErrorKind::InvalidFormat);
        // Where domain.md is silent, both shapes are taken.
        assert!(SerialNumber::parse("A1234567", CurrentDocumentKind::ChildPassport).is_ok());
        assert!(SerialNumber::parse("C01X00T47", CurrentDocumentKind::TemporaryPassport).is_ok());
        assert!(SerialNumber::parse("A1234567", CurrentDocumentKind::Passport).is_err());
    }

    #[test]
    fn current_document_is_both_or_neither() {
        assert_eq!(CurrentDocument::parse(None, None).unwrap(), None);
        assert_eq!(CurrentDocument::parse(Some("none"), Some(" ")).unwrap(), None);
        let doc = CurrentDocument::parse(Some("id_card"), Some("L01X00T47")).unwrap().unwrap();
        assert_eq!(doc.kind, CurrentDocumentKind::IdCard);
        assert_eq!(
            CurrentDocument::parse(None, Some("L01X00T47")).unwrap_err(),
            [FieldError::new(Field::CurrentDocumentKind, FieldErrorKind::Required)]
        );
        assert_eq!(
            CurrentDocument::parse(Some("id_card"), None).unwrap_err(),
            [FieldError::new(Field::CurrentDocumentSerial, FieldErrorKind::Required)]
        );
        assert_eq!(CurrentDocument::parse(Some("ausweis"), None).unwrap_err()[0].kind, FieldErrorKind::UnknownValue);
        assert!(!format!("{doc:?}").contains("L01X"));
    }

    proptest! {
        #[test]
        fn serials_reparse_their_display(raw in "[A-Za-z0-9 ]{0,12}", kind in 0usize..5) {
            let kind = CurrentDocumentKind::ALL[kind];
            if let Ok(serial) = SerialNumber::parse(&raw, kind) {
                prop_assert_eq!(SerialNumber::parse(&serial.to_string(), kind).unwrap(), serial.clone());
                prop_assert!(!serial.as_str().contains('O'));
                let json = serde_json::to_string(&serial).unwrap();
                prop_assert_eq!(serde_json::from_str::<SerialNumber>(&json).unwrap(), serial);
            }
        }

        #[test]
        fn a_valid_check_digit_is_always_accepted(body in "[0-9A-NP-Z]{9}") {
            let check = icao_check_digit(&body);
            let right = format!("{body}{check}");
            let wrong = format!("{body}{}", (check + 1) % 10);
            prop_assert!(SerialNumber::parse(&right, CurrentDocumentKind::IdCard).is_ok());
            prop_assert_eq!(SerialNumber::parse(&wrong, CurrentDocumentKind::IdCard).unwrap_err().kind, FieldErrorKind::CheckDigitWrong);
        }
    }
}
