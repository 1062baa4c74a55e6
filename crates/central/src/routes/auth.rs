use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::{Extension, Json};
use schalter_wire::{ApiError, Clerk, LoginRequest, Office, Session, SessionInfo};
use time::OffsetDateTime;

use crate::db::ClerkRecord;
use crate::peer::ConnectedDesk;
use crate::{auth, AppState, CentralError};

/// The bearer token of a request, unvalidated.
pub(crate) struct BearerToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BearerToken {
    type Rejection = CentralError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let value = parts.headers.get(header::AUTHORIZATION).ok_or(CentralError::Unauthenticated)?;
        let value = value.to_str().map_err(|_| CentralError::Unauthenticated)?;
        let token = value.strip_prefix("Bearer ").ok_or(CentralError::Unauthenticated)?.trim();
        if token.is_empty() {
            return Err(CentralError::Unauthenticated);
        }
        Ok(BearerToken(token.to_owned()))
    }
}

fn timestamp(unix: i64) -> Result<OffsetDateTime, CentralError> {
    OffsetDateTime::from_unix_timestamp(unix).map_err(|_| CentralError::Internal("timestamp out of range".into()))
}

fn idle_timeout_seconds(state: &AppState) -> u32 {
    u32::try_from(state.policy.idle_seconds).unwrap_or(u32::MAX)
}

fn clerk_view(clerk: ClerkRecord) -> Clerk {
    Clerk {
        id: clerk.id,
        username: clerk.username,
        display_name: clerk.display_name,
        role: clerk.role,
        office: Office { id: clerk.office.id, name: clerk.office.name },
    }
}

/// Logs a clerk in and opens a session.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = Session, description = "Logged in"),
    (status = 401, body = ApiError, description = "`invalid_credentials`"),
    (status = 429, body = ApiError, description = "`account_locked` after repeated failures"),
))]
pub(crate) async fn login(
    State(state): State<AppState>,
    desk: Option<Extension<ConnectedDesk>>,
    body: Result<Json<LoginRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Session>, CentralError> {
    let Json(request) = body.map_err(|rejection| CentralError::BadRequest(rejection.body_text()))?;
    let desk = ConnectedDesk::label(desk);
    let logged_in = auth::login(&state, desk.as_deref(), &request.username, &request.password).await?;
    Ok(Json(Session {
        token: logged_in.token,
        expires_at: timestamp(logged_in.session.expires_at)?,
        absolute_expires_at: timestamp(logged_in.session.absolute_expires_at)?,
        idle_timeout_seconds: idle_timeout_seconds(&state),
        clerk: clerk_view(logged_in.clerk),
    }))
}

/// Ends the session of the bearer token.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", security(("bearer" = [])), responses(
    (status = 204, description = "Logged out"),
    (status = 401, body = ApiError, description = "`unauthenticated` or `session_expired`"),
))]
pub(crate) async fn logout(
    State(state): State<AppState>,
    BearerToken(token): BearerToken,
    desk: Option<Extension<ConnectedDesk>>,
) -> Result<StatusCode, CentralError> {
    auth::logout(&state, ConnectedDesk::label(desk).as_deref(), &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The state of the current session; using it extends the idle expiry.
#[utoipa::path(get, path = "/v1/auth/session", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = SessionInfo),
    (status = 401, body = ApiError, description = "`unauthenticated` or `session_expired`"),
))]
pub(crate) async fn session(
    State(state): State<AppState>,
    BearerToken(token): BearerToken,
) -> Result<Json<SessionInfo>, CentralError> {
    let (session, clerk) = auth::authenticate(&state, &token).await?;
    Ok(Json(SessionInfo {
        expires_at: timestamp(session.expires_at)?,
        absolute_expires_at: timestamp(session.absolute_expires_at)?,
        idle_timeout_seconds: idle_timeout_seconds(&state),
        clerk: clerk_view(clerk),
    }))
}
