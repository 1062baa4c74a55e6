use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use schalter_domain::DomainError;

/// Seconds a client is told to wait after `server_busy`: a few Argon2 runs' time.
const BUSY_RETRY_AFTER_SECONDS: u32 = 5;

/// Every way a request can fail. The `Display` text is German and goes to the client;
/// internal causes are logged (without personal data) and replaced by a generic text.
#[derive(Debug, thiserror::Error)]
pub enum CentralError {
    #[error("Benutzername oder Passwort ist falsch.")]
    InvalidCredentials,
    #[error("Das Konto ist nach mehreren Fehlversuchen für einige Minuten gesperrt. Bitte später erneut versuchen oder die Leitung ansprechen.")]
    AccountLocked,
    #[error("An diesem Arbeitsplatz gab es zu viele fehlgeschlagene Anmeldungen. Bitte einige Minuten warten oder die Leitung ansprechen.")]
    TooManyAttempts,
    #[error("Die Zentrale ist gerade ausgelastet. Bitte in einigen Sekunden erneut anmelden.")]
    ServerBusy,
    #[error("Bitte anmelden.")]
    Unauthenticated,
    #[error("Die Sitzung ist abgelaufen. Bitte erneut anmelden.")]
    SessionExpired,
    #[error("Für diese Aktion fehlt die Berechtigung.")]
    Forbidden,
    #[error("{0}")]
    Invalid(#[from] DomainError),
    /// The body is not the JSON document the endpoint describes. No detail: serde's text
    /// would quote the offending value, which may be a password.
    #[error("Die Anfrage ist ungültig: erwartet wird ein JSON-Dokument in der beschriebenen Form.")]
    InvalidRequest,
    /// A well-formed request that breaks a rule of the sync protocol (a client bug, not a
    /// business rejection): the text says which.
    #[error("{0}")]
    InvalidSyncRequest(&'static str),
    #[error("Die Anfrage ist zu groß (höchstens {max_bytes} Bytes).")]
    BodyTooLarge { max_bytes: u64 },
    #[error("Erwartet wird der Inhaltstyp {expected}.")]
    UnsupportedMediaType { expected: &'static str },
    #[error("Die Dienststelle {0} ist unbekannt.")]
    UnknownOffice(String),
    /// A push does not continue where the device left off; the desk resends from `expected_seq`.
    #[error(
        "Die Änderungen dieses Arbeitsplatzes sind nicht lückenlos angekommen. Erwartet wird Nummer {expected_seq}."
    )]
    SequenceGap { expected_seq: i64 },
    #[error("Diese Geräte-Kennung gehört zu einem anderen Arbeitsplatz-Zertifikat.")]
    DeviceMismatch,
    /// Rejection of one mutation: the central does not know what it means.
    #[error("Diese Art von Änderung kennt die Zentrale nicht.")]
    UnknownMutationKind,
    /// Rejection of one mutation: its content is not what its kind describes.
    #[error("Der Inhalt der Änderung ist ungültig.")]
    InvalidPayload,
    /// Rejection of one mutation: it names a clerk who never logged in online at this desk.
    #[error("Die Änderung nennt eine Person, die sich an diesem Arbeitsplatz nie angemeldet hat.")]
    UnknownAuthor,
    /// Rejection of an application: the central's check of the fields found what the desk's missed
    /// (different program versions); the message names every field.
    #[error("{0}")]
    Application(schalter_application::ApplicationError),
    /// Rejection of an application whose photo was never accepted for its visit at the central.
    #[error("Zu diesem Antrag ist kein im Beisein des Antragstellers angenommenes Lichtbild bekannt.")]
    ApplicationPhotoMissing,
    /// Rejection of an application whose fingerprint outcomes do not fit its rules: from 6 (with a chip)
    /// each hand captured or confirmed as not possible, otherwise none taken.
    #[error("Die Fingerabdrücke des Antrags fehlen oder passen nicht zu den Regeln: ab 6 Jahren (Dokument mit Chip) ist je Hand ein Abdruck zu erfassen oder zu bestätigen, dass er nicht möglich ist; darunter wird keiner erfasst.")]
    ApplicationFingerprintsMissing,
    /// Rejection of an application whose signature does not fit its rules: from 10 one is required,
    /// under 10 none is taken.
    #[error("Die Unterschrift des Antrags fehlt oder passt nicht zu den Regeln: ab 10 Jahren ist sie zu erfassen, darunter wird keine erfasst.")]
    ApplicationSignatureMissing,
    /// Rejection of a second submit of an application already recorded.
    #[error("Dieser Antrag ist bereits erfasst.")]
    ApplicationExists,
    /// Rejection of a correction: only an application the producer rejected can be corrected, and
    /// it stays the document it was.
    #[error("Nur ein vom Hersteller abgelehnter Antrag kann korrigiert werden; die Dokumentart bleibt dieselbe.")]
    ApplicationNotCorrectable,
    /// A mutation refers to a blob not (completely) uploaded yet; nothing of the push was applied.
    #[error("Das Foto oder die Unterschrift zu einer Änderung ist noch nicht vollständig übertragen. Es wird erneut gesendet.")]
    BlobMissing,
    #[error("Der Upload passt nicht zum Stand der Zentrale; sie hat {offset} Bytes.")]
    OffsetMismatch { offset: u64 },
    /// The uploaded bytes do not have the SHA-256 they were uploaded under; they are discarded.
    #[error("Die übertragenen Daten passen nicht zu ihrer Prüfsumme und wurden verworfen.")]
    BlobHashMismatch,
    /// The producer refused an order as a whole (XhD Fehlerinformation). Never sent to a desk as
    /// such: the applications in it are rejected with this reason.
    #[error("Der Hersteller hat die Bestellung abgelehnt ({number}: {text}).")]
    ProducerRefused { number: u32, text: String },
    /// The producer did not answer, or not in its protocol; the round tries again later.
    #[error("Der Hersteller ist nicht erreichbar.")]
    ProducerUnavailable(String),
    #[error("Diese Ausgabebox ist unbekannt.")]
    PickupUnknownBox,
    #[error("Dieses Dokument ist nicht als geliefert erfasst und kann noch nicht eingelegt werden.")]
    PickupNotReady,
    #[error("Für dieses Dokument wurde keine Abholung an der Ausgabebox gewählt.")]
    PickupNotByBox,
    #[error("Ohne bisheriges Dokument und ohne vollständiges Geburtsdatum ist keine Abholung an der Box möglich; bitte am Schalter aushändigen.")]
    PickupNoThirdFactor,
    #[error("In dieser Ausgabebox ist kein passendes Fach frei.")]
    PickupBoxFull,
    #[error("Dieses Dokument liegt bereits in einem Fach.")]
    PickupAlreadyLoaded,
    /// Back office: no document of this office by that application (or not at the box or counter).
    #[error("Zu dieser Antragsnummer liegt in dieser Dienststelle kein abholbereites Dokument.")]
    PickupNotFound,
    #[error("Diese Abholung ist nicht gesperrt.")]
    PickupNotLocked,
    /// Desk updates: no release published in this channel (or no such package file).
    #[error("Für diesen Kanal ist kein Update veröffentlicht.")]
    UpdateNotFound,
    #[error("Die Abholfrist dieses Dokuments ist nicht abgelaufen; es bleibt im Fach.")]
    PickupNotExpired,
    /// The terminal has the compartment open right now (or its closing is not confirmed).
    #[error(
        "Das Fach ist gerade am Terminal geöffnet. Bitte warten, bis die Tür geschlossen ist, oder das Fach prüfen."
    )]
    PickupInUse,
    #[error("Diese Einlage wartet nicht auf eine Bestätigung.")]
    PickupNotAwaitingConfirmation,
    /// Four-eyes rule: the clerk who loaded cannot confirm their own load.
    #[error("Das Einlegen muss eine zweite Person bestätigen, nicht die einlegende.")]
    PickupSameClerk,
    #[error("Für einen Personalausweis muss die Person den Erhalt des PIN-Briefs bestätigen.")]
    PickupPinLetterUnconfirmed,
    /// The old document's fate does not fit the application (recorded one: invalidated or souvenir; none: none).
    #[error("Bitte erfassen, was mit dem bisherigen Dokument geschieht (entwertet einbehalten oder entwertet zurückgegeben).")]
    PickupOldDocumentUnrecorded,
    #[error("Dieses Dokument wurde bereits ausgehändigt.")]
    PickupAlreadyHandedOut,
    /// Arrival: the producer has not reported this document delivered yet (no Lieferinformation).
    #[error("Für dieses Dokument liegt noch keine Lieferinformation des Herstellers vor.")]
    PickupNotDelivered,
    /// Arrival: a document sent to the citizen's door (Direktversand) never arrives at the office.
    #[error("Dieses Dokument geht per Direktversand an die Person und kommt nicht in die Dienststelle.")]
    PickupDirectDelivery,
    #[error("Die Ausgabebox ist an dieser Zentrale nicht eingerichtet (kein PIN-Schlüssel).")]
    PickupNotConfigured,
    /// A box terminal's certificate tried to act as a desk.
    #[error("Mit dem Zertifikat einer Ausgabebox ist keine Anmeldung als Arbeitsplatz möglich.")]
    BoxCertificate,
    /// A box route called with a certificate that is no registered box terminal.
    #[error("Dieses Zertifikat gehört zu keinem Terminal einer Ausgabebox.")]
    NotABox,
    /// The desk's or terminal's certificate is revoked in the registry (`schalter-admin revoke`).
    #[error("Das Zertifikat dieses Geräts ist gesperrt. Bitte die IT verständigen.")]
    CertificateRevoked,
    /// The box's rules refused: closed, the terminal's rate limit, a malformed PIN, an input out of step.
    #[error("{0}")]
    Pickup(#[from] schalter_pickup::PickupError),
    /// A session id this terminal never started.
    #[error("Diese Sitzung am Terminal ist unbekannt.")]
    BoxSessionUnknown,
    #[error("Diese Sitzung am Terminal ist beendet; bitte neu beginnen.")]
    BoxSessionFinished,
    #[error("Das Geburtsdatum ist ungültig.")]
    BoxInvalidBirthDate,
    /// The appointment rules refused: a malformed booking code or name, an unknown office or service.
    #[error("{0}")]
    Appointment(#[from] schalter_appointments::AppointmentError),
    /// This central serves no appointments (started without `--appointments-config`).
    #[error("An dieser Zentrale werden keine Termine vergeben.")]
    AppointmentsNotConfigured,
    #[error("Diesen Termin gibt es nicht.")]
    SlotUnknown,
    /// Someone was faster, it is not released yet, or its booking closed: the same answer for all.
    #[error("Dieser Termin ist nicht mehr frei. Bitte einen anderen wählen.")]
    SlotTaken,
    /// Unknown, already cancelled, or checked in: the same answer, so codes cannot be probed.
    #[error("Zu diesem Buchungscode gibt es keinen offenen Termin.")]
    BookingNotFound,
    #[error("Der Termin hat bereits begonnen und kann nicht mehr online abgesagt werden.")]
    BookingTooLate,
    /// A public client asked too often (booking page and API, per address).
    #[error("Zu viele Anfragen. Bitte in {retry_after_seconds} Sekunden erneut versuchen.")]
    PublicRateLimited { retry_after_seconds: u64 },
    #[error("Interner Fehler der Zentrale. Bitte später erneut versuchen.")]
    Database(#[from] sqlx::Error),
    #[error("Interner Fehler der Zentrale. Bitte später erneut versuchen.")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("Interner Fehler der Zentrale. Bitte später erneut versuchen.")]
    Internal(String),
    /// The central's own configuration at start (never answered to a client): the file and what is wrong.
    #[error("Konfiguration {file}: {message}")]
    Config { file: String, message: String },
    /// `schalter-central backup` could not write the copy (never answered to a client).
    #[error("Sicherung: {0}")]
    Backup(String),
}

impl CentralError {
    pub fn code(&self) -> &'static str {
        match self {
            CentralError::InvalidCredentials => "invalid_credentials",
            CentralError::AccountLocked => "account_locked",
            CentralError::TooManyAttempts => "too_many_attempts",
            CentralError::ServerBusy => "server_busy",
            CentralError::Unauthenticated => "unauthenticated",
            CentralError::SessionExpired => "session_expired",
            CentralError::Forbidden => "forbidden",
            CentralError::Invalid(inner) => inner.code(),
            CentralError::InvalidRequest | CentralError::InvalidSyncRequest(_) => "invalid_request",
            CentralError::BodyTooLarge { .. } => "body_too_large",
            CentralError::UnsupportedMediaType { .. } => "unsupported_media_type",
            CentralError::UnknownOffice(_) => "unknown_office",
            CentralError::SequenceGap { .. } => "sequence_gap",
            CentralError::DeviceMismatch => "device_mismatch",
            CentralError::UnknownMutationKind => "unknown_mutation_kind",
            CentralError::InvalidPayload => "invalid_payload",
            CentralError::UnknownAuthor => "unknown_author",
            CentralError::Application(inner) => inner.code(),
            CentralError::ApplicationPhotoMissing => "application_photo_missing",
            CentralError::ApplicationFingerprintsMissing => "application_fingerprints_missing",
            CentralError::ApplicationSignatureMissing => "application_signature_missing",
            CentralError::ApplicationExists => "application_exists",
            CentralError::ApplicationNotCorrectable => "application_not_correctable",
            CentralError::BlobMissing => "blob_missing",
            CentralError::OffsetMismatch { .. } => "offset_mismatch",
            CentralError::BlobHashMismatch => "blob_hash_mismatch",
            CentralError::ProducerRefused { .. } => "producer_refused",
            CentralError::ProducerUnavailable(_) => "producer_unavailable",
            CentralError::PickupUnknownBox => "pickup_unknown_box",
            CentralError::PickupNotFound => "pickup_not_found",
            CentralError::UpdateNotFound => "update_not_found",
            CentralError::PickupNotLocked => "pickup_not_locked",
            CentralError::PickupNotExpired => "pickup_not_expired",
            CentralError::PickupInUse => "pickup_in_use",
            CentralError::PickupNotAwaitingConfirmation => "pickup_not_awaiting_confirmation",
            CentralError::PickupSameClerk => "pickup_same_clerk",
            CentralError::PickupPinLetterUnconfirmed => "pickup_pin_letter_unconfirmed",
            CentralError::PickupOldDocumentUnrecorded => "pickup_old_document_unrecorded",
            CentralError::PickupAlreadyHandedOut => "pickup_already_handed_out",
            CentralError::PickupNotDelivered => "pickup_not_delivered",
            CentralError::PickupDirectDelivery => "pickup_direct_delivery",
            CentralError::PickupNotReady => "pickup_not_ready",
            CentralError::PickupNotByBox => "pickup_not_by_box",
            CentralError::PickupNoThirdFactor => "pickup_no_third_factor",
            CentralError::PickupBoxFull => "pickup_box_full",
            CentralError::PickupAlreadyLoaded => "pickup_already_loaded",
            CentralError::PickupNotConfigured => "pickup_not_configured",
            CentralError::BoxCertificate => "box_certificate",
            CentralError::NotABox => "not_a_box",
            CentralError::CertificateRevoked => "certificate_revoked",
            CentralError::Pickup(error) => error.code(),
            CentralError::BoxSessionUnknown => "box_session_unknown",
            CentralError::BoxSessionFinished => "box_session_finished",
            CentralError::BoxInvalidBirthDate => "box_invalid_birth_date",
            CentralError::Appointment(error) => error.code(),
            CentralError::AppointmentsNotConfigured => "appointments_not_configured",
            CentralError::SlotUnknown => "slot_unknown",
            CentralError::SlotTaken => "slot_taken",
            CentralError::BookingNotFound => "booking_not_found",
            CentralError::BookingTooLate => "booking_too_late",
            CentralError::PublicRateLimited { .. } => "too_many_requests",
            CentralError::Database(_)
            | CentralError::Migration(_)
            | CentralError::Internal(_)
            | CentralError::Config { .. }
            | CentralError::Backup(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            CentralError::InvalidCredentials | CentralError::Unauthenticated | CentralError::SessionExpired => {
                StatusCode::UNAUTHORIZED
            }
            CentralError::AccountLocked | CentralError::TooManyAttempts | CentralError::ServerBusy => {
                StatusCode::TOO_MANY_REQUESTS
            }
            CentralError::Forbidden
            | CentralError::DeviceMismatch
            | CentralError::BoxCertificate
            | CentralError::NotABox
            | CentralError::CertificateRevoked => StatusCode::FORBIDDEN,
            CentralError::Invalid(_)
            | CentralError::UnknownOffice(_)
            | CentralError::UnknownMutationKind
            | CentralError::InvalidPayload
            | CentralError::UnknownAuthor
            | CentralError::Application(_)
            | CentralError::ApplicationPhotoMissing
            | CentralError::ApplicationFingerprintsMissing
            | CentralError::ApplicationSignatureMissing
            | CentralError::ApplicationExists
            | CentralError::ApplicationNotCorrectable
            | CentralError::BlobHashMismatch => StatusCode::UNPROCESSABLE_ENTITY,
            CentralError::InvalidRequest | CentralError::InvalidSyncRequest(_) => StatusCode::BAD_REQUEST,
            CentralError::SequenceGap { .. } | CentralError::BlobMissing | CentralError::OffsetMismatch { .. } => {
                StatusCode::CONFLICT
            }
            CentralError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            CentralError::ProducerRefused { .. } | CentralError::ProducerUnavailable(_) => StatusCode::BAD_GATEWAY,
            CentralError::PickupUnknownBox => StatusCode::NOT_FOUND,
            CentralError::PickupNotFound => StatusCode::NOT_FOUND,
            CentralError::UpdateNotFound => StatusCode::NOT_FOUND,
            CentralError::PickupNotLocked
            | CentralError::PickupNotExpired
            | CentralError::PickupInUse
            | CentralError::PickupNotAwaitingConfirmation
            | CentralError::PickupAlreadyHandedOut => StatusCode::CONFLICT,
            CentralError::PickupSameClerk => StatusCode::FORBIDDEN,
            CentralError::PickupPinLetterUnconfirmed | CentralError::PickupOldDocumentUnrecorded => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            CentralError::PickupNotReady
            | CentralError::PickupNotDelivered
            | CentralError::PickupDirectDelivery
            | CentralError::PickupNotByBox
            | CentralError::PickupNoThirdFactor
            | CentralError::PickupAlreadyLoaded => StatusCode::UNPROCESSABLE_ENTITY,
            CentralError::PickupBoxFull => StatusCode::CONFLICT,
            CentralError::PickupNotConfigured => StatusCode::SERVICE_UNAVAILABLE,
            CentralError::Pickup(error) => match error {
                schalter_pickup::PickupError::TerminalRateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                schalter_pickup::PickupError::BoxClosed | schalter_pickup::PickupError::UnexpectedEvent { .. } => {
                    StatusCode::CONFLICT
                }
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
            CentralError::BoxSessionUnknown => StatusCode::NOT_FOUND,
            CentralError::BoxSessionFinished => StatusCode::CONFLICT,
            CentralError::BoxInvalidBirthDate => StatusCode::UNPROCESSABLE_ENTITY,
            CentralError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            CentralError::Appointment(_) => StatusCode::UNPROCESSABLE_ENTITY,
            CentralError::AppointmentsNotConfigured | CentralError::SlotUnknown | CentralError::BookingNotFound => {
                StatusCode::NOT_FOUND
            }
            CentralError::SlotTaken | CentralError::BookingTooLate => StatusCode::CONFLICT,
            CentralError::PublicRateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            CentralError::Database(_)
            | CentralError::Migration(_)
            | CentralError::Internal(_)
            | CentralError::Config { .. }
            | CentralError::Backup(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for CentralError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            // sqlx errors carry SQL and constraint names, never bound values.
            tracing::error!(error = ?self, "request failed");
        }
        let code = self.code().to_owned();
        let message = self.to_string();
        let mut response = match &self {
            // The one error body with more than code and message: the desk resends from here.
            CentralError::SequenceGap { expected_seq } => {
                (status, Json(schalter_wire::sync::SequenceGap { code, message, expected_seq: *expected_seq }))
                    .into_response()
            }
            _ => (status, Json(schalter_wire::ApiError { code, message })).into_response(),
        };
        match &self {
            CentralError::ServerBusy => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(BUSY_RETRY_AFTER_SECONDS));
            }
            CentralError::Pickup(schalter_pickup::PickupError::TerminalRateLimited { retry_after_seconds })
            | CentralError::PublicRateLimited { retry_after_seconds } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_seconds));
            }
            // tus: a wrong offset is answered with the right one, so the client resumes there.
            CentralError::OffsetMismatch { offset } => {
                response.headers_mut().insert(schalter_wire::sync::UPLOAD_OFFSET_HEADER, HeaderValue::from(*offset));
            }
            _ => {}
        }
        response
    }
}
