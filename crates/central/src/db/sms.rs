//! SQL of the SMS outbox (migration 0010).

use sqlx::{AnyConnection, Row};

use super::Db;
use crate::CentralError;

/// One SMS as the outbox holds it.
pub struct OutboxRow {
    pub id: String,
    pub purpose: String,
    pub recipient: String,
    pub body_sealed: Option<String>,
    pub attempts: i64,
    pub created_at: i64,
}

/// Queues an SMS on `connection`, inside the transaction of what causes it.
pub async fn enqueue(
    connection: &mut AnyConnection,
    id: &str,
    purpose: &str,
    recipient: &str,
    body_sealed: &str,
    now: i64,
) -> Result<(), CentralError> {
    sqlx::query(
        "INSERT INTO sms_outbox (id, purpose, recipient, body_sealed, state, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, 'queued', 0, $5, $5)",
    )
    .bind(id)
    .bind(purpose)
    .bind(recipient)
    .bind(body_sealed)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

fn row(row: &sqlx::any::AnyRow) -> Result<OutboxRow, CentralError> {
    Ok(OutboxRow {
        id: row.try_get("id")?,
        purpose: row.try_get("purpose")?,
        recipient: row.try_get("recipient")?,
        body_sealed: row.try_get("body_sealed")?,
        attempts: row.try_get("attempts")?,
        created_at: row.try_get("created_at")?,
    })
}

const COLUMNS: &str = "id, purpose, recipient, body_sealed, attempts, created_at";

/// Due SMS, oldest first.
pub async fn due(db: &Db, now: i64, limit: i64) -> Result<Vec<OutboxRow>, CentralError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sms_outbox WHERE state = 'queued' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $2"
    );
    let rows = sqlx::query(&sql).bind(now).bind(limit).fetch_all(&db.pool).await?;
    rows.iter().map(row).collect()
}

/// SMS whose send was interrupted (claimed, lease run out): to reconcile before anything else.
pub async fn interrupted(db: &Db, now: i64) -> Result<Vec<OutboxRow>, CentralError> {
    let sql = format!("SELECT {COLUMNS} FROM sms_outbox WHERE state = 'sending' AND claimed_until < $1 ORDER BY id");
    let rows = sqlx::query(&sql).bind(now).fetch_all(&db.pool).await?;
    rows.iter().map(row).collect()
}

/// Claims a queued SMS for sending until `until`; `false` if another worker was faster.
pub async fn claim(db: &Db, id: &str, until: i64) -> Result<bool, CentralError> {
    let claimed = sqlx::query(
        "UPDATE sms_outbox SET state = 'sending', claimed_until = $2, attempts = attempts + 1 \
         WHERE id = $1 AND state = 'queued'",
    )
    .bind(id)
    .bind(until)
    .execute(&db.pool)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Takes over an interrupted send for reconciling (one worker wins).
pub async fn reclaim(db: &Db, id: &str, now: i64, until: i64) -> Result<bool, CentralError> {
    let claimed = sqlx::query(
        "UPDATE sms_outbox SET claimed_until = $3 WHERE id = $1 AND state = 'sending' AND claimed_until < $2",
    )
    .bind(id)
    .bind(now)
    .bind(until)
    .execute(&db.pool)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Leaves an interrupted send interrupted (its lease ends at `now`): asked about again next round.
pub async fn release_claim(db: &Db, id: &str, now: i64) -> Result<(), CentralError> {
    sqlx::query("UPDATE sms_outbox SET claimed_until = $2 WHERE id = $1 AND state = 'sending'")
        .bind(id)
        .bind(now - 1)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Sent: the text (with its PIN) is erased.
pub async fn mark_sent(db: &Db, id: &str, provider_id: Option<&str>, now: i64) -> Result<(), CentralError> {
    sqlx::query(
        "UPDATE sms_outbox SET state = 'sent', body_sealed = NULL, provider_id = $2, sent_at = $3, claimed_until = NULL \
         WHERE id = $1",
    )
    .bind(id)
    .bind(provider_id)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Back into the queue for another attempt at `next_attempt_at`.
pub async fn retry_at(db: &Db, id: &str, next_attempt_at: i64, error: &str) -> Result<(), CentralError> {
    sqlx::query(
        "UPDATE sms_outbox SET state = 'queued', next_attempt_at = $2, last_error = $3, claimed_until = NULL \
         WHERE id = $1",
    )
    .bind(id)
    .bind(next_attempt_at)
    .bind(error)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Given up: the text is erased, the row stays for the office to see.
pub async fn mark_failed(db: &Db, id: &str, error: &str) -> Result<(), CentralError> {
    sqlx::query(
        "UPDATE sms_outbox SET state = 'failed', body_sealed = NULL, last_error = $2, claimed_until = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// An SMS's state for operators and tests: `(state, attempts, text still held, last error)`.
pub type SmsState = (String, i64, bool, Option<String>);

impl Db {
    pub async fn sms_state(&self, id: &str) -> Result<Option<SmsState>, CentralError> {
        let row = sqlx::query(
            "SELECT state, attempts, CASE WHEN body_sealed IS NULL THEN 0 ELSE 1 END AS has_body, last_error \
             FROM sms_outbox WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let has_body: i64 = row.try_get("has_body")?;
            Ok((row.try_get("state")?, row.try_get("attempts")?, has_body == 1, row.try_get("last_error")?))
        })
        .transpose()
    }
}
