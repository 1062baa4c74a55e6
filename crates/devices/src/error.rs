//! The one error type of the crate.

/// Everything that can go wrong with a device or with what it captured. Messages are German like
/// those of the other crates (they may reach the clerk); `code()` is stable for programs, translations
/// and the `{code, message}` JSON shape.
///
/// No variant carries image bytes, pen strokes or personal data, so Debug and Display are safe to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    #[error("Die Unterschrift enthält keine Linie (leer oder nur ein Punkt); bitte erneut unterschreiben.")]
    SignatureEmpty,
    #[error("Die Stiftdaten der Unterschrift sind ungültig ({reason}).")]
    StrokesInvalid { reason: String },
    #[error("Das Bild der Unterschrift konnte nicht als JPEG kodiert werden ({reason}).")]
    EncodeFailed { reason: String },
    #[error("Bis zum Ablauf der Zeit wurde nichts erfasst.")]
    CaptureTimeout,
    #[error("Die Erfassung wurde abgebrochen.")]
    CaptureCancelled,
    #[error("Das Gerät {path} ist nicht angeschlossen oder nicht vorhanden.")]
    NotFound { path: String },
    #[error("Das Gerät {path} darf von diesem Benutzer nicht gelesen werden (Rechte, udev-Regel).")]
    PermissionDenied { path: String },
    #[error("Das Gerät meldet einen Lesefehler ({reason}); ist es noch angeschlossen?")]
    Io { reason: String },
    #[error("Die Gerätekonfiguration ist ungültig ({reason}).")]
    ConfigInvalid { reason: String },
    #[error("Der Erfassungsdienst für Fingerabdrücke ist nicht erreichbar ({reason}).")]
    ServiceUnreachable { reason: String },
    #[error("Der Erfassungsdienst für Fingerabdrücke meldet einen Fehler ({code}: {message}).")]
    ServiceFailed { code: String, message: String },
    #[error("Die Antwort des Erfassungsdienstes ist nicht verständlich ({reason}).")]
    ServiceProtocol { reason: String },
    #[error("Dieser Finger wird jetzt nicht erfasst ({reason}).")]
    FingerUnexpected { reason: String },
}

impl DeviceError {
    pub fn code(&self) -> &'static str {
        match self {
            DeviceError::SignatureEmpty => "device_signature_empty",
            DeviceError::StrokesInvalid { .. } => "device_strokes_invalid",
            DeviceError::EncodeFailed { .. } => "device_encode_failed",
            DeviceError::CaptureTimeout => "device_capture_timeout",
            DeviceError::CaptureCancelled => "device_capture_cancelled",
            DeviceError::NotFound { .. } => "device_not_found",
            DeviceError::PermissionDenied { .. } => "device_permission_denied",
            DeviceError::Io { .. } => "device_io",
            DeviceError::ConfigInvalid { .. } => "device_config_invalid",
            DeviceError::ServiceUnreachable { .. } => "device_service_unreachable",
            DeviceError::ServiceFailed { .. } => "device_service_failed",
            DeviceError::ServiceProtocol { .. } => "device_service_protocol",
            DeviceError::FingerUnexpected { .. } => "device_finger_unexpected",
        }
    }

    pub(crate) fn config(reason: impl Into<String>) -> Self {
        DeviceError::ConfigInvalid { reason: reason.into() }
    }

    pub(crate) fn protocol(reason: impl Into<String>) -> Self {
        DeviceError::ServiceProtocol { reason: reason.into() }
    }
}

/// Every code `code()` can return, for lists kept elsewhere (the desk's `ERROR_CODES`, the UI's catalogue).
pub const ERROR_CODES: &[&str] = &[
    "device_signature_empty",
    "device_strokes_invalid",
    "device_encode_failed",
    "device_capture_timeout",
    "device_capture_cancelled",
    "device_not_found",
    "device_permission_denied",
    "device_io",
    "device_config_invalid",
    "device_service_unreachable",
    "device_service_failed",
    "device_service_protocol",
    "device_finger_unexpected",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_listed_and_distinct() {
        let s = || "x".to_string();
        let all = [
            DeviceError::SignatureEmpty,
            DeviceError::StrokesInvalid { reason: s() },
            DeviceError::EncodeFailed { reason: s() },
            DeviceError::CaptureTimeout,
            DeviceError::CaptureCancelled,
            DeviceError::NotFound { path: s() },
            DeviceError::PermissionDenied { path: s() },
            DeviceError::Io { reason: s() },
            DeviceError::ConfigInvalid { reason: s() },
            DeviceError::ServiceUnreachable { reason: s() },
            DeviceError::ServiceFailed { code: s(), message: s() },
            DeviceError::ServiceProtocol { reason: s() },
            DeviceError::FingerUnexpected { reason: s() },
        ];
        let codes: Vec<&str> = all.iter().map(DeviceError::code).collect();
        assert_eq!(codes, ERROR_CODES);
        for (i, code) in ERROR_CODES.iter().enumerate() {
            assert!(code.starts_with("device_"), "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{code}");
            assert!(!ERROR_CODES[..i].contains(code), "{code} twice");
        }
    }
}
