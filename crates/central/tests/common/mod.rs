//! Every central test runs twice: on SQLite, and on PostgreSQL when `SCHALTER_TEST_POSTGRES_URL`
//! names a server (an admin URL such as `postgres://postgres@127.0.0.1:55432/postgres`). There
//! each test gets a database of its own, created for it and dropped afterwards. Without the URL
//! the PostgreSQL variants pass with a note, unless `SCHALTER_TEST_REQUIRE_POSTGRES=1` (what
//! `cargo xtask test` sets), which makes them fail.
//!
//! Write a test once as `async fn name(backend: Backend)` and list it in [`on_both_backends!`],
//! which makes `name::sqlite` and `name::postgres` (`#[macro_use] mod common;`).

// Each test binary uses a different part of this module.
#![allow(dead_code)]

pub mod instance;

use schalter_central::Db;
use sqlx::Connection;

pub const POSTGRES_URL_VAR: &str = "SCHALTER_TEST_POSTGRES_URL";
pub const REQUIRE_POSTGRES_VAR: &str = "SCHALTER_TEST_REQUIRE_POSTGRES";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Whether the PostgreSQL variant of `test` can run; panics if it must and cannot.
pub fn postgres_available(test: &str) -> bool {
    if std::env::var_os(POSTGRES_URL_VAR).is_some_and(|url| !url.is_empty()) {
        return true;
    }
    if std::env::var(REQUIRE_POSTGRES_VAR).is_ok_and(|value| value == "1") {
        panic!("{REQUIRE_POSTGRES_VAR}=1 but {POSTGRES_URL_VAR} is not set: {test} cannot run on PostgreSQL");
    }
    eprintln!("{test}: skipped on PostgreSQL ({POSTGRES_URL_VAR} not set)");
    false
}

/// `name::sqlite` and `name::postgres` for each `async fn name(backend: Backend)`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name(crate::common::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if crate::common::postgres_available(concat!(stringify!($name), "::postgres")) {
                    super::$name(crate::common::Backend::Postgres).await
                }
            }
        }
    )*};
}

/// A database for one test: SQLite in memory or in a temporary file, or a fresh PostgreSQL
/// database (dropped when this is dropped).
pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    /// Admin URL and name of the PostgreSQL database to drop.
    created: Option<(String, String)>,
}

impl TestDatabase {
    /// SQLite in memory (one connection), or PostgreSQL.
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self { url: "sqlite::memory:".into(), backend, _dir: None, created: None },
            Backend::Postgres => Self::postgres().await,
        }
    }

    /// A database that several connections (and pools) share, so concurrency is real: a SQLite
    /// file, or PostgreSQL.
    pub async fn shared(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("central.db").display());
                Self { url, backend, _dir: Some(dir), created: None }
            }
            Backend::Postgres => Self::postgres().await,
        }
    }

    async fn postgres() -> Self {
        let admin = std::env::var(POSTGRES_URL_VAR).expect("checked by postgres_available");
        let name = format!("schalter_test_{}", uuid::Uuid::new_v4().simple());
        let mut connection = sqlx::PgConnection::connect(&admin).await.expect("connect to the PostgreSQL admin URL");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut connection).await.unwrap();
        connection.close().await.ok();
        Self { url: with_database(&admin, &name), backend: Backend::Postgres, _dir: None, created: Some((admin, name)) }
    }

    /// A migrated pool on this database.
    pub async fn connect(&self) -> Db {
        let db = Db::connect(&self.url).await.unwrap();
        db.migrate().await.unwrap();
        db
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin, name)) = self.created.take() else { return };
        // Best effort, on a thread of its own: Drop cannot await, and the test's runtime may be
        // shutting down. FORCE ends the test's pool connections that are still open.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut connection = sqlx::PgConnection::connect(&admin).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut connection).await.ok()
            })
        });
        let _ = dropped.join();
    }
}

/// `admin` (`postgres://user@host:port/db?params`) with the database `name` instead.
fn with_database(admin: &str, name: &str) -> String {
    let (base, query) = admin.split_once('?').map_or((admin, None), |(base, query)| (base, Some(query)));
    let authority_start = base.find("://").map_or(0, |index| index + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

#[test]
fn a_test_database_url_keeps_server_and_options() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:55432/postgres", "t1"),
        "postgres://postgres@127.0.0.1:55432/t1"
    );
    assert_eq!(with_database("postgres://u:p@h/db?sslmode=disable", "t2"), "postgres://u:p@h/t2?sslmode=disable");
    assert_eq!(with_database("postgres://h", "t3"), "postgres://h/t3");
}
