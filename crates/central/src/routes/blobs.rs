use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use schalter_wire::sync::{MAX_BLOB_CHUNK_BYTES, UPLOAD_LENGTH_HEADER, UPLOAD_OFFSET_HEADER};
use schalter_wire::ApiError;

use super::extract::AuthenticatedClerk;
use crate::blobs::BlobPart;
use crate::{AppState, CentralError};

/// The content type of a tus `PATCH`.
const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

fn blob_name(sha256: &str) -> Result<&str, CentralError> {
    if crate::sync::is_sha256_hex(sha256) {
        Ok(sha256)
    } else {
        Err(CentralError::InvalidSyncRequest(
            "Ein Blob heißt wie der SHA-256 seines Inhalts: 64 Hexadezimalziffern, klein geschrieben.",
        ))
    }
}

fn upload_headers(response: &mut Response, offset: u64, length: u64) {
    let headers = response.headers_mut();
    headers.insert(UPLOAD_OFFSET_HEADER, HeaderValue::from(offset));
    headers.insert(UPLOAD_LENGTH_HEADER, HeaderValue::from(length));
    // The offset changes with every PATCH; a cached answer would make the desk resume wrongly.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// How much of a blob the central holds, so an interrupted upload resumes there.
#[utoipa::path(head, path = "/v1/blobs/{sha256}", tag = "blobs", security(("bearer" = [])),
    params(("sha256" = String, Path, description = "SHA-256 of the blob, 64 lower-case hex digits")),
    responses(
    (status = 200, description = "Started (complete when `Upload-Offset` equals `Upload-Length`)", headers(
        ("Upload-Offset" = u64, description = "Bytes the central holds"),
        ("Upload-Length" = u64, description = "The blob's full length"))),
    (status = 400, description = "`invalid_request`: not a SHA-256 (a HEAD answer has no body)"),
    (status = 401, description = "`unauthenticated` or `session_expired`"),
    (status = 404, description = "Never started, or discarded after a hash mismatch"),
    (status = 500, description = "`internal`"),
))]
pub(crate) async fn head(
    State(state): State<AppState>,
    _clerk: AuthenticatedClerk,
    Path(sha256): Path<String>,
) -> Result<Response, CentralError> {
    let Some(blob) = state.db.blob_state(blob_name(&sha256)?).await? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let mut response = StatusCode::OK.into_response();
    upload_headers(&mut response, blob.upload_offset as u64, blob.upload_length as u64);
    Ok(response)
}

/// The next bytes of a blob (tus-style). The first `PATCH` names the full length; when the last
/// byte arrives the SHA-256 is checked. Repeating the last `PATCH` of a complete blob (offset =
/// length, no bytes) answers 204 again.
#[utoipa::path(patch, path = "/v1/blobs/{sha256}", tag = "blobs", security(("bearer" = [])),
    params(
        ("sha256" = String, Path, description = "SHA-256 of the blob, 64 lower-case hex digits"),
        ("Upload-Offset" = u64, Header, description = "Where these bytes start: the offset the central holds"),
        ("Upload-Length" = Option<u64>, Header, description = "The full length, at most 16 MiB; required on the first PATCH"),
    ),
    request_body(content = String, content_type = "application/offset+octet-stream",
        description = "The next bytes, at most 1 MiB"),
    responses(
    (status = 204, description = "Taken", headers(("Upload-Offset" = u64, description = "Bytes the central now holds"))),
    (status = 400, body = ApiError, description = "`invalid_request`: not a SHA-256; `Upload-Offset` missing or not a \
        number; no `Upload-Length` on the first PATCH, or another one than before; bytes beyond the length"),
    (status = 401, body = ApiError, description = "`unauthenticated` (also: token of another desk) or `session_expired`"),
    (status = 409, body = ApiError, description = "`offset_mismatch`: the central holds another offset, sent in \
        `Upload-Offset`; resume there", headers(("Upload-Offset" = u64, description = "Bytes the central holds"))),
    (status = 413, body = ApiError, description = "`body_too_large`: more than 1 MiB in one PATCH, or a length over 16 MiB"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`: not `application/offset+octet-stream`"),
    (status = 422, body = ApiError, description = "`blob_hash_mismatch`: complete, but the bytes have another SHA-256; \
        the upload was discarded (start again at 0)"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn patch(
    State(state): State<AppState>,
    _clerk: AuthenticatedClerk,
    Path(sha256): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, CentralError> {
    let sha256 = blob_name(&sha256)?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    if content_type != Some(OFFSET_OCTET_STREAM) {
        return Err(CentralError::UnsupportedMediaType { expected: OFFSET_OCTET_STREAM });
    }
    let number = |name: &str| -> Result<Option<u64>, CentralError> {
        headers
            .get(name)
            .map(|value| value.to_str().ok().and_then(|text| text.trim().parse().ok()))
            .map(|parsed| {
                parsed.ok_or(CentralError::InvalidSyncRequest(
                    "Upload-Offset und Upload-Length sind ganze Zahlen ohne Vorzeichen.",
                ))
            })
            .transpose()
    };
    let offset = number(UPLOAD_OFFSET_HEADER)?
        .ok_or(CentralError::InvalidSyncRequest("Upload-Offset fehlt: wo beginnen diese Daten?"))?;
    let length = number(UPLOAD_LENGTH_HEADER)?;
    let bytes = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => CentralError::BodyTooLarge { max_bytes: MAX_BLOB_CHUNK_BYTES as u64 },
        _ => CentralError::InvalidRequest,
    })?;
    let part = BlobPart { offset, length, bytes: &bytes };
    let uploaded = crate::blobs::append(&state.db, state.clock.now(), sha256, &part).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    upload_headers(&mut response, uploaded.offset, uploaded.length);
    Ok(response)
}
