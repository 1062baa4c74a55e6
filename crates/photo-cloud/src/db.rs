//! All SQL of the photo cloud, in the subset SQLite and PostgreSQL share.

use sqlx::{Row, SqlitePool};
use uuid::Uuid;

use crate::CloudError;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

const CLOUD_SERVICE_ID: &str = "cloud_service_id";

#[derive(Clone, Debug)]
pub struct Db {
    pool: SqlitePool,
}

/// A stored photo as an authority receives it. `Debug` shows no bytes.
pub struct StoredPhoto {
    pub ciphertext: Vec<u8>,
    pub user_identifier: String,
}

impl std::fmt::Debug for StoredPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredPhoto").field("ciphertext_len", &self.ciphertext.len()).finish_non_exhaustive()
    }
}

/// A new photo row.
pub struct NewPhoto<'a> {
    pub id: Uuid,
    pub ciphertext: &'a [u8],
    pub user_identifier: &'a str,
    pub uploaded_at: i64,
    pub expires_at: i64,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: i64,
    pub actor: String,
    pub client_cert_sha256: Option<String>,
    pub action: String,
    pub photo_id: Option<Uuid>,
}

/// What the database knows about a photo, bytes left out; for tests and operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoState {
    pub has_ciphertext: bool,
    pub uploaded_at: i64,
    pub expires_at: i64,
    pub keep_until: Option<String>,
    pub deleted_at: Option<i64>,
}

impl Db {
    /// Opens (and creates, if missing) the database at `url`, e.g.
    /// `sqlite:///var/lib/schalter/photo-cloud.db` or `sqlite::memory:`.
    pub async fn connect(url: &str) -> Result<Self, CloudError> {
        // Freed pages (deleted ciphertexts) are overwritten with zeros, not left in the file.
        let pool = schalter_server_kit::sqlite::connect(url, |options| options.pragma("secure_delete", "ON")).await?;
        Ok(Self { pool })
    }

    pub async fn migrate(&self) -> Result<(), CloudError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// The cloud-service UUID (first part of every Nutzerkennung), made once and kept.
    pub async fn cloud_service_id(&self) -> Result<Uuid, CloudError> {
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(CLOUD_SERVICE_ID)
            .bind(Uuid::new_v4().to_string())
            .execute(&self.pool)
            .await?;
        let row = sqlx::query("SELECT value FROM settings WHERE name = $1")
            .bind(CLOUD_SERVICE_ID)
            .fetch_one(&self.pool)
            .await?;
        parse_uuid(row.try_get("value")?)
    }

    /// The provider account (by certificate subject) and user (by certificate) of a studio
    /// client certificate, registered on first use. Returns `(account_id, user_id)`.
    pub async fn studio_identity(
        &self,
        subject_sha256: &str,
        cert_sha256: &str,
        now: i64,
    ) -> Result<(Uuid, Uuid), CloudError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO studio_accounts (subject_sha256, account_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (subject_sha256) DO NOTHING",
        )
        .bind(subject_sha256)
        .bind(Uuid::new_v4().to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let account: String = sqlx::query("SELECT account_id FROM studio_accounts WHERE subject_sha256 = $1")
            .bind(subject_sha256)
            .fetch_one(&mut *tx)
            .await?
            .try_get("account_id")?;
        sqlx::query(
            "INSERT INTO studio_users (cert_sha256, account_id, user_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (cert_sha256) DO NOTHING",
        )
        .bind(cert_sha256)
        .bind(&account)
        .bind(Uuid::new_v4().to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT account_id, user_id FROM studio_users WHERE cert_sha256 = $1")
            .bind(cert_sha256)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((parse_uuid(row.try_get("account_id")?)?, parse_uuid(row.try_get("user_id")?)?))
    }

    pub async fn insert_photo(&self, photo: &NewPhoto<'_>) -> Result<(), CloudError> {
        sqlx::query(
            "INSERT INTO photos (id, ciphertext, user_identifier, uploaded_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(photo.id.to_string())
        .bind(photo.ciphertext)
        .bind(photo.user_identifier)
        .bind(photo.uploaded_at)
        .bind(photo.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A photo that is neither deleted nor expired at `now`.
    pub async fn fetch_photo(&self, id: Uuid, now: i64) -> Result<Option<StoredPhoto>, CloudError> {
        let row = sqlx::query(
            "SELECT ciphertext, user_identifier FROM photos \
             WHERE id = $1 AND deleted_at IS NULL AND expires_at > $2 AND ciphertext IS NOT NULL",
        )
        .bind(id.to_string())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(StoredPhoto { ciphertext: row.try_get("ciphertext")?, user_identifier: row.try_get("user_identifier")? })
        })
        .transpose()
    }

    /// Deletes a live photo's bytes. False if it was unknown, deleted or expired.
    pub async fn delete_photo(&self, id: Uuid, now: i64) -> Result<bool, CloudError> {
        let done = sqlx::query(
            "UPDATE photos SET ciphertext = NULL, deleted_at = $2 \
             WHERE id = $1 AND deleted_at IS NULL AND expires_at > $2",
        )
        .bind(id.to_string())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Upload time of a live photo.
    pub async fn live_photo_uploaded_at(&self, id: Uuid, now: i64) -> Result<Option<i64>, CloudError> {
        let row =
            sqlx::query("SELECT uploaded_at FROM photos WHERE id = $1 AND deleted_at IS NULL AND expires_at > $2")
                .bind(id.to_string())
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| row.try_get("uploaded_at")).transpose().map_err(Into::into)
    }

    /// Records the retention date and the resulting expiry. False if the photo is gone.
    pub async fn set_retention(&self, id: Uuid, keep_until: &str, expires_at: i64) -> Result<bool, CloudError> {
        let done =
            sqlx::query("UPDATE photos SET keep_until = $2, expires_at = $3 WHERE id = $1 AND deleted_at IS NULL")
                .bind(id.to_string())
                .bind(keep_until)
                .bind(expires_at)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes the bytes of every photo expired at `now` and of any deleted photo that still
    /// has some; audits each expired photo as `purged`. Returns the ids purged.
    pub async fn purge(&self, now: i64) -> Result<Vec<Uuid>, CloudError> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query("SELECT id FROM photos WHERE deleted_at IS NULL AND expires_at <= $1")
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
        let ids = rows.iter().map(|row| parse_uuid(row.try_get("id")?)).collect::<Result<Vec<_>, _>>()?;
        sqlx::query(
            "UPDATE photos SET ciphertext = NULL, deleted_at = $1 WHERE deleted_at IS NULL AND expires_at <= $1",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE photos SET ciphertext = NULL WHERE deleted_at IS NOT NULL AND ciphertext IS NOT NULL")
            .execute(&mut *tx)
            .await?;
        for id in &ids {
            insert_audit(&mut *tx, now, "system", None, "purged", Some(*id)).await?;
        }
        tx.commit().await?;
        Ok(ids)
    }

    pub async fn audit(
        &self,
        at: i64,
        actor: &str,
        client_cert_sha256: Option<&str>,
        action: &str,
        photo_id: Option<Uuid>,
    ) -> Result<(), CloudError> {
        insert_audit(&self.pool, at, actor, client_cert_sha256, action, photo_id).await
    }

    /// The audit trail, oldest first.
    pub async fn audit_trail(&self) -> Result<Vec<AuditEvent>, CloudError> {
        let rows = sqlx::query("SELECT at, actor, client_cert_sha256, action, photo_id FROM audit_events ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let photo_id: Option<String> = row.try_get("photo_id")?;
                Ok(AuditEvent {
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    client_cert_sha256: row.try_get("client_cert_sha256")?,
                    action: row.try_get("action")?,
                    photo_id: photo_id.map(parse_uuid).transpose()?,
                })
            })
            .collect()
    }

    /// A photo's row without its bytes, whatever its state.
    pub async fn photo_state(&self, id: Uuid) -> Result<Option<PhotoState>, CloudError> {
        let row = sqlx::query(
            "SELECT ciphertext IS NOT NULL AS has_ciphertext, uploaded_at, expires_at, keep_until, deleted_at \
             FROM photos WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(PhotoState {
                has_ciphertext: row.try_get("has_ciphertext")?,
                uploaded_at: row.try_get("uploaded_at")?,
                expires_at: row.try_get("expires_at")?,
                keep_until: row.try_get("keep_until")?,
                deleted_at: row.try_get("deleted_at")?,
            })
        })
        .transpose()
    }
}

async fn insert_audit<'e, E>(
    executor: E,
    at: i64,
    actor: &str,
    client_cert_sha256: Option<&str>,
    action: &str,
    photo_id: Option<Uuid>,
) -> Result<(), CloudError>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    sqlx::query(
        "INSERT INTO audit_events (id, at, actor, client_cert_sha256, action, photo_id) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(at)
    .bind(actor)
    .bind(client_cert_sha256)
    .bind(action)
    .bind(photo_id.map(|id| id.to_string()))
    .execute(executor)
    .await?;
    Ok(())
}

fn parse_uuid(raw: String) -> Result<Uuid, CloudError> {
    Uuid::parse_str(&raw).map_err(|_| CloudError::Internal("malformed uuid in database".into()))
}
