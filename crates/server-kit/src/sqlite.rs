//! One way to open a server's SQLite database.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

/// Connections of a file-backed pool: SQLite writes one at a time anyway, readers share WAL.
pub(crate) const FILE_POOL_CONNECTIONS: u32 = 8;

/// The same settings as SQL, for pools that are not SQLite-only ([`crate::database`]).
pub(crate) const PRAGMAS: &str =
    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";

/// Opens (and creates, if missing) the database at `url`, e.g. `sqlite:///var/lib/x.db` or
/// `sqlite::memory:`, with foreign keys on, a 5 s busy timeout (concurrent writers wait instead
/// of failing with `SQLITE_BUSY`) and WAL. `configure` adds a server's own pragmas.
pub async fn connect(
    url: &str,
    configure: impl FnOnce(SqliteConnectOptions) -> SqliteConnectOptions,
) -> Result<SqlitePool, sqlx::Error> {
    let in_memory = url.contains(":memory:");
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .journal_mode(if in_memory { SqliteJournalMode::Memory } else { SqliteJournalMode::Wal })
        .synchronous(SqliteSynchronous::Normal);
    // Every connection to ":memory:" is its own database: keep exactly one.
    let max_connections = if in_memory { 1 } else { FILE_POOL_CONNECTIONS };
    SqlitePoolOptions::new().max_connections(max_connections).connect_with(configure(options)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_file_database_uses_wal_and_foreign_keys_and_takes_extra_pragmas() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("kit.db").display());
        let pool = connect(&url, |options| options.pragma("secure_delete", "ON")).await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&pool).await.unwrap();
        let keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&pool).await.unwrap();
        let secure: i64 = sqlx::query_scalar("PRAGMA secure_delete").fetch_one(&pool).await.unwrap();
        assert_eq!((mode.as_str(), keys, secure), ("wal", 1, 1));
        assert_eq!(pool.options().get_max_connections(), FILE_POOL_CONNECTIONS);
    }

    #[tokio::test]
    async fn memory_keeps_one_connection_so_the_data_stays_visible() {
        let pool = connect("sqlite::memory:", |options| options).await.unwrap();
        assert_eq!(pool.options().get_max_connections(), 1);
        sqlx::query("CREATE TABLE t (x INTEGER)").execute(&pool).await.unwrap();
        sqlx::query("INSERT INTO t (x) VALUES (1)").execute(&pool).await.unwrap();
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(&pool).await.unwrap();
        assert_eq!(count, 1);
    }
}
