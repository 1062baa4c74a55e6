//! The sync protocol between a desk and the central API (DESIGN §4): an ordered outbox of
//! mutations pushed in batches, a change feed pulled by cursor, and content-addressed blobs
//! uploaded tus-style before the mutation that references them.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::ApiError;

/// Most mutations one push may carry; a desk with more sends several batches in order.
pub const MAX_PUSH_MUTATIONS: usize = 100;
/// Most changes one pull page holds (also the default page size).
pub const MAX_PULL_LIMIT: u32 = 500;
/// Largest blob the central API accepts (a photo is about 300 KB; scanned documents more).
pub const MAX_BLOB_BYTES: u64 = 16 * 1024 * 1024;
/// Largest body of one `PATCH` to a blob; larger blobs go in several parts.
pub const MAX_BLOB_CHUNK_BYTES: usize = 1024 * 1024;

/// tus headers of the blob calls: bytes the server holds, and the blob's full length.
pub const UPLOAD_OFFSET_HEADER: &str = "upload-offset";
pub const UPLOAD_LENGTH_HEADER: &str = "upload-length";

/// The kinds of mutation the central API applies, and the payload each carries.
pub mod kinds {
    /// Payload: [`crate::PhotoAuditEvent`]; the time is the mutation's `occurred_at`.
    pub const PHOTO_AUDIT: &str = "photo_audit.record";
    /// Payload: [`super::AcceptedPhoto`]. After "accept" the cloud deletes its copy, so the desk's
    /// copy (uploaded as a blob before this mutation) is the only one until the central holds it.
    pub const PHOTO_ACCEPT: &str = "photo.accept";
}

/// A photo the clerk accepted at the desk: the decrypted image is the blob `photo_sha256`
/// (uploaded before this mutation), the application that uses it refers to `photo_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AcceptedPhoto {
    /// The id from the photo code.
    pub photo_id: Uuid,
    /// The visit at the desk the photo belongs to (client-made UUIDv7).
    pub visit_id: Uuid,
    /// SHA-256 (64 lower-case hex digits) of the image bytes, as uploaded to `/v1/blobs/{sha256}`.
    pub photo_sha256: String,
    /// `image/jpeg` or `image/jp2`.
    #[schema(example = "image/jpeg")]
    pub media_type: String,
    /// Accepted although a check failed (the clerk's audited veto).
    pub override_failed_checks: bool,
}

/// `POST /v1/sync/push`: the next mutations of one device, in sequence order without gaps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PushRequest {
    /// The desk's device id (made by the desk store when it was created).
    #[schema(example = "desk-0190c5a2-7e4b-7c3d-9f00-2a1b3c4d5e6f")]
    pub device_id: String,
    pub mutations: Vec<PushMutation>,
}

/// One change made at a desk. `Debug` leaves out the payload: it may carry personal data.
#[derive(Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PushMutation {
    /// Per-device sequence, starting at 1, without gaps.
    pub seq: i64,
    /// Client-made UUIDv7 of the mutation.
    pub id: Uuid,
    #[schema(example = "photo_audit.record")]
    pub kind: String,
    /// When it happened at the desk (the desk's clock).
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// The clerk logged in at the desk when it happened; absent: the clerk of the pushing session.
    /// A desk sends the changes of every clerk who worked there, whoever is logged in when it syncs;
    /// the central accepts only clerks who have logged in online at this desk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clerk_id: Option<Uuid>,
    #[schema(value_type = Object)]
    pub payload: Value,
}

impl std::fmt::Debug for PushMutation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushMutation")
            .field("seq", &self.seq)
            .field("id", &self.id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PushResponse {
    /// One result per pushed mutation, in the same order.
    pub results: Vec<MutationResult>,
    /// The highest sequence of this device the server has answered (applied or rejected).
    pub last_seq: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MutationStatus {
    /// Applied now.
    Applied,
    /// A business rejection: final, the desk shows it to the clerk and goes on.
    Rejected,
    /// Answered before; `response` / `error` are the stored ones.
    Replayed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MutationResult {
    pub seq: i64,
    pub status: MutationStatus,
    /// What applying it produced (e.g. a number the server handed out), if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub response: Option<Value>,
    /// Why it was rejected (also on a replay of a rejected mutation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

/// 409 body of a push whose first sequence is not the next one the server expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SequenceGap {
    #[schema(example = "sequence_gap")]
    pub code: String,
    pub message: String,
    /// The sequence the server expects next (`last_seq + 1`).
    pub expected_seq: i64,
}

/// `GET /v1/sync/pull?cursor=C&limit=N`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullQuery {
    /// The `next_cursor` of the previous page; 0 (or absent) from the beginning.
    #[serde(default)]
    pub cursor: i64,
    /// Page size, at most [`MAX_PULL_LIMIT`].
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// Pass it as `cursor` next time; equal to the request's cursor when nothing changed.
    pub next_cursor: i64,
    /// More changes wait beyond this page.
    pub has_more: bool,
}

/// One change in the central feed. `Debug` leaves out the data.
#[derive(Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Change {
    pub cursor: i64,
    /// e.g. `clerk`, `office`.
    #[schema(example = "clerk")]
    pub entity: String,
    pub id: String,
    pub op: ChangeOp,
    /// The entity's new state on `upsert`; absent on `delete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
}

impl std::fmt::Debug for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Change")
            .field("cursor", &self.cursor)
            .field("entity", &self.entity)
            .field("id", &self.id)
            .field("op", &self.op)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Upsert,
    Delete,
}

/// Entities of the change feed and their data.
pub mod entities {
    /// Data: [`super::ClerkChange`]. Lets a desk drop a deactivated clerk's offline login.
    pub const CLERK: &str = "clerk";
}

/// A clerk account as the change feed tells desks about it: no password, no hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClerkChange {
    pub clerk: crate::Clerk,
    pub active: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_mutation_debug_hides_the_payload() {
        let mutation = PushMutation {
            seq: 1,
            id: Uuid::now_v7(),
            kind: kinds::PHOTO_AUDIT.into(),
            occurred_at: OffsetDateTime::UNIX_EPOCH,
            clerk_id: None,
            payload: serde_json::json!({"name": "Erika Mustermann"}),
        };
        let debug = format!("{mutation:?}");
        assert!(debug.contains("photo_audit.record"), "{debug}");
        assert!(!debug.contains("Erika"), "{debug}");
    }

    #[test]
    fn results_leave_out_absent_fields_and_read_them_back() {
        let result = MutationResult { seq: 3, status: MutationStatus::Applied, response: None, error: None };
        let json = serde_json::to_string(&result).unwrap();
        assert_eq!(json, r#"{"seq":3,"status":"applied"}"#);
        assert_eq!(serde_json::from_str::<MutationResult>(&json).unwrap(), result);
    }
}
