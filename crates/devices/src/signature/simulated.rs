//! A pad for the demo and the tests: a deterministic synthetic scribble, no real person's signature.

use std::f32::consts::PI;

use super::{PadSize, SignaturePad, SignaturePoint, SignatureStrokes, Stroke};
use crate::DeviceError;

/// Returns at once a smooth scribble drawn from its seed: two "words" of looped letters, sometimes
/// with an underline. Same seed, same strokes. Its pad has 2000 × 600 units over 100 × 30 mm.
#[derive(Debug, Clone)]
pub struct SimulatedSignaturePad {
    seed: u64,
    empty: bool,
}

impl SimulatedSignaturePad {
    pub const PAD: PadSize = PadSize { width: 2000.0, height: 600.0, width_mm: 100.0, height_mm: 30.0 };

    pub fn new(seed: u64) -> Self {
        SimulatedSignaturePad { seed, empty: false }
    }

    /// A pad whose applicant only taps it once: `capture` returns a single dot (the render refuses it).
    pub fn tapped_once() -> Self {
        SimulatedSignaturePad { seed: 0, empty: true }
    }

    /// The strokes `capture` returns, without the trait.
    pub fn strokes(&self) -> SignatureStrokes {
        if self.empty {
            let dot = SignaturePoint { x: 1000.0, y: 300.0, pressure: Some(0.5) };
            return SignatureStrokes { strokes: vec![Stroke { points: vec![dot, dot] }] };
        }
        scribble(self.seed)
    }
}

impl SignaturePad for SimulatedSignaturePad {
    fn pad_size(&self) -> PadSize {
        Self::PAD
    }

    fn capture(&self) -> Result<SignatureStrokes, DeviceError> {
        Ok(self.strokes())
    }
}

/// SplitMix64: a tiny, fixed generator, so the scribble does not change with a dependency's version.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi)`.
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next() >> 40) as f32 / (1u64 << 24) as f32)
    }
}

const SAMPLES_PER_LETTER: usize = 48;

fn scribble(seed: u64) -> SignatureStrokes {
    let mut rng = SplitMix(seed ^ 0x5C4A_17E5);
    let pad = SimulatedSignaturePad::PAD;
    let clamp = |x: f32, y: f32| (x.clamp(0.0, pad.width), y.clamp(0.0, pad.height));
    let slant = rng.range(0.15, 0.4);
    let mut strokes = Vec::new();
    let mut x = rng.range(60.0, 140.0);
    let baseline = rng.range(380.0, 430.0);
    let (start_x, mut end_x) = (x, x);
    for word in 0..2 {
        let letters = 4 + (rng.next() % 4) as usize;
        let drift = rng.range(-25.0, 25.0);
        let phase = rng.range(0.0, 2.0 * PI);
        let mut points = Vec::with_capacity(letters * SAMPLES_PER_LETTER);
        for letter in 0..letters {
            let radius = rng.range(14.0, 18.0);
            let loop_depth = radius * rng.range(1.3, 2.1);
            let height = rng.range(110.0, 230.0) * if letter == 0 { 1.5 } else { 1.0 };
            for s in 0..SAMPLES_PER_LETTER {
                let theta = 2.0 * PI * s as f32 / SAMPLES_PER_LETTER as f32;
                let along = (letter * SAMPLES_PER_LETTER + s) as f32 / (letters * SAMPLES_PER_LETTER) as f32;
                let base = baseline + drift * along;
                let up = height * (1.0 - theta.cos()) / 2.0;
                let (px, py) = clamp(x + radius * theta + loop_depth * theta.sin() + slant * up, base - up);
                let taper = ((along * 8.0).min((1.0 - along) * 8.0)).clamp(0.15, 1.0);
                let pressure = (0.55 + 0.3 * (theta * 0.5 + phase + word as f32).sin()) * taper;
                points.push(SignaturePoint { x: px, y: py, pressure: Some(pressure.clamp(0.0, 1.0)) });
            }
            x += 2.0 * PI * radius;
        }
        end_x = x;
        strokes.push(Stroke { points });
        x += rng.range(90.0, 150.0);
    }
    if rng.next().is_multiple_of(2) {
        let n = 60;
        let bow = rng.range(10.0, 30.0);
        let points = (0..=n)
            .map(|i| {
                let t = i as f32 / n as f32;
                let (px, py) = clamp(start_x + (end_x - start_x) * t, baseline + 50.0 + bow * (PI * t).sin());
                SignaturePoint { x: px, y: py, pressure: Some(0.3 + 0.4 * (PI * t).sin()) }
            })
            .collect();
        strokes.push(Stroke { points });
    }
    SignatureStrokes { strokes }
}
