//! The waiting room's call display (issue 11): a public JSON of today's calls of an office (display
//! number and place, never a name or booking data) and a self-contained page that polls it every
//! 2 s. Served without a client certificate: `routes()` is merged into the public listener.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use schalter_domain::OfficeId;
use schalter_wire::queue::{CallDisplay, CALL_DISPLAY, CALL_DISPLAY_PAGE};
use schalter_wire::ApiError;

use crate::{AppState, CentralError};

const PAGE: &str = include_str!("../../public/aufruf.html");
const SCRIPT: &str = include_str!("../../public/aufruf.js");
const STYLE: &str = include_str!("../../public/aufruf.css");
/// The page's script and style, beside the page (no external resources).
pub const SCRIPT_PATH: &str = "/aufruf-assets/aufruf.js";
pub const STYLE_PATH: &str = "/aufruf-assets/aufruf.css";

/// Only this origin's script, style and JSON; nothing inline, no frames.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The call display's routes, for the public listener (no client certificate).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(CALL_DISPLAY, get(calls))
        .route(CALL_DISPLAY_PAGE, get(page))
        .route(SCRIPT_PATH, get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }))
        .route(STYLE_PATH, get(|| async { asset(STYLE, "text/css; charset=utf-8") }))
}

/// Today's latest calls of the office, newest first: display number, place and time only.
#[utoipa::path(get, path = "/v1/public/offices/{office_id}/calls", tag = "queue",
    params(("office_id" = String, Path, description = "The office, e.g. `05111000_01`")),
    responses(
    (status = 200, body = CallDisplay, description = "Up to 10 calls of today"),
    (status = 422, body = ApiError, description = "`invalid_office_id` or `unknown_office`"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn calls(
    State(state): State<AppState>,
    Path(office_id): Path<String>,
) -> Result<Response, CentralError> {
    let office = OfficeId::parse(&office_id)?;
    let display = crate::queue::call_display(&state.db, &office, state.clock.now()).await?;
    let mut response = Json(display).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The page a screen in the waiting room opens (`/aufruf/05111000_01`).
pub(crate) async fn page(Path(office_id): Path<String>) -> Result<Response, CentralError> {
    OfficeId::parse(&office_id)?;
    Ok(asset(PAGE, "text/html; charset=utf-8"))
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        ],
        body,
    )
        .into_response()
}
