//! Numbers for the README, not assertions: `cargo test -p schalter-store --release --test measure -- --ignored --nocapture`.

use std::time::Instant;

use schalter_domain::Role;
use schalter_store::{ClerkProfile, DeskStore, Keyring, NewMutation, NewStore, StoreOptions};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[tokio::test]
#[ignore = "measurement"]
async fn measure_unlock_open_and_writes() {
    let clerk = ClerkProfile {
        clerk_id: Uuid::from_u128(1),
        username: "erika.mustermann".into(),
        display_name: "Erika Mustermann".into(),
        role: Role::Clerk,
        office_id: "05111000_01".into(),
        office_name: "Bürgerbüro Musterstadt".into(),
    };
    for memory_security in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions { memory_security, ..StoreOptions::default() };
        let started = Instant::now();
        let NewStore { store, mut keyring, data_key } =
            DeskStore::create_with(dir.path(), "desk-1", options.clone()).await.unwrap();
        let create = started.elapsed();
        let effective = store.encryption_info().await.unwrap();
        let started = Instant::now();
        keyring.add_clerk(&clerk, "Kastanien-Herbst-2026", &data_key, OffsetDateTime::now_utc()).unwrap();
        let add = started.elapsed();
        let keyring = Keyring::load(dir.path()).unwrap();
        let mut unlocks = Vec::new();
        for _ in 0..5 {
            let started = Instant::now();
            keyring
                .unlock("erika.mustermann", "Kastanien-Herbst-2026", OffsetDateTime::now_utc(), Duration::days(1))
                .unwrap();
            unlocks.push(started.elapsed());
        }
        store.close().await;
        let started = Instant::now();
        let store = DeskStore::open_with(dir.path(), &data_key, options).await.unwrap();
        let open = started.elapsed();
        let started = Instant::now();
        for i in 0..200 {
            let mut tx = store.transaction().await.unwrap();
            let id = format!("a{i}");
            let data = json!({ "family_name": "Mustermann", "birth_date": "12.08.1964", "n": i });
            tx.put_record("application", &id, &data, &[], OffsetDateTime::now_utc()).await.unwrap();
            tx.push_mutation(&NewMutation {
                kind: "application.create".into(),
                payload: data,
                occurred_at: OffsetDateTime::now_utc(),
                clerk_id: Uuid::nil(),
            })
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        let writes = started.elapsed();
        let started = Instant::now();
        for _ in 0..200 {
            store.pending(50).await.unwrap();
        }
        let reads = started.elapsed();
        println!(
            "memory_security={memory_security} (effective {}) cipher={} create={create:?} add_clerk={add:?} \
             unlock={unlocks:?} open={open:?} 200 write tx={writes:?} 200 x pending(50)={reads:?}",
            effective.memory_security, effective.cipher_version
        );
        store.close().await;
    }
}

/// Reading 300 KB photos back (what the sync engine does before each upload), with and without memory security,
/// and how much of it is the SHA-256 check.
#[tokio::test]
#[ignore = "measurement"]
async fn measure_blob_reads() {
    const COUNT: usize = 100;
    let photo =
        |i: usize| -> Vec<u8> { (0..300_000u32).map(|b| (b.wrapping_mul(2_654_435_761) ^ i as u32) as u8).collect() };
    for memory_security in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions { memory_security, ..StoreOptions::default() };
        let NewStore { store, .. } = DeskStore::create_with(dir.path(), "desk-1", options).await.unwrap();
        let mut hashes = Vec::new();
        for i in 0..COUNT {
            hashes.push(store.put_blob(&photo(i), OffsetDateTime::now_utc()).await.unwrap());
        }
        let started = Instant::now();
        let mut bytes = Vec::new();
        for hash in &hashes {
            bytes = store.get_blob(hash).await.unwrap().unwrap();
        }
        let read = started.elapsed() / COUNT as u32;
        let started = Instant::now();
        for _ in 0..COUNT {
            std::hint::black_box(schalter_store::BlobHash::of(&bytes));
        }
        let hash = started.elapsed() / COUNT as u32;
        println!("memory_security {memory_security}: get_blob {read:?} per 300 KB blob, of it SHA-256 {hash:?}");
        store.close().await;
    }
}
