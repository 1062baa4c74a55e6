//! SQL of the content-addressed blobs (`HEAD`/`PATCH /v1/blobs/{sha256}`): one row per blob with
//! its length and offset, one row per uploaded part.

use sqlx::{AnyConnection, Row};

use super::Db;
use crate::CentralError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobState {
    pub upload_length: i64,
    pub upload_offset: i64,
    /// All bytes are there and their SHA-256 matched.
    pub complete: bool,
}

fn state_from_row(row: &sqlx::any::AnyRow) -> Result<BlobState, CentralError> {
    Ok(BlobState {
        upload_length: row.try_get("upload_length")?,
        upload_offset: row.try_get("upload_offset")?,
        complete: row.try_get::<i64, _>("complete")? != 0,
    })
}

const STATE_COLUMNS: &str = "upload_length, upload_offset, CASE WHEN complete THEN 1 ELSE 0 END AS complete";

/// Starts the blob if it is new (a write, so SQLite takes its write lock at once).
pub async fn start(connection: &mut AnyConnection, sha256: &str, length: i64, now: i64) -> Result<(), CentralError> {
    sqlx::query(
        "INSERT INTO blobs (sha256, upload_length, upload_offset, complete, created_at) VALUES ($1, $2, 0, FALSE, $3) \
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha256)
    .bind(length)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Locks the blob's row for the rest of the transaction (a no-op update: a write on SQLite, a
/// row lock on PostgreSQL), so parallel uploads of the same blob take turns and each sees the
/// offset the one before it committed. `None` if the blob was never started.
pub async fn lock(connection: &mut AnyConnection, sha256: &str) -> Result<Option<BlobState>, CentralError> {
    let row = sqlx::query(&format!(
        "UPDATE blobs SET upload_offset = upload_offset WHERE sha256 = $1 RETURNING {STATE_COLUMNS}"
    ))
    .bind(sha256)
    .fetch_optional(&mut *connection)
    .await?;
    row.as_ref().map(state_from_row).transpose()
}

pub async fn append_chunk(
    connection: &mut AnyConnection,
    sha256: &str,
    start_offset: i64,
    bytes: &[u8],
) -> Result<(), CentralError> {
    sqlx::query("INSERT INTO blob_chunks (sha256, start_offset, bytes) VALUES ($1, $2, $3)")
        .bind(sha256)
        .bind(start_offset)
        .bind(bytes.to_vec())
        .execute(&mut *connection)
        .await?;
    sqlx::query("UPDATE blobs SET upload_offset = $2 WHERE sha256 = $1")
        .bind(sha256)
        .bind(start_offset + bytes.len() as i64)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// The part that starts at `start_offset`, `None` past the end.
pub async fn chunk_at(
    connection: &mut AnyConnection,
    sha256: &str,
    start_offset: i64,
) -> Result<Option<Vec<u8>>, CentralError> {
    let row = sqlx::query("SELECT bytes FROM blob_chunks WHERE sha256 = $1 AND start_offset = $2")
        .bind(sha256)
        .bind(start_offset)
        .fetch_optional(&mut *connection)
        .await?;
    Ok(row.map(|row| row.try_get("bytes")).transpose()?)
}

pub async fn mark_complete(connection: &mut AnyConnection, sha256: &str, now: i64) -> Result<(), CentralError> {
    sqlx::query("UPDATE blobs SET complete = TRUE, completed_at = $2 WHERE sha256 = $1")
        .bind(sha256)
        .bind(now)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Forgets a blob and its parts (its bytes did not match its hash).
pub async fn discard(connection: &mut AnyConnection, sha256: &str) -> Result<(), CentralError> {
    sqlx::query("DELETE FROM blob_chunks WHERE sha256 = $1").bind(sha256).execute(&mut *connection).await?;
    sqlx::query("DELETE FROM blobs WHERE sha256 = $1").bind(sha256).execute(&mut *connection).await?;
    Ok(())
}

pub async fn is_complete(connection: &mut AnyConnection, sha256: &str) -> Result<bool, CentralError> {
    let row = sqlx::query("SELECT 1 AS present FROM blobs WHERE sha256 = $1 AND complete = TRUE")
        .bind(sha256)
        .fetch_optional(&mut *connection)
        .await?;
    Ok(row.is_some())
}

impl Db {
    /// Discards uploads started before `started_before` and never completed: a desk that gave
    /// up (or was wiped) would otherwise leave its parts here for good. Returns how many.
    pub async fn purge_abandoned_blobs(&self, started_before: i64) -> Result<u64, CentralError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM blob_chunks WHERE sha256 IN \
               (SELECT sha256 FROM blobs WHERE complete = FALSE AND created_at < $1)",
        )
        .bind(started_before)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM blobs WHERE complete = FALSE AND created_at < $1")
            .bind(started_before)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    pub async fn blob_state(&self, sha256: &str) -> Result<Option<BlobState>, CentralError> {
        let row = sqlx::query(&format!("SELECT {STATE_COLUMNS} FROM blobs WHERE sha256 = $1"))
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(state_from_row).transpose()
    }

    /// A complete blob's bytes, `None` unless complete (tests; later the application that uses it).
    pub async fn blob_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>, CentralError> {
        let mut connection = self.pool.acquire().await?;
        if !is_complete(&mut connection, sha256).await? {
            return Ok(None);
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = chunk_at(&mut connection, sha256, bytes.len() as i64).await? {
            if chunk.is_empty() {
                break;
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Some(bytes))
    }
}
