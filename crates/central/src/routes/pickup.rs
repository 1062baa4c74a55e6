use axum::extract::State;
use axum::Json;
use schalter_wire::pickup::{BoxStatus, LoadAnswer, LoadRequest};
use schalter_wire::ApiError;

use super::extract::{ApiJson, AuthenticatedBox, AuthenticatedClerk};
use crate::{AppState, CentralError};

/// Loads a delivered document into a compartment of a box of the clerk's office: the central
/// chooses the compartment, makes the PIN and queues its SMS; the application becomes ready for pickup.
#[utoipa::path(post, path = "/v1/pickups/load", tag = "pickup", security(("bearer" = [])),
    request_body = LoadRequest, responses(
    (status = 200, body = LoadAnswer, description = "Loaded: the compartment and the last day of pickup"),
    (status = 400, body = ApiError, description = "`invalid_request`: not a load request"),
    (status = 401, body = ApiError, description = "`unauthenticated` or `session_expired`"),
    (status = 403, body = ApiError, description = "`forbidden`: an application or box of another office"),
    (status = 404, body = ApiError, description = "`pickup_unknown_box`"),
    (status = 409, body = ApiError, description = "`pickup_box_full`: no fitting compartment free"),
    (status = 422, body = ApiError, description = "`pickup_not_ready` (not delivered), `pickup_not_by_box`, `pickup_no_third_factor`, `pickup_already_loaded`"),
    (status = 413, body = ApiError, description = "`body_too_large`"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`: not `application/json`"),
    (status = 500, body = ApiError, description = "`internal`"),
    (status = 503, body = ApiError, description = "`pickup_not_configured`: this central has no PIN key"),
))]
pub(crate) async fn load(
    State(state): State<AppState>,
    clerk: AuthenticatedClerk,
    ApiJson(request): ApiJson<LoadRequest>,
) -> Result<Json<LoadAnswer>, CentralError> {
    let keys = state.pickup_keys.as_deref().ok_or(CentralError::PickupNotConfigured)?;
    let now = state.clock.now();
    let loader =
        crate::pickup::Loader { clerk_id: clerk.clerk.id, office_id: &clerk.clerk.office.id, desk: clerk.desk_label() };
    Ok(Json(crate::pickup::load(&state.db, keys, now, &loader, &request).await?))
}

/// The box terminal's first question: which box it is and whether it may be used now (its opening
/// hours in German time, closed on NRW public holidays, unless it runs around the clock).
#[utoipa::path(get, path = "/v1/box/status", tag = "pickup", responses(
    (status = 200, body = BoxStatus, description = "The terminal's box"),
    (status = 403, body = ApiError, description = "`not_a_box`: not a registered box terminal's certificate"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn box_status(
    State(state): State<AppState>,
    terminal: AuthenticatedBox,
) -> Result<Json<BoxStatus>, CentralError> {
    let mode = match terminal.mode.as_str() {
        "around_the_clock" => schalter_pickup::BoxMode::AroundTheClock,
        _ => schalter_pickup::BoxMode::ServiceHours,
    };
    let hours = schalter_pickup::OpeningHours::duesseldorf_service_centre().with_mode(mode);
    let now = time::OffsetDateTime::from_unix_timestamp(state.clock.now())
        .map_err(|e| CentralError::Internal(e.to_string()))?;
    Ok(Json(BoxStatus { box_id: terminal.box_id, name: terminal.name, mode: terminal.mode, open: hours.is_open(now) }))
}
