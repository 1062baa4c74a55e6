//! The engine against an in-memory central behind the transport trait (the real central is tested with its own
//! crate): order and batching, lost answers, gaps, backoff, rejections, resumed blobs, session expiry, the feed.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use schalter_domain::Role;
use schalter_store::{BlobHash, ClerkProfile, DeskStore, Job, KdfParams, MutationState, NewMutation, NewStore};
use schalter_sync::{
    BlobState, JobOutcome, ManualClock, NoHooks, PushOutcome, SyncConfig, SyncEngine, SyncError, SyncHooks, SyncPhase,
    SyncTransport, TransportError,
};
use schalter_wire::sync::{
    kinds, Change, ChangeOp, ClerkChange, MutationResult, MutationStatus, PullResponse, PushRequest, PushResponse,
    SequenceGap,
};
use schalter_wire::{ApiError, Clerk, Office};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

const START: i64 = 1_800_000_000;

#[derive(Debug, Clone)]
enum Fault {
    Unavailable,
    /// Applies the push, then loses the answer.
    DropAnswer,
    SessionExpired,
}

#[derive(Default)]
struct Server {
    last_seq: i64,
    results: BTreeMap<i64, MutationResult>,
    applied: HashMap<Uuid, u32>,
    /// Without replays: a push starting at or below `last_seq` gets a gap (a stricter server).
    no_replay: bool,
    reject_kinds: HashSet<String>,
    faults: VecDeque<Fault>,
    batches: Vec<Vec<i64>>,
    blobs: HashMap<String, (Vec<u8>, u64)>,
    /// Accepted PATCHes (offset, bytes) and refused ones (wrong offset).
    patches: Vec<(u64, usize)>,
    refused_patches: usize,
    /// PATCHes being answered right now, and the most at once.
    patches_in_flight: usize,
    most_patches_in_flight: usize,
    /// The n-th PATCH (counting from 1, all blobs) answers 401.
    expire_at_patch: Option<usize>,
    patches_seen: usize,
    changes: Vec<Change>,
    /// Like the real central: a `photo.accept` whose blob is not complete refuses the whole push (409).
    refuse_missing_blob: bool,
}

#[derive(Clone, Default)]
struct FakeCentral(Arc<Mutex<Server>>);

impl FakeCentral {
    fn with(&self, f: impl FnOnce(&mut Server)) {
        f(&mut self.0.lock().unwrap());
    }

    fn fault(&self, fault: Fault, times: usize) {
        self.with(|s| s.faults.extend(std::iter::repeat_n(fault, times)));
    }

    fn next_fault(&self) -> Option<Fault> {
        self.0.lock().unwrap().faults.pop_front()
    }
}

fn unavailable() -> TransportError {
    TransportError::Unavailable { code: "central_unreachable".into() }
}

impl SyncTransport for FakeCentral {
    async fn push(&self, request: &PushRequest) -> Result<PushOutcome, TransportError> {
        let fault = self.next_fault();
        match fault {
            Some(Fault::Unavailable) => return Err(unavailable()),
            Some(Fault::SessionExpired) => return Err(TransportError::SessionExpired),
            _ => {}
        }
        let mut s = self.0.lock().unwrap();
        s.batches.push(request.mutations.iter().map(|m| m.seq).collect());
        let first = request.mutations.first().map_or(0, |m| m.seq);
        if first > s.last_seq + 1 || (s.no_replay && first <= s.last_seq) {
            let expected = s.last_seq + 1;
            return Ok(PushOutcome::Gap(SequenceGap {
                code: "sequence_gap".into(),
                message: "Lücke".into(),
                expected_seq: expected,
            }));
        }
        let mut results = Vec::new();
        for m in &request.mutations {
            if let Some(stored) = s.results.get(&m.seq) {
                results.push(MutationResult { status: MutationStatus::Replayed, ..stored.clone() });
                continue;
            }
            let blob_complete =
                |sha: &str| s.blobs.get(sha).is_some_and(|(bytes, length)| bytes.len() as u64 == *length);
            let blob_missing =
                m.kind == kinds::PHOTO_ACCEPT && !m.payload["photo_sha256"].as_str().is_some_and(blob_complete);
            if blob_missing && s.refuse_missing_blob {
                return Err(TransportError::Refused { code: "blob_missing".into(), message: "Foto fehlt.".into() });
            }
            let result = if s.reject_kinds.contains(&m.kind) || blob_missing {
                MutationResult {
                    seq: m.seq,
                    status: MutationStatus::Rejected,
                    response: None,
                    error: Some(ApiError { code: "compartment_taken".into(), message: "Fach belegt.".into() }),
                }
            } else {
                *s.applied.entry(m.id).or_default() += 1;
                MutationResult {
                    seq: m.seq,
                    status: MutationStatus::Applied,
                    response: Some(json!({"n": m.seq})),
                    error: None,
                }
            };
            s.results.insert(m.seq, result.clone());
            s.last_seq = m.seq;
            results.push(result);
        }
        if matches!(fault, Some(Fault::DropAnswer)) {
            return Err(unavailable());
        }
        let last_seq = s.last_seq;
        Ok(PushOutcome::Answered(PushResponse { results, last_seq }))
    }

    async fn pull(&self, cursor: i64, limit: u32) -> Result<PullResponse, TransportError> {
        if let Some(Fault::SessionExpired) = self.next_fault() {
            return Err(TransportError::SessionExpired);
        }
        let s = self.0.lock().unwrap();
        let after: Vec<Change> = s.changes.iter().filter(|c| c.cursor > cursor).cloned().collect();
        let page: Vec<Change> = after.iter().take(limit as usize).cloned().collect();
        let next_cursor = page.last().map_or(cursor, |c| c.cursor);
        Ok(PullResponse { has_more: after.len() > page.len(), changes: page, next_cursor })
    }

    async fn blob_head(&self, sha256: &str) -> Result<Option<BlobState>, TransportError> {
        let s = self.0.lock().unwrap();
        Ok(s.blobs.get(sha256).map(|(bytes, length)| BlobState { offset: bytes.len() as u64, length: Some(*length) }))
    }

    async fn blob_patch(&self, sha256: &str, offset: u64, length: u64, bytes: &[u8]) -> Result<u64, TransportError> {
        {
            let mut s = self.0.lock().unwrap();
            s.patches_seen += 1;
            if s.expire_at_patch == Some(s.patches_seen) {
                return Err(TransportError::SessionExpired);
            }
            s.patches_in_flight += 1;
            s.most_patches_in_flight = s.most_patches_in_flight.max(s.patches_in_flight);
        }
        // The body on its way: other uploads may run meanwhile.
        tokio::time::sleep(Duration::from_millis(2)).await;
        let mut s = self.0.lock().unwrap();
        s.patches_in_flight -= 1;
        let (held, _) = s.blobs.entry(sha256.to_owned()).or_insert_with(|| (Vec::new(), length));
        if held.len() as u64 != offset {
            s.refused_patches += 1;
            return Err(TransportError::OffsetMismatch);
        }
        held.extend_from_slice(bytes);
        let held = held.clone();
        s.patches.push((offset, bytes.len()));
        if held.len() as u64 == length {
            assert_eq!(BlobHash::of(&held).as_str(), sha256, "the complete blob matches its name");
        }
        Ok(held.len() as u64)
    }
}

fn clock() -> ManualClock {
    ManualClock::new(OffsetDateTime::from_unix_timestamp(START).unwrap())
}

fn config() -> SyncConfig {
    SyncConfig { jitter_seed: Some(7), ..SyncConfig::default() }
}

fn engine<H: SyncHooks>(
    store: &DeskStore,
    central: &FakeCentral,
    hooks: H,
    config: SyncConfig,
    clock: &ManualClock,
) -> SyncEngine<FakeCentral, H> {
    SyncEngine::with_config(store.clone(), central.clone(), hooks, config, Arc::new(clock.clone()))
}

fn erika() -> ClerkProfile {
    ClerkProfile {
        clerk_id: Uuid::from_u128(7),
        username: "erika".into(),
        display_name: "Erika Mustermann".into(),
        role: Role::Clerk,
        office_id: "05111000_01".into(),
        office_name: "Bürgerbüro".into(),
    }
}

async fn store(dir: &Path) -> DeskStore {
    let NewStore { store, keyring, data_key } = DeskStore::create(dir, "desk-test").await.unwrap();
    let mut keyring = keyring.with_kdf_params(KdfParams { m_cost_kib: 8, t_cost: 1, p_cost: 1 });
    keyring.add_clerk(&erika(), "passwort-lang-genug", &data_key, OffsetDateTime::now_utc()).unwrap();
    store
}

async fn write(store: &DeskStore, kind: &str, n: usize) -> Vec<(i64, Uuid)> {
    let mut out = Vec::new();
    for i in 0..n {
        let mut tx = store.transaction().await.unwrap();
        let at = tx
            .push_mutation(&NewMutation {
                kind: kind.into(),
                payload: json!({"i": i}),
                occurred_at: OffsetDateTime::from_unix_timestamp(START).unwrap(),
                clerk_id: Uuid::nil(),
            })
            .await
            .unwrap();
        tx.commit().await.unwrap();
        out.push((at.seq, at.id));
    }
    out
}

fn photo(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 56) as u8
        })
        .collect()
}

#[tokio::test]
async fn pushes_in_seq_order_in_batches_and_empties_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let central = FakeCentral::default();
    let written = write(&store, kinds::PHOTO_AUDIT, 250).await;
    let clock = clock();
    let engine = engine(&store, &central, NoHooks, config(), &clock);

    let report = engine.sync_once().await.unwrap();
    assert_eq!((report.pushed, report.replayed, report.rejected, report.pending), (250, 0, 0, 0));
    central.with(|s| {
        let sizes: Vec<usize> = s.batches.iter().map(Vec::len).collect();
        assert_eq!(sizes, [100, 100, 50]);
        let order: Vec<i64> = s.batches.concat();
        assert_eq!(order, (1..=250).collect::<Vec<_>>());
        assert!(written.iter().all(|(_, id)| s.applied[id] == 1));
    });
    assert_eq!(store.pending_count().await.unwrap(), 0);
    let first = store.mutation(1).await.unwrap().unwrap();
    assert_eq!(first.state, MutationState::Applied { response: Some(json!({"n": 1})) });
    let status = engine.status();
    assert_eq!((status.phase, status.pending), (SyncPhase::Idle, 0));
    assert!(status.last_synced_at.is_some());
    // Nothing left: a second round sends nothing.
    engine.sync_once().await.unwrap();
    central.with(|s| assert_eq!(s.batches.len(), 3));
}

#[tokio::test]
async fn regression_an_answer_lost_after_the_central_applied_is_replayed_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let central = FakeCentral::default();
    let written = write(&store, kinds::PHOTO_AUDIT, 5).await;
    central.fault(Fault::DropAnswer, 1);
    let clock = clock();
    let report = engine(&store, &central, NoHooks, config(), &clock).sync_once().await.unwrap();
    assert_eq!((report.pushed, report.replayed), (0, 5), "the retry got the stored answers");
    central.with(|s| {
        assert_eq!(s.batches.len(), 2);
        assert!(written.iter().all(|(_, id)| s.applied[id] == 1), "applied exactly once");
    });
    let first = store.mutation(1).await.unwrap().unwrap();
    assert_eq!(first.state, MutationState::Replayed { response: Some(json!({"n": 1})) });
}

#[tokio::test]
async fn a_gap_where_the_central_is_ahead_rereads_from_the_expected_seq() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let central = FakeCentral::default();
    write(&store, kinds::PHOTO_AUDIT, 5).await;
    // The central applied 1..5 but the answers were lost (and the desk crashed before retrying).
    central.fault(Fault::DropAnswer, 1);
    let clock = clock();
    let strict = SyncConfig { retry: schalter_store::RetryPolicy { max_attempts: 1, ..config().retry }, ..config() };
    assert!(matches!(
        engine(&store, &central, NoHooks, strict, &clock).sync_once().await,
        Err(SyncError::Unavailable { .. })
    ));
    assert_eq!(store.pending_count().await.unwrap(), 5, "nothing lost");
    write(&store, kinds::PHOTO_AUDIT, 3).await;
    central.with(|s| s.no_replay = true);

    let report = engine(&store, &central, NoHooks, config(), &clock).sync_once().await.unwrap();
    assert_eq!((report.replayed, report.pushed, report.pending), (5, 3, 0));
    central.with(|s| assert_eq!(s.batches.last().unwrap(), &vec![6, 7, 8]));
}

#[tokio::test]
async fn a_central_behind_the_desk_is_an_error_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let central = FakeCentral::default();
    write(&store, kinds::PHOTO_AUDIT, 3).await;
    let clock = clock();
    engine(&store, &central, NoHooks, config(), &clock).sync_once().await.unwrap();
    // The central is restored from a backup without 1..3; the desk holds them as acknowledged.
    central.with(|s| {
        s.last_seq = 0;
        s.results.clear();
    });
    write(&store, kinds::PHOTO_AUDIT, 1).await;
    let engine = engine(&store, &central, NoHooks, config(), &clock);
    let error = engine.sync_once().await.unwrap_err();
    assert!(matches!(error, SyncError::SequenceBehind { expected: 1, first_pending: 4 }), "{error:?}");
    assert_eq!(error.code(), "sync_sequence_behind");
    assert_eq!(store.pending_count().await.unwrap(), 1);
    assert_eq!(engine.status().phase, SyncPhase::Failed);
}

#[tokio::test]
async fn an_unavailable_central_is_retried_with_exponential_backoff_and_jitter() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let central = FakeCentral::default();
    write(&store, kinds::PHOTO_AUDIT, 2).await;
    central.fault(Fault::Unavailable, 3);
    let clock = clock();
    let report = engine(&store, &central, NoHooks, config(), &clock).sync_once().await.unwrap();
    assert_eq!(report.pushed, 2);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 3);
    for (sleep, base) in sleeps.iter().zip([1u64, 2, 4]) {
        let base = Duration::from_secs(base);
        assert!(*sleep >= base && *sleep <= base.mul_f64(1.25), "{sleep:?} for {base:?}");
    }
    assert!(sleeps.windows(2).all(|w| w[0] < w[1]), "{sleeps:?}");
    // The clock moved by the sleeps: acknowledgements carry the later time.
    assert!(clock.sleeps().iter().sum::<Duration>() >= Duration::from_secs(7));

    // Past the attempts of a round: the round ends as offline, nothing lost; the next round succeeds.
    write(&store, kinds::PHOTO_AUDIT, 1).await;
    central.fault(Fault::Unavailable, 6);
    let engine = engine(&store, &central, NoHooks, config(), &clock);
    let error = engine.sync_once().await.unwrap_err();
    assert_eq!(error.code(), "central_unreachable");
    assert_eq!(clock.sleeps().len(), 3 + 5, "six attempts, five pauses");
    let capped = *clock.sleeps().last().unwrap();
    assert!(capped >= Duration::from_secs(16) && capped <= Duration::from_secs(20), "{capped:?}");
    let status = engine.status();
    assert_eq!((status.phase, status.pending), (SyncPhase::Offline, 1));
    assert_eq!(status.last_error_code.as_deref(), Some("central_unreachable"));
    assert_eq!(engine.sync_once().await.unwrap().pushed, 1);
}

#[tokio::test]
async fn a_rejected_mutation_is_marked_and_the_queue_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let central = FakeCentral::default();
    central.with(|s| {
        s.reject_kinds.insert("box.reserve".into());
    });
    write(&store, kinds::PHOTO_AUDIT, 1).await;
    write(&store, "box.reserve", 1).await;
    write(&store, kinds::PHOTO_AUDIT, 1).await;
    let clock = clock();
    let engine = engine(&store, &central, NoHooks, config(), &clock);
    let report = engine.sync_once().await.unwrap();
    assert_eq!((report.pushed, report.rejected, report.pending), (2, 1, 0));
    let status = engine.status();
    assert_eq!(status.rejected.len(), 1);
    assert_eq!((status.rejected[0].seq, status.rejected[0].code.as_str()), (2, "compartment_taken"));
    assert_eq!(status.rejected[0].kind, "box.reserve");
    assert_eq!(status.phase, SyncPhase::Idle);
}

#[tokio::test]
async fn a_blob_goes_up_before_its_mutation_and_resumes_from_the_centrals_offset() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let central = FakeCentral::default();
    let bytes = photo(2_500_000);
    let now = OffsetDateTime::now_utc();
    let mut tx = store.transaction().await.unwrap();
    let hash = tx.put_blob(&bytes, now).await.unwrap();
    tx.push_mutation(&NewMutation {
        kind: kinds::PHOTO_ACCEPT.into(),
        payload: json!({"photo_sha256": hash.as_str()}),
        occurred_at: now,
        clerk_id: Uuid::nil(),
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // An earlier attempt (killed mid-upload) left 1.5 MB at the central.
    central.with(|s| {
        s.blobs.insert(hash.as_str().to_owned(), (bytes[..1_500_000].to_vec(), bytes.len() as u64));
    });
    let clock = clock();
    let report = engine(&store, &central, NoHooks, config(), &clock).sync_once().await.unwrap();
    assert_eq!((report.blobs_uploaded, report.pushed, report.rejected), (1, 1, 0));
    central.with(|s| {
        assert_eq!(s.patches, [(1_500_000, 1_000_000)], "only the rest, from the central's offset");
        assert_eq!(s.refused_patches, 1, "the optimistic first PATCH from 0 learnt of the partial upload");
        assert_eq!(s.blobs[hash.as_str()].0, bytes);
    });
    assert!(store.unacknowledged_blobs().await.unwrap().is_empty());

    // Idempotent: a blob the central already holds completely is not sent again.
    let mut tx = store.transaction().await.unwrap();
    tx.put_blob(&photo(10), now).await.unwrap();
    tx.commit().await.unwrap();
    central.with(|s| {
        let small = photo(10);
        s.blobs.insert(BlobHash::of(&small).as_str().to_owned(), (small, 10));
    });
    let report = engine(&store, &central, NoHooks, config(), &clock).sync_once().await.unwrap();
    assert_eq!(report.blobs_uploaded, 1);
    central.with(|s| assert_eq!((s.patches.len(), s.refused_patches), (1, 2)));
}

#[tokio::test]
async fn a_new_blob_goes_up_in_chunks_without_asking_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let central = FakeCentral::default();
    let bytes = photo(2_100_000);
    let mut tx = store.transaction().await.unwrap();
    tx.put_blob(&bytes, OffsetDateTime::now_utc()).await.unwrap();
    tx.commit().await.unwrap();
    let clock = clock();
    let report = engine(&store, &central, NoHooks, config(), &clock).sync_once().await.unwrap();
    assert_eq!(report.blobs_uploaded, 1);
    central.with(|s| {
        assert_eq!(s.patches, [(0, 1_048_576), (1_048_576, 1_048_576), (2_097_152, 2_848)]);
        assert_eq!(s.refused_patches, 0);
    });
}

async fn put_photos(store: &DeskStore, n: usize) -> Vec<BlobHash> {
    let mut hashes = Vec::new();
    for i in 0..n {
        let mut bytes = photo(5_000);
        bytes[0] = i as u8;
        let mut tx = store.transaction().await.unwrap();
        hashes.push(tx.put_blob(&bytes, OffsetDateTime::now_utc()).await.unwrap());
        tx.commit().await.unwrap();
    }
    hashes
}

#[tokio::test]
async fn several_blobs_go_up_at_once_and_each_is_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let central = FakeCentral::default();
    let hashes = put_photos(&store, 12).await;
    let clock = clock();
    let report = engine(&store, &central, NoHooks, config(), &clock).sync_once().await.unwrap();
    assert_eq!(report.blobs_uploaded, 12);
    assert!(store.unacknowledged_blobs().await.unwrap().is_empty());
    central.with(|s| {
        assert!(s.most_patches_in_flight > 1, "uploads overlap");
        assert!(s.most_patches_in_flight <= schalter_sync::MAX_UPLOAD_CONCURRENCY);
        assert_eq!((s.patches.len(), s.refused_patches), (12, 0), "one PATCH per new blob, none refused");
        for hash in &hashes {
            assert_eq!(s.blobs[hash.as_str()].0.len(), 5_000);
        }
    });

    // One at a time when configured so.
    let central = FakeCentral::default();
    let dir = tempfile::tempdir().unwrap();
    let store = self::store(dir.path()).await;
    put_photos(&store, 5).await;
    let serial = SyncConfig { upload_concurrency: 1, ..config() };
    assert_eq!(engine(&store, &central, NoHooks, serial, &clock).sync_once().await.unwrap().blobs_uploaded, 5);
    central.with(|s| assert_eq!(s.most_patches_in_flight, 1));
}

#[tokio::test]
async fn a_failure_among_parallel_uploads_acknowledges_only_what_the_central_holds() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let central = FakeCentral::default();
    let hashes = put_photos(&store, 12).await;
    central.with(|s| s.expire_at_patch = Some(5));
    let clock = clock();
    let engine = engine(&store, &central, NoHooks, config(), &clock);
    assert!(matches!(engine.sync_once().await, Err(SyncError::NeedsLogin)));
    let left: HashSet<BlobHash> = store.unacknowledged_blobs().await.unwrap().into_iter().collect();
    central.with(|s| {
        for hash in &hashes {
            let complete = s.blobs.get(hash.as_str()).is_some_and(|(bytes, _)| bytes.len() == 5_000);
            // Acknowledged = complete at the central (what the workers had in hand when one failed counts too).
            assert_eq!(!left.contains(hash), complete, "acknowledged exactly when the central holds it");
        }
        assert!(s.patches.len() < 12, "the others stopped after the failure");
    });
    assert!(!left.is_empty());
    // After a new login the rest goes up; nothing already held is sent again.
    let sent_before = central.0.lock().unwrap().patches.len();
    let report = engine.sync_once().await.unwrap();
    assert_eq!(report.blobs_uploaded, left.len() as u64);
    assert!(store.unacknowledged_blobs().await.unwrap().is_empty());
    central.with(|s| assert_eq!(s.patches.len() - sent_before, left.len()));
}

#[tokio::test]
async fn an_expired_session_stops_the_round_and_keeps_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let central = FakeCentral::default();
    write(&store, kinds::PHOTO_AUDIT, 4).await;
    central.fault(Fault::SessionExpired, 1);
    let clock = clock();
    let engine = engine(&store, &central, NoHooks, config(), &clock);
    assert!(matches!(engine.sync_once().await, Err(SyncError::NeedsLogin)));
    assert_eq!(store.pending_count().await.unwrap(), 4);
    let status = engine.status();
    assert_eq!((status.phase, status.pending), (SyncPhase::NeedsLogin, 4));
    assert!(clock.sleeps().is_empty(), "no backoff: retrying cannot help without a login");
    // The background loop ends on it too (the desk restarts it after the next online login).
    central.fault(Fault::SessionExpired, 1);
    assert!(matches!(engine.run(Duration::from_secs(5)).await, SyncError::NeedsLogin));
    assert_eq!(engine.sync_once().await.unwrap().pushed, 4, "after a new login the queue goes up");
}

#[derive(Clone, Default)]
struct Jobs {
    attempts: Arc<Mutex<Vec<String>>>,
    changes: Arc<Mutex<Vec<String>>>,
}

impl SyncHooks for Jobs {
    async fn run_job(&self, job: &Job) -> JobOutcome {
        let mut attempts = self.attempts.lock().unwrap();
        attempts.push(job.kind.clone());
        if attempts.len() == 1 {
            JobOutcome::Retry { error: "cloud_unreachable".into() }
        } else {
            JobOutcome::Done
        }
    }

    async fn apply_change(&self, change: &Change) -> Result<(), String> {
        self.changes.lock().unwrap().push(change.id.clone());
        Ok(())
    }
}

fn clerk_change(cursor: i64, active: bool) -> Change {
    let clerk = Clerk {
        id: erika().clerk_id,
        username: "erika".into(),
        display_name: "Erika Mustermann".into(),
        role: Role::Clerk,
        office: Office { id: "05111000_01".into(), name: "Bürgerbüro".into() },
    };
    Change {
        cursor,
        entity: "clerk".into(),
        id: clerk.id.to_string(),
        op: ChangeOp::Upsert,
        data: Some(serde_json::to_value(ClerkChange { clerk, active }).unwrap()),
    }
}

#[tokio::test]
async fn the_feed_is_pulled_from_the_stored_cursor_and_a_deactivated_clerk_leaves_the_keyring() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let central = FakeCentral::default();
    central.with(|s| s.changes = (1..=5).map(|c| clerk_change(c, true)).collect());
    let clock = clock();
    let hooks = Jobs::default();
    let small_pages = SyncConfig { pull_limit: 2, ..config() };
    let engine = engine(&store, &central, hooks.clone(), small_pages, &clock);
    assert_eq!(engine.sync_once().await.unwrap().changes_pulled, 5);
    assert_eq!(store.pull_cursor().await.unwrap(), 5);
    assert_eq!(schalter_store::Keyring::load(dir.path()).unwrap().clerk_count(), 1);

    central.with(|s| s.changes.push(clerk_change(6, false)));
    assert_eq!(engine.sync_once().await.unwrap().changes_pulled, 1, "only what is new");
    assert_eq!(schalter_store::Keyring::load(dir.path()).unwrap().clerk_count(), 0);
    assert_eq!(hooks.changes.lock().unwrap().len(), 6);
}

#[tokio::test]
async fn due_jobs_run_with_backoff_even_while_the_central_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let clock = clock();
    store.enqueue_job("photo_cloud.delete", &json!({"photo_id": Uuid::nil()}), clock.now_for_tests()).await.unwrap();
    let central = FakeCentral::default();
    central.fault(Fault::Unavailable, 1);
    let hooks = Jobs::default();
    let once = SyncConfig { retry: schalter_store::RetryPolicy { max_attempts: 1, ..config().retry }, ..config() };
    let engine = engine(&store, &central, hooks.clone(), once, &clock);
    let _ = engine.sync_once().await;
    assert_eq!(hooks.attempts.lock().unwrap().len(), 1, "ran although the central was away");
    // Not due again before the store's job backoff (30 s).
    engine.sync_once().await.unwrap();
    assert_eq!(hooks.attempts.lock().unwrap().len(), 1);
    clock.advance(Duration::from_secs(31));
    let report = engine.sync_once().await.unwrap();
    assert_eq!(report.jobs_done, 1);
    assert!(store.due_jobs(clock.now_for_tests() + Duration::from_secs(3600)).await.unwrap().is_empty());
}

trait NowForTests {
    fn now_for_tests(&self) -> OffsetDateTime;
}

impl NowForTests for ManualClock {
    fn now_for_tests(&self) -> OffsetDateTime {
        schalter_sync::Clock::now(self)
    }
}

#[tokio::test]
async fn a_blob_the_central_lost_after_confirming_it_is_uploaded_again_instead_of_refused_forever() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path()).await;
    let central = FakeCentral::default();
    central.with(|s| s.refuse_missing_blob = true);
    let bytes = photo(300_000);
    let accept = |hash: String| NewMutation {
        kind: kinds::PHOTO_ACCEPT.into(),
        payload: json!({"photo_sha256": hash}),
        occurred_at: OffsetDateTime::now_utc(),
        clerk_id: Uuid::nil(),
    };
    let mut tx = store.transaction().await.unwrap();
    let hash = tx.put_blob(&bytes, OffsetDateTime::now_utc()).await.unwrap();
    tx.push_mutation(&accept(hash.as_str().to_owned())).await.unwrap();
    tx.commit().await.unwrap();
    let clock = clock();
    let engine = engine(&store, &central, NoHooks, config(), &clock);
    let first = engine.sync_once().await.unwrap();
    assert_eq!((first.blobs_uploaded, first.pushed), (1, 1));
    assert!(store.unacknowledged_blobs().await.unwrap().is_empty(), "the central confirmed the photo");

    // The central is restored from a backup without the photo; a second acceptance of the same photo follows.
    central.with(|s| s.blobs.clear());
    let mut tx = store.transaction().await.unwrap();
    tx.push_mutation(&accept(hash.as_str().to_owned())).await.unwrap();
    tx.commit().await.unwrap();
    let refused = engine.sync_once().await.unwrap_err();
    assert_eq!(refused.code(), "blob_missing");
    assert_eq!(
        store.unacknowledged_blobs().await.unwrap(),
        std::slice::from_ref(&hash),
        "asked about again next round"
    );

    let next = engine.sync_once().await.unwrap();
    assert_eq!((next.blobs_uploaded, next.pushed), (1, 1), "uploaded again, then the push goes through");
    assert_eq!(store.pending_count().await.unwrap(), 0);
    central.with(|s| assert_eq!(s.blobs[hash.as_str()].0, bytes));
}
