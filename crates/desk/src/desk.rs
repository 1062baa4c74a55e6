use std::sync::{Arc, Mutex};
use std::time::Duration;

use schalter_domain::SessionPolicy;
use schalter_store::{BlobHash, ClerkProfile, DeskKey, DeskStore, NewMutation};
use schalter_sync::{JobOutcome, SyncConfig, SyncEngine, SyncError, SyncReport, SyncStatus};
use schalter_wire::sync::{kinds, AcceptedPhoto};
use schalter_wire::{Clerk, Office, PhotoAuditAction, PhotoAuditEvent, Session};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::sync::watch;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::application::{self, ApplicationCheckView, ApplicationView};
use crate::camera::CameraScans;
use crate::devices::{BiometricsView, Devices, VisitBiometrics};
use crate::local::{jobs, CentralTransport, CloudJob, DeskHooks, StoreSettings};
use crate::receipt::{self, ReceiptPdf, ReceiptView};
use crate::updates::{InstallDecision, SpooledUpdate, UpdateView, Updater, THIS_PLATFORM};
use crate::{
    CentralApi, CentralClient, ConnectionView, DeskConfig, DeskError, PhotoDecisionView, PhotoRetrieval, PhotoView,
    RejectedView, SessionEndReason, SessionEvent, SessionView, SyncView,
};
use schalter_application::ApplicationDraft;
use schalter_devices::{fingerprint_plan, render_signature_jpeg, DeviceError, FingerprintOutcome, Hand};

/// The desk's notion of now; tests set it by hand.
#[derive(Clone, Default)]
pub enum DeskClock {
    #[default]
    System,
    Manual(Arc<Mutex<OffsetDateTime>>),
}

impl DeskClock {
    pub fn manual(start: OffsetDateTime) -> Self {
        DeskClock::Manual(Arc::new(Mutex::new(start)))
    }

    pub fn now(&self) -> OffsetDateTime {
        match self {
            DeskClock::System => OffsetDateTime::now_utc(),
            DeskClock::Manual(at) => *at.lock().expect("clock lock"),
        }
    }

    pub fn advance(&self, by: Duration) {
        if let DeskClock::Manual(at) = self {
            *at.lock().expect("clock lock") += by;
        }
    }
}

/// The sync engine sleeps on the desk's clock: a manual clock moves instead of waiting.
struct EngineClock(DeskClock);

impl schalter_sync::Clock for EngineClock {
    fn now(&self) -> OffsetDateTime {
        self.0.now()
    }

    fn sleep(&self, duration: Duration) -> schalter_sync::Sleep<'_> {
        match &self.0 {
            DeskClock::System => Box::pin(tokio::time::sleep(duration)),
            manual => {
                manual.advance(duration);
                Box::pin(std::future::ready(()))
            }
        }
    }
}

#[derive(Default)]
struct Connection {
    online: bool,
    last_contact: Option<OffsetDateTime>,
    last_sync: Option<OffsetDateTime>,
}

/// A clerk's session as this desk keeps it. Times are the desk's clock: the central's
/// timestamps are turned into durations at login, so a skewed clock on either side does
/// not end a session early or late.
struct ActiveSession {
    /// `None` for an offline session.
    token: Option<String>,
    clerk: Clerk,
    idle: Duration,
    absolute_expires_at: OffsetDateTime,
    /// The clerk's last action plus the idle time, capped by the absolute limit.
    expires_at: OffsetDateTime,
    /// When the central API last restarted its idle time for this session.
    server_touched_at: OffsetDateTime,
    /// The clerk's last action (login counts): how long the desk has stood unused, for updates.
    last_action_at: OffsetDateTime,
    /// Offline only: the password, to log in at the central in the background once it answers (the data key it
    /// unlocked is in memory for the session anyway). Wiped on drop.
    offline_password: Option<Zeroizing<String>>,
}

impl ActiveSession {
    fn from_login(session: Session, now: OffsetDateTime) -> Self {
        let idle = Duration::from_secs(u64::from(session.idle_timeout_seconds.max(1)));
        let absolute_left = (session.absolute_expires_at - session.expires_at) + idle;
        let absolute_expires_at = now + absolute_left;
        Self {
            token: Some(session.token),
            clerk: session.clerk,
            idle,
            absolute_expires_at,
            expires_at: (now + idle).min(absolute_expires_at),
            server_touched_at: now,
            last_action_at: now,
            offline_password: None,
        }
    }

    /// Offline the central's policy is not known: the default one applies, counted on this desk.
    fn offline(profile: &ClerkProfile, password: &str, now: OffsetDateTime) -> Self {
        let policy = SessionPolicy::default();
        let idle = Duration::from_secs(policy.idle_seconds.unsigned_abs());
        let absolute_expires_at = now + Duration::from_secs(policy.absolute_seconds.unsigned_abs());
        Self {
            token: None,
            clerk: Clerk {
                id: profile.clerk_id,
                username: profile.username.clone(),
                display_name: profile.display_name.clone(),
                role: profile.role,
                office: Office { id: profile.office_id.clone(), name: profile.office_name.clone() },
            },
            idle,
            absolute_expires_at,
            expires_at: (now + idle).min(absolute_expires_at),
            server_touched_at: now,
            last_action_at: now,
            offline_password: Some(Zeroizing::new(password.to_owned())),
        }
    }

    /// The central is asked to restart its idle time at this pace while the clerk works, so
    /// that its expiry never falls more than a fraction of the idle time behind the desk's.
    fn server_refresh_every(&self) -> Duration {
        (self.idle / 4).clamp(Duration::from_secs(1), Duration::from_secs(60))
    }

    fn view(&self) -> SessionView {
        SessionView {
            display_name: self.clerk.display_name.clone(),
            username: self.clerk.username.clone(),
            role: self.clerk.role,
            office_id: self.clerk.office.id.clone(),
            office_name: self.clerk.office.name.clone(),
            expires_at: rfc3339(self.expires_at),
            absolute_expires_at: rfc3339(self.absolute_expires_at),
            idle_timeout_seconds: u32::try_from(self.idle.as_secs()).unwrap_or(u32::MAX),
            offline: self.token.is_none(),
        }
    }
}

fn profile_of(clerk: &Clerk) -> ClerkProfile {
    ClerkProfile {
        clerk_id: clerk.id,
        username: clerk.username.clone(),
        display_name: clerk.display_name.clone(),
        role: clerk.role,
        office_id: clerk.office.id.clone(),
        office_name: clerk.office.name.clone(),
    }
}

type DeskEngine<C> = SyncEngine<CentralTransport<C>, DeskHooks>;

/// The logged-in clerk's store and its engine (the engine holds the store).
struct OpenStore<C: CentralApi> {
    clerk_id: Uuid,
    engine: Arc<DeskEngine<C>>,
    /// Shared with the engine's transport: set when an offline session becomes online.
    token: Arc<Mutex<Option<String>>>,
}

impl<C: CentralApi> Clone for OpenStore<C> {
    fn clone(&self) -> Self {
        Self { clerk_id: self.clerk_id, engine: self.engine.clone(), token: self.token.clone() }
    }
}

/// The customer at the counter: a new visit with every new code.
struct Visit {
    id: Uuid,
    /// A code whose fetch waits for the photo cloud (it holds the photo's key: forgotten with the visit).
    pending_code: Option<Zeroizing<String>>,
    /// The photo the clerk accepted in this visit, compared with the citizen at the counter: only with it is an
    /// application captured.
    accepted_photo: Option<Uuid>,
    /// Fingerprint outcomes and the signature taken in this visit (in memory only until the application is submitted).
    biometrics: VisitBiometrics,
}

impl Visit {
    fn new() -> Self {
        Self { id: Uuid::now_v7(), pending_code: None, accepted_photo: None, biometrics: VisitBiometrics::default() }
    }
}

/// The field errors of a draft whose rules cannot be derived yet (document kind or birth date unreadable).
fn invalid_draft(draft: &ApplicationDraft, today: time::Date) -> DeskError {
    match schalter_application::Application::validate(draft, today) {
        Err(errors) => DeskError::ApplicationInvalid(schalter_application::ApplicationError::Invalid(errors)),
        Ok(_) => DeskError::ApplicationFingerprintsMissing,
    }
}

/// Turns the engine's status, the connection and the pending fetch into the `desk://sync` payload.
struct SyncPublisher {
    updates: watch::Sender<SyncView>,
    state: Mutex<(Option<SyncStatus>, bool, bool)>,
}

impl SyncPublisher {
    fn new() -> Self {
        let publisher = Self { updates: watch::Sender::new(closed_view()), state: Mutex::new((None, false, false)) };
        publisher.publish();
        publisher
    }

    fn set_status(&self, status: Option<SyncStatus>) {
        self.state.lock().expect("sync view lock").0 = status;
        self.publish();
    }

    fn set_online(&self, online: bool) {
        let changed = {
            let mut state = self.state.lock().expect("sync view lock");
            std::mem::replace(&mut state.1, online) != online
        };
        if changed {
            self.publish();
        }
    }

    fn set_pending_fetch(&self, pending: bool) {
        let changed = {
            let mut state = self.state.lock().expect("sync view lock");
            std::mem::replace(&mut state.2, pending) != pending
        };
        if changed {
            self.publish();
        }
    }

    fn view(&self) -> SyncView {
        let (status, online, pending_photo_fetch) = &*self.state.lock().expect("sync view lock");
        let mut view = match status {
            None => closed_view(),
            Some(status) => SyncView {
                online: false,
                phase: status.phase.as_str().to_owned(),
                pending: status.pending,
                done: status.done,
                total: status.total,
                last_synced_at: status.last_synced_at.map(rfc3339),
                last_error_code: status.last_error_code.clone(),
                rejected: status
                    .rejected
                    .iter()
                    .map(|r| RejectedView {
                        seq: r.seq,
                        kind: r.kind.clone(),
                        code: r.code.clone(),
                        message: r.message.clone(),
                        occurred_at: rfc3339(r.occurred_at),
                    })
                    .collect(),
                pending_photo_fetch: false,
            },
        };
        view.online = *online;
        view.pending_photo_fetch = *pending_photo_fetch;
        view
    }

    fn publish(&self) {
        let view = self.view();
        self.updates.send_if_modified(|current| {
            let changed = *current != view;
            *current = view;
            changed
        });
    }
}

fn closed_view() -> SyncView {
    SyncView {
        online: false,
        phase: "closed".into(),
        pending: 0,
        done: 0,
        total: 0,
        last_synced_at: None,
        last_error_code: None,
        rejected: Vec::new(),
        pending_photo_fetch: false,
    }
}

/// What [`Desk::record_accepted_photo`] wrote (or found written).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CapturedPhoto {
    pub photo_id: Uuid,
    pub visit_id: Uuid,
    pub sha256: String,
    /// The `photo.accept` mutation; `None` when the record existed already.
    pub seq: Option<i64>,
    pub existing: bool,
}

/// Local records of accepted photos (the blob is linked, so the purge removes both after acknowledgement).
const ACCEPTED_PHOTO: &str = "accepted_photo";
const MEDIA_TYPE_JPEG: &str = "image/jpeg";

/// One running desk: its client, the clerk's session and what it knows of the network.
/// What changes without the clerk asking (connection, session, sync) is published on watch
/// channels, which the Tauri shell turns into events for the front end.
pub struct Desk<C: CentralApi = CentralClient> {
    central: C,
    photos: Arc<PhotoRetrieval>,
    camera: CameraScans,
    clock: DeskClock,
    settings: StoreSettings,
    sync_config: SyncConfig,
    session: Mutex<Option<ActiveSession>>,
    local: Mutex<Option<OpenStore<C>>>,
    visit: Mutex<Visit>,
    /// Logins (the clerk's and the background one of an offline session) one at a time.
    login_lock: tokio::sync::Mutex<()>,
    connection: Mutex<Connection>,
    connection_updates: watch::Sender<ConnectionView>,
    session_updates: watch::Sender<SessionEvent>,
    sync: Arc<SyncPublisher>,
    photo_updates: watch::Sender<Option<PhotoView>>,
    devices: Devices,
    /// `None`: this desk looks for no updates (test desks over a fake central).
    updater: Option<Updater>,
    update_updates: watch::Sender<Option<UpdateView>>,
    spooled_update: Mutex<Option<SpooledUpdate>>,
}

impl Desk<CentralClient> {
    pub fn new(config: &DeskConfig) -> Result<Self, DeskError> {
        let mut settings = StoreSettings::new(&config.data_dir);
        settings.offline_login_valid_for = time::Duration::hours(config.offline_login_valid_for_hours.into());
        settings.purge_grace = time::Duration::hours(config.purge_grace_hours.into());
        Ok(Self::with_parts(
            CentralClient::new(config)?,
            PhotoRetrieval::new(config)?,
            CameraScans::new(config.camera.source()),
            DeskClock::System,
            settings,
        )
        .with_devices(Devices::from_config(&config.devices)?)
        .with_updater(Updater::new(config.updates.clone(), &config.data_dir)))
    }

    /// One look for a newer release (see [`Updater::check`]); the window learns of it through
    /// [`Desk::update_updates`]. `Ok(None)`: nothing newer, or no updater.
    pub async fn check_for_update(&self) -> Result<Option<UpdateView>, DeskError> {
        let Some(updater) = &self.updater else { return Ok(None) };
        let spooled = self.spooled_update.lock().expect("update lock").clone();
        let Some((offer, spooled)) = updater.check(&self.central, THIS_PLATFORM, spooled.as_ref()).await? else {
            return Ok(None);
        };
        let view = updater.view(&offer);
        *self.spooled_update.lock().expect("update lock") = spooled;
        self.update_updates.send_if_modified(|current| {
            let changed = current.as_ref() != Some(&view);
            *current = Some(view.clone());
            changed
        });
        Ok(Some(view))
    }

    /// Hands a spooled, verified package to the installer when no clerk is logged in or the logged-in
    /// clerk has done nothing for `[updates] idle_minutes`. The running window stays as it is; the new
    /// version starts next time. `Ok(true)`: handed over.
    pub fn install_update_if_idle(&self) -> Result<bool, DeskError> {
        let Some(updater) = &self.updater else { return Ok(false) };
        let Some(spooled) = self.spooled_update.lock().expect("update lock").clone() else { return Ok(false) };
        let unused_for = self.session_unused_for();
        if updater.decide(unused_for.is_some(), unused_for.unwrap_or_default()) != InstallDecision::Now {
            return Ok(false);
        }
        updater.install(&spooled.offer, &spooled.path)?;
        *self.spooled_update.lock().expect("update lock") = None;
        let mut view = updater.view(&spooled.offer);
        view.installed = true;
        self.update_updates.send_replace(Some(view));
        Ok(true)
    }

    /// Looks for updates every `every` (the first time at once) and installs a verified one when idle,
    /// for the life of the app. Failures are logged by code and tried again next time: an unreachable
    /// central or a refused package must never stop the counter.
    pub async fn run_updates(&self, every: Duration) {
        loop {
            match self.check_for_update().await {
                Ok(_) => {}
                Err(DeskError::Unreachable) => {}
                Err(error) => tracing::warn!(code = error.code(), "update check failed"),
            }
            if let Err(error) = self.install_update_if_idle() {
                tracing::warn!(code = error.code(), "update not installed");
            }
            tokio::time::sleep(every).await;
        }
    }
}

impl<C: CentralApi> Desk<C> {
    /// A desk over any central API: the seam for tests without certificates or servers.
    pub fn with_central(central: C, photos: PhotoRetrieval, clock: DeskClock, settings: StoreSettings) -> Self {
        Self::with_parts(central, photos, CameraScans::new(crate::CameraConfig::default().source()), clock, settings)
    }

    fn with_parts(
        central: C,
        photos: PhotoRetrieval,
        camera: CameraScans,
        clock: DeskClock,
        settings: StoreSettings,
    ) -> Self {
        let initial_connection = ConnectionView {
            online: false,
            central_url: central.base_url().to_owned(),
            last_contact: None,
            last_sync: None,
        };
        let sync_config = SyncConfig { purge_grace: settings.purge_grace, ..SyncConfig::default() };
        Self {
            central,
            photos: Arc::new(photos),
            camera,
            clock,
            settings,
            sync_config,
            session: Mutex::new(None),
            local: Mutex::new(None),
            visit: Mutex::new(Visit::new()),
            login_lock: tokio::sync::Mutex::new(()),
            connection: Mutex::default(),
            connection_updates: watch::Sender::new(initial_connection),
            session_updates: watch::Sender::new(SessionEvent { session: None, reason: None }),
            sync: Arc::new(SyncPublisher::new()),
            photo_updates: watch::Sender::new(None),
            devices: Devices::simulated(),
            updater: None,
            update_updates: watch::Sender::new(None),
            spooled_update: Mutex::new(None),
        }
    }

    /// Where and how this desk updates itself (tests give one with their own key and version).
    pub fn with_updater(mut self, updater: Updater) -> Self {
        self.updater = Some(updater);
        self
    }

    /// A newer release the desk found, anew whenever that changes.
    pub fn update_updates(&self) -> watch::Receiver<Option<UpdateView>> {
        self.update_updates.subscribe()
    }

    /// What the desk knows of a newer release now.
    pub fn update_status(&self) -> Option<UpdateView> {
        self.update_updates.borrow().clone()
    }

    /// How the engine retries within a round (tests make it give up at once).
    /// The signature pad and fingerprint reader (simulated unless set).
    pub fn with_devices(mut self, devices: Devices) -> Self {
        self.devices = devices;
        self
    }

    pub fn with_sync_config(mut self, config: SyncConfig) -> Self {
        self.sync_config = config;
        self
    }

    /// The connection state, anew whenever it changes.
    pub fn connection_updates(&self) -> watch::Receiver<ConnectionView> {
        self.connection_updates.subscribe()
    }

    /// The session, anew whenever it starts, is extended or ends.
    pub fn session_updates(&self) -> watch::Receiver<SessionEvent> {
        self.session_updates.subscribe()
    }

    /// The outbox and the sync engine (`desk://sync`), anew whenever they change.
    pub fn sync_updates(&self) -> watch::Receiver<SyncView> {
        self.sync.updates.subscribe()
    }

    /// A photo whose fetch waited for the cloud, when it arrives (`desk://photo`).
    pub fn photo_updates(&self) -> watch::Receiver<Option<PhotoView>> {
        self.photo_updates.subscribe()
    }

    pub fn sync_status(&self) -> SyncView {
        self.sync.view()
    }

    /// Online: at the central, then this clerk's store is created (first login here) or unlocked and the data key
    /// wrapped anew with the confirmed password. Central unreachable (and only then, not on any refusal of the
    /// central): the keyring lets a clerk in who logged in online here within `offline_login_valid_for_hours`.
    pub async fn login(&self, username: &str, password: &str) -> Result<SessionView, DeskError> {
        if username.trim().is_empty() || password.is_empty() {
            return Err(DeskError::MissingCredentials);
        }
        let _one_login_at_a_time = self.login_lock.lock().await;
        let result = self.central.login(username.trim(), password).await;
        let now = self.clock.now();
        let (session, store) = match self.observe(result) {
            Ok(session) => {
                let desk_key = session.desk_store_key.as_deref().map(DeskKey::from_base64).transpose()?;
                let store = self.settings.open_online(profile_of(&session.clerk), password, desk_key, now).await?;
                (ActiveSession::from_login(session, now), store)
            }
            Err(DeskError::Unreachable) => {
                let (profile, store) = self.settings.open_offline(username.trim(), password, now).await?;
                (ActiveSession::offline(&profile, password, now), store)
            }
            Err(error) => return Err(error),
        };
        let view = session.view();
        // A new clerk never inherits what the previous one had open.
        self.close_store();
        self.photos.clear();
        self.new_visit();
        let token = Arc::new(Mutex::new(session.token.clone()));
        let open = OpenStore { clerk_id: session.clerk.id, engine: Arc::new(self.engine(store, token.clone())), token };
        let _ = open.engine.refresh_status().await;
        *self.local.lock().expect("store lock") = Some(open);
        *self.session.lock().expect("session lock") = Some(session);
        self.publish_session(Some(view.clone()), None);
        tracing::info!(offline = view.offline, "clerk logged in");
        Ok(view)
    }

    fn engine(&self, store: DeskStore, token: Arc<Mutex<Option<String>>>) -> DeskEngine<C> {
        let transport = CentralTransport { central: self.central.clone(), token };
        let hooks = DeskHooks { photos: self.photos.clone(), settings: self.settings.clone(), store: store.clone() };
        let publisher = self.sync.clone();
        SyncEngine::with_config(
            store,
            transport,
            hooks,
            self.sync_config.clone(),
            Arc::new(EngineClock(self.clock.clone())),
        )
        .with_observer(move |status| publisher.set_status(Some(status.clone())))
    }

    /// Ends the session here at once; tells the central API if it can be reached (an
    /// unreachable central lets the session lapse by its idle expiry).
    pub async fn logout(&self) -> Result<(), DeskError> {
        // Closed to the end here, not in the background: a process that exits after logout (the probe, the app
        // quitting) must not tear down SQLCipher's crypto while a connection thread still closes (the crash test
        // saw "double free or corruption" at exit).
        let open = self.local.lock().expect("store lock").take();
        if let Some(open) = open {
            let store = open.engine.store().clone();
            drop(open);
            self.sync.set_status(None);
            store.close().await;
        }
        if let Some(token) = self.end_session(SessionEndReason::LoggedOut) {
            let result = self.central.logout(&token).await;
            match self.observe(result) {
                Ok(()) => {}
                Err(error) if error.ends_session() => {}
                Err(error) => tracing::info!(code = error.code(), "logout not confirmed by central"),
            }
        }
        Ok(())
    }

    /// Forgets the session, the photo on screen (and its key), the visit, stops the camera and closes the store;
    /// returns the token (if online) so the caller can tell the central API.
    fn end_session(&self, reason: SessionEndReason) -> Option<String> {
        let ended = self.session.lock().expect("session lock").take();
        self.camera.stop();
        self.photos.clear();
        self.new_visit();
        self.close_store();
        let ended = ended?;
        tracing::info!(reason = ?reason, "session ended");
        self.publish_session(None, Some(reason));
        ended.token
    }

    fn close_store(&self) {
        let Some(open) = self.local.lock().expect("store lock").take() else {
            return;
        };
        let store = open.engine.store().clone();
        drop(open);
        self.sync.set_status(None);
        // The pool (and the key text sqlx keeps in it) goes now; a round still running ends with an error.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(store.close());
        }
    }

    fn new_visit(&self) {
        *self.visit.lock().expect("visit lock") = Visit::new();
        self.sync.set_pending_fetch(false);
    }

    fn open_store(&self) -> Result<OpenStore<C>, DeskError> {
        self.local.lock().expect("store lock").clone().ok_or(DeskError::NotLoggedIn)
    }

    /// The clerk did something: the idle time starts anew, here and (at a bounded pace) at the
    /// central API. `None` when there is no live session any more.
    pub async fn touch_session(&self) -> Option<SessionView> {
        let now = self.clock.now();
        let (token, refresh_due) = {
            let mut guard = self.session.lock().expect("session lock");
            let session = guard.as_mut()?;
            if now >= session.expires_at {
                drop(guard);
                self.end_session(SessionEndReason::Expired);
                return None;
            }
            session.expires_at = (now + session.idle).min(session.absolute_expires_at);
            session.last_action_at = now;
            (session.token.clone(), now - session.server_touched_at >= session.server_refresh_every())
        };
        if let (Some(token), true) = (token, refresh_due) {
            let result = self.central.session(&token).await;
            match self.observe(result) {
                Ok(_) => {
                    if let Some(session) = self.session.lock().expect("session lock").as_mut() {
                        if session.token.as_deref() == Some(token.as_str()) {
                            session.server_touched_at = now;
                        }
                    }
                }
                Err(error) if error.ends_session() => {
                    let reason = if error.code() == "session_expired" {
                        SessionEndReason::Expired
                    } else {
                        SessionEndReason::EndedByCentral
                    };
                    let still_ours = self
                        .session
                        .lock()
                        .expect("session lock")
                        .as_ref()
                        .is_some_and(|s| s.token.as_deref() == Some(token.as_str()));
                    if still_ours {
                        self.end_session(reason);
                    }
                    return None;
                }
                // Unreachable: the desk goes on by its own clock; the central is told at the next contact.
                Err(error) => tracing::debug!(code = error.code(), "session not refreshed at central"),
            }
        }
        let view = self.current_session();
        self.publish_session(view.clone(), None);
        view
    }

    /// Ends a session whose idle or absolute time has run out. Called every second by
    /// [`Desk::watch_session`]; public so tests can step it with a manual clock.
    pub fn expire_session_if_due(&self) {
        let due = self.session.lock().expect("session lock").as_ref().is_some_and(|s| self.clock.now() >= s.expires_at);
        if due {
            self.end_session(SessionEndReason::Expired);
        }
    }

    /// Ends sessions on time; runs for the life of the app.
    pub async fn watch_session(&self, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.expire_session_if_due();
        }
    }

    /// Fetches and checks the photo behind a scanned code. Only for a logged-in clerk. The photo
    /// before it is forgotten first, whatever becomes of this one, and a new visit begins. A cloud that
    /// cannot be reached keeps the code as the visit's pending fetch (`photo_cloud_unreachable`): it is
    /// fetched by [`Desk::run_sync`] once the cloud answers and arrives as `desk://photo`.
    pub async fn fetch_photo(&self, code: &str) -> Result<PhotoView, DeskError> {
        self.require_session()?;
        self.photos.clear();
        self.new_visit();
        let (result, _) = tokio::join!(self.photos.fetch(code), self.touch_session());
        let result = match result {
            Err(DeskError::CloudUnreachable) => {
                self.visit.lock().expect("visit lock").pending_code = Some(Zeroizing::new(code.to_owned()));
                self.sync.set_pending_fetch(true);
                Err(DeskError::PhotoCloudUnreachable)
            }
            other => other,
        };
        self.audit_fetch(&result).await;
        result
    }

    async fn audit_fetch(&self, result: &Result<PhotoView, DeskError>) {
        let event = match result {
            Ok(photo) => PhotoAuditEvent {
                action: PhotoAuditAction::Fetched,
                photo_id: photo.photo_id.parse().ok(),
                error_code: None,
            },
            Err(error) => PhotoAuditEvent {
                action: PhotoAuditAction::FetchFailed,
                photo_id: None,
                error_code: Some(error.code().to_owned()),
            },
        };
        self.audit(event).await;
    }

    /// The visit's pending fetch, tried again (by [`Desk::run_sync`]).
    async fn retry_pending_fetch(&self) {
        let Some(code) = self.visit.lock().expect("visit lock").pending_code.clone() else {
            return;
        };
        let result = self.photos.fetch(&code).await;
        if matches!(result, Err(DeskError::CloudUnreachable)) {
            return;
        }
        {
            let mut visit = self.visit.lock().expect("visit lock");
            if visit.pending_code.as_deref().map(String::as_str) != Some(code.as_str()) {
                // A newer code or the end of the visit came first.
                self.photos.clear();
                return;
            }
            visit.pending_code = None;
        }
        self.sync.set_pending_fetch(false);
        self.audit_fetch(&result).await;
        match result {
            Ok(view) => {
                tracing::info!("pending photo fetch completed");
                self.photo_updates.send_replace(Some(view));
            }
            Err(error) => tracing::info!(code = error.code(), "pending photo fetch failed"),
        }
    }

    /// Forgets the photo on screen (the visit is finished).
    pub fn clear_photo(&self) {
        self.photos.clear();
        self.new_visit();
        self.photo_updates.send_replace(None);
    }

    /// Writes an audit event into the outbox (who and when: the clerk logged in, and the mutation's time).
    /// Nothing is lost offline: it leaves the desk with the next sync, whoever is logged in then.
    async fn audit(&self, event: PhotoAuditEvent) {
        let result = async {
            let open = self.open_store()?;
            let store = open.engine.store().clone();
            let mut tx = store.transaction().await?;
            tx.push_mutation(&audit_mutation(&event, open.clerk_id, self.clock.now())).await?;
            tx.commit().await?;
            Ok::<_, DeskError>(())
        }
        .await;
        match result {
            Ok(()) => self.refresh_sync_status().await,
            Err(error) => {
                tracing::warn!(action = event.action.as_str(), code = error.code(), "audit event not recorded")
            }
        }
    }

    async fn refresh_sync_status(&self) {
        if let Ok(open) = self.open_store() {
            let _ = open.engine.refresh_status().await;
        }
    }

    /// The code text in an image file (Data Matrix or QR), as the studio printed it.
    pub fn read_code_image(&self, image: &[u8]) -> Result<String, DeskError> {
        self.require_session()?;
        Ok(schalter_scan::decode_image_file(image)?.text)
    }

    /// Reads the photo code with the webcam; blocks, so call it on a blocking thread. `None` when
    /// [`Desk::stop_camera`] ended the scan first. Previews go to `on_preview`.
    pub fn scan_camera(&self, on_preview: impl FnMut(&crate::CameraFrame)) -> Result<Option<String>, DeskError> {
        self.require_session()?;
        self.camera.scan(on_preview)
    }

    pub fn stop_camera(&self) {
        self.camera.stop();
    }

    /// The clerk's decision on the photo on screen. Accepting a photo that failed a check needs
    /// `override_failed_checks`, and is audited as such.
    ///
    /// Accepting writes, in one store transaction, the decrypted image as a blob, the `photo.accept` mutation, the
    /// audit mutation and the cloud job (delete, or keep until `keep_until`); only then is the cloud asked, once,
    /// here: `deleted_in_cloud` / `kept_until` say whether it confirmed. If not, the job is retried by the sync
    /// engine with backoff until the cloud confirms.
    pub async fn decide_photo(
        &self,
        photo_id: &str,
        accept: bool,
        keep_until: Option<String>,
        override_failed_checks: bool,
    ) -> Result<PhotoDecisionView, DeskError> {
        self.require_session()?;
        let (decision, _) = tokio::join!(
            async { self.photos.begin_decision(photo_id, accept, override_failed_checks) },
            self.touch_session()
        );
        let decision = decision?;
        let overridden = accept && !decision.all_passed;
        let action = match (accept, keep_until.is_some(), overridden) {
            (false, _, _) => PhotoAuditAction::Rejected,
            (true, false, false) => PhotoAuditAction::Accepted,
            (true, true, false) => PhotoAuditAction::AcceptedKept,
            (true, false, true) => PhotoAuditAction::AcceptedOverride,
            (true, true, true) => PhotoAuditAction::AcceptedKeptOverride,
        };
        let open = self.open_store()?;
        let store = open.engine.store().clone();
        let now = self.clock.now();
        let mut view = PhotoDecisionView {
            photo_id: decision.photo_id.to_string(),
            accepted: accept,
            deleted_in_cloud: false,
            kept_until: None,
            checks_overridden: overridden,
        };
        if !accept {
            let mut tx = store.transaction().await?;
            let event = PhotoAuditEvent { action, photo_id: Some(decision.photo_id), error_code: None };
            tx.push_mutation(&audit_mutation(&event, open.clerk_id, now)).await?;
            tx.commit().await?;
            self.photos.finish_decision(decision.photo_id);
            tracing::info!(photo_id = %decision.photo_id, accept, "photo decision");
            self.refresh_sync_status().await;
            return Ok(view);
        }
        let visit_id = self.visit.lock().expect("visit lock").id;
        let kind = if keep_until.is_some() { jobs::PHOTO_CLOUD_KEEP } else { jobs::PHOTO_CLOUD_DELETE };
        let job = CloudJob { photo_id: decision.photo_id, cloud_url: decision.cloud_url.clone(), keep_until };
        let (_, _, job_id) = write_accept(
            &store,
            decision.photo_id,
            visit_id,
            &decision.jpeg,
            overridden,
            action,
            Some((kind, &job)),
            open.clerk_id,
            now,
        )
        .await?;
        self.photos.finish_decision(decision.photo_id);
        {
            let mut visit = self.visit.lock().expect("visit lock");
            if visit.id == visit_id {
                visit.accepted_photo = Some(decision.photo_id);
            }
        }
        if let Some(job_id) = job_id {
            // One attempt now, so that the clerk usually sees the cloud's answer; the engine retries otherwise.
            let outcome = open.engine.hooks().run_cloud_job(kind, &job).await;
            let now = self.clock.now();
            let settled = match &outcome {
                JobOutcome::Done => store.job_succeeded(job_id, now).await.map(drop),
                JobOutcome::Retry { error } => store.job_failed(job_id, now, error).await.map(drop),
                JobOutcome::GiveUp { error } => store.job_gave_up(job_id, now, error).await,
            };
            if let Err(error) = settled {
                // A sync round ran the job at the same moment and settled it.
                tracing::debug!(code = error.code(), "cloud job settled elsewhere");
            }
            if outcome == JobOutcome::Done {
                view.deleted_in_cloud = job.keep_until.is_none();
                view.kept_until = job.keep_until.clone();
            }
        }
        tracing::info!(photo_id = %decision.photo_id, accept, kept = view.kept_until.is_some(), overridden, "photo decision");
        self.refresh_sync_status().await;
        Ok(view)
    }

    /// The live check of the application form (no session needed: it reads nothing stored).
    pub fn check_application(&self, draft: &ApplicationDraft) -> ApplicationCheckView {
        application::check(draft, application::office_date(self.clock.now()))
    }

    /// The clerk confirmed the application: written with its `application.submit` mutation in one store
    /// transaction under a provisional number, sent with the next sync. Only in a visit whose photo the clerk
    /// accepted (fetched and compared in the citizen's presence), and only when every field is right.
    pub async fn submit_application(&self, draft: &ApplicationDraft) -> Result<ApplicationView, DeskError> {
        self.require_session()?;
        let open = self.open_store()?;
        let (visit_id, photo_id) = {
            let visit = self.visit.lock().expect("visit lock");
            (visit.id, visit.accepted_photo.ok_or(DeskError::ApplicationPhotoMissing)?)
        };
        let biometrics = self.visit.lock().expect("visit lock").biometrics.clone();
        let store = open.engine.store().clone();
        let view = application::write_submitted(
            &store,
            draft,
            visit_id,
            photo_id,
            &biometrics,
            open.clerk_id,
            self.clock.now(),
        )
        .await?;
        self.refresh_sync_status().await;
        Ok(view)
    }

    /// The visit's biometrics as the screen shows them.
    pub fn biometrics(&self) -> BiometricsView {
        self.visit.lock().expect("visit lock").biometrics.view()
    }

    /// Takes the flat prints the rules ask for (from 6 with a chip; otherwise records "not required" without the
    /// reader): per hand the index finger, then thumb, middle and ring finger while a finger is not possible. A hand
    /// where none was possible waits for the clerk's [`Desk::record_fingerprint_not_possible`]. A hand already
    /// recorded is taken again (a second try for a better quality).
    pub async fn capture_fingerprints(&self, draft: &ApplicationDraft) -> Result<BiometricsView, DeskError> {
        self.require_session()?;
        let today = application::office_date(self.clock.now());
        let rules = application::rules_of(draft, today).ok_or_else(|| invalid_draft(draft, today))?;
        let visit_id = self.visit.lock().expect("visit lock").id;
        let plan = fingerprint_plan(rules.fingerprints);
        let reader = self.devices.reader.clone();
        let outcomes =
            tokio::task::spawn_blocking(move || -> Result<Vec<(Hand, Option<FingerprintOutcome>)>, DeviceError> {
                let mut progress = plan.start();
                let mut hands = Vec::new();
                for hand in [Hand::Left, Hand::Right] {
                    while let Some(finger) = progress.asked(hand) {
                        let capture = reader.capture(finger)?;
                        progress.record(finger, &capture)?;
                    }
                    hands.push((hand, progress.outcome(hand)));
                }
                Ok(hands)
            })
            .await
            .map_err(|_| DeviceError::CaptureCancelled)??;
        let mut visit = self.visit.lock().expect("visit lock");
        if visit.id != visit_id {
            return Err(DeviceError::CaptureCancelled.into());
        }
        for (hand, outcome) in outcomes {
            match outcome {
                Some(outcome) => visit.biometrics.set(hand, outcome),
                None => visit.biometrics.await_confirmation(hand),
            }
        }
        tracing::info!(left = ?visit.biometrics.left.is_some(), right = ?visit.biometrics.right.is_some(), "fingerprints captured");
        Ok(visit.biometrics.view())
    }

    /// The clerk confirms that prints of `hand` are medically impossible (after no finger was possible, or at once:
    /// a hand in a cast).
    pub fn record_fingerprint_not_possible(&self, hand: Hand) -> Result<BiometricsView, DeskError> {
        self.require_session()?;
        let mut visit = self.visit.lock().expect("visit lock");
        if visit.biometrics.outcome(hand) == Some(FingerprintOutcome::NotRequired) {
            return Err(DeviceError::FingerUnexpected {
                reason: "für diesen Antrag werden keine Abdrücke genommen".into(),
            }
            .into());
        }
        visit.biometrics.set(hand, FingerprintOutcome::NotPossible);
        Ok(visit.biometrics.view())
    }

    /// The applicant signs on the pad; the 900 × 132 JPEG stays in memory for this visit and goes into the store with
    /// the submitted application. A new signature replaces the previous one.
    pub async fn capture_signature(&self) -> Result<BiometricsView, DeskError> {
        self.require_session()?;
        let visit_id = self.visit.lock().expect("visit lock").id;
        let pad = self.devices.pad.clone();
        let jpeg = tokio::task::spawn_blocking(move || {
            let strokes = pad.capture()?;
            render_signature_jpeg(&strokes, pad.pad_size())
        })
        .await
        .map_err(|_| DeviceError::CaptureCancelled)??;
        let mut visit = self.visit.lock().expect("visit lock");
        if visit.id != visit_id {
            return Err(DeviceError::CaptureCancelled.into());
        }
        visit.biometrics.signature_jpeg = Some(jpeg);
        tracing::info!("signature captured");
        Ok(visit.biometrics.view())
    }

    /// The applications this desk holds whose name or number contains `query`, newest first (offline too).
    pub async fn applications(&self, query: &str) -> Result<Vec<ApplicationView>, DeskError> {
        self.require_session()?;
        let store = self.open_store()?.engine.store().clone();
        application::list(&store, query).await
    }

    /// What the clerk typed for an application this desk holds: the form a correction starts from.
    pub async fn application_draft(&self, application_id: &str) -> Result<ApplicationDraft, DeskError> {
        self.require_session()?;
        let store = self.open_store()?.engine.store().clone();
        application::stored_draft(&store, application_id).await
    }

    /// The clerk corrected an application the producer rejected: written with its `application.correct` mutation,
    /// sent with the next sync; the central orders it again under the same number (offline too: it waits).
    pub async fn correct_application(
        &self,
        application_id: &str,
        draft: &ApplicationDraft,
    ) -> Result<ApplicationView, DeskError> {
        self.require_session()?;
        let open = self.open_store()?;
        let store = open.engine.store().clone();
        let view =
            application::write_correction(&store, application_id, draft, open.clerk_id, self.clock.now()).await?;
        self.refresh_sync_status().await;
        Ok(view)
    }

    /// The customer's receipt of an application this desk holds, for the print view. An application still under its
    /// provisional number first gets a sync round while the central is reachable, so that the customer takes the
    /// final number home whenever the central can give it now; offline the receipt says the final number follows.
    pub async fn application_receipt(&self, application_id: &str) -> Result<ReceiptView, DeskError> {
        let receipt = self.receipt_of(application_id).await?;
        Ok(receipt::view_of(application_id, &receipt))
    }

    /// As [`Desk::application_receipt`], with its PDF (the same text).
    pub async fn application_receipt_pdf(&self, application_id: &str) -> Result<ReceiptPdf, DeskError> {
        let receipt = self.receipt_of(application_id).await?;
        let id = application_id.to_owned();
        // Subsetting the fonts takes a moment: off the async threads.
        tokio::task::spawn_blocking(move || receipt::pdf_of(&id, &receipt))
            .await
            .map_err(|_| DeskError::Receipt(schalter_receipt::ReceiptError::Pdf("abgebrochen".into())))?
    }

    async fn receipt_of(&self, application_id: &str) -> Result<schalter_receipt::Receipt, DeskError> {
        self.require_session()?;
        let store = self.open_store()?.engine.store().clone();
        if !receipt::has_final_number(&store, application_id).await? && self.connection().online {
            let _ = self.sync_step().await;
        }
        let session = self.current_session().ok_or(DeskError::NotLoggedIn)?;
        let office = if session.office_name.trim().is_empty() { session.office_id } else { session.office_name };
        let receipt = receipt::receipt(&store, application_id, &office).await?;
        tracing::info!(
            application_id,
            final_number = matches!(receipt.number, schalter_receipt::ReceiptNumber::Final(_)),
            "receipt made"
        );
        Ok(receipt)
    }

    /// For tests and the probe: the visit's biometrics, as if they had been captured now.
    #[doc(hidden)]
    pub fn set_visit_biometrics_for_tests(&self, biometrics: VisitBiometrics) {
        self.visit.lock().expect("visit lock").biometrics = biometrics;
    }

    /// For tests and the probe: the visit's accepted photo, as if the clerk had accepted it now.
    #[doc(hidden)]
    pub fn set_visit_photo_for_tests(&self, photo_id: Uuid) -> Uuid {
        let mut visit = self.visit.lock().expect("visit lock");
        visit.accepted_photo = Some(photo_id);
        visit.id
    }

    /// For the crash-test probe and benchmarks: records an accepted photo as [`Desk::decide_photo`] does (one store
    /// transaction: blob, record, `photo.accept`, audit), minus the cloud job. Idempotent per photo id: a record
    /// already there is reported (`existing`), not written again, so a killed run can be resumed.
    pub async fn record_accepted_photo(
        &self,
        photo_id: Uuid,
        visit_id: Uuid,
        jpeg: &[u8],
    ) -> Result<CapturedPhoto, DeskError> {
        self.require_session()?;
        let open = self.open_store()?;
        let store = open.engine.store().clone();
        if let Some(existing) = store.get_record(ACCEPTED_PHOTO, &photo_id.to_string()).await? {
            let accepted: AcceptedPhoto = serde_json::from_value(existing)
                .map_err(|_| DeskError::Store(schalter_store::StoreError::Internal("Datensatz")))?;
            return Ok(CapturedPhoto {
                photo_id,
                visit_id: accepted.visit_id,
                sha256: accepted.photo_sha256,
                seq: None,
                existing: true,
            });
        }
        let now = self.clock.now();
        let (seq, hash, _) =
            write_accept(&store, photo_id, visit_id, jpeg, false, PhotoAuditAction::Accepted, None, open.clerk_id, now)
                .await?;
        Ok(CapturedPhoto { photo_id, visit_id, sha256: hash.as_str().to_owned(), seq: Some(seq), existing: false })
    }

    /// Syncs while a session is open, every `every`; runs for the life of the app. Each step: an offline session
    /// logs in at the central once it answers, a pending photo fetch is tried again, then one engine round (blobs,
    /// push, pull, side jobs, purge).
    pub async fn run_sync(&self, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let _ = self.sync_step().await;
        }
    }

    /// One sync step now (the clerk asked); the result is also published as `desk://sync`.
    pub async fn sync_now(&self) -> Result<SyncView, DeskError> {
        self.require_session()?;
        let _ = self.sync_step().await;
        Ok(self.sync_status())
    }

    /// One sync step (an offline session first tries to log in at the central), its report and error as they
    /// are: for the probe and tests.
    pub async fn sync_round(&self) -> Result<SyncReport, DeskError> {
        self.require_session()?;
        self.upgrade_offline_session().await;
        let open = self.open_store()?;
        let result = open.engine.sync_once().await;
        self.note_sync_result(&result);
        Ok(result?)
    }

    async fn sync_step(&self) -> Option<Result<SyncReport, SyncError>> {
        self.current_session()?;
        self.upgrade_offline_session().await;
        self.retry_pending_fetch().await;
        let open = self.open_store().ok()?;
        let result = open.engine.sync_once().await;
        self.note_sync_result(&result);
        Some(result)
    }

    fn note_sync_result(&self, result: &Result<SyncReport, SyncError>) {
        let reachable = match result {
            Ok(_) => Some(true),
            Err(SyncError::Unavailable { code }) if code == "central_unreachable" || code == "tls_rejected" => {
                Some(false)
            }
            Err(SyncError::Unavailable { .. } | SyncError::Refused { .. } | SyncError::SequenceBehind { .. }) => {
                Some(true)
            }
            // Offline sessions end every round here without asking the central.
            _ => None,
        };
        if let Some(reachable) = reachable {
            self.note_reachable(reachable);
            if result.is_ok() {
                self.connection.lock().expect("connection lock").last_sync = Some(self.clock.now());
                self.connection_updates.send_replace(self.connection());
            }
        }
    }

    /// An offline session logs in at the central as soon as it answers, with the password it was opened with;
    /// the session becomes online (and the keyring records the online login). A central that refuses the
    /// password (changed or locked meanwhile) ends the session.
    async fn upgrade_offline_session(&self) {
        let Some((username, password, clerk_id)) = self
            .session
            .lock()
            .expect("session lock")
            .as_ref()
            .and_then(|s| s.offline_password.as_ref().map(|p| (s.clerk.username.clone(), p.clone(), s.clerk.id)))
        else {
            return;
        };
        let _one_login_at_a_time = self.login_lock.lock().await;
        let result = self.central.login(&username, &password).await;
        let session = match self.observe(result) {
            Ok(session) => session,
            Err(DeskError::Unreachable | DeskError::TlsRejected) => return,
            // Only a refusal of the clerk ends the session; an overloaded or failing central is asked again later.
            Err(error) if matches!(error.code(), "invalid_credentials" | "account_locked" | "too_many_attempts") => {
                tracing::info!(code = error.code(), "central refused the offline session's login");
                self.end_session(SessionEndReason::EndedByCentral);
                return;
            }
            Err(error) => {
                tracing::debug!(code = error.code(), "background login failed");
                return;
            }
        };
        if session.clerk.id != clerk_id {
            self.end_session(SessionEndReason::EndedByCentral);
            return;
        }
        let now = self.clock.now();
        let profile = profile_of(&session.clerk);
        let desk_key = session.desk_store_key.as_deref().and_then(|key| DeskKey::from_base64(key).ok());
        let online = ActiveSession::from_login(session, now);
        let token = online.token.clone();
        {
            let mut guard = self.session.lock().expect("session lock");
            match guard.as_mut() {
                Some(current) if current.clerk.id == clerk_id && current.token.is_none() => {
                    // The clerk's own activity keeps counting; the central's limits apply from now.
                    let expires_at = current.expires_at;
                    *current = online;
                    current.expires_at = expires_at.min(current.absolute_expires_at);
                }
                _ => return,
            }
        }
        if let Ok(open) = self.open_store() {
            *open.token.lock().expect("token lock") = token;
        }
        let settings = self.settings.clone();
        if let Err(error) = settings.rewrap_online(&profile, &password, desk_key, now).await {
            tracing::warn!(code = error.code(), "keyring not refreshed after the background login");
        }
        tracing::info!("offline session is online now");
        self.publish_session(self.current_session(), None);
    }

    /// What the counter queue (`crate::queue`) works with: the open store, the clerk, the visit and the desk's time.
    pub(crate) fn queue_access(&self) -> Result<(DeskStore, Uuid, Uuid, OffsetDateTime), DeskError> {
        self.require_session()?;
        let open = self.open_store()?;
        let visit_id = self.visit.lock().expect("visit lock").id;
        Ok((open.engine.store().clone(), open.clerk_id, visit_id, self.clock.now()))
    }

    fn require_session(&self) -> Result<(), DeskError> {
        self.current_session().map(drop).ok_or(DeskError::NotLoggedIn)
    }

    /// A call to the central in the clerk's session (the pickup box's back office, `crate::pickup`):
    /// `f` gets the central and the session's token; the answer marks the connection. An offline
    /// session has no token: such a call needs the central, so it is `central_unreachable`.
    pub(crate) async fn call_central<T, F, Fut>(&self, f: F) -> Result<T, DeskError>
    where
        F: FnOnce(C, String) -> Fut,
        Fut: std::future::Future<Output = Result<T, DeskError>>,
    {
        self.require_session()?;
        let token = self.session.lock().expect("session lock").as_ref().and_then(|s| s.token.clone());
        let token = token.ok_or(DeskError::Unreachable)?;
        let result = f(self.central.clone(), token).await;
        if let Err(error) = &result {
            if error.ends_session() {
                let expired = error.code() == "session_expired";
                self.end_session(if expired { SessionEndReason::Expired } else { SessionEndReason::EndedByCentral });
            }
        }
        self.observe(result)
    }

    /// The session, unless it has expired by the clock (then it is ended here).
    pub fn current_session(&self) -> Option<SessionView> {
        self.expire_session_if_due();
        self.session.lock().expect("session lock").as_ref().map(ActiveSession::view)
    }

    /// How long the clerk of the open session has done nothing; `None` without a session.
    pub fn session_unused_for(&self) -> Option<Duration> {
        self.expire_session_if_due();
        let now = self.clock.now();
        let guard = self.session.lock().expect("session lock");
        guard.as_ref().map(|session| (now - session.last_action_at).try_into().unwrap_or(Duration::ZERO))
    }

    fn publish_session(&self, session: Option<SessionView>, reason: Option<SessionEndReason>) {
        self.session_updates.send_replace(SessionEvent { session, reason });
    }

    pub fn connection(&self) -> ConnectionView {
        let connection = self.connection.lock().expect("connection lock");
        ConnectionView {
            online: connection.online,
            central_url: self.central.base_url().to_owned(),
            last_contact: connection.last_contact.map(rfc3339),
            last_sync: connection.last_sync.map(rfc3339),
        }
    }

    /// Asks the central API whether it is there, and records the answer.
    pub async fn check_connection(&self) -> ConnectionView {
        let result = self.central.health().await;
        let _ = self.observe(result);
        self.connection()
    }

    /// Keeps the connection state fresh; runs for the life of the app.
    pub async fn monitor_connection(&self, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.check_connection().await;
        }
    }

    /// Records what a call to the central API says about the connection: any answer,
    /// even a refusal, means it is reachable.
    fn observe<T>(&self, result: Result<T, DeskError>) -> Result<T, DeskError> {
        let reachable = !matches!(result, Err(DeskError::Unreachable) | Err(DeskError::TlsRejected));
        self.note_reachable(reachable);
        result
    }

    fn note_reachable(&self, reachable: bool) {
        {
            let mut connection = self.connection.lock().expect("connection lock");
            if connection.online != reachable {
                tracing::info!(online = reachable, "connection to central changed");
            }
            connection.online = reachable;
            if reachable {
                connection.last_contact = Some(self.clock.now());
            }
        }
        self.sync.set_online(reachable);
        self.connection_updates.send_replace(self.connection());
    }
}

fn audit_mutation(event: &PhotoAuditEvent, clerk_id: Uuid, now: OffsetDateTime) -> NewMutation {
    NewMutation {
        kind: kinds::PHOTO_AUDIT.to_owned(),
        payload: serde_json::to_value(event).unwrap_or_default(),
        occurred_at: now,
        clerk_id,
    }
}

/// The accept of a photo in one store transaction: blob, record, `photo.accept`, audit, and the cloud job if any.
/// Returns the `photo.accept` seq, the blob's hash and the job's id.
#[allow(clippy::too_many_arguments)]
async fn write_accept(
    store: &DeskStore,
    photo_id: Uuid,
    visit_id: Uuid,
    jpeg: &[u8],
    override_failed_checks: bool,
    action: PhotoAuditAction,
    cloud_job: Option<(&str, &CloudJob)>,
    clerk_id: Uuid,
    now: OffsetDateTime,
) -> Result<(i64, BlobHash, Option<Uuid>), DeskError> {
    let mut tx = store.transaction().await?;
    let hash = tx.put_blob(jpeg, now).await?;
    let accepted = AcceptedPhoto {
        photo_id,
        visit_id,
        photo_sha256: hash.as_str().to_owned(),
        media_type: MEDIA_TYPE_JPEG.to_owned(),
        override_failed_checks,
    };
    let payload = serde_json::to_value(&accepted).unwrap_or_default();
    tx.put_record(ACCEPTED_PHOTO, &photo_id.to_string(), &payload, std::slice::from_ref(&hash), now).await?;
    let accept = tx
        .push_mutation(&NewMutation { kind: kinds::PHOTO_ACCEPT.to_owned(), payload, occurred_at: now, clerk_id })
        .await?;
    let event = PhotoAuditEvent { action, photo_id: Some(photo_id), error_code: None };
    tx.push_mutation(&audit_mutation(&event, clerk_id, now)).await?;
    let job_id = match cloud_job {
        Some((kind, job)) => Some(tx.enqueue_job(kind, &serde_json::to_value(job).unwrap_or_default(), now).await?),
        None => None,
    };
    tx.commit().await?;
    Ok((accept.seq, hash, job_id))
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::HandView;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use schalter_domain::Role;
    use schalter_photo::PhotoCode;
    use schalter_store::{JobState, KdfParams, MutationState};
    use schalter_sync::{BlobState, PushOutcome, TransportError};
    use schalter_wire::application::APPLICATION_SUBMIT;
    use schalter_wire::sync::{MutationResult, MutationStatus, PullResponse, PushRequest, PushResponse};
    use schalter_wire::{Health, Office, SessionInfo};

    use super::*;

    /// What the fake central received through the sync calls.
    #[derive(Default)]
    struct SyncServer {
        last_seq: i64,
        kinds: Vec<String>,
        /// The `clerk_id` of each applied mutation, in order.
        authors: Vec<Option<Uuid>>,
        blobs: std::collections::HashMap<String, Vec<u8>>,
    }

    const IDLE_SECONDS: u32 = 60;
    /// What the central hands this desk with every login (32 bytes, Base64).
    const DESK_STORE_KEY: &str = "ZGVzay1zdG9yZS1rZXktb2YtdGhlLXRlc3QtZGVzayE=";

    /// A central API in memory that keeps the session alive on every authenticated call, like the
    /// real one, by its own clock (the same manual clock as the desk's).
    #[derive(Clone)]
    struct FakeCentral {
        clock: DeskClock,
        server_expires_at: Arc<Mutex<Option<OffsetDateTime>>>,
        reachable: Arc<AtomicBool>,
        session_calls: Arc<AtomicUsize>,
        password: Arc<Mutex<String>>,
        sync: Arc<Mutex<SyncServer>>,
        /// The desk's data directory lives as long as the desk (which holds a clone).
        data_dir: Arc<tempfile::TempDir>,
        /// The back office's calls (`crate::pickup`): canned answers by path (`{code}`: refused), and the calls made.
        clerk_answers: Arc<Mutex<std::collections::HashMap<String, serde_json::Value>>>,
        clerk_calls: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
    }

    impl FakeCentral {
        fn new(clock: &DeskClock) -> Self {
            Self {
                clock: clock.clone(),
                server_expires_at: Arc::default(),
                reachable: Arc::new(AtomicBool::new(true)),
                session_calls: Arc::default(),
                password: Arc::new(Mutex::new(PASSWORD.into())),
                sync: Arc::default(),
                data_dir: Arc::new(tempfile::tempdir().unwrap()),
                clerk_answers: Arc::default(),
                clerk_calls: Arc::default(),
            }
        }

        fn answer_clerk_call(&self, path: &str, answer: serde_json::Value) {
            self.clerk_answers.lock().unwrap().insert(path.to_owned(), answer);
        }

        fn clerk_answer<T: serde::de::DeserializeOwned>(
            &self,
            path: &str,
            sent: serde_json::Value,
        ) -> Result<T, DeskError> {
            self.authenticate()?;
            self.clerk_calls.lock().unwrap().push((path.to_owned(), sent));
            let answer = self.clerk_answers.lock().unwrap().get(path).cloned().unwrap_or_default();
            if let Some(code) = answer["code"].as_str() {
                return Err(DeskError::Central { code: code.to_owned(), message: "abgelehnt".into() });
            }
            Ok(serde_json::from_value(answer).expect("a canned answer of the right shape"))
        }

        fn set_reachable(&self, reachable: bool) {
            self.reachable.store(reachable, Ordering::SeqCst);
        }

        fn sync_authenticate(&self) -> Result<(), TransportError> {
            match self.authenticate() {
                Ok(()) => Ok(()),
                Err(DeskError::Unreachable) => Err(TransportError::Unavailable { code: "central_unreachable".into() }),
                Err(_) => Err(TransportError::SessionExpired),
            }
        }

        fn clerk() -> Clerk {
            Self::clerk_named("erika")
        }

        /// Erika (the nil id) or a colleague.
        fn clerk_named(username: &str) -> Clerk {
            let (id, display_name) = match username {
                "erika" => (Uuid::nil(), "Erika Mustermann"),
                _ => (Uuid::from_u128(2), "Max Mustermann"),
            };
            Clerk {
                id,
                username: username.into(),
                display_name: display_name.into(),
                role: Role::Clerk,
                office: Office { id: "05111000_01".into(), name: "Bürgerbüro Dienstleistungszentrum".into() },
            }
        }

        fn server_session_live(&self) -> bool {
            self.server_expires_at.lock().unwrap().is_some_and(|at| self.clock.now() < at)
        }

        fn revoke(&self) {
            *self.server_expires_at.lock().unwrap() = None;
        }

        fn authenticate(&self) -> Result<(), DeskError> {
            if !self.reachable.load(Ordering::SeqCst) {
                return Err(DeskError::Unreachable);
            }
            if !self.server_session_live() {
                return Err(DeskError::Central { code: "unauthenticated".into(), message: "Bitte anmelden.".into() });
            }
            *self.server_expires_at.lock().unwrap() = Some(self.clock.now() + Duration::from_secs(IDLE_SECONDS.into()));
            Ok(())
        }
    }

    impl CentralApi for FakeCentral {
        fn base_url(&self) -> &str {
            "https://central.test"
        }

        async fn clerk_get<T: serde::de::DeserializeOwned + Send>(
            &self,
            _token: &str,
            path: &str,
            query: &[(&str, &str)],
        ) -> Result<T, DeskError> {
            let query: serde_json::Map<String, serde_json::Value> =
                query.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v))).collect();
            self.clerk_answer(path, serde_json::Value::Object(query))
        }

        async fn clerk_post<B: serde::Serialize + Sync, T: serde::de::DeserializeOwned + Send>(
            &self,
            _token: &str,
            path: &str,
            body: &B,
        ) -> Result<T, DeskError> {
            self.clerk_answer(path, serde_json::to_value(body).unwrap())
        }

        async fn health(&self) -> Result<Health, DeskError> {
            Ok(Health { status: "ok".into(), version: "test".into() })
        }

        async fn login(&self, username: &str, password: &str) -> Result<Session, DeskError> {
            if !self.reachable.load(Ordering::SeqCst) {
                return Err(DeskError::Unreachable);
            }
            if password != *self.password.lock().unwrap() {
                return Err(DeskError::Central { code: "invalid_credentials".into(), message: "falsch".into() });
            }
            let now = self.clock.now();
            let expires_at = now + Duration::from_secs(IDLE_SECONDS.into());
            *self.server_expires_at.lock().unwrap() = Some(expires_at);
            Ok(Session {
                token: "token".into(),
                expires_at,
                absolute_expires_at: now + Duration::from_secs(3600),
                idle_timeout_seconds: IDLE_SECONDS,
                clerk: Self::clerk_named(username),
                desk_store_key: Some(DESK_STORE_KEY.into()),
            })
        }

        async fn session(&self, _token: &str) -> Result<SessionInfo, DeskError> {
            self.session_calls.fetch_add(1, Ordering::SeqCst);
            self.authenticate()?;
            let expires_at = self.server_expires_at.lock().unwrap().unwrap();
            Ok(SessionInfo {
                expires_at,
                absolute_expires_at: expires_at,
                idle_timeout_seconds: IDLE_SECONDS,
                clerk: Self::clerk(),
            })
        }

        async fn logout(&self, _token: &str) -> Result<(), DeskError> {
            self.authenticate()?;
            self.revoke();
            Ok(())
        }

        async fn sync_push(&self, _token: &str, request: &PushRequest) -> Result<PushOutcome, TransportError> {
            self.sync_authenticate()?;
            let mut server = self.sync.lock().unwrap();
            let mut results = Vec::new();
            for mutation in &request.mutations {
                let status = if mutation.seq <= server.last_seq {
                    MutationStatus::Replayed
                } else {
                    if mutation.kind == kinds::PHOTO_ACCEPT {
                        let sha = mutation.payload["photo_sha256"].as_str().unwrap_or_default();
                        assert!(server.blobs.contains_key(sha), "the blob went up before its mutation");
                    }
                    server.kinds.push(mutation.kind.clone());
                    server.authors.push(mutation.clerk_id);
                    server.last_seq = mutation.seq;
                    MutationStatus::Applied
                };
                // The central numbers applications (per office and year).
                let response = (mutation.kind == APPLICATION_SUBMIT).then(|| {
                    let counted = server.kinds.iter().filter(|k| *k == APPLICATION_SUBMIT).count();
                    serde_json::json!({ "application_number": format!("05111000_01-2026-{counted:06}"), "total_fee_cents": 7000 })
                });
                results.push(MutationResult { seq: mutation.seq, status, response, error: None });
            }
            let last_seq = server.last_seq;
            Ok(PushOutcome::Answered(PushResponse { results, last_seq }))
        }

        async fn sync_pull(&self, _token: &str, cursor: i64, _limit: u32) -> Result<PullResponse, TransportError> {
            self.sync_authenticate()?;
            Ok(PullResponse { changes: Vec::new(), next_cursor: cursor, has_more: false })
        }

        async fn blob_head(&self, _token: &str, sha256: &str) -> Result<Option<BlobState>, TransportError> {
            self.sync_authenticate()?;
            let server = self.sync.lock().unwrap();
            Ok(server.blobs.get(sha256).map(|b| BlobState { offset: b.len() as u64, length: None }))
        }

        async fn blob_patch(
            &self,
            _token: &str,
            sha256: &str,
            offset: u64,
            _length: u64,
            bytes: &[u8],
        ) -> Result<u64, TransportError> {
            self.sync_authenticate()?;
            let mut server = self.sync.lock().unwrap();
            let held = server.blobs.entry(sha256.to_owned()).or_default();
            if held.len() as u64 != offset {
                return Err(TransportError::OffsetMismatch);
            }
            held.extend_from_slice(bytes);
            Ok(held.len() as u64)
        }
    }

    const PASSWORD: &str = "korrekt-pferd-batterie";

    fn desk_with(photos: PhotoRetrieval) -> (Desk<FakeCentral>, FakeCentral, DeskClock) {
        let clock = DeskClock::manual(OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000));
        let central = FakeCentral::new(&clock);
        let mut settings = StoreSettings::new(central.data_dir.path());
        settings.kdf = Some(KdfParams { m_cost_kib: 8, t_cost: 1, p_cost: 1 });
        // One attempt per round: tests step the rounds themselves.
        let mut sync = SyncConfig::default();
        sync.retry.max_attempts = 1;
        let desk = Desk::with_central(central.clone(), photos, clock.clone(), settings).with_sync_config(sync);
        (desk, central, clock)
    }

    fn desk() -> (Desk<FakeCentral>, FakeCentral, DeskClock) {
        desk_with(PhotoRetrieval::without_clouds())
    }

    async fn logged_in() -> (Desk<FakeCentral>, FakeCentral, DeskClock) {
        let (desk, central, clock) = desk();
        desk.login("erika", PASSWORD).await.unwrap();
        (desk, central, clock)
    }

    fn store_of(desk: &Desk<FakeCentral>) -> DeskStore {
        desk.open_store().unwrap().engine.store().clone()
    }

    /// Online once, then out: the central goes away.
    async fn known_then_offline() -> (Desk<FakeCentral>, FakeCentral, DeskClock) {
        let (desk, central, clock) = logged_in().await;
        desk.logout().await.unwrap();
        central.set_reachable(false);
        (desk, central, clock)
    }

    #[tokio::test]
    async fn offline_login_within_the_validity_opens_the_store_and_is_marked_offline() {
        let (desk, _central, clock) = known_then_offline().await;
        clock.advance(Duration::from_secs(71 * 3600));
        let view = desk.login("erika", PASSWORD).await.unwrap();
        assert!(view.offline);
        assert_eq!(view.display_name, "Erika Mustermann");
        assert_eq!(desk.session_updates().borrow().session.as_ref().map(|s| s.offline), Some(true));
        assert_eq!(desk.sync_status().phase, "idle", "a store is open");
        desk.logout().await.unwrap();
        assert_eq!(desk.sync_status().phase, "closed");
    }

    #[tokio::test]
    async fn offline_login_after_the_validity_is_refused() {
        let (desk, _central, clock) = known_then_offline().await;
        clock.advance(Duration::from_secs(72 * 3600 + 60));
        let error = desk.login("erika", PASSWORD).await.unwrap_err();
        assert_eq!(error.code(), "offline_login_expired");
        assert!(desk.current_session().is_none());
    }

    #[tokio::test]
    async fn a_wrong_password_is_refused_offline_and_a_central_refusal_never_falls_back_to_offline() {
        let (desk, central, _clock) = known_then_offline().await;
        assert_eq!(desk.login("erika", "falsch-falsch-falsch").await.unwrap_err().code(), "invalid_credentials");
        assert_eq!(desk.login("nobody", PASSWORD).await.unwrap_err().code(), "offline_login_unknown");
        assert!(desk.current_session().is_none());
        // Reachable: the central's "wrong password" is final, even though the keyring knows this password.
        central.set_reachable(true);
        *central.password.lock().unwrap() = "neu-und-geheim-2026".into();
        assert_eq!(desk.login("erika", PASSWORD).await.unwrap_err().code(), "invalid_credentials");
        assert!(desk.current_session().is_none());
        // The new password works online and replaces the old one for offline logins.
        desk.login("erika", "neu-und-geheim-2026").await.unwrap();
        desk.logout().await.unwrap();
        central.set_reachable(false);
        assert_eq!(desk.login("erika", PASSWORD).await.unwrap_err().code(), "invalid_credentials");
        assert!(desk.login("erika", "neu-und-geheim-2026").await.unwrap().offline);
    }

    #[tokio::test]
    async fn audit_events_land_in_the_outbox_offline_and_leave_it_when_synced() {
        let (desk, central, _clock) = known_then_offline().await;
        desk.login("erika", PASSWORD).await.unwrap();
        assert_eq!(desk.fetch_photo("kein Foto-Code").await.unwrap_err().code(), "not_base64");
        let store = store_of(&desk);
        let pending = store.pending(10).await.unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].kind, kinds::PHOTO_AUDIT);
        assert_eq!(pending[0].payload["action"], "fetch_failed");
        assert_eq!(desk.sync_status().pending, 1);

        // Still away: the round keeps it; an offline session cannot push anyway.
        assert!(desk.sync_now().await.is_ok());
        assert_eq!(store.pending_count().await.unwrap(), 1);
        assert!(desk.current_session().unwrap().offline);

        // Back: the offline session logs in in the background and the outbox drains.
        central.set_reachable(true);
        let view = desk.sync_now().await.unwrap();
        assert!(!desk.current_session().unwrap().offline, "the session is online now");
        assert_eq!((view.pending, view.phase.as_str(), view.online), (0, "idle", true));
        assert!(view.last_synced_at.is_some());
        assert_eq!(central.sync.lock().unwrap().kinds, [kinds::PHOTO_AUDIT]);
        assert!(matches!(store.mutation(1).await.unwrap().unwrap().state, MutationState::Applied { .. }));
    }

    #[tokio::test]
    async fn what_a_clerk_left_pending_leaves_with_a_colleague_and_a_changed_password_opens_the_same_store() {
        let (desk, central, _clock) = logged_in().await;
        let device_id = store_of(&desk).device_id().to_owned();
        desk.record_accepted_photo(Uuid::now_v7(), Uuid::now_v7(), &[0xFF, 0xD8, 7, 0xFF, 0xD9]).await.unwrap();
        assert_eq!(store_of(&desk).pending_count().await.unwrap(), 2);
        // Erika goes home before anything is sent (the central is away meanwhile).
        central.set_reachable(false);
        desk.logout().await.unwrap();
        central.set_reachable(true);

        // Max was never at this desk: the desk key lets him in, and Erika's changes leave under her name.
        desk.login("max", PASSWORD).await.unwrap();
        assert_eq!(store_of(&desk).device_id(), device_id, "one store per desk");
        assert_eq!(desk.sync_now().await.unwrap().pending, 0);
        assert_eq!(central.sync.lock().unwrap().authors, [Some(Uuid::nil()), Some(Uuid::nil())]);
        desk.logout().await.unwrap();

        // Erika's password changed centrally: the new one opens the same store, the old one no longer works offline.
        *central.password.lock().unwrap() = "inzwischen-geaendert-2026".into();
        desk.login("erika", "inzwischen-geaendert-2026").await.unwrap();
        assert_eq!(store_of(&desk).device_id(), device_id);
        desk.logout().await.unwrap();
        central.set_reachable(false);
        assert_eq!(desk.login("erika", PASSWORD).await.unwrap_err().code(), "invalid_credentials");
        let offline = desk.login("erika", "inzwischen-geaendert-2026").await.unwrap();
        assert!(offline.offline);
        assert_eq!(store_of(&desk).device_id(), device_id);
        let superseded = std::fs::read_dir(central.data_dir.path()).unwrap().count();
        assert_eq!(superseded, 1, "nothing was set aside: only the one store directory");
    }

    fn erika_passport() -> ApplicationDraft {
        serde_json::from_value(serde_json::json!({
            "document_kind": "passport32", "family_name": "Mustermann", "given_names": "Erika",
            "date_of_birth": "12.08.1964", "place_of_birth": "Berlin", "sex": "002", "height": "168",
            "eye_colour": "grün", "street": "Heidestraße 17", "postal_code": "51147", "place": "Köln",
            "nationality": "deutsch", "pickup": "counter",
        }))
        .unwrap()
    }

    #[tokio::test]
    async fn an_application_needs_the_visits_accepted_photo_and_right_fields_and_gets_its_number_by_the_sync() {
        let (desk, central, _clock) = logged_in().await;
        let store = store_of(&desk);
        let draft = erika_passport();
        assert!(desk.check_application(&draft).errors.is_empty(), "{:?}", desk.check_application(&draft).errors);
        assert_eq!(desk.submit_application(&draft).await.unwrap_err().code(), "application_photo_missing");

        desk.set_visit_photo_for_tests(Uuid::now_v7());
        let wrong = ApplicationDraft { postal_code: Some("5114".into()), ..draft.clone() };
        let refused = desk.submit_application(&wrong).await.unwrap_err();
        assert_eq!(refused.code(), "application_invalid");
        assert!(refused.to_string().contains("Postleitzahl"), "{refused}");
        assert_eq!(store.pending_count().await.unwrap(), 0, "nothing written for a wrong form");

        // An adult: both hands' prints and the signature first, refused locally with the central's codes.
        assert_eq!(desk.submit_application(&draft).await.unwrap_err().code(), "application_fingerprints_missing");
        let prints = desk.capture_fingerprints(&draft).await.unwrap();
        assert_eq!(prints.left, Some(HandView::Captured { finger: "left_index".into(), quality: 72 }));
        assert_eq!(prints.right, Some(HandView::Captured { finger: "right_index".into(), quality: 72 }));
        assert_eq!(desk.submit_application(&draft).await.unwrap_err().code(), "application_signature_missing");
        let signed = desk.capture_signature().await.unwrap();
        assert!(signed.signature_preview.as_deref().is_some_and(|url| url.starts_with("data:image/jpeg;base64,/9j/")));
        assert_eq!(store.pending_count().await.unwrap(), 0);

        // Offline first: a provisional number at once, the mutation waits.
        central.set_reachable(false);
        let captured = desk.submit_application(&draft).await.unwrap();
        let pending = store.pending(10).await.unwrap();
        let biometrics = &pending[0].payload["biometrics"];
        assert_eq!(
            biometrics["fingerprints"]["left"],
            serde_json::json!({"outcome": "captured", "finger": "left_index", "quality": 72})
        );
        let signature = BlobHash::parse(biometrics["signature_sha256"].as_str().unwrap()).unwrap();
        let jpeg = store.get_blob(&signature).await.unwrap().expect("the signature is a blob in the same transaction");
        assert!(jpeg.starts_with(&[0xFF, 0xD8]));
        assert_eq!(captured.status, "pending");
        assert!(captured.provisional_number.starts_with("V-") && captured.provisional_number.ends_with("-00001"));
        assert_eq!(captured.application_number, None);
        assert_eq!(captured.total, "70,00 €");
        assert_eq!(store.pending_count().await.unwrap(), 1);

        central.set_reachable(true);
        assert_eq!(desk.sync_now().await.unwrap().pending, 0);
        let listed = desk.applications("").await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].application_number.as_deref(), Some("05111000_01-2026-000001"));
        assert_eq!(
            (listed[0].status.as_str(), listed[0].provisional_number.as_str()),
            ("captured", captured.provisional_number.as_str())
        );
        // Search by name, by either number; a stranger's name finds nothing.
        for query in ["muster", "ERIKA", "2026-000001", &captured.provisional_number] {
            assert_eq!(desk.applications(query).await.unwrap().len(), 1, "{query}");
        }
        assert!(desk.applications("Gabler").await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_child_needs_no_biometrics_and_a_hand_without_a_possible_finger_waits_for_the_clerk() {
        use schalter_devices::{Finger, SimulatedFinger, SimulatedFingerprintReader, SimulatedSignaturePad};
        let (desk, central, _clock) = logged_in().await;
        let left = [Finger::LeftIndex, Finger::LeftThumb, Finger::LeftMiddle, Finger::LeftRing];
        let reader = left.iter().fold(SimulatedFingerprintReader::new(), |reader, finger| {
            reader.with(*finger, SimulatedFinger::NotPossible)
        });
        let reader = reader.with(Finger::RightIndex, SimulatedFinger::NotPossible);
        let desk = desk.with_devices(Devices::with(Arc::new(SimulatedSignaturePad::new(3)), Arc::new(reader)));
        central.set_reachable(false);
        desk.set_visit_photo_for_tests(Uuid::now_v7());

        // Five years old: "not required" without the reader, no signature sent even if one was taken.
        let child = ApplicationDraft {
            given_names: "Mia".into(),
            date_of_birth: "01.06.2021".into(),
            custodian_family_name: Some("Mustermann".into()),
            custodian_given_names: Some("Erika".into()),
            current_document_kind: None,
            current_document_serial: None,
            ..erika_passport()
        };
        let view = desk.capture_fingerprints(&child).await.unwrap();
        assert_eq!((view.left, view.right), (Some(HandView::NotRequired), Some(HandView::NotRequired)));
        desk.capture_signature().await.unwrap();
        desk.submit_application(&child).await.unwrap();
        let store = store_of(&desk);
        let payload = &store.pending(10).await.unwrap()[0].payload;
        assert_eq!(payload["biometrics"]["fingerprints"]["right"]["outcome"], "not_required");
        assert!(payload["biometrics"].get("signature_sha256").is_none(), "{payload}");

        // An adult whose left hand gives no print at all: the clerk confirms; the right thumb stands in.
        desk.set_visit_photo_for_tests(Uuid::now_v7());
        let view = desk.capture_fingerprints(&erika_passport()).await.unwrap();
        assert_eq!(view.left, Some(HandView::AwaitingConfirmation));
        assert_eq!(view.right, Some(HandView::Captured { finger: "right_thumb".into(), quality: 72 }));
        desk.capture_signature().await.unwrap();
        assert_eq!(
            desk.submit_application(&erika_passport()).await.unwrap_err().code(),
            "application_fingerprints_missing"
        );
        assert_eq!(desk.record_fingerprint_not_possible(Hand::Left).unwrap().left, Some(HandView::NotPossible));
        desk.submit_application(&erika_passport()).await.unwrap();
        let payload = &store.pending(10).await.unwrap()[1].payload;
        assert_eq!(payload["biometrics"]["fingerprints"]["left"]["outcome"], "not_possible");
        assert_eq!(payload["biometrics"]["fingerprints"]["right"]["finger"], "right_thumb");

        // Logout forgets the visit and its biometrics.
        desk.logout().await.unwrap();
        assert_eq!(desk.biometrics(), VisitBiometrics::default().view());
    }

    #[tokio::test]
    async fn the_receipt_carries_the_final_number_once_the_central_gives_it_and_no_personal_data() {
        let (desk, central, _clock) = logged_in().await;
        desk.set_visit_photo_for_tests(Uuid::now_v7());
        desk.capture_fingerprints(&erika_passport()).await.unwrap();
        desk.capture_signature().await.unwrap();
        central.set_reachable(false);
        let captured = desk.submit_application(&erika_passport()).await.unwrap();
        let id = captured.application_id.as_str();

        // Offline: the provisional number and the note that the final one follows (the sync tried, in vain).
        let offline = desk.application_receipt(id).await.unwrap();
        assert!(offline.provisional && offline.number == captured.provisional_number, "{offline:?}");
        assert_eq!(offline.file_name, format!("Quittung-{}.pdf", captured.provisional_number));
        assert!(offline.content.number_note.as_deref().is_some_and(|n| n.contains("endgültige Antragsnummer folgt")));
        assert_eq!(offline.content.office, "Bürgerbüro Dienstleistungszentrum", "the clerk's office");
        assert_eq!(offline.content.total.value, "70,00 €");

        // The central is back: making the receipt syncs first, so the customer takes the final number home.
        central.set_reachable(true);
        assert!(desk.check_connection().await.online);
        let made = desk.application_receipt_pdf(id).await.unwrap();
        assert_eq!((made.view.number.as_str(), made.view.provisional), ("05111000_01-2026-000001", false));
        assert_eq!(made.view.file_name, "Quittung-05111000_01-2026-000001.pdf");
        assert!(made.view.content.number_note.is_none());
        assert!(made.pdf.starts_with(b"%PDF-"));
        let said = serde_json::to_string(&made.view).unwrap();
        for personal in ["Mustermann", "Erika", "12.08.1964", "Berlin", "Heidestra", "51147"] {
            assert!(!said.contains(personal), "{personal} on the receipt: {said}");
        }
        assert_eq!(
            desk.application_receipt("0190c5a2-0000-7000-8000-000000000000").await.unwrap_err().code(),
            "application_not_found"
        );
    }

    #[tokio::test]
    async fn an_offline_session_whose_password_the_central_no_longer_takes_ends_when_it_answers() {
        let (desk, central, _clock) = known_then_offline().await;
        desk.login("erika", PASSWORD).await.unwrap();
        *central.password.lock().unwrap() = "inzwischen-geaendert-2026".into();
        central.set_reachable(true);
        assert_eq!(desk.sync_now().await.unwrap().phase, "closed", "the store was closed with the session");
        assert_eq!(desk.session_updates().borrow().reason, Some(SessionEndReason::EndedByCentral));
        assert!(desk.current_session().is_none());
    }

    #[tokio::test]
    async fn accepting_writes_blob_record_mutations_and_cloud_job_in_one_transaction() {
        let (desk, central, clock) = desk_with(PhotoRetrieval::for_tests("https://cloud.invalid"));
        desk.login("erika", PASSWORD).await.unwrap();
        let photo_id = Uuid::now_v7();
        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5];
        desk.photos.show_for_tests(photo_id, jpeg.clone(), true);
        let visit_id = desk.visit.lock().unwrap().id;

        let decision = desk.decide_photo(&photo_id.to_string(), true, None, false).await.unwrap();
        assert!(decision.accepted && !decision.deleted_in_cloud, "the cloud is unreachable: the job waits");
        let store = store_of(&desk);
        let hash = BlobHash::of(&jpeg);
        assert_eq!(store.get_blob(&hash).await.unwrap(), Some(jpeg.clone()));
        let record = store.get_record("accepted_photo", &photo_id.to_string()).await.unwrap().unwrap();
        assert_eq!(record["visit_id"], visit_id.to_string());
        let pending = store.pending(10).await.unwrap();
        let kinds_written: Vec<&str> = pending.iter().map(|m| m.kind.as_str()).collect();
        assert_eq!(kinds_written, [kinds::PHOTO_ACCEPT, kinds::PHOTO_AUDIT]);
        assert_eq!(pending[1].seq, pending[0].seq + 1, "one transaction, consecutive");
        let accepted: AcceptedPhoto = serde_json::from_value(pending[0].payload.clone()).unwrap();
        assert_eq!(
            (accepted.photo_id, accepted.visit_id, accepted.photo_sha256),
            (photo_id, visit_id, hash.to_string())
        );
        assert_eq!(pending[1].payload["action"], "accepted");
        let later = clock.now() + Duration::from_secs(3600);
        let jobs_due = store.due_jobs(later).await.unwrap();
        assert_eq!(jobs_due.len(), 1);
        assert_eq!(jobs_due[0].kind, jobs::PHOTO_CLOUD_DELETE);
        assert_eq!(jobs_due[0].attempts, 1, "tried once at the decision");
        assert!(matches!(jobs_due[0].state, JobState::Pending { .. }));
        assert_eq!(jobs_due[0].payload["photo_id"], photo_id.to_string());
        assert!(matches!(desk.decide_photo(&photo_id.to_string(), true, None, false).await, Err(DeskError::NoPhoto)));

        // The blob goes up before the mutations (the fake central asserts it).
        let report = desk.sync_round().await.unwrap();
        assert_eq!((report.blobs_uploaded, report.pushed, report.pending), (1, 2, 0));
        assert_eq!(central.sync.lock().unwrap().blobs[hash.as_str()], jpeg);

        // Acknowledged: kept for the grace time, then purged; what is not acknowledged stays. (The session lapses
        // meanwhile: an offline login opens the store again.)
        desk.audit(PhotoAuditEvent { action: PhotoAuditAction::Rejected, photo_id: None, error_code: None }).await;
        central.set_reachable(false);
        clock.advance(Duration::from_secs(23 * 3600));
        desk.login("erika", PASSWORD).await.unwrap();
        let _ = desk.sync_round().await;
        let store = store_of(&desk);
        assert!(store.get_blob(&hash).await.unwrap().is_some(), "within the grace time");
        clock.advance(Duration::from_secs(2 * 3600));
        desk.login("erika", PASSWORD).await.unwrap();
        let _ = desk.sync_round().await;
        let store = store_of(&desk);
        assert_eq!(store.get_blob(&hash).await.unwrap(), None, "purged after the grace time");
        assert!(store.get_record("accepted_photo", &photo_id.to_string()).await.unwrap().is_none());
        assert_eq!(store.pending_count().await.unwrap(), 1, "the unacknowledged audit event stays");
    }

    #[tokio::test]
    async fn a_failed_photo_needs_the_override_and_a_rejection_is_audited_without_a_blob() {
        let (desk, _central, _clock) = desk_with(PhotoRetrieval::for_tests("https://cloud.invalid"));
        desk.login("erika", PASSWORD).await.unwrap();
        let photo_id = Uuid::now_v7();
        desk.photos.show_for_tests(photo_id, vec![1, 2, 3], false);
        let id = photo_id.to_string();
        assert!(matches!(desk.decide_photo(&id, true, None, false).await, Err(DeskError::OverrideRequired)));
        let decision = desk.decide_photo(&id, false, None, false).await.unwrap();
        assert!(!decision.accepted);
        let store = store_of(&desk);
        let pending = store.pending(10).await.unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].payload["action"], "rejected");
        assert!(store.unacknowledged_blobs().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_unreachable_cloud_keeps_the_code_as_the_visits_pending_fetch() {
        let (desk, _central, _clock) = desk_with(PhotoRetrieval::for_tests("https://cloud.invalid"));
        desk.login("erika", PASSWORD).await.unwrap();
        let code = PhotoCode::new(
            "https://cloud.invalid",
            Uuid::now_v7(),
            schalter_photo::Algorithm::Aes256Gcm,
            vec![0; 12],
            schalter_photo::Algorithm::Aes256Gcm.default_padding(),
            [7; 32],
        )
        .unwrap()
        .to_base64();
        let error = desk.fetch_photo(&code).await.unwrap_err();
        assert_eq!(error.code(), "photo_cloud_unreachable");
        assert!(desk.sync_status().pending_photo_fetch);
        // Still unreachable at the next step: still pending. A new visit forgets it.
        desk.sync_now().await.unwrap();
        assert!(desk.sync_status().pending_photo_fetch);
        desk.clear_photo();
        assert!(!desk.sync_status().pending_photo_fetch);
    }

    #[tokio::test]
    async fn regression_a_working_clerk_stays_logged_in_past_the_idle_time() {
        let (desk, central, clock) = logged_in().await;
        // An action every 20 s for ten idle periods: the session must live, here and at the central.
        for _ in 0..30 {
            clock.advance(Duration::from_secs(20));
            assert!(desk.touch_session().await.is_some());
            desk.expire_session_if_due();
            assert!(desk.current_session().is_some());
            assert!(central.server_session_live(), "the central's session lapsed while the clerk worked");
        }
        // The central was asked at a bounded pace, not on every action.
        let calls = central.session_calls.load(Ordering::SeqCst);
        assert!((10..=30).contains(&calls), "{calls} refreshes");

        // Then the clerk stops: one second short of the idle time it lives, at the idle time it ends.
        clock.advance(Duration::from_secs(u64::from(IDLE_SECONDS) - 1));
        desk.expire_session_if_due();
        assert!(desk.current_session().is_some());
        let events = desk.session_updates();
        clock.advance(Duration::from_secs(1));
        desk.expire_session_if_due();
        assert!(desk.current_session().is_none());
        assert_eq!(*events.borrow(), SessionEvent { session: None, reason: Some(SessionEndReason::Expired) });
        assert!(desk.touch_session().await.is_none(), "an expired session cannot be revived");
    }

    #[tokio::test]
    async fn the_unused_time_of_a_session_starts_anew_with_each_action() {
        let (desk, _central, clock) = desk();
        assert_eq!(desk.session_unused_for(), None, "no session");
        desk.login("erika", PASSWORD).await.unwrap();
        assert_eq!(desk.session_unused_for(), Some(Duration::ZERO));
        clock.advance(Duration::from_secs(45));
        assert_eq!(desk.session_unused_for(), Some(Duration::from_secs(45)));
        assert!(desk.touch_session().await.is_some());
        clock.advance(Duration::from_secs(5));
        assert_eq!(desk.session_unused_for(), Some(Duration::from_secs(5)));
        // Past the idle time the session ends, and with it the question.
        clock.advance(Duration::from_secs(u64::from(IDLE_SECONDS)));
        assert_eq!(desk.session_unused_for(), None);
    }

    #[tokio::test]
    async fn the_absolute_limit_ends_even_a_busy_session() {
        let (desk, _central, clock) = logged_in().await;
        for _ in 0..(3600 / 30 - 1) {
            clock.advance(Duration::from_secs(30));
            assert!(desk.touch_session().await.is_some());
        }
        clock.advance(Duration::from_secs(30));
        assert!(desk.touch_session().await.is_none());
        assert_eq!(desk.session_updates().borrow().reason, Some(SessionEndReason::Expired));
    }

    #[tokio::test]
    async fn offline_the_idle_time_counts_on_the_desk_and_the_central_is_told_later() {
        let (desk, central, clock) = logged_in().await;
        central.set_reachable(false);
        clock.advance(Duration::from_secs(40));
        assert!(desk.touch_session().await.is_some(), "an unreachable central does not end the session");
        clock.advance(Duration::from_secs(40));
        assert!(desk.current_session().is_some(), "the last action was 40 s ago");
        assert!(!desk.connection().online);
    }

    #[tokio::test]
    async fn a_session_the_central_ended_ends_at_the_next_action() {
        let (desk, central, clock) = logged_in().await;
        central.revoke();
        clock.advance(Duration::from_secs(30));
        assert!(desk.touch_session().await.is_none());
        assert_eq!(
            *desk.session_updates().borrow(),
            SessionEvent { session: None, reason: Some(SessionEndReason::EndedByCentral) }
        );
    }

    #[tokio::test]
    async fn logout_publishes_the_end_and_tells_the_central() {
        let (desk, central, _clock) = logged_in().await;
        let mut events = desk.session_updates();
        assert!(events.borrow_and_update().session.is_some());
        desk.logout().await.unwrap();
        assert!(events.has_changed().unwrap());
        assert_eq!(events.borrow().reason, Some(SessionEndReason::LoggedOut));
        assert!(!central.server_session_live());
        assert!(matches!(desk.fetch_photo("x").await, Err(DeskError::NotLoggedIn)));
    }

    #[tokio::test]
    async fn connection_changes_are_published() {
        let (desk, central, clock) = desk();
        let mut updates = desk.connection_updates();
        assert!(!updates.borrow_and_update().online);
        desk.check_connection().await;
        assert!(updates.has_changed().unwrap());
        assert!(updates.borrow_and_update().online);
        desk.login("erika", "korrekt-pferd-batterie").await.unwrap();
        central.set_reachable(false);
        // Every call to the central counts; the refresh is due after a quarter of the idle time.
        clock.advance(Duration::from_secs(u64::from(IDLE_SECONDS) / 4));
        updates.borrow_and_update();
        desk.touch_session().await;
        assert!(updates.has_changed().unwrap());
        assert!(!updates.borrow().online);
    }

    // The pickup box's back office (crate::pickup): calls to the central, never queued offline.

    const APP_ID: &str = "0190f5a4-0000-7000-8000-000000000001";

    #[tokio::test]
    async fn loading_finds_the_document_by_its_number_and_shows_the_compartment() {
        let (desk, central, _clock) = logged_in().await;
        central.answer_clerk_call(
            schalter_wire::pickup_office::FIND_READY,
            serde_json::json!({
                "application_id": APP_ID, "application_number": "05111000_01-2027-000001", "document_kind": "id_card",
                "place": "counter", "box_id": null, "compartment": null, "has_old_document": true,
                "pin_letter_required": true,
            }),
        );
        central.answer_clerk_call(
            schalter_wire::pickup::LOAD,
            serde_json::json!({
                "application_id": APP_ID, "box_id": "dlz-box-1", "compartment": 2, "accessible": true,
                "last_pickup_day": "2027-01-25",
            }),
        );
        let args = crate::pickup::LoadArgs {
            application_number: " 05111000_01-2027-000001 ".into(),
            box_id: "dlz-box-1".into(),
            accessible: true,
        };
        let loaded = desk.load_into_box(&args).await.unwrap();
        assert_eq!((loaded.compartment, loaded.accessible, loaded.awaiting_confirmation), (2, true, false));
        let calls = central.clerk_calls.lock().unwrap().clone();
        assert_eq!(calls[0].1, serde_json::json!({ "number": "05111000_01-2027-000001" }));
        assert_eq!(
            calls[1].1,
            serde_json::json!({ "application_id": APP_ID, "box_id": "dlz-box-1", "accessible": true })
        );
    }

    #[tokio::test]
    async fn the_office_view_joins_compartments_and_uncollected_and_refusals_keep_their_code() {
        let (desk, central, _clock) = logged_in().await;
        central.answer_clerk_call(
            schalter_wire::pickup_office::COMPARTMENTS,
            serde_json::json!({ "four_eyes_loading": true, "boxes": [{ "box_id": "dlz-box-1", "name": "DLZ", "compartments": [
                { "number": 1, "size": "S", "accessible": false, "state": "expired", "application_id": APP_ID,
                  "application_number": "05111000_01-2027-000001", "last_pickup_day": "2027-01-25" },
            ] }] }),
        );
        central.answer_clerk_call(
            schalter_wire::pickup_office::UNCOLLECTED,
            serde_json::json!({ "entries": [{ "application_id": APP_ID, "application_number": "05111000_01-2027-000001",
                "box_id": "dlz-box-1", "compartment": 1, "state": "expired", "last_pickup_day": "2027-01-25" }] }),
        );
        let view = desk.pickup_office().await.unwrap();
        assert!(view.four_eyes_loading);
        assert_eq!(view.boxes[0].compartments[0].state, "expired");
        assert_eq!(view.uncollected[0].compartment, Some(1));

        central.answer_clerk_call(schalter_wire::pickup_office::CLEAR_LOCK, serde_json::json!({ "code": "forbidden" }));
        assert_eq!(desk.clear_lock(APP_ID).await.unwrap_err().code(), "forbidden");
        central.answer_clerk_call(
            schalter_wire::pickup_office::HAND_OUT,
            serde_json::json!({ "application_id": APP_ID, "application_number": "05111000_01-2027-000001", "freed_compartment": 1 }),
        );
        let args = crate::pickup::HandoutArgs {
            application_id: APP_ID.into(),
            old_document: "souvenir".into(),
            pin_letter_confirmed: true,
        };
        assert_eq!(desk.hand_out(&args).await.unwrap().freed_compartment, Some(1));
        let sent = central.clerk_calls.lock().unwrap().last().unwrap().1.clone();
        assert_eq!(
            sent,
            serde_json::json!({ "application_id": APP_ID, "old_document": "souvenir", "pin_letter_confirmed": true })
        );
    }

    #[tokio::test]
    async fn the_back_office_needs_the_central_and_a_session() {
        let (desk, central, _clock) = desk();
        assert_eq!(desk.pickup_office().await.unwrap_err().code(), "not_logged_in");
        desk.login("erika", PASSWORD).await.unwrap();
        desk.logout().await.unwrap();
        central.set_reachable(false);
        let view = desk.login("erika", PASSWORD).await.unwrap();
        assert!(view.offline);
        assert_eq!(desk.take_back(APP_ID).await.unwrap_err().code(), "central_unreachable");
        assert!(central.clerk_calls.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_appointment_is_checked_in_by_its_booking_code_once() {
        let (desk, central, _clock) = logged_in().await;
        let store = store_of(&desk);
        let booking = |id: &str, office_id: &str, code: &str| schalter_wire::appointments::AppointmentChange {
            id: id.into(),
            office_id: office_id.into(),
            service_id: "personalausweis".into(),
            starts_at: time::macros::datetime!(2027-01-15 09:30 UTC),
            ends_at: time::macros::datetime!(2027-01-15 09:45 UTC),
            family_name: "Mustermann".into(),
            state: "booked".into(),
            code_hash: schalter_appointments::BookingCode::parse(code).unwrap().hash(),
        };
        crate::queue::record_pulled_appointment(&store, &booking("bk-1", "05111000_01", "K7QX-M2PA")).await.unwrap();
        crate::queue::record_pulled_appointment(&store, &booking("bk-2", "05111000_02", "ABCD-EFGH")).await.unwrap();

        // Another office's code, a wrong one and no code at all are unknown here.
        for code in ["ABCD-EFGH", "K7QX-M2PB", "", "K7QX"] {
            assert_eq!(desk.queue_check_in_code(code).await.unwrap_err().code(), "queue_unknown_booking", "{code}");
        }
        // As typed from the confirmation: case, spaces and dashes do not matter.
        let ticket = desk.queue_check_in_code(" k7qx m2pa ").await.unwrap();
        assert_eq!(ticket.booking_id.as_deref(), Some("bk-1"));
        assert_eq!((ticket.kind.as_str(), ticket.state.as_str()), ("appointment", "waiting"));
        assert_eq!(ticket.family_name.as_deref(), Some("Mustermann"));
        assert!(central.sync.lock().unwrap().kinds.contains(&schalter_wire::queue::QUEUE_CHECK_IN.to_owned()));
        assert_eq!(desk.queue_check_in_code("K7QX-M2PA").await.unwrap_err().code(), "queue_already_checked_in");
    }
}
