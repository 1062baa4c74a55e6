//! The sync engine's own state (pull cursor, last complete sync), kept in the encrypted store so that a
//! restarted desk neither pulls the whole feed again nor forgets when it last synced.

use time::OffsetDateTime;

use crate::time_ms::{from_ms, to_ms};
use crate::{DeskStore, StoreError};

const PULL_CURSOR: &str = "pull_cursor";
const LAST_SYNCED_AT: &str = "last_synced_at";

impl DeskStore {
    /// The `next_cursor` of the last pull page applied; 0 before the first pull.
    pub async fn pull_cursor(&self) -> Result<i64, StoreError> {
        Ok(self.sync_value(PULL_CURSOR).await?.map(|v| v.parse().unwrap_or(0)).unwrap_or(0))
    }

    /// Records the cursor after the page's changes were applied (a crash in between pulls the page again;
    /// applying a change twice is harmless, skipping one is not).
    pub async fn set_pull_cursor(&self, cursor: i64) -> Result<(), StoreError> {
        if cursor < 0 {
            return Err(StoreError::InvalidInput("Cursor"));
        }
        self.set_sync_value(PULL_CURSOR, &cursor.to_string()).await
    }

    /// When a sync last pushed everything pending and pulled the feed to its end.
    pub async fn last_synced_at(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        Ok(self.sync_value(LAST_SYNCED_AT).await?.and_then(|v| v.parse().ok()).map(from_ms))
    }

    pub async fn set_last_synced_at(&self, at: OffsetDateTime) -> Result<(), StoreError> {
        self.set_sync_value(LAST_SYNCED_AT, &to_ms(at).to_string()).await
    }

    async fn sync_value(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM sync_state WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn set_sync_value(&self, name: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sync_state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
