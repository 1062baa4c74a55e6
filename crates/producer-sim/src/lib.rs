//! A document producer for the demo and the tests: it speaks the producer interface of
//! `schalter_wire::producer` (XhD's messages over mutual TLS), checks each order as a producer
//! would, decides per application (accepted, or rejected at a configured rate with an error number
//! and text), and after configurable delays writes the order, production and delivery notices into
//! the ordering certificate's mailbox. Deliveries of ID cards carry a Sperrkennwort.
//!
//! State lives in memory: a restarted simulator has forgotten its orders, as a test wants it.
//! Logs name order numbers and application ids, never person data or secrets.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use axum_server::tls_rustls::RustlsConfig;
use axum_server::Handle;
use base64::Engine as _;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use schalter_application::{icao_check_digit, DocumentKind, OrderNumber, MAX_APPLICATIONS_PER_ORDER};
use schalter_server_kit::{ClientCertificateAcceptor, ConnectedClient};
use schalter_wire::producer::{
    paths, Antrag, Auftragsergebnis, Bestellbestaetigung, BestellungDokument, Fehlerinformation, GeliefertesDokument,
    Nachricht, Postfach, Postfacheintrag, Quittierung, MAX_APPLICATION_ID_LEN,
};
use serde::Deserialize;

/// A producer's check of a photo's bytes; `Err` says what is wrong.
pub type PhotoCheck = fn(&[u8]) -> Result<(), String>;

/// How the simulated producer behaves.
#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    /// From the order to its `Auftragsinformation`.
    pub accept_delay: Duration,
    /// From the `Auftragsinformation` to the `Produktionsinformation`.
    pub production_delay: Duration,
    /// From the `Produktionsinformation` to the `Lieferinformation`.
    pub delivery_delay: Duration,
    /// Share of applications rejected at random (0 to 1), reproducible by `seed`.
    pub rejection_rate: f64,
    /// Rejects every n-th application received (counting from the first), 0 for none: a
    /// rejection a test can count on.
    pub reject_every: u32,
    pub seed: u64,
    /// Checks an application's photo (the producer copy); `Err` rejects the application with
    /// [`PHOTO_UNUSABLE`]. The binary decodes the JPEG 2000; `None` accepts any bytes.
    pub photo_check: Option<PhotoCheck>,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            accept_delay: Duration::from_secs(2),
            production_delay: Duration::from_secs(5),
            delivery_delay: Duration::from_secs(10),
            rejection_rate: 0.0,
            reject_every: 0,
            seed: 1,
            photo_check: None,
        }
    }
}

/// The rejection of an application whose photo does not decode as 622 × 800 JPEG 2000.
pub const PHOTO_UNUSABLE: (u32, &str) = (1001, "Lichtbild nicht verwendbar (TR-03121: 622 x 800 JPEG 2000)");

/// The signature is required (from 10) and missing, or is not a 900 × 132 JPEG.
pub const SIGNATURE_UNUSABLE: (u32, &str) = (2101, "Unterschrift fehlt oder ist kein JPEG von 900 x 132 Pixeln");

/// Whether the application's signature is what the producer prints: a 900 × 132 JPEG when there is one,
/// and there is one whenever the applicant is surely 10 or older today (the birth year alone decides:
/// born ten full years before this year's start or earlier; a birth year of `XXXX` counts as an adult's).
fn signature_ok(unterschrift_jpeg: Option<&str>, geburtsdatum: &str, this_year: i32) -> bool {
    match unterschrift_jpeg {
        Some(text) => base64::engine::general_purpose::STANDARD
            .decode(text)
            .ok()
            .and_then(|bytes| image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).ok())
            .is_some_and(|decoded| decoded.width() == 900 && decoded.height() == 132),
        None => {
            let born = geburtsdatum.get(..4).and_then(|year| year.parse::<i32>().ok());
            born.is_some_and(|year| this_year - year <= 10)
        }
    }
}

/// What a producer's clerks reject applications for (number, text ≤ 80 characters).
const REJECTIONS: [(u32, &str); 3] = [
    (2104, "Unterschrift nicht verwertbar"),
    (3007, "Geburtsort nicht plausibel zur Staatsangehoerigkeit"),
    (1010, "Lichtbild: Gesicht nicht vollstaendig erkennbar"),
];

#[derive(Default)]
struct Mailbox {
    last_cursor: i64,
    /// Cursor, the fingerprint of the certificate whose order it answers, the message.
    entries: Vec<(i64, String, Nachricht)>,
}

struct Order {
    client: String,
    confirmation: Bestellbestaetigung,
}

struct Simulator {
    config: SimulatorConfig,
    orders: HashMap<String, Order>,
    mailbox: Mailbox,
    /// Deliveries by id: the certificate they went to, and whether it acknowledged them.
    deliveries: HashMap<String, (String, bool)>,
    received_applications: u64,
    rng: StdRng,
    seen_application_ids: HashSet<String>,
}

/// The simulator's state, shared by its handlers and timers.
#[derive(Clone)]
pub struct SimulatorState(Arc<Mutex<Simulator>>);

impl SimulatorState {
    pub fn new(config: SimulatorConfig) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        Self(Arc::new(Mutex::new(Simulator {
            config,
            orders: HashMap::new(),
            mailbox: Mailbox::default(),
            deliveries: HashMap::new(),
            received_applications: 0,
            rng,
            seen_application_ids: HashSet::new(),
        })))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Simulator> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Deliveries not acknowledged yet (for tests and the demo's display).
    pub fn unacknowledged_deliveries(&self) -> usize {
        self.lock().deliveries.values().filter(|(_, acknowledged)| !acknowledged).count()
    }

    /// Orders received.
    pub fn orders_received(&self) -> usize {
        self.lock().orders.len()
    }
}

/// Why a request is refused; answered as an XhD `Fehlerinformation`.
#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    #[error("no client certificate")]
    NoClientCertificate,
    #[error("{1}")]
    Refused(u32, String),
    #[error("unknown delivery")]
    UnknownDelivery,
    #[error("order number already used by another authority")]
    OrderNumberTaken,
}

impl IntoResponse for SimulatorError {
    fn into_response(self) -> Response {
        let (status, number) = match &self {
            SimulatorError::NoClientCertificate => (StatusCode::UNAUTHORIZED, 9001),
            SimulatorError::Refused(number, _) => (StatusCode::UNPROCESSABLE_ENTITY, *number),
            SimulatorError::UnknownDelivery => (StatusCode::NOT_FOUND, 9404),
            SimulatorError::OrderNumberTaken => (StatusCode::CONFLICT, 9409),
        };
        (status, Json(Fehlerinformation { fehlernummer: number, fehlertext: self.to_string() })).into_response()
    }
}

/// The producer interface's routes.
pub fn app(state: SimulatorState) -> Router {
    Router::new()
        .route(paths::ORDERS, post(order))
        .route(paths::MAILBOX, get(mailbox))
        .route(paths::ACKNOWLEDGEMENTS, post(acknowledge))
        .route("/health", get(|| async { "ok" }))
        .with_state(state)
}

fn client(connected: &ConnectedClient) -> Result<String, SimulatorError> {
    connected.0.as_ref().map(|certificate| certificate.fingerprint.clone()).ok_or(SimulatorError::NoClientCertificate)
}

fn refuse(number: u32, text: &str) -> SimulatorError {
    SimulatorError::Refused(number, text.to_owned())
}

/// The order as a whole: refused with a `Fehlerinformation`, or taken.
fn check_order(order: &BestellungDokument) -> Result<DocumentKind, SimulatorError> {
    OrderNumber::parse(&order.bestellnummer).map_err(|_| refuse(100, "Bestellnummer ungueltig"))?;
    if order.nachricht_id.is_empty() || order.nachricht_id.len() > 40 {
        return Err(refuse(101, "NachrichtID fehlt oder ist zu lang"));
    }
    if order.antraege.is_empty() || order.antraege.len() > MAX_APPLICATIONS_PER_ORDER {
        return Err(refuse(102, "Eine Bestellung umfasst 1 bis 150 Antraege"));
    }
    let kind = DocumentKind::parse(&order.dokumentart).map_err(|_| refuse(103, "Dokumentart unbekannt"))?;
    if kind.is_temporary() {
        return Err(refuse(104, "Vorlaeufige Dokumente werden nicht bestellt"));
    }
    if order.express != kind.is_express() {
        return Err(refuse(105, "Expresskennzeichen passt nicht zur Dokumentart"));
    }
    let mut ids = HashSet::new();
    for antrag in &order.antraege {
        if antrag.antrags_id.is_empty() || antrag.antrags_id.len() > MAX_APPLICATION_ID_LEN {
            return Err(refuse(106, "AntragsID fehlt oder ist laenger als 40 Zeichen"));
        }
        if !ids.insert(antrag.antrags_id.as_str()) {
            return Err(refuse(107, "AntragsID doppelt in der Bestellung"));
        }
    }
    Ok(kind)
}

async fn order(
    State(state): State<SimulatorState>,
    Extension(connected): Extension<ConnectedClient>,
    Json(order): Json<BestellungDokument>,
) -> Result<Json<Bestellbestaetigung>, SimulatorError> {
    let client = client(&connected)?;
    let kind = check_order(&order)?;
    let (decisions, config) = {
        let mut simulator = state.lock();
        if let Some(known) = simulator.orders.get(&order.bestellnummer) {
            // The same order again (the authority did not hear the answer): the same answer.
            return if known.client == client {
                Ok(Json(known.confirmation.clone()))
            } else {
                Err(SimulatorError::OrderNumberTaken)
            };
        }
        let decisions: Vec<Auftragsergebnis> = order.antraege.iter().map(|antrag| simulator.decide(antrag)).collect();
        let confirmation =
            Bestellbestaetigung { bestellnummer: order.bestellnummer.clone(), antraege: order.antraege.len() };
        simulator.orders.insert(order.bestellnummer.clone(), Order { client: client.clone(), confirmation });
        (decisions, simulator.config.clone())
    };
    tracing::info!(bestellnummer = %order.bestellnummer, antraege = order.antraege.len(), "order taken");
    tokio::spawn(produce(state, client, order.bestellnummer.clone(), kind, decisions, config));
    Ok(Json(Bestellbestaetigung { bestellnummer: order.bestellnummer, antraege: order.antraege.len() }))
}

impl Simulator {
    fn decide(&mut self, antrag: &Antrag) -> Auftragsergebnis {
        self.received_applications += 1;
        let rejected = |(number, text): (u32, &str)| Auftragsergebnis {
            antrags_id: antrag.antrags_id.clone(),
            angenommen: false,
            fehlernummer: Some(number),
            fehlertext: Some(text.to_owned()),
        };
        if !self.seen_application_ids.insert(antrag.antrags_id.clone()) {
            return rejected((108, "Antrag bereits in einer frueheren Bestellung"));
        }
        let photo = base64::engine::general_purpose::STANDARD.decode(&antrag.lichtbild_jp2);
        let photo_ok = match (&photo, self.config.photo_check) {
            (Err(_), _) => false,
            (Ok(bytes), Some(check)) => check(bytes).is_ok(),
            (Ok(bytes), None) => !bytes.is_empty(),
        };
        if !photo_ok {
            // The seen id is forgotten again: a corrected application may come back under it.
            self.seen_application_ids.remove(&antrag.antrags_id);
            return rejected(PHOTO_UNUSABLE);
        }
        if !signature_ok(
            antrag.unterschrift_jpeg.as_deref(),
            &antrag.person.geburtsdatum,
            time::OffsetDateTime::now_utc().year(),
        ) {
            self.seen_application_ids.remove(&antrag.antrags_id);
            return rejected(SIGNATURE_UNUSABLE);
        }
        let every = self.config.reject_every;
        let by_count = every > 0 && self.received_applications.is_multiple_of(u64::from(every));
        let by_rate = self.config.rejection_rate > 0.0 && self.rng.gen_bool(self.config.rejection_rate.min(1.0));
        if by_count || by_rate {
            self.seen_application_ids.remove(&antrag.antrags_id);
            let reason = REJECTIONS[self.rng.gen_range(0..REJECTIONS.len())];
            return rejected(reason);
        }
        Auftragsergebnis {
            antrags_id: antrag.antrags_id.clone(),
            angenommen: true,
            fehlernummer: None,
            fehlertext: None,
        }
    }

    fn post(&mut self, client: &str, message: Nachricht) {
        self.mailbox.last_cursor += 1;
        let cursor = self.mailbox.last_cursor;
        self.mailbox.entries.push((cursor, client.to_owned(), message));
    }

    /// A serial number of the producer's pattern: a letter for the document family, eight
    /// characters of the alphabet without easily confused letters, the ICAO check digit.
    fn serial_number(&mut self, kind: DocumentKind) -> String {
        const ALPHABET: &[u8] = b"CFGHJKLMNPRTVWXYZ0123456789";
        let first = if kind.is_id_card() { 'L' } else { 'C' };
        let mut serial = String::from(first);
        for _ in 0..8 {
            serial.push(ALPHABET[self.rng.gen_range(0..ALPHABET.len())] as char);
        }
        let check = icao_check_digit(&serial);
        format!("{serial}{check}")
    }

    fn secret(&mut self, length: usize, alphabet: &[u8]) -> String {
        (0..length).map(|_| alphabet[self.rng.gen_range(0..alphabet.len())] as char).collect()
    }
}

/// The order's way through the producer: decision, production, delivery.
async fn produce(
    state: SimulatorState,
    client: String,
    bestellnummer: String,
    kind: DocumentKind,
    decisions: Vec<Auftragsergebnis>,
    config: SimulatorConfig,
) {
    tokio::time::sleep(config.accept_delay).await;
    let accepted: Vec<String> =
        decisions.iter().filter(|decision| decision.angenommen).map(|decision| decision.antrags_id.clone()).collect();
    state.lock().post(
        &client,
        Nachricht::Auftragsinformation {
            nachricht_id: message_id(),
            bestellnummer: bestellnummer.clone(),
            ergebnisse: decisions,
        },
    );
    if accepted.is_empty() {
        return;
    }
    tokio::time::sleep(config.production_delay).await;
    state.lock().post(
        &client,
        Nachricht::Produktionsinformation {
            nachricht_id: message_id(),
            bestellnummer: bestellnummer.clone(),
            antrags_ids: accepted.clone(),
        },
    );
    tokio::time::sleep(config.delivery_delay).await;
    let mut simulator = state.lock();
    let dokumente = accepted
        .into_iter()
        .map(|antrags_id| {
            let seriennummer = simulator.serial_number(kind);
            let (sperrkennwort, sperrsumme) = if kind.is_id_card() {
                (Some(simulator.secret(10, b"ABCDEFGHJKLMNPQRSTUVWXYZ")), Some(simulator.secret(4, b"0123456789")))
            } else {
                (None, None)
            };
            GeliefertesDokument { antrags_id, seriennummer, sperrkennwort, sperrsumme }
        })
        .collect();
    let lieferung_id = format!("L-{}", uuid::Uuid::now_v7());
    simulator.deliveries.insert(lieferung_id.clone(), (client.clone(), false));
    simulator.post(
        &client,
        Nachricht::Lieferinformation {
            nachricht_id: message_id(),
            lieferung_id: lieferung_id.clone(),
            bestellnummer,
            dokumente,
        },
    );
    tracing::info!(%lieferung_id, "delivery notice written");
}

fn message_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[derive(Deserialize)]
struct MailboxQuery {
    #[serde(default)]
    nach: i64,
    #[serde(default = "default_max")]
    max: usize,
}

fn default_max() -> usize {
    100
}

async fn mailbox(
    State(state): State<SimulatorState>,
    Extension(connected): Extension<ConnectedClient>,
    Query(query): Query<MailboxQuery>,
) -> Result<Json<Postfach>, SimulatorError> {
    let client = client(&connected)?;
    let simulator = state.lock();
    let max = query.max.clamp(1, 500);
    let mut mine = simulator
        .mailbox
        .entries
        .iter()
        .filter(|(cursor, owner, _)| *cursor > query.nach && *owner == client)
        .map(|(cursor, _, message)| Postfacheintrag { cursor: *cursor, nachricht: message.clone() });
    let nachrichten: Vec<Postfacheintrag> = mine.by_ref().take(max).collect();
    let weitere = mine.next().is_some();
    Ok(Json(Postfach { nachrichten, weitere }))
}

async fn acknowledge(
    State(state): State<SimulatorState>,
    Extension(connected): Extension<ConnectedClient>,
    Json(quittierung): Json<Quittierung>,
) -> Result<StatusCode, SimulatorError> {
    let client = client(&connected)?;
    let mut simulator = state.lock();
    match simulator.deliveries.get_mut(&quittierung.lieferung_id) {
        Some((owner, acknowledged)) if *owner == client => {
            *acknowledged = true;
            tracing::info!(lieferung_id = %quittierung.lieferung_id, "delivery acknowledged");
            Ok(StatusCode::NO_CONTENT)
        }
        _ => Err(SimulatorError::UnknownDelivery),
    }
}

/// A simulator serving in this process (the binary, and tests that need a producer).
pub struct RunningSimulator {
    pub address: SocketAddr,
    pub state: SimulatorState,
    handle: Handle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningSimulator {
    pub fn url(&self) -> String {
        format!("https://{}", self.address)
    }

    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await??;
        Ok(())
    }
}

/// Binds `listen` (port 0 for any) with TLS that demands a client certificate of `client_ca_pem`.
pub async fn start(
    config: SimulatorConfig,
    listen: SocketAddr,
    identity: &schalter_pki::Identity,
    client_ca_pem: &str,
) -> anyhow::Result<RunningSimulator> {
    let tls = schalter_pki::mtls_server_config(identity, client_ca_pem)?;
    let acceptor = ClientCertificateAcceptor::new(RustlsConfig::from_config(Arc::new(tls)));
    let state = SimulatorState::new(config);
    let handle = Handle::new();
    let server = axum_server::bind(listen).acceptor(acceptor).handle(handle.clone());
    let task = tokio::spawn(server.serve(app(state.clone()).into_make_service()));
    let Some(address) = handle.listening().await else {
        anyhow::bail!("the producer simulator cannot listen on {listen}");
    };
    Ok(RunningSimulator { address, state, handle, task })
}

/// The producer's check of a photo: a JPEG 2000 that decodes to exactly 622 × 800 (TR-03121
/// COD-FI-PRD), decoded with the same codec (OpenJPEG) as the central encodes with.
pub fn check_producer_copy(jp2: &[u8]) -> Result<(), String> {
    let image = schalter_portrait::decode_jp2(jp2).map_err(|error| error.to_string())?;
    if (image.width(), image.height()) != (622, 800) {
        return Err(format!("{} x {} instead of 622 x 800", image.width(), image.height()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> String {
        let mut bytes = std::io::Cursor::new(Vec::new());
        image::GrayImage::from_pixel(width, height, image::Luma([255]))
            .write_to(&mut bytes, image::ImageFormat::Jpeg)
            .unwrap();
        base64::engine::general_purpose::STANDARD.encode(bytes.into_inner())
    }

    #[test]
    fn a_signature_is_a_900_by_132_jpeg_and_required_from_ten() {
        let right = jpeg(900, 132);
        assert!(signature_ok(Some(&right), "1964-08-12", 2027));
        assert!(!signature_ok(Some(&jpeg(900, 133)), "1964-08-12", 2027), "wrong size");
        assert!(!signature_ok(Some("/9j/AAAA"), "1964-08-12", 2027), "not a JPEG");
        assert!(!signature_ok(Some("kein Base64!"), "1964-08-12", 2027));
        assert!(!signature_ok(None, "1964-08-12", 2027), "an adult without a signature");
        assert!(!signature_ok(None, "XXXX-XX-XX", 2027), "an unknown year counts as an adult's");
        assert!(signature_ok(None, "2021-06-01", 2027), "a child of six");
        assert!(signature_ok(None, "2017-12-31", 2027), "maybe still 9");
        assert!(!signature_ok(None, "2016-12-31", 2027), "surely 10");
    }
}
