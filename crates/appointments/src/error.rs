//! The crate's one error type. `Display` is the German text; `code()` is stable and travels as
//! `{code, message}` like every other crate's codes.

/// Everything the appointment rules can refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppointmentError {
    /// The configuration file cannot be read as TOML of the expected shape.
    #[error("Die Terminkonfiguration ist nicht lesbar: {0}")]
    ConfigSyntax(String),
    /// The configuration reads, but a value in it cannot be meant (named in the text).
    #[error("Die Terminkonfiguration ist ungültig: {0}")]
    InvalidConfig(String),
    /// A booking code as typed that is not 8 characters of the code alphabet.
    #[error("Der Buchungscode besteht aus 8 Zeichen (Buchstaben ohne I und O, Ziffern 2–9), z. B. K7QX-M2PA.")]
    InvalidBookingCode,
    /// A service id that the configuration does not know, or that the office does not offer.
    #[error("Diese Dienstleistung wird an diesem Standort nicht angeboten.")]
    UnknownService,
    /// An office id that the configuration does not know.
    #[error("Diesen Standort gibt es nicht.")]
    UnknownOffice,
    /// A family name for a booking that is empty or too long.
    #[error("Bitte den Familiennamen angeben (höchstens 80 Zeichen).")]
    InvalidFamilyName,
}

impl AppointmentError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::ConfigSyntax(_) => "appointment_config_syntax",
            Self::InvalidConfig(_) => "appointment_config_invalid",
            Self::InvalidBookingCode => "booking_code_invalid",
            Self::UnknownService => "appointment_service_unknown",
            Self::UnknownOffice => "appointment_office_unknown",
            Self::InvalidFamilyName => "booking_family_name_invalid",
        }
    }
}

/// Every code above, for the catalogue checks of the front ends.
pub const ERROR_CODES: &[&str] = &[
    "appointment_config_syntax",
    "appointment_config_invalid",
    "booking_code_invalid",
    "appointment_service_unknown",
    "appointment_office_unknown",
    "booking_family_name_invalid",
];
