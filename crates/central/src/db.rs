//! All SQL of the central API. Queries are written in the subset SQLite and PostgreSQL
//! share, so the PostgreSQL backend can reuse them.

use std::str::FromStr;
use std::time::Duration;

use schalter_domain::{DisplayName, OfficeId, Role, Username};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

use crate::CentralError;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone, Debug)]
pub struct Db {
    pool: SqlitePool,
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
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
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
     c.password_hash, c.active, c.failed_logins, c.locked_until";

impl Db {
    /// Opens (and creates, if missing) the database at `url`, e.g.
    /// `sqlite:///var/lib/schalter/central.db` or `sqlite::memory:`.
    pub async fn connect(url: &str) -> Result<Self, CentralError> {
        let in_memory = url.contains(":memory:");
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .journal_mode(if in_memory { SqliteJournalMode::Memory } else { SqliteJournalMode::Wal })
            .synchronous(SqliteSynchronous::Normal);
        // Every connection to ":memory:" is its own database: keep exactly one.
        let max_connections = if in_memory { 1 } else { 8 };
        let pool = SqlitePoolOptions::new().max_connections(max_connections).connect_with(options).await?;
        Ok(Self { pool })
    }

    pub async fn migrate(&self) -> Result<(), CentralError> {
        MIGRATOR.run(&self.pool).await?;
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
    /// with the same username (and lifts any lock). Returns the clerk's id.
    pub async fn upsert_clerk(&self, clerk: &NewClerk, now: i64) -> Result<Uuid, CentralError> {
        let id = Uuid::now_v7();
        let row = sqlx::query(
            "INSERT INTO clerks (id, username, display_name, role, office_id, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, role = excluded.role, \
               office_id = excluded.office_id, password_hash = excluded.password_hash, active = TRUE, \
               failed_logins = 0, locked_until = NULL \
             RETURNING id",
        )
        .bind(id.to_string())
        .bind(clerk.username.as_str())
        .bind(clerk.display_name.as_str())
        .bind(clerk.role.as_str())
        .bind(clerk.office.as_str())
        .bind(&clerk.password_hash)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        parse_uuid(row.try_get("id")?)
    }

    pub async fn find_clerk_by_username(&self, username: &Username) -> Result<Option<ClerkRecord>, CentralError> {
        let sql =
            format!("SELECT {CLERK_COLUMNS} FROM clerks c JOIN offices o ON o.id = c.office_id WHERE c.username = $1");
        let row = sqlx::query(&sql).bind(username.as_str()).fetch_optional(&self.pool).await?;
        row.map(|row| clerk_from_row(&row)).transpose()
    }

    pub async fn find_clerk_by_id(&self, id: Uuid) -> Result<Option<ClerkRecord>, CentralError> {
        let sql = format!("SELECT {CLERK_COLUMNS} FROM clerks c JOIN offices o ON o.id = c.office_id WHERE c.id = $1");
        let row = sqlx::query(&sql).bind(id.to_string()).fetch_optional(&self.pool).await?;
        row.map(|row| clerk_from_row(&row)).transpose()
    }

    pub async fn set_login_failures(
        &self,
        clerk_id: Uuid,
        failures: i64,
        locked_until: Option<i64>,
    ) -> Result<(), CentralError> {
        sqlx::query("UPDATE clerks SET failed_logins = $1, locked_until = $2 WHERE id = $3")
            .bind(failures)
            .bind(locked_until)
            .bind(clerk_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn insert_session(&self, token_hash: &str, session: &SessionRecord) -> Result<(), CentralError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, clerk_id, created_at, last_used_at, expires_at, absolute_expires_at) \
             VALUES ($1, $2, $3, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(session.clerk_id.to_string())
        .bind(session.created_at)
        .bind(session.expires_at)
        .bind(session.absolute_expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn find_session(&self, token_hash: &str) -> Result<Option<SessionRecord>, CentralError> {
        let row = sqlx::query(
            "SELECT clerk_id, created_at, expires_at, absolute_expires_at FROM sessions WHERE token_hash = $1",
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

    /// An audit row that also names the desk (its certificate, see `peer::PeerCertificate::label`).
    pub async fn audit_at_desk(
        &self,
        at: i64,
        clerk_id: Option<Uuid>,
        desk: Option<&str>,
        action: &str,
        subject: Option<&str>,
    ) -> Result<(), CentralError> {
        sqlx::query(
            "INSERT INTO audit_events (id, at, clerk_id, desk, action, subject) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(at)
        .bind(clerk_id.map(|id| id.to_string()))
        .bind(desk)
        .bind(action)
        .bind(subject)
        .execute(&self.pool)
        .await?;
        Ok(())
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

fn clerk_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<ClerkRecord, CentralError> {
    let role: String = row.try_get("role")?;
    Ok(ClerkRecord {
        id: parse_uuid(row.try_get("id")?)?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&role).map_err(|_| CentralError::Internal("unknown role in database".into()))?,
        office: OfficeRecord { id: row.try_get("office_id")?, name: row.try_get("office_name")? },
        password_hash: row.try_get("password_hash")?,
        active: row.try_get("active")?,
        failed_logins: row.try_get("failed_logins")?,
        locked_until: row.try_get("locked_until")?,
    })
}
