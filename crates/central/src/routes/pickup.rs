use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use schalter_wire::pickup::{BoxStatus, LoadAnswer, LoadRequest};
use schalter_wire::pickup_office::{
    ArrivalAnswer, ArrivalRequest, CompartmentOverview, FindReady, HandoutAnswer, HandoutCandidate, HandoutRequest,
    PickupAction, PickupActionAnswer, UncollectedList,
};
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

// The desk's back office (crate::pickup_office): thin handlers over the clerk's session.

fn back_office_clerk(clerk: &AuthenticatedClerk) -> crate::pickup_office::BackOfficeClerk<'_> {
    crate::pickup_office::BackOfficeClerk {
        clerk_id: clerk.clerk.id,
        role: clerk.clerk.role,
        office_id: &clerk.clerk.office.id,
        desk: clerk.desk_label(),
    }
}

/// The compartments of every box of the clerk's office: state, size, the application number inside
/// and its last day of pickup. No names, no phone numbers.
#[utoipa::path(get, path = "/v1/pickups/compartments", tag = "pickup", security(("bearer" = [])), responses(
    (status = 200, body = CompartmentOverview),
    (status = 400, body = ApiError, description = "`invalid_request`"),
    (status = 401, body = ApiError, description = "`unauthenticated` or `session_expired`"),
    (status = 403, body = ApiError, description = "`forbidden`"),
    (status = 413, body = ApiError, description = "`body_too_large`"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn compartments(
    State(state): State<AppState>,
    clerk: AuthenticatedClerk,
) -> Result<Json<CompartmentOverview>, CentralError> {
    Ok(Json(crate::pickup_office::overview(&state.db, &clerk.clerk.office.id).await?))
}

/// The office's uncollected documents: last day near (two days or less), locked, expired in the box,
/// or taken back to the counter; the oldest deadline first.
#[utoipa::path(get, path = "/v1/pickups/uncollected", tag = "pickup", security(("bearer" = [])), responses(
    (status = 200, body = UncollectedList),
    (status = 400, body = ApiError, description = "`invalid_request`"),
    (status = 401, body = ApiError, description = "`unauthenticated` or `session_expired`"),
    (status = 403, body = ApiError, description = "`forbidden`"),
    (status = 413, body = ApiError, description = "`body_too_large`"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn uncollected(
    State(state): State<AppState>,
    clerk: AuthenticatedClerk,
) -> Result<Json<UncollectedList>, CentralError> {
    let now = state.clock.now();
    Ok(Json(crate::pickup_office::uncollected(&state.db, &clerk.clerk.office.id, now).await?))
}

/// A document of the clerk's office ready for its handout at the counter (or for loading), by application
/// number or by the delivered document's serial number.
#[utoipa::path(get, path = "/v1/pickups/ready", tag = "pickup", security(("bearer" = [])), params(FindReady), responses(
    (status = 200, body = HandoutCandidate),
    (status = 400, body = ApiError, description = "`invalid_request`: no `number`"),
    (status = 401, body = ApiError, description = "`unauthenticated` or `session_expired`"),
    (status = 403, body = ApiError, description = "`forbidden`"),
    (status = 404, body = ApiError, description = "`pickup_not_found`: no such application in this office"),
    (status = 409, body = ApiError, description = "`pickup_already_handed_out`, `pickup_in_use` (open at the terminal)"),
    (status = 413, body = ApiError, description = "`body_too_large`"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`"),
    (status = 422, body = ApiError, description = "`pickup_not_ready`: not delivered yet"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn find_ready(
    State(state): State<AppState>,
    clerk: AuthenticatedClerk,
    query: Result<Query<FindReady>, QueryRejection>,
) -> Result<Json<HandoutCandidate>, CentralError> {
    let Query(query) = query.map_err(|_| CentralError::InvalidRequest)?;
    Ok(Json(crate::pickup_office::find_ready(&state.db, &clerk.clerk.office.id, &query.number).await?))
}

/// Supervisors only: a pickup locked after too many wrong answers waits again (count reset, the
/// compartment loaded again); audited.
#[utoipa::path(post, path = "/v1/pickups/clear-lock", tag = "pickup", security(("bearer" = [])),
    request_body = PickupAction, responses(
    (status = 200, body = PickupActionAnswer),
    (status = 400, body = ApiError, description = "`invalid_request`"),
    (status = 401, body = ApiError, description = "`unauthenticated` or `session_expired`"),
    (status = 403, body = ApiError, description = "`forbidden`: not a supervisor, or another office's pickup"),
    (status = 404, body = ApiError, description = "`pickup_not_found`"),
    (status = 409, body = ApiError, description = "`pickup_not_locked`"),
    (status = 413, body = ApiError, description = "`body_too_large`"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`: not `application/json`"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn clear_lock(
    State(state): State<AppState>,
    clerk: AuthenticatedClerk,
    ApiJson(request): ApiJson<PickupAction>,
) -> Result<Json<PickupActionAnswer>, CentralError> {
    let now = state.clock.now();
    let by = back_office_clerk(&clerk);
    Ok(Json(crate::pickup_office::clear_lock(&state.db, now, &by, request.application_id).await?))
}

/// An expired document leaves its compartment (free again) for the counter; audited.
#[utoipa::path(post, path = "/v1/pickups/take-back", tag = "pickup", security(("bearer" = [])),
    request_body = PickupAction, responses(
    (status = 200, body = PickupActionAnswer),
    (status = 400, body = ApiError, description = "`invalid_request`"),
    (status = 401, body = ApiError, description = "`unauthenticated` or `session_expired`"),
    (status = 403, body = ApiError, description = "`forbidden`: another office's pickup"),
    (status = 404, body = ApiError, description = "`pickup_not_found`"),
    (status = 409, body = ApiError, description = "`pickup_not_expired`"),
    (status = 413, body = ApiError, description = "`body_too_large`"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`: not `application/json`"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn take_back(
    State(state): State<AppState>,
    clerk: AuthenticatedClerk,
    ApiJson(request): ApiJson<PickupAction>,
) -> Result<Json<PickupActionAnswer>, CentralError> {
    let now = state.clock.now();
    let by = back_office_clerk(&clerk);
    Ok(Json(crate::pickup_office::take_back(&state.db, now, &by, request.application_id).await?))
}

/// The handout at the counter (a box document too: its compartment freed, its PIN revoked): the old
/// document's invalidation or souvenir, for ID cards the PIN-letter confirmation; "handed out" in the feed.
#[utoipa::path(post, path = "/v1/pickups/hand-out", tag = "pickup", security(("bearer" = [])),
    request_body = HandoutRequest, responses(
    (status = 200, body = HandoutAnswer),
    (status = 400, body = ApiError, description = "`invalid_request`"),
    (status = 401, body = ApiError, description = "`unauthenticated` or `session_expired`"),
    (status = 403, body = ApiError, description = "`forbidden`: another office's application"),
    (status = 404, body = ApiError, description = "`pickup_not_found`"),
    (status = 409, body = ApiError, description = "`pickup_already_handed_out`, `pickup_in_use` (open at the terminal)"),
    (status = 413, body = ApiError, description = "`body_too_large`"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`: not `application/json`"),
    (status = 422, body = ApiError, description = "`pickup_not_ready`, `pickup_old_document_unrecorded`, `pickup_pin_letter_unconfirmed`"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn hand_out(
    State(state): State<AppState>,
    clerk: AuthenticatedClerk,
    ApiJson(request): ApiJson<HandoutRequest>,
) -> Result<Json<HandoutAnswer>, CentralError> {
    let now = state.clock.now();
    let by = back_office_clerk(&clerk);
    Ok(Json(crate::pickup_office::hand_out(&state.db, now, &by, &request).await?))
}

/// A delivered document arrived at the office, by its serial (scanned) or its application number: a counter
/// document becomes ready for pickup (in the feed, audited); a box document waits for its load (`load_into_box`).
#[utoipa::path(post, path = "/v1/pickups/arrived", tag = "pickup", security(("bearer" = [])),
    request_body = ArrivalRequest, responses(
    (status = 200, body = ArrivalAnswer, description = "Marked (or marked before: `already_marked`), or the load to offer"),
    (status = 400, body = ApiError, description = "`invalid_request`"),
    (status = 401, body = ApiError, description = "`unauthenticated` or `session_expired`"),
    (status = 403, body = ApiError, description = "`forbidden`"),
    (status = 404, body = ApiError, description = "`pickup_not_found`: no such application or serial in this office"),
    (status = 409, body = ApiError, description = "`pickup_already_handed_out`"),
    (status = 413, body = ApiError, description = "`body_too_large`"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`: not `application/json`"),
    (status = 422, body = ApiError, description = "`pickup_not_delivered` (no delivery notice yet), `pickup_direct_delivery`, `pickup_already_loaded`"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn arrived(
    State(state): State<AppState>,
    clerk: AuthenticatedClerk,
    ApiJson(request): ApiJson<ArrivalRequest>,
) -> Result<Json<ArrivalAnswer>, CentralError> {
    let now = state.clock.now();
    let by = back_office_clerk(&clerk);
    Ok(Json(crate::pickup_office::mark_arrived(&state.db, now, &by, &request.number).await?))
}

/// Four-eyes rule: a second clerk of the office (not the one who loaded) confirms a load; only now
/// the PIN is made, its SMS queued and the application ready for pickup.
#[utoipa::path(post, path = "/v1/pickups/confirm-load", tag = "pickup", security(("bearer" = [])),
    request_body = PickupAction, responses(
    (status = 200, body = LoadAnswer, description = "Armed: the compartment and the last day of pickup"),
    (status = 400, body = ApiError, description = "`invalid_request`"),
    (status = 401, body = ApiError, description = "`unauthenticated` or `session_expired`"),
    (status = 403, body = ApiError, description = "`forbidden` (another office), `pickup_same_clerk`"),
    (status = 404, body = ApiError, description = "`pickup_not_found`"),
    (status = 409, body = ApiError, description = "`pickup_not_awaiting_confirmation`"),
    (status = 413, body = ApiError, description = "`body_too_large`"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`: not `application/json`"),
    (status = 500, body = ApiError, description = "`internal`"),
    (status = 503, body = ApiError, description = "`pickup_not_configured`: this central has no PIN key"),
))]
pub(crate) async fn confirm_load(
    State(state): State<AppState>,
    clerk: AuthenticatedClerk,
    ApiJson(request): ApiJson<PickupAction>,
) -> Result<Json<LoadAnswer>, CentralError> {
    let keys = state.pickup_keys.as_deref().ok_or(CentralError::PickupNotConfigured)?;
    let now = state.clock.now();
    let by = back_office_clerk(&clerk);
    Ok(Json(crate::pickup_office::confirm_load(&state.db, keys, now, &by, request.application_id).await?))
}

/// The back office's routes, merged into the API's router (`routes::app`).
pub(crate) fn back_office() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    use schalter_wire::pickup_office as paths;
    axum::Router::new()
        .route(paths::COMPARTMENTS, get(compartments))
        .route(paths::UNCOLLECTED, get(uncollected))
        .route(paths::FIND_READY, get(find_ready))
        .route(paths::CLEAR_LOCK, post(clear_lock))
        .route(paths::TAKE_BACK, post(take_back))
        .route(paths::HAND_OUT, post(hand_out))
        .route(paths::CONFIRM_LOAD, post(confirm_load))
        .route(paths::ARRIVED, post(arrived))
}

/// The back office's part of the OpenAPI document, merged into it (`openapi::document`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(compartments, uncollected, find_ready, clear_lock, take_back, hand_out, confirm_load, arrived),
    components(schemas(
        schalter_wire::pickup_office::CompartmentOverview,
        schalter_wire::pickup_office::BoxOverview,
        schalter_wire::pickup_office::CompartmentView,
        schalter_wire::pickup_office::CompartmentStateView,
        schalter_wire::pickup_office::UncollectedList,
        schalter_wire::pickup_office::Uncollected,
        schalter_wire::pickup_office::UncollectedState,
        schalter_wire::pickup_office::PickupAction,
        schalter_wire::pickup_office::PickupActionAnswer,
        schalter_wire::pickup_office::HandoutCandidate,
        schalter_wire::pickup_office::DocumentPlace,
        schalter_wire::pickup_office::HandoutRequest,
        schalter_wire::pickup_office::OldDocument,
        schalter_wire::pickup_office::HandoutAnswer,
        schalter_wire::pickup_office::ArrivalRequest,
        schalter_wire::pickup_office::ArrivalAnswer,
        schalter_wire::pickup_office::ArrivalOutcome,
    ))
)]
struct BackOfficeApi;

pub(crate) fn back_office_openapi() -> utoipa::openapi::OpenApi {
    <BackOfficeApi as utoipa::OpenApi>::openapi()
}
