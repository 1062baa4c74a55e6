#![doc = include_str!("../README.md")]

mod blobs;
mod error;
mod jobs;
mod key;
mod keyring;
mod outbox;
mod records;
mod store;
mod sync_state;
mod time_ms;

pub use blobs::{BlobHash, PurgeReport, MAX_BLOB_BYTES};
pub use error::StoreError;
pub use jobs::{Job, JobState, RetryPolicy};
pub use key::{DataKey, DeskKey};
pub use keyring::{ClerkProfile, KdfParams, Keyring};
pub use outbox::{AckResult, Mutation, MutationRef, MutationState, NewMutation, Settlement, StoreTx};
pub use store::{DeskStore, EncryptionInfo, NewStore, StoreOptions, DATABASE_FILE};
