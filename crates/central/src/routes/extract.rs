//! The extractors every handler uses, so authentication and body parsing are written once and
//! answer the same `{code, message}` everywhere.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::Json;
use schalter_server_kit::{ClientCertificate, ConnectedClient};
use serde::de::DeserializeOwned;

use super::MAX_BODY_BYTES;
use crate::db::{ClerkRecord, SessionRecord};
use crate::{auth, AppState, CentralError};

/// The desk on the other end: the client certificate the TLS acceptor verified. `None` only
/// without TLS (router tests).
pub(crate) struct Desk(pub Option<ClientCertificate>);

impl<S: Send + Sync> FromRequestParts<S> for Desk {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Desk(parts.extensions.get::<ConnectedClient>().and_then(|client| client.0.clone())))
    }
}

/// A clerk with a live session, presented by the desk that opened it: the bearer token is
/// checked, the session's idle expiry extended. Rejects with 401 `unauthenticated` or
/// `session_expired`.
pub(crate) struct AuthenticatedClerk {
    pub token: String,
    pub session: SessionRecord,
    pub clerk: ClerkRecord,
    pub desk: Option<ClientCertificate>,
}

impl AuthenticatedClerk {
    /// The desk for the audit trail.
    pub fn desk_label(&self) -> Option<String> {
        self.desk.as_ref().map(ClientCertificate::label)
    }
}

impl FromRequestParts<AppState> for AuthenticatedClerk {
    type Rejection = CentralError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).ok_or(CentralError::Unauthenticated)?;
        let Ok(Desk(desk)) = Desk::from_request_parts(parts, state).await;
        let (session, clerk) = auth::authenticate(state, &token, desk.as_ref()).await?;
        Ok(Self { token, session, clerk, desk })
    }
}

/// A pickup box's terminal: its registered client certificate (`box_terminals`). Rejects with 403
/// `not_a_box` for any other certificate (a desk's too) or none.
pub(crate) struct AuthenticatedBox {
    /// The terminal's certificate (SHA-256, hex): its sessions and its rate limit.
    pub fingerprint: String,
    pub box_id: String,
    pub name: String,
    pub mode: String,
}

impl FromRequestParts<AppState> for AuthenticatedBox {
    type Rejection = CentralError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Ok(Desk(certificate)) = Desk::from_request_parts(parts, state).await;
        let certificate = certificate.ok_or(CentralError::NotABox)?;
        auth::refuse_revoked(state, Some(&certificate)).await?;
        let (box_id, name, mode) =
            state.db.terminal_box(&certificate.fingerprint).await?.ok_or(CentralError::NotABox)?;
        Ok(Self { fingerprint: certificate.fingerprint, box_id, name, mode })
    }
}

fn bearer_token(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

/// A JSON request body. Rejects with 415 `unsupported_media_type` (not `application/json`),
/// 413 `body_too_large` (over `MAX_BYTES`, [`MAX_BODY_BYTES`] unless the route allows more
/// with a `DefaultBodyLimit` of the same size) or 400 `invalid_request` (not the described
/// document), always as `{code, message}`.
pub(crate) struct ApiJson<T, const MAX_BYTES: usize = MAX_BODY_BYTES>(pub T);

impl<T: DeserializeOwned, S: Send + Sync, const MAX_BYTES: usize> FromRequest<S> for ApiJson<T, MAX_BYTES> {
    type Rejection = CentralError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => CentralError::BodyTooLarge { max_bytes: MAX_BYTES as u64 },
                StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                    CentralError::UnsupportedMediaType { expected: "application/json" }
                }
                _ => CentralError::InvalidRequest,
            }),
        }
    }
}
