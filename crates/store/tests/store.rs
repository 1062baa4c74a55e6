//! The desk store end to end: keyring, encryption at rest, outbox, jobs, blobs, purge.
//! All personal data here is synthetic.

use std::path::Path;

use schalter_domain::Role;
use schalter_store::{
    AckResult, BlobHash, ClerkProfile, DataKey, DeskKey, DeskStore, JobState, Keyring, MutationState, NewMutation,
    NewStore, RetryPolicy, StoreError, StoreOptions, DATABASE_FILE,
};
use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const DEVICE: &str = "desk-05111000-01-popup-3";
const PASSWORD: &str = "Kastanien-Herbst-2026";
const VALID: Duration = Duration::days(14);

fn erika() -> ClerkProfile {
    ClerkProfile {
        clerk_id: Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0001),
        username: "erika.mustermann".into(),
        display_name: "Erika Mustermann".into(),
        role: Role::Clerk,
        office_id: "05111000_01".into(),
        office_name: "Bürgerbüro Musterstadt Mitte".into(),
    }
}

fn citizen() -> serde_json::Value {
    json!({
        "given_name": "Erika",
        "family_name": "Mustermann",
        "birth_date": "12.08.1964",
        "phone": "+49 170 1234567",
        "street": "Heidestraße 17",
    })
}

/// A synthetic "photo": a JPEG start marker and pseudo-random bytes, large enough for overflow pages.
fn photo() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    let mut x: u32 = 0x1234_5678;
    while bytes.len() < 20_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push((x >> 24) as u8);
    }
    bytes
}

fn mutation(kind: &str, payload: serde_json::Value) -> NewMutation {
    NewMutation { kind: kind.into(), payload, occurred_at: OffsetDateTime::now_utc(), clerk_id: erika().clerk_id }
}

/// First online login: a new store with Erika wrapped in its keyring.
async fn new_store(dir: &Path) -> (DeskStore, Keyring, DataKey) {
    let NewStore { store, mut keyring, data_key } = DeskStore::create(dir, DEVICE).await.expect("create");
    keyring.add_clerk(&erika(), PASSWORD, &data_key, OffsetDateTime::now_utc()).expect("add clerk");
    (store, keyring, data_key)
}

async fn write_application(store: &DeskStore, id: &str, blobs: &[BlobHash]) -> i64 {
    let mut tx = store.transaction().await.unwrap();
    tx.put_record("application", id, &citizen(), blobs, OffsetDateTime::now_utc()).await.unwrap();
    let at =
        tx.push_mutation(&mutation("application.create", json!({ "id": id, "citizen": citizen() }))).await.unwrap();
    tx.commit().await.unwrap();
    at.seq
}

#[tokio::test]
async fn round_trip_create_unlock_open_write_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _, _) = new_store(dir.path()).await;
    let encryption = store.encryption_info().await.unwrap();
    assert!(encryption.cipher_version.starts_with('4'), "SQLCipher 4 must encrypt the store");
    assert!(!encryption.memory_security, "cipher_memory_security is off by default (README: why)");
    let guarded_dir = tempfile::tempdir().unwrap();
    let guarded = StoreOptions { memory_security: true, ..StoreOptions::default() };
    let guarded = DeskStore::create_with(guarded_dir.path(), DEVICE, guarded).await.unwrap().store;
    assert!(guarded.encryption_info().await.unwrap().memory_security, "and on where the option asks for it");
    guarded.close().await;
    drop(store);

    // Offline login later: the keyring alone gives back the profile and the data key.
    let keyring = Keyring::load(dir.path()).unwrap();
    let (profile, key) = keyring.unlock("  Erika.Mustermann ", PASSWORD, OffsetDateTime::now_utc(), VALID).unwrap();
    assert_eq!(profile, erika());
    let store = DeskStore::open(dir.path(), &key).await.unwrap();
    assert_eq!(store.device_id(), DEVICE);

    let first = write_application(&store, "0192a000-0000-7000-8000-00000000000a", &[]).await;
    let second = write_application(&store, "0192a000-0000-7000-8000-00000000000b", &[]).await;
    let mut tx = store.transaction().await.unwrap();
    let third = tx.push_mutation(&mutation("visit.finish", json!({ "ticket": "A-017" }))).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!((first, second, third.seq), (1, 2, 3));
    assert_eq!(third.id.get_version_num(), 7, "mutation ids are UUIDv7");
    drop(store); // no close(): a committed transaction must survive without one

    let store = DeskStore::open(dir.path(), &key).await.unwrap();
    let pending = store.pending(10).await.unwrap();
    assert_eq!(pending.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert!(pending.iter().all(|m| m.device_id == DEVICE && m.state == MutationState::Pending));
    assert_eq!(pending[0].kind, "application.create");
    assert_eq!(pending[0].payload["citizen"]["birth_date"], "12.08.1964");
    assert_eq!(pending[2].id, third.id);
    assert_eq!(store.pending(2).await.unwrap().len(), 2, "limit");
    assert_eq!(store.pending_count().await.unwrap(), 3);
    assert_eq!(store.get_record("application", "0192a000-0000-7000-8000-00000000000b").await.unwrap(), Some(citizen()));
    // Debug output of a mutation leaves the payload out.
    assert!(!format!("{pending:?}").contains("Mustermann"));
    store.close().await;
}

#[tokio::test]
async fn wrong_password_is_refused_and_the_right_one_works() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, keyring, data_key) = new_store(dir.path()).await;
    let now = OffsetDateTime::now_utc();

    let wrong = keyring.unlock("erika.mustermann", "Kastanien-Herbst-2025", now, VALID).unwrap_err();
    assert!(matches!(wrong, StoreError::InvalidCredentials), "{wrong:?}");
    assert_eq!(wrong.code(), "invalid_credentials");
    assert_eq!(wrong.to_string(), "Benutzername oder Passwort ist falsch.");

    let unknown = keyring.unlock("max.mustermann", PASSWORD, now, VALID).unwrap_err();
    assert_eq!(unknown.code(), "offline_login_unknown");

    let (profile, key) = keyring.unlock("erika.mustermann", PASSWORD, now, VALID).unwrap();
    assert_eq!(profile.display_name, "Erika Mustermann");
    assert_eq!(key, data_key);
    assert_eq!(format!("{key:?}"), "DataKey(…)");
    assert!(!format!("{profile:?}").contains("Erika"));
}

#[tokio::test]
async fn offline_login_expires_after_the_configured_time() {
    let dir = tempfile::tempdir().unwrap();
    let NewStore { mut keyring, data_key, .. } = DeskStore::create(dir.path(), DEVICE).await.unwrap();
    let online = datetime!(2026-11-02 08:15:00 UTC);
    keyring.add_clerk(&erika(), PASSWORD, &data_key, online).unwrap();
    let keyring = Keyring::load(dir.path()).unwrap();
    assert_eq!(keyring.last_online_login(erika().clerk_id), Some(online));

    let valid_for = Duration::days(7);
    assert!(keyring.unlock("erika.mustermann", PASSWORD, online + Duration::days(7), valid_for).is_ok());
    let expired =
        keyring.unlock("erika.mustermann", PASSWORD, online + Duration::days(7) + Duration::seconds(1), valid_for);
    assert_eq!(expired.unwrap_err().code(), "offline_login_expired");
    // A longer configured validity lets the same clerk in at the same moment.
    assert!(keyring.unlock("erika.mustermann", PASSWORD, online + Duration::days(8), Duration::days(30)).is_ok());
    // A clock set back before the last online login would stretch the validity: refused.
    let set_back = keyring.unlock("erika.mustermann", PASSWORD, online - Duration::hours(1), valid_for);
    assert_eq!(set_back.unwrap_err().code(), "clock_before_last_login");
    // A wrong password past expiry says "wrong password", not that the account exists and lapsed.
    let wrong = keyring.unlock("erika.mustermann", "falsch-falsch", online + Duration::days(30), valid_for);
    assert_eq!(wrong.unwrap_err().code(), "invalid_credentials");
}

#[tokio::test]
async fn tampered_login_time_in_the_keyring_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let NewStore { mut keyring, data_key, .. } = DeskStore::create(dir.path(), DEVICE).await.unwrap();
    let online = datetime!(2026-11-02 08:15:00 UTC);
    keyring.add_clerk(&erika(), PASSWORD, &data_key, online).unwrap();
    assert!(keyring.unlock("erika.mustermann", PASSWORD, online + Duration::days(1), Duration::days(7)).is_ok());
    let now = online + Duration::days(10);
    assert_eq!(
        keyring.unlock("erika.mustermann", PASSWORD, now, Duration::days(7)).unwrap_err().code(),
        "offline_login_expired"
    );

    // Moving the recorded time forward in the plaintext file must not revive the login.
    let path = dir.path().join("keyring.json");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("2026-11-02T08:15:00Z"));
    std::fs::write(&path, text.replace("2026-11-02T08:15:00Z", "2026-11-11T08:15:00Z")).unwrap();
    let tampered = Keyring::load(dir.path()).unwrap();
    assert_eq!(
        tampered.unlock("erika.mustermann", PASSWORD, now, Duration::days(7)).unwrap_err().code(),
        "invalid_credentials"
    );
}

#[tokio::test]
async fn password_change_replaces_the_old_wrapping() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, mut keyring, data_key) = new_store(dir.path()).await;
    let now = OffsetDateTime::now_utc();
    let mut promoted = erika();
    promoted.role = Role::Supervisor;
    keyring.add_clerk(&promoted, "Neues-Passwort-Winter-27", &data_key, now).unwrap();
    assert_eq!(keyring.clerk_count(), 1);

    let keyring = Keyring::load(dir.path()).unwrap();
    let old = keyring.unlock("erika.mustermann", PASSWORD, now, VALID).unwrap_err();
    assert_eq!(old.code(), "invalid_credentials");
    let (profile, _) = keyring.unlock("erika.mustermann", "Neues-Passwort-Winter-27", now, VALID).unwrap();
    assert_eq!(profile.role, Role::Supervisor, "the profile last confirmed by the central API");
}

#[tokio::test]
async fn a_second_clerk_unlocks_the_same_data_key_and_a_foreign_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, mut keyring, data_key) = new_store(dir.path()).await;
    let now = OffsetDateTime::now_utc();
    let max = ClerkProfile {
        clerk_id: Uuid::from_u128(2),
        username: "max.mustermann".into(),
        display_name: "Max Mustermann".into(),
        ..erika()
    };
    let foreign = DataKey::random_for_tests();
    assert_eq!(keyring.add_clerk(&max, "Max-sein-Passwort-1", &foreign, now).unwrap_err().code(), "wrong_data_key");
    assert_eq!(keyring.clerk_count(), 1);
    keyring.add_clerk(&max, "Max-sein-Passwort-1", &data_key, now).unwrap();
    assert_eq!(keyring.clerk_count(), 2);
    let (_, key_max) = keyring.unlock("max.mustermann", "Max-sein-Passwort-1", now, VALID).unwrap();
    let (_, key_erika) = keyring.unlock("erika.mustermann", PASSWORD, now, VALID).unwrap();
    assert_eq!(key_max, key_erika);
    assert!(keyring.remove_clerk(max.clerk_id).unwrap());
    assert_eq!(
        Keyring::load(dir.path())
            .unwrap()
            .unlock("max.mustermann", "Max-sein-Passwort-1", now, VALID)
            .unwrap_err()
            .code(),
        "offline_login_unknown"
    );
}

#[tokio::test]
async fn the_desk_key_opens_the_store_for_a_clerk_without_a_wrapping_and_only_the_right_key_does() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut keyring, data_key) = new_store(dir.path()).await;
    drop(store);
    let desk_key = DeskKey::random_for_tests();
    assert!(keyring.unlock_with_desk_key(&desk_key).unwrap().is_none(), "no desk wrapping yet");
    assert_eq!(
        keyring.set_desk_key(&desk_key, &DataKey::random_for_tests()).unwrap_err().code(),
        "wrong_data_key",
        "a key of another store is never wrapped"
    );
    keyring.set_desk_key(&desk_key, &data_key).unwrap();

    let reloaded = Keyring::load(dir.path()).unwrap();
    let unwrapped = reloaded.unlock_with_desk_key(&desk_key).unwrap().expect("the desk key opens it");
    assert_eq!(unwrapped, data_key);
    assert!(reloaded.unlock_with_desk_key(&DeskKey::random_for_tests()).unwrap().is_none(), "another desk's key");
    assert!(DeskStore::open(dir.path(), &unwrapped).await.is_ok());
    // The keyring file shows nothing of either key.
    let raw = std::fs::read_to_string(dir.path().join("keyring.json")).unwrap();
    assert!(raw.contains("\"desk\""), "{raw}");

    // A new desk certificate brings a new desk key: it replaces the old wrapping.
    let mut keyring = reloaded;
    let renewed = DeskKey::random_for_tests();
    keyring.set_desk_key(&renewed, &data_key).unwrap();
    let reloaded = Keyring::load(dir.path()).unwrap();
    assert!(reloaded.unlock_with_desk_key(&renewed).unwrap().is_some());
    assert!(reloaded.unlock_with_desk_key(&desk_key).unwrap().is_none());

    // What the central sends: 32 bytes in standard Base64; anything else is refused.
    assert!(DeskKey::from_base64("ZGVzay1zdG9yZS1rZXktb2YtdGhlLXRlc3QtZGVzayE=").is_ok());
    for bad in [&"QUJD".repeat(11), "", "kein Base64!", "ZGVzaw=="] {
        assert_eq!(DeskKey::from_base64(bad).unwrap_err().code(), "invalid_input", "{bad:?}");
    }
}

#[tokio::test]
async fn create_refuses_an_existing_store_but_replaces_leftovers() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _, data_key) = new_store(dir.path()).await;
    write_application(&store, "a1", &[]).await;
    store.close().await;
    assert_eq!(DeskStore::create(dir.path(), DEVICE).await.unwrap_err().code(), "store_exists");
    assert_eq!(DeskStore::open(dir.path(), &data_key).await.unwrap().pending_count().await.unwrap(), 1, "untouched");

    // A first login that broke off before a clerk was added left a store nobody can open: start over.
    let other = tempfile::tempdir().unwrap();
    let NewStore { store, .. } = DeskStore::create(other.path(), DEVICE).await.unwrap();
    store.close().await;
    let NewStore { store, mut keyring, data_key } = DeskStore::create(other.path(), DEVICE).await.unwrap();
    keyring.add_clerk(&erika(), PASSWORD, &data_key, OffsetDateTime::now_utc()).unwrap();
    assert_eq!(store.pending_count().await.unwrap(), 0);
    assert_eq!(DeskStore::create(other.path(), DEVICE).await.unwrap_err().code(), "store_exists");
}

#[tokio::test]
async fn wrong_data_key_fails_at_open_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _, data_key) = new_store(dir.path()).await;
    write_application(&store, "a1", &[]).await;
    store.close().await;

    let error = DeskStore::open(dir.path(), &DataKey::random_for_tests()).await.unwrap_err();
    assert!(matches!(error, StoreError::WrongDataKey), "{error:?}");
    assert_eq!(error.to_string(), "Der Schlüssel passt nicht zu diesem Datenspeicher.");

    let store = DeskStore::open(dir.path(), &data_key).await.unwrap();
    assert_eq!(store.pending_count().await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequence_is_gapless_under_concurrent_writers() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _, _) = new_store(dir.path()).await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut tx = store.transaction().await.unwrap();
                let id = format!("visit-{i:02}");
                tx.put_record("visit", &id, &json!({ "ticket": i }), &[], OffsetDateTime::now_utc()).await.unwrap();
                tokio::task::yield_now().await;
                let at = tx.push_mutation(&mutation("visit.open", json!({ "id": id }))).await.unwrap();
                tokio::task::yield_now().await;
                tx.commit().await.unwrap();
                (at.seq, id)
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for task in tasks {
        let (seq, id) = task.await.unwrap();
        let stored = store.mutation(seq).await.unwrap().unwrap();
        assert_eq!(stored.payload["id"], id, "each writer got its own number");
        seqs.push(seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=20).collect::<Vec<i64>>());
    let pending: Vec<i64> = store.pending(100).await.unwrap().iter().map(|m| m.seq).collect();
    assert_eq!(pending, (1..=20).collect::<Vec<i64>>());
}

#[tokio::test]
async fn a_failing_change_rolls_back_its_mutation() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _, _) = new_store(dir.path()).await;
    let missing_photo = BlobHash::of(b"never stored");

    let mut tx = store.transaction().await.unwrap();
    let at = tx.push_mutation(&mutation("application.create", json!({ "id": "a1" }))).await.unwrap();
    assert_eq!(at.seq, 1);
    // The change refers to a photo that is not in the store: a foreign-key violation.
    let failed = tx.put_record("application", "a1", &citizen(), &[missing_photo], OffsetDateTime::now_utc()).await;
    assert_eq!(failed.unwrap_err().code(), "internal");
    drop(tx);
    assert_eq!(store.pending_count().await.unwrap(), 0, "the mutation went with the change");
    assert_eq!(store.get_record("application", "a1").await.unwrap(), None);

    // The same change with the photo in the store commits, and takes seq 1: the rollback left no gap.
    let photo_hash = store.put_blob(&photo(), OffsetDateTime::now_utc()).await.unwrap();
    let seq = write_application(&store, "a1", &[photo_hash]).await;
    assert_eq!(seq, 1);
    assert_eq!(store.pending_count().await.unwrap(), 1);
    assert!(store.get_record("application", "a1").await.unwrap().is_some());
}

#[tokio::test]
async fn acknowledged_and_rejected_mutations_leave_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _, _) = new_store(dir.path()).await;
    for id in ["a1", "a2", "a3"] {
        write_application(&store, id, &[]).await;
    }
    let now = OffsetDateTime::now_utc();
    store.mark_acknowledged(1, AckResult::Applied(Some(json!({ "number": "A-2026-0001" }))), now).await.unwrap();
    store.mark_rejected(2, "compartment_taken", "Fach 12 ist schon belegt.", now).await.unwrap();
    store.mark_acknowledged(3, AckResult::Replayed(None), now).await.unwrap();

    assert_eq!(store.pending_count().await.unwrap(), 0);
    let rejected = store.rejected().await.unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        rejected[0].state,
        MutationState::Rejected { code: "compartment_taken".into(), message: "Fach 12 ist schon belegt.".into() }
    );
    let first = store.mutation(1).await.unwrap().unwrap();
    assert_eq!(first.state, MutationState::Applied { response: Some(json!({ "number": "A-2026-0001" })) });

    // Idempotent for a repeated answer; a contradicting one and an unknown seq are errors.
    store.mark_acknowledged(1, AckResult::Replayed(None), now).await.unwrap();
    assert_eq!(store.mark_acknowledged(2, AckResult::Applied(None), now).await.unwrap_err().code(), "mutation_settled");
    assert_eq!(store.mark_rejected(3, "x", "y", now).await.unwrap_err().code(), "mutation_settled");
    assert_eq!(
        store.mark_acknowledged(99, AckResult::Applied(None), now).await.unwrap_err().code(),
        "unknown_mutation"
    );
}

#[tokio::test]
async fn purge_deletes_only_acknowledged_data_past_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _, _) = new_store(dir.path()).await;
    let t0 = datetime!(2026-12-01 09:00:00 UTC);
    let grace = Duration::hours(24);

    let acked_photo = store.put_blob(&photo(), t0).await.unwrap();
    let pending_photo = store.put_blob(b"second synthetic photo", t0).await.unwrap();
    let orphan_photo = store.put_blob(b"photo uploaded, never used", t0).await.unwrap();
    let acked = write_application(&store, "acked", std::slice::from_ref(&acked_photo)).await;
    let pending = write_application(&store, "pending", std::slice::from_ref(&pending_photo)).await;
    let rejected = write_application(&store, "rejected", &[]).await;
    let rewritten = write_application(&store, "rewritten", &[]).await;

    store.mark_blob_acknowledged(&acked_photo, t0).await.unwrap();
    store.mark_blob_acknowledged(&pending_photo, t0).await.unwrap();
    store.mark_blob_acknowledged(&orphan_photo, t0).await.unwrap();
    store.mark_acknowledged(acked, AckResult::Applied(None), t0).await.unwrap();
    store.mark_rejected(rejected, "invalid", "abgelehnt", t0).await.unwrap();
    store.mark_acknowledged(rewritten, AckResult::Applied(None), t0).await.unwrap();
    // Written again after the acknowledgement: the new version is not acknowledged.
    let newer = write_application(&store, "rewritten", &[]).await;
    assert_eq!(store.pending_count().await.unwrap(), 2);

    // Within the grace period nothing goes.
    let early = store.purge_acknowledged(t0 + Duration::hours(23), grace).await.unwrap();
    assert_eq!((early.records, early.blobs, early.mutations), (0, 0, 0));
    assert!(store.get_record("application", "acked").await.unwrap().is_some());
    assert!(store.get_blob(&acked_photo).await.unwrap().is_some());

    // After it: exactly the acknowledged record, its photo, the orphan photo and the settled mutation.
    let report = store.purge_acknowledged(t0 + Duration::hours(25), grace).await.unwrap();
    assert_eq!((report.records, report.blobs, report.mutations), (1, 2, 2));
    assert_eq!(store.get_record("application", "acked").await.unwrap(), None);
    assert_eq!(store.get_blob(&acked_photo).await.unwrap(), None);
    assert_eq!(store.get_blob(&orphan_photo).await.unwrap(), None);
    assert!(store.mutation(acked).await.unwrap().is_none());
    // Never anything unacknowledged: a pending record (even with its photo uploaded), a rejected one, a
    // record rewritten after its acknowledgement, and their mutations.
    for id in ["pending", "rejected", "rewritten"] {
        assert_eq!(store.get_record("application", id).await.unwrap(), Some(citizen()), "{id}");
    }
    assert_eq!(store.get_blob(&pending_photo).await.unwrap().as_deref(), Some(&b"second synthetic photo"[..]));
    assert_eq!(store.pending(10).await.unwrap().iter().map(|m| m.seq).collect::<Vec<_>>(), vec![pending, newer]);
    assert_eq!(store.rejected().await.unwrap().len(), 1);

    // Sequence numbers are never handed out again after a purge.
    let next = write_application(&store, "after-purge", &[]).await;
    assert_eq!(next, newer + 1);
}

#[tokio::test]
async fn blobs_are_content_addressed() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _, _) = new_store(dir.path()).await;
    let now = OffsetDateTime::now_utc();
    let bytes = photo();
    let hash = store.put_blob(&bytes, now).await.unwrap();
    assert_eq!(hash, BlobHash::of(&bytes));
    assert_eq!(store.put_blob(&bytes, now).await.unwrap(), hash, "idempotent");
    assert_eq!(store.get_blob(&hash).await.unwrap(), Some(bytes));
    assert_eq!(store.unacknowledged_blobs().await.unwrap(), vec![hash.clone()]);
    assert!(store.mark_blob_acknowledged(&hash, now).await.unwrap());
    assert!(store.unacknowledged_blobs().await.unwrap().is_empty());
    assert_eq!(store.get_blob(&BlobHash::of(b"other")).await.unwrap(), None);
    assert_eq!(BlobHash::parse(&hash.to_string().to_uppercase()).unwrap(), hash);
    assert!(BlobHash::parse("xyz").is_err());
}

#[tokio::test]
async fn jobs_back_off_exponentially_up_to_a_cap_and_give_up() {
    let dir = tempfile::tempdir().unwrap();
    let retry = RetryPolicy { first_delay: Duration::seconds(10), max_delay: Duration::seconds(60), max_attempts: 5 };
    let NewStore { store, .. } =
        DeskStore::create_with(dir.path(), DEVICE, StoreOptions { retry, ..StoreOptions::default() }).await.unwrap();
    let t0 = datetime!(2026-12-01 09:00:00 UTC);
    let photo_id = "0192b3c4-0000-7000-8000-000000000042";
    let delete = store.enqueue_job("photo.delete", &json!({ "photo_id": photo_id }), t0).await.unwrap();
    let keep = store
        .enqueue_job("photo.keep", &json!({ "photo_id": photo_id, "keep_until": "2027-05-31" }), t0)
        .await
        .unwrap();
    assert_eq!(store.due_jobs(t0).await.unwrap().iter().map(|j| j.id).collect::<Vec<_>>(), vec![delete, keep]);

    store.job_succeeded(keep, t0).await.unwrap();
    assert_eq!(store.job(keep).await.unwrap().unwrap().state, JobState::Done);
    assert_eq!(store.job_succeeded(keep, t0).await.unwrap_err().code(), "unknown_job");

    // Delays 10, 20, 40, then capped at 60; the fifth failure gives up.
    let mut now = t0;
    for expected in [10, 20, 40, 60] {
        let state = store.job_failed(delete, now, "cloud_unreachable").await.unwrap();
        let next = now + Duration::seconds(expected);
        assert_eq!(state, JobState::Pending { next_attempt_at: next });
        assert!(store.due_jobs(next - Duration::milliseconds(1)).await.unwrap().is_empty(), "not due early");
        assert_eq!(store.due_jobs(next).await.unwrap().len(), 1, "due on time");
        now = next;
    }
    assert_eq!(store.job_failed(delete, now, "cloud_unreachable").await.unwrap(), JobState::Failed);
    assert!(store.due_jobs(now + Duration::days(1)).await.unwrap().is_empty());
    let failed = store.failed_jobs().await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0].attempts, failed[0].last_error.as_deref()), (5, Some("cloud_unreachable")));
    assert_eq!(failed[0].payload["photo_id"], photo_id);
}

/// Strings that must never appear in plain bytes on disk.
fn secrets() -> Vec<Vec<u8>> {
    let mut needles: Vec<Vec<u8>> = [
        "Erika",
        "Mustermann",
        "erika.mustermann",
        "12.08.1964",
        "+49 170 1234567",
        "Heidestraße",
        "Bürgerbüro Musterstadt",
        "application.create",
        PASSWORD,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let photo = photo();
    for start in [0, 4_000, 12_345, photo.len() - 32] {
        needles.push(photo[start..start + 32].to_vec());
    }
    needles
}

fn found_in(haystack: &[u8], needles: &[Vec<u8>]) -> Vec<String> {
    needles
        .iter()
        .filter(|n| haystack.windows(n.len()).any(|w| w == n.as_slice()))
        .map(|n| String::from_utf8(n.clone()).unwrap_or_else(|_| format!("<{} photo bytes>", n.len())))
        .collect()
}

fn read_store_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for name in [DATABASE_FILE, "desk.db-wal", "desk.db-shm", "keyring.json"] {
        let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name} must exist: {e}"));
        files.push((name.to_owned(), bytes));
    }
    files
}

#[tokio::test]
async fn nothing_personal_is_readable_on_disk() {
    let needles = secrets();

    // The encrypted store, open (so the WAL and SHM files are there and hold the latest writes).
    let dir = tempfile::tempdir().unwrap();
    let (store, _, _) = new_store(dir.path()).await;
    let photo_hash = store.put_blob(&photo(), OffsetDateTime::now_utc()).await.unwrap();
    write_application(&store, "a1", &[photo_hash]).await;
    let files = read_store_files(dir.path());
    assert!(
        files.iter().find(|(n, _)| n == "desk.db-wal").is_some_and(|(_, b)| b.len() > 20_000),
        "WAL holds the writes"
    );
    for (name, bytes) in &files {
        assert_eq!(found_in(bytes, &needles), Vec::<String>::new(), "plaintext in {name}");
    }
    // After a checkpoint the data is in the main file: still nothing.
    store.close().await;
    let bytes = std::fs::read(dir.path().join(DATABASE_FILE)).unwrap();
    assert!(bytes.len() > 20_000);
    assert_eq!(found_in(&bytes, &needles), Vec::<String>::new(), "plaintext in desk.db after checkpoint");

    // The check can fail: the same data in a plain SQLite file (WAL mode too) is found.
    let plain_dir = tempfile::tempdir().unwrap();
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(plain_dir.path().join("plain.db"))
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    let plain = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::query("CREATE TABLE t (data TEXT, bytes BLOB)").execute(&plain).await.unwrap();
    let profile = serde_json::to_string(&erika()).unwrap();
    for (text, blob) in [(citizen().to_string(), photo()), (profile, PASSWORD.as_bytes().to_vec())] {
        sqlx::query("INSERT INTO t (data, bytes) VALUES (?, ?)").bind(text).bind(blob).execute(&plain).await.unwrap();
    }
    sqlx::query("INSERT INTO t (data) VALUES ('application.create')").execute(&plain).await.unwrap();
    let mut plain_bytes = std::fs::read(plain_dir.path().join("plain.db")).unwrap();
    plain_bytes.extend(std::fs::read(plain_dir.path().join("plain.db-wal")).unwrap());
    assert_eq!(found_in(&plain_bytes, &needles).len(), needles.len(), "every needle is found in plain SQLite");
}

#[tokio::test]
async fn the_pull_cursor_and_last_sync_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (store, keyring, _) = new_store(dir.path()).await;
    assert_eq!(store.pull_cursor().await.unwrap(), 0);
    assert_eq!(store.last_synced_at().await.unwrap(), None);
    store.set_pull_cursor(41).await.unwrap();
    store.set_pull_cursor(42).await.unwrap();
    store.set_last_synced_at(datetime!(2026-12-01 10:00 UTC)).await.unwrap();
    assert!(matches!(store.set_pull_cursor(-1).await, Err(StoreError::InvalidInput(_))));
    store.close().await;

    let (_, data_key) = keyring.unlock("erika.mustermann", PASSWORD, OffsetDateTime::now_utc(), VALID).unwrap();
    let store = DeskStore::open(dir.path(), &data_key).await.unwrap();
    assert_eq!(store.pull_cursor().await.unwrap(), 42);
    assert_eq!(store.last_synced_at().await.unwrap(), Some(datetime!(2026-12-01 10:00 UTC)));
}

#[tokio::test]
async fn the_answers_of_one_push_settle_together_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _, _) = new_store(dir.path()).await;
    let first = write_application(&store, "a1", &[]).await;
    let second = write_application(&store, "a2", &[]).await;
    let now = OffsetDateTime::now_utc();
    let applied = schalter_store::Settlement::Acknowledged(AckResult::Applied(None));
    let rejected = schalter_store::Settlement::Rejected { code: "compartment_taken".into(), message: "belegt".into() };
    // An unknown seq in the batch: nothing of it is settled.
    let error = store.settle(&[(first, applied.clone()), (99, applied.clone())], now).await.unwrap_err();
    assert!(matches!(error, StoreError::UnknownMutation(99)));
    assert_eq!(store.pending_count().await.unwrap(), 2);
    store.settle(&[(first, applied.clone()), (second, rejected.clone())], now).await.unwrap();
    assert_eq!(store.pending_count().await.unwrap(), 0);
    assert!(matches!(store.mutation(second).await.unwrap().unwrap().state, MutationState::Rejected { .. }));
    // The same answers again are a no-op; a contradicting one is refused.
    store.settle(&[(first, applied.clone()), (second, rejected)], now).await.unwrap();
    assert!(matches!(store.settle(&[(second, applied)], now).await, Err(StoreError::MutationSettled { .. })));
}

#[tokio::test]
async fn counters_count_without_gaps_a_rollback_returns_the_number_and_records_list_by_kind() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _keyring, _key) = new_store(dir.path()).await;
    let now = OffsetDateTime::now_utc();
    let mut tx = store.transaction().await.unwrap();
    assert_eq!(tx.next_counter("application").await.unwrap(), 1);
    assert_eq!(tx.next_counter("application").await.unwrap(), 2);
    assert_eq!(tx.next_counter("other").await.unwrap(), 1, "each counter counts alone");
    tx.put_record("application", "a1", &json!({ "n": 2 }), &[], now).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.transaction().await.unwrap();
    assert_eq!(tx.next_counter("application").await.unwrap(), 3);
    tx.rollback().await.unwrap();
    let mut tx = store.transaction().await.unwrap();
    assert_eq!(tx.next_counter("application").await.unwrap(), 3, "the rolled-back number is handed out again");
    assert_eq!(tx.next_counter(" ").await.unwrap_err().code(), "invalid_input");
    tx.put_record("application", "a2", &json!({ "n": 3 }), &[], now + Duration::seconds(1)).await.unwrap();
    tx.put_record("visit", "v1", &json!({}), &[], now).await.unwrap();
    tx.commit().await.unwrap();

    let listed = store.records("application").await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["a2", "a1"], "newest first, only this kind");
    assert_eq!(listed[0].1["n"], 3);
}
