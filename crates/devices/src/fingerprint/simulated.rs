//! A reader for the demo and the tests: per finger "captured with this quality" or "not possible", and
//! a small synthetic grey image (concentric ellipses, not a print of anyone).

use std::collections::HashMap;

use super::{Finger, FingerCapture, FingerImage, FingerprintReader};
use crate::DeviceError;

/// What the simulated reader answers for one finger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimulatedFinger {
    Captured { quality: u8 },
    NotPossible,
}

#[derive(Debug, Clone)]
pub struct SimulatedFingerprintReader {
    default: SimulatedFinger,
    fingers: HashMap<Finger, SimulatedFinger>,
}

/// The image's size: 160 × 200 px at a nominal 500 ppi (the resolution flat-print readers use).
pub const SIMULATED_IMAGE: (u32, u32, u16) = (160, 200, 500);

impl Default for SimulatedFingerprintReader {
    fn default() -> Self {
        Self::new()
    }
}

impl SimulatedFingerprintReader {
    /// Every finger captured with quality 72.
    pub fn new() -> Self {
        SimulatedFingerprintReader { default: SimulatedFinger::Captured { quality: 72 }, fingers: HashMap::new() }
    }

    /// What every finger not set with [`Self::with`] answers.
    pub fn all(mut self, answer: SimulatedFinger) -> Self {
        self.default = answer;
        self
    }

    pub fn with(mut self, finger: Finger, answer: SimulatedFinger) -> Self {
        self.fingers.insert(finger, answer);
        self
    }

    fn answer(&self, finger: Finger) -> SimulatedFinger {
        self.fingers.get(&finger).copied().unwrap_or(self.default)
    }
}

impl FingerprintReader for SimulatedFingerprintReader {
    fn capture(&self, finger: Finger) -> Result<FingerCapture, DeviceError> {
        Ok(match self.answer(finger) {
            SimulatedFinger::Captured { quality } => {
                FingerCapture::Captured { quality: quality.min(100), image: synthetic_image(finger) }
            }
            SimulatedFinger::NotPossible => FingerCapture::NotPossible,
        })
    }
}

/// Dark concentric ellipses inside an oval on white; the centre moves with the finger, so two fingers'
/// images differ.
fn synthetic_image(finger: Finger) -> FingerImage {
    let (w, h, ppi) = SIMULATED_IMAGE;
    let shift = finger.position_code() as f32;
    let (cx, cy) = (w as f32 / 2.0 + shift * 2.0 - 10.0, h as f32 * 0.45 + shift);
    let mut pixels = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as f32 - w as f32 / 2.0, y as f32 - h as f32 / 2.0);
            let inside = (dx / (w as f32 * 0.45)).powi(2) + (dy / (h as f32 * 0.47)).powi(2) <= 1.0;
            let value = if inside {
                let r = ((x as f32 - cx).powi(2) + ((y as f32 - cy) * 0.8).powi(2)).sqrt();
                let ridge = (r * std::f32::consts::TAU / 9.0).cos();
                (150.0 + 100.0 * ridge).clamp(0.0, 255.0) as u8
            } else {
                255
            };
            pixels.push(value);
        }
    }
    FingerImage::new(w, h, ppi, pixels).expect("a valid synthetic image")
}
