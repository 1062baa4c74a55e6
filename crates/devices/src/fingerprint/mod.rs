//! The fingerprint reader: which finger to ask for (the plan), one capture per finger, what is recorded
//! per hand.

mod plan;
pub mod service;
mod simulated;

pub use plan::{
    fingerprint_plan, FingerprintOutcome, FingerprintOutcomes, FingerprintPlan, FingerprintProgress, NextStep,
    FINGER_ORDER,
};
pub use service::{CaptureServiceReader, FingerprintTransport, TransportResponse};
pub use simulated::{SimulatedFinger, SimulatedFingerprintReader};

use serde::{Deserialize, Serialize};

use crate::DeviceError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hand {
    Left,
    Right,
}

/// The fingers a flat print may be taken of (domain.md §2.4): the index finger, or instead the thumb,
/// middle or ring finger. The little finger is never used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Digit {
    Index,
    Thumb,
    Middle,
    Ring,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finger {
    LeftIndex,
    LeftThumb,
    LeftMiddle,
    LeftRing,
    RightIndex,
    RightThumb,
    RightMiddle,
    RightRing,
}

impl Finger {
    pub const ALL: [Finger; 8] = [
        Finger::LeftIndex,
        Finger::LeftThumb,
        Finger::LeftMiddle,
        Finger::LeftRing,
        Finger::RightIndex,
        Finger::RightThumb,
        Finger::RightMiddle,
        Finger::RightRing,
    ];

    pub fn of(hand: Hand, digit: Digit) -> Finger {
        match (hand, digit) {
            (Hand::Left, Digit::Index) => Finger::LeftIndex,
            (Hand::Left, Digit::Thumb) => Finger::LeftThumb,
            (Hand::Left, Digit::Middle) => Finger::LeftMiddle,
            (Hand::Left, Digit::Ring) => Finger::LeftRing,
            (Hand::Right, Digit::Index) => Finger::RightIndex,
            (Hand::Right, Digit::Thumb) => Finger::RightThumb,
            (Hand::Right, Digit::Middle) => Finger::RightMiddle,
            (Hand::Right, Digit::Ring) => Finger::RightRing,
        }
    }

    pub fn hand(self) -> Hand {
        match self {
            Finger::LeftIndex | Finger::LeftThumb | Finger::LeftMiddle | Finger::LeftRing => Hand::Left,
            _ => Hand::Right,
        }
    }

    pub fn digit(self) -> Digit {
        match self {
            Finger::LeftIndex | Finger::RightIndex => Digit::Index,
            Finger::LeftThumb | Finger::RightThumb => Digit::Thumb,
            Finger::LeftMiddle | Finger::RightMiddle => Digit::Middle,
            Finger::LeftRing | Finger::RightRing => Digit::Ring,
        }
    }

    /// The finger position code of ISO/IEC 19794-4 and ANSI/NIST-ITL (1 right thumb … 10 left little).
    pub fn position_code(self) -> u8 {
        match self {
            Finger::RightThumb => 1,
            Finger::RightIndex => 2,
            Finger::RightMiddle => 3,
            Finger::RightRing => 4,
            Finger::LeftThumb => 6,
            Finger::LeftIndex => 7,
            Finger::LeftMiddle => 8,
            Finger::LeftRing => 9,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Finger::LeftIndex => "left_index",
            Finger::LeftThumb => "left_thumb",
            Finger::LeftMiddle => "left_middle",
            Finger::LeftRing => "left_ring",
            Finger::RightIndex => "right_index",
            Finger::RightThumb => "right_thumb",
            Finger::RightMiddle => "right_middle",
            Finger::RightRing => "right_ring",
        }
    }
}

/// Largest image side accepted from a reader (a flat print at 1000 ppi is well below).
pub const MAX_FINGER_IMAGE_SIDE: u32 = 2000;

/// A captured print: 8-bit grey pixels, row-major, at `ppi` pixels per inch.
///
/// Biometric data: Debug shows the size only; nothing here writes it anywhere (PassG §16(2): deleted
/// at the handover at the latest — that is the store's and the producer order's business).
#[derive(Clone, PartialEq, Eq)]
pub struct FingerImage {
    width: u32,
    height: u32,
    ppi: u16,
    pixels: Vec<u8>,
}

impl FingerImage {
    pub fn new(width: u32, height: u32, ppi: u16, pixels: Vec<u8>) -> Result<Self, DeviceError> {
        if width == 0 || height == 0 || width > MAX_FINGER_IMAGE_SIDE || height > MAX_FINGER_IMAGE_SIDE {
            return Err(DeviceError::protocol(format!("finger image of {width} × {height} px")));
        }
        if pixels.len() != width as usize * height as usize {
            return Err(DeviceError::protocol(format!(
                "finger image of {width} × {height} px with {} bytes",
                pixels.len()
            )));
        }
        if ppi == 0 {
            return Err(DeviceError::protocol("finger image without a resolution"));
        }
        Ok(FingerImage { width, height, ppi, pixels })
    }

    pub fn width(&self) -> u32 {
        self.width
    }
    pub fn height(&self) -> u32 {
        self.height
    }
    pub fn ppi(&self) -> u16 {
        self.ppi
    }
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }
    pub fn into_pixels(self) -> Vec<u8> {
        self.pixels
    }
}

impl std::fmt::Debug for FingerImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FingerImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("ppi", &self.ppi)
            .field("bytes", &self.pixels.len())
            .finish()
    }
}

/// What one capture of one finger gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FingerCapture {
    /// `quality`: NFIQ 2 style, 0 (unusable) to 100 (best).
    Captured { quality: u8, image: FingerImage },
    /// This finger cannot be printed (missing, injured, no ridges): the plan asks the next one.
    NotPossible,
}

/// A fingerprint reader. Blocking: `capture` waits for the finger on the glass, so the desk core (tokio)
/// calls it from `tokio::task::spawn_blocking`.
pub trait FingerprintReader: Send + Sync {
    fn capture(&self, finger: Finger) -> Result<FingerCapture, DeviceError>;
}
