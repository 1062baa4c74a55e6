//! One way to open a server database that may be SQLite or PostgreSQL, chosen by the URL
//! (`sqlite://…`, `sqlite::memory:`, `postgres://…`), through sqlx's `Any` driver.
//!
//! What runs over this pool binds only `i64`, `bool`, `&str`/`String` and `Vec<u8>`, writes SQL
//! both backends understand (`$1` placeholders, `ON CONFLICT`, `RETURNING`), and never selects a
//! `BOOLEAN` column directly: sqlx's `Any` driver cannot describe SQLite's `BOOLEAN`, so flags are
//! read as `CASE WHEN flag THEN 1 ELSE 0 END`.

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

use crate::sqlite::{FILE_POOL_CONNECTIONS, PRAGMAS};

/// Connections of a PostgreSQL pool: a server has more than one core and many requests.
const POSTGRES_POOL_CONNECTIONS: u32 = 16;

/// Which database engine a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The engine of `url`; `None` for anything else.
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// Opens the database at `url`. SQLite files are created if missing and get the same pragmas
/// as [`crate::sqlite::connect`] (foreign keys, a 5 s busy timeout, WAL) on every connection;
/// `sqlite::memory:` keeps a single connection, since each one would be a database of its own.
pub async fn connect(url: &str) -> Result<(AnyPool, Backend), sqlx::Error> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url)
        .ok_or_else(|| sqlx::Error::Configuration("database URL must start with sqlite: or postgres://".into()))?;
    let pool = match backend {
        Backend::Sqlite => {
            let in_memory = url.contains(":memory:");
            let url = if in_memory || url.contains("mode=") {
                url.to_owned()
            } else {
                // Create the file if missing, as the SQLite-only pool does.
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            };
            let options: AnyConnectOptions = url.parse()?;
            AnyPoolOptions::new()
                .max_connections(if in_memory { 1 } else { FILE_POOL_CONNECTIONS })
                .after_connect(|connection, _meta| {
                    Box::pin(async move {
                        connection.execute(PRAGMAS).await?;
                        Ok(())
                    })
                })
                .connect_with(options.disable_statement_logging())
                .await?
        }
        Backend::Postgres => {
            let options: AnyConnectOptions = url.parse()?;
            AnyPoolOptions::new()
                .max_connections(POSTGRES_POOL_CONNECTIONS)
                .connect_with(options.disable_statement_logging())
                .await?
        }
    };
    Ok((pool, backend))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sqlite_file_is_created_with_wal_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("any.db").display());
        let (pool, backend) = connect(&url).await.unwrap();
        assert_eq!(backend, Backend::Sqlite);
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&pool).await.unwrap();
        let keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&pool).await.unwrap();
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(&pool).await.unwrap();
        assert_eq!((mode.as_str(), keys, busy), ("wal", 1, 5000));
        assert!(dir.path().join("any.db").exists());
    }

    #[tokio::test]
    async fn memory_keeps_one_connection_and_unknown_schemes_are_refused() {
        let (pool, _) = connect("sqlite::memory:").await.unwrap();
        assert_eq!(pool.options().get_max_connections(), 1);
        assert!(connect("mysql://localhost/x").await.is_err());
        assert_eq!(Backend::of_url("postgresql://h/db"), Some(Backend::Postgres));
    }
}
