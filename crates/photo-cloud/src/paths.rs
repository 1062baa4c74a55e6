//! Every path of the photo cloud's REST shape, in one place. The official TR-03170
//! interface specification is not public; if a real cloud uses other paths, only this
//! module (and its twin in the desk's client) changes.

pub const HEALTH: &str = "/health";
/// Authority: `GET` fetches, `DELETE` deletes. Axum route syntax.
pub const PHOTO: &str = "/v1/photos/{photo_id}";
/// Authority: `PUT` keeps the photo for reuse until a date.
pub const PHOTO_RETENTION: &str = "/v1/photos/{photo_id}/retention";
/// Anyone with a client certificate: the cloud's seal certificate, PEM.
pub const SEAL_CERTIFICATE: &str = "/v1/seal-certificate";
/// Studio: `POST` uploads a ciphertext.
pub const STUDIO_PHOTOS: &str = "/v1/studio/photos";

/// The header naming the calling authority's DVDV organisation key.
pub const ORGANISATION_KEY_HEADER: &str = "x-organisation-key";

/// `/v1/photos/{id}` for a concrete id, relative to the cloud's base URL.
pub fn photo(photo_id: uuid::Uuid) -> String {
    format!("/v1/photos/{photo_id}")
}

/// `/v1/photos/{id}/retention` for a concrete id.
pub fn photo_retention(photo_id: uuid::Uuid) -> String {
    format!("/v1/photos/{photo_id}/retention")
}
