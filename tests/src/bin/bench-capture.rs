//! `cargo xtask bench capture`: the core path of confirming a full passport application — validate, fee, and write
//! the application record with its `application.submit` mutation in one transaction into the encrypted desk store
//! (SQLCipher, `synchronous = FULL`) — against plain inserts of the same bytes (two rows and the signature blob in one transaction) into an
//! unencrypted SQLite file with the same journal and sync settings, in the same run. Medians over `RUNS`.

use std::time::{Duration, Instant};

use schalter_desk_core::application::write_submitted;
use schalter_desk_core::ApplicationDraft;
use schalter_store::DeskStore;
use schalter_system_tests::ADULT_PASSPORT_KEYSTROKES;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use uuid::Uuid;

const RUNS: usize = 50;
/// Untimed rounds first: page cache, prepared statements, the WAL file.
const WARM_UP: usize = 5;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Erika Mustermann's adult passport, every field the WebDriver test types.
fn passport() -> ApplicationDraft {
    serde_json::from_value(serde_json::json!({
        "document_kind": "passport32", "family_name": "Mustermann", "birth_name": "Gabler", "given_names": "Erika",
        "date_of_birth": "12.08.1964", "place_of_birth": "Berlin", "sex": "001", "height": "168", "eye_colour": "grün",
        "street": "Heidestraße 17", "postal_code": "51147", "place": "Köln", "nationality": "deutsch",
        "current_document_kind": "passport", "current_document_serial": "C01X00T47", "pickup": "counter",
    }))
    .expect("draft")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let created = DeskStore::create(&dir.path().join("store"), "desk-bench-capture").await?;
    let store = created.store;
    let draft = passport();
    let clerk = Uuid::now_v7();
    // The simulators' prints and signature: the signature's JPEG is a blob in the same transaction.
    let biometrics = schalter_desk_core::VisitBiometrics::simulated();

    let mut capture = Vec::with_capacity(RUNS);
    let mut payload_bytes = Vec::new();
    for run in 0..WARM_UP + RUNS {
        let now = time::OffsetDateTime::now_utc();
        let started = Instant::now();
        let view = write_submitted(&store, &draft, Uuid::now_v7(), Uuid::now_v7(), &biometrics, clerk, now).await?;
        let took = started.elapsed();
        if run >= WARM_UP {
            capture.push(took);
        }
        if payload_bytes.is_empty() {
            let seq = store.pending(1).await?.first().map(|m| m.seq).unwrap_or(1);
            let mutation = store.mutation(seq).await?.expect("mutation written");
            let record = store.get_record("application", &view.application_id).await?.expect("record written");
            payload_bytes = vec![mutation.payload.to_string(), record.to_string()];
        }
    }

    // The baseline: the same two documents as plain rows, one transaction each round, same durability.
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("plain.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
    sqlx::query("CREATE TABLE mutations (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, payload TEXT NOT NULL)")
        .execute(&pool)
        .await?;
    sqlx::query("CREATE TABLE records (id TEXT PRIMARY KEY, data TEXT NOT NULL)").execute(&pool).await?;
    sqlx::query("CREATE TABLE blobs (id TEXT PRIMARY KEY, bytes BLOB NOT NULL)").execute(&pool).await?;
    // The signature's JPEG goes in with them, as the store writes it in the capture's transaction.
    let signature = biometrics.signature_jpeg.clone().unwrap_or_default();
    let mut insert = Vec::with_capacity(RUNS);
    for run in 0..WARM_UP + RUNS {
        let started = Instant::now();
        let mut tx = pool.begin().await?;
        sqlx::query("INSERT INTO mutations (id, payload) VALUES (?, ?)")
            .bind(Uuid::now_v7().to_string())
            .bind(&payload_bytes[0])
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO records (id, data) VALUES (?, ?)")
            .bind(Uuid::now_v7().to_string())
            .bind(&payload_bytes[1])
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO blobs (id, bytes) VALUES (?, ?)")
            .bind(Uuid::now_v7().to_string())
            .bind(&signature)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if run >= WARM_UP {
            insert.push(started.elapsed());
        }
    }
    pool.close().await;
    store.close().await;

    // What of it is the rules alone (no store): where a slower capture would have to be looked for.
    let mut rules = Vec::with_capacity(RUNS);
    let today = time::OffsetDateTime::now_utc().date();
    for _ in 0..WARM_UP + RUNS {
        let started = Instant::now();
        let application =
            schalter_application::Application::validate(&draft, today).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        std::hint::black_box(application.fee().total_cents);
        rules.push(started.elapsed());
    }
    let rules = median(rules.split_off(WARM_UP));

    let (capture, insert) = (median(capture), median(insert));
    println!("of which validate and fee alone: median {:.3} ms", ms(rules));
    println!(
        "confirm passport (validate, fee, record + mutation in the encrypted store): median {:.2} ms over {RUNS}",
        ms(capture)
    );
    println!(
        "plain inserts of the same {} + {} + {} (signature) bytes into unencrypted SQLite (WAL, synchronous=FULL): median {:.2} ms",
        payload_bytes[0].len(),
        payload_bytes[1].len(),
        signature.len(),
        ms(insert)
    );
    println!("capture ratio_vs_insert={:.2} keystrokes={ADULT_PASSPORT_KEYSTROKES}", ms(capture) / ms(insert));
    Ok(())
}
