//! Local changes and their outbox mutations, written in one transaction.

use std::sync::Arc;

use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row as _, Sqlite, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::blobs::{insert_blob, BlobHash};
use crate::jobs::insert_job;
use crate::time_ms::{from_ms, to_ms};
use crate::{DeskStore, StoreError};

/// A change to send to the central API, as the desk describes it.
#[derive(Clone)]
pub struct NewMutation {
    /// What happened, e.g. `application.create`.
    pub kind: String,
    /// The data the server needs; may carry personal data (kept only in the encrypted store).
    pub payload: Value,
    /// When it happened at the desk.
    pub occurred_at: OffsetDateTime,
    /// The clerk logged in when it happened (the store is the desk's, shared by its clerks).
    pub clerk_id: Uuid,
}

/// Where a mutation landed in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MutationRef {
    pub seq: i64,
    pub id: Uuid,
}

/// A mutation as the outbox holds it. `Debug` leaves out the payload and the server's texts.
#[derive(Clone, PartialEq)]
pub struct Mutation {
    pub device_id: String,
    pub seq: i64,
    pub id: Uuid,
    pub kind: String,
    pub payload: Value,
    pub occurred_at: OffsetDateTime,
    /// Who made it (`None`: written before the store recorded it).
    pub clerk_id: Option<Uuid>,
    pub state: MutationState,
}

impl std::fmt::Debug for Mutation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mutation")
            .field("seq", &self.seq)
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("state", &self.state.as_str())
            .finish_non_exhaustive()
    }
}

/// Where a mutation stands.
#[derive(Debug, Clone, PartialEq)]
pub enum MutationState {
    /// Not yet answered by the server.
    Pending,
    /// The server applied it (first push).
    Applied { response: Option<Value> },
    /// The server had applied it already and returned the stored response.
    Replayed { response: Option<Value> },
    /// A business rejection (4xx): shown to the clerk; the queue goes on.
    Rejected { code: String, message: String },
}

impl MutationState {
    pub fn as_str(&self) -> &'static str {
        match self {
            MutationState::Pending => "pending",
            MutationState::Applied { .. } => "applied",
            MutationState::Replayed { .. } => "replayed",
            MutationState::Rejected { .. } => "rejected",
        }
    }
}

/// The server's positive answer to one pushed mutation.
#[derive(Debug, Clone, PartialEq)]
pub enum AckResult {
    Applied(Option<Value>),
    Replayed(Option<Value>),
}

/// The server's answer to one pushed mutation, for [`DeskStore::settle`].
#[derive(Debug, Clone, PartialEq)]
pub enum Settlement {
    Acknowledged(AckResult),
    Rejected { code: String, message: String },
}

/// One local write transaction (`BEGIN IMMEDIATE`): changes, their mutation(s), jobs and blobs commit
/// together or not at all. Dropping it without [`StoreTx::commit`] rolls everything back, including the
/// sequence numbers it took, so the outbox stays gapless.
pub struct StoreTx {
    pub(crate) tx: Transaction<'static, Sqlite>,
    device_id: Arc<str>,
    touched: Vec<(String, String)>,
    last_seq: Option<i64>,
}

impl DeskStore {
    /// Starts a write transaction. It holds SQLite's write lock until commit or drop: keep it short.
    pub async fn transaction(&self) -> Result<StoreTx, StoreError> {
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(StoreTx { tx, device_id: self.device_id.clone(), touched: Vec::new(), last_seq: None })
    }

    /// Pending mutations in sequence order, at most `limit`.
    pub async fn pending(&self, limit: u32) -> Result<Vec<Mutation>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {MUTATION_COLUMNS} FROM mutations WHERE device_id = ? AND state = 'pending' ORDER BY seq LIMIT ?"
        ))
        .bind(&*self.device_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(mutation_from_row).collect()
    }

    pub async fn pending_count(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM mutations WHERE device_id = ? AND state = 'pending'")
            .bind(&*self.device_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Mutations the server rejected, in sequence order, for the clerk to see.
    pub async fn rejected(&self) -> Result<Vec<Mutation>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {MUTATION_COLUMNS} FROM mutations WHERE device_id = ? AND state = 'rejected' ORDER BY seq"
        ))
        .bind(&*self.device_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(mutation_from_row).collect()
    }

    /// One mutation by its sequence number, in whatever state.
    pub async fn mutation(&self, seq: i64) -> Result<Option<Mutation>, StoreError> {
        let row = sqlx::query(&format!("SELECT {MUTATION_COLUMNS} FROM mutations WHERE device_id = ? AND seq = ?"))
            .bind(&*self.device_id)
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(mutation_from_row).transpose()
    }

    /// The server applied (or replayed) mutation `seq`. The records it wrote count as acknowledged from `now`
    /// (see [`DeskStore::purge_acknowledged`]). Marking an acknowledged mutation again is a no-op.
    pub async fn mark_acknowledged(&self, seq: i64, result: AckResult, now: OffsetDateTime) -> Result<(), StoreError> {
        self.settle(&[(seq, Settlement::Acknowledged(result))], now).await
    }

    /// The server rejected mutation `seq` (a business rule, e.g. compartment taken). The records it wrote
    /// stay unacknowledged and are never purged automatically.
    pub async fn mark_rejected(
        &self,
        seq: i64,
        code: &str,
        message: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.settle(&[(seq, Settlement::Rejected { code: code.to_owned(), message: message.to_owned() })], now).await
    }

    /// Settles the answers of one push in one transaction (one disk sync instead of one per mutation), each as
    /// [`DeskStore::mark_acknowledged`] / [`DeskStore::mark_rejected`] would; an error leaves all of them unsettled.
    pub async fn settle(&self, settlements: &[(i64, Settlement)], now: OffsetDateTime) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for (seq, settlement) in settlements {
            settle_one(&mut tx, &self.device_id, *seq, settlement, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A local record as last written, or `None`.
    pub async fn get_record(&self, entity: &str, id: &str) -> Result<Option<Value>, StoreError> {
        let data: Option<String> = sqlx::query_scalar("SELECT data FROM records WHERE entity = ? AND id = ?")
            .bind(entity)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        data.map(|d| serde_json::from_str(&d).map_err(|_| StoreError::Internal("Datensatz-JSON"))).transpose()
    }
}

impl StoreTx {
    /// Writes a local record (a JSON document), replacing an earlier version, and links the blobs it refers to
    /// (which must be in the store already — else the whole transaction fails). The record is unacknowledged
    /// until the mutation of this transaction is.
    pub async fn put_record(
        &mut self,
        entity: &str,
        id: &str,
        data: &Value,
        blobs: &[BlobHash],
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO records (entity, id, data, updated_at, pending_seq, acknowledged_at) \
             VALUES (?, ?, ?, ?, NULL, NULL) \
             ON CONFLICT (entity, id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at, \
             pending_seq = NULL, acknowledged_at = NULL",
        )
        .bind(entity)
        .bind(id)
        .bind(data.to_string())
        .bind(to_ms(now))
        .execute(&mut *self.tx)
        .await?;
        sqlx::query("DELETE FROM record_blobs WHERE entity = ? AND id = ?")
            .bind(entity)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        for blob in blobs {
            sqlx::query("INSERT INTO record_blobs (entity, id, sha256) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
                .bind(entity)
                .bind(id)
                .bind(blob.as_str())
                .execute(&mut *self.tx)
                .await?;
        }
        if !self.touched.iter().any(|(e, i)| e == entity && i == id) {
            self.touched.push((entity.to_owned(), id.to_owned()));
        }
        Ok(())
    }

    /// Appends a mutation to the outbox with the next sequence number of this device.
    pub async fn push_mutation(&mut self, mutation: &NewMutation) -> Result<MutationRef, StoreError> {
        if mutation.kind.trim().is_empty() {
            return Err(StoreError::InvalidInput("Art der Änderung"));
        }
        // One statement takes the number; the write lock of BEGIN IMMEDIATE serialises writers, and a rollback
        // returns the number, so the sequence has no gaps.
        let seq: i64 = sqlx::query_scalar(
            "UPDATE outbox_sequence SET last_seq = last_seq + 1 WHERE device_id = ? RETURNING last_seq",
        )
        .bind(&*self.device_id)
        .fetch_optional(&mut *self.tx)
        .await?
        .ok_or(StoreError::Internal("Sequenz fehlt"))?;
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO mutations (device_id, seq, id, kind, payload, occurred_at, created_at, state, clerk_id) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
        )
        .bind(&*self.device_id)
        .bind(seq)
        .bind(id.to_string())
        .bind(&mutation.kind)
        .bind(mutation.payload.to_string())
        .bind(to_ms(mutation.occurred_at))
        .bind(to_ms(OffsetDateTime::now_utc()))
        .bind(mutation.clerk_id.to_string())
        .execute(&mut *self.tx)
        .await?;
        self.last_seq = Some(seq);
        Ok(MutationRef { seq, id })
    }

    /// Stores a blob in this transaction (see [`DeskStore::put_blob`]).
    pub async fn put_blob(&mut self, bytes: &[u8], now: OffsetDateTime) -> Result<BlobHash, StoreError> {
        insert_blob(&mut self.tx, bytes, now).await
    }

    /// Queues a side job in this transaction (see [`DeskStore::enqueue_job`]).
    pub async fn enqueue_job(&mut self, kind: &str, payload: &Value, now: OffsetDateTime) -> Result<Uuid, StoreError> {
        insert_job(&mut self.tx, kind, payload, now).await
    }

    /// Commits. The records written in this transaction are linked to its last mutation: they count as
    /// acknowledged once that one is.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        if let Some(seq) = self.last_seq {
            for (entity, id) in &self.touched {
                sqlx::query("UPDATE records SET pending_seq = ? WHERE entity = ? AND id = ?")
                    .bind(seq)
                    .bind(entity)
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await?;
            }
        }
        self.tx.commit().await?;
        Ok(())
    }

    /// Rolls back explicitly (dropping does the same).
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }
}

const MUTATION_COLUMNS: &str =
    "device_id, seq, id, kind, payload, occurred_at, state, response, error_code, error_message, clerk_id";

fn mutation_from_row(row: &SqliteRow) -> Result<Mutation, StoreError> {
    let json = |text: String| serde_json::from_str::<Value>(&text).map_err(|_| StoreError::Internal("Ausgang-JSON"));
    let response: Option<String> = row.try_get("response")?;
    let response = response.map(json).transpose()?;
    let state = match row.try_get::<String, _>("state")?.as_str() {
        "pending" => MutationState::Pending,
        "applied" => MutationState::Applied { response },
        "replayed" => MutationState::Replayed { response },
        "rejected" => MutationState::Rejected {
            code: row.try_get::<Option<String>, _>("error_code")?.unwrap_or_default(),
            message: row.try_get::<Option<String>, _>("error_message")?.unwrap_or_default(),
        },
        _ => return Err(StoreError::Internal("Zustand im Ausgang")),
    };
    let id: String = row.try_get("id")?;
    Ok(Mutation {
        device_id: row.try_get("device_id")?,
        seq: row.try_get("seq")?,
        id: Uuid::parse_str(&id).map_err(|_| StoreError::Internal("Mutations-ID"))?,
        kind: row.try_get("kind")?,
        payload: json(row.try_get("payload")?)?,
        occurred_at: from_ms(row.try_get("occurred_at")?),
        clerk_id: row
            .try_get::<Option<String>, _>("clerk_id")?
            .map(|id| Uuid::parse_str(&id).map_err(|_| StoreError::Internal("Bearbeiter-ID")))
            .transpose()?,
        state,
    })
}

async fn settle_one(
    tx: &mut Transaction<'static, Sqlite>,
    device_id: &str,
    seq: i64,
    settlement: &Settlement,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let updated = match settlement {
        Settlement::Acknowledged(result) => {
            let (state, response) = match result {
                AckResult::Applied(response) => ("applied", response),
                AckResult::Replayed(response) => ("replayed", response),
            };
            sqlx::query(
                "UPDATE mutations SET state = ?, response = ?, settled_at = ? \
                 WHERE device_id = ? AND seq = ? AND state = 'pending'",
            )
            .bind(state)
            .bind(response.as_ref().map(|r| r.to_string()))
            .bind(to_ms(now))
            .bind(device_id)
            .bind(seq)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        }
        Settlement::Rejected { code, message } => sqlx::query(
            "UPDATE mutations SET state = 'rejected', error_code = ?, error_message = ?, settled_at = ? \
             WHERE device_id = ? AND seq = ? AND state = 'pending'",
        )
        .bind(code)
        .bind(message)
        .bind(to_ms(now))
        .bind(device_id)
        .bind(seq)
        .execute(&mut **tx)
        .await?
        .rows_affected(),
    };
    if updated == 0 {
        // Idempotent for the same answer, an error for a contradicting one or an unknown seq.
        let acknowledged = matches!(settlement, Settlement::Acknowledged(_));
        return match settled_state(tx, device_id, seq).await? {
            None => Err(StoreError::UnknownMutation(seq)),
            Some("rejected") if acknowledged => Err(StoreError::MutationSettled { seq, state: "rejected" }),
            Some(state) if !acknowledged && state != "rejected" => Err(StoreError::MutationSettled { seq, state }),
            Some(_) => Ok(()),
        };
    }
    if matches!(settlement, Settlement::Acknowledged(_)) {
        sqlx::query("UPDATE records SET acknowledged_at = ? WHERE pending_seq = ?")
            .bind(to_ms(now))
            .bind(seq)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn settled_state(
    tx: &mut Transaction<'static, Sqlite>,
    device_id: &str,
    seq: i64,
) -> Result<Option<&'static str>, StoreError> {
    let state: Option<String> = sqlx::query_scalar("SELECT state FROM mutations WHERE device_id = ? AND seq = ?")
        .bind(device_id)
        .bind(seq)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(state.map(|s| match s.as_str() {
        "applied" => "applied",
        "replayed" => "replayed",
        "rejected" => "rejected",
        _ => "pending",
    }))
}
