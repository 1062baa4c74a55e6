//! The desk's local store as the desk uses it: one encrypted store per desk at `<data_dir>/store`, opened at
//! login (online: created, or unlocked by the password the central just confirmed or else by the desk key the
//! central sent with the login, then wrapped anew for this clerk; offline: unlocked by the keyring within its
//! validity), the sync transport over the central client, and the side-job runner (photo cloud delete / keep)
//! over the photo retrieval's HTTP code.
//!
//! Why one store per desk: what a clerk leaves pending is sent by whoever logs in next (each mutation names the
//! clerk who made it), so nothing waits for that clerk to come back; and the desk has one device id, one
//! sequence, one pull cursor. A clerk new at this desk, or whose password changed centrally, gets in with the
//! desk key, which the central hands out only with a successful login over this desk's certificate.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use schalter_store::{ClerkProfile, DataKey, DeskKey, DeskStore, Job, KdfParams, Keyring, NewStore, StoreError};
use schalter_sync::{BlobState, JobOutcome, PushOutcome, SyncHooks, SyncTransport, TransportError};
use schalter_wire::application::{ApplicationChange, APPLICATION_ENTITY};
use schalter_wire::sync::{entities, Change, ChangeOp, ClerkChange, PullResponse, PushRequest};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::{CentralApi, DeskError, PhotoRetrieval};

/// Side jobs the desk queues, and their payload ([`CloudJob`]).
pub mod jobs {
    /// Delete the accepted photo in its cloud (a 404 means it is gone already: done).
    pub const PHOTO_CLOUD_DELETE: &str = "photo_cloud.delete";
    /// Ask the cloud to keep the accepted photo for reuse until a date.
    pub const PHOTO_CLOUD_KEEP: &str = "photo_cloud.keep";
}

/// Payload of the photo cloud jobs: ids and a URL, nothing personal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudJob {
    pub photo_id: Uuid,
    pub cloud_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_until: Option<String>,
}

/// Where the store lives and how it is opened.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    /// The store is `<data_dir>/store`.
    pub data_dir: PathBuf,
    pub offline_login_valid_for: time::Duration,
    pub purge_grace: time::Duration,
    /// Argon2id cost of new keyring wrappings (`None`: the store's default; tests use a cheap one).
    pub kdf: Option<KdfParams>,
}

impl StoreSettings {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            offline_login_valid_for: time::Duration::hours(72),
            purge_grace: time::Duration::hours(24),
            kdf: None,
        }
    }

    /// The desk's store directory.
    pub fn store_dir(&self) -> PathBuf {
        self.data_dir.join("store")
    }

    fn keyring(&self, keyring: Keyring) -> Keyring {
        match self.kdf {
            Some(kdf) => keyring.with_kdf_params(kdf),
            None => keyring,
        }
    }

    /// After the central confirmed `password` for `clerk`: the desk's store, created at the first login here.
    /// It is opened by this clerk's wrapping if the password opens it, else by the desk key (a clerk new here, or
    /// whose password changed centrally); then the data key is wrapped anew for this clerk with this password,
    /// so after a central password change only the new one works offline, and with the desk key the central
    /// sent (it changes with the desk certificate). Only a store that neither opens is set aside (kept for IT,
    /// never deleted) and a new one made: the central lost this desk's key and no clerk here knows a password
    /// that opens it.
    pub(crate) async fn open_online(
        &self,
        clerk: ClerkProfile,
        password: &str,
        desk_key: Option<DeskKey>,
        now: OffsetDateTime,
    ) -> Result<DeskStore, DeskError> {
        let dir = self.store_dir();
        let settings = self.clone();
        let secret = Zeroizing::new(password.to_owned());
        let (blocking_dir, blocking_clerk, blocking_desk_key) = (dir.clone(), clerk.clone(), desk_key.clone());
        // Argon2id runs twice here (unlock, re-wrap): off the async workers.
        let existing_key = tokio::task::spawn_blocking(move || -> Result<Option<DataKey>, DeskError> {
            let (dir, clerk, desk_key) = (blocking_dir, blocking_clerk, blocking_desk_key);
            let keyring = match Keyring::load(&dir) {
                Ok(keyring) => keyring,
                Err(StoreError::StoreMissing) => return Ok(None),
                Err(error) => return Err(error.into()),
            };
            // Online the central vouches for the time; only the password matters here.
            let at = keyring.last_online_login(clerk.clerk_id).map_or(now, |last| last.max(now));
            let by_password = match keyring.unlock(&clerk.username, &secret, at, time::Duration::MAX) {
                Ok((_, key)) => Some(key),
                Err(StoreError::InvalidCredentials | StoreError::UnknownOfflineClerk) => None,
                Err(error) => return Err(error.into()),
            };
            let by_desk_key = match &desk_key {
                Some(desk_key) => keyring.unlock_with_desk_key(desk_key)?,
                None => None,
            };
            let desk_key_opens = by_desk_key.is_some();
            let Some(key) = by_password.or(by_desk_key) else {
                set_aside(&dir, now)?;
                return Ok(None);
            };
            settings.renew_wrappings(keyring, &clerk, &secret, &key, desk_key.as_ref(), desk_key_opens, now)?;
            Ok(Some(key))
        })
        .await
        .map_err(|_| DeskError::Store(StoreError::Internal("Schlüsselbund")))??;
        if let Some(key) = existing_key {
            return Ok(DeskStore::open(&dir, &key).await?);
        }
        let device_id = format!("desk-{}", Uuid::now_v7());
        let NewStore { store, keyring, data_key } = DeskStore::create(&dir, &device_id).await?;
        let mut keyring = self.keyring(keyring);
        let secret = Zeroizing::new(password.to_owned());
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            if let Some(desk_key) = &desk_key {
                keyring.set_desk_key(desk_key, &data_key)?;
            }
            keyring.add_clerk(&clerk, &secret, &data_key, now)
        })
        .await
        .map_err(|_| DeskError::Store(StoreError::Internal("Schlüsselbund")))??;
        tracing::info!(device_id = store.device_id(), "desk store created");
        Ok(store)
    }

    /// After an online login: the data key wrapped anew for this clerk with the password the central confirmed, and
    /// with the central's desk key unless that already opens the store (it changes with the desk certificate).
    #[allow(clippy::too_many_arguments)]
    fn renew_wrappings(
        &self,
        keyring: Keyring,
        clerk: &ClerkProfile,
        password: &str,
        key: &DataKey,
        desk_key: Option<&DeskKey>,
        desk_key_opens: bool,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut keyring = self.keyring(keyring);
        keyring.add_clerk(clerk, password, key, now)?;
        match desk_key {
            Some(desk_key) if !desk_key_opens => keyring.set_desk_key(desk_key, key),
            _ => Ok(()),
        }
    }

    /// The central is unreachable: the keyring lets a clerk in who logged in online here within the validity.
    pub(crate) async fn open_offline(
        &self,
        username: &str,
        password: &str,
        now: OffsetDateTime,
    ) -> Result<(ClerkProfile, DeskStore), DeskError> {
        let dir = self.store_dir();
        let valid_for = self.offline_login_valid_for;
        let username = Zeroizing::new(username.to_owned());
        let password = Zeroizing::new(password.to_owned());
        let blocking_dir = dir.clone();
        let (profile, key) = tokio::task::spawn_blocking(move || match Keyring::load(&blocking_dir) {
            Ok(keyring) => keyring.unlock(&username, &password, now, valid_for),
            // No store yet: nobody has logged in online here.
            Err(StoreError::StoreMissing) => Err(StoreError::UnknownOfflineClerk),
            Err(error) => Err(error),
        })
        .await
        .map_err(|_| DeskError::Store(StoreError::Internal("Schlüsselbund")))??;
        let store = DeskStore::open(&dir, &key).await?;
        Ok((profile, store))
    }

    /// After a background login of an offline session: the keyring records the online login (the wrapping is
    /// renewed with the password the central confirmed) and takes the desk key the central sent.
    pub(crate) async fn rewrap_online(
        &self,
        profile: &ClerkProfile,
        password: &str,
        desk_key: Option<DeskKey>,
        now: OffsetDateTime,
    ) -> Result<(), DeskError> {
        let dir = self.store_dir();
        let settings = self.clone();
        let profile = profile.clone();
        let secret = Zeroizing::new(password.to_owned());
        tokio::task::spawn_blocking(move || -> Result<(), DeskError> {
            let keyring = Keyring::load(&dir)?;
            let at = keyring.last_online_login(profile.clerk_id).map_or(now, |last| last.max(now));
            let (_, key) = keyring.unlock(&profile.username, &secret, at, time::Duration::MAX)?;
            let desk_key_opens = match &desk_key {
                Some(desk_key) => keyring.unlock_with_desk_key(desk_key)?.is_some(),
                None => false,
            };
            settings.renew_wrappings(keyring, &profile, &secret, &key, desk_key.as_ref(), desk_key_opens, now)?;
            Ok(())
        })
        .await
        .map_err(|_| DeskError::Store(StoreError::Internal("Schlüsselbund")))?
    }

    /// A clerk deactivated (or deleted) centrally loses the offline login on this desk.
    pub(crate) fn remove_clerk(&self, clerk_id: Uuid) {
        match Keyring::load(&self.store_dir()).and_then(|mut keyring| keyring.remove_clerk(clerk_id)) {
            Ok(true) => tracing::info!(%clerk_id, "deactivated clerk removed from the keyring"),
            Ok(false) | Err(StoreError::StoreMissing) => {}
            Err(error) => tracing::warn!(%clerk_id, code = error.code(), "keyring not updated"),
        }
    }
}

/// Moves an unopenable store out of the way (kept for IT: whoever knows an old password can still open it).
fn set_aside(dir: &Path, now: OffsetDateTime) -> Result<(), DeskError> {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let target = dir.with_file_name(format!("{name}.superseded-{}", now.unix_timestamp()));
    std::fs::rename(dir, &target).map_err(StoreError::from)?;
    tracing::warn!(
        "desk store set aside: neither the confirmed password nor the central's desk key opens it (kept on disk)"
    );
    Ok(())
}

/// The sync calls over the central client with the session's token; no token (an offline session) = log in.
#[derive(Clone)]
pub(crate) struct CentralTransport<C: CentralApi> {
    pub central: C,
    pub token: Arc<Mutex<Option<String>>>,
}

impl<C: CentralApi> CentralTransport<C> {
    fn token(&self) -> Result<String, TransportError> {
        self.token.lock().expect("token lock").clone().ok_or(TransportError::SessionExpired)
    }
}

impl<C: CentralApi> SyncTransport for CentralTransport<C> {
    async fn push(&self, request: &PushRequest) -> Result<PushOutcome, TransportError> {
        self.central.sync_push(&self.token()?, request).await
    }

    async fn pull(&self, cursor: i64, limit: u32) -> Result<PullResponse, TransportError> {
        self.central.sync_pull(&self.token()?, cursor, limit).await
    }

    async fn blob_head(&self, sha256: &str) -> Result<Option<BlobState>, TransportError> {
        self.central.blob_head(&self.token()?, sha256).await
    }

    async fn blob_patch(&self, sha256: &str, offset: u64, length: u64, bytes: &[u8]) -> Result<u64, TransportError> {
        self.central.blob_patch(&self.token()?, sha256, offset, length, bytes).await
    }
}

/// The desk's side of a sync round: photo cloud jobs, and clerk changes for the desk's keyring.
pub(crate) struct DeskHooks {
    pub photos: Arc<PhotoRetrieval>,
    pub settings: StoreSettings,
    pub store: DeskStore,
}

impl DeskHooks {
    pub(crate) async fn run_cloud_job(&self, kind: &str, job: &CloudJob) -> JobOutcome {
        let result = match kind {
            jobs::PHOTO_CLOUD_DELETE => self.photos.cloud_delete(&job.cloud_url, job.photo_id).await,
            jobs::PHOTO_CLOUD_KEEP => match &job.keep_until {
                Some(date) => self.photos.cloud_keep(&job.cloud_url, job.photo_id, date).await,
                None => return JobOutcome::GiveUp { error: "keep_until_missing".into() },
            },
            _ => return JobOutcome::GiveUp { error: "unknown_job_kind".into() },
        };
        match result {
            Ok(()) => JobOutcome::Done,
            // Deleting what is gone is done; keeping what is gone cannot be done by retrying.
            Err(DeskError::PhotoNotFound) if kind == jobs::PHOTO_CLOUD_DELETE => JobOutcome::Done,
            Err(error @ (DeskError::CloudUnreachable | DeskError::CloudAnswer(_) | DeskError::CloudTlsRejected)) => {
                JobOutcome::Retry { error: error.code().to_owned() }
            }
            Err(error) => JobOutcome::GiveUp { error: error.code().to_owned() },
        }
    }
}

impl SyncHooks for DeskHooks {
    async fn run_job(&self, job: &Job) -> JobOutcome {
        match serde_json::from_value::<CloudJob>(job.payload.clone()) {
            Ok(payload) => self.run_cloud_job(&job.kind, &payload).await,
            Err(_) => JobOutcome::GiveUp { error: "invalid_job_payload".into() },
        }
    }

    async fn apply_change(&self, change: &Change) -> Result<(), String> {
        if change.entity == APPLICATION_ENTITY {
            let Some(news) =
                change.data.as_ref().and_then(|d| serde_json::from_value::<ApplicationChange>(d.clone()).ok())
            else {
                return Ok(());
            };
            return crate::application::record_change(&self.store, &news).await.map_err(|e| e.code().to_owned());
        }
        if change.entity == schalter_wire::queue::QUEUE_TICKET_ENTITY {
            let Some(ticket) = change
                .data
                .as_ref()
                .and_then(|d| serde_json::from_value::<schalter_wire::queue::QueueTicketChange>(d.clone()).ok())
            else {
                return Ok(());
            };
            return crate::queue::record_pulled_ticket(&self.store, &ticket).await.map_err(|e| e.code().to_owned());
        }
        if change.entity == schalter_wire::appointments::APPOINTMENT_ENTITY {
            let Some(appointment) = change
                .data
                .as_ref()
                .and_then(|d| serde_json::from_value::<schalter_wire::appointments::AppointmentChange>(d.clone()).ok())
            else {
                return Ok(());
            };
            return crate::queue::record_pulled_appointment(&self.store, &appointment)
                .await
                .map_err(|e| e.code().to_owned());
        }
        if change.entity != entities::CLERK {
            return Ok(());
        }
        let inactive = match change.op {
            ChangeOp::Delete => change.id.parse().ok(),
            ChangeOp::Upsert => change
                .data
                .as_ref()
                .and_then(|data| serde_json::from_value::<ClerkChange>(data.clone()).ok())
                .filter(|c| !c.active)
                .map(|c| c.clerk.id),
        };
        if let Some(clerk_id) = inactive {
            let settings = self.settings.clone();
            tokio::task::spawn_blocking(move || settings.remove_clerk(clerk_id))
                .await
                .map_err(|_| "keyring task".to_owned())?;
        }
        Ok(())
    }
}
