//! The central API: system of record for clerks and sessions (applications, appointments,
//! boxes and SMS follow). `app()` builds the router; binaries and tests wrap it.
//!
//! # Database
//!
//! SQLite (`sqlite://…`, the default) or PostgreSQL (`postgres://…`), chosen by the URL given to
//! [`Db::connect`] (`schalter-central --database-url`). One portable set of migrations and SQL
//! ([`db`]; the rules are in `schalter_server_kit::database`). Tests run on both: see
//! `tests/common/mod.rs` (`SCHALTER_TEST_POSTGRES_URL`, `SCHALTER_TEST_REQUIRE_POSTGRES`).
//!
//! # Sync (DESIGN §4)
//!
//! - `POST /v1/sync/push` ([`sync`]): one transaction per push that first locks the device's
//!   row, so pushes of one device are serialised even across API instances. Each mutation is
//!   applied once, its result stored with it and `last_seq` moved in the same transaction; a
//!   replay gets the stored result. The first push binds the device id to the desk certificate.
//!   A business rejection is a stored result and the batch goes on; a `photo.accept` whose photo
//!   is not uploaded yet fails the whole push (409 `blob_missing`), since only the desk can cure it.
//! - `GET /v1/sync/pull` ([`db::feed`]): the change feed, written in the transaction of each
//!   change, its cursor taken from a locked counter row so cursor order is commit order.
//! - `HEAD`/`PATCH /v1/blobs/{sha256}` ([`blobs`]): tus-style resumable uploads stored as one
//!   row per part, checked against the SHA-256 when complete, discarded on a mismatch.
//!
//! Logs name devices, sequences, clerk ids and blob hashes, never payloads, names or bytes.

pub mod applications;
pub mod appointments;
pub mod audit;
pub mod auth;
pub mod blobs;
pub mod box_terminal;
pub mod config;
pub mod db;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod pickup;
pub mod pickup_office;
pub mod producer;
pub mod queue;
mod routes;
pub mod secrets;
pub mod seed;
pub mod sms;
pub mod sync;

use std::sync::Arc;

use schalter_domain::{DeskThrottle, LoginThrottle, SessionPolicy};

pub use db::Db;
pub use error::CentralError;
pub use routes::call_display;
pub use routes::{app, public_app, TrustedProxy, UpdatesDir};
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
    /// The SMS sealing key and the PIN pepper of the pickup box; `None`: loading is refused.
    pub pickup_keys: Option<Arc<pickup::PickupKeys>>,
    /// The box terminals' rate limit and answer floor.
    pub box_terminal: box_terminal::BoxTerminalConfig,
    /// The appointment configuration and the public rate limit; `None`: no appointments here.
    pub appointments: Option<appointments::AppointmentService>,
    /// The desk releases (`<dir>/<channel>/latest.json` and packages); `None`: no updates offered (404).
    pub updates: Option<routes::UpdatesDir>,
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
            pickup_keys: None,
            box_terminal: box_terminal::BoxTerminalConfig::default(),
            appointments: None,
            updates: None,
        }
    }
}
