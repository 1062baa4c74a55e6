//! SQL of what the central knows per desk certificate: the key that opens the desk's store after
//! a successful login there (migration 0006), and which clerks have logged in there.

use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use super::Db;
use crate::CentralError;

impl Db {
    /// The desk's store key, made (from `new_key`) on the first call for this certificate. Two
    /// first logins at once both get the one that was stored first.
    pub async fn desk_store_key(
        &self,
        desk_fingerprint: &str,
        new_key: &str,
        now: i64,
    ) -> Result<String, CentralError> {
        sqlx::query(
            "INSERT INTO desk_store_keys (desk_fingerprint, store_key, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (desk_fingerprint) DO NOTHING",
        )
        .bind(desk_fingerprint)
        .bind(new_key)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query("SELECT store_key FROM desk_store_keys WHERE desk_fingerprint = $1")
            .bind(desk_fingerprint)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("store_key")?)
    }

    /// Records that `clerk_id` logged in online at the desk of this certificate.
    pub async fn record_desk_login(
        &self,
        desk_fingerprint: &str,
        clerk_id: Uuid,
        now: i64,
    ) -> Result<(), CentralError> {
        sqlx::query(
            "INSERT INTO desk_clerks (desk_fingerprint, clerk_id, first_login_at, last_login_at) \
             VALUES ($1, $2, $3, $3) \
             ON CONFLICT (desk_fingerprint, clerk_id) DO UPDATE SET last_login_at = excluded.last_login_at",
        )
        .bind(desk_fingerprint)
        .bind(clerk_id.to_string())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Whether `clerk_id` has ever logged in online at the desk of this certificate.
pub async fn clerk_logged_in_at(
    connection: &mut AnyConnection,
    desk_fingerprint: &str,
    clerk_id: Uuid,
) -> Result<bool, CentralError> {
    let row = sqlx::query("SELECT 1 AS known FROM desk_clerks WHERE desk_fingerprint = $1 AND clerk_id = $2")
        .bind(desk_fingerprint)
        .bind(clerk_id.to_string())
        .fetch_optional(&mut *connection)
        .await?;
    Ok(row.is_some())
}
