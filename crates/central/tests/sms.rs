//! The SMS outbox on both backends: an SMS queued with its cause is sent once and its text erased;
//! a provider failure is retried with backoff or given up; a send interrupted after the claim is
//! reconciled with the provider before it may go again; two workers never send one SMS twice.

#[macro_use]
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use schalter_central::db::sms as sql;
use schalter_central::secrets::SecretsKey;
use schalter_central::sms::file_sink::FileSink;
use schalter_central::sms::{self, OutgoingSms, SmsFailure, SmsGateway, SmsRound, SmsWorker, MAX_ATTEMPTS};
use schalter_central::{Clock, Db};

use common::{Backend, TestDatabase};

const NOW: i64 = 1_800_000_000;
const NUMBER: &str = "+4915112345678";

fn key() -> SecretsKey {
    SecretsKey::from_bytes(&[5; 32])
}

async fn queue(db: &Db, text: &str) -> String {
    let mut tx = db.begin().await.unwrap();
    let id = sms::queue(&mut tx, &key(), "pickup_pin", NUMBER, text, NOW).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// A provider that fails the first `failures` sends with `failure`, then hands over to the file.
struct Flaky {
    sink: FileSink,
    failures: AtomicUsize,
    failure: SmsFailure,
}

impl SmsGateway for Flaky {
    async fn send(&self, sms: &OutgoingSms) -> Result<Option<String>, SmsFailure> {
        if self.failures.load(Ordering::SeqCst) > 0 {
            self.failures.fetch_sub(1, Ordering::SeqCst);
            return Err(self.failure.clone());
        }
        self.sink.send(sms).await
    }

    async fn was_sent(&self, sms: &OutgoingSms) -> Result<bool, SmsFailure> {
        self.sink.was_sent(sms).await
    }
}

async fn an_sms_is_sent_once_and_its_text_erased(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let db = database.connect().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sms.jsonl");
    let id = queue(&db, "PIN 482913").await;
    let stored = db.sms_state(&id).await.unwrap().unwrap();
    assert_eq!((stored.0.as_str(), stored.2), ("queued", true));
    assert_eq!(db.count_rows("sms_outbox").await.unwrap(), 1);

    let worker = SmsWorker::new(db.clone(), FileSink::new(&path), key(), Clock::manual(NOW));
    assert_eq!(worker.run_once().await.unwrap(), SmsRound { sent: 1, ..SmsRound::default() });
    assert_eq!(worker.run_once().await.unwrap(), SmsRound::default(), "nothing twice");
    let lines = FileSink::new(&path).read_all();
    assert_eq!(lines, [(id.clone(), NUMBER.to_owned(), "PIN 482913".to_owned())]);
    let (state, attempts, has_text, _) = db.sms_state(&id).await.unwrap().unwrap();
    assert_eq!((state.as_str(), attempts, has_text), ("sent", 1, false), "the text with its PIN is gone");
}

async fn a_provider_failure_is_retried_with_backoff_or_given_up(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let db = database.connect().await;
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(NOW);
    let transient = Flaky {
        sink: FileSink::new(dir.path().join("a.jsonl")),
        failures: AtomicUsize::new(2),
        failure: SmsFailure::Transient("seven_500".into()),
    };
    let id = queue(&db, "PIN 1").await;
    let worker = SmsWorker::new(db.clone(), transient, key(), clock.clone());
    assert_eq!(worker.run_once().await.unwrap().retried, 1);
    assert_eq!(worker.run_once().await.unwrap(), SmsRound::default(), "waits its 30 s");
    clock.advance(30);
    assert_eq!(worker.run_once().await.unwrap().retried, 1);
    clock.advance(59);
    assert_eq!(worker.run_once().await.unwrap(), SmsRound::default(), "then 60 s");
    clock.advance(1);
    assert_eq!(worker.run_once().await.unwrap().sent, 1);
    assert_eq!(db.sms_state(&id).await.unwrap().unwrap().1, 3, "three attempts");

    // An invalid number is given up at once; one that never gets through after MAX_ATTEMPTS.
    let permanent = Flaky {
        sink: FileSink::new(dir.path().join("b.jsonl")),
        failures: AtomicUsize::new(1),
        failure: SmsFailure::Permanent("seven_202".into()),
    };
    let refused = queue(&db, "PIN 2").await;
    let worker = SmsWorker::new(db.clone(), permanent, key(), clock.clone());
    assert_eq!(worker.run_once().await.unwrap().failed, 1);
    let (state, _, has_text, error) = db.sms_state(&refused).await.unwrap().unwrap();
    assert_eq!((state.as_str(), has_text, error.as_deref()), ("failed", false, Some("seven_202")));

    let never = Flaky {
        sink: FileSink::new(dir.path().join("c.jsonl")),
        failures: AtomicUsize::new(usize::MAX),
        failure: SmsFailure::Transient("unreachable".into()),
    };
    let hopeless = queue(&db, "PIN 3").await;
    let worker = SmsWorker::new(db.clone(), never, key(), clock.clone());
    for _ in 0..MAX_ATTEMPTS {
        worker.run_once().await.unwrap();
        clock.advance(3600);
    }
    let (state, attempts, _, _) = db.sms_state(&hopeless).await.unwrap().unwrap();
    assert_eq!((state.as_str(), attempts), ("failed", MAX_ATTEMPTS));
}

async fn an_interrupted_send_is_reconciled_before_it_goes_again(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let db = database.connect().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sms.jsonl");
    let clock = Clock::manual(NOW);
    let sink = Arc::new(FileSink::new(&path));

    // Crashed after the claim, before the provider had it: sent again once the lease ran out.
    let lost_before = queue(&db, "PIN vorher").await;
    assert!(sql::claim(&db, &lost_before, NOW + 120).await.unwrap());
    // Crashed after the provider had it, before the answer was stored: not sent again.
    let lost_after = queue(&db, "PIN nachher").await;
    assert!(sql::claim(&db, &lost_after, NOW + 120).await.unwrap());
    let sms =
        OutgoingSms { id: lost_after.clone(), recipient: NUMBER.into(), text: "PIN nachher".into(), queued_at: NOW };
    sink.send(&sms).await.unwrap();

    let worker = SmsWorker::new(db.clone(), sink.clone(), key(), clock.clone());
    assert_eq!(worker.run_once().await.unwrap(), SmsRound::default(), "the lease still runs");
    clock.advance(121);
    let round = worker.run_once().await.unwrap();
    assert_eq!((round.reconciled, round.sent), (2, 1), "{round:?}");
    let ids: Vec<String> = sink.read_all().into_iter().map(|(id, _, _)| id).collect();
    assert_eq!(ids, [lost_after.clone(), lost_before.clone()], "each exactly once");
    for id in [&lost_before, &lost_after] {
        assert_eq!(db.sms_state(id).await.unwrap().unwrap().0, "sent");
    }
}

async fn two_workers_send_each_sms_once(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let db = database.connect().await;
    let dir = tempfile::tempdir().unwrap();
    let sink = Arc::new(FileSink::new(dir.path().join("sms.jsonl")));
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(queue(&db, &format!("PIN {n}")).await);
    }
    let one = SmsWorker::new(db.clone(), sink.clone(), key(), Clock::manual(NOW));
    let two = SmsWorker::new(database.connect().await, sink.clone(), key(), Clock::manual(NOW));
    let (a, b) = tokio::join!(one.run_once(), two.run_once());
    assert_eq!(a.unwrap().sent + b.unwrap().sent, 20);
    let mut sent: Vec<String> = sink.read_all().into_iter().map(|(id, _, _)| id).collect();
    sent.sort();
    ids.sort();
    assert_eq!(sent, ids);
}

on_both_backends!(
    an_sms_is_sent_once_and_its_text_erased,
    a_provider_failure_is_retried_with_backoff_or_given_up,
    an_interrupted_send_is_reconciled_before_it_goes_again,
    two_workers_send_each_sms_once,
);
