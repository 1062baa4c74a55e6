//! The signature pad: pen strokes in, the producer's 900 × 132 JPEG out.

pub mod evdev;
mod render;
mod simulated;

pub use evdev::{AxisRange, Contact, EvdevPadConfig, EvdevSignaturePad};
pub use render::{render_signature_jpeg, MIN_INK_EXTENT_MM, SIGNATURE_HEIGHT, SIGNATURE_JPEG_QUALITY, SIGNATURE_WIDTH};
pub use simulated::SimulatedSignaturePad;

use crate::DeviceError;

/// One sample of the pen while it touches the pad, in the pad's own units (origin top left, y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignaturePoint {
    pub x: f32,
    pub y: f32,
    /// 0.0 (lightest touch) to 1.0 (full pressure), if the pad reports pressure.
    pub pressure: Option<f32>,
}

/// The samples from one pen-down to the next pen-up.
#[derive(Clone, Default, PartialEq)]
pub struct Stroke {
    pub points: Vec<SignaturePoint>,
}

/// A signature as the pad saw it: its strokes in order.
///
/// A signature is personal data: Debug shows counts only, never coordinates.
#[derive(Clone, Default, PartialEq)]
pub struct SignatureStrokes {
    pub strokes: Vec<Stroke>,
}

impl SignatureStrokes {
    pub fn point_count(&self) -> usize {
        self.strokes.iter().map(|s| s.points.len()).sum()
    }
}

impl std::fmt::Debug for Stroke {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stroke").field("points", &self.points.len()).finish()
    }
}

impl std::fmt::Debug for SignatureStrokes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignatureStrokes")
            .field("strokes", &self.strokes.len())
            .field("points", &self.point_count())
            .finish()
    }
}

/// The pad's writing area: its extent in the pad's units and in millimetres. Units need not be square
/// (an axis of 10 000 units over 108 mm next to one of 6 000 over 65 mm); rendering goes through
/// millimetres so the signature keeps its shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PadSize {
    pub width: f32,
    pub height: f32,
    pub width_mm: f32,
    pub height_mm: f32,
}

impl PadSize {
    pub(crate) fn validate(&self) -> Result<(), DeviceError> {
        for (name, v) in
            [("width", self.width), ("height", self.height), ("width_mm", self.width_mm), ("height_mm", self.height_mm)]
        {
            if !(v.is_finite() && v > 0.0) {
                return Err(DeviceError::config(format!("pad {name} must be a positive number")));
            }
        }
        Ok(())
    }
}

/// A signature pad. Blocking: `capture` waits for the applicant to sign, so the desk core (tokio) calls it
/// from `tokio::task::spawn_blocking` with the pad in an `Arc`, and may call `cancel` from another task.
pub trait SignaturePad: Send + Sync {
    /// The writing area, to hand to [`render_signature_jpeg`] with the strokes.
    fn pad_size(&self) -> PadSize;

    /// Waits for one signature and returns its strokes. Ends when the pen has been lifted and nothing
    /// happened for the configured pause, or at the deadline; `device_capture_timeout` if nothing was
    /// written by then, `device_capture_cancelled` after [`SignaturePad::cancel`].
    fn capture(&self) -> Result<SignatureStrokes, DeviceError>;

    /// Ends a running `capture` early (the clerk cancelled). A no-op for pads that return at once.
    fn cancel(&self) {}
}
