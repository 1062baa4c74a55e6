//! What the engine needs from the central API, as a trait: the desk implements it over HTTPS, tests in memory.

use std::future::Future;

use schalter_wire::sync::{PullResponse, PushRequest, PushResponse, SequenceGap};

/// The central's answer to a push it read.
#[derive(Debug, Clone, PartialEq)]
pub enum PushOutcome {
    /// 200: one result per mutation.
    Answered(PushResponse),
    /// 409 `sequence_gap`: the batch did not start where the server expected.
    Gap(SequenceGap),
}

/// What `HEAD /v1/blobs/{sha256}` said about an upload that was started (a never-started one is `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobState {
    /// Bytes the server holds (`Upload-Offset`).
    pub offset: u64,
    /// The full length announced at the first `PATCH` (`Upload-Length`), if the server says.
    pub length: Option<u64>,
}

/// Why a call did not bring an answer the engine can use. The engine's reaction depends only on the variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// Network down, TLS hiccup, 5xx, 429: retried with backoff. `code` names the cause (`central_unreachable`,
    /// `server_busy`, …), never a body or an address.
    #[error("Die Zentrale ist gerade nicht erreichbar ({code}).")]
    Unavailable { code: String },
    /// 401: the clerk's session is gone; nothing more can be sent until a new online login.
    #[error("Die Sitzung an der Zentrale ist abgelaufen.")]
    SessionExpired,
    /// 409 on a blob `PATCH`: the offset we sent is not the server's; ask it again with `HEAD`.
    #[error("Der Upload-Stand einer Datei weicht von dem der Zentrale ab.")]
    OffsetMismatch,
    /// Any other refusal of a whole call (4xx): not going to change by retrying now.
    #[error("{message}")]
    Refused { code: String, message: String },
}

/// The sync calls of DESIGN §4. Every method is idempotent on the server's side, so the engine may repeat any of
/// them after an answer got lost.
pub trait SyncTransport: Send + Sync {
    /// `POST /v1/sync/push`.
    fn push(&self, request: &PushRequest) -> impl Future<Output = Result<PushOutcome, TransportError>> + Send;
    /// `GET /v1/sync/pull?cursor=C&limit=N`.
    fn pull(&self, cursor: i64, limit: u32) -> impl Future<Output = Result<PullResponse, TransportError>> + Send;
    /// `HEAD /v1/blobs/{sha256}`; `Ok(None)` on 404 (never started).
    fn blob_head(&self, sha256: &str) -> impl Future<Output = Result<Option<BlobState>, TransportError>> + Send;
    /// `PATCH /v1/blobs/{sha256}` with `Upload-Offset: offset`, `Upload-Length: length` and `bytes` as the body;
    /// returns the server's new offset.
    fn blob_patch(
        &self,
        sha256: &str,
        offset: u64,
        length: u64,
        bytes: &[u8],
    ) -> impl Future<Output = Result<u64, TransportError>> + Send;
}
