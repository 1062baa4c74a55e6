use schalter_domain::Role;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Deserialize, TS)]
pub struct LoginArgs {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for LoginArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginArgs { .. }")
    }
}

/// The logged-in clerk as the screen shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SessionView {
    pub display_name: String,
    pub username: String,
    pub role: Role,
    pub office_id: String,
    pub office_name: String,
    /// RFC 3339: when the session lapses unless the clerk does something before.
    pub expires_at: String,
    /// RFC 3339: when it ends however busy the clerk is.
    pub absolute_expires_at: String,
    /// Inactivity after which the session lapses.
    pub idle_timeout_seconds: u32,
    /// Logged in offline (the central was unreachable; the desk's keyring let the clerk in). The desk logs in at
    /// the central in the background as soon as it answers, and the session becomes online.
    pub offline: bool,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SessionEndReason {
    /// No action of the clerk for the idle time, or the absolute limit.
    Expired,
    LoggedOut,
    /// The central API no longer knows the session (e.g. the password was changed).
    EndedByCentral,
}

/// Payload of the `desk://session` event: the session now, and why it ended when it is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SessionEvent {
    pub session: Option<SessionView>,
    pub reason: Option<SessionEndReason>,
}

/// The desk's link to the central API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConnectionView {
    pub online: bool,
    pub central_url: String,
    /// RFC 3339 time of the last answer from the central API, if any.
    pub last_contact: Option<String>,
    /// RFC 3339 time of the last completed sync, if any.
    pub last_sync: Option<String>,
}

/// The clerk's decision on the photo on screen.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct PhotoDecisionArgs {
    pub photo_id: String,
    pub accept: bool,
    /// `YYYY-MM-DD`: keep in the cloud for reuse until then instead of deleting.
    pub keep_until: Option<String>,
    /// The clerk confirmed accepting a photo that failed a check (operator veto); audited.
    #[serde(default)]
    pub override_failed_checks: bool,
}

/// A change the central rejected (a business rule): shown to the clerk until resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RejectedView {
    #[ts(type = "number")]
    pub seq: i64,
    /// e.g. `photo.accept`.
    pub kind: String,
    pub code: String,
    /// The central's German message.
    pub message: String,
    /// RFC 3339: when the change was made at the desk.
    pub occurred_at: String,
}

/// Payload of the `desk://sync` event: the outbox and the sync engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SyncView {
    /// The central answered the last call.
    pub online: bool,
    /// `idle`, `uploading`, `pushing`, `pulling`, `running_jobs`, `waiting` (backing off), `needs_login`,
    /// `offline` (last round could not reach the central), `failed` (see `last_error_code`), or `closed` (no
    /// clerk logged in: no store open).
    pub phase: String,
    /// Changes not yet acknowledged by the central.
    #[ts(type = "number")]
    pub pending: u64,
    /// Progress of the current phase: `done` of `total` blobs or changes.
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
    /// RFC 3339 time of the last complete sync, if any.
    pub last_synced_at: Option<String>,
    /// Why the last round stopped (an error code of `ERROR_CODES`), if it did.
    pub last_error_code: Option<String>,
    pub rejected: Vec<RejectedView>,
    /// A scanned photo code waits for the photo cloud to become reachable; it is fetched then (`desk://photo`).
    pub pending_photo_fetch: bool,
}

/// The events the desk core pushes to the front end, by name.
pub mod events {
    pub const CONNECTION: &str = "desk://connection";
    pub const SESSION: &str = "desk://session";
    pub const SYNC: &str = "desk://sync";
    /// A photo whose fetch waited for the cloud arrived (`PhotoView`).
    pub const PHOTO: &str = "desk://photo";
    /// A newer release was found or installed (`UpdateView`).
    pub const UPDATE: &str = "desk://update";
}
