use axum::extract::State;
use axum::http::StatusCode;
use schalter_wire::{ApiError, PhotoAuditEvent};

use super::extract::{ApiJson, AuthenticatedClerk};
use crate::{AppState, CentralError};

/// Records what a clerk's desk did with a citizen's photo (who, which desk and when come from the
/// session, the TLS client certificate and the clock, not from the desk's word).
#[utoipa::path(post, path = "/v1/audit/photo-events", tag = "audit", security(("bearer" = [])),
    request_body = PhotoAuditEvent, responses(
    (status = 204, description = "Recorded"),
    (status = 400, body = ApiError, description = "`invalid_request`: not a photo event"),
    (status = 401, body = ApiError, description = "`unauthenticated` (also: token of another desk) or `session_expired`"),
    (status = 413, body = ApiError, description = "`body_too_large`"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`: not `application/json`"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn photo_event(
    State(state): State<AppState>,
    clerk: AuthenticatedClerk,
    ApiJson(event): ApiJson<PhotoAuditEvent>,
) -> Result<StatusCode, CentralError> {
    let subject = crate::audit::photo_event_subject(&event);
    let desk = clerk.desk_label();
    let at = state.clock.now();
    state
        .db
        .audit_at_desk(at, Some(clerk.clerk.id), desk.as_deref(), event.action.as_str(), subject.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
