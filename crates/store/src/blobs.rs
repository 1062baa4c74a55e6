//! Content-addressed blobs (photos) inside the encrypted database, and the purge of acknowledged data.

use sha2::{Digest as _, Sha256};
use sqlx::{Sqlite, Transaction};
use time::{Duration, OffsetDateTime};

use crate::time_ms::{duration_ms, to_ms};
use crate::{DeskStore, StoreError};

/// Largest blob the store takes (photos are a few hundred kilobytes).
pub const MAX_BLOB_BYTES: usize = 32 * 1024 * 1024;

/// The SHA-256 of a blob as lower-case hex: its name in the store and on the wire (`/v1/blobs/{sha256}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobHash(String);

impl BlobHash {
    pub fn of(bytes: &[u8]) -> Self {
        let digest = Sha256::digest(bytes);
        Self(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Accepts 64 hex digits (either case).
    pub fn parse(hex: &str) -> Result<Self, StoreError> {
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(hex.to_ascii_lowercase()))
        } else {
            Err(StoreError::InvalidInput("SHA-256"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BlobHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What [`DeskStore::purge_acknowledged`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub records: u64,
    pub blobs: u64,
    pub mutations: u64,
    pub jobs: u64,
}

pub(crate) async fn insert_blob(
    tx: &mut Transaction<'static, Sqlite>,
    bytes: &[u8],
    now: OffsetDateTime,
) -> Result<BlobHash, StoreError> {
    if bytes.len() > MAX_BLOB_BYTES {
        return Err(StoreError::InvalidInput("Datei zu groß"));
    }
    let hash = BlobHash::of(bytes);
    let inserted = sqlx::query(
        "INSERT INTO blobs (sha256, size, created_at, acknowledged_at) VALUES (?, ?, ?, NULL) \
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(hash.as_str())
    .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
    .bind(to_ms(now))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        // The bytes apart from the bookkeeping (migration 0005): acknowledging a blob rewrites only its small row.
        sqlx::query("INSERT INTO blob_contents (sha256, bytes) VALUES (?, ?)")
            .bind(hash.as_str())
            .bind(bytes)
            .execute(&mut **tx)
            .await?;
    }
    Ok(hash)
}

impl DeskStore {
    /// Stores a blob (idempotent: the same bytes give the same hash and one row).
    pub async fn put_blob(&self, bytes: &[u8], now: OffsetDateTime) -> Result<BlobHash, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let hash = insert_blob(&mut tx, bytes, now).await?;
        tx.commit().await?;
        Ok(hash)
    }

    /// The blob's bytes, or `None` if not (or no longer) in the store. Checked against the hash.
    pub async fn get_blob(&self, hash: &BlobHash) -> Result<Option<Vec<u8>>, StoreError> {
        let bytes: Option<Vec<u8>> = sqlx::query_scalar("SELECT bytes FROM blob_contents WHERE sha256 = ?")
            .bind(hash.as_str())
            .fetch_optional(&self.pool)
            .await?;
        match bytes {
            Some(bytes) if BlobHash::of(&bytes) != *hash => Err(StoreError::Internal("Blob beschädigt")),
            other => Ok(other),
        }
    }

    /// The server holds the complete blob (its upload finished and the hash checked out).
    pub async fn mark_blob_acknowledged(&self, hash: &BlobHash, now: OffsetDateTime) -> Result<bool, StoreError> {
        let updated = sqlx::query("UPDATE blobs SET acknowledged_at = ? WHERE sha256 = ? AND acknowledged_at IS NULL")
            .bind(to_ms(now))
            .bind(hash.as_str())
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(updated == 1)
    }

    /// [`DeskStore::mark_blob_acknowledged`] for several blobs in one transaction (one disk sync).
    pub async fn mark_blobs_acknowledged(&self, hashes: &[BlobHash], now: OffsetDateTime) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut updated = 0;
        for hash in hashes {
            updated += sqlx::query("UPDATE blobs SET acknowledged_at = ? WHERE sha256 = ? AND acknowledged_at IS NULL")
                .bind(to_ms(now))
                .bind(hash.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(updated)
    }

    /// Forgets that the server holds any blob here (it said it lacks one it had confirmed): the uploader asks it
    /// again about each. Returns how many were marked.
    pub async fn forget_blob_acknowledgements(&self) -> Result<u64, StoreError> {
        let updated = sqlx::query("UPDATE blobs SET acknowledged_at = NULL WHERE acknowledged_at IS NOT NULL")
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(updated)
    }

    /// Blobs the server does not have yet, oldest first: the uploader's work list.
    pub async fn unacknowledged_blobs(&self) -> Result<Vec<BlobHash>, StoreError> {
        let hashes: Vec<String> =
            sqlx::query_scalar("SELECT sha256 FROM blobs WHERE acknowledged_at IS NULL ORDER BY created_at, sha256")
                .fetch_all(&self.pool)
                .await?;
        Ok(hashes.into_iter().map(BlobHash).collect())
    }

    /// Deletes personal data the server has acknowledged at least `grace` before `now`: records whose last
    /// mutation was applied/replayed, those settled mutations (their payloads), blobs the server holds that no
    /// remaining record refers to, and finished jobs. Never touches anything unacknowledged: pending or
    /// rejected mutations, records written without or after an acknowledged mutation, blobs not yet uploaded.
    /// Deleted pages are overwritten (`secure_delete`) and the WAL is checkpointed afterwards.
    pub async fn purge_acknowledged(&self, now: OffsetDateTime, grace: Duration) -> Result<PurgeReport, StoreError> {
        let cutoff = to_ms(now).saturating_sub(duration_ms(grace));
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let records = sqlx::query(
            "DELETE FROM records WHERE acknowledged_at IS NOT NULL AND acknowledged_at <= ? AND pending_seq IS NOT NULL",
        )
        .bind(cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        const PURGEABLE_BLOBS: &str = "acknowledged_at IS NOT NULL AND acknowledged_at <= ? \
             AND NOT EXISTS (SELECT 1 FROM record_blobs rb WHERE rb.sha256 = blobs.sha256)";
        // The bytes first (the foreign key would cascade, but the purge does not lean on it).
        sqlx::query(&format!(
            "DELETE FROM blob_contents WHERE sha256 IN (SELECT sha256 FROM blobs WHERE {PURGEABLE_BLOBS})"
        ))
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
        let blobs = sqlx::query(&format!("DELETE FROM blobs WHERE {PURGEABLE_BLOBS}"))
            .bind(cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let mutations = sqlx::query(
            "DELETE FROM mutations WHERE state IN ('applied', 'replayed') AND settled_at IS NOT NULL AND settled_at <= ?",
        )
        .bind(cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let jobs =
            sqlx::query("DELETE FROM jobs WHERE state = 'done' AND finished_at IS NOT NULL AND finished_at <= ?")
                .bind(cutoff)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        tx.commit().await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        Ok(PurgeReport { records, blobs, mutations, jobs })
    }
}
