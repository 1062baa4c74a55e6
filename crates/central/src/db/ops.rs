//! SQL for operating the central: the health probe, the numbers `/metrics` shows, and the SQLite backup.
//! Only counts, states and device ids leave here: no names, numbers of citizens or payloads.

use std::path::Path;
use std::time::Duration;

use sqlx::Row;

use super::{Backend, Db};
use crate::CentralError;

/// One desk device's position in the change feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceLag {
    pub device_id: String,
    /// The cursor of its last pull (`None`: never pulled since migration 0017).
    pub last_pulled_cursor: Option<i64>,
    /// When it last pulled (`None`: never), seconds since the epoch.
    pub last_pulled_at: Option<i64>,
    /// When it last pushed, seconds since the epoch.
    pub last_pushed_at: i64,
}

/// What `/metrics` reports from the database, read at each scrape.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpsSnapshot {
    /// The feed's newest cursor.
    pub feed_head: i64,
    pub devices: Vec<DeviceLag>,
    /// SMS outbox rows per state (queued, sending, sent, failed).
    pub sms_by_state: Vec<(String, i64)>,
    /// Captured applications not in an order yet.
    pub waiting_for_order: i64,
    /// Ordered applications per status (sent, accepted, in production, …).
    pub ordered_by_status: Vec<(String, i64)>,
    /// Producer orders per state (prepared: not answered by the producer yet, sent, refused).
    pub orders_by_state: Vec<(String, i64)>,
}

impl Db {
    /// Whether the database answers a `SELECT 1` within `timeout` (a lost connection, a full pool, a stuck
    /// PostgreSQL: the load balancer should take this instance out).
    pub async fn ping(&self, timeout: Duration) -> bool {
        let probe = sqlx::query("SELECT 1").execute(&self.pool);
        matches!(tokio::time::timeout(timeout, probe).await, Ok(Ok(_)))
    }

    /// The numbers of [`OpsSnapshot`].
    pub async fn ops_snapshot(&self) -> Result<OpsSnapshot, CentralError> {
        let feed_head: i64 = sqlx::query_scalar("SELECT value FROM sync_counters WHERE name = 'change_feed'")
            .fetch_optional(&self.pool)
            .await?
            .unwrap_or(0);
        let devices = sqlx::query(
            "SELECT device_id, last_pulled_cursor, last_pulled_at, updated_at FROM sync_devices ORDER BY device_id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(DeviceLag {
                device_id: row.try_get("device_id")?,
                last_pulled_cursor: row.try_get("last_pulled_cursor")?,
                last_pulled_at: row.try_get("last_pulled_at")?,
                last_pushed_at: row.try_get("updated_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let grouped = |sql: &'static str| async move {
            let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
            rows.iter()
                .map(|row| Ok((row.try_get::<String, _>(0)?, row.try_get::<i64, _>(1)?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()
        };
        let sms_by_state = grouped("SELECT state, COUNT(*) FROM sms_outbox GROUP BY state ORDER BY state").await?;
        let waiting_for_order: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM applications WHERE status = 'captured' AND order_number IS NULL")
                .fetch_one(&self.pool)
                .await?;
        let ordered_by_status = grouped(
            "SELECT status, COUNT(*) FROM applications WHERE order_number IS NOT NULL GROUP BY status ORDER BY status",
        )
        .await?;
        let orders_by_state =
            grouped("SELECT state, COUNT(*) FROM producer_orders GROUP BY state ORDER BY state").await?;
        Ok(OpsSnapshot { feed_head, devices, sms_by_state, waiting_for_order, ordered_by_status, orders_by_state })
    }

    /// Writes a consistent copy of the SQLite database into `target` (a new file) while it is in use: `VACUUM
    /// INTO` reads in one transaction, so writers go on and the copy is of one moment. PostgreSQL is backed up
    /// with its own tools (`pg_dump -Fc`), which know roles, sequences and large databases better.
    pub async fn backup_sqlite_into(&self, target: &Path) -> Result<(), CentralError> {
        if self.backend != Backend::Sqlite {
            return Err(CentralError::Backup(
                "`backup` ist für SQLite; PostgreSQL mit pg_dump -Fc sichern (docs/operations.md)".into(),
            ));
        }
        if target.exists() {
            return Err(CentralError::Backup(format!("{} gibt es schon (exists already)", target.display())));
        }
        let path = target.to_str().ok_or_else(|| CentralError::Backup("der Zielpfad ist kein UTF-8".into()))?;
        // A literal, not a bind: quotes doubled as SQL string literals need.
        sqlx::query(&format!("VACUUM INTO '{}'", path.replace('\'', "''")))
            .execute(&self.pool)
            .await
            .map_err(|error| CentralError::Backup(format!("{}: {error}", target.display())))?;
        Ok(())
    }
}
