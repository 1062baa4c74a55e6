//! One error type for the terminal; its [`TerminalError::code`] travels to the window, which picks
//! the text by code (German and English). Messages never carry what the citizen typed.

/// Everything that can go wrong at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    #[error("Konfiguration: {0}")]
    Config(String),
    #[error("Die Zentrale ist nicht erreichbar.")]
    Unreachable,
    #[error("Die Zentrale hat die TLS-Verbindung abgelehnt (Zertifikat).")]
    TlsRejected,
    /// The central answered with an error `{code, message}` (e.g. `pickup_box_closed`,
    /// `pickup_terminal_rate_limited`); the code is the central's.
    #[error("Die Zentrale lehnt ab ({status}): {code}")]
    Refused { status: u16, code: String, message: String },
    #[error("Die Antwort der Zentrale ist größer als {max} Bytes.")]
    AnswerTooLarge { max: usize },
    #[error("Unerwartete Antwort der Zentrale (HTTP {0}).")]
    UnexpectedAnswer(u16),
    #[error("Das Geburtsdatum ist kein gültiges Datum (TT.MM.JJJJ).")]
    BirthDateInvalid,
    #[error("Keine Sitzung am Terminal.")]
    NoSession,
    #[error("Diese Eingabe passt nicht zum aktuellen Schritt.")]
    WrongStep,
    #[error("Der Simulator ist nicht eingeschaltet.")]
    SimulatorDisabled,
    #[error("Gerät {device}: {reason}")]
    Device { device: &'static str, reason: String },
}

impl TerminalError {
    pub fn code(&self) -> &str {
        match self {
            TerminalError::Config(_) => "terminal_config",
            TerminalError::Unreachable => "central_unreachable",
            TerminalError::TlsRejected => "central_tls_rejected",
            TerminalError::Refused { code, .. } => code,
            TerminalError::AnswerTooLarge { .. } => "central_answer_too_large",
            TerminalError::UnexpectedAnswer(_) => "central_unexpected_answer",
            TerminalError::BirthDateInvalid => "birth_date_invalid",
            TerminalError::NoSession => "terminal_no_session",
            TerminalError::WrongStep => "terminal_wrong_step",
            TerminalError::SimulatorDisabled => "simulator_disabled",
            TerminalError::Device { .. } => "terminal_device_failed",
        }
    }

    pub(crate) fn device(device: &'static str, reason: impl Into<String>) -> Self {
        TerminalError::Device { device, reason: reason.into() }
    }
}

/// The codes this crate can produce itself (the central's own codes pass through [`TerminalError::Refused`]).
pub const ERROR_CODES: &[&str] = &[
    "terminal_config",
    "central_unreachable",
    "central_tls_rejected",
    "central_answer_too_large",
    "central_unexpected_answer",
    "birth_date_invalid",
    "terminal_no_session",
    "terminal_wrong_step",
    "simulator_disabled",
    "terminal_device_failed",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_and_refusals_keep_the_centrals_code() {
        let errors = [
            TerminalError::Config("x".into()),
            TerminalError::Unreachable,
            TerminalError::TlsRejected,
            TerminalError::AnswerTooLarge { max: 1 },
            TerminalError::UnexpectedAnswer(500),
            TerminalError::BirthDateInvalid,
            TerminalError::NoSession,
            TerminalError::WrongStep,
            TerminalError::SimulatorDisabled,
            TerminalError::device("slot", "x"),
        ];
        let codes: Vec<&str> = errors.iter().map(TerminalError::code).collect();
        assert_eq!(codes, ERROR_CODES);
        let refused = TerminalError::Refused {
            status: 429,
            code: "pickup_terminal_rate_limited".into(),
            message: "Zu viele Versuche".into(),
        };
        assert_eq!(refused.code(), "pickup_terminal_rate_limited");
    }
}
