use std::path::{Path, PathBuf};
use std::sync::Arc;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions as _, Row as _, SqlitePool};
use time::OffsetDateTime;

use crate::jobs::RetryPolicy;
use crate::keyring::{Keyring, KEYRING_FILE};
use crate::time_ms::to_ms;
use crate::{DataKey, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The database file inside the store directory (SQLite adds `desk.db-wal` and `desk.db-shm` beside it).
pub const DATABASE_FILE: &str = "desk.db";

/// How a store is opened. The defaults suit a desk.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Connections in the pool (writers queue on SQLite's single write lock anyway).
    pub max_connections: u32,
    /// How long a writer waits for another's transaction before giving up.
    pub busy_timeout: std::time::Duration,
    /// SQLCipher's `cipher_memory_security`: wipe every allocation on free and `mlock` it (no swapping). Off by
    /// default (as in SQLCipher since 4.5): it doubles the cost of every statement (a capture 4.6 → 2.4 ms, a photo
    /// read 3.9 → 2.7 ms, README) and protects little here, because the raw key sits in sqlx's connect options in
    /// ordinary, swappable memory for as long as the store is open. Against swap and hibernation files the desk
    /// needs full-disk encryption; against a process reader nothing in-process helps.
    pub memory_security: bool,
    /// Backoff of the side jobs.
    pub retry: RetryPolicy,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 4,
            busy_timeout: std::time::Duration::from_secs(10),
            memory_security: false,
            retry: RetryPolicy::default(),
        }
    }
}

/// The desk's local store: one SQLCipher-encrypted SQLite database in a directory of its own, beside the
/// keyring. Cheap to clone (a pool handle).
#[derive(Clone)]
pub struct DeskStore {
    pub(crate) pool: SqlitePool,
    pub(crate) device_id: Arc<str>,
    pub(crate) retry: RetryPolicy,
    dir: Arc<PathBuf>,
}

impl std::fmt::Debug for DeskStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeskStore").field("device_id", &self.device_id).finish_non_exhaustive()
    }
}

/// See [`DeskStore::encryption_info`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptionInfo {
    /// E.g. `4.5.7 community`.
    pub cipher_version: String,
    /// Whether SQLCipher's `cipher_memory_security` is in effect.
    pub memory_security: bool,
}

/// What [`DeskStore::create`] hands back: the open store, its (still empty) keyring and the new data key.
/// Wrap the key for the clerk who just logged in online with [`Keyring::add_clerk`], then drop it.
#[derive(Debug)]
pub struct NewStore {
    pub store: DeskStore,
    pub keyring: Keyring,
    pub data_key: DataKey,
}

impl DeskStore {
    /// First online login on this desk: makes a new random data key, an encrypted database and an empty
    /// keyring in `dir` (made owner-only). Refuses if a store that a clerk can unlock is there already;
    /// leftovers of a first login that broke off before [`Keyring::add_clerk`] are replaced.
    pub async fn create(dir: &Path, device_id: &str) -> Result<NewStore, StoreError> {
        Self::create_with(dir, device_id, StoreOptions::default()).await
    }

    pub async fn create_with(dir: &Path, device_id: &str, options: StoreOptions) -> Result<NewStore, StoreError> {
        let device_id = device_id.trim();
        if device_id.is_empty() || device_id.len() > 200 {
            return Err(StoreError::InvalidInput("Geräte-ID"));
        }
        std::fs::create_dir_all(dir)?;
        #[cfg(unix)]
        std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
        match Keyring::load(dir) {
            Ok(keyring) if keyring.clerk_count() > 0 => return Err(StoreError::StoreExists),
            // No keyring, or one without a clerk (a first login that broke off before `add_clerk`): nobody can
            // ever open what is there, so it is leftovers, not data. Start over.
            Ok(_) | Err(StoreError::StoreMissing) => remove_store_files(dir),
            Err(e) => return Err(e),
        }
        let data_key = DataKey::generate();
        let result = async {
            let pool = connect(dir, &data_key, &options, true).await?;
            MIGRATOR.run(&pool).await?;
            let now = to_ms(OffsetDateTime::now_utc());
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            for (name, value) in [("device_id", device_id.to_owned()), ("created_at", now.to_string())] {
                sqlx::query("INSERT INTO store_meta (name, value) VALUES (?, ?)")
                    .bind(name)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("INSERT INTO outbox_sequence (device_id, last_seq) VALUES (?, 0)")
                .bind(device_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            let keyring = Keyring::create(dir, &data_key)?;
            Ok::<_, StoreError>((pool, keyring))
        }
        .await;
        match result {
            Ok((pool, keyring)) => {
                let store = Self { pool, device_id: device_id.into(), retry: options.retry, dir: Arc::new(dir.into()) };
                Ok(NewStore { store, keyring, data_key })
            }
            Err(e) => {
                // Leave no half store behind: a database without a keyring could never be opened.
                remove_store_files(dir);
                Err(e)
            }
        }
    }

    /// Opens the store in `dir` with the data key from [`Keyring::unlock`]. A wrong key fails here, at the
    /// first read, with [`StoreError::WrongDataKey`].
    pub async fn open(dir: &Path, data_key: &DataKey) -> Result<Self, StoreError> {
        Self::open_with(dir, data_key, StoreOptions::default()).await
    }

    pub async fn open_with(dir: &Path, data_key: &DataKey, options: StoreOptions) -> Result<Self, StoreError> {
        if !dir.join(DATABASE_FILE).is_file() {
            return Err(StoreError::StoreMissing);
        }
        let pool = connect(dir, data_key, &options, false).await?;
        sqlx::query("SELECT count(*) FROM sqlite_master").execute(&pool).await.map_err(StoreError::from_open)?;
        MIGRATOR.run(&pool).await?;
        let device_id: String = sqlx::query("SELECT value FROM store_meta WHERE name = 'device_id'")
            .fetch_optional(&pool)
            .await?
            .ok_or(StoreError::Internal("Geräte-ID fehlt"))?
            .try_get("value")?;
        Ok(Self { pool, device_id: device_id.into(), retry: options.retry, dir: Arc::new(dir.into()) })
    }

    /// The device this store belongs to (the `device_id` of every mutation).
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The store's directory (database and keyring).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How this store is encrypted, for the desk's about page and for tests.
    pub async fn encryption_info(&self) -> Result<EncryptionInfo, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let cipher_version: String = sqlx::query_scalar("PRAGMA cipher_version").fetch_one(&mut *conn).await?;
        let memory_security: Option<String> =
            sqlx::query_scalar("PRAGMA cipher_memory_security").fetch_optional(&mut *conn).await?;
        Ok(EncryptionInfo { cipher_version, memory_security: memory_security.is_some_and(|v| v.trim() == "1") })
    }

    /// Closes all connections and checkpoints the WAL into the database file.
    pub async fn close(self) {
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await;
        self.pool.close().await;
    }
}

fn remove_store_files(dir: &Path) {
    for name in [DATABASE_FILE, "desk.db-wal", "desk.db-shm", "desk.db-journal", KEYRING_FILE] {
        let _ = std::fs::remove_file(dir.join(name));
    }
}

async fn connect(
    dir: &Path,
    data_key: &DataKey,
    options: &StoreOptions,
    create: bool,
) -> Result<SqlitePool, StoreError> {
    // sqlx keeps the pragma text for every new connection of the pool; this copy lives as long as the pool.
    let key = data_key.sqlcipher_pragma_value();
    let connect_options = SqliteConnectOptions::new()
        .filename(dir.join(DATABASE_FILE))
        .create_if_missing(create)
        // `key` is always the first pragma sqlx sends, as SQLCipher requires.
        .pragma("key", key.as_str().to_owned())
        .pragma("cipher_memory_security", if options.memory_security { "ON" } else { "OFF" })
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a committed change survives a power cut (a laptop's battery), not just a crash.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(options.busy_timeout)
        // Sorts and temporary tables stay in RAM; purged rows are overwritten, not just unlinked.
        .pragma("temp_store", "MEMORY")
        .pragma("secure_delete", "ON")
        // sqlx logs every statement it runs at DEBUG, the connection's `PRAGMA key = "x'…'"` included.
        .disable_statement_logging();
    let pool = SqlitePoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .connect_with(connect_options)
        .await
        .map_err(StoreError::from_open)?;
    // Plain SQLite ignores `PRAGMA key` silently and would write plaintext: refuse unless SQLCipher is linked.
    let cipher: Option<String> = sqlx::query_scalar("PRAGMA cipher_version").fetch_optional(&pool).await?;
    if cipher.is_none_or(|v| v.trim().is_empty()) {
        pool.close().await;
        return Err(StoreError::EncryptionUnavailable);
    }
    Ok(pool)
}
