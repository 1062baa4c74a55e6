//! The applicant's personal fields, each with the limits of the producer order (domain.md §3.2,
//! TR-03123 XhD Tab. 9).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::{normalise, parse_text, text_newtype, Charset};
use crate::{Field, FieldError, FieldErrorKind};

/// Family name + doctoral degree + birth name together, as the order's name block takes them.
pub const MAX_NAMES_TOGETHER: usize = 120;

/// Family name, at most 120 characters (XhD Tab. 9).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FamilyName(String);

impl FamilyName {
    pub const MAX_CHARS: usize = 120;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        parse_text(Field::FamilyName, raw, Self::MAX_CHARS, Charset::Name).map(Self)
    }
}
text_newtype!(FamilyName);

/// Birth name, at most 75 characters (XhD Tab. 9).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BirthName(String);

impl BirthName {
    pub const MAX_CHARS: usize = 75;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        parse_text(Field::BirthName, raw, Self::MAX_CHARS, Charset::Name).map(Self)
    }
}
text_newtype!(BirthName);

/// Given names. domain.md gives no limit of their own; we take the family name's 120 characters
/// rather than invent a tighter one the producer might not have.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GivenNames(String);

impl GivenNames {
    pub const MAX_CHARS: usize = 120;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        parse_text(Field::GivenNames, raw, Self::MAX_CHARS, Charset::Name).map(Self)
    }
}
text_newtype!(GivenNames);

/// A doctoral degree as the documents carry it: "Dr.", repeated for several doctorates, never with
/// the subject ("Dr. med." is entered as "Dr."). domain.md says "recognised doctoral degrees only"
/// without a list; honorary and foreign degrees are the clerk's decision and not accepted here.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DoctoralDegree(String);

impl DoctoralDegree {
    /// More than three doctorates on one card would be a typing error.
    pub const MAX_DEGREES: usize = 3;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = normalise(raw);
        if value.is_empty() {
            return Err(FieldError::new(Field::DoctoralDegree, FieldErrorKind::Required));
        }
        // "Dr.Dr." and "dr dr" are the same two degrees as "Dr. Dr.".
        let tokens: Vec<&str> = value.split(['.', ' ']).filter(|t| !t.is_empty()).collect();
        let all_dr = tokens.iter().all(|t| t.eq_ignore_ascii_case("dr"));
        if tokens.is_empty() || !all_dr || tokens.len() > Self::MAX_DEGREES {
            return Err(FieldError::new(Field::DoctoralDegree, FieldErrorKind::UnrecognisedDegree));
        }
        Ok(Self(vec!["Dr."; tokens.len()].join(" ")))
    }
}
text_newtype!(DoctoralDegree);

/// Religious name or artist name ("Ordensname oder Künstlername"), at most 60 characters (XhD Tab. 9).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReligiousName(String);

impl ReligiousName {
    pub const MAX_CHARS: usize = 60;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        parse_text(Field::ReligiousName, raw, Self::MAX_CHARS, Charset::Name).map(Self)
    }
}
text_newtype!(ReligiousName);

/// Place of birth. domain.md gives only its print form (1 × 26 or 2 × 40 characters), so the
/// longest printable place, 80 characters, is the limit.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlaceOfBirth(String);

impl PlaceOfBirth {
    pub const MAX_CHARS: usize = 80;
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        parse_text(Field::PlaceOfBirth, raw, Self::MAX_CHARS, Charset::Place).map(Self)
    }
}
text_newtype!(PlaceOfBirth);

/// Sex as the XhD code list "Geschlechter" has it (domain.md §3.2). Mandatory for a passport,
/// optional for an ID card.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Sex {
    /// 001 weiblich
    Female,
    /// 002 männlich
    Male,
    /// 003 unbekanntes Geschlecht; the passport shows "X".
    Unknown,
}

impl Sex {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = normalise(raw).to_lowercase();
        match value.as_str() {
            "" => Err(FieldError::new(Field::Sex, FieldErrorKind::Required)),
            "001" | "1" | "w" | "f" | "weiblich" => Ok(Sex::Female),
            "002" | "2" | "m" | "männlich" => Ok(Sex::Male),
            "003" | "3" | "x" | "unbekannt" => Ok(Sex::Unknown),
            _ => Err(FieldError::new(Field::Sex, FieldErrorKind::UnknownValue)),
        }
    }

    /// The XhD code.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "001",
            Sex::Male => "002",
            Sex::Unknown => "003",
        }
    }

    /// What the passport prints (PassG §4: non-binary as "X").
    pub fn printed(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Unknown => "X",
        }
    }
}

impl fmt::Debug for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sex(…)")
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl TryFrom<String> for Sex {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Sex> for String {
    fn from(value: Sex) -> Self {
        value.code().to_owned()
    }
}

/// Height in centimetres, or `---` when it cannot be determined (XhD: 3 characters).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Height {
    Centimetres(u16),
    NotDeterminable,
}

impl Height {
    /// domain.md gives only the 3-character field; these bounds catch typing errors (a newborn
    /// measures about 50 cm) and are our choice.
    pub const MIN_CM: u16 = 30;
    pub const MAX_CM: u16 = 260;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = normalise(raw);
        if value.is_empty() {
            return Err(FieldError::new(Field::Height, FieldErrorKind::Required));
        }
        if value == "---" {
            return Ok(Height::NotDeterminable);
        }
        let digits = value.strip_suffix("cm").map(str::trim_end).unwrap_or(&value);
        if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(Field::Height, FieldErrorKind::InvalidFormat));
        }
        let cm: u16 = digits.parse().map_err(|_| FieldError::new(Field::Height, FieldErrorKind::InvalidFormat))?;
        if !(Self::MIN_CM..=Self::MAX_CM).contains(&cm) {
            return Err(FieldError::new(
                Field::Height,
                FieldErrorKind::OutOfRange { min: Self::MIN_CM.into(), max: Self::MAX_CM.into() },
            ));
        }
        Ok(Height::Centimetres(cm))
    }

    /// The order's 3-character form: `072`, `172`, `---`.
    pub fn order_form(self) -> String {
        match self {
            Height::Centimetres(cm) => format!("{cm:03}"),
            Height::NotDeterminable => "---".into(),
        }
    }
}

impl fmt::Debug for Height {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Height(…)")
    }
}

impl fmt::Display for Height {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.order_form())
    }
}

impl TryFrom<String> for Height {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Height> for String {
    fn from(value: Height) -> Self {
        value.order_form()
    }
}

/// Eye colour: free text of at most 19 characters, or `---` when it cannot be determined (XhD).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EyeColour(String);

impl EyeColour {
    pub const MAX_CHARS: usize = 19;
    pub const NOT_DETERMINABLE: &'static str = "---";

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if normalise(raw) == Self::NOT_DETERMINABLE {
            return Ok(Self(Self::NOT_DETERMINABLE.into()));
        }
        parse_text(Field::EyeColour, raw, Self::MAX_CHARS, Charset::EyeColour).map(Self)
    }

    pub fn is_determinable(&self) -> bool {
        self.0 != Self::NOT_DETERMINABLE
    }
}
text_newtype!(EyeColour);

/// Nationality. ID cards and passports are issued to Germans only (PAuswG §1, PassG §1; domain.md
/// does not spell this out), so the only value is German; foreigners get other documents from the
/// foreigners' authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Nationality {
    German,
}

impl Nationality {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = normalise(raw).to_lowercase();
        match value.as_str() {
            "" => Err(FieldError::new(Field::Nationality, FieldErrorKind::Required)),
            "d" | "deu" | "deutsch" | "deutschland" | "german" => Ok(Nationality::German),
            _ => Err(FieldError::new(Field::Nationality, FieldErrorKind::NotGerman)),
        }
    }

    /// The ICAO 9303 code of German nationality in the MRZ.
    pub fn icao_code(self) -> &'static str {
        "D"
    }

    pub fn printed(self) -> &'static str {
        "DEUTSCH"
    }
}

impl fmt::Display for Nationality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.printed())
    }
}

impl TryFrom<String> for Nationality {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Nationality> for String {
    fn from(value: Nationality) -> Self {
        value.printed().to_owned()
    }
}

/// Family name, degree and birth name as the order's name block counts them: joined by single spaces.
pub fn names_together_len(family: &FamilyName, degree: Option<&DoctoralDegree>, birth: Option<&BirthName>) -> usize {
    let parts = [Some(family.as_str()), degree.map(DoctoralDegree::as_str), birth.map(BirthName::as_str)];
    let present: Vec<&str> = parts.into_iter().flatten().collect();
    present.iter().map(|p| p.chars().count()).sum::<usize>() + present.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kind<T: fmt::Debug>(result: Result<T, FieldError>) -> FieldErrorKind {
        result.unwrap_err().kind
    }

    #[test]
    fn family_name() {
        assert_eq!(FamilyName::parse("  Mustermann ").unwrap().as_str(), "Mustermann");
        assert_eq!(FamilyName::parse("Müller-Lüdenscheidt").unwrap().as_str(), "Müller-Lüdenscheidt");
        assert_eq!(FamilyName::parse("von  der Heide").unwrap().as_str(), "von der Heide");
        assert_eq!(FamilyName::parse("O’Neill").unwrap().as_str(), "O'Neill");
        assert!(FamilyName::parse(&"a".repeat(120)).is_ok());
        assert_eq!(kind(FamilyName::parse(&"a".repeat(121))), FieldErrorKind::TooLong { max: 120 });
        assert_eq!(kind(FamilyName::parse("")), FieldErrorKind::Required);
        assert_eq!(kind(FamilyName::parse("Muster2")), FieldErrorKind::InvalidCharacters);
        assert_eq!(kind(FamilyName::parse("Мустерман")), FieldErrorKind::InvalidCharacters);
        assert_eq!(kind(FamilyName::parse("-")), FieldErrorKind::InvalidCharacters);
        assert_eq!(FamilyName::parse("x1").unwrap_err().field, Field::FamilyName);
    }

    #[test]
    fn birth_name() {
        assert_eq!(BirthName::parse("Gabler").unwrap().as_str(), "Gabler");
        assert!(BirthName::parse(&"b".repeat(75)).is_ok());
        assert_eq!(kind(BirthName::parse(&"b".repeat(76))), FieldErrorKind::TooLong { max: 75 });
        assert_eq!(BirthName::parse("Gabler!").unwrap_err().field, Field::BirthName);
    }

    #[test]
    fn given_names() {
        assert_eq!(GivenNames::parse("Erika  Maria").unwrap().as_str(), "Erika Maria");
        assert!(GivenNames::parse(&"g".repeat(120)).is_ok());
        assert_eq!(kind(GivenNames::parse(&"g".repeat(121))), FieldErrorKind::TooLong { max: 120 });
        assert_eq!(kind(GivenNames::parse("Erika\u{0}")), FieldErrorKind::InvalidCharacters);
        assert_eq!(GivenNames::parse("").unwrap_err().field, Field::GivenNames);
    }

    #[test]
    fn doctoral_degree() {
        assert_eq!(DoctoralDegree::parse("Dr.").unwrap().as_str(), "Dr.");
        assert_eq!(DoctoralDegree::parse("dr").unwrap().as_str(), "Dr.");
        assert_eq!(DoctoralDegree::parse("Dr.Dr.").unwrap().as_str(), "Dr. Dr.");
        assert_eq!(DoctoralDegree::parse(" DR  dr. ").unwrap().as_str(), "Dr. Dr.");
        assert_eq!(kind(DoctoralDegree::parse("Dr. med.")), FieldErrorKind::UnrecognisedDegree);
        assert_eq!(kind(DoctoralDegree::parse("Prof.")), FieldErrorKind::UnrecognisedDegree);
        assert_eq!(kind(DoctoralDegree::parse("Dr. Dr. Dr. Dr.")), FieldErrorKind::UnrecognisedDegree);
        assert_eq!(kind(DoctoralDegree::parse(".")), FieldErrorKind::UnrecognisedDegree);
        assert_eq!(kind(DoctoralDegree::parse(" ")), FieldErrorKind::Required);
    }

    #[test]
    fn religious_name() {
        assert_eq!(ReligiousName::parse("Schwester Maria").unwrap().as_str(), "Schwester Maria");
        assert!(ReligiousName::parse(&"r".repeat(60)).is_ok());
        assert_eq!(kind(ReligiousName::parse(&"r".repeat(61))), FieldErrorKind::TooLong { max: 60 });
        assert_eq!(ReligiousName::parse("#1").unwrap_err().field, Field::ReligiousName);
    }

    #[test]
    fn place_of_birth() {
        assert_eq!(PlaceOfBirth::parse("Frankfurt (Oder)").unwrap().as_str(), "Frankfurt (Oder)");
        assert!(PlaceOfBirth::parse("Halle/Saale").is_ok());
        assert!(PlaceOfBirth::parse("Köln").is_ok());
        assert!(PlaceOfBirth::parse(&"p".repeat(80)).is_ok());
        assert_eq!(kind(PlaceOfBirth::parse(&"p".repeat(81))), FieldErrorKind::TooLong { max: 80 });
        assert_eq!(kind(PlaceOfBirth::parse("40213")), FieldErrorKind::InvalidCharacters);
        assert_eq!(kind(PlaceOfBirth::parse("")), FieldErrorKind::Required);
    }

    #[test]
    fn sex() {
        assert_eq!(Sex::parse("001").unwrap(), Sex::Female);
        assert_eq!(Sex::parse("W").unwrap(), Sex::Female);
        assert_eq!(Sex::parse("002").unwrap(), Sex::Male);
        assert_eq!(Sex::parse("männlich").unwrap(), Sex::Male);
        assert_eq!(Sex::parse(" x ").unwrap(), Sex::Unknown);
        assert_eq!(Sex::Unknown.code(), "003");
        assert_eq!(Sex::Unknown.printed(), "X");
        assert_eq!(kind(Sex::parse("004")), FieldErrorKind::UnknownValue);
        assert_eq!(kind(Sex::parse("divers")), FieldErrorKind::UnknownValue);
        assert_eq!(kind(Sex::parse("")), FieldErrorKind::Required);
        assert_eq!(format!("{:?}", Sex::Female), "Sex(…)");
    }

    #[test]
    fn height() {
        assert_eq!(Height::parse("172").unwrap(), Height::Centimetres(172));
        assert_eq!(Height::parse("172 cm").unwrap(), Height::Centimetres(172));
        assert_eq!(Height::parse("072").unwrap(), Height::Centimetres(72));
        assert_eq!(Height::Centimetres(72).order_form(), "072");
        assert_eq!(Height::parse("---").unwrap(), Height::NotDeterminable);
        assert_eq!(Height::parse("30").unwrap(), Height::Centimetres(30));
        assert_eq!(Height::parse("260").unwrap(), Height::Centimetres(260));
        assert_eq!(kind(Height::parse("29")), FieldErrorKind::OutOfRange { min: 30, max: 260 });
        assert_eq!(kind(Height::parse("261")), FieldErrorKind::OutOfRange { min: 30, max: 260 });
        assert_eq!(kind(Height::parse("1,72")), FieldErrorKind::InvalidFormat);
        assert_eq!(kind(Height::parse("1720")), FieldErrorKind::InvalidFormat);
        assert_eq!(kind(Height::parse("-1")), FieldErrorKind::InvalidFormat);
        assert_eq!(kind(Height::parse("cm")), FieldErrorKind::InvalidFormat);
        assert_eq!(kind(Height::parse("")), FieldErrorKind::Required);
    }

    #[test]
    fn eye_colour() {
        assert_eq!(EyeColour::parse("blau").unwrap().as_str(), "blau");
        assert_eq!(EyeColour::parse("grau-blau").unwrap().as_str(), "grau-blau");
        assert!(!EyeColour::parse(" --- ").unwrap().is_determinable());
        assert!(EyeColour::parse(&"e".repeat(19)).is_ok());
        assert_eq!(kind(EyeColour::parse(&"e".repeat(20))), FieldErrorKind::TooLong { max: 19 });
        assert_eq!(kind(EyeColour::parse("blau.")), FieldErrorKind::InvalidCharacters);
        assert_eq!(kind(EyeColour::parse("--")), FieldErrorKind::InvalidCharacters);
        assert_eq!(kind(EyeColour::parse("")), FieldErrorKind::Required);
    }

    #[test]
    fn nationality() {
        for german in ["D", "deu", "deutsch", "DEUTSCH", "German"] {
            assert_eq!(Nationality::parse(german).unwrap(), Nationality::German, "{german}");
        }
        assert_eq!(Nationality::German.icao_code(), "D");
        assert_eq!(kind(Nationality::parse("FRA")), FieldErrorKind::NotGerman);
        assert_eq!(kind(Nationality::parse("")), FieldErrorKind::Required);
    }

    #[test]
    fn names_together_count_separators() {
        let family = FamilyName::parse("Mustermann").unwrap();
        let degree = DoctoralDegree::parse("Dr.").unwrap();
        let birth = BirthName::parse("Gabler").unwrap();
        assert_eq!(names_together_len(&family, None, None), 10);
        assert_eq!(names_together_len(&family, Some(&degree), Some(&birth)), 10 + 1 + 3 + 1 + 6);
    }

    #[test]
    fn debug_output_hides_the_values() {
        let name = FamilyName::parse("Mustermann").unwrap();
        assert_eq!(format!("{name:?}"), "FamilyName(…)");
        let given = GivenNames::parse("Erika").unwrap();
        assert!(!format!("{given:?}").contains("Erika"));
        assert!(!format!("{:?}", PlaceOfBirth::parse("Berlin").unwrap()).contains("Berlin"));
        assert!(!format!("{:?}", Height::Centimetres(172)).contains("172"));
    }

    #[test]
    fn serde_is_the_string_and_refuses_invalid_values() {
        let name: FamilyName = serde_json::from_str("\"Mustermann\"").unwrap();
        assert_eq!(serde_json::to_string(&name).unwrap(), "\"Mustermann\"");
        assert!(serde_json::from_str::<FamilyName>("\"Muster1\"").is_err());
        assert_eq!(serde_json::to_string(&Sex::Male).unwrap(), "\"002\"");
        assert_eq!(serde_json::to_string(&Height::Centimetres(72)).unwrap(), "\"072\"");
        assert_eq!(serde_json::from_str::<Height>("\"---\"").unwrap(), Height::NotDeterminable);
    }

    fn name_strategy() -> impl Strategy<Value = String> {
        "[A-Za-zÄÖÜäöüßéèçñ' .-]{0,130}"
    }

    proptest! {
        #[test]
        fn text_fields_reparse_their_display(raw in name_strategy()) {
            if let Ok(v) = FamilyName::parse(&raw) { prop_assert_eq!(FamilyName::parse(&v.to_string()).unwrap(), v); }
            if let Ok(v) = BirthName::parse(&raw) { prop_assert_eq!(BirthName::parse(&v.to_string()).unwrap(), v); }
            if let Ok(v) = GivenNames::parse(&raw) { prop_assert_eq!(GivenNames::parse(&v.to_string()).unwrap(), v); }
            if let Ok(v) = ReligiousName::parse(&raw) { prop_assert_eq!(ReligiousName::parse(&v.to_string()).unwrap(), v); }
            if let Ok(v) = PlaceOfBirth::parse(&raw) { prop_assert_eq!(PlaceOfBirth::parse(&v.to_string()).unwrap(), v); }
            if let Ok(v) = EyeColour::parse(&raw) { prop_assert_eq!(EyeColour::parse(&v.to_string()).unwrap(), v); }
            if let Ok(v) = DoctoralDegree::parse(&raw) { prop_assert_eq!(DoctoralDegree::parse(&v.to_string()).unwrap(), v); }
        }

        #[test]
        fn accepted_text_is_within_its_limit(raw in "\\PC{0,200}") {
            if let Ok(v) = FamilyName::parse(&raw) { prop_assert!(v.as_str().chars().count() <= 120); }
            if let Ok(v) = BirthName::parse(&raw) { prop_assert!(v.as_str().chars().count() <= 75); }
            if let Ok(v) = ReligiousName::parse(&raw) { prop_assert!(v.as_str().chars().count() <= 60); }
            if let Ok(v) = EyeColour::parse(&raw) { prop_assert!(v.as_str().chars().count() <= 19); }
            if let Ok(v) = PlaceOfBirth::parse(&raw) {
                prop_assert!(v.as_str().chars().count() <= 80);
                prop_assert!(!v.as_str().chars().any(char::is_control));
            }
        }

        #[test]
        fn heights_and_sexes_reparse(cm in 0u16..400, code in prop_oneof![Just("001"), Just("002"), Just("003"), Just("---")]) {
            if let Ok(h) = Height::parse(&cm.to_string()) { prop_assert_eq!(Height::parse(&h.to_string()).unwrap(), h); }
            prop_assert_eq!(Height::parse(&Height::NotDeterminable.to_string()).unwrap(), Height::NotDeterminable);
            if let Ok(s) = Sex::parse(code) { prop_assert_eq!(Sex::parse(&s.to_string()).unwrap(), s); }
            prop_assert_eq!(Nationality::parse(&Nationality::German.to_string()).unwrap(), Nationality::German);
        }
    }
}
