use std::fmt;

use serde::Serialize;

/// A field of the application form. The serde names are the keys of [`crate::ApplicationDraft`], so
/// the desk can put an error next to the input that caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    ApplicationDate,
    DocumentKind,
    FamilyName,
    BirthName,
    GivenNames,
    DoctoralDegree,
    ReligiousName,
    DateOfBirth,
    PlaceOfBirth,
    Sex,
    Height,
    EyeColour,
    Street,
    PostalCode,
    Place,
    Nationality,
    CurrentDocumentKind,
    CurrentDocumentSerial,
    CustodianFamilyName,
    CustodianGivenNames,
    Pickup,
    MobileNumber,
    PickupConsent,
    PhotoInOffice,
    PinLetterHandedOver,
}

impl Field {
    pub const ALL: &'static [Field] = &[
        Field::ApplicationDate,
        Field::DocumentKind,
        Field::FamilyName,
        Field::BirthName,
        Field::GivenNames,
        Field::DoctoralDegree,
        Field::ReligiousName,
        Field::DateOfBirth,
        Field::PlaceOfBirth,
        Field::Sex,
        Field::Height,
        Field::EyeColour,
        Field::Street,
        Field::PostalCode,
        Field::Place,
        Field::Nationality,
        Field::CurrentDocumentKind,
        Field::CurrentDocumentSerial,
        Field::CustodianFamilyName,
        Field::CustodianGivenNames,
        Field::Pickup,
        Field::MobileNumber,
        Field::PickupConsent,
        Field::PhotoInOffice,
        Field::PinLetterHandedOver,
    ];

    /// The key in [`crate::ApplicationDraft`] and in the serialised error.
    pub fn key(self) -> &'static str {
        match self {
            Field::ApplicationDate => "application_date",
            Field::DocumentKind => "document_kind",
            Field::FamilyName => "family_name",
            Field::BirthName => "birth_name",
            Field::GivenNames => "given_names",
            Field::DoctoralDegree => "doctoral_degree",
            Field::ReligiousName => "religious_name",
            Field::DateOfBirth => "date_of_birth",
            Field::PlaceOfBirth => "place_of_birth",
            Field::Sex => "sex",
            Field::Height => "height",
            Field::EyeColour => "eye_colour",
            Field::Street => "street",
            Field::PostalCode => "postal_code",
            Field::Place => "place",
            Field::Nationality => "nationality",
            Field::CurrentDocumentKind => "current_document_kind",
            Field::CurrentDocumentSerial => "current_document_serial",
            Field::CustodianFamilyName => "custodian_family_name",
            Field::CustodianGivenNames => "custodian_given_names",
            Field::Pickup => "pickup",
            Field::MobileNumber => "mobile_number",
            Field::PickupConsent => "pickup_consent",
            Field::PhotoInOffice => "photo_in_office",
            Field::PinLetterHandedOver => "pin_letter_handed_over",
        }
    }

    pub fn label_de(self) -> &'static str {
        match self {
            Field::ApplicationDate => "Antragsdatum",
            Field::DocumentKind => "Dokument",
            Field::FamilyName => "Familienname",
            Field::BirthName => "Geburtsname",
            Field::GivenNames => "Vornamen",
            Field::DoctoralDegree => "Doktorgrad",
            Field::ReligiousName => "Ordens- oder Künstlername",
            Field::DateOfBirth => "Geburtsdatum",
            Field::PlaceOfBirth => "Geburtsort",
            Field::Sex => "Geschlecht",
            Field::Height => "Größe",
            Field::EyeColour => "Augenfarbe",
            Field::Street => "Straße und Hausnummer",
            Field::PostalCode => "Postleitzahl",
            Field::Place => "Wohnort",
            Field::Nationality => "Staatsangehörigkeit",
            Field::CurrentDocumentKind => "Bisheriges Dokument",
            Field::CurrentDocumentSerial => "Seriennummer des bisherigen Dokuments",
            Field::CustodianFamilyName => "Familienname der sorgeberechtigten Person",
            Field::CustodianGivenNames => "Vornamen der sorgeberechtigten Person",
            Field::Pickup => "Abholung",
            Field::MobileNumber => "Mobilnummer",
            Field::PickupConsent => "Einwilligung Ausgabebox",
            Field::PhotoInOffice => "Lichtbild im Amt",
            Field::PinLetterHandedOver => "PIN-Brief",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Field::ApplicationDate => "Application date",
            Field::DocumentKind => "Document",
            Field::FamilyName => "Family name",
            Field::BirthName => "Birth name",
            Field::GivenNames => "Given names",
            Field::DoctoralDegree => "Doctoral degree",
            Field::ReligiousName => "Religious or artist name",
            Field::DateOfBirth => "Date of birth",
            Field::PlaceOfBirth => "Place of birth",
            Field::Sex => "Sex",
            Field::Height => "Height",
            Field::EyeColour => "Eye colour",
            Field::Street => "Street and house number",
            Field::PostalCode => "Postcode",
            Field::Place => "Place of residence",
            Field::Nationality => "Nationality",
            Field::CurrentDocumentKind => "Current document",
            Field::CurrentDocumentSerial => "Serial number of the current document",
            Field::CustodianFamilyName => "Custodian's family name",
            Field::CustodianGivenNames => "Custodian's given names",
            Field::Pickup => "Pickup",
            Field::MobileNumber => "Mobile number",
            Field::PickupConsent => "Consent to the pickup box",
            Field::PhotoInOffice => "Photo taken in the office",
            Field::PinLetterHandedOver => "PIN letter",
        }
    }

    /// What the field accepts, for "wrong format" and "unknown value" messages.
    fn expected_de(self) -> &'static str {
        match self {
            Field::DateOfBirth => "JJJJ-MM-TT oder TT.MM.JJJJ, unbekannter Tag oder Monat als XX",
            Field::PostalCode => "genau 5 Ziffern",
            Field::Height => "Zentimeter, z. B. 172, oder --- wenn nicht feststellbar",
            Field::Sex => "001 weiblich, 002 männlich, 003 unbekannt (auch W, M, X)",
            Field::DocumentKind => "Personalausweis, Reisepass 32/48 Seiten, Express-Reisepass 32/48 Seiten, vorläufiger Personalausweis, vorläufiger Reisepass",
            Field::CurrentDocumentKind => "Personalausweis, Reisepass, vorläufiger Personalausweis, vorläufiger Reisepass, Kinderreisepass oder keines",
            Field::CurrentDocumentSerial => "9 Zeichen aus Ziffern und Großbuchstaben (ohne O), mit Prüfziffer 10; vorläufiger Personalausweis: 1 Buchstabe und 7 Ziffern",
            Field::Pickup => "Schalter, Ausgabebox oder Direktversand",
            Field::MobileNumber => "Mobilnummer wie +49 151 23456789 oder 0151 23456789",
            Field::Nationality => "deutsch (D)",
            Field::DoctoralDegree => "Dr. (auch mehrfach, z. B. Dr. Dr.)",
            _ => "gültiger Wert",
        }
    }

    fn expected_en(self) -> &'static str {
        match self {
            Field::DateOfBirth => "YYYY-MM-DD or DD.MM.YYYY, unknown day or month as XX",
            Field::PostalCode => "exactly 5 digits",
            Field::Height => "centimetres, e.g. 172, or --- if not determinable",
            Field::Sex => "001 female, 002 male, 003 unknown (also W, M, X)",
            Field::DocumentKind => "ID card, passport 32/48 pages, express passport 32/48 pages, temporary ID card, temporary passport",
            Field::CurrentDocumentKind => "ID card, passport, temporary ID card, temporary passport, child passport or none",
            Field::CurrentDocumentSerial => "9 characters of digits and capital letters (no O), 10 with the check digit; temporary ID card: 1 letter and 7 digits",
            Field::Pickup => "counter, pickup box or direct delivery",
            Field::MobileNumber => "a mobile number like +49 151 23456789 or 0151 23456789",
            Field::Nationality => "German (D)",
            Field::DoctoralDegree => "Dr. (also repeated, e.g. Dr. Dr.)",
            _ => "a valid value",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// What is wrong with a field. Serialised with its `code` and its parameters, so a message
/// catalogue can render its own text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "code")]
pub enum FieldErrorKind {
    #[serde(rename = "field_required")]
    Required,
    #[serde(rename = "field_too_long")]
    TooLong { max: u32 },
    #[serde(rename = "field_invalid_characters")]
    InvalidCharacters,
    #[serde(rename = "field_invalid_format")]
    InvalidFormat,
    #[serde(rename = "field_unknown_value")]
    UnknownValue,
    #[serde(rename = "field_no_such_date")]
    NoSuchDate,
    #[serde(rename = "field_day_without_month")]
    DayWithoutMonth,
    #[serde(rename = "field_year_too_early")]
    YearTooEarly { min: i32 },
    #[serde(rename = "field_date_in_future")]
    DateInFuture,
    #[serde(rename = "field_out_of_range")]
    OutOfRange { min: u32, max: u32 },
    #[serde(rename = "field_names_too_long")]
    NamesTooLong { max: u32 },
    #[serde(rename = "field_unrecognised_degree")]
    UnrecognisedDegree,
    #[serde(rename = "field_not_german")]
    NotGerman,
    #[serde(rename = "field_check_digit_wrong")]
    CheckDigitWrong,
    #[serde(rename = "field_required_for_passport")]
    RequiredForPassport,
    #[serde(rename = "field_custodian_required")]
    CustodianRequired { under: u32 },
    #[serde(rename = "field_not_expected")]
    NotExpected,
    #[serde(rename = "field_not_offered_for_document")]
    NotOfferedForDocument,
    #[serde(rename = "field_not_offered_on_date")]
    NotOfferedOnDate,
    #[serde(rename = "field_too_young")]
    TooYoung { min_age: u32 },
    #[serde(rename = "field_needs_german_address")]
    NeedsGermanAddress,
    #[serde(rename = "field_consent_missing")]
    ConsentMissing,
    #[serde(rename = "field_not_mobile")]
    NotMobile,
    #[serde(rename = "field_pin_letter_not_confirmed")]
    PinLetterNotConfirmed,
    #[serde(rename = "field_no_fee_on_date")]
    NoFeeOnDate,
}

impl FieldErrorKind {
    pub fn code(&self) -> &'static str {
        match self {
            FieldErrorKind::Required => "field_required",
            FieldErrorKind::TooLong { .. } => "field_too_long",
            FieldErrorKind::InvalidCharacters => "field_invalid_characters",
            FieldErrorKind::InvalidFormat => "field_invalid_format",
            FieldErrorKind::UnknownValue => "field_unknown_value",
            FieldErrorKind::NoSuchDate => "field_no_such_date",
            FieldErrorKind::DayWithoutMonth => "field_day_without_month",
            FieldErrorKind::YearTooEarly { .. } => "field_year_too_early",
            FieldErrorKind::DateInFuture => "field_date_in_future",
            FieldErrorKind::OutOfRange { .. } => "field_out_of_range",
            FieldErrorKind::NamesTooLong { .. } => "field_names_too_long",
            FieldErrorKind::UnrecognisedDegree => "field_unrecognised_degree",
            FieldErrorKind::NotGerman => "field_not_german",
            FieldErrorKind::CheckDigitWrong => "field_check_digit_wrong",
            FieldErrorKind::RequiredForPassport => "field_required_for_passport",
            FieldErrorKind::CustodianRequired { .. } => "field_custodian_required",
            FieldErrorKind::NotExpected => "field_not_expected",
            FieldErrorKind::NotOfferedForDocument => "field_not_offered_for_document",
            FieldErrorKind::NotOfferedOnDate => "field_not_offered_on_date",
            FieldErrorKind::TooYoung { .. } => "field_too_young",
            FieldErrorKind::NeedsGermanAddress => "field_needs_german_address",
            FieldErrorKind::ConsentMissing => "field_consent_missing",
            FieldErrorKind::NotMobile => "field_not_mobile",
            FieldErrorKind::PinLetterNotConfirmed => "field_pin_letter_not_confirmed",
            FieldErrorKind::NoFeeOnDate => "field_no_fee_on_date",
        }
    }

    /// One value of each variant, so tests and the code list cannot miss one.
    pub const EXAMPLES: &'static [FieldErrorKind] = &[
        FieldErrorKind::Required,
        FieldErrorKind::TooLong { max: 120 },
        FieldErrorKind::InvalidCharacters,
        FieldErrorKind::InvalidFormat,
        FieldErrorKind::UnknownValue,
        FieldErrorKind::NoSuchDate,
        FieldErrorKind::DayWithoutMonth,
        FieldErrorKind::YearTooEarly { min: 1890 },
        FieldErrorKind::DateInFuture,
        FieldErrorKind::OutOfRange { min: 30, max: 260 },
        FieldErrorKind::NamesTooLong { max: 120 },
        FieldErrorKind::UnrecognisedDegree,
        FieldErrorKind::NotGerman,
        FieldErrorKind::CheckDigitWrong,
        FieldErrorKind::RequiredForPassport,
        FieldErrorKind::CustodianRequired { under: 16 },
        FieldErrorKind::NotExpected,
        FieldErrorKind::NotOfferedForDocument,
        FieldErrorKind::NotOfferedOnDate,
        FieldErrorKind::TooYoung { min_age: 16 },
        FieldErrorKind::NeedsGermanAddress,
        FieldErrorKind::ConsentMissing,
        FieldErrorKind::NotMobile,
        FieldErrorKind::PinLetterNotConfirmed,
        FieldErrorKind::NoFeeOnDate,
    ];

    fn describe_de(&self, field: Field) -> String {
        match *self {
            FieldErrorKind::Required => "Bitte angeben.".into(),
            FieldErrorKind::TooLong { max } => format!("Zu lang, höchstens {max} Zeichen."),
            FieldErrorKind::InvalidCharacters => {
                "Enthält unzulässige Zeichen; erlaubt sind lateinische Buchstaben (auch mit Akzent), Leerzeichen und je nach Feld Bindestrich, Apostroph, Punkt, Klammern, Schrägstrich oder Ziffern.".into()
            }
            FieldErrorKind::InvalidFormat => format!("Ungültiges Format; erwartet: {}.", field.expected_de()),
            FieldErrorKind::UnknownValue => format!("Unbekannter Wert; erlaubt: {}.", field.expected_de()),
            FieldErrorKind::NoSuchDate => "Dieses Datum gibt es nicht.".into(),
            FieldErrorKind::DayWithoutMonth => "Ist der Monat unbekannt (XX), muss auch der Tag XX sein.".into(),
            FieldErrorKind::YearTooEarly { min } => format!("Das Jahr muss {min} oder später sein."),
            FieldErrorKind::DateInFuture => "Das Datum liegt nach dem Antragsdatum.".into(),
            FieldErrorKind::OutOfRange { min, max } => format!("Muss zwischen {min} und {max} liegen."),
            FieldErrorKind::NamesTooLong { max } => {
                format!("Familienname, Doktorgrad und Geburtsname zusammen dürfen höchstens {max} Zeichen lang sein.")
            }
            FieldErrorKind::UnrecognisedDegree => {
                "Eingetragen wird nur ein anerkannter Doktorgrad als „Dr.“ (auch mehrfach), ohne Fachzusatz.".into()
            }
            FieldErrorKind::NotGerman => {
                "Personalausweis und Reisepass werden nur an Deutsche ausgestellt.".into()
            }
            FieldErrorKind::CheckDigitWrong => "Die Prüfziffer stimmt nicht; bitte die Nummer noch einmal ablesen.".into(),
            FieldErrorKind::RequiredForPassport => "Für einen Reisepass ist die Angabe Pflicht.".into(),
            FieldErrorKind::CustodianRequired { under } => {
                format!("Unter {under} Jahren stellt die sorgeberechtigte Person den Antrag; bitte angeben.")
            }
            FieldErrorKind::NotExpected => "Darf bei dieser Auswahl nicht ausgefüllt sein.".into(),
            FieldErrorKind::NotOfferedForDocument => "Für dieses Dokument nicht möglich.".into(),
            FieldErrorKind::NotOfferedOnDate => "Zum Antragsdatum noch nicht angeboten.".into(),
            FieldErrorKind::TooYoung { min_age } => format!("Erst ab {min_age} Jahren möglich."),
            FieldErrorKind::NeedsGermanAddress => "Nur mit einer Anschrift in Deutschland möglich.".into(),
            FieldErrorKind::ConsentMissing => "Die Einwilligung der Kundin oder des Kunden fehlt.".into(),
            FieldErrorKind::NotMobile => "Keine Mobilnummer; die Ausgabebox schickt eine SMS.".into(),
            FieldErrorKind::PinLetterNotConfirmed => {
                "Seit 17.02.2025 wird der PIN-Brief bei der Antragstellung ausgehändigt; bitte die Übergabe bestätigen.".into()
            }
            FieldErrorKind::NoFeeOnDate => "Für dieses Datum ist keine Gebühr hinterlegt.".into(),
        }
    }

    fn describe_en(&self, field: Field) -> String {
        match *self {
            FieldErrorKind::Required => "Required.".into(),
            FieldErrorKind::TooLong { max } => format!("Too long, at most {max} characters."),
            FieldErrorKind::InvalidCharacters => {
                "Contains characters that are not allowed; allowed are Latin letters (also accented), spaces and, depending on the field, hyphen, apostrophe, full stop, brackets, slash or digits.".into()
            }
            FieldErrorKind::InvalidFormat => format!("Invalid format; expected: {}.", field.expected_en()),
            FieldErrorKind::UnknownValue => format!("Unknown value; allowed: {}.", field.expected_en()),
            FieldErrorKind::NoSuchDate => "This date does not exist.".into(),
            FieldErrorKind::DayWithoutMonth => "If the month is unknown (XX), the day must be XX too.".into(),
            FieldErrorKind::YearTooEarly { min } => format!("The year must be {min} or later."),
            FieldErrorKind::DateInFuture => "The date is after the application date.".into(),
            FieldErrorKind::OutOfRange { min, max } => format!("Must be between {min} and {max}."),
            FieldErrorKind::NamesTooLong { max } => {
                format!("Family name, doctoral degree and birth name together may be at most {max} characters long.")
            }
            FieldErrorKind::UnrecognisedDegree => {
                "Only a recognised doctoral degree is entered, as \"Dr.\" (also repeated), without a subject.".into()
            }
            FieldErrorKind::NotGerman => "ID cards and passports are issued to Germans only.".into(),
            FieldErrorKind::CheckDigitWrong => "The check digit does not match; please read the number again.".into(),
            FieldErrorKind::RequiredForPassport => "Required for a passport.".into(),
            FieldErrorKind::CustodianRequired { under } => {
                format!("Under {under} the custodian applies; please enter them.")
            }
            FieldErrorKind::NotExpected => "Must be empty with this choice.".into(),
            FieldErrorKind::NotOfferedForDocument => "Not possible for this document.".into(),
            FieldErrorKind::NotOfferedOnDate => "Not yet offered on the application date.".into(),
            FieldErrorKind::TooYoung { min_age } => format!("Only possible from age {min_age}."),
            FieldErrorKind::NeedsGermanAddress => "Only possible with an address in Germany.".into(),
            FieldErrorKind::ConsentMissing => "The customer's consent is missing.".into(),
            FieldErrorKind::NotMobile => "Not a mobile number; the pickup box sends a text message.".into(),
            FieldErrorKind::PinLetterNotConfirmed => {
                "Since 17 Feb 2025 the PIN letter is handed over at the application; please confirm the handover.".into()
            }
            FieldErrorKind::NoFeeOnDate => "No fee is known for this date.".into(),
        }
    }
}

/// A refused value: which field, and why. `Display` is the German message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message_de())]
pub struct FieldError {
    pub field: Field,
    pub kind: FieldErrorKind,
}

impl FieldError {
    pub fn new(field: Field, kind: FieldErrorKind) -> Self {
        Self { field, kind }
    }

    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    pub fn message_de(&self) -> String {
        format!("{}: {}", self.field.label_de(), self.kind.describe_de(self.field))
    }

    pub fn message_en(&self) -> String {
        format!("{}: {}", self.field.label_en(), self.kind.describe_en(self.field))
    }

    /// The same refusal reported on another field, e.g. a custodian's name checked by the
    /// applicant's name rules.
    pub fn on(self, field: Field) -> Self {
        Self { field, ..self }
    }
}

impl Serialize for FieldError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shape<'a> {
            field: Field,
            #[serde(flatten)]
            kind: &'a FieldErrorKind,
            message: String,
            message_en: String,
        }
        Shape { field: self.field, kind: &self.kind, message: self.message_de(), message_en: self.message_en() }
            .serialize(serializer)
    }
}

/// The crate's error for callers that want one value: the application as a whole was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplicationError {
    #[error("{0}")]
    Field(FieldError),
    #[error("Der Antrag ist unvollständig oder fehlerhaft ({} Angaben): {}", .0.len(), join_de(.0))]
    Invalid(Vec<FieldError>),
}

fn join_de(errors: &[FieldError]) -> String {
    errors.iter().map(FieldError::message_de).collect::<Vec<_>>().join(" ")
}

impl ApplicationError {
    pub fn code(&self) -> &'static str {
        match self {
            ApplicationError::Field(inner) => inner.code(),
            ApplicationError::Invalid(_) => "application_invalid",
        }
    }

    /// Every field error inside, for the form.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            ApplicationError::Field(inner) => std::slice::from_ref(inner),
            ApplicationError::Invalid(all) => all,
        }
    }
}

impl From<FieldError> for ApplicationError {
    fn from(value: FieldError) -> Self {
        ApplicationError::Field(value)
    }
}

impl From<Vec<FieldError>> for ApplicationError {
    fn from(value: Vec<FieldError>) -> Self {
        ApplicationError::Invalid(value)
    }
}

/// Every error code this crate can produce, for the desk's `ERROR_CODES` and the UI catalogue.
pub const ERROR_CODES: &[&str] = &[
    "application_invalid",
    "field_required",
    "field_too_long",
    "field_invalid_characters",
    "field_invalid_format",
    "field_unknown_value",
    "field_no_such_date",
    "field_day_without_month",
    "field_year_too_early",
    "field_date_in_future",
    "field_out_of_range",
    "field_names_too_long",
    "field_unrecognised_degree",
    "field_not_german",
    "field_check_digit_wrong",
    "field_required_for_passport",
    "field_custodian_required",
    "field_not_expected",
    "field_not_offered_for_document",
    "field_not_offered_on_date",
    "field_too_young",
    "field_needs_german_address",
    "field_consent_missing",
    "field_not_mobile",
    "field_pin_letter_not_confirmed",
    "field_no_fee_on_date",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The string literals returned by each `fn code(` in `source` (the same reading as the desk's test).
    fn codes_in(source: &str) -> Vec<String> {
        let mut codes = Vec::new();
        for body in source.split("fn code(").skip(1) {
            let body = body.split("\n    }\n").next().unwrap_or_default();
            for arm in body.split("=> \"").skip(1) {
                codes.push(arm.split('"').next().unwrap_or_default().to_owned());
            }
        }
        codes
    }

    #[test]
    fn error_codes_lists_every_code_of_the_source_once() {
        let mut found = codes_in(include_str!("error.rs"));
        found.sort();
        let mut listed: Vec<String> = ERROR_CODES.iter().map(|c| c.to_string()).collect();
        listed.sort();
        let before = listed.len();
        listed.dedup();
        assert_eq!(before, listed.len(), "a code is listed twice");
        assert_eq!(listed, found);
        for kind in FieldErrorKind::EXAMPLES {
            assert!(ERROR_CODES.contains(&kind.code()), "{}", kind.code());
        }
        assert_eq!(FieldErrorKind::EXAMPLES.len() + 1, ERROR_CODES.len(), "an example per kind");
    }

    #[test]
    fn codes_do_not_collide_with_other_crates() {
        // Codes of the other crates are plain words (`invalid_date`, `io`, …); ours carry a prefix.
        for code in ERROR_CODES {
            assert!(code.starts_with("field_") || code.starts_with("application_"), "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{code}");
        }
    }

    #[test]
    fn every_message_names_its_field_in_both_languages() {
        for &field in Field::ALL {
            for &kind in FieldErrorKind::EXAMPLES {
                let error = FieldError::new(field, kind);
                assert!(error.message_de().starts_with(field.label_de()), "{}", error.message_de());
                assert!(error.message_en().starts_with(field.label_en()), "{}", error.message_en());
                assert_ne!(error.message_de(), error.message_en());
                assert_eq!(error.to_string(), error.message_de());
            }
        }
    }

    #[test]
    fn serialised_error_carries_field_code_parameters_and_both_texts() {
        let error = FieldError::new(Field::FamilyName, FieldErrorKind::TooLong { max: 120 });
        let json = serde_json::to_value(error).unwrap();
        assert_eq!(json["field"], "family_name");
        assert_eq!(json["code"], "field_too_long");
        assert_eq!(json["max"], 120);
        assert_eq!(json["message"], "Familienname: Zu lang, höchstens 120 Zeichen.");
        assert_eq!(json["message_en"], "Family name: Too long, at most 120 characters.");
        for &kind in FieldErrorKind::EXAMPLES {
            let json = serde_json::to_value(FieldError::new(Field::Sex, kind)).unwrap();
            assert_eq!(json["code"], kind.code(), "serde name and code() agree");
        }
        for &field in Field::ALL {
            assert_eq!(serde_json::to_value(field).unwrap(), field.key());
        }
    }

    #[test]
    fn application_error_keeps_all_field_errors() {
        let errors = vec![
            FieldError::new(Field::FamilyName, FieldErrorKind::Required),
            FieldError::new(Field::Sex, FieldErrorKind::RequiredForPassport),
        ];
        let error = ApplicationError::from(errors.clone());
        assert_eq!(error.code(), "application_invalid");
        assert_eq!(error.field_errors(), errors.as_slice());
        assert!(error.to_string().contains("Familienname: Bitte angeben."));
        let single = ApplicationError::from(errors[1]);
        assert_eq!(single.code(), "field_required_for_passport");
    }
}
