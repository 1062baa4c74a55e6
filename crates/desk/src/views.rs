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

/// The events the desk core pushes to the front end, by name.
pub mod events {
    pub const CONNECTION: &str = "desk://connection";
    pub const SESSION: &str = "desk://session";
}
