use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use schalter_wire::ApiError;

/// Every way a request to the cloud can fail. The `Display` text is German and goes to the
/// client; internal causes are logged (without bytes or personal data) and replaced by a
/// generic text.
#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    #[error("Das Lichtbild wurde nicht gefunden; es ist unbekannt, gelöscht oder abgelaufen.")]
    NotFound,
    #[error("Die Lichtbild-Kennung ist keine gültige UUID.")]
    InvalidPhotoId,
    #[error(
        "Falsche Organisationskategorie: nur Pass-, Personalausweis- und Ausländerbehörden dürfen Lichtbilder abrufen."
    )]
    WrongCategory,
    #[error("Der Organisationsschlüssel (Kopfzeile X-Organisation-Key) fehlt oder hat nicht die Form Kategorie:AGS_Zweigstelle, z. B. psb:05111000_00.")]
    InvalidOrganisationKey,
    #[error("Diese Aktion ist nur mit dem Client-Zertifikat einer Behörde erlaubt.")]
    AuthorityCertificateRequired,
    #[error("Das Hochladen ist nur mit dem Client-Zertifikat eines registrierten Fotostudios erlaubt.")]
    StudioCertificateRequired,
    #[error("Die Aufbewahrung ist höchstens bis {limit} möglich (sechs Monate nach dem Hochladen).")]
    RetentionTooLong { limit: String },
    #[error("Das Aufbewahrungsdatum liegt in der Vergangenheit.")]
    RetentionInPast,
    #[error("Das Aufbewahrungsdatum muss die Form JJJJ-MM-TT haben.")]
    InvalidDate,
    #[error("Die Anfrage ist ungültig: {0}")]
    BadRequest(String),
    #[error("Der Inhalt fehlt: erwartet wird das verschlüsselte Lichtbild.")]
    EmptyBody,
    #[error("Das verschlüsselte Lichtbild ist zu groß (höchstens {max_bytes} Bytes).")]
    PayloadTooLarge { max_bytes: usize },
    #[error("Erwartet wird der Inhaltstyp application/octet-stream.")]
    UnsupportedMediaType,
    #[error("Diesen Pfad gibt es nicht.")]
    UnknownPath,
    #[error("Interner Fehler des Lichtbild-Dienstes. Bitte später erneut versuchen.")]
    Database(#[from] sqlx::Error),
    #[error("Interner Fehler des Lichtbild-Dienstes. Bitte später erneut versuchen.")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("Interner Fehler des Lichtbild-Dienstes. Bitte später erneut versuchen.")]
    Internal(String),
}

impl CloudError {
    pub fn code(&self) -> &'static str {
        match self {
            CloudError::NotFound => "not_found",
            CloudError::InvalidPhotoId => "invalid_photo_id",
            CloudError::WrongCategory => "wrong_category",
            CloudError::InvalidOrganisationKey => "invalid_organisation_key",
            CloudError::AuthorityCertificateRequired => "authority_certificate_required",
            CloudError::StudioCertificateRequired => "studio_certificate_required",
            CloudError::RetentionTooLong { .. } => "retention_too_long",
            CloudError::RetentionInPast => "retention_in_past",
            CloudError::InvalidDate => "invalid_date",
            CloudError::BadRequest(_) => "bad_request",
            CloudError::EmptyBody => "empty_body",
            CloudError::PayloadTooLarge { .. } => "payload_too_large",
            CloudError::UnsupportedMediaType => "unsupported_media_type",
            CloudError::UnknownPath => "unknown_path",
            CloudError::Database(_) | CloudError::Migration(_) | CloudError::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            CloudError::NotFound | CloudError::UnknownPath => StatusCode::NOT_FOUND,
            CloudError::InvalidPhotoId
            | CloudError::InvalidOrganisationKey
            | CloudError::BadRequest(_)
            | CloudError::EmptyBody => StatusCode::BAD_REQUEST,
            CloudError::WrongCategory
            | CloudError::AuthorityCertificateRequired
            | CloudError::StudioCertificateRequired => StatusCode::FORBIDDEN,
            CloudError::RetentionTooLong { .. } | CloudError::RetentionInPast | CloudError::InvalidDate => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            CloudError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            CloudError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            CloudError::Database(_) | CloudError::Migration(_) | CloudError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl IntoResponse for CloudError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            // sqlx errors carry SQL and constraint names, never bound values.
            tracing::error!(error = ?self, "request failed");
        }
        let body = ApiError { code: self.code().to_owned(), message: self.to_string() };
        (status, Json(body)).into_response()
    }
}
