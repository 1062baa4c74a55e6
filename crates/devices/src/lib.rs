//! The clerk desk's devices behind traits (issue 9). Pure: no Tauri, HTTP or SQL.
//!
//! - [`SignaturePad`]: pen strokes; [`render_signature_jpeg`] makes the producer's 900 × 132 JPEG of
//!   them. [`SimulatedSignaturePad`] for the demo and tests, [`EvdevSignaturePad`] for a Linux input device.
//! - [`FingerprintReader`]: one flat print per call; [`fingerprint_plan`] / [`FingerprintProgress`] say
//!   which finger to ask and what is recorded per hand. [`SimulatedFingerprintReader`] for the demo and
//!   tests, [`CaptureServiceReader`] for a local capture service over a [`FingerprintTransport`].
//!
//! Both traits are blocking (a capture waits for a person); the desk core runs them in `spawn_blocking`.

mod error;
pub mod fingerprint;
pub mod signature;

pub use error::{DeviceError, ERROR_CODES};
pub use fingerprint::{
    fingerprint_plan, CaptureServiceReader, Digit, Finger, FingerCapture, FingerImage, FingerprintOutcome,
    FingerprintOutcomes, FingerprintPlan, FingerprintProgress, FingerprintReader, FingerprintTransport, Hand, NextStep,
    SimulatedFinger, SimulatedFingerprintReader, TransportResponse,
};
pub use signature::{
    render_signature_jpeg, AxisRange, Contact, EvdevPadConfig, EvdevSignaturePad, PadSize, SignaturePad,
    SignaturePoint, SignatureStrokes, SimulatedSignaturePad, Stroke, SIGNATURE_HEIGHT, SIGNATURE_WIDTH,
};
