//! The central API: system of record for clerks and sessions (applications, appointments,
//! boxes and SMS follow). `app()` builds the router; binaries and tests wrap it.

pub mod audit;
pub mod auth;
pub mod blobs;
pub mod db;
pub mod error;
pub mod openapi;
mod routes;
pub mod seed;
pub mod sync;

use std::sync::Arc;

use schalter_domain::{DeskThrottle, LoginThrottle, SessionPolicy};

pub use db::Db;
pub use error::CentralError;
pub use routes::app;
pub use schalter_server_kit::Clock;

/// Everything a request handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub policy: SessionPolicy,
    /// Failed logins per user name before the name is locked for a while.
    pub login_throttle: LoginThrottle,
    /// Failed logins per desk certificate, across all names, per window.
    pub desk_throttle: DeskThrottle,
    pub clock: Clock,
    pub password_hasher: Arc<auth::PasswordHasher>,
}

impl AppState {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            policy: SessionPolicy::default(),
            login_throttle: LoginThrottle::default(),
            desk_throttle: DeskThrottle::default(),
            clock: Clock::System,
            password_hasher: Arc::new(auth::PasswordHasher::production()),
        }
    }
}
