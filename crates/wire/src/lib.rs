//! The central API's wire shapes. One definition for the server, the desk client and
//! the OpenAPI document, so the three cannot drift apart.

use schalter_domain::Role;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// Every path of the central API, in one place.
pub mod paths {
    pub const HEALTH: &str = "/health";
    /// Prometheus text exposition: request counts, sync lag per device, SMS and producer queues.
    pub const METRICS: &str = "/metrics";
    pub const OPENAPI: &str = "/openapi.json";
    pub const LOGIN: &str = "/v1/auth/login";
    pub const LOGOUT: &str = "/v1/auth/logout";
    pub const SESSION: &str = "/v1/auth/session";
    pub const PHOTO_AUDIT: &str = "/v1/audit/photo-events";
    pub const SYNC_PUSH: &str = "/v1/sync/push";
    pub const SYNC_PULL: &str = "/v1/sync/pull";
    /// `HEAD` (state) and `PATCH` (next bytes) of a content-addressed blob; the server's route (axum syntax) of [`blob`].
    pub const BLOB_ROUTE: &str = "/v1/blobs/{sha256}";

    /// `sha256`: 64 lower-case hex digits of the blob's SHA-256.
    pub fn blob(sha256: &str) -> String {
        format!("/v1/blobs/{sha256}")
    }
}

pub mod application;
pub mod appointments;
pub mod pickup;
pub mod pickup_office;
pub mod producer;
pub mod queue;
pub mod sync;
pub mod updates;

/// What happened to a citizen's photo at a desk, for the audit trail: ids only, never
/// image bytes, keys or names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhotoAuditAction {
    Fetched,
    FetchFailed,
    Accepted,
    AcceptedKept,
    /// Accepted although a check failed: the clerk's explicit, audited veto.
    AcceptedOverride,
    AcceptedKeptOverride,
    Rejected,
}

impl PhotoAuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoAuditAction::Fetched => "photo_fetched",
            PhotoAuditAction::FetchFailed => "photo_fetch_failed",
            PhotoAuditAction::Accepted => "photo_accepted",
            PhotoAuditAction::AcceptedKept => "photo_accepted_kept",
            PhotoAuditAction::AcceptedOverride => "photo_accepted_override",
            PhotoAuditAction::AcceptedKeptOverride => "photo_accepted_kept_override",
            PhotoAuditAction::Rejected => "photo_rejected",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PhotoAuditEvent {
    pub action: PhotoAuditAction,
    /// The photo id from the code; absent when the code could not be read.
    pub photo_id: Option<Uuid>,
    /// The error code of a failed fetch, e.g. `seal_invalid`.
    #[schema(example = "seal_invalid")]
    pub error_code: Option<String>,
}

/// Error body of every non-2xx answer. `message` is German and safe to show a clerk;
/// `code` is stable and meant for programs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    #[schema(example = "invalid_credentials")]
    pub code: String,
    #[schema(example = "Benutzername oder Passwort ist falsch.")]
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
    #[schema(example = "0.1.0")]
    pub version: String,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(example = "demo")]
    pub username: String,
    #[schema(example = "ein-langes-passwort")]
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginRequest { .. }")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Office {
    #[schema(example = "05111000_01")]
    pub id: String,
    #[schema(example = "Bürgerbüro Dienstleistungszentrum")]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Clerk {
    pub id: Uuid,
    pub username: String,
    #[schema(example = "Erika Mustermann")]
    pub display_name: String,
    #[schema(value_type = String, example = "clerk")]
    pub role: Role,
    pub office: Office,
}

/// A clerk's session. The token is a bearer secret: send it as
/// `Authorization: Bearer <token>`; it expires after a period of inactivity
/// and in any case at `absolute_expires_at`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct Session {
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub absolute_expires_at: OffsetDateTime,
    /// Seconds of inactivity after which the session lapses; every authenticated call
    /// starts them anew (up to `absolute_expires_at`).
    #[schema(example = 1800)]
    pub idle_timeout_seconds: u32,
    pub clerk: Clerk,
    /// Base64 of 256 random bits that open this desk's local store (its data key is wrapped with them
    /// as well as with each clerk's password), so a clerk new at the desk, or one whose password changed,
    /// can open it. The same for every login over this desk certificate; only with a client
    /// certificate. The desk keeps it in memory only, just long enough to unwrap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desk_store_key: Option<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("expires_at", &self.expires_at)
            .field("clerk_id", &self.clerk.id)
            .finish_non_exhaustive()
    }
}

/// The state of a session without its secret, returned by `GET /v1/auth/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub absolute_expires_at: OffsetDateTime,
    #[schema(example = 1800)]
    pub idle_timeout_seconds: u32,
    pub clerk: Clerk,
}

/// The REST shape of a TR-03170 photo cloud as we define it (the official interface
/// specification is not public): the only place its paths and bodies are written down,
/// so a different cloud's shape can be swapped in here.
pub mod photo_cloud {
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    /// The authority's DVDV organisation key, e.g. `psb:05111000_00`.
    pub const ORGANISATION_KEY_HEADER: &str = "x-organisation-key";

    pub mod paths {
        pub const HEALTH: &str = "/health";
        /// Anyone with a client certificate: the cloud's seal certificate, PEM.
        pub const SEAL_CERTIFICATE: &str = "/v1/seal-certificate";
        /// Studio: `POST` uploads a ciphertext (`application/octet-stream`).
        pub const STUDIO_UPLOAD: &str = "/v1/studio/photos";
        /// Authority: `GET` fetches, `DELETE` deletes; the server's route (axum syntax) of [`photo`].
        pub const PHOTO_ROUTE: &str = "/v1/photos/{photo_id}";
        /// Authority: `PUT` keeps the photo for reuse; the server's route of [`retention`].
        pub const RETENTION_ROUTE: &str = "/v1/photos/{photo_id}/retention";

        pub fn photo(photo_id: uuid::Uuid) -> String {
            format!("/v1/photos/{photo_id}")
        }

        pub fn retention(photo_id: uuid::Uuid) -> String {
            format!("/v1/photos/{photo_id}/retention")
        }
    }

    /// The cloud's seal over SHA-256(ciphertext ‖ user identifier).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Seal {
        /// `ecdsa-p256-sha256`.
        pub algorithm: String,
        /// Base64.
        pub signature: String,
    }

    /// Answer to an authority's fetch.
    #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PhotoEnvelope {
        /// Base64 of the encrypted photo.
        pub ciphertext: String,
        /// "Nutzerkennung": three UUIDs joined by `:::`.
        pub user_identifier: String,
        pub seal: Seal,
    }

    impl std::fmt::Debug for PhotoEnvelope {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("PhotoEnvelope").field("ciphertext_b64_len", &self.ciphertext.len()).finish_non_exhaustive()
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct RetentionRequest {
        /// `YYYY-MM-DD`, at most six months after the upload.
        pub keep_until: String,
    }

    /// Answer to a studio's upload.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct UploadReceipt {
        pub photo_id: Uuid,
        pub user_identifier: String,
    }
}

#[cfg(test)]
mod tests {
    use super::photo_cloud::paths;

    #[test]
    fn photo_cloud_routes_and_concrete_paths_agree() {
        let id = uuid::Uuid::nil();
        assert_eq!(paths::photo(id), paths::PHOTO_ROUTE.replace("{photo_id}", &id.to_string()));
        assert_eq!(paths::retention(id), paths::RETENTION_ROUTE.replace("{photo_id}", &id.to_string()));
    }

    #[test]
    fn blob_route_and_concrete_path_agree() {
        let hash = "ab".repeat(32);
        assert_eq!(crate::paths::blob(&hash), crate::paths::BLOB_ROUTE.replace("{sha256}", &hash));
    }
}
