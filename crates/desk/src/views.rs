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
    /// RFC 3339.
    pub expires_at: String,
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
}
