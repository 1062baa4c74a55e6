//! The crate's one error type. `Display` is the German text; `code()` is stable and travels as
//! `{code, message}` like every other crate's codes.

/// Everything the pickup rules can refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickupError {
    /// The box is outside its opening hours (or on a public holiday in service-hours mode).
    #[error("Die Ausgabebox ist zurzeit geschlossen.")]
    BoxClosed,
    /// An opening-hours table that cannot be meant: an interval that closes before it opens,
    /// overlapping intervals, a weekday listed twice.
    #[error("Die Öffnungszeiten sind ungültig: {0}")]
    InvalidOpeningHours(&'static str),
    /// A PIN as typed that is not exactly 6 digits.
    #[error("Die PIN besteht aus genau 6 Ziffern.")]
    InvalidPin,
    /// A stored PIN hash that is not 64 hex digits.
    #[error("Der gespeicherte PIN-Hash ist ungültig.")]
    InvalidPinHash,
    /// A server pepper that is not 32 bytes.
    #[error("Der Server-Schlüssel für PINs muss 32 Bytes lang sein.")]
    InvalidPepper,
    /// A stored count of wrong attempts above the maximum.
    #[error("Die Zahl der Fehlversuche ist ungültig (höchstens {max}).")]
    InvalidAttempts { max: u8 },
    /// A pickup period outside 1..=60 days.
    #[error("Die Abholfrist muss zwischen {min} und {max} Tagen liegen.")]
    DaysOutOfRange { min: u8, max: u8 },
    /// The terminal asked too often; the central answers again after `retry_after_seconds`.
    #[error("Zu viele Versuche an diesem Terminal; bitte in {retry_after_seconds} s erneut versuchen.")]
    TerminalRateLimited { retry_after_seconds: u64 },
    /// The application has no old document and only a partial birth date (`XX`): the box has no
    /// third factor to check, so the document stays at the counter.
    #[error("Ohne bisheriges Dokument und ohne vollständiges Geburtsdatum ist keine Abholung an der Box möglich.")]
    NoThirdFactor,
    /// Only ordered documents reach the box; temporary ones are issued on the spot.
    #[error("Dieses Dokument wird nicht über die Ausgabebox ausgegeben.")]
    NotForTheBox,
    /// An event the terminal's flow cannot take in its current state.
    #[error("Im Schritt „{state}“ ist „{event}“ nicht möglich.")]
    UnexpectedEvent { state: &'static str, event: &'static str },
}

impl PickupError {
    pub fn code(&self) -> &'static str {
        match self {
            PickupError::BoxClosed => "pickup_box_closed",
            PickupError::InvalidOpeningHours(_) => "pickup_invalid_opening_hours",
            PickupError::InvalidPin => "pickup_invalid_pin",
            PickupError::InvalidPinHash => "pickup_invalid_pin_hash",
            PickupError::InvalidPepper => "pickup_invalid_pepper",
            PickupError::InvalidAttempts { .. } => "pickup_invalid_attempts",
            PickupError::DaysOutOfRange { .. } => "pickup_days_out_of_range",
            PickupError::TerminalRateLimited { .. } => "pickup_terminal_rate_limited",
            PickupError::NoThirdFactor => "pickup_no_third_factor",
            PickupError::NotForTheBox => "pickup_not_for_the_box",
            PickupError::UnexpectedEvent { .. } => "pickup_unexpected_event",
        }
    }
}

/// Every code of [`PickupError::code`], for the desk's `ERROR_CODES` and the UI catalogue.
pub const ERROR_CODES: &[&str] = &[
    "pickup_box_closed",
    "pickup_invalid_opening_hours",
    "pickup_invalid_pin",
    "pickup_invalid_pin_hash",
    "pickup_invalid_pepper",
    "pickup_invalid_attempts",
    "pickup_days_out_of_range",
    "pickup_terminal_rate_limited",
    "pickup_no_third_factor",
    "pickup_not_for_the_box",
    "pickup_unexpected_event",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// One example of every variant; the match makes a new variant a compile error here.
    fn examples() -> Vec<PickupError> {
        let all = vec![
            PickupError::BoxClosed,
            PickupError::InvalidOpeningHours("x"),
            PickupError::InvalidPin,
            PickupError::InvalidPinHash,
            PickupError::InvalidPepper,
            PickupError::InvalidAttempts { max: 3 },
            PickupError::DaysOutOfRange { min: 1, max: 60 },
            PickupError::TerminalRateLimited { retry_after_seconds: 6 },
            PickupError::NoThirdFactor,
            PickupError::NotForTheBox,
            PickupError::UnexpectedEvent { state: "pin", event: "door_closed" },
        ];
        for error in &all {
            match error {
                PickupError::BoxClosed
                | PickupError::InvalidOpeningHours(_)
                | PickupError::InvalidPin
                | PickupError::InvalidPinHash
                | PickupError::InvalidPepper
                | PickupError::InvalidAttempts { .. }
                | PickupError::DaysOutOfRange { .. }
                | PickupError::TerminalRateLimited { .. }
                | PickupError::NoThirdFactor
                | PickupError::NotForTheBox
                | PickupError::UnexpectedEvent { .. } => {}
            }
        }
        all
    }

    #[test]
    fn every_variant_has_a_listed_unique_snake_case_code_and_a_german_text() {
        let examples = examples();
        let mut codes: Vec<&str> = examples.iter().map(PickupError::code).collect();
        assert_eq!(codes, ERROR_CODES, "ERROR_CODES in variant order");
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), ERROR_CODES.len(), "a code is used twice");
        for error in &examples {
            let code = error.code();
            assert!(code.starts_with("pickup_"), "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{code}");
            assert!(!error.to_string().is_empty());
        }
        assert_eq!(
            PickupError::TerminalRateLimited { retry_after_seconds: 6 }.to_string(),
            "Zu viele Versuche an diesem Terminal; bitte in 6 s erneut versuchen."
        );
    }
}
