//! The JSON bodies of the photo cloud, shared by the server, the studio tool and clients.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Error body of every non-2xx answer: `code` is stable for programs, `message` is German.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

/// Answer to an authority's `GET /v1/photos/{photo_id}`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedPhoto {
    /// The encrypted photo, standard Base64.
    pub ciphertext: String,
    /// Nutzerkennung of the uploader: three UUIDs joined by `:::`.
    pub user_identifier: String,
    pub seal: Seal,
}

impl std::fmt::Debug for FetchedPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchedPhoto").field("ciphertext_b64_len", &self.ciphertext.len()).finish_non_exhaustive()
    }
}

/// The cloud's seal over SHA-256(ciphertext ‖ user identifier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    /// `ecdsa-p256-sha256`.
    pub algorithm: String,
    /// Standard Base64 of the signature.
    pub signature: String,
}

/// Body of `PUT /v1/photos/{photo_id}/retention`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRequest {
    /// `YYYY-MM-DD`, at most six months after the upload.
    pub keep_until: String,
}

/// Answer to a studio's `POST /v1/studio/photos`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedPhoto {
    pub photo_id: Uuid,
    pub user_identifier: String,
}
