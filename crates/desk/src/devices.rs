//! The desk's biometric devices (`schalter_devices`) as configured in desk.toml `[devices]`, and what a visit
//! holds of them: the fingerprint outcome per hand and the signature's JPEG, both forgotten with the visit.
//!
//! ```toml
//! [devices]
//! signature_pad = "simulated"                 # default; or a table of schalter_devices::EvdevPadConfig:
//! # signature_pad = { path = "/dev/input/by-id/usb-…-event-…", x = { min = 0, max = 10000 }, … }
//! fingerprint_reader = "simulated"            # default; or a local capture service:
//! # fingerprint_reader = { service_url = "http://127.0.0.1:8765", timeout_ms = 30000 }
//! ```

use std::sync::Arc;
use std::time::Duration;

use schalter_devices::fingerprint::service::MAX_RESPONSE_BYTES;
use schalter_devices::{
    CaptureServiceReader, DeviceError, EvdevPadConfig, EvdevSignaturePad, FingerprintOutcome, FingerprintOutcomes,
    FingerprintReader, FingerprintTransport, Hand, SignaturePad, SimulatedFingerprintReader, SimulatedSignaturePad,
    TransportResponse,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `[devices]` in desk.toml.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevicesConfig {
    #[serde(default)]
    pub signature_pad: SignaturePadConfig,
    #[serde(default)]
    pub fingerprint_reader: FingerprintReaderConfig,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(try_from = "RawPad")]
pub enum SignaturePadConfig {
    /// `"simulated"`: a generated signature at once (demo, tests).
    #[default]
    Simulated,
    /// A Linux input device (`/dev/input/eventN`).
    Evdev(EvdevPadConfig),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawPad {
    Name(String),
    Evdev(EvdevPadConfig),
}

impl TryFrom<RawPad> for SignaturePadConfig {
    type Error = String;
    fn try_from(raw: RawPad) -> Result<Self, String> {
        match raw {
            RawPad::Name(name) if name == "simulated" => Ok(SignaturePadConfig::Simulated),
            RawPad::Name(name) => {
                Err(format!("signature_pad: \"{name}\" ist weder \"simulated\" noch eine evdev-Tabelle"))
            }
            RawPad::Evdev(config) => {
                config.validate().map_err(|e| format!("signature_pad: {e}"))?;
                Ok(SignaturePadConfig::Evdev(config))
            }
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(try_from = "RawReader")]
pub enum FingerprintReaderConfig {
    /// `"simulated"`: every finger captured with quality 72 (demo, tests).
    #[default]
    Simulated,
    /// A capture service on this machine (`http://127.0.0.1:<port>`, `http://localhost:<port>` or `http://[::1]:<port>`).
    Service { service_url: String, timeout: Duration },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawReader {
    Name(String),
    Service {
        service_url: String,
        #[serde(default)]
        timeout_ms: Option<u64>,
    },
}

/// How long the capture service waits for a finger on the glass unless desk.toml says otherwise.
const DEFAULT_CAPTURE_TIMEOUT: Duration = Duration::from_secs(30);

impl TryFrom<RawReader> for FingerprintReaderConfig {
    type Error = String;
    fn try_from(raw: RawReader) -> Result<Self, String> {
        match raw {
            RawReader::Name(name) if name == "simulated" => Ok(FingerprintReaderConfig::Simulated),
            RawReader::Name(name) => {
                Err(format!("fingerprint_reader: \"{name}\" ist weder \"simulated\" noch {{ service_url = … }}"))
            }
            RawReader::Service { service_url, timeout_ms } => {
                let service_url = service_url.trim_end_matches('/').to_owned();
                if !is_local_http(&service_url) {
                    return Err(format!(
                        "fingerprint_reader: {service_url} ist keine Adresse dieses Rechners (http://127.0.0.1:<Port>)"
                    ));
                }
                let timeout = timeout_ms.map(Duration::from_millis).unwrap_or(DEFAULT_CAPTURE_TIMEOUT);
                if timeout.is_zero() || timeout > Duration::from_secs(300) {
                    return Err("fingerprint_reader: timeout_ms muss zwischen 1 und 300000 liegen".into());
                }
                Ok(FingerprintReaderConfig::Service { service_url, timeout })
            }
        }
    }
}

/// Plain HTTP only to this machine, with a port and no path: the prints never cross a network.
fn is_local_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    ["127.0.0.1:", "localhost:", "[::1]:"].iter().any(|host| {
        rest.strip_prefix(host).is_some_and(|port| !port.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0))
    })
}

/// The configured devices, shared by the visit's captures.
#[derive(Clone)]
pub struct Devices {
    pub pad: Arc<dyn SignaturePad>,
    pub reader: Arc<dyn FingerprintReader>,
}

impl Devices {
    pub fn simulated() -> Self {
        Devices { pad: Arc::new(SimulatedSignaturePad::new(1)), reader: Arc::new(SimulatedFingerprintReader::new()) }
    }

    pub fn with(pad: Arc<dyn SignaturePad>, reader: Arc<dyn FingerprintReader>) -> Self {
        Devices { pad, reader }
    }

    pub fn from_config(config: &DevicesConfig) -> Result<Self, DeviceError> {
        let pad: Arc<dyn SignaturePad> = match &config.signature_pad {
            SignaturePadConfig::Simulated => Arc::new(SimulatedSignaturePad::new(1)),
            SignaturePadConfig::Evdev(evdev) => Arc::new(EvdevSignaturePad::new(evdev.clone())?),
        };
        let reader: Arc<dyn FingerprintReader> = match &config.fingerprint_reader {
            FingerprintReaderConfig::Simulated => Arc::new(SimulatedFingerprintReader::new()),
            FingerprintReaderConfig::Service { service_url, timeout } => Arc::new(CaptureServiceReader::new(
                HttpTransport::new(service_url, *timeout + Duration::from_secs(5))?,
                *timeout,
            )),
        };
        Ok(Devices { pad, reader })
    }
}

/// [`FingerprintTransport`] over reqwest: plain HTTP to this machine, no redirects, no proxy, a timeout a
/// little above the capture's, the body read up to [`MAX_RESPONSE_BYTES`]. Blocking (it runs inside the
/// capture's `spawn_blocking`).
pub struct HttpTransport {
    http: reqwest::Client,
    base_url: String,
}

impl HttpTransport {
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, DeviceError> {
        let unreachable = |reason: String| DeviceError::ServiceUnreachable { reason };
        // No TLS is spoken (http only), but reqwest wants a rustls configuration: one that trusts nothing.
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| unreachable(e.to_string()))?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(Duration::from_secs(2))
            .timeout(timeout)
            .build()
            .map_err(|e| unreachable(e.to_string()))?;
        Ok(HttpTransport { http, base_url: base_url.trim_end_matches('/').to_owned() })
    }
}

impl FingerprintTransport for HttpTransport {
    fn post_json(&self, path: &str, body: &[u8]) -> Result<TransportResponse, DeviceError> {
        let unreachable = |e: reqwest::Error| DeviceError::ServiceUnreachable { reason: e.without_url().to_string() };
        let request = self
            .http
            .post(format!("{}{path}", self.base_url))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        // Called inside the capture's spawn_blocking, which runs with the desk's runtime entered.
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| DeviceError::ServiceUnreachable { reason: e.to_string() })?;
        runtime.block_on(async {
            let mut response = request.send().await.map_err(unreachable)?;
            let status = response.status().as_u16();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(DeviceError::ServiceProtocol { reason: "Antwort zu groß".into() });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(TransportResponse { status, body })
        })
    }
}

/// What the visit holds of the biometrics: the outcome per hand once recorded, whether a hand waits for the clerk's
/// confirmation (no finger was possible), the signature's JPEG (personal data: only in memory, forgotten with the
/// visit; it reaches the store as a blob only with the submitted application).
#[derive(Default, Clone)]
pub struct VisitBiometrics {
    pub left: Option<FingerprintOutcome>,
    pub right: Option<FingerprintOutcome>,
    pub awaiting_confirmation: [bool; 2],
    pub signature_jpeg: Option<Vec<u8>>,
}

impl std::fmt::Debug for VisitBiometrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VisitBiometrics")
            .field("left", &self.left)
            .field("right", &self.right)
            .field("signature_bytes", &self.signature_jpeg.as_ref().map(Vec::len))
            .finish()
    }
}

fn index(hand: Hand) -> usize {
    match hand {
        Hand::Left => 0,
        Hand::Right => 1,
    }
}

impl VisitBiometrics {
    /// Both hands recorded and, if given, the signature (benchmarks, tests, the probe).
    pub fn captured(outcomes: FingerprintOutcomes, signature_jpeg: Option<Vec<u8>>) -> Self {
        VisitBiometrics {
            left: Some(outcomes.left),
            right: Some(outcomes.right),
            awaiting_confirmation: [false; 2],
            signature_jpeg,
        }
    }

    /// What the simulators give: both index fingers captured (quality 72) and the simulated pad's signature; enough
    /// for any applicant (the submit sends only what the rules ask for). Benchmarks, system tests, the probe.
    pub fn simulated() -> Self {
        use schalter_devices::{render_signature_jpeg, Finger};
        let pad = SimulatedSignaturePad::new(1);
        let jpeg = pad.capture().and_then(|strokes| render_signature_jpeg(&strokes, pad.pad_size())).ok();
        let captured = |finger| FingerprintOutcome::Captured { finger, quality: 72 };
        VisitBiometrics::captured(
            FingerprintOutcomes { left: captured(Finger::LeftIndex), right: captured(Finger::RightIndex) },
            jpeg,
        )
    }

    pub fn outcome(&self, hand: Hand) -> Option<FingerprintOutcome> {
        match hand {
            Hand::Left => self.left,
            Hand::Right => self.right,
        }
    }

    pub fn set(&mut self, hand: Hand, outcome: FingerprintOutcome) {
        match hand {
            Hand::Left => self.left = Some(outcome),
            Hand::Right => self.right = Some(outcome),
        }
        self.awaiting_confirmation[index(hand)] = false;
    }

    pub fn await_confirmation(&mut self, hand: Hand) {
        match hand {
            Hand::Left => self.left = None,
            Hand::Right => self.right = None,
        }
        self.awaiting_confirmation[index(hand)] = true;
    }

    pub fn outcomes(&self) -> Option<FingerprintOutcomes> {
        Some(FingerprintOutcomes { left: self.left?, right: self.right? })
    }

    pub fn view(&self) -> BiometricsView {
        let hand = |hand: Hand| match self.outcome(hand) {
            Some(outcome) => Some(HandView::from(outcome)),
            None if self.awaiting_confirmation[index(hand)] => Some(HandView::AwaitingConfirmation),
            None => None,
        };
        BiometricsView {
            left: hand(Hand::Left),
            right: hand(Hand::Right),
            signature_preview: self.signature_jpeg.as_deref().map(data_url),
        }
    }
}

/// The signature for the screen: `data:image/jpeg;base64,…`.
fn data_url(jpeg: &[u8]) -> String {
    use base64::Engine as _;
    format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(jpeg))
}

/// One hand's fingerprint for the screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum HandView {
    /// `finger`: `left_index`, `left_thumb`, … (the UI names it); `quality` 0–100.
    Captured {
        finger: String,
        quality: u8,
    },
    NotPossible,
    NotRequired,
    /// No finger of this hand could be printed: the clerk confirms that prints are not possible.
    AwaitingConfirmation,
}

impl From<FingerprintOutcome> for HandView {
    fn from(outcome: FingerprintOutcome) -> Self {
        match outcome {
            FingerprintOutcome::Captured { finger, quality } => {
                HandView::Captured { finger: finger.key().to_owned(), quality }
            }
            FingerprintOutcome::NotPossible => HandView::NotPossible,
            FingerprintOutcome::NotRequired => HandView::NotRequired,
        }
    }
}

/// The visit's biometrics as the screen shows them; `None` where nothing is recorded yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BiometricsView {
    pub left: Option<HandView>,
    pub right: Option<HandView>,
    /// `data:image/jpeg;base64,…` of the 900 × 132 signature.
    pub signature_preview: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DevicesConfig, String> {
        toml::from_str::<DevicesConfig>(text).map_err(|e| e.message().to_owned())
    }

    #[test]
    fn simulated_by_default_a_local_service_or_an_evdev_pad() {
        assert_eq!(parse("").unwrap(), DevicesConfig::default());
        assert_eq!(
            parse("signature_pad = \"simulated\"\nfingerprint_reader = \"simulated\"").unwrap(),
            DevicesConfig::default()
        );
        let service = parse("fingerprint_reader = { service_url = \"http://127.0.0.1:8765/\" }").unwrap();
        assert_eq!(
            service.fingerprint_reader,
            FingerprintReaderConfig::Service {
                service_url: "http://127.0.0.1:8765".into(),
                timeout: DEFAULT_CAPTURE_TIMEOUT
            }
        );
        for refused in [
            "fingerprint_reader = { service_url = \"http://reader.example:8765\" }",
            "fingerprint_reader = { service_url = \"https://127.0.0.1:8765\" }",
            "fingerprint_reader = { service_url = \"http://127.0.0.1\" }",
            "fingerprint_reader = { service_url = \"http://127.0.0.1.evil:80\" }",
            "fingerprint_reader = \"echt\"",
            "signature_pad = \"wacom\"",
        ] {
            assert!(parse(refused).is_err(), "{refused}");
        }
        let pad = parse(
            "[signature_pad]\npath = \"/dev/input/event7\"\nx = { min = 0, max = 10000 }\ny = { min = 0, max = 6000 }\n\
             width_mm = 108.0\nheight_mm = 65.0\n",
        )
        .unwrap();
        assert!(matches!(pad.signature_pad, SignaturePadConfig::Evdev(ref c) if c.path.ends_with("event7")));
    }

    /// A capture service on 127.0.0.1: the reader over [`HttpTransport`] gets the print; a redirect is not followed;
    /// a service that is not there is `device_service_unreachable`.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_http_transport_talks_to_a_local_capture_service_and_follows_no_redirect() {
        use axum::routing::post;
        use schalter_devices::fingerprint::service::{CaptureResponse, CAPTURE_PATH};
        use schalter_devices::{Finger, FingerCapture, FingerImage};

        let image = FingerImage::new(4, 2, 500, vec![7; 8]).unwrap();
        let answer = serde_json::to_vec(&CaptureResponse::captured(Finger::LeftIndex, 81, &image)).unwrap();
        let app = axum::Router::new()
            .route(CAPTURE_PATH, post(move || async move { ([("content-type", "application/json")], answer.clone()) }))
            .route(
                "/moved/v1/fingerprint/capture",
                post(|| async { (axum::http::StatusCode::FOUND, [("location", "http://127.0.0.1:9/")]) }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let config = format!("fingerprint_reader = {{ service_url = \"http://127.0.0.1:{port}\", timeout_ms = 5000 }}");
        let devices = Devices::from_config(&parse(&config).unwrap()).unwrap();
        let reader = devices.reader.clone();
        let capture = tokio::task::spawn_blocking(move || reader.capture(Finger::LeftIndex)).await.unwrap().unwrap();
        assert!(matches!(capture, FingerCapture::Captured { quality: 81, ref image } if image.pixels() == [7; 8]));

        let moved = CaptureServiceReader::new(
            HttpTransport::new(&format!("http://127.0.0.1:{port}/moved"), Duration::from_secs(5)).unwrap(),
            Duration::from_secs(1),
        );
        let error = tokio::task::spawn_blocking(move || moved.capture(Finger::LeftIndex)).await.unwrap().unwrap_err();
        assert_eq!(error.code(), "device_service_protocol", "{error}");

        let gone = CaptureServiceReader::new(
            HttpTransport::new("http://127.0.0.1:9", Duration::from_secs(5)).unwrap(),
            Duration::from_secs(1),
        );
        let error = tokio::task::spawn_blocking(move || gone.capture(Finger::LeftIndex)).await.unwrap().unwrap_err();
        assert_eq!(error.code(), "device_service_unreachable", "{error}");
    }
}
