//! The change feed desks pull (`GET /v1/sync/pull`): one row per change, numbered by a cursor
//! that is handed out inside the transaction making the change.
//!
//! The cursor comes from one counter row that each writer updates (and so locks until it
//! commits). A transaction holding cursor N therefore commits before any transaction can take
//! N+1, even across several API instances on one PostgreSQL database: a reader that sees N+1
//! also sees N, and a desk's "everything after N" never skips a change committed late.

use schalter_wire::sync::{Change, ChangeOp};
use serde_json::Value;
use sqlx::{AnyConnection, Row};

use super::Db;
use crate::CentralError;

/// The counter row of the feed's cursor (created by migration 0004).
const FEED_COUNTER: &str = "change_feed";

/// Takes the feed's counter lock without moving the counter (a write, so SQLite's transaction
/// takes its write lock too): whoever holds it is the only one appending.
pub async fn lock(connection: &mut AnyConnection) -> Result<(), CentralError> {
    sqlx::query("UPDATE sync_counters SET value = value WHERE name = $1")
        .bind(FEED_COUNTER)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Appends a change on `connection`, which must be inside the transaction of the change itself.
/// `data: None` is a deletion. Every desk pulls it; an office's own changes go through [`append_for_office`].
pub async fn append(
    connection: &mut AnyConnection,
    entity: &str,
    entity_id: &str,
    data: Option<&Value>,
    now: i64,
) -> Result<i64, CentralError> {
    append_to(connection, None, entity, entity_id, data, now).await
}

/// As [`append`], for a change only the desks of `office_id` pull (its appointments, its queue: names
/// of its citizens stay at its desks).
pub async fn append_for_office(
    connection: &mut AnyConnection,
    office_id: &str,
    entity: &str,
    entity_id: &str,
    data: Option<&Value>,
    now: i64,
) -> Result<i64, CentralError> {
    append_to(connection, Some(office_id), entity, entity_id, data, now).await
}

async fn append_to(
    connection: &mut AnyConnection,
    office_id: Option<&str>,
    entity: &str,
    entity_id: &str,
    data: Option<&Value>,
    now: i64,
) -> Result<i64, CentralError> {
    let row = sqlx::query("UPDATE sync_counters SET value = value + 1 WHERE name = $1 RETURNING value")
        .bind(FEED_COUNTER)
        .fetch_one(&mut *connection)
        .await?;
    let cursor: i64 = row.try_get("value")?;
    let (op, data) = match data {
        Some(data) => ("upsert", Some(data.to_string())),
        None => ("delete", None),
    };
    sqlx::query(
        "INSERT INTO sync_changes (feed_cursor, entity, entity_id, op, data, changed_at, office_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(cursor)
    .bind(entity)
    .bind(entity_id)
    .bind(op)
    .bind(data)
    .bind(now)
    .bind(office_id)
    .execute(&mut *connection)
    .await?;
    Ok(cursor)
}

/// One page of the feed.
pub struct FeedPage {
    pub changes: Vec<Change>,
    pub has_more: bool,
}

impl Db {
    /// The feed's newest cursor. Read before a page, it is a cursor the page leaves the reader current up to
    /// when no further page waits: every change at or below it has committed (see the module's text).
    pub async fn feed_head(&self) -> Result<i64, CentralError> {
        let head: Option<i64> = sqlx::query_scalar("SELECT value FROM sync_counters WHERE name = $1")
            .bind(FEED_COUNTER)
            .fetch_optional(&self.pool)
            .await?;
        Ok(head.unwrap_or(0))
    }

    /// Notes that the devices bound to the desk certificate `fingerprint` pulled and are current up to `cursor`
    /// (for the sync lag in `/metrics`). A desk that never pushed has no device row yet and is not counted.
    pub async fn stamp_pull(&self, fingerprint: &str, cursor: i64, now: i64) -> Result<(), CentralError> {
        sqlx::query("UPDATE sync_devices SET last_pulled_at = $1, last_pulled_cursor = $2 WHERE desk_fingerprint = $3")
            .bind(now)
            .bind(cursor)
            .bind(fingerprint)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Up to `limit` changes after `cursor`, oldest first: all of them, every office's too.
    pub async fn changes_after(&self, cursor: i64, limit: u32) -> Result<FeedPage, CentralError> {
        self.changes_for(cursor, limit, None).await
    }

    /// Up to `limit` changes after `cursor` that a desk of `office_id` pulls: those of no office and its own.
    pub async fn changes_for_office(&self, cursor: i64, limit: u32, office_id: &str) -> Result<FeedPage, CentralError> {
        self.changes_for(cursor, limit, Some(office_id)).await
    }

    async fn changes_for(&self, cursor: i64, limit: u32, office_id: Option<&str>) -> Result<FeedPage, CentralError> {
        // One more than asked tells whether another page waits.
        let rows = match office_id {
            None => {
                sqlx::query(
                    "SELECT feed_cursor, entity, entity_id, op, data FROM sync_changes \
                     WHERE feed_cursor > $1 ORDER BY feed_cursor LIMIT $2",
                )
                .bind(cursor)
                .bind(i64::from(limit) + 1)
                .fetch_all(&self.pool)
                .await?
            }
            Some(office_id) => {
                sqlx::query(
                    "SELECT feed_cursor, entity, entity_id, op, data FROM sync_changes \
                     WHERE feed_cursor > $1 AND (office_id IS NULL OR office_id = $3) ORDER BY feed_cursor LIMIT $2",
                )
                .bind(cursor)
                .bind(i64::from(limit) + 1)
                .bind(office_id)
                .fetch_all(&self.pool)
                .await?
            }
        };
        let has_more = rows.len() > limit as usize;
        let changes = rows
            .iter()
            .take(limit as usize)
            .map(|row| {
                let op: String = row.try_get("op")?;
                let data: Option<String> = row.try_get("data")?;
                let data = data
                    .map(|data| serde_json::from_str(&data))
                    .transpose()
                    .map_err(|_| CentralError::Internal("malformed change data in database".into()))?;
                Ok(Change {
                    cursor: row.try_get("feed_cursor")?,
                    entity: row.try_get("entity")?,
                    id: row.try_get("entity_id")?,
                    op: if op == "delete" { ChangeOp::Delete } else { ChangeOp::Upsert },
                    data,
                })
            })
            .collect::<Result<Vec<_>, CentralError>>()?;
        Ok(FeedPage { changes, has_more })
    }
}
