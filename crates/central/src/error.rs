use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use schalter_domain::DomainError;

/// Every way a request can fail. The `Display` text is German and goes to the client;
/// internal causes are logged (without personal data) and replaced by a generic text.
#[derive(Debug, thiserror::Error)]
pub enum CentralError {
    #[error("Benutzername oder Passwort ist falsch.")]
    InvalidCredentials,
    #[error("Das Konto ist nach mehreren Fehlversuchen für einige Minuten gesperrt. Bitte später erneut versuchen oder die Leitung ansprechen.")]
    AccountLocked,
    #[error("Bitte anmelden.")]
    Unauthenticated,
    #[error("Die Sitzung ist abgelaufen. Bitte erneut anmelden.")]
    SessionExpired,
    #[error("Für diese Aktion fehlt die Berechtigung.")]
    Forbidden,
    #[error("{0}")]
    Invalid(#[from] DomainError),
    #[error("Die Anfrage ist ungültig: {0}")]
    BadRequest(String),
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
            CentralError::Unauthenticated => "unauthenticated",
            CentralError::SessionExpired => "session_expired",
            CentralError::Forbidden => "forbidden",
            CentralError::Invalid(inner) => inner.code(),
            CentralError::BadRequest(_) => "bad_request",
            CentralError::UnknownOffice(_) => "unknown_office",
            CentralError::Database(_) | CentralError::Migration(_) | CentralError::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            CentralError::InvalidCredentials | CentralError::Unauthenticated | CentralError::SessionExpired => {
                StatusCode::UNAUTHORIZED
            }
            CentralError::AccountLocked => StatusCode::TOO_MANY_REQUESTS,
            CentralError::Forbidden => StatusCode::FORBIDDEN,
            CentralError::Invalid(_) | CentralError::UnknownOffice(_) => StatusCode::UNPROCESSABLE_ENTITY,
            CentralError::BadRequest(_) => StatusCode::BAD_REQUEST,
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
        let body = schalter_wire::ApiError { code: self.code().to_owned(), message: self.to_string() };
        (status, Json(body)).into_response()
    }
}
