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
    #[error("Die Anfrage ist zu groß (höchstens {max_bytes} Bytes).")]
    BodyTooLarge { max_bytes: usize },
    #[error("Erwartet wird der Inhaltstyp application/json.")]
    UnsupportedMediaType,
    #[error("Die Dienststelle {0} ist unbekannt.")]
    UnknownOffice(String),
    #[error("Interner Fehler der Zentrale. Bitte später erneut versuchen.")]
    Database(#[from] sqlx::Error),
    #[error("Interner Fehler der Zentrale. Bitte später erneut versuchen.")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("Interner Fehler der Zentrale. Bitte später erneut versuchen.")]
    Internal(String),
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
            CentralError::InvalidRequest => "invalid_request",
            CentralError::BodyTooLarge { .. } => "body_too_large",
            CentralError::UnsupportedMediaType => "unsupported_media_type",
            CentralError::UnknownOffice(_) => "unknown_office",
            CentralError::Database(_) | CentralError::Migration(_) | CentralError::Internal(_) => "internal",
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
            CentralError::Forbidden => StatusCode::FORBIDDEN,
            CentralError::Invalid(_) | CentralError::UnknownOffice(_) => StatusCode::UNPROCESSABLE_ENTITY,
            CentralError::InvalidRequest => StatusCode::BAD_REQUEST,
            CentralError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            CentralError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            CentralError::Database(_) | CentralError::Migration(_) | CentralError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
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
        let busy = matches!(self, CentralError::ServerBusy);
        let body = schalter_wire::ApiError { code: self.code().to_owned(), message: self.to_string() };
        let mut response = (status, Json(body)).into_response();
        if busy {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(BUSY_RETRY_AFTER_SECONDS));
        }
        response
    }
}
