//! Reference TR-03170 photo cloud: studios upload ciphertext, authorities fetch it (with the
//! cloud's seal), delete it or keep it for reuse, and everything disappears six months after
//! upload at the latest. Also the studio-side tool that encrypts, uploads and prints the code.
//!
//! [`app()`] builds the router; [`server::start`] runs it on an mTLS socket; the binary
//! `schalter-photo-cloud` is a thin shell over both and over [`studio`].

pub mod codes;
pub mod db;
pub mod dev_pki;
pub mod error;
pub mod peer;
pub mod retention;
mod routes;
pub mod seal;
pub mod server;
pub mod service;
pub mod studio;

use std::sync::Arc;

use uuid::Uuid;

pub use db::Db;
pub use error::CloudError;
pub use routes::app;
pub use schalter_server_kit::Clock;
pub use seal::SealKey;

/// Largest ciphertext a studio may upload. A TR-03121 JPEG at 1244×1600 and highest quality
/// is about 1–3 MB; 12 MiB leaves room for larger captures and the cipher's overhead.
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 12 * 1024 * 1024;

/// Everything a request handler needs. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    pub seal: Arc<SealKey>,
    /// First part of every Nutzerkennung this cloud hands out.
    pub cloud_service_id: Uuid,
    pub max_upload_bytes: usize,
}

impl AppState {
    /// Reads (or makes, on first start) the cloud-service UUID from the database.
    pub async fn new(db: Db, seal: SealKey) -> Result<Self, CloudError> {
        let cloud_service_id = db.cloud_service_id().await?;
        Ok(Self {
            db,
            clock: Clock::System,
            seal: Arc::new(seal),
            cloud_service_id,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
        })
    }
}
