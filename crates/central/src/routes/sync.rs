use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use schalter_wire::sync::{PullQuery, PullResponse, PushRequest, PushResponse, SequenceGap, MAX_PULL_LIMIT};
use schalter_wire::ApiError;
use serde::Serialize;
use utoipa::ToSchema;

use super::extract::{ApiJson, AuthenticatedClerk};
use crate::sync::Pusher;
use crate::{AppState, CentralError};

/// A push carries up to `MAX_PUSH_MUTATIONS` mutations of a few hundred bytes each; this leaves
/// room for larger payloads without letting a body grow without bound.
pub(crate) const MAX_PUSH_BODY_BYTES: usize = 512 * 1024;

/// The two bodies a 409 of a push can have (for the OpenAPI document only).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // never built: it describes what CentralError answers
pub(crate) enum PushConflict {
    SequenceGap(SequenceGap),
    BlobMissing(ApiError),
}

/// Applies the device's next mutations, each exactly once, and answers each: `applied`,
/// `rejected` (a business rejection: final, shown to the clerk, the batch goes on) or `replayed`
/// (answered before; the stored response or error again). All of a push is one transaction.
/// The first push of a device binds its id to the desk certificate it came with.
///
/// Kinds: `photo_audit.record` (payload `PhotoAuditEvent`; an audit row with the desk's
/// `occurred_at` beside the server's time) and `photo.accept` (payload `AcceptedPhoto`, whose
/// blob must be completely uploaded first; response `{"received_at": <Unix seconds>}`). A mutation's
/// `application.submit` (payload `SubmittedApplication`: validated again with the desk's rules; its photo must
/// have been accepted for the same visit; response `ApplicationReceipt` with the central's application number,
/// the feed then carries an `application` change; rejections `application_invalid` naming every field,
/// `application_photo_missing`, `application_fingerprints_missing` / `application_signature_missing` (the
/// biometrics do not fit the rules: prints from 6 with a chip, a signature from 10, whose blob must be uploaded
/// first like the photo's), `application_exists`). A mutation's
/// `clerk_id` (who made it) may be any clerk who has logged in online over this desk certificate, so
/// the changes of a colleague who has gone home leave with the next clerk's sync. Rejections:
/// `unknown_mutation_kind`, `invalid_payload`, `unknown_author` (a clerk who never logged in here).
#[utoipa::path(post, path = "/v1/sync/push", tag = "sync", security(("bearer" = [])),
    request_body = PushRequest, responses(
    (status = 200, body = PushResponse, description = "Every mutation answered, in order; `last_seq` is the \
        device's highest answered sequence"),
    (status = 400, body = ApiError, description = "`invalid_request`: not a push document; a device id that \
        is empty, over 100 characters or more than letters, digits and `-_.:`; more than 100 mutations; sequences not ascending from 1 without gaps; a sequence already answered for a mutation \
        with another id; a mutation id already used under another sequence or device"),
    (status = 401, body = ApiError, description = "`unauthenticated` (also: token of another desk) or `session_expired`"),
    (status = 403, body = ApiError, description = "`device_mismatch`: the device id is bound to another desk certificate"),
    (status = 409, body = PushConflict, description = "Nothing of this push was applied; both are retryable. \
        `sequence_gap` (body `SequenceGap`): the first sequence is beyond the next one expected; push again from \
        `expected_seq`. `blob_missing`: a `photo.accept` refers to a photo not (completely) uploaded; upload it \
        (`HEAD`/`PATCH /v1/blobs/{sha256}`) and push again. A missing photo is no business rejection: it is \
        not the clerk's decision that is wrong, and rejecting it for good would lose the accepted photo."),
    (status = 413, body = ApiError, description = "`body_too_large`"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`: not `application/json`"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn push(
    State(state): State<AppState>,
    clerk: AuthenticatedClerk,
    ApiJson(request): ApiJson<PushRequest, MAX_PUSH_BODY_BYTES>,
) -> Result<Json<PushResponse>, CentralError> {
    let pusher = Pusher { clerk_id: clerk.clerk.id, desk: clerk.desk.as_ref() };
    Ok(Json(crate::sync::push(&state.db, state.clock.now(), &pusher, &request).await?))
}

/// The central's changes after `cursor`, oldest first, at most `limit` (default and maximum 500).
/// Entities so far: `clerk` (data `ClerkChange`, on every creation, change and deactivation) and `application`
/// (data `ApplicationChange`: number and status, no personal data); of the clerk's office only: `appointment`
/// (data `AppointmentChange`).
#[utoipa::path(get, path = "/v1/sync/pull", tag = "sync", security(("bearer" = [])), params(PullQuery), responses(
    (status = 200, body = PullResponse),
    (status = 400, body = ApiError, description = "`invalid_request`: cursor or limit not a number"),
    (status = 401, body = ApiError, description = "`unauthenticated` (also: token of another desk) or `session_expired`"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn pull(
    State(state): State<AppState>,
    clerk: AuthenticatedClerk,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Json<PullResponse>, CentralError> {
    let Query(query) = query.map_err(|_| CentralError::InvalidRequest)?;
    let cursor = query.cursor.max(0);
    let limit = query.limit.unwrap_or(MAX_PULL_LIMIT).clamp(1, MAX_PULL_LIMIT);
    let head = state.db.feed_head().await?;
    let page = state.db.changes_for_office(cursor, limit, &clerk.clerk.office.id).await?;
    let next_cursor = page.changes.last().map_or(cursor, |change| change.cursor);
    if let Some(desk) = &clerk.desk {
        // Without another page the desk has seen all of its office up to `head`, though the changes of other
        // offices leave its own cursor behind: the lag is measured against what it could have pulled.
        let current_to = if page.has_more { next_cursor } else { head.max(next_cursor) };
        state.db.stamp_pull(&desk.fingerprint, current_to, state.clock.now()).await?;
    }
    Ok(Json(PullResponse { changes: page.changes, next_cursor, has_more: page.has_more }))
}
