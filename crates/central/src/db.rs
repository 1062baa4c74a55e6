//! All SQL of the central API, on SQLite or PostgreSQL (sqlx `Any`, chosen by the URL). Queries
//! are written in the subset both share (see `schalter_server_kit::database` for the rules:
//! `$n` placeholders, binds of `i64`/`bool`/text/bytes only, flags read through `CASE`).

pub mod applications;
pub mod appointments;
pub mod blobs;
pub mod box_session;
pub mod certificates;
pub mod desks;
pub mod feed;
pub mod ops;
pub mod pickup;
pub mod producer;
pub mod queue;
pub mod sms;
pub mod sync;

use schalter_domain::{DisplayName, OfficeId, Role, Username};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};
use uuid::Uuid;

pub use schalter_server_kit::database::Backend;

use crate::CentralError;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

#[derive(Debug, Clone)]
pub struct OfficeRecord {
    pub id: String,
    pub name: String,
}

#[derive(Clone)]
pub struct ClerkRecord {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub office: OfficeRecord,
    pub password_hash: String,
    pub active: bool,
}

impl ClerkRecord {
    /// Names the clerk's rights as they are: password, role and office. A session carries the
    /// stamp of its login and is good only while the clerk's stamp is still the same.
    pub fn rights_stamp(&self) -> String {
        let rights = format!("{}\n{}\n{}", self.password_hash, self.role.as_str(), self.office.id);
        schalter_server_kit::peer::hex_sha256(rights.as_bytes())
    }
}

impl std::fmt::Debug for ClerkRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClerkRecord").field("id", &self.id).field("role", &self.role).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub clerk_id: Uuid,
    pub created_at: i64,
    pub expires_at: i64,
    pub absolute_expires_at: i64,
    /// SHA-256 (hex) of the client certificate of the desk that opened the session.
    pub desk_fingerprint: Option<String>,
    /// The clerk's rights when the session opened ([`ClerkRecord::rights_stamp`]).
    pub clerk_stamp: Option<String>,
}

/// A clerk account as City IT or the demo creates it.
pub struct NewClerk {
    pub username: Username,
    pub display_name: DisplayName,
    pub role: Role,
    pub office: OfficeId,
    pub password_hash: String,
}

const CLERK_COLUMNS: &str = "c.id, c.username, c.display_name, c.role, c.office_id, o.name AS office_name, \
     c.password_hash, CASE WHEN c.active THEN 1 ELSE 0 END AS active";

impl Db {
    /// Opens the database at `url`: `sqlite:///var/lib/schalter/central.db` (created if
    /// missing), `sqlite::memory:`, or `postgres://user@host/db` (the database must exist).
    pub async fn connect(url: &str) -> Result<Self, CentralError> {
        let (pool, backend) = schalter_server_kit::database::connect(url).await?;
        Ok(Self { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool: every later query fails at once (`/health` then answers 503).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn migrate(&self) -> Result<(), CentralError> {
        MIGRATOR.run(&self.pool).await?;
        self.feed_clerks_from_before_the_feed().await
    }

    /// Puts clerks created before the change feed existed (migration 0004) into it once, so a
    /// desk pulling from the start learns every account. One transaction behind the feed's
    /// counter lock, so instances starting together do not both add them.
    async fn feed_clerks_from_before_the_feed(&self) -> Result<(), CentralError> {
        let mut tx = self.pool.begin().await?;
        feed::lock(&mut tx).await?;
        let missing = sqlx::query(
            "SELECT id FROM clerks WHERE id NOT IN (SELECT entity_id FROM sync_changes WHERE entity = $1) \
             ORDER BY created_at, id",
        )
        .bind(schalter_wire::sync::entities::CLERK)
        .fetch_all(&mut *tx)
        .await?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        for row in &missing {
            record_clerk_change(&mut tx, parse_uuid(row.try_get("id")?)?, now).await?;
        }
        tx.commit().await?;
        if !missing.is_empty() {
            tracing::info!(clerks = missing.len(), "clerks added to the change feed");
        }
        Ok(())
    }

    pub async fn upsert_office(&self, id: &OfficeId, name: &str, address: &str) -> Result<(), CentralError> {
        sqlx::query(
            "INSERT INTO offices (id, name, address) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address",
        )
        .bind(id.as_str())
        .bind(name)
        .bind(address)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn office_exists(&self, id: &OfficeId) -> Result<bool, CentralError> {
        let row =
            sqlx::query("SELECT 1 FROM offices WHERE id = $1").bind(id.as_str()).fetch_optional(&self.pool).await?;
        Ok(row.is_some())
    }

    /// Creates the clerk, or replaces name, role, office and password of an existing one
    /// with the same username (and lifts any lock on the name). A change of password, role,
    /// office or active flag ends the clerk's sessions: they were opened under the old rights.
    /// Returns the clerk's id.
    pub async fn upsert_clerk(&self, clerk: &NewClerk, now: i64) -> Result<Uuid, CentralError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM sessions WHERE clerk_id IN (SELECT id FROM clerks WHERE username = $1 \
               AND (password_hash <> $2 OR role <> $3 OR office_id <> $4 OR NOT active))",
        )
        .bind(clerk.username.as_str())
        .bind(&clerk.password_hash)
        .bind(clerk.role.as_str())
        .bind(clerk.office.as_str())
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(
            "INSERT INTO clerks (id, username, display_name, role, office_id, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, role = excluded.role, \
               office_id = excluded.office_id, password_hash = excluded.password_hash, active = TRUE \
             RETURNING id",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(clerk.username.as_str())
        .bind(clerk.display_name.as_str())
        .bind(clerk.role.as_str())
        .bind(clerk.office.as_str())
        .bind(&clerk.password_hash)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
            .bind(crate::auth::user_throttle_key(clerk.username.as_str()))
            .execute(&mut *tx)
            .await?;
        let id = parse_uuid(row.try_get("id")?)?;
        // In the same transaction, so the feed holds exactly the changes that happened.
        record_clerk_change(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Deactivates the clerk and ends all of its sessions. Returns its id, `None` if unknown.
    pub async fn deactivate_clerk(&self, username: &Username) -> Result<Option<Uuid>, CentralError> {
        self.deactivate_clerk_at(username, time::OffsetDateTime::now_utc().unix_timestamp()).await
    }

    /// [`Self::deactivate_clerk`] at `now` (the time of its change-feed entry).
    pub async fn deactivate_clerk_at(&self, username: &Username, now: i64) -> Result<Option<Uuid>, CentralError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("UPDATE clerks SET active = FALSE WHERE username = $1 RETURNING id")
            .bind(username.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let id: String = row.try_get("id")?;
        sqlx::query("DELETE FROM sessions WHERE clerk_id = $1").bind(&id).execute(&mut *tx).await?;
        let id = parse_uuid(id)?;
        record_clerk_change(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Counts one more login attempt under `key` and returns the attempt's number, in one
    /// statement, so concurrent attempts each get their own number and none can act on a stale
    /// count. When `resets_at` has passed, counting starts again at 1. `resets_at` is set to
    /// `new_resets_at` by the attempt whose number reaches `set_reset_from` (the lock of a
    /// user name starts with the attempt that reaches the limit; a desk's window with its first).
    pub async fn reserve_login_attempt(
        &self,
        key: &str,
        now: i64,
        set_reset_from: i64,
        new_resets_at: i64,
    ) -> Result<i64, CentralError> {
        let row = sqlx::query(
            "INSERT INTO login_throttle (throttle_key, attempts, resets_at) \
             VALUES ($1, 1, CASE WHEN 1 >= $3 THEN $4 ELSE NULL END) \
             ON CONFLICT (throttle_key) DO UPDATE SET \
               attempts = CASE WHEN login_throttle.resets_at <= $2 THEN 1 ELSE login_throttle.attempts + 1 END, \
               resets_at = CASE \
                 WHEN login_throttle.resets_at <= $2 THEN (CASE WHEN 1 >= $3 THEN $4 ELSE NULL END) \
                 WHEN login_throttle.resets_at IS NOT NULL THEN login_throttle.resets_at \
                 WHEN login_throttle.attempts + 1 >= $3 THEN $4 \
                 ELSE NULL END \
             RETURNING attempts",
        )
        .bind(key)
        .bind(now)
        .bind(set_reset_from)
        .bind(new_resets_at)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("attempts")?)
    }

    /// Forgets the attempts under `key` (a successful login of that name).
    pub async fn clear_login_attempts(&self, key: &str) -> Result<(), CentralError> {
        sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }

    /// Gives back one reserved attempt under `key`: it succeeded, so it was no failure.
    pub async fn release_login_attempt(&self, key: &str) -> Result<(), CentralError> {
        sqlx::query("UPDATE login_throttle SET attempts = attempts - 1 WHERE throttle_key = $1 AND attempts > 0")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn find_clerk_by_username(&self, username: &Username) -> Result<Option<ClerkRecord>, CentralError> {
        let sql =
            format!("SELECT {CLERK_COLUMNS} FROM clerks c JOIN offices o ON o.id = c.office_id WHERE c.username = $1");
        let row = sqlx::query(&sql).bind(username.as_str()).fetch_optional(&self.pool).await?;
        row.map(|row| clerk_from_row(&row)).transpose()
    }

    pub async fn find_clerk_by_id(&self, id: Uuid) -> Result<Option<ClerkRecord>, CentralError> {
        let mut connection = self.pool.acquire().await?;
        find_clerk_by_id_in(&mut connection, id).await
    }

    pub async fn insert_session(&self, token_hash: &str, session: &SessionRecord) -> Result<(), CentralError> {
        sqlx::query(
            "INSERT INTO sessions \
               (token_hash, clerk_id, created_at, last_used_at, expires_at, absolute_expires_at, desk_fingerprint, \
                clerk_stamp) \
             VALUES ($1, $2, $3, $3, $4, $5, $6, $7)",
        )
        .bind(token_hash)
        .bind(session.clerk_id.to_string())
        .bind(session.created_at)
        .bind(session.expires_at)
        .bind(session.absolute_expires_at)
        .bind(session.desk_fingerprint.as_deref())
        .bind(session.clerk_stamp.as_deref())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn find_session(&self, token_hash: &str) -> Result<Option<SessionRecord>, CentralError> {
        let row = sqlx::query(
            "SELECT clerk_id, created_at, expires_at, absolute_expires_at, desk_fingerprint, clerk_stamp \
             FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(SessionRecord {
                clerk_id: parse_uuid(row.try_get("clerk_id")?)?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
                absolute_expires_at: row.try_get("absolute_expires_at")?,
                desk_fingerprint: row.try_get("desk_fingerprint")?,
                clerk_stamp: row.try_get("clerk_stamp")?,
            })
        })
        .transpose()
    }

    pub async fn touch_session(&self, token_hash: &str, used_at: i64, expires_at: i64) -> Result<(), CentralError> {
        sqlx::query("UPDATE sessions SET last_used_at = $1, expires_at = $2 WHERE token_hash = $3")
            .bind(used_at)
            .bind(expires_at)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<bool, CentralError> {
        let done =
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes login counters whose lock or window has lapsed: they would start again at 1
    /// anyway, and unknown names sprayed by a desk must not pile up.
    pub async fn purge_lapsed_login_throttles(&self, now: i64) -> Result<u64, CentralError> {
        let done =
            sqlx::query("DELETE FROM login_throttle WHERE resets_at <= $1").bind(now).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }

    /// How many sessions the clerk has open (for tests and operators).
    pub async fn session_count(&self, clerk_id: Uuid) -> Result<i64, CentralError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE clerk_id = $1")
            .bind(clerk_id.to_string())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Removes sessions that can no longer be used.
    pub async fn purge_expired_sessions(&self, now: i64) -> Result<u64, CentralError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }

    pub async fn audit(
        &self,
        at: i64,
        clerk_id: Option<Uuid>,
        action: &str,
        subject: Option<&str>,
    ) -> Result<(), CentralError> {
        self.audit_at_desk(at, clerk_id, None, action, subject).await
    }

    /// An audit row that also names the desk (its certificate, see `ClientCertificate::label`).
    pub async fn audit_at_desk(
        &self,
        at: i64,
        clerk_id: Option<Uuid>,
        desk: Option<&str>,
        action: &str,
        subject: Option<&str>,
    ) -> Result<(), CentralError> {
        let mut connection = self.pool.acquire().await?;
        let entry = AuditEntry { at, occurred_at: None, clerk_id, desk, action, subject };
        insert_audit(&mut connection, &entry).await
    }

    /// How many rows `table` has (tests and operators; `table` is never user input).
    pub async fn count_rows(&self, table: &str) -> Result<i64, CentralError> {
        let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}")).fetch_one(&self.pool).await?;
        Ok(row.try_get("n")?)
    }

    /// The audit trail with the desk and subject of each row, oldest first.
    pub async fn audit_rows(&self) -> Result<Vec<AuditRow>, CentralError> {
        let rows = sqlx::query("SELECT clerk_id, desk, action, subject FROM audit_events ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditRow {
                    clerk_id: row.try_get("clerk_id")?,
                    desk: row.try_get("desk")?,
                    action: row.try_get("action")?,
                    subject: row.try_get("subject")?,
                })
            })
            .collect()
    }

    /// The audit trail, oldest first, as `(clerk_id, action)` pairs.
    pub async fn audit_trail(&self) -> Result<Vec<(Option<String>, String)>, CentralError> {
        let rows = sqlx::query("SELECT clerk_id, action FROM audit_events ORDER BY id").fetch_all(&self.pool).await?;
        rows.iter().map(|row| Ok((row.try_get("clerk_id")?, row.try_get("action")?))).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub clerk_id: Option<String>,
    pub desk: Option<String>,
    pub action: String,
    pub subject: Option<String>,
}

fn parse_uuid(raw: String) -> Result<Uuid, CentralError> {
    Uuid::parse_str(&raw).map_err(|_| CentralError::Internal("malformed uuid in database".into()))
}

/// One audit row. `at` is the server's clock; `occurred_at` the desk's, for what a desk did
/// offline and reported later through the sync outbox.
pub struct AuditEntry<'a> {
    pub at: i64,
    pub occurred_at: Option<i64>,
    pub clerk_id: Option<Uuid>,
    pub desk: Option<&'a str>,
    pub action: &'a str,
    pub subject: Option<&'a str>,
}

/// Writes an audit row on `connection` (a pool connection or an open transaction).
pub async fn insert_audit(connection: &mut AnyConnection, entry: &AuditEntry<'_>) -> Result<(), CentralError> {
    sqlx::query(
        "INSERT INTO audit_events (id, at, occurred_at, clerk_id, desk, action, subject) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(entry.at)
    .bind(entry.occurred_at)
    .bind(entry.clerk_id.map(|id| id.to_string()))
    .bind(entry.desk)
    .bind(entry.action)
    .bind(entry.subject)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

async fn find_clerk_by_id_in(connection: &mut AnyConnection, id: Uuid) -> Result<Option<ClerkRecord>, CentralError> {
    let sql = format!("SELECT {CLERK_COLUMNS} FROM clerks c JOIN offices o ON o.id = c.office_id WHERE c.id = $1");
    let row = sqlx::query(&sql).bind(id.to_string()).fetch_optional(&mut *connection).await?;
    row.map(|row| clerk_from_row(&row)).transpose()
}

/// Puts the clerk's new state (never its password hash) into the change feed.
async fn record_clerk_change(connection: &mut AnyConnection, id: Uuid, now: i64) -> Result<(), CentralError> {
    let clerk = find_clerk_by_id_in(connection, id)
        .await?
        .ok_or_else(|| CentralError::Internal("changed clerk vanished".into()))?;
    let change = schalter_wire::sync::ClerkChange {
        active: clerk.active,
        clerk: schalter_wire::Clerk {
            id: clerk.id,
            username: clerk.username,
            display_name: clerk.display_name,
            role: clerk.role,
            office: schalter_wire::Office { id: clerk.office.id, name: clerk.office.name },
        },
    };
    let data = serde_json::to_value(&change).map_err(|e| CentralError::Internal(format!("clerk change: {e}")))?;
    feed::append(connection, schalter_wire::sync::entities::CLERK, &id.to_string(), Some(&data), now).await?;
    Ok(())
}

fn clerk_from_row(row: &AnyRow) -> Result<ClerkRecord, CentralError> {
    let role: String = row.try_get("role")?;
    Ok(ClerkRecord {
        id: parse_uuid(row.try_get("id")?)?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&role).map_err(|_| CentralError::Internal("unknown role in database".into()))?,
        office: OfficeRecord { id: row.try_get("office_id")?, name: row.try_get("office_name")? },
        password_hash: row.try_get("password_hash")?,
        active: row.try_get::<i64, _>("active")? != 0,
    })
}
