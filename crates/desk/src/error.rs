use serde::Serialize;
use ts_rs::TS;

/// What went wrong in the desk, in terms a clerk can act on.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("Die Konfiguration dieses Arbeitsplatzes ist fehlerhaft: {0}. Bitte die IT verständigen.")]
    Config(String),
    #[error("Das Zertifikat dieses Arbeitsplatzes ist nicht nutzbar: {0}. Bitte die IT verständigen.")]
    Certificate(#[from] schalter_pki::PkiError),
    #[error("Die Zentrale ist nicht erreichbar. Bitte die Netzwerkverbindung prüfen.")]
    Unreachable,
    #[error("Die sichere Verbindung zur Zentrale wurde abgelehnt (Zertifikat). Bitte die IT verständigen.")]
    TlsRejected,
    #[error("Bitte Benutzername und Passwort eingeben.")]
    MissingCredentials,
    #[error("Bitte anmelden.")]
    NotLoggedIn,
    /// The central API refused, with its own code and German message.
    #[error("{message}")]
    Central { code: String, message: String },
    #[error("Die Zentrale hat unerwartet geantwortet (HTTP {0}). Bitte später erneut versuchen.")]
    UnexpectedAnswer(u16),
    /// A defect of the photo code, the seal, the decryption or the image.
    #[error("{0}")]
    Photo(#[from] schalter_photo::PhotoError),
    #[error("Die Foto-Cloud ist nicht erreichbar (nach mehreren Versuchen). Bitte gleich noch einmal scannen.")]
    CloudUnreachable,
    #[error("Die Foto-Cloud hat sich nicht mit dem hinterlegten Zertifikat ausgewiesen oder unser Zertifikat abgelehnt. Abruf abgebrochen; bitte die IT verständigen.")]
    CloudTlsRejected,
    #[error("Die Foto-Cloud hat unerwartet geantwortet ({0}). Bitte erneut versuchen.")]
    CloudAnswer(String),
    #[error("Das Foto ist in der Cloud nicht vorhanden: unbekannt, bereits abgerufen und gelöscht oder abgelaufen. Die Kundin oder der Kunde muss sich an das Fotostudio wenden.")]
    PhotoNotFound,
    #[error("Die Foto-Cloud verweigert den Abruf: Der Organisationsschlüssel dieses Arbeitsplatzes gehört keiner Pass-, Personalausweis- oder Ausländerbehörde. Bitte die IT verständigen.")]
    WrongOrganisationCategory,
    #[error(
        "Die Foto-Cloud bewahrt Fotos höchstens sechs Monate nach dem Hochladen auf. Bitte ein früheres Datum wählen."
    )]
    RetentionTooLong,
    #[error("Es ist kein Foto geöffnet. Bitte zuerst den Code scannen.")]
    NoPhoto,
    /// A Data Matrix / QR image that could not be read.
    #[error("{0}")]
    Scan(#[from] schalter_scan::ScanError),
    #[error("{}", camera_message(.0))]
    Camera(#[from] schalter_camera::CameraError),
}

/// A camera that does not work gets the other ways in named; a scan that simply timed out does not.
fn camera_message(error: &schalter_camera::CameraError) -> String {
    match error {
        schalter_camera::CameraError::NoCodeInTime(_) => error.to_string(),
        _ => format!("{error} Bitte den Code mit dem Handscanner oder als Bilddatei (Strg+O) einlesen."),
    }
}

impl DeskError {
    pub fn code(&self) -> &str {
        match self {
            DeskError::Config(_) => "config_invalid",
            DeskError::Certificate(_) => "certificate_invalid",
            DeskError::Unreachable => "central_unreachable",
            DeskError::TlsRejected => "tls_rejected",
            DeskError::MissingCredentials => "missing_credentials",
            DeskError::NotLoggedIn => "not_logged_in",
            DeskError::Central { code, .. } => code,
            DeskError::UnexpectedAnswer(_) => "unexpected_answer",
            DeskError::Photo(inner) => inner.code(),
            DeskError::CloudUnreachable => "cloud_unreachable",
            DeskError::CloudTlsRejected => "cloud_tls_rejected",
            DeskError::CloudAnswer(_) => "cloud_unexpected_answer",
            DeskError::PhotoNotFound => "photo_not_found",
            DeskError::WrongOrganisationCategory => "wrong_category",
            DeskError::RetentionTooLong => "retention_too_long",
            DeskError::NoPhoto => "no_photo",
            DeskError::Scan(inner) => inner.code(),
            DeskError::Camera(inner) => inner.code(),
        }
    }

    /// Whether the clerk's session is gone and the login screen must return.
    pub fn ends_session(&self) -> bool {
        matches!(self.code(), "session_expired" | "unauthenticated" | "not_logged_in")
    }
}

/// The error shape every command hands to the front end: a stable `code` and a German
/// `message` safe to show. Never a debug string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UiError {
    pub code: String,
    pub message: String,
}

impl From<DeskError> for UiError {
    fn from(error: DeskError) -> Self {
        UiError { code: error.code().to_owned(), message: error.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_error_json_is_code_and_german_message() {
        let json = serde_json::to_value(UiError::from(DeskError::Unreachable)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code": "central_unreachable",
                "message": "Die Zentrale ist nicht erreichbar. Bitte die Netzwerkverbindung prüfen."
            })
        );
    }

    #[test]
    fn central_rejections_keep_their_code() {
        let error =
            DeskError::Central { code: "session_expired".into(), message: "Die Sitzung ist abgelaufen.".into() };
        assert!(error.ends_session());
        assert_eq!(UiError::from(error).code, "session_expired");
    }
}
