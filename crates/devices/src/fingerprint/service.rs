//! The production fingerprint reader, as far as it can be written here: an adapter for a local capture
//! service (a process on the clerk's machine that drives the reader through the vendor's SDK or a
//! BioAPI service provider) speaking the JSON contract below over HTTP on localhost.
//!
//! The contract is this project's own: no vendor ships it. The readers in German offices (Crossmatch,
//! IDEMIA, Dermalog) come with vendor SDKs, and BSI TR-03121-2 describes BioAPI 2.0 service providers
//! (a C interface), not an HTTP protocol. So the service is a bridge someone writes once per reader
//! family; this adapter is its client. HTTP itself is not here either: the desk, which has reqwest,
//! implements [`FingerprintTransport`].
//!
//! ```text
//! POST /v1/fingerprint/capture            Content-Type: application/json
//! {"finger":"left_index","finger_position":7,"impression":"plain","timeout_ms":30000}
//!
//! 200 {"outcome":"captured","finger":"left_index","nfiq2":64,
//!      "image":{"format":"gray8","width":400,"height":500,"ppi":500,"data":"<base64, width·height bytes>"}}
//! 200 {"outcome":"not_possible","finger":"left_index"}
//! 200 or 4xx/5xx {"outcome":"failed","code":"<service's code>","message":"<text>"}
//! ```

use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::{Finger, FingerCapture, FingerImage, FingerprintReader};
use crate::DeviceError;

/// The one path of the contract.
pub const CAPTURE_PATH: &str = "/v1/fingerprint/capture";
/// Largest answer the adapter reads (a 2000 × 2000 grey image in base64 is 5.4 MB). The transport should
/// stop reading there too.
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

/// How the adapter reaches the service. Blocking like the reader: the desk implements it with reqwest
/// (`Handle::block_on` inside the `spawn_blocking` the capture runs in), against `http://127.0.0.1:<port>`,
/// no redirects, a timeout a little above the request's `timeout_ms`, the body capped at
/// [`MAX_RESPONSE_BYTES`]. Failing to connect or to read is `device_service_unreachable`.
pub trait FingerprintTransport: Send + Sync {
    /// POSTs `body` (JSON) to `path`; the answer's status and body, whatever the status.
    fn post_json(&self, path: &str, body: &[u8]) -> Result<TransportResponse, DeviceError>;
}

#[derive(Clone, PartialEq, Eq)]
pub struct TransportResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for TransportResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportResponse").field("status", &self.status).field("bytes", &self.body.len()).finish()
    }
}

/// The impression type: flat prints only (live-scan plain, ISO/IEC 19794-4 impression type 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impression {
    Plain,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureRequest {
    pub finger: Finger,
    /// ISO/IEC 19794-4 finger position, for services that speak in codes.
    pub finger_position: u8,
    pub impression: Impression,
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageFormat {
    /// 8-bit grey, row-major, no header.
    Gray8,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireImage {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
    pub ppi: u16,
    /// Standard base64 of the pixels.
    pub data: String,
}

impl std::fmt::Debug for WireImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WireImage")
            .field("format", &self.format)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("ppi", &self.ppi)
            .field("data_chars", &self.data.len())
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CaptureResponse {
    Captured { finger: Finger, nfiq2: u8, image: WireImage },
    NotPossible { finger: Finger },
    Failed { code: String, message: String },
}

impl CaptureResponse {
    /// The answer a service gives for a capture (for the bridge's side and for tests).
    pub fn captured(finger: Finger, nfiq2: u8, image: &FingerImage) -> Self {
        CaptureResponse::Captured {
            finger,
            nfiq2,
            image: WireImage {
                format: ImageFormat::Gray8,
                width: image.width(),
                height: image.height(),
                ppi: image.ppi(),
                data: base64::engine::general_purpose::STANDARD.encode(image.pixels()),
            },
        }
    }
}

/// The adapter: one `POST` per capture, the answer checked (the finger it names, NFIQ 2 at most 100,
/// the pixel count) before it becomes a [`FingerCapture`].
#[derive(Debug)]
pub struct CaptureServiceReader<T> {
    transport: T,
    timeout: Duration,
}

impl<T: FingerprintTransport> CaptureServiceReader<T> {
    /// `timeout`: how long the service waits for the finger on the glass.
    pub fn new(transport: T, timeout: Duration) -> Self {
        CaptureServiceReader { transport, timeout }
    }

    pub fn request(&self, finger: Finger) -> CaptureRequest {
        CaptureRequest {
            finger,
            finger_position: finger.position_code(),
            impression: Impression::Plain,
            timeout_ms: self.timeout.as_millis().try_into().unwrap_or(u64::MAX),
        }
    }
}

impl<T: FingerprintTransport> FingerprintReader for CaptureServiceReader<T> {
    fn capture(&self, finger: Finger) -> Result<FingerCapture, DeviceError> {
        let body = serde_json::to_vec(&self.request(finger)).map_err(|e| DeviceError::protocol(e.to_string()))?;
        let answer = self.transport.post_json(CAPTURE_PATH, &body)?;
        interpret(finger, &answer)
    }
}

/// The service's answer for a capture of `finger`, checked.
pub fn interpret(finger: Finger, answer: &TransportResponse) -> Result<FingerCapture, DeviceError> {
    if answer.body.len() > MAX_RESPONSE_BYTES {
        return Err(DeviceError::protocol(format!("answer larger than {MAX_RESPONSE_BYTES} bytes")));
    }
    let parsed: Result<CaptureResponse, _> = serde_json::from_slice(&answer.body);
    let response = match (answer.status, parsed) {
        (_, Ok(CaptureResponse::Failed { code, message })) => {
            let clip = |s: String| s.chars().take(200).collect::<String>();
            return Err(DeviceError::ServiceFailed { code: clip(code), message: clip(message) });
        }
        (200, Ok(response)) => response,
        (200, Err(e)) => return Err(DeviceError::protocol(format!("not a capture answer: {e}"))),
        (status, _) => return Err(DeviceError::protocol(format!("HTTP status {status}"))),
    };
    let named = match &response {
        CaptureResponse::Captured { finger, .. } | CaptureResponse::NotPossible { finger } => *finger,
        CaptureResponse::Failed { .. } => unreachable!("handled above"),
    };
    if named != finger {
        return Err(DeviceError::protocol(format!("asked for {}, answered for {}", finger.key(), named.key())));
    }
    match response {
        CaptureResponse::NotPossible { .. } => Ok(FingerCapture::NotPossible),
        CaptureResponse::Captured { nfiq2, image, .. } => {
            if nfiq2 > 100 {
                return Err(DeviceError::protocol(format!("NFIQ 2 score {nfiq2} above 100")));
            }
            let pixels = base64::engine::general_purpose::STANDARD
                .decode(image.data.as_bytes())
                .map_err(|_| DeviceError::protocol("image data is not base64"))?;
            let image = FingerImage::new(image.width, image.height, image.ppi, pixels)?;
            Ok(FingerCapture::Captured { quality: nfiq2, image })
        }
        CaptureResponse::Failed { .. } => unreachable!("handled above"),
    }
}
