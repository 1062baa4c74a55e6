//! SMS to citizens through an outbox: [`queue`] writes the SMS (its text sealed, it holds a PIN)
//! in the transaction of what causes it; [`SmsWorker::run_once`] sends what is due.
//!
//! - none is lost: the row is written with its cause and leaves only as `sent` or, after
//!   [`MAX_ATTEMPTS`] with backoff, as `failed` (kept for the office to see);
//! - none goes twice: a worker claims a row before sending (`sending`, with a lease); a send whose
//!   answer was lost (a crash, a cut connection) is reconciled with the provider
//!   ([`SmsGateway::was_sent`]) before it may be sent again;
//! - the text is erased once sent or given up; logs name the SMS id and purpose, never the number
//!   or the text.
//!
//! Gateways: [`seven::SevenGateway`] (the HTTP API of seven.io, a German provider) and
//! [`file_sink::FileSink`] (development: one JSON line per SMS, what the demo shows).

pub mod file_sink;
pub mod seven;

use std::future::Future;
use std::time::Duration;

use sqlx::AnyConnection;

use crate::db::sms as sql;
use crate::secrets::SecretsKey;
use crate::{CentralError, Clock, Db};

/// Attempts before an SMS is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claimed send may take before it counts as interrupted.
const SEND_LEASE_SECONDS: i64 = 120;

/// An SMS as the gateway sends it.
#[derive(Clone)]
pub struct OutgoingSms {
    /// The outbox id: the provider's reference, so a lost answer can be looked up.
    pub id: String,
    /// E.164, `+49…`.
    pub recipient: String,
    pub text: String,
    /// When it was queued (Unix seconds): where a reconciliation starts looking.
    pub queued_at: i64,
}

impl std::fmt::Debug for OutgoingSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingSms").field("id", &self.id).finish_non_exhaustive()
    }
}

/// What a gateway's failure means for the SMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsFailure {
    /// Try again later (network, provider busy, no credit yet).
    Transient(String),
    /// This SMS can never be sent (invalid number, refused text): give it up.
    Permanent(String),
}

impl SmsFailure {
    fn code(&self) -> &str {
        match self {
            SmsFailure::Transient(code) | SmsFailure::Permanent(code) => code,
        }
    }
}

/// The SMS provider.
pub trait SmsGateway: Send + Sync {
    /// Sends; the provider's message id if it gives one.
    fn send(&self, sms: &OutgoingSms) -> impl Future<Output = Result<Option<String>, SmsFailure>> + Send;
    /// Whether an SMS whose send was interrupted reached the provider after all.
    fn was_sent(&self, sms: &OutgoingSms) -> impl Future<Output = Result<bool, SmsFailure>> + Send;
}

/// One gateway shared by several workers (or a worker and its test).
impl<G: SmsGateway> SmsGateway for std::sync::Arc<G> {
    async fn send(&self, sms: &OutgoingSms) -> Result<Option<String>, SmsFailure> {
        self.as_ref().send(sms).await
    }

    async fn was_sent(&self, sms: &OutgoingSms) -> Result<bool, SmsFailure> {
        self.as_ref().was_sent(sms).await
    }
}

/// Queues an SMS on `connection` (the transaction of its cause); returns its id.
pub async fn queue(
    connection: &mut AnyConnection,
    secrets: &SecretsKey,
    purpose: &str,
    recipient: &str,
    text: &str,
    now: i64,
) -> Result<String, CentralError> {
    let id = uuid::Uuid::now_v7().to_string();
    let sealed = secrets.seal(text, &id)?;
    sql::enqueue(connection, &id, purpose, recipient, &sealed, now).await?;
    Ok(id)
}

/// Seconds to wait after the `attempts`-th failed attempt: 30 s, doubling, at most an hour.
pub fn backoff_seconds(attempts: i64) -> i64 {
    let exponent = attempts.clamp(1, 8) - 1;
    (30_i64 << exponent).min(3600)
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmsRound {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub reconciled: usize,
}

pub struct SmsWorker<G> {
    db: Db,
    gateway: G,
    secrets: SecretsKey,
    clock: Clock,
}

impl<G: SmsGateway> SmsWorker<G> {
    pub fn new(db: Db, gateway: G, secrets: SecretsKey, clock: Clock) -> Self {
        Self { db, gateway, secrets, clock }
    }

    pub async fn run(self, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match self.run_once().await {
                Ok(round) if round != SmsRound::default() => tracing::info!(?round, "sms round"),
                Ok(_) => {}
                Err(error) => tracing::warn!(code = error.code(), "sms round failed"),
            }
        }
    }

    fn outgoing(&self, row: &sql::OutboxRow) -> Result<Option<OutgoingSms>, CentralError> {
        let Some(sealed) = &row.body_sealed else { return Ok(None) };
        let text = self.secrets.open(sealed, &row.id)?;
        Ok(Some(OutgoingSms { id: row.id.clone(), recipient: row.recipient.clone(), text, queued_at: row.created_at }))
    }

    /// Reconciles interrupted sends, then sends what is due.
    pub async fn run_once(&self) -> Result<SmsRound, CentralError> {
        let mut round = SmsRound::default();
        let now = self.clock.now();
        for row in sql::interrupted(&self.db, now).await? {
            if !sql::reclaim(&self.db, &row.id, now, now + SEND_LEASE_SECONDS).await? {
                continue;
            }
            let Some(sms) = self.outgoing(&row)? else { continue };
            match self.gateway.was_sent(&sms).await {
                Ok(true) => {
                    sql::mark_sent(&self.db, &row.id, None, self.clock.now()).await?;
                    tracing::info!(sms_id = %row.id, purpose = %row.purpose, "interrupted sms had reached the provider");
                }
                Ok(false) => {
                    sql::retry_at(&self.db, &row.id, self.clock.now(), "interrupted").await?;
                    tracing::info!(sms_id = %row.id, "interrupted sms had not reached the provider: queued again");
                }
                Err(failure) => {
                    // Unknown: it stays claimed-and-interrupted and is asked about again next round.
                    sql::release_claim(&self.db, &row.id, now).await?;
                    tracing::warn!(sms_id = %row.id, code = failure.code(), "cannot tell whether an sms was sent");
                    continue;
                }
            }
            round.reconciled += 1;
        }
        for row in sql::due(&self.db, now, 100).await? {
            if !sql::claim(&self.db, &row.id, now + SEND_LEASE_SECONDS).await? {
                continue;
            }
            let Some(sms) = self.outgoing(&row)? else { continue };
            let attempts = row.attempts + 1;
            match self.gateway.send(&sms).await {
                Ok(provider_id) => {
                    sql::mark_sent(&self.db, &row.id, provider_id.as_deref(), self.clock.now()).await?;
                    tracing::info!(sms_id = %row.id, purpose = %row.purpose, attempts, "sms sent");
                    round.sent += 1;
                }
                Err(SmsFailure::Transient(code)) if attempts < MAX_ATTEMPTS => {
                    let next = self.clock.now() + backoff_seconds(attempts);
                    sql::retry_at(&self.db, &row.id, next, &code).await?;
                    tracing::info!(sms_id = %row.id, attempts, %code, "sms not sent yet, retrying later");
                    round.retried += 1;
                }
                Err(failure) => {
                    sql::mark_failed(&self.db, &row.id, failure.code()).await?;
                    tracing::warn!(sms_id = %row.id, attempts, code = failure.code(), "sms given up");
                    round.failed += 1;
                }
            }
        }
        Ok(round)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_from_half_a_minute_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(backoff_seconds).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
