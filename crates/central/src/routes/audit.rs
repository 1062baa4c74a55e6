use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use schalter_wire::{ApiError, PhotoAuditEvent};

use super::BearerToken;
use crate::peer::ConnectedDesk;
use crate::{auth, AppState, CentralError};

/// Records what a clerk's desk did with a citizen's photo (who, which desk and when come from the
/// session, the TLS client certificate and the clock, not from the desk's word).
#[utoipa::path(post, path = "/v1/audit/photo-events", tag = "audit", security(("bearer" = [])),
    request_body = PhotoAuditEvent, responses(
    (status = 204, description = "Recorded"),
    (status = 401, body = ApiError, description = "`unauthenticated` or `session_expired`"),
))]
pub(crate) async fn photo_event(
    State(state): State<AppState>,
    BearerToken(token): BearerToken,
    desk: Option<Extension<ConnectedDesk>>,
    body: Result<Json<PhotoAuditEvent>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, CentralError> {
    let Json(event) = body.map_err(|rejection| CentralError::BadRequest(rejection.body_text()))?;
    let (_, clerk) = auth::authenticate(&state, &token).await?;
    let subject = match (event.photo_id, event.error_code.as_deref()) {
        (Some(id), Some(code)) => Some(format!("{id} {}", sanitise(code))),
        (Some(id), None) => Some(id.to_string()),
        (None, Some(code)) => Some(sanitise(code)),
        (None, None) => None,
    };
    let desk = ConnectedDesk::label(desk);
    let at = state.clock.now();
    state.db.audit_at_desk(at, Some(clerk.id), desk.as_deref(), event.action.as_str(), subject.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Error codes are snake_case words; anything else is cut so no free text lands in the trail.
fn sanitise(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_lowercase() || *c == '_').take(40).collect()
}
