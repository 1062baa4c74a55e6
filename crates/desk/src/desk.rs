use std::sync::{Arc, Mutex};
use std::time::Duration;

use schalter_wire::{Clerk, PhotoAuditAction, PhotoAuditEvent, Session};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::sync::watch;

use crate::camera::CameraScans;
use crate::{
    CentralApi, CentralClient, ConnectionView, DeskConfig, DeskError, PhotoDecisionView, PhotoRetrieval, PhotoView,
    SessionEndReason, SessionEvent, SessionView,
};

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
    token: String,
    clerk: Clerk,
    idle: Duration,
    absolute_expires_at: OffsetDateTime,
    /// The clerk's last action plus the idle time, capped by the absolute limit.
    expires_at: OffsetDateTime,
    /// When the central API last restarted its idle time for this session.
    server_touched_at: OffsetDateTime,
}

impl ActiveSession {
    fn from_login(session: Session, now: OffsetDateTime) -> Self {
        let idle = Duration::from_secs(u64::from(session.idle_timeout_seconds.max(1)));
        let absolute_left = (session.absolute_expires_at - session.expires_at) + idle;
        let absolute_expires_at = now + absolute_left;
        Self {
            token: session.token,
            clerk: session.clerk,
            idle,
            absolute_expires_at,
            expires_at: (now + idle).min(absolute_expires_at),
            server_touched_at: now,
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
        }
    }
}

/// One running desk: its client, the clerk's session and what it knows of the network.
/// What changes without the clerk asking (connection, session) is published on watch
/// channels, which the Tauri shell turns into events for the front end.
pub struct Desk<C: CentralApi = CentralClient> {
    central: C,
    photos: PhotoRetrieval,
    camera: CameraScans,
    clock: DeskClock,
    session: Mutex<Option<ActiveSession>>,
    connection: Mutex<Connection>,
    connection_updates: watch::Sender<ConnectionView>,
    session_updates: watch::Sender<SessionEvent>,
}

impl Desk<CentralClient> {
    pub fn new(config: &DeskConfig) -> Result<Self, DeskError> {
        Ok(Self::with_parts(
            CentralClient::new(config)?,
            PhotoRetrieval::new(config)?,
            CameraScans::new(config.camera.source()),
            DeskClock::System,
        ))
    }
}

impl<C: CentralApi> Desk<C> {
    /// A desk over any central API: the seam for tests without certificates or servers.
    pub fn with_central(central: C, photos: PhotoRetrieval, clock: DeskClock) -> Self {
        Self::with_parts(central, photos, CameraScans::new(crate::CameraConfig::default().source()), clock)
    }

    fn with_parts(central: C, photos: PhotoRetrieval, camera: CameraScans, clock: DeskClock) -> Self {
        let initial_connection = ConnectionView {
            online: false,
            central_url: central.base_url().to_owned(),
            last_contact: None,
            last_sync: None,
        };
        Self {
            central,
            photos,
            camera,
            clock,
            session: Mutex::new(None),
            connection: Mutex::default(),
            connection_updates: watch::Sender::new(initial_connection),
            session_updates: watch::Sender::new(SessionEvent { session: None, reason: None }),
        }
    }

    /// The connection state, anew whenever it changes.
    pub fn connection_updates(&self) -> watch::Receiver<ConnectionView> {
        self.connection_updates.subscribe()
    }

    /// The session, anew whenever it starts, is extended or ends.
    pub fn session_updates(&self) -> watch::Receiver<SessionEvent> {
        self.session_updates.subscribe()
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<SessionView, DeskError> {
        if username.trim().is_empty() || password.is_empty() {
            return Err(DeskError::MissingCredentials);
        }
        let result = self.central.login(username.trim(), password).await;
        let session = ActiveSession::from_login(self.observe(result)?, self.clock.now());
        let view = session.view();
        // A new clerk never inherits what the previous one had open.
        self.photos.clear();
        *self.session.lock().expect("session lock") = Some(session);
        self.publish_session(Some(view.clone()), None);
        tracing::info!("clerk logged in");
        Ok(view)
    }

    /// Ends the session here at once; tells the central API if it can be reached (an
    /// unreachable central lets the session lapse by its idle expiry).
    pub async fn logout(&self) -> Result<(), DeskError> {
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

    /// Forgets the session, the photo on screen (and its key) and stops the camera; returns the
    /// token so the caller can tell the central API.
    fn end_session(&self, reason: SessionEndReason) -> Option<String> {
        let ended = self.session.lock().expect("session lock").take();
        self.camera.stop();
        self.photos.clear();
        let ended = ended?;
        tracing::info!(reason = ?reason, "session ended");
        self.publish_session(None, Some(reason));
        Some(ended.token)
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
            (session.token.clone(), now - session.server_touched_at >= session.server_refresh_every())
        };
        if refresh_due {
            let result = self.central.session(&token).await;
            match self.observe(result) {
                Ok(_) => {
                    if let Some(session) = self.session.lock().expect("session lock").as_mut() {
                        if session.token == token {
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
                    let still_ours =
                        self.session.lock().expect("session lock").as_ref().is_some_and(|s| s.token == token);
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
    /// before it is forgotten first, whatever becomes of this one.
    pub async fn fetch_photo(&self, code: &str) -> Result<PhotoView, DeskError> {
        self.require_session()?;
        self.photos.clear();
        let (result, _) = tokio::join!(self.photos.fetch(code), self.touch_session());
        let event = match &result {
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
        self.audit(event);
        result
    }

    /// Forgets the photo on screen (the visit is finished).
    pub fn clear_photo(&self) {
        self.photos.clear();
    }

    /// Sends an audit event to the central API without holding up the clerk: who and when
    /// are taken from the session there. Until the sync outbox exists, an event that
    /// cannot be delivered is logged here (ids only) and lost.
    fn audit(&self, event: PhotoAuditEvent) {
        let Some(token) = self.session.lock().expect("session lock").as_ref().map(|s| s.token.clone()) else {
            return;
        };
        let central = self.central.clone();
        tokio::spawn(async move {
            if let Err(error) = central.photo_audit(&token, &event).await {
                tracing::warn!(action = event.action.as_str(), photo_id = ?event.photo_id, code = error.code(), "audit event not delivered");
            }
        });
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
    pub async fn decide_photo(
        &self,
        photo_id: &str,
        accept: bool,
        keep_until: Option<String>,
        override_failed_checks: bool,
    ) -> Result<PhotoDecisionView, DeskError> {
        self.require_session()?;
        let (decision, _) = tokio::join!(
            self.photos.decide(photo_id, accept, keep_until, override_failed_checks),
            self.touch_session()
        );
        let decision = decision?;
        let action = match (decision.accepted, decision.kept_until.is_some(), decision.checks_overridden) {
            (false, _, _) => PhotoAuditAction::Rejected,
            (true, false, false) => PhotoAuditAction::Accepted,
            (true, true, false) => PhotoAuditAction::AcceptedKept,
            (true, false, true) => PhotoAuditAction::AcceptedOverride,
            (true, true, true) => PhotoAuditAction::AcceptedKeptOverride,
        };
        self.audit(PhotoAuditEvent { action, photo_id: decision.photo_id.parse().ok(), error_code: None });
        Ok(decision)
    }

    fn require_session(&self) -> Result<(), DeskError> {
        self.current_session().map(drop).ok_or(DeskError::NotLoggedIn)
    }

    /// The session, unless it has expired by the clock (then it is ended here).
    pub fn current_session(&self) -> Option<SessionView> {
        self.expire_session_if_due();
        self.session.lock().expect("session lock").as_ref().map(ActiveSession::view)
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
        self.connection_updates.send_replace(self.connection());
        result
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use schalter_domain::Role;
    use schalter_wire::{Health, Office, SessionInfo};

    use super::*;

    const IDLE_SECONDS: u32 = 60;

    /// A central API in memory that keeps the session alive on every authenticated call, like the
    /// real one, by its own clock (the same manual clock as the desk's).
    #[derive(Clone)]
    struct FakeCentral {
        clock: DeskClock,
        server_expires_at: Arc<Mutex<Option<OffsetDateTime>>>,
        reachable: Arc<AtomicBool>,
        session_calls: Arc<AtomicUsize>,
    }

    impl FakeCentral {
        fn new(clock: &DeskClock) -> Self {
            Self {
                clock: clock.clone(),
                server_expires_at: Arc::default(),
                reachable: Arc::new(AtomicBool::new(true)),
                session_calls: Arc::default(),
            }
        }

        fn clerk() -> Clerk {
            Clerk {
                id: uuid::Uuid::nil(),
                username: "erika".into(),
                display_name: "Erika Mustermann".into(),
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

        async fn health(&self) -> Result<Health, DeskError> {
            Ok(Health { status: "ok".into(), version: "test".into() })
        }

        async fn login(&self, _username: &str, password: &str) -> Result<Session, DeskError> {
            if password != "korrekt-pferd-batterie" {
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
                clerk: Self::clerk(),
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

        async fn photo_audit(&self, _token: &str, _event: &PhotoAuditEvent) -> Result<(), DeskError> {
            self.authenticate()
        }
    }

    fn desk() -> (Desk<FakeCentral>, FakeCentral, DeskClock) {
        let clock = DeskClock::manual(OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000));
        let central = FakeCentral::new(&clock);
        let photos = PhotoRetrieval::without_clouds();
        (Desk::with_central(central.clone(), photos, clock.clone()), central, clock)
    }

    async fn logged_in() -> (Desk<FakeCentral>, FakeCentral, DeskClock) {
        let (desk, central, clock) = desk();
        desk.login("erika", "korrekt-pferd-batterie").await.unwrap();
        (desk, central, clock)
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
        central.reachable.store(false, Ordering::SeqCst);
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
        central.reachable.store(false, Ordering::SeqCst);
        // Every call to the central counts; the refresh is due after a quarter of the idle time.
        clock.advance(Duration::from_secs(u64::from(IDLE_SECONDS) / 4));
        updates.borrow_and_update();
        desk.touch_session().await;
        assert!(updates.has_changed().unwrap());
        assert!(!updates.borrow().online);
    }
}
