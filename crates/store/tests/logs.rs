//! The data key must never reach the logs: sqlx logs every statement it runs, and the SQLCipher key is set with one.

use std::io::Write;
use std::sync::{Arc, Mutex};

use schalter_store::{DeskStore, NewStore};
use time::OffsetDateTime;
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn the_data_key_never_reaches_the_logs() {
    let captured = Captured::default();
    let subscriber =
        tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(captured.clone()).finish();
    // Global, not thread-local: sqlx runs SQLite on worker threads of its own. (The only test in this binary.)
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let NewStore { store, data_key, .. } = DeskStore::create(dir.path(), "desk-1").await.unwrap();
    let mut tx = store.transaction().await.unwrap();
    tx.put_record("visit", "v1", &serde_json::json!({ "name": "Erika Mustermann" }), &[], OffsetDateTime::now_utc())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    store.close().await;
    let store = DeskStore::open(dir.path(), &data_key).await.unwrap();
    store.close().await;
    let logs = captured.text();
    assert!(!logs.contains("PRAGMA key"), "the key pragma was logged");
    assert!(!logs.contains("x'"), "key material was logged");
    assert!(!logs.contains("Mustermann"));

    // The capture works: a plain pool with sqlx's default logging shows up, PRAGMAs and all.
    let plain = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
    sqlx::query("PRAGMA user_version = 7").execute(&plain).await.unwrap();
    assert!(captured.text().contains("PRAGMA user_version = 7"), "capture sees sqlx statement logs");
}
