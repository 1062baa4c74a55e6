use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use schalter_wire::{ApiError, Clerk, LoginRequest, Office, Session, SessionInfo};
use time::OffsetDateTime;

use super::extract::{ApiJson, AuthenticatedClerk, Desk};
use crate::db::ClerkRecord;
use crate::{auth, AppState, CentralError};

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

/// Logs a clerk in and opens a session, usable only from the desk (client certificate) that
/// logged in.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = Session, description = "Logged in"),
    (status = 400, body = ApiError, description = "`invalid_request`: not a login document"),
    (status = 401, body = ApiError, description = "`invalid_credentials`"),
    (status = 413, body = ApiError, description = "`body_too_large`"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`: not `application/json`"),
    (status = 429, body = ApiError, description = "`account_locked` after repeated failures for this user name \
        (known or not); `too_many_attempts` after repeated failures at this desk; `server_busy` (with \
        `Retry-After`) when every password check slot is taken"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn login(
    State(state): State<AppState>,
    Desk(desk): Desk,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<Session>, CentralError> {
    // A box terminal's certificate never becomes a desk (nor gets a session to act as one).
    if let Some(certificate) = &desk {
        if state.db.terminal_box(&certificate.fingerprint).await?.is_some() {
            tracing::warn!(desk = %certificate.label(), "login refused: a box terminal's certificate");
            return Err(CentralError::BoxCertificate);
        }
    }
    let logged_in = auth::login(&state, desk.as_ref(), &request.username, &request.password).await?;
    Ok(Json(Session {
        token: logged_in.token,
        expires_at: timestamp(logged_in.session.expires_at)?,
        absolute_expires_at: timestamp(logged_in.session.absolute_expires_at)?,
        idle_timeout_seconds: idle_timeout_seconds(&state),
        clerk: clerk_view(logged_in.clerk),
        desk_store_key: logged_in.desk_store_key,
    }))
}

/// Ends the session of the bearer token.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", security(("bearer" = [])), responses(
    (status = 204, description = "Logged out"),
    (status = 401, body = ApiError, description = "`unauthenticated` (also: token of another desk) or `session_expired`"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn logout(
    State(state): State<AppState>,
    clerk: AuthenticatedClerk,
) -> Result<StatusCode, CentralError> {
    auth::logout(&state, clerk.desk.as_ref(), &clerk.token, &clerk.session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The state of the current session; using it extends the idle expiry.
#[utoipa::path(get, path = "/v1/auth/session", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = SessionInfo),
    (status = 401, body = ApiError, description = "`unauthenticated` (also: token of another desk) or `session_expired`"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn session(
    State(state): State<AppState>,
    clerk: AuthenticatedClerk,
) -> Result<Json<SessionInfo>, CentralError> {
    Ok(Json(SessionInfo {
        expires_at: timestamp(clerk.session.expires_at)?,
        absolute_expires_at: timestamp(clerk.session.absolute_expires_at)?,
        idle_timeout_seconds: idle_timeout_seconds(&state),
        clerk: clerk_view(clerk.clerk),
    }))
}
