mod audit;
mod auth;
mod blobs;
mod box_terminal;
pub mod call_display;
mod extract;
mod pickup;
mod public;
mod sync;
mod updates;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, head, post};
use axum::{Json, Router};
use schalter_wire::{paths, Health};
use tower_http::trace::TraceLayer;

use crate::AppState;

pub(crate) use pickup::back_office_openapi;
pub(crate) use public::public_openapi;
pub use public::{public_app, TrustedProxy};
pub use updates::UpdatesDir;

/// Request bodies of this API are small JSON documents; anything larger is refused
/// before it is read.
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;

/// The whole HTTP API. Transport (TLS, client certificates) is the caller's business.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(pickup::back_office())
        .route(paths::HEALTH, get(health))
        .route(paths::METRICS, get(crate::metrics::metrics))
        .route(paths::OPENAPI, get(openapi))
        .route(paths::LOGIN, post(auth::login))
        .route(paths::LOGOUT, post(auth::logout))
        .route(paths::SESSION, get(auth::session))
        .route(paths::PHOTO_AUDIT, post(audit::photo_event))
        .route(paths::SYNC_PULL, get(sync::pull))
        .route(schalter_wire::updates::MANIFEST_ROUTE, get(updates::update_manifest))
        .route(schalter_wire::updates::FILE_ROUTE, get(updates::update_file))
        .route(schalter_wire::pickup::LOAD, post(pickup::load))
        .route(schalter_wire::pickup::BOX_STATUS, get(pickup::box_status))
        .route(schalter_wire::pickup::BOX_SESSIONS, post(box_terminal::start))
        .route(schalter_wire::pickup::BOX_SESSION_INPUT, post(box_terminal::input))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Added after the general limit, so these routes' own (larger) limits apply to them.
        .route(paths::SYNC_PUSH, post(sync::push).layer(DefaultBodyLimit::max(sync::MAX_PUSH_BODY_BYTES)))
        .route(
            paths::BLOB_ROUTE,
            head(blobs::head)
                .patch(blobs::patch)
                .layer(DefaultBodyLimit::max(schalter_wire::sync::MAX_BLOB_CHUNK_BYTES)),
        )
        // Logs method, path and status: no bodies, no headers, so no secrets.
        .layer(TraceLayer::new_for_http())
        // Outermost, after routing (`Router::layer`): counts every answer by its route template.
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .with_state(state)
}

/// How long `/health` waits for the database's `SELECT 1`: a load balancer's probe must not hang.
const HEALTH_DATABASE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether this instance can serve: `ok` when the database answers, else 503 `unavailable`, so that a load
/// balancer takes the instance out until it does.
#[utoipa::path(get, path = "/health", tag = "system", responses(
    (status = 200, body = Health, description = "`ok`: the database answers"),
    (status = 503, body = Health, description = "`unavailable`: the database did not answer within 2 s"),
))]
pub(crate) async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let version = env!("CARGO_PKG_VERSION").to_owned();
    if state.db.ping(HEALTH_DATABASE_TIMEOUT).await {
        (StatusCode::OK, Json(Health { status: "ok".into(), version }))
    } else {
        tracing::warn!("health: the database does not answer");
        (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable".into(), version }))
    }
}

/// This API's OpenAPI 3.1 description.
#[utoipa::path(get, path = "/openapi.json", tag = "system", responses((status = 200, description = "OpenAPI document")))]
pub(crate) async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(crate::openapi::document())
}

pub(crate) use audit::__path_photo_event;
pub(crate) use auth::{__path_login, __path_logout, __path_session};
pub(crate) use blobs::{__path_head, __path_patch};
pub(crate) use box_terminal::{__path_input, __path_start};
pub(crate) use pickup::{__path_box_status, __path_load};
pub(crate) use sync::{__path_pull, __path_push, PushConflict};
pub(crate) use updates::{__path_update_file, __path_update_manifest};
