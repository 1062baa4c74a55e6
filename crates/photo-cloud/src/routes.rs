//! The HTTP shape: thin handlers over [`crate::service`].

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use schalter_domain::OrganisationKey;
use serde_json::json;
use tower_http::trace::TraceLayer;
use uuid::Uuid;

use schalter_server_kit::ConnectedClient;
use schalter_wire::photo_cloud::{paths, PhotoEnvelope, RetentionRequest, UploadReceipt, ORGANISATION_KEY_HEADER};

use crate::peer::{Peer, PeerClassifier, PeerRole};
use crate::service::{self, Authority};
use crate::{AppState, CloudError};

/// JSON bodies other than uploads are tiny.
const MAX_JSON_BYTES: usize = 16 * 1024;

/// The whole HTTP API. Transport (TLS, client certificates) is the caller's business: a request
/// is authorised by its [`ConnectedClient`] extension (set by the TLS acceptor) as classified by
/// the [`PeerClassifier`] extension (set by [`crate::server::start`]).
pub fn app(state: AppState) -> Router {
    let upload_limit = state.max_upload_bytes;
    Router::new()
        .route(paths::HEALTH, get(health))
        .route(paths::SEAL_CERTIFICATE, get(seal_certificate))
        .route(paths::PHOTO_ROUTE, get(fetch).delete(delete))
        .route(paths::RETENTION_ROUTE, put(retention).layer(DefaultBodyLimit::max(MAX_JSON_BYTES)))
        .route(paths::STUDIO_UPLOAD, post(upload).layer(DefaultBodyLimit::max(upload_limit)))
        .fallback(unknown_path)
        // Logs method, path and status: no bodies, no headers, so no bytes and no keys.
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

async fn unknown_path() -> CloudError {
    CloudError::UnknownPath
}

/// The seal certificate, PEM. Desks pin it from their own trusted-cloud directory; this copy
/// is a convenience.
async fn seal_certificate(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/x-pem-file")], state.seal.certificate_pem().to_owned())
}

async fn fetch(
    State(state): State<AppState>,
    AuthorityCaller(authority): AuthorityCaller,
    Path(photo_id): Path<String>,
) -> Result<Json<PhotoEnvelope>, CloudError> {
    Ok(Json(service::fetch(&state, &authority, parse_photo_id(&photo_id)?).await?))
}

async fn delete(
    State(state): State<AppState>,
    AuthorityCaller(authority): AuthorityCaller,
    Path(photo_id): Path<String>,
) -> Result<StatusCode, CloudError> {
    service::delete(&state, &authority, parse_photo_id(&photo_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn retention(
    State(state): State<AppState>,
    AuthorityCaller(authority): AuthorityCaller,
    Path(photo_id): Path<String>,
    body: Result<Json<RetentionRequest>, JsonRejection>,
) -> Result<StatusCode, CloudError> {
    let photo_id = parse_photo_id(&photo_id)?;
    let Json(body) = body
        .map_err(|_| CloudError::BadRequest("erwartet wird JSON der Form {\"keep_until\": \"JJJJ-MM-TT\"}.".into()))?;
    service::keep_until(&state, &authority, photo_id, &body.keep_until).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn upload(
    State(state): State<AppState>,
    StudioCaller(studio): StudioCaller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<UploadReceipt>), CloudError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("");
    if !content_type.trim().eq_ignore_ascii_case("application/octet-stream") {
        return Err(CloudError::UnsupportedMediaType);
    }
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            CloudError::PayloadTooLarge { max_bytes: state.max_upload_bytes }
        } else {
            CloudError::BadRequest("der Inhalt konnte nicht gelesen werden.".into())
        }
    })?;
    let uploaded = service::upload(&state, &studio, &body).await?;
    Ok((StatusCode::CREATED, Json(uploaded)))
}

fn parse_photo_id(raw: &str) -> Result<Uuid, CloudError> {
    Uuid::try_parse(raw).map_err(|_| CloudError::InvalidPhotoId)
}

/// The caller's role: its certificate, checked against the authority and the studio CA.
fn peer(parts: &Parts) -> Option<Peer> {
    let client = parts.extensions.get::<ConnectedClient>()?.0.as_ref()?;
    parts.extensions.get::<std::sync::Arc<PeerClassifier>>()?.classify(client)
}

/// A desk with an authority certificate and an organisation key of category pab, psb or azr.
struct AuthorityCaller(Authority);

impl FromRequestParts<AppState> for AuthorityCaller {
    type Rejection = CloudError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = peer(parts)
            .filter(|peer| peer.role == PeerRole::Authority)
            .ok_or(CloudError::AuthorityCertificateRequired)?;
        let organisation_key = parts
            .headers
            .get(ORGANISATION_KEY_HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(|raw| OrganisationKey::parse(raw).ok())
            .ok_or(CloudError::InvalidOrganisationKey)?;
        if !organisation_key.category().may_fetch_photos() {
            // DVDV `findCategories` stand-in: the category is part of the key.
            let actor = organisation_key.to_string();
            state.db.audit(state.clock.now(), &actor, Some(&peer.cert_sha256), "refused_wrong_category", None).await?;
            return Err(CloudError::WrongCategory);
        }
        Ok(Self(Authority { organisation_key, cert_sha256: peer.cert_sha256.clone() }))
    }
}

/// A studio workstation with a studio certificate.
struct StudioCaller(Peer);

impl FromRequestParts<AppState> for StudioCaller {
    type Rejection = CloudError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        peer(parts).filter(|peer| peer.role == PeerRole::Studio).map(Self).ok_or(CloudError::StudioCertificateRequired)
    }
}
