//! **A boundary double**, not the central: an in-process HTTP stand-in of the central's terminal API
//! (`schalter_wire::pickup`), over mutual TLS like the real one, for the window test and a demo
//! before the central speaks it. It knows one synthetic pickup and follows the wire contract's
//! screens; the real rules (hashing, locks, rate limits, audit) live in `schalter-pickup` and the
//! central, not here.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_server::tls_rustls::RustlsConfig;
use axum_server::Handle;
use schalter_pki::{CertificateAuthority, Identity, Validity};
use schalter_wire::pickup::{self, BoxStatus, DeviceCommand, SessionAnswer, TerminalInput, TerminalScreen};
use schalter_wire::ApiError;
use uuid::Uuid;

/// Certificates for the stand-in and the terminal, from a throwaway CA of their own.
#[derive(Debug, Clone)]
pub struct StandInPki {
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub terminal_cert: PathBuf,
    pub terminal_key: PathBuf,
}

impl StandInPki {
    pub fn create(dir: &Path) -> Result<Self, schalter_pki::PkiError> {
        let ca = CertificateAuthority::new("Schalter Stand-in CA (Box-Terminal-Test)")?;
        let pki = Self {
            ca: dir.join("standin-ca.pem"),
            server_cert: dir.join("standin-central.pem"),
            server_key: dir.join("standin-central.key"),
            terminal_cert: dir.join("box-terminal.pem"),
            terminal_key: dir.join("box-terminal.key"),
        };
        std::fs::create_dir_all(dir)
            .map_err(|source| schalter_pki::PkiError::Write { path: dir.to_owned(), source })?;
        std::fs::write(&pki.ca, ca.cert_pem())
            .map_err(|source| schalter_pki::PkiError::Write { path: pki.ca.clone(), source })?;
        ca.issue_server(&["localhost", "127.0.0.1"], Validity::days(2))?.write(&pki.server_cert, &pki.server_key)?;
        ca.issue_client("box-DUS-WBA-1", Validity::days(2))?.write(&pki.terminal_cert, &pki.terminal_key)?;
        Ok(pki)
    }

    /// A `box.toml` for this stand-in at `url`, simulator on.
    pub fn terminal_toml(&self, url: &str) -> String {
        format!(
            "central_url = {url:?}\ncentral_ca = {:?}\nterminal_cert = {:?}\nterminal_key = {:?}\n\n[devices]\nsimulator = true\n",
            self.ca, self.terminal_cert, self.terminal_key
        )
    }
}

/// The one pickup the stand-in knows (synthetic data only).
#[derive(Debug, Clone)]
pub struct StandInPickup {
    /// Digits only, national form (`01711234567`); `+49` is read as `0`.
    pub phone: String,
    pub pin: String,
    /// `Some`: the old document's serial goes into the slot; `None`: the birth date is asked.
    pub old_document: Option<String>,
    pub birth_date: String,
    pub id_card: bool,
    pub compartment: u32,
}

impl Default for StandInPickup {
    /// Erika Mustermann's ID card with her old one.
    fn default() -> Self {
        Self {
            phone: "01711234567".into(),
            pin: "123456".into(),
            old_document: Some("T22000129".into()),
            birth_date: "1964-08-12".into(),
            id_card: true,
            compartment: 7,
        }
    }
}

#[derive(Debug, Clone)]
struct Session {
    screen: TerminalScreen,
    known: bool,
    wrong: u8,
    returned: u8,
}

struct Inner {
    pickup: StandInPickup,
    open: bool,
    sessions: HashMap<Uuid, Session>,
    log: Vec<&'static str>,
}

#[derive(Clone)]
pub struct StandInState(Arc<Mutex<Inner>>);

impl StandInState {
    /// The kinds of input received so far, in order (never their values).
    pub fn log(&self) -> Vec<&'static str> {
        self.0.lock().unwrap().log.clone()
    }

    pub fn set_open(&self, open: bool) {
        self.0.lock().unwrap().open = open;
    }
}

pub struct StandInCentral {
    pub address: SocketAddr,
    pub state: StandInState,
    handle: Handle,
}

impl StandInCentral {
    /// Listens on a free loopback port with the stand-in's server certificate, demanding a client
    /// certificate of the stand-in's CA.
    pub async fn start(pki: &StandInPki, pickup: StandInPickup) -> anyhow::Result<Self> {
        let identity = Identity::load(&pki.server_cert, &pki.server_key)?;
        let ca = schalter_pki::load_ca(&pki.ca)?;
        let tls = schalter_pki::mtls_server_config(&identity, &ca)?;
        let state =
            StandInState(Arc::new(Mutex::new(Inner { pickup, open: true, sessions: HashMap::new(), log: Vec::new() })));
        let app = Router::new()
            .route(pickup::BOX_STATUS, get(status))
            .route(pickup::BOX_SESSIONS, post(start))
            .route(pickup::BOX_SESSION_INPUT, post(input))
            .with_state(state.clone());
        let handle = Handle::new();
        let server = axum_server::bind_rustls("127.0.0.1:0".parse()?, RustlsConfig::from_config(Arc::new(tls)))
            .handle(handle.clone());
        tokio::spawn(server.serve(app.into_make_service()));
        let Some(address) = handle.listening().await else { anyhow::bail!("the stand-in cannot listen") };
        Ok(Self { address, state, handle })
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.address.port())
    }
}

impl Drop for StandInCentral {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(ApiError { code: code.into(), message: message.into() })).into_response()
}

async fn status(State(state): State<StandInState>) -> Json<BoxStatus> {
    let open = state.0.lock().unwrap().open;
    Json(BoxStatus {
        box_id: "DUS-WBA-1".into(),
        name: "Dienstleistungszentrum Willi-Becker-Allee".into(),
        mode: "service_hours".into(),
        open,
    })
}

async fn start(State(state): State<StandInState>) -> Response {
    let mut inner = state.0.lock().unwrap();
    inner.log.push("start");
    if !inner.open {
        return refuse(
            StatusCode::FORBIDDEN,
            "pickup_box_closed",
            "Die Box ist außerhalb der Öffnungszeiten geschlossen.",
        );
    }
    let id = Uuid::now_v7();
    let screen = TerminalScreen::EnterPhoneNumber;
    inner.sessions.insert(id, Session { screen: screen.clone(), known: false, wrong: 0, returned: 0 });
    Json(SessionAnswer { session_id: id, screen, commands: vec![], check_compartment: None }).into_response()
}

fn national(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    match (number.trim_start().starts_with('+'), digits.strip_prefix("49")) {
        (true, Some(rest)) => format!("0{rest}"),
        _ => digits,
    }
}

fn ended(reason: &str, to_counter: bool) -> TerminalScreen {
    TerminalScreen::Ended { reason: reason.into(), to_counter }
}

async fn input(
    State(state): State<StandInState>,
    UrlPath(id): UrlPath<Uuid>,
    Json(input): Json<TerminalInput>,
) -> Response {
    let mut guard = state.0.lock().unwrap();
    let inner = &mut *guard;
    inner.log.push(input.name());
    let pickup = inner.pickup.clone();
    let Some(session) = inner.sessions.get_mut(&id) else {
        return refuse(StatusCode::NOT_FOUND, "pickup_session_unknown", "Unbekannte Sitzung.");
    };
    let open = DeviceCommand::OpenCompartment { compartment: pickup.compartment };
    let after_factors = || {
        if pickup.id_card {
            (TerminalScreen::ConfirmPinLetter, vec![])
        } else {
            (TerminalScreen::PleaseWait, vec![open])
        }
    };
    use TerminalInput as I;
    use TerminalScreen as S;
    let (screen, commands) = match (&session.screen, input) {
        (S::EnterPhoneNumber, I::PhoneNumber { number }) => {
            session.known = national(&number) == pickup.phone;
            (S::EnterPin { wrong_before: 0 }, vec![])
        }
        (S::EnterPin { .. }, I::Pin { pin }) => {
            if session.known && pin == pickup.pin {
                session.wrong = 0;
                match &pickup.old_document {
                    Some(_) => (S::InsertOldDocument { returned_before: 0 }, vec![]),
                    None => (S::EnterBirthDate { wrong_before: 0 }, vec![]),
                }
            } else {
                session.wrong += 1;
                if session.wrong >= 3 {
                    (ended("too_many_wrong_pins", true), vec![])
                } else {
                    (S::EnterPin { wrong_before: session.wrong }, vec![])
                }
            }
        }
        (S::InsertOldDocument { .. }, I::SlotRead { serial }) => {
            if pickup.old_document.as_deref() == Some(serial.as_str()) {
                after_factors()
            } else {
                session.returned += 1;
                if session.returned >= 2 {
                    (ended("old_document_mismatch", true), vec![DeviceCommand::ReturnOldDocument])
                } else {
                    (S::InsertOldDocument { returned_before: session.returned }, vec![DeviceCommand::ReturnOldDocument])
                }
            }
        }
        (S::InsertOldDocument { .. }, I::SlotJam) => (ended("slot_jam", true), vec![]),
        (S::EnterBirthDate { .. }, I::BirthDate { date }) => {
            if date == pickup.birth_date {
                after_factors()
            } else {
                session.wrong += 1;
                if session.wrong >= 3 {
                    (ended("locked", true), vec![])
                } else {
                    (S::EnterBirthDate { wrong_before: session.wrong }, vec![])
                }
            }
        }
        (S::ConfirmPinLetter, I::PinLetterConfirmed) => (S::PleaseWait, vec![open]),
        (S::PleaseWait, I::CompartmentOpened) => (S::TakeDocument { compartment: pickup.compartment }, vec![]),
        (S::PleaseWait, I::DoorTimeout) => (S::PleaseWait, vec![]),
        (S::PleaseWait, I::SensorsRead { compartment_empty: false, .. }) => {
            let back = pickup.old_document.is_some().then_some(DeviceCommand::ReturnOldDocument);
            (ended("compartment_did_not_open", true), back.into_iter().collect())
        }
        (S::PleaseWait, I::SensorsRead { compartment_empty: true, .. }) => (S::ThankYou, vec![]),
        (S::TakeDocument { .. }, I::DoorClosed | I::DoorTimeout) => {
            let destroy = pickup.old_document.is_some().then_some(DeviceCommand::DestroyOldDocument);
            (S::ThankYou, destroy.into_iter().collect())
        }
        (
            S::EnterPhoneNumber
            | S::EnterPin { .. }
            | S::InsertOldDocument { .. }
            | S::EnterBirthDate { .. }
            | S::ConfirmPinLetter,
            I::Cancel,
        ) => (ended("cancelled", false), vec![]),
        _ => return refuse(StatusCode::CONFLICT, "pickup_wrong_step", "Diese Eingabe passt nicht zum Schritt."),
    };
    session.screen = screen.clone();
    Json(SessionAnswer { session_id: id, screen, commands, check_compartment: None }).into_response()
}
