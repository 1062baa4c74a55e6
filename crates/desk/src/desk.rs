use std::sync::Mutex;
use std::time::Duration;

use schalter_wire::{PhotoAuditAction, PhotoAuditEvent, Session};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::camera::CameraScans;
use crate::{
    CentralClient, ConnectionView, DeskConfig, DeskError, PhotoDecisionView, PhotoRetrieval, PhotoView, SessionView,
};

#[derive(Default)]
struct Connection {
    online: bool,
    last_contact: Option<OffsetDateTime>,
    last_sync: Option<OffsetDateTime>,
}

/// One running desk: its client, the clerk's session and what it knows of the network.
pub struct Desk {
    client: CentralClient,
    photos: PhotoRetrieval,
    camera: CameraScans,
    session: Mutex<Option<Session>>,
    connection: Mutex<Connection>,
}

impl Desk {
    pub fn new(config: &DeskConfig) -> Result<Self, DeskError> {
        Ok(Self {
            client: CentralClient::new(config)?,
            photos: PhotoRetrieval::new(config)?,
            camera: CameraScans::new(config.camera.source()),
            session: Mutex::new(None),
            connection: Mutex::default(),
        })
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<SessionView, DeskError> {
        if username.trim().is_empty() || password.is_empty() {
            return Err(DeskError::MissingCredentials);
        }
        let result = self.client.login(username.trim(), password).await;
        let session = self.observe(result)?;
        let view = session_view(&session);
        *self.session.lock().expect("session lock") = Some(session);
        tracing::info!("clerk logged in");
        Ok(view)
    }

    /// Ends the session here at once; tells the central API if it can be reached (an
    /// unreachable central lets the session lapse by its idle expiry).
    pub async fn logout(&self) -> Result<(), DeskError> {
        self.camera.stop();
        let token = self.session.lock().expect("session lock").take().map(|s| s.token);
        if let Some(token) = token {
            let result = self.client.logout(&token).await;
            match self.observe(result) {
                Ok(()) => {}
                Err(error) if error.ends_session() => {}
                Err(error) => tracing::info!(code = error.code(), "logout not confirmed by central"),
            }
        }
        Ok(())
    }

    /// Fetches and checks the photo behind a scanned code. Only for a logged-in clerk.
    pub async fn fetch_photo(&self, code: &str) -> Result<PhotoView, DeskError> {
        self.clerk_id()?;
        let result = self.photos.fetch(code).await;
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

    /// Sends an audit event to the central API without holding up the clerk: who and when
    /// are taken from the session there. Until the sync outbox exists, an event that
    /// cannot be delivered is logged here (ids only) and lost.
    fn audit(&self, event: PhotoAuditEvent) {
        let Some(token) = self.session.lock().expect("session lock").as_ref().map(|s| s.token.clone()) else {
            return;
        };
        let client = self.client.clone();
        tokio::spawn(async move {
            if let Err(error) = client.photo_audit(&token, &event).await {
                tracing::warn!(action = event.action.as_str(), photo_id = ?event.photo_id, code = error.code(), "audit event not delivered");
            }
        });
    }

    /// The code text in an image file (Data Matrix or QR), as the studio printed it.
    pub fn read_code_image(&self, image: &[u8]) -> Result<String, DeskError> {
        self.clerk_id()?;
        Ok(schalter_scan::decode_image_file(image)?.text)
    }

    /// Reads the photo code with the webcam; blocks, so call it on a blocking thread. `None` when
    /// [`Desk::stop_camera`] ended the scan first. Previews go to `on_preview`.
    pub fn scan_camera(&self, on_preview: impl FnMut(&crate::CameraFrame)) -> Result<Option<String>, DeskError> {
        self.clerk_id()?;
        self.camera.scan(on_preview)
    }

    pub fn stop_camera(&self) {
        self.camera.stop();
    }

    pub async fn decide_photo(
        &self,
        photo_id: &str,
        accept: bool,
        keep_until: Option<String>,
    ) -> Result<PhotoDecisionView, DeskError> {
        self.clerk_id()?;
        let decision = self.photos.decide(photo_id, accept, keep_until).await?;
        let action = match (decision.accepted, decision.kept_until.is_some()) {
            (false, _) => PhotoAuditAction::Rejected,
            (true, false) => PhotoAuditAction::Accepted,
            (true, true) => PhotoAuditAction::AcceptedKept,
        };
        self.audit(PhotoAuditEvent { action, photo_id: decision.photo_id.parse().ok(), error_code: None });
        Ok(decision)
    }

    fn clerk_id(&self) -> Result<uuid::Uuid, DeskError> {
        self.current_session().ok_or(DeskError::NotLoggedIn)?;
        let session = self.session.lock().expect("session lock");
        session.as_ref().map(|s| s.clerk.id).ok_or(DeskError::NotLoggedIn)
    }

    /// The session, unless it has expired by the clock.
    pub fn current_session(&self) -> Option<SessionView> {
        let mut session = self.session.lock().expect("session lock");
        if session.as_ref().is_some_and(|s| s.expires_at <= OffsetDateTime::now_utc()) {
            *session = None;
        }
        session.as_ref().map(session_view)
    }

    pub fn connection(&self) -> ConnectionView {
        let connection = self.connection.lock().expect("connection lock");
        ConnectionView {
            online: connection.online,
            central_url: self.client.base_url().to_owned(),
            last_contact: connection.last_contact.map(rfc3339),
            last_sync: connection.last_sync.map(rfc3339),
        }
    }

    /// Asks the central API whether it is there, and records the answer.
    pub async fn check_connection(&self) -> ConnectionView {
        let result = self.client.health().await;
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
        let mut connection = self.connection.lock().expect("connection lock");
        if connection.online != reachable {
            tracing::info!(online = reachable, "connection to central changed");
        }
        connection.online = reachable;
        if reachable {
            connection.last_contact = Some(OffsetDateTime::now_utc());
        }
        result
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn session_view(session: &Session) -> SessionView {
    SessionView {
        display_name: session.clerk.display_name.clone(),
        username: session.clerk.username.clone(),
        role: session.clerk.role,
        office_id: session.clerk.office.id.clone(),
        office_name: session.clerk.office.name.clone(),
        expires_at: rfc3339(session.expires_at),
    }
}
