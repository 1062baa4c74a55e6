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
    /// Desk updates: the package does not carry the release key's signature (altered or foreign).
    #[error("Das Update wurde abgelehnt: Die Signatur passt nicht zum Paket oder nicht zum Freigabeschlüssel. Bitte die IT verständigen.")]
    UpdateSignatureInvalid,
    #[error("Das angebotene Update ist nicht lesbar: {0}. Bitte die IT verständigen.")]
    UpdateUnusable(String),
    #[error("Das Update konnte nicht installiert werden: {0}. Bitte die IT verständigen.")]
    UpdateInstallFailed(String),
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
    #[error("Das Foto hat nicht alle Prüfungen bestanden. Es kann nur mit ausdrücklicher Bestätigung trotzdem angenommen werden.")]
    OverrideRequired,
    #[error("{} hat eine zu große Antwort geschickt (mehr als {} KiB); sie wurde nicht gelesen. Bitte die IT verständigen.", .from.name(), .max / 1024)]
    AnswerTooLarge { from: crate::client::Server, max: usize },
    /// A Data Matrix / QR image that could not be read.
    #[error("{0}")]
    Scan(#[from] schalter_scan::ScanError),
    #[error("{}", camera_message(.0))]
    Camera(#[from] schalter_camera::CameraError),
    /// The local store (keyring, outbox): offline login refusals carry their own codes.
    #[error("{0}")]
    Store(#[from] schalter_store::StoreError),
    #[error("{0}")]
    Sync(#[from] schalter_sync::SyncError),
    #[error("Die Foto-Cloud ist nicht erreichbar. Der Code ist vorgemerkt: Das Foto wird abgerufen, sobald sie wieder antwortet.")]
    PhotoCloudUnreachable,
    /// The form has wrong or missing fields (the check names each).
    #[error("{0}")]
    ApplicationInvalid(schalter_application::ApplicationError),
    #[error("Für diesen Besuch ist noch kein Lichtbild angenommen. Ein Antrag wird nur mit einem im Beisein geprüften Foto erfasst: bitte zuerst den Foto-Code scannen und das Foto annehmen (F8).")]
    ApplicationPhotoMissing,
    #[error(
        "Diesen Antrag gibt es auf diesem Arbeitsplatz nicht (mehr). Seine Quittung kann hier nicht erstellt werden."
    )]
    ApplicationNotFound,
    /// Only an application the producer rejected can be corrected, and it stays the document it was.
    #[error("Nur ein vom Hersteller abgelehnter Antrag kann korrigiert werden; die Dokumentart bleibt dieselbe.")]
    ApplicationNotCorrectable,
    /// From 6 (a document with a chip) each hand's print is captured, or the clerk confirms it is not possible.
    #[error("Die Fingerabdrücke fehlen: ab 6 Jahren ist je Hand ein Abdruck zu erfassen (F7) oder zu bestätigen, dass er nicht möglich ist.")]
    ApplicationFingerprintsMissing,
    /// From 10 the applicant signs on the pad.
    #[error("Die Unterschrift fehlt: ab 10 Jahren unterschreibt der Antragsteller auf dem Unterschriftenfeld (F8).")]
    ApplicationSignatureMissing,
    /// The signature pad or the fingerprint reader (`device_*`).
    #[error("{0}")]
    Device(#[from] schalter_devices::DeviceError),
    /// The counter queue's rules refused (`queue_*`).
    #[error("{0}")]
    Queue(#[from] schalter_appointments::queue::QueueError),
    /// »Nächste aufrufen« while this place still has someone: only with the clerk's confirmation.
    #[error("An diesem Platz ist noch jemand aufgerufen oder in Bearbeitung. Trotzdem die nächste Nummer aufrufen?")]
    QueueStillServing,
    #[error("Die Quittung konnte nicht erstellt werden. Bitte die IT verständigen. ({0})")]
    Receipt(schalter_receipt::ReceiptError),
    #[error("Die Quittung konnte nicht gespeichert werden ({0}). Bitte einen anderen Ort wählen.")]
    ReceiptNotSaved(String),
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
            DeskError::UpdateSignatureInvalid => "update_signature_invalid",
            DeskError::UpdateUnusable(_) => "update_unusable",
            DeskError::UpdateInstallFailed(_) => "update_install_failed",
            DeskError::Photo(inner) => inner.code(),
            DeskError::CloudUnreachable => "cloud_unreachable",
            DeskError::CloudTlsRejected => "cloud_tls_rejected",
            DeskError::CloudAnswer(_) => "cloud_unexpected_answer",
            DeskError::PhotoNotFound => "photo_not_found",
            DeskError::WrongOrganisationCategory => "wrong_category",
            DeskError::RetentionTooLong => "retention_too_long",
            DeskError::NoPhoto => "no_photo",
            DeskError::OverrideRequired => "override_required",
            DeskError::AnswerTooLarge { .. } => "answer_too_large",
            DeskError::Scan(inner) => inner.code(),
            DeskError::Camera(inner) => inner.code(),
            DeskError::Store(inner) => inner.code(),
            DeskError::Sync(inner) => inner.code(),
            DeskError::PhotoCloudUnreachable => "photo_cloud_unreachable",
            DeskError::ApplicationInvalid(_) => "application_invalid",
            DeskError::ApplicationPhotoMissing => "application_photo_missing",
            DeskError::ApplicationNotFound => "application_not_found",
            DeskError::ApplicationNotCorrectable => "application_not_correctable",
            DeskError::ApplicationFingerprintsMissing => "application_fingerprints_missing",
            DeskError::ApplicationSignatureMissing => "application_signature_missing",
            DeskError::Device(inner) => inner.code(),
            DeskError::Queue(inner) => inner.code(),
            DeskError::QueueStillServing => "queue_still_serving",
            DeskError::Receipt(_) => "receipt_failed",
            DeskError::ReceiptNotSaved(_) => "receipt_not_saved",
        }
    }

    /// Whether the clerk's session is gone and the login screen must return.
    pub fn ends_session(&self) -> bool {
        matches!(self.code(), "session_expired" | "unauthenticated" | "not_logged_in")
    }
}

/// Every error code a desk command can reject with: the desk's own, those of the photo, scan and
/// camera crates it passes through, and the central API's (passed through from its answers). The
/// front end's message catalogue must have a German and an English text for each; a test here
/// keeps this list equal to the codes in the sources.
pub const ERROR_CODES: &[&str] = &[
    // desk
    "config_invalid",
    "certificate_invalid",
    "central_unreachable",
    "tls_rejected",
    "missing_credentials",
    "not_logged_in",
    "unexpected_answer",
    "update_signature_invalid",
    "update_unusable",
    "update_install_failed",
    "update_not_found",
    "cloud_unreachable",
    "cloud_tls_rejected",
    "cloud_unexpected_answer",
    "photo_not_found",
    "wrong_category",
    "retention_too_long",
    "no_photo",
    "override_required",
    "answer_too_large",
    "photo_cloud_unreachable",
    "application_invalid",
    "application_photo_missing",
    "application_not_found",
    "receipt_failed",
    "receipt_not_saved",
    // the signature pad and the fingerprint reader
    "device_signature_empty",
    "device_strokes_invalid",
    "device_encode_failed",
    // counter queue (schalter_appointments::queue, desk)
    "queue_still_serving",
    "queue_invalid_place",
    "queue_invalid_service",
    "queue_ticket_taken",
    "queue_not_your_ticket",
    "queue_call_limit",
    "queue_invalid_transition",
    "queue_forward_target_missing",
    "queue_forward_to_self",
    "queue_nobody_waiting",
    "queue_unknown_ticket",
    "queue_unknown_booking",
    "queue_already_checked_in",
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
    // the local store: offline login, keyring, outbox
    "offline_login_unknown",
    "offline_login_expired",
    "clock_before_last_login",
    "wrong_data_key",
    "encryption_unavailable",
    "store_exists",
    "store_missing",
    "keyring_invalid",
    "invalid_input",
    "unknown_mutation",
    "mutation_settled",
    "unknown_job",
    "io",
    // sync
    "sync_needs_login",
    "sync_sequence_behind",
    "sync_unexpected_answer",
    // photo code, seal, decryption, image
    "not_base64",
    "wrong_magic",
    "unknown_version",
    "length_overrun",
    "trailing_bytes",
    "unknown_algorithm",
    "wrong_iv_length",
    "wrong_key_length",
    "url_not_https",
    "url_too_long",
    "invalid_c40",
    "untrusted_cloud",
    "invalid_user_identifier",
    "decryption_failed",
    "seal_invalid",
    "seal_algorithm_unknown",
    "seal_certificate_invalid",
    "seal_key_invalid",
    "seal_form_unknown",
    "photo_too_large",
    "not_jpeg",
    "corrupt_jpeg",
    "decompression_bomb",
    // image files with codes
    "image_unreadable",
    "image_too_large",
    "no_code_found",
    "invalid_frame",
    // camera
    "camera_gstreamer_missing",
    "camera_unavailable",
    "camera_stopped",
    "camera_invalid_frame",
    "camera_no_code",
    // central API
    "invalid_credentials",
    "account_locked",
    "unauthenticated",
    "session_expired",
    "forbidden",
    "invalid_request",
    "body_too_large",
    "unsupported_media_type",
    "server_busy",
    "too_many_attempts",
    "unknown_office",
    "internal",
    // the central's sync refusals (a rejected mutation or a refused call shows its code)
    "sequence_gap",
    "device_mismatch",
    "invalid_payload",
    "unknown_mutation_kind",
    "unknown_author",
    "application_exists",
    "application_not_correctable",
    "application_fingerprints_missing",
    "application_signature_missing",
    "producer_refused",
    "producer_unavailable",
    "pickup_unknown_box",
    "pickup_not_ready",
    "pickup_not_by_box",
    "pickup_no_third_factor",
    "pickup_box_full",
    "pickup_already_loaded",
    "pickup_not_found",
    "pickup_not_locked",
    "pickup_not_expired",
    "pickup_in_use",
    "pickup_not_awaiting_confirmation",
    "pickup_same_clerk",
    "pickup_pin_letter_unconfirmed",
    "pickup_old_document_unrecorded",
    "pickup_already_handed_out",
    "pickup_not_delivered",
    "pickup_direct_delivery",
    "pickup_not_configured",
    "box_certificate",
    "not_a_box",
    "certificate_revoked",
    "box_session_unknown",
    "box_session_finished",
    "box_invalid_birth_date",
    "appointments_not_configured",
    "slot_unknown",
    "slot_taken",
    "booking_not_found",
    "booking_too_late",
    "too_many_requests",
    "blob_missing",
    "blob_hash_mismatch",
    "offset_mismatch",
    // the central's validation of names and keys
    "invalid_username",
    "invalid_password",
    "invalid_display_name",
    "invalid_office_id",
    "invalid_role",
    "invalid_organisation_key",
    // the front end's own, for an answer that is no UiError at all
    "unexpected",
];

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

    /// The string literals returned by each `fn code(` in `source`.
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
    fn error_codes_lists_every_code_of_the_sources_and_nothing_else() {
        let sources = [
            include_str!("error.rs"),
            include_str!("../../photo/src/error.rs"),
            include_str!("../../scan/src/lib.rs"),
            include_str!("../../camera/src/lib.rs"),
            include_str!("../../central/src/error.rs"),
            include_str!("../../domain/src/lib.rs"),
            include_str!("../../store/src/error.rs"),
            include_str!("../../sync/src/error.rs"),
            include_str!("../../devices/src/error.rs"),
            include_str!("../../appointments/src/queue.rs"),
        ];
        let mut found: Vec<String> = sources.iter().flat_map(|source| codes_in(source)).collect();
        found.push("unexpected".into());
        found.sort();
        found.dedup();
        let mut listed: Vec<String> = ERROR_CODES.iter().map(|code| code.to_string()).collect();
        listed.sort();
        let duplicates = listed.len();
        listed.dedup();
        assert_eq!(listed.len(), duplicates, "ERROR_CODES lists a code twice");
        assert_eq!(listed, found, "ERROR_CODES and the codes in the sources differ");
    }

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
