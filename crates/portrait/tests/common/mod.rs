//! Synthetic test images: gradients, shapes and fine noise, no faces and no personal data.

#![allow(dead_code)]

use std::sync::OnceLock;

use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, GrayImage, Rgb, RgbImage};
use schalter_portrait::ProducerCopy;

/// Deterministic noise in [-1, 1] per pixel (a SplitMix64 finaliser).
fn noise(x: u32, y: u32) -> f32 {
    let mut z = u64::from(x) << 32 | u64::from(y);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 40) as f32 / (1u64 << 23) as f32 - 1.0
}

/// A colour scene at any size: graded background, an ellipse, a rectangle, stripes and grain.
pub fn scene(width: u32, height: u32) -> RgbImage {
    let (w, h) = (width as f32, height as f32);
    RgbImage::from_fn(width, height, |x, y| {
        let (u, v) = ((x as f32 + 0.5) / w, (y as f32 + 0.5) / h);
        let mut c = [200.0 - 40.0 * v, 190.0 + 30.0 * u, 230.0 - 20.0 * u * v];
        if ((u - 0.5) / 0.25).powi(2) + ((v - 0.4) / 0.2).powi(2) < 1.0 {
            c = [210.0 - 60.0 * v, 160.0, 120.0 + 40.0 * u];
        }
        if v > 0.75 && (u - 0.5).abs() < 0.4 {
            let stripe = ((x / 6 + y / 6) % 2) as f32;
            c = [50.0 + 30.0 * stripe, 60.0, 100.0 + 20.0 * stripe];
        }
        let n = noise(x, y) * 6.0;
        Rgb(c.map(|value| (value + n).clamp(0.0, 255.0) as u8))
    })
}

/// The image as a JPEG at quality 95 (a camera's "highest quality" is not 100 either).
pub fn jpeg(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 95)
        .encode(image.as_raw(), image.width(), image.height(), ExtendedColorType::Rgb8)
        .unwrap();
    out
}

pub fn grey_jpeg(image: &GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 95)
        .encode(image.as_raw(), image.width(), image.height(), ExtendedColorType::L8)
        .unwrap();
    out
}

/// A valid register copy: 1244 × 1600 colour JPEG (made once per test binary: unoptimised, making and
/// decoding it takes seconds).
pub fn register_jpeg() -> &'static [u8] {
    static JPEG: OnceLock<Vec<u8>> = OnceLock::new();
    JPEG.get_or_init(|| jpeg(&scene(1244, 1600)))
}

/// The producer copy of [`register_jpeg`], made once per test binary.
pub fn register_copy() -> &'static ProducerCopy {
    static COPY: OnceLock<ProducerCopy> = OnceLock::new();
    COPY.get_or_init(|| schalter_portrait::producer_copy(register_jpeg()).unwrap())
}

/// `bytes` with the dimensions of its (first) baseline frame header replaced.
pub fn with_declared_size(bytes: &[u8], width: u16, height: u16) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let sof = out.windows(2).position(|w| w == [0xFF, 0xC0]).expect("baseline JPEG");
    out[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    out
}
