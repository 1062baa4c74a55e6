//! Reading records back by kind, and the store's own counters.

use serde_json::Value;
use sqlx::Row as _;

use crate::{DeskStore, StoreError, StoreTx};

impl DeskStore {
    /// Every record of `entity` as `(id, data)`, most recently written first.
    pub async fn records(&self, entity: &str) -> Result<Vec<(String, Value)>, StoreError> {
        let rows = sqlx::query("SELECT id, data FROM records WHERE entity = ? ORDER BY updated_at DESC, id DESC")
            .bind(entity)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let data: String = row.try_get("data")?;
                let data = serde_json::from_str(&data).map_err(|_| StoreError::Internal("Datensatz-JSON"))?;
                Ok((row.try_get("id")?, data))
            })
            .collect()
    }
}

impl StoreTx {
    /// The next value of the counter `name` (1, 2, 3, …), taken in this transaction: a rollback returns it.
    pub async fn next_counter(&mut self, name: &str) -> Result<i64, StoreError> {
        if name.trim().is_empty() {
            return Err(StoreError::InvalidInput("Zählername"));
        }
        // One statement: every statement costs a round trip to SQLite's thread inside a capture.
        let value: i64 = sqlx::query_scalar(
            "INSERT INTO counters (name, value) VALUES (?, 1) \
             ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
        )
        .bind(name)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(value)
    }
}
