//! The desk's sync engine (DESIGN §4), free of HTTP and Tauri: [`SyncEngine`] drives an open
//! [`schalter_store::DeskStore`] against any [`SyncTransport`] (the desk's HTTPS client, or an in-memory
//! central in tests).
//!
//! A round ([`SyncEngine::sync_once`]): every blob the central does not hold completely goes up (HEAD, then PATCH
//! from the central's offset in chunks of at most `MAX_BLOB_CHUNK_BYTES`); the pending mutations go up in `seq`
//! order in batches of at most `MAX_PUSH_MUTATIONS`, each answer settled in the store as it arrives (applied or
//! replayed acknowledged, rejected rejected, and the queue goes on); then the change feed is pulled from the stored
//! cursor; then due side jobs run and acknowledged data past the grace time is purged. Network errors, 5xx and 429
//! back off exponentially with jitter; an expired session stops the round with [`SyncError::NeedsLogin`] and keeps
//! the queue.

mod clock;
mod engine;
mod error;
mod transport;

pub use clock::{Clock, ManualClock, Sleep, SystemClock};
pub use engine::{
    JobOutcome, NoHooks, RejectedMutation, SyncConfig, SyncEngine, SyncHooks, SyncPhase, SyncReport, SyncStatus,
    MAX_UPLOAD_CONCURRENCY,
};
pub use error::SyncError;
pub use transport::{BlobState, PushOutcome, SyncTransport, TransportError};
