//! The central API: system of record for clerks and sessions (applications, appointments,
//! boxes and SMS follow). `app()` builds the router; binaries and tests wrap it.

pub mod auth;
pub mod clock;
pub mod db;
pub mod error;
pub mod openapi;
pub mod peer;
mod routes;
pub mod seed;

use std::sync::Arc;

use schalter_domain::SessionPolicy;

pub use clock::Clock;
pub use db::Db;
pub use error::CentralError;
pub use routes::app;

/// Everything a request handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub policy: SessionPolicy,
    pub clock: Clock,
    pub password_hasher: Arc<auth::PasswordHasher>,
}

impl AppState {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            policy: SessionPolicy::default(),
            clock: Clock::System,
            password_hasher: Arc::new(auth::PasswordHasher::production()),
        }
    }
}
