//! TR-03170 photo code and photo handling: the code codec (with Data Matrix C40), AES-256-GCM/CBC,
//! the cloud's seal, the uploader's identifier and the TR-03121 image checks.
//!
//! Pure library code: no HTTP, SQL or Tauri, so the desk, the reference cloud and the tests share
//! one definition of every rule.

pub mod c40;
pub mod check;
mod code;
pub mod crypto;
mod error;
mod scanned;
pub mod seal;
mod user_id;

pub use code::{Algorithm, CodeSummary, PhotoCode, KEY_LEN, MAX_URL_LEN};
pub use error::{CodeField, PhotoError};
pub use scanned::{ScannedCode, ScannedLayout};
pub use user_id::UserIdentifier;
