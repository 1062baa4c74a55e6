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
/// `data: None` is a deletion.
pub async fn append(
    connection: &mut AnyConnection,
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
        "INSERT INTO sync_changes (feed_cursor, entity, entity_id, op, data, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(cursor)
    .bind(entity)
    .bind(entity_id)
    .bind(op)
    .bind(data)
    .bind(now)
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
    /// Up to `limit` changes after `cursor`, oldest first.
    pub async fn changes_after(&self, cursor: i64, limit: u32) -> Result<FeedPage, CentralError> {
        // One more than asked tells whether another page waits.
        let rows = sqlx::query(
            "SELECT feed_cursor, entity, entity_id, op, data FROM sync_changes \
             WHERE feed_cursor > $1 ORDER BY feed_cursor LIMIT $2",
        )
        .bind(cursor)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
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
