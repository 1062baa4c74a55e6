//! Side jobs retried with exponential backoff ("delete photo X in the cloud", "keep photo X until D").

use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row as _, Sqlite, Transaction};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::time_ms::{from_ms, to_ms};
use crate::{DeskStore, StoreError};

/// Backoff of side jobs: the n-th failure waits `first_delay · 2^(n-1)`, at most `max_delay`; after
/// `max_attempts` failed attempts the job is given up (state failed, shown to the supervisor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub first_delay: Duration,
    pub max_delay: Duration,
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        // ~6 days of hourly retries after the ramp: long enough for a pop-up office offline for a week-end.
        Self { first_delay: Duration::seconds(30), max_delay: Duration::hours(1), max_attempts: 150 }
    }
}

impl RetryPolicy {
    /// Delay after the `attempts`-th failed attempt (1-based).
    pub fn delay_after(&self, attempts: u32) -> Duration {
        let exponent = attempts.saturating_sub(1).min(30);
        let delay = self.first_delay.saturating_mul(1i32 << exponent);
        if delay > self.max_delay {
            self.max_delay
        } else {
            delay
        }
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Pending { next_attempt_at: OffsetDateTime },
    Done,
    Failed,
}

/// A side job. `payload` holds ids (photo id, date), never personal data.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    pub payload: Value,
    pub attempts: u32,
    pub state: JobState,
    pub last_error: Option<String>,
}

/// Error texts of jobs are kept short; callers pass codes, not server bodies.
const MAX_ERROR_CHARS: usize = 500;

pub(crate) async fn insert_job(
    tx: &mut Transaction<'static, Sqlite>,
    kind: &str,
    payload: &Value,
    now: OffsetDateTime,
) -> Result<Uuid, StoreError> {
    if kind.trim().is_empty() {
        return Err(StoreError::InvalidInput("Art des Auftrags"));
    }
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO jobs (id, kind, payload, state, attempts, next_attempt_at, created_at) \
         VALUES (?, ?, ?, 'pending', 0, ?, ?)",
    )
    .bind(id.to_string())
    .bind(kind)
    .bind(payload.to_string())
    .bind(to_ms(now))
    .bind(to_ms(now))
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

impl DeskStore {
    /// Queues a job, due at once.
    pub async fn enqueue_job(&self, kind: &str, payload: &Value, now: OffsetDateTime) -> Result<Uuid, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let id = insert_job(&mut tx, kind, payload, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Pending jobs whose next attempt is due at `now`, the longest-waiting first. One worker per desk runs them.
    pub async fn due_jobs(&self, now: OffsetDateTime) -> Result<Vec<Job>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE state = 'pending' AND next_attempt_at <= ? \
             ORDER BY next_attempt_at, id"
        ))
        .bind(to_ms(now))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job_from_row).collect()
    }

    pub async fn job(&self, id: Uuid) -> Result<Option<Job>, StoreError> {
        let row = sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// The job did its work.
    pub async fn job_succeeded(&self, id: Uuid, now: OffsetDateTime) -> Result<(), StoreError> {
        let updated = sqlx::query(
            "UPDATE jobs SET state = 'done', attempts = attempts + 1, finished_at = ?, last_error = NULL \
             WHERE id = ? AND state = 'pending'",
        )
        .bind(to_ms(now))
        .bind(id.to_string())
        .execute(&self.pool)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(StoreError::UnknownJob);
        }
        Ok(())
    }

    /// The attempt failed: schedules the next one with backoff, or gives up after `max_attempts`.
    /// `error` must not carry personal data (pass a code or a short technical text).
    pub async fn job_failed(&self, id: Uuid, now: OffsetDateTime, error: &str) -> Result<JobState, StoreError> {
        let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let attempts: Option<i64> = sqlx::query_scalar("SELECT attempts FROM jobs WHERE id = ? AND state = 'pending'")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let attempts = u32::try_from(attempts.ok_or(StoreError::UnknownJob)?).unwrap_or(u32::MAX).saturating_add(1);
        let state = if attempts >= self.retry.max_attempts {
            JobState::Failed
        } else {
            JobState::Pending { next_attempt_at: from_ms(to_ms(now + self.retry.delay_after(attempts))) }
        };
        let (state_text, next, finished) = match state {
            JobState::Pending { next_attempt_at } => ("pending", to_ms(next_attempt_at), None),
            _ => ("failed", to_ms(now), Some(to_ms(now))),
        };
        sqlx::query(
            "UPDATE jobs SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, finished_at = ? WHERE id = ?",
        )
        .bind(state_text)
        .bind(i64::from(attempts))
        .bind(next)
        .bind(error)
        .bind(finished)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(state)
    }

    /// The attempt failed in a way no retry can mend (e.g. the cloud refuses for good): the job is given up at once
    /// (state failed, as after `max_attempts`). `error` as for [`DeskStore::job_failed`].
    pub async fn job_gave_up(&self, id: Uuid, now: OffsetDateTime, error: &str) -> Result<(), StoreError> {
        let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
        let updated = sqlx::query(
            "UPDATE jobs SET state = 'failed', attempts = attempts + 1, last_error = ?, finished_at = ? \
             WHERE id = ? AND state = 'pending'",
        )
        .bind(error)
        .bind(to_ms(now))
        .bind(id.to_string())
        .execute(&self.pool)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(StoreError::UnknownJob);
        }
        Ok(())
    }

    /// Jobs given up after too many attempts.
    pub async fn failed_jobs(&self) -> Result<Vec<Job>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE state = 'failed' ORDER BY id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(job_from_row).collect()
    }
}

const JOB_COLUMNS: &str = "id, kind, payload, state, attempts, next_attempt_at, last_error";

fn job_from_row(row: &SqliteRow) -> Result<Job, StoreError> {
    let id: String = row.try_get("id")?;
    let payload: String = row.try_get("payload")?;
    let state = match row.try_get::<String, _>("state")?.as_str() {
        "pending" => JobState::Pending { next_attempt_at: from_ms(row.try_get("next_attempt_at")?) },
        "done" => JobState::Done,
        "failed" => JobState::Failed,
        _ => return Err(StoreError::Internal("Zustand des Auftrags")),
    };
    Ok(Job {
        id: Uuid::parse_str(&id).map_err(|_| StoreError::Internal("Auftrags-ID"))?,
        kind: row.try_get("kind")?,
        payload: serde_json::from_str(&payload).map_err(|_| StoreError::Internal("Auftrags-JSON"))?,
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(0),
        state,
        last_error: row.try_get("last_error")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_first_delay_and_never_exceeds_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay_after(1), Duration::seconds(30));
        assert_eq!(policy.delay_after(2), Duration::seconds(60));
        assert_eq!(policy.delay_after(7), Duration::minutes(32));
        assert_eq!(policy.delay_after(8), Duration::hours(1), "64 min capped at 1 h");
        // Far past any exponent that fits: still the cap, no overflow.
        assert_eq!(policy.delay_after(u32::MAX), Duration::hours(1));
        assert_eq!(policy.delay_after(0), Duration::seconds(30));
    }
}
