//! One sync round: blobs up, outbox pushed in order, change feed pulled, due side jobs run, acknowledged data
//! purged. Each step is safe to cut off anywhere (a crash, a kill, a dropped connection): the store commits every
//! answer as it arrives, the server answers repeats with its stored results, uploads resume from the server's
//! offset, and the pull cursor moves only after its page was applied.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use schalter_store::{
    AckResult, BlobHash, DeskStore, Job, Keyring, MutationState, RetryPolicy, Settlement, StoreError,
};
use schalter_wire::sync::{
    entities, Change, ChangeOp, ClerkChange, MutationResult, MutationStatus, PushMutation, PushRequest,
    MAX_BLOB_CHUNK_BYTES, MAX_PULL_LIMIT, MAX_PUSH_MUTATIONS,
};
use serde::Serialize;
use time::OffsetDateTime;

use crate::transport::{BlobState, PushOutcome, SyncTransport, TransportError};
use crate::{Clock, SyncError, SystemClock};

/// The central's 409 code for a `photo.accept` whose blob it does not hold (the whole push was refused).
const BLOB_MISSING: &str = "blob_missing";
/// Blob acknowledgements written per store transaction.
const ACK_BATCH: usize = 50;

/// Most blobs a round uploads at the same time.
pub const MAX_UPLOAD_CONCURRENCY: usize = 4;

/// Blobs in flight by default: reading the next photo from the encrypted store and sending it overlaps with the
/// central storing the one before.
const DEFAULT_UPLOAD_CONCURRENCY: usize = 4;

/// How the engine paces itself. The defaults suit a desk.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Backoff of one call while the central is unavailable: the n-th failure waits `first_delay · 2^(n-1)` (capped)
    /// plus jitter; after `max_attempts` failures the round ends as unavailable (the next round starts afresh).
    pub retry: RetryPolicy,
    /// Up to this fraction of the delay is added at random, so that desks that lost the network together do not
    /// hammer the central together when it returns.
    pub jitter: f64,
    /// Mutations per push (at most [`MAX_PUSH_MUTATIONS`]).
    pub batch_size: usize,
    /// Changes per pull page (at most [`MAX_PULL_LIMIT`]).
    pub pull_limit: u32,
    /// Bytes per blob `PATCH` (at most [`MAX_BLOB_CHUNK_BYTES`]).
    pub chunk_bytes: usize,
    /// Blobs uploaded at the same time (1 to [`MAX_UPLOAD_CONCURRENCY`]), each its own request; a blob's own
    /// parts always go one after another.
    pub upload_concurrency: usize,
    /// Acknowledged personal data stays this long on the desk before the purge deletes it.
    pub purge_grace: time::Duration,
    /// Seed of the jitter (tests); `None` = from the OS.
    pub jitter_seed: Option<u64>,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            retry: RetryPolicy {
                first_delay: time::Duration::seconds(1),
                max_delay: time::Duration::seconds(60),
                max_attempts: 6,
            },
            jitter: 0.25,
            batch_size: MAX_PUSH_MUTATIONS,
            pull_limit: MAX_PULL_LIMIT,
            chunk_bytes: MAX_BLOB_CHUNK_BYTES,
            upload_concurrency: std::env::var("XXX_SYNC_UPLOADS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(DEFAULT_UPLOAD_CONCURRENCY),
            purge_grace: time::Duration::hours(24),
            jitter_seed: None,
        }
    }
}

/// What a sync round is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Between rounds, everything that could be sent was sent.
    Idle,
    #[serde(rename = "uploading")]
    UploadingBlobs,
    Pushing,
    Pulling,
    RunningJobs,
    /// Backing off after the central was unavailable; the round goes on after the delay.
    Waiting,
    /// The session is gone: nothing is sent until the clerk logs in online again.
    NeedsLogin,
    /// The last round could not reach the central.
    Offline,
    /// The last round stopped with another error (`last_error_code`).
    Failed,
}

impl SyncPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncPhase::Idle => "idle",
            SyncPhase::UploadingBlobs => "uploading",
            SyncPhase::Pushing => "pushing",
            SyncPhase::Pulling => "pulling",
            SyncPhase::RunningJobs => "running_jobs",
            SyncPhase::Waiting => "waiting",
            SyncPhase::NeedsLogin => "needs_login",
            SyncPhase::Offline => "offline",
            SyncPhase::Failed => "failed",
        }
    }
}

/// A mutation the central rejected, for the clerk to see (code and the central's German message; no payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedMutation {
    pub seq: i64,
    pub kind: String,
    pub code: String,
    pub message: String,
    pub occurred_at: OffsetDateTime,
}

/// Progress of the engine, published after every step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    pub phase: SyncPhase,
    /// Mutations not yet answered by the central.
    pub pending: u64,
    /// Progress of the current phase: `done` of `total` (blobs or mutations).
    pub done: u64,
    pub total: u64,
    pub last_synced_at: Option<OffsetDateTime>,
    pub last_error_code: Option<String>,
    pub rejected: Vec<RejectedMutation>,
}

impl Default for SyncStatus {
    fn default() -> Self {
        Self {
            phase: SyncPhase::Idle,
            pending: 0,
            done: 0,
            total: 0,
            last_synced_at: None,
            last_error_code: None,
            rejected: Vec::new(),
        }
    }
}

/// What one or more rounds did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Mutations applied by the central at this push.
    pub pushed: u64,
    /// Mutations the central had applied before (an answer that got lost) and answered from its record.
    pub replayed: u64,
    pub rejected: u64,
    /// Blobs the central now holds completely (uploaded now, or found complete there).
    pub blobs_uploaded: u64,
    pub changes_pulled: u64,
    pub jobs_done: u64,
    pub jobs_retried: u64,
    /// Mutations still pending after the round.
    pub pending: u64,
}

impl SyncReport {
    pub fn add(&mut self, other: &SyncReport) {
        self.pushed += other.pushed;
        self.replayed += other.replayed;
        self.rejected += other.rejected;
        self.blobs_uploaded += other.blobs_uploaded;
        self.changes_pulled += other.changes_pulled;
        self.jobs_done += other.jobs_done;
        self.jobs_retried += other.jobs_retried;
        self.pending = other.pending;
    }
}

/// How a side job's attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Done,
    /// Try again later (with the store's job backoff). `error` is a code or short technical text, never personal data.
    Retry {
        error: String,
    },
    /// No retry can mend it (the cloud refuses for good): the job is given up now.
    GiveUp {
        error: String,
    },
}

/// What the desk adds to a round: its side jobs, and what to do with pulled changes beyond the engine's own
/// (the engine itself drops deactivated clerks from its store's keyring).
pub trait SyncHooks: Send + Sync {
    fn run_job(&self, job: &Job) -> impl Future<Output = JobOutcome> + Send;

    /// Called for every pulled change after the engine's own handling. An error is logged and the feed goes on.
    fn apply_change(&self, change: &Change) -> impl Future<Output = Result<(), String>> + Send {
        let _ = change;
        async { Ok(()) }
    }
}

/// Hooks that know no jobs (they stay due) and no changes: for tests and tools.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHooks;

impl SyncHooks for NoHooks {
    async fn run_job(&self, _job: &Job) -> JobOutcome {
        JobOutcome::Retry { error: "no_runner".into() }
    }
}

type Observer = Arc<dyn Fn(&SyncStatus) + Send + Sync>;

/// The work list the parallel blob uploaders share within one round.
struct UploadQueue<'a> {
    blobs: &'a [BlobHash],
    next: AtomicUsize,
    done: AtomicU64,
    /// Set by the first worker that fails: the others finish the blob in hand and stop.
    stop: AtomicBool,
    /// Blobs the central holds completely, not yet marked in the store.
    held: Mutex<Vec<BlobHash>>,
}

/// Where a round's time went (logged at debug level at the end of each round; no personal data).
#[derive(Debug, Default)]
struct RoundTimings {
    /// Wall time of each phase.
    upload: Duration,
    push: Duration,
    pull: Duration,
    jobs: Duration,
    purge: Duration,
    /// Within the upload: reading blobs from the store (and checking their hash), the HEAD/PATCH calls,
    /// writing the acknowledgements.
    blob_read: Duration,
    blob_send: Duration,
    blob_ack: Duration,
    /// Within the push: reading the outbox, the push calls, settling the answers.
    outbox_read: Duration,
    push_send: Duration,
    settle: Duration,
    pushes: u32,
}

fn ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl RoundTimings {
    fn log(&self) {
        tracing::debug!(
            upload_ms = ms(self.upload),
            blob_read_ms = ms(self.blob_read),
            blob_send_ms = ms(self.blob_send),
            blob_ack_ms = ms(self.blob_ack),
            push_ms = ms(self.push),
            outbox_read_ms = ms(self.outbox_read),
            push_send_ms = ms(self.push_send),
            settle_ms = ms(self.settle),
            pushes = self.pushes,
            pull_ms = ms(self.pull),
            jobs_ms = ms(self.jobs),
            purge_ms = ms(self.purge),
            "sync round timings"
        );
    }
}

/// Runs `future` and adds its wall time to `total`.
async fn timed<R>(total: &mut Duration, future: impl Future<Output = R>) -> R {
    let started = Instant::now();
    let result = future.await;
    *total += started.elapsed();
    result
}

/// The sync engine of one open store. Cheap to share behind an `Arc`; rounds never overlap.
pub struct SyncEngine<T: SyncTransport, H: SyncHooks = NoHooks> {
    store: DeskStore,
    transport: T,
    hooks: H,
    clock: Arc<dyn Clock>,
    config: SyncConfig,
    status: Mutex<SyncStatus>,
    observer: Option<Observer>,
    rng: Mutex<StdRng>,
    round: tokio::sync::Mutex<()>,
}

impl<T: SyncTransport, H: SyncHooks> SyncEngine<T, H> {
    pub fn new(store: DeskStore, transport: T, hooks: H) -> Self {
        Self::with_config(store, transport, hooks, SyncConfig::default(), Arc::new(SystemClock))
    }

    pub fn with_config(store: DeskStore, transport: T, hooks: H, config: SyncConfig, clock: Arc<dyn Clock>) -> Self {
        let rng = match config.jitter_seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_entropy(),
        };
        let config = SyncConfig {
            batch_size: config.batch_size.clamp(1, MAX_PUSH_MUTATIONS),
            pull_limit: config.pull_limit.clamp(1, MAX_PULL_LIMIT),
            chunk_bytes: config.chunk_bytes.clamp(1, MAX_BLOB_CHUNK_BYTES),
            upload_concurrency: config.upload_concurrency.clamp(1, MAX_UPLOAD_CONCURRENCY),
            jitter: config.jitter.clamp(0.0, 1.0),
            ..config
        };
        Self {
            store,
            transport,
            hooks,
            clock,
            config,
            status: Mutex::default(),
            observer: None,
            rng: Mutex::new(rng),
            round: tokio::sync::Mutex::new(()),
        }
    }

    /// Called with the status after every change of it (from the task running the round: keep it quick).
    pub fn with_observer(mut self, observer: impl Fn(&SyncStatus) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    pub fn store(&self) -> &DeskStore {
        &self.store
    }

    pub fn hooks(&self) -> &H {
        &self.hooks
    }

    pub fn status(&self) -> SyncStatus {
        self.status.lock().expect("status lock").clone()
    }

    /// Reads pending count, rejections and the last sync from the store and publishes them (e.g. at start, or
    /// after the desk wrote new mutations).
    pub async fn refresh_status(&self) -> Result<SyncStatus, SyncError> {
        let pending = self.store.pending_count().await?;
        let rejected = self.rejected().await?;
        let last_synced_at = self.store.last_synced_at().await?;
        self.update(|s| {
            s.pending = pending;
            s.rejected = rejected;
            s.last_synced_at = last_synced_at;
        });
        Ok(self.status())
    }

    /// Rounds every `every` until the session is gone (returns [`SyncError::NeedsLogin`]). Other errors are
    /// published and the next round tries again.
    pub async fn run(&self, every: Duration) -> SyncError {
        loop {
            match self.sync_once().await {
                Err(SyncError::NeedsLogin) => return SyncError::NeedsLogin,
                Err(error) => tracing::info!(code = error.code(), detail = error.detail_code(), "sync round stopped"),
                Ok(_) => {}
            }
            self.clock.sleep(every).await;
        }
    }

    /// One round. Side jobs and the purge run even when the central is unreachable: the photo cloud is another
    /// server, and the purge only ever deletes what the central acknowledged.
    pub async fn sync_once(&self) -> Result<SyncReport, SyncError> {
        let _one_round_at_a_time = self.round.lock().await;
        let mut report = SyncReport::default();
        let mut times = RoundTimings::default();
        let exchanged = self.exchange(&mut report, &mut times).await;
        let started = Instant::now();
        let jobs = self.run_due_jobs(&mut report).await;
        times.jobs = started.elapsed();
        let started = Instant::now();
        let purged = self.purge().await;
        times.purge = started.elapsed();
        times.log();
        let result = exchanged.and(jobs).and(purged);
        let pending = self.store.pending_count().await;
        let rejected = self.rejected().await;
        let last_synced_at = self.store.last_synced_at().await;
        let (phase, code) = match &result {
            Ok(()) => (SyncPhase::Idle, None),
            Err(SyncError::NeedsLogin) => (SyncPhase::NeedsLogin, Some("sync_needs_login".to_owned())),
            Err(error @ SyncError::Unavailable { .. }) => (SyncPhase::Offline, Some(error.detail_code().to_owned())),
            Err(error) => (SyncPhase::Failed, Some(error.code().to_owned())),
        };
        self.update(|s| {
            s.phase = phase;
            s.last_error_code = code;
            s.done = 0;
            s.total = 0;
            if let Ok(pending) = pending {
                s.pending = pending;
            }
            if let Ok(rejected) = rejected {
                s.rejected = rejected;
            }
            if let Ok(at) = last_synced_at {
                s.last_synced_at = at;
            }
        });
        report.pending = self.status().pending;
        result.map(|()| report)
    }

    async fn exchange(&self, report: &mut SyncReport, times: &mut RoundTimings) -> Result<(), SyncError> {
        let started = Instant::now();
        let uploaded = self.upload_blobs(report, times).await;
        times.upload = started.elapsed();
        uploaded?;
        let started = Instant::now();
        let pushed = self.push_pending(report, times).await;
        times.push = started.elapsed();
        pushed?;
        let started = Instant::now();
        let pulled = self.pull_changes(report).await;
        times.pull = started.elapsed();
        pulled?;
        self.store.set_last_synced_at(self.clock.now()).await?;
        Ok(())
    }

    /// Every blob the central does not hold yet goes up before the mutations that name it. (All unacknowledged
    /// blobs, not just those of pending mutations: blobs are put only together with the mutation naming them.)
    ///
    /// Up to `upload_concurrency` blobs are in flight at once: while the central stores one, the next is read from
    /// the store and sent. Each blob's upload is the same resumable sequence as alone; they never share a blob.
    async fn upload_blobs(&self, report: &mut SyncReport, times: &mut RoundTimings) -> Result<(), SyncError> {
        let blobs = self.store.unacknowledged_blobs().await?;
        if blobs.is_empty() {
            return Ok(());
        }
        let total = blobs.len() as u64;
        self.update(|s| {
            s.phase = SyncPhase::UploadingBlobs;
            s.done = 0;
            s.total = total;
        });
        let shared = UploadQueue {
            blobs: &blobs,
            next: AtomicUsize::new(0),
            done: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            held: Mutex::new(Vec::new()),
        };
        // A fixed set of four workers, the ones beyond the configured number return at once.
        let workers = self.config.upload_concurrency;
        let (a, b, c, d) = tokio::join!(
            self.upload_worker(&shared, workers > 0),
            self.upload_worker(&shared, workers > 1),
            self.upload_worker(&shared, workers > 2),
            self.upload_worker(&shared, workers > 3),
        );
        let mut result = Ok(());
        for (worker_times, worker_result) in [a, b, c, d] {
            times.blob_read += worker_times.blob_read;
            times.blob_send += worker_times.blob_send;
            times.blob_ack += worker_times.blob_ack;
            match worker_result {
                Ok(uploaded) => report.blobs_uploaded += uploaded,
                Err(error) if result.is_ok() => result = Err(error),
                Err(_) => {}
            }
        }
        // What the workers left below a full batch (also after an error: those blobs are held).
        let held = std::mem::take(&mut *shared.held.lock().expect("held lock"));
        if !held.is_empty() {
            report.blobs_uploaded +=
                timed(&mut times.blob_ack, self.store.mark_blobs_acknowledged(&held, self.clock.now())).await?;
        }
        result
    }

    /// One of the parallel uploaders: takes the next blob until none is left or another worker failed. Returns
    /// its timings and how many blobs it acknowledged.
    async fn upload_worker(&self, queue: &UploadQueue<'_>, active: bool) -> (RoundTimings, Result<u64, SyncError>) {
        let mut times = RoundTimings::default();
        let mut acknowledged = 0;
        while active && !queue.stop.load(Ordering::Relaxed) {
            let Some(hash) = queue.blobs.get(queue.next.fetch_add(1, Ordering::Relaxed)) else {
                break;
            };
            let uploaded = match self.upload_blob(hash, &mut times).await {
                Ok(held) => held,
                Err(error) => {
                    queue.stop.store(true, Ordering::Relaxed);
                    return (times, Err(error));
                }
            };
            // Acknowledgements are written in batches (one disk sync each): one lost to a crash only costs a
            // PATCH next time, which finds the blob complete.
            let batch = {
                let mut held = queue.held.lock().expect("held lock");
                if uploaded {
                    held.push(hash.clone());
                }
                if held.len() >= ACK_BATCH {
                    std::mem::take(&mut *held)
                } else {
                    Vec::new()
                }
            };
            if !batch.is_empty() {
                match timed(&mut times.blob_ack, self.store.mark_blobs_acknowledged(&batch, self.clock.now())).await {
                    Ok(count) => acknowledged += count,
                    Err(error) => {
                        queue.stop.store(true, Ordering::Relaxed);
                        return (times, Err(error.into()));
                    }
                }
            }
            let done = queue.done.fetch_add(1, Ordering::Relaxed) + 1;
            self.update(|s| s.done = s.done.max(done));
        }
        (times, Ok(acknowledged))
    }

    /// tus-style: ask the server's offset, send the rest in chunks. Returns whether the server now holds it all.
    async fn upload_blob(&self, hash: &BlobHash, times: &mut RoundTimings) -> Result<bool, SyncError> {
        let Some(bytes) = timed(&mut times.blob_read, self.store.get_blob(hash)).await? else {
            return Ok(false);
        };
        let length = bytes.len() as u64;
        let mut offset_conflicts = 0;
        // Most blobs are new to the central: send from 0 at once and ask its offset (HEAD) only when it answers
        // that it holds some already (409), i.e. after a crash or for a blob it has from elsewhere.
        let mut optimistic = true;
        'from_head: loop {
            let state = if optimistic {
                optimistic = false;
                Some(BlobState { offset: 0, length: None })
            } else {
                timed(&mut times.blob_send, self.call(|| self.transport.blob_head(hash.as_str()))).await?
            };
            let mut offset = match state {
                None => 0,
                Some(state) => {
                    if state.length.is_some_and(|announced| announced != length) {
                        return Err(SyncError::Protocol("Upload-Length"));
                    }
                    state.offset
                }
            };
            if offset > length {
                return Err(SyncError::Protocol("Upload-Offset"));
            }
            while offset < length {
                let end = (offset + self.config.chunk_bytes as u64).min(length);
                let chunk = &bytes[offset as usize..end as usize];
                let sent = self.call(|| self.transport.blob_patch(hash.as_str(), offset, length, chunk));
                match timed(&mut times.blob_send, sent).await {
                    Ok(new_offset) if new_offset > offset && new_offset <= length => offset = new_offset,
                    Ok(_) => return Err(SyncError::Protocol("Upload-Offset")),
                    Err(TransportError::OffsetMismatch) if offset_conflicts < 4 => {
                        // Another attempt (ours, before a crash) got further than we knew: ask again.
                        offset_conflicts += 1;
                        continue 'from_head;
                    }
                    Err(error) => return Err(error.into()),
                }
            }
            tracing::debug!(sha256 = hash.as_str(), bytes = length, "blob held by central");
            return Ok(true);
        }
    }

    async fn push_pending(&self, report: &mut SyncReport, times: &mut RoundTimings) -> Result<(), SyncError> {
        let total = self.store.pending_count().await?;
        if total == 0 {
            return Ok(());
        }
        self.update(|s| {
            s.phase = SyncPhase::Pushing;
            s.done = 0;
            s.total = total;
            s.pending = total;
        });
        let mut done = 0u64;
        loop {
            let batch = timed(&mut times.outbox_read, self.store.pending(self.config.batch_size as u32)).await?;
            let Some(first) = batch.first().map(|m| m.seq) else {
                return Ok(());
            };
            let request = PushRequest {
                device_id: self.store.device_id().to_owned(),
                mutations: batch
                    .iter()
                    .map(|m| PushMutation {
                        seq: m.seq,
                        id: m.id,
                        kind: m.kind.clone(),
                        occurred_at: m.occurred_at,
                        clerk_id: m.clerk_id,
                        payload: m.payload.clone(),
                    })
                    .collect(),
            };
            times.pushes += 1;
            let answer = timed(&mut times.push_send, self.call(|| self.transport.push(&request))).await;
            if let Err(TransportError::Refused { code, .. }) = &answer {
                if code == BLOB_MISSING {
                    // The central lost a photo it had confirmed (restored from a backup, say): ask it again about
                    // every blob still here, so the next round uploads what it lacks instead of refusing forever.
                    let forgotten = self.store.forget_blob_acknowledgements().await?;
                    tracing::warn!(forgotten, "central misses a blob it had confirmed: blobs are checked again");
                }
            }
            let settled = match answer? {
                PushOutcome::Answered(response) => {
                    let mut settlements = Vec::with_capacity(response.results.len());
                    let mut counts = SyncReport::default();
                    for result in response.results {
                        if !batch.iter().any(|m| m.seq == result.seq) {
                            tracing::warn!(seq = result.seq, "push answer names a mutation that was not pushed");
                            continue;
                        }
                        settlements.push(settlement(result, &mut counts));
                    }
                    // One transaction for the whole answer: one disk sync per batch, not per mutation.
                    timed(&mut times.settle, self.store.settle(&settlements, self.clock.now())).await?;
                    report.pushed += counts.pushed;
                    report.replayed += counts.replayed;
                    report.rejected += counts.rejected;
                    settlements.len() as u64
                }
                PushOutcome::Gap(gap) => {
                    let expected = gap.expected_seq;
                    if expected < first {
                        tracing::error!(expected, first_pending = first, "central expects an acknowledged seq");
                        return Err(SyncError::SequenceBehind { expected, first_pending: first });
                    }
                    // The central holds everything before `expected` (it answered those pushes, the answers were
                    // lost and it does not replay them): settle ours as replayed without a stored response and
                    // re-read the outbox from `expected`.
                    tracing::warn!(expected, first_pending = first, "sequence gap: central is ahead");
                    let settlements: Vec<(i64, Settlement)> = batch
                        .iter()
                        .filter(|m| m.seq < expected)
                        .map(|m| (m.seq, Settlement::Acknowledged(AckResult::Replayed(None))))
                        .collect();
                    self.store.settle(&settlements, self.clock.now()).await?;
                    report.replayed += settlements.len() as u64;
                    settlements.len() as u64
                }
            };
            if settled == 0 {
                // Neither progress nor an error: pushing the same batch again would loop forever.
                return Err(SyncError::Protocol("Antwort ohne Ergebnis"));
            }
            done += settled;
            let pending = total.saturating_sub(done);
            self.update(|s| {
                s.done = done.min(s.total);
                s.pending = pending;
            });
        }
    }

    async fn pull_changes(&self, report: &mut SyncReport) -> Result<(), SyncError> {
        self.update(|s| {
            s.phase = SyncPhase::Pulling;
            s.done = 0;
            s.total = 0;
        });
        let mut cursor = self.store.pull_cursor().await?;
        loop {
            let page = self.call(|| self.transport.pull(cursor, self.config.pull_limit)).await?;
            if page.next_cursor < cursor {
                return Err(SyncError::Protocol("Cursor rückwärts"));
            }
            for change in &page.changes {
                self.apply_change(change).await;
                report.changes_pulled += 1;
            }
            // Only after the page is applied: a crash in between pulls it again.
            self.store.set_pull_cursor(page.next_cursor).await?;
            let moved = page.next_cursor != cursor;
            cursor = page.next_cursor;
            if !page.has_more || !moved {
                return Ok(());
            }
        }
    }

    async fn apply_change(&self, change: &Change) {
        if change.entity == entities::CLERK {
            let clerk = change
                .data
                .as_ref()
                .and_then(|data| serde_json::from_value::<ClerkChange>(data.clone()).ok())
                .map(|c| (c.clerk.id, c.active));
            let gone = match (change.op, clerk) {
                (ChangeOp::Delete, _) => change.id.parse().ok(),
                (ChangeOp::Upsert, Some((id, false))) => Some(id),
                _ => None,
            };
            if let Some(clerk_id) = gone {
                // A deactivated clerk must not log in offline here any more.
                let removed = Keyring::load(self.store.dir()).and_then(|mut keyring| keyring.remove_clerk(clerk_id));
                match removed {
                    Ok(true) => tracing::info!(%clerk_id, "deactivated clerk removed from the keyring"),
                    Ok(false) => {}
                    Err(error) => tracing::warn!(%clerk_id, code = error.code(), "keyring not updated"),
                }
            }
        }
        if let Err(error) = self.hooks.apply_change(change).await {
            tracing::warn!(entity = %change.entity, cursor = change.cursor, error = %error, "pulled change not applied");
        }
    }

    async fn run_due_jobs(&self, report: &mut SyncReport) -> Result<(), SyncError> {
        let due = self.store.due_jobs(self.clock.now()).await?;
        if due.is_empty() {
            return Ok(());
        }
        let total = due.len() as u64;
        self.update(|s| {
            s.phase = SyncPhase::RunningJobs;
            s.done = 0;
            s.total = total;
        });
        for (index, job) in due.iter().enumerate() {
            let now = self.clock.now();
            let settled = match self.hooks.run_job(job).await {
                JobOutcome::Done => {
                    report.jobs_done += 1;
                    self.store.job_succeeded(job.id, now).await
                }
                JobOutcome::Retry { error } => {
                    tracing::info!(job = %job.id, kind = %job.kind, error = %error, "side job failed, retried later");
                    report.jobs_retried += 1;
                    self.store.job_failed(job.id, now, &error).await.map(drop)
                }
                JobOutcome::GiveUp { error } => {
                    tracing::warn!(job = %job.id, kind = %job.kind, error = %error, "side job given up");
                    report.jobs_retried += 1;
                    self.store.job_gave_up(job.id, now, &error).await
                }
            };
            match settled {
                // The desk ran the same job at the same moment (its first attempt right after the accept).
                Err(StoreError::UnknownJob) => tracing::debug!(job = %job.id, "side job settled elsewhere"),
                other => other?,
            }
            self.update(|s| s.done = index as u64 + 1);
        }
        Ok(())
    }

    async fn purge(&self) -> Result<(), SyncError> {
        let purged = self.store.purge_acknowledged(self.clock.now(), self.config.purge_grace).await?;
        if purged != Default::default() {
            tracing::info!(
                records = purged.records,
                blobs = purged.blobs,
                mutations = purged.mutations,
                jobs = purged.jobs,
                "purged acknowledged data"
            );
        }
        Ok(())
    }

    /// One call with backoff while the central is unavailable. Other errors come back at once.
    async fn call<'a, R, F, Fut>(&'a self, mut attempt: F) -> Result<R, TransportError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<R, TransportError>> + 'a,
    {
        let mut failures = 0u32;
        loop {
            match attempt().await {
                Err(TransportError::Unavailable { code }) => {
                    failures += 1;
                    if failures >= self.config.retry.max_attempts.max(1) {
                        return Err(TransportError::Unavailable { code });
                    }
                    let delay = self.backoff(failures);
                    tracing::debug!(code = %code, failures, delay_ms = delay.as_millis() as u64, "central unavailable, backing off");
                    let previous = self.status().phase;
                    self.update(|s| {
                        s.phase = SyncPhase::Waiting;
                        s.last_error_code = Some(code.clone());
                    });
                    self.clock.sleep(delay).await;
                    // Parallel uploads wait side by side: the one that found Waiting leaves the phase to the
                    // one that set it.
                    if previous != SyncPhase::Waiting {
                        self.update(|s| s.phase = previous);
                    }
                }
                other => return other,
            }
        }
    }

    /// The store's job backoff for the n-th failure, plus up to `jitter` of it at random.
    pub fn backoff(&self, failures: u32) -> Duration {
        let base = self.config.retry.delay_after(failures);
        let base = Duration::from_millis(u64::try_from(base.whole_milliseconds()).unwrap_or(0));
        let extra: f64 = self.rng.lock().expect("rng lock").gen_range(0.0..=self.config.jitter);
        base + base.mul_f64(extra)
    }

    async fn rejected(&self) -> Result<Vec<RejectedMutation>, SyncError> {
        Ok(self
            .store
            .rejected()
            .await?
            .into_iter()
            .map(|m| {
                let (code, message) = match m.state {
                    MutationState::Rejected { code, message } => (code, message),
                    _ => (String::new(), String::new()),
                };
                RejectedMutation { seq: m.seq, kind: m.kind, code, message, occurred_at: m.occurred_at }
            })
            .collect())
    }

    fn update(&self, change: impl FnOnce(&mut SyncStatus)) {
        let status = {
            let mut status = self.status.lock().expect("status lock");
            change(&mut status);
            status.clone()
        };
        if let Some(observer) = &self.observer {
            observer(&status);
        }
    }
}

/// The store's record of one result, counted into `counts`.
fn settlement(result: MutationResult, counts: &mut SyncReport) -> (i64, Settlement) {
    let seq = result.seq;
    let settlement = match (result.status, result.error) {
        (MutationStatus::Applied, _) => {
            counts.pushed += 1;
            Settlement::Acknowledged(AckResult::Applied(result.response))
        }
        (MutationStatus::Replayed, None) => {
            counts.replayed += 1;
            Settlement::Acknowledged(AckResult::Replayed(result.response))
        }
        // A replay of a rejection, or a rejection: final; the clerk sees it and the queue goes on.
        (MutationStatus::Replayed | MutationStatus::Rejected, Some(error)) => {
            tracing::info!(seq, code = %error.code, "mutation rejected by central");
            counts.rejected += 1;
            Settlement::Rejected { code: error.code, message: error.message }
        }
        (MutationStatus::Rejected, None) => {
            tracing::info!(seq, "mutation rejected by central without a reason");
            counts.rejected += 1;
            Settlement::Rejected { code: "rejected".into(), message: "Von der Zentrale abgelehnt.".into() }
        }
    };
    (seq, settlement)
}
