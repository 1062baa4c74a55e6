//! SQL of `POST /v1/sync/push`: the device row (lock, binding, `last_seq`), the stored result of
//! each mutation, and what the mutation kinds write. Every function runs on the push's
//! transaction, so a mutation's effect, its result and `last_seq` commit together or not at all.

use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use super::Db;
use crate::CentralError;

/// The device row as the push that locked it sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceState {
    pub last_seq: i64,
    /// The desk certificate the device is bound to.
    pub desk_fingerprint: Option<String>,
}

/// Locks the device's row for the rest of the transaction, creating it (bound to
/// `desk_fingerprint`) on the device's first push. Must be the transaction's first statement:
/// a write, so SQLite takes its write lock at once (a deferred transaction that read first could
/// not upgrade once another push committed), and on PostgreSQL the row lock makes concurrent
/// pushes of one device wait here and then see the committed `last_seq`.
pub async fn lock_device(
    connection: &mut AnyConnection,
    device_id: &str,
    desk_fingerprint: Option<&str>,
    now: i64,
) -> Result<DeviceState, CentralError> {
    sqlx::query(
        "INSERT INTO sync_devices (device_id, desk_fingerprint, last_seq, created_at, updated_at) \
         VALUES ($1, $2, 0, $3, $3) ON CONFLICT (device_id) DO NOTHING",
    )
    .bind(device_id)
    .bind(desk_fingerprint)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    let row = sqlx::query(
        "UPDATE sync_devices SET updated_at = $2 WHERE device_id = $1 RETURNING last_seq, desk_fingerprint",
    )
    .bind(device_id)
    .bind(now)
    .fetch_one(&mut *connection)
    .await?;
    Ok(DeviceState { last_seq: row.try_get("last_seq")?, desk_fingerprint: row.try_get("desk_fingerprint")? })
}

pub async fn set_last_seq(connection: &mut AnyConnection, device_id: &str, last_seq: i64) -> Result<(), CentralError> {
    sqlx::query("UPDATE sync_devices SET last_seq = $2 WHERE device_id = $1")
        .bind(device_id)
        .bind(last_seq)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// What the central answered to a mutation, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResult {
    pub mutation_id: String,
    /// `applied` or `rejected`.
    pub status: String,
    /// JSON text.
    pub response: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

pub async fn stored_result(
    connection: &mut AnyConnection,
    device_id: &str,
    seq: i64,
) -> Result<Option<StoredResult>, CentralError> {
    let row = sqlx::query(
        "SELECT mutation_id, status, response, error_code, error_message FROM sync_mutations \
         WHERE device_id = $1 AND seq = $2",
    )
    .bind(device_id)
    .bind(seq)
    .fetch_optional(&mut *connection)
    .await?;
    row.map(|row| {
        Ok(StoredResult {
            mutation_id: row.try_get("mutation_id")?,
            status: row.try_get("status")?,
            response: row.try_get("response")?,
            error_code: row.try_get("error_code")?,
            error_message: row.try_get("error_message")?,
        })
    })
    .transpose()
}

/// Whether a mutation with this id has been stored (by any device, under any seq).
pub async fn mutation_id_taken(connection: &mut AnyConnection, mutation_id: Uuid) -> Result<bool, CentralError> {
    let row = sqlx::query("SELECT 1 AS taken FROM sync_mutations WHERE mutation_id = $1")
        .bind(mutation_id.to_string())
        .fetch_optional(&mut *connection)
        .await?;
    Ok(row.is_some())
}

/// A mutation and what it was answered, for the record.
pub struct NewMutationRecord<'a> {
    pub device_id: &'a str,
    pub seq: i64,
    pub mutation_id: Uuid,
    pub kind: &'a str,
    /// Who made the change; `pushed_by`: whose session sent it.
    pub clerk_id: Uuid,
    pub pushed_by: Uuid,
    pub result: &'a StoredResult,
    pub occurred_at: i64,
    pub received_at: i64,
}

pub async fn store_result(connection: &mut AnyConnection, record: &NewMutationRecord<'_>) -> Result<(), CentralError> {
    sqlx::query(
        "INSERT INTO sync_mutations (device_id, seq, mutation_id, kind, clerk_id, status, response, error_code, \
           error_message, occurred_at, received_at, pushed_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(record.device_id)
    .bind(record.seq)
    .bind(record.mutation_id.to_string())
    .bind(record.kind)
    .bind(record.clerk_id.to_string())
    .bind(&record.result.status)
    .bind(record.result.response.as_deref())
    .bind(record.result.error_code.as_deref())
    .bind(record.result.error_message.as_deref())
    .bind(record.occurred_at)
    .bind(record.received_at)
    .bind(record.pushed_by.to_string())
    .execute(&mut *connection)
    .await
    .map_err(|error| match &error {
        // Another device's push stored the same mutation id between our check and this insert.
        sqlx::Error::Database(database) if database.is_unique_violation() => {
            CentralError::InvalidSyncRequest(crate::sync::ID_REUSED)
        }
        _ => error.into(),
    })?;
    Ok(())
}

/// A photo a clerk accepted (mutation `photo.accept`).
pub struct AcceptedPhotoRecord<'a> {
    pub mutation_id: Uuid,
    pub photo_id: Uuid,
    pub visit_id: Uuid,
    pub photo_sha256: &'a str,
    pub media_type: &'a str,
    pub override_failed_checks: bool,
    pub clerk_id: Uuid,
    pub desk_fingerprint: Option<&'a str>,
    pub occurred_at: i64,
    pub received_at: i64,
}

pub async fn insert_accepted_photo(
    connection: &mut AnyConnection,
    photo: &AcceptedPhotoRecord<'_>,
) -> Result<(), CentralError> {
    sqlx::query(
        "INSERT INTO accepted_photos (mutation_id, photo_id, visit_id, photo_sha256, media_type, \
           override_failed_checks, clerk_id, desk_fingerprint, occurred_at, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(photo.mutation_id.to_string())
    .bind(photo.photo_id.to_string())
    .bind(photo.visit_id.to_string())
    .bind(photo.photo_sha256)
    .bind(photo.media_type)
    .bind(photo.override_failed_checks)
    .bind(photo.clerk_id.to_string())
    .bind(photo.desk_fingerprint)
    .bind(photo.occurred_at)
    .bind(photo.received_at)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

impl Db {
    /// The device's state, `None` before its first push (tests and operators).
    pub async fn sync_device(&self, device_id: &str) -> Result<Option<DeviceState>, CentralError> {
        let row = sqlx::query("SELECT last_seq, desk_fingerprint FROM sync_devices WHERE device_id = $1")
            .bind(device_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(DeviceState { last_seq: row.try_get("last_seq")?, desk_fingerprint: row.try_get("desk_fingerprint")? })
        })
        .transpose()
    }

    /// The accepted photos as `(photo_id, photo_sha256, override_failed_checks)`, by mutation id.
    pub async fn accepted_photos(&self) -> Result<Vec<(String, String, bool)>, CentralError> {
        let rows = sqlx::query(
            "SELECT photo_id, photo_sha256, CASE WHEN override_failed_checks THEN 1 ELSE 0 END AS override_failed \
             FROM accepted_photos ORDER BY mutation_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("photo_id")?,
                    row.try_get("photo_sha256")?,
                    row.try_get::<i64, _>("override_failed")? != 0,
                ))
            })
            .collect()
    }

    /// A transaction on this database (the sync flows hand it to the functions above).
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, CentralError> {
        Ok(self.pool.begin().await?)
    }
}
