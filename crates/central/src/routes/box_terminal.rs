use std::time::Instant;

use axum::extract::{Path, State};
use axum::Json;
use schalter_wire::pickup::{SessionAnswer, TerminalInput};
use schalter_wire::ApiError;
use uuid::Uuid;

use super::extract::{ApiJson, AuthenticatedBox};
use crate::box_terminal::{self, Terminal};
use crate::{AppState, CentralError};

fn terminal(authenticated: &AuthenticatedBox) -> Terminal<'_> {
    Terminal { fingerprint: &authenticated.fingerprint, box_id: &authenticated.box_id, mode: &authenticated.mode }
}

/// Starts a session at the box terminal, or brings back the one a power cut left between "open" and
/// "closed" (`check_compartment` set: report that compartment's sensors with `power_restored`).
#[utoipa::path(post, path = "/v1/box/sessions", tag = "pickup", responses(
    (status = 200, body = SessionAnswer, description = "The session and its first screen"),
    (status = 403, body = ApiError, description = "`not_a_box`: not a registered box terminal's certificate"),
    (status = 409, body = ApiError, description = "`pickup_box_closed`: outside the box's opening hours"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn start(
    State(state): State<AppState>,
    authenticated: AuthenticatedBox,
) -> Result<Json<SessionAnswer>, CentralError> {
    Ok(Json(box_terminal::start(&state.db, state.clock.now(), &terminal(&authenticated)).await?))
}

/// One input of the citizen or report of a device of the box. Phone numbers, PINs and birth dates take a
/// token of the terminal's rate limit and are answered after the same minimum time, known number or not.
#[utoipa::path(post, path = "/v1/box/sessions/{id}/input", tag = "pickup",
    params(("id" = Uuid, Path, description = "A session this terminal started")),
    request_body = TerminalInput, responses(
    (status = 200, body = SessionAnswer, description = "The next screen and the device commands, in order"),
    (status = 400, body = ApiError, description = "`invalid_request`: not a terminal input"),
    (status = 403, body = ApiError, description = "`not_a_box`"),
    (status = 404, body = ApiError, description = "`box_session_unknown`: not a session of this terminal"),
    (status = 409, body = ApiError, description = "`box_session_finished`, `pickup_unexpected_event`: not possible in this step"),
    (status = 413, body = ApiError, description = "`body_too_large`"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`: not `application/json`"),
    (status = 422, body = ApiError, description = "`pickup_invalid_pin` (not 6 digits), `box_invalid_birth_date`"),
    (status = 429, body = ApiError, description = "`pickup_terminal_rate_limited`, with `Retry-After`"),
    (status = 500, body = ApiError, description = "`internal`"),
    (status = 503, body = ApiError, description = "`pickup_not_configured`: this central has no PIN key"),
))]
pub(crate) async fn input(
    State(state): State<AppState>,
    authenticated: AuthenticatedBox,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<TerminalInput>,
) -> Result<Json<SessionAnswer>, CentralError> {
    let started = Instant::now();
    let padded = box_terminal::answer_is_padded(&input);
    let keys = state.pickup_keys.as_deref().ok_or(CentralError::PickupNotConfigured)?;
    let config = state.box_terminal;
    let answer =
        box_terminal::input(&state.db, keys, &config, state.clock.now(), &terminal(&authenticated), id, input).await;
    if padded {
        tokio::time::sleep(config.answer_floor.saturating_sub(started.elapsed())).await;
    }
    Ok(Json(answer?))
}
