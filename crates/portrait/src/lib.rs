//! The producer copy of the passport photo.
//!
//! BSI TR-03121-3 Vol. 2 (FM COD-FI-PRD, domain.md §2.1): the register keeps the accepted JPEG
//! (≥ 1244 × 1600, 35:45); the copy sent to the document producer must be **exactly 622 × 800 px,
//! JPEG 2000, highest quality**. [`producer_copy`] makes it from the register JPEG:
//!
//! 1. decode the JPEG (the `image` crate) with hard limits — at most 32 MiB, 6000 × 8000 and
//!    40 megapixels, checked against the header before any pixel is decoded — and refuse a file cut
//!    short (no end-of-image marker after the last scan);
//! 2. crop centred to 622:800 if the aspect ratio differs (see [`crop_window`] for the tolerance) and
//!    refuse anything whose window is smaller than 622 × 800: it is never upscaled;
//! 3. downscale with Lanczos3 to exactly 622 × 800, 24-bit RGB (a greyscale JPEG becomes three equal
//!    channels);
//! 4. encode with OpenJPEG as JPEG 2000 in the JP2 container, **losslessly** (see below);
//! 5. decode the result again with OpenJPEG and require 622 × 800, three 8-bit sRGB components and
//!    the very pixels of step 3. Anything else is [`PortraitError::CheckFailed`], never a bad copy.
//!
//! # Why lossless
//!
//! "Highest quality" leaves the choice between the reversible 5/3 wavelet (lossless) and a high rate
//! with the irreversible 9/7 wavelet (visually lossless). We take lossless:
//! - the TR forbids repeated lossy compression (FM COM-FI-GENERIC): the register JPEG is already the
//!   one allowed lossy step, and the producer compresses our copy to 17 kB for the chip, so ours must
//!   add no loss of its own;
//! - the check can then demand identical pixels instead of a PSNR threshold, which catches any codec
//!   or wrapper fault;
//! - the size does not matter (0.4 MB for the synthetic 622 × 800 test image, 1.5 MB raw; the
//!   producer recompresses it to 17 kB anyway).
//!
//! All `unsafe` code lives in the private `openjpeg` module (OpenJPEG through `openjpeg-sys`, bundled
//! and compiled with cc: no system library).

#![deny(unsafe_code)]

mod error;
mod jpeg;
#[allow(unsafe_code)]
mod openjpeg;

use std::fmt;

use image::imageops::{self, FilterType};
use image::RgbImage;

pub use error::{PortraitError, ERROR_CODES};
pub use openjpeg::JP2_SIGNATURE;

/// Width of the producer copy in pixels (TR-03121 FM COD-FI-PRD).
pub const PRODUCER_WIDTH: u32 = 622;
/// Height of the producer copy in pixels (TR-03121 FM COD-FI-PRD).
pub const PRODUCER_HEIGHT: u32 = 800;

/// Largest register JPEG accepted, in bytes.
pub const MAX_JPEG_BYTES: usize = jpeg::MAX_BYTES;
/// Largest width and height of an image read (register JPEG or JP2), and its largest pixel count.
pub const MAX_WIDTH: u32 = jpeg::MAX_WIDTH;
pub const MAX_HEIGHT: u32 = jpeg::MAX_HEIGHT;
pub const MAX_PIXELS: u64 = jpeg::MAX_PIXELS;

/// The copy for the document producer: a JP2 file of exactly 622 × 800 px that has been decoded again
/// and found identical to the downscaled register image.
#[derive(Clone, PartialEq, Eq)]
pub struct ProducerCopy {
    /// The JP2 file (starts with [`JP2_SIGNATURE`]).
    pub jp2: Vec<u8>,
    /// Always [`PRODUCER_WIDTH`].
    pub width: u32,
    /// Always [`PRODUCER_HEIGHT`].
    pub height: u32,
}

/// Never prints the image (it is personal data), only its size.
impl fmt::Debug for ProducerCopy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProducerCopy")
            .field("jp2_bytes", &self.jp2.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

/// Makes the producer copy from the register JPEG: exactly 622 × 800 px, lossless JPEG 2000 (JP2),
/// checked by decoding it. See the crate documentation for the steps.
pub fn producer_copy(register_jpeg: &[u8]) -> Result<ProducerCopy, PortraitError> {
    let pixels = producer_image(register_jpeg)?;
    let jp2 = openjpeg::encode_lossless(&pixels)?;
    check(&jp2, &pixels)?;
    tracing::debug!(bytes = jp2.len(), "producer copy encoded and checked");
    Ok(ProducerCopy { jp2, width: PRODUCER_WIDTH, height: PRODUCER_HEIGHT })
}

/// The pixels of the producer copy before encoding: the register JPEG decoded, cropped centred to
/// 622:800 and downscaled with Lanczos3 to exactly 622 × 800, 24-bit RGB. [`producer_copy`] encodes
/// exactly these; a test can compare [`decode_jp2`] of the copy with them.
pub fn producer_image(register_jpeg: &[u8]) -> Result<RgbImage, PortraitError> {
    let jpeg = jpeg::Jpeg::open(register_jpeg)?;
    let (width, height) = (jpeg.width, jpeg.height);
    let window = crop_window(width, height);
    if window.width < PRODUCER_WIDTH || window.height < PRODUCER_HEIGHT {
        return Err(PortraitError::TooSmall { width, height });
    }
    let rgb = jpeg.decode()?;
    let cropped = if (window.width, window.height) == (width, height) {
        rgb
    } else {
        imageops::crop_imm(&rgb, window.x, window.y, window.width, window.height).to_image()
    };
    if cropped.dimensions() == (PRODUCER_WIDTH, PRODUCER_HEIGHT) {
        return Ok(cropped);
    }
    Ok(imageops::resize(&cropped, PRODUCER_WIDTH, PRODUCER_HEIGHT, FilterType::Lanczos3))
}

/// Decodes a JP2 file with OpenJPEG into 24-bit RGB. It must hold exactly three 8-bit unsigned sRGB
/// components at full resolution, at most [`MAX_WIDTH`] × [`MAX_HEIGHT`] and [`MAX_PIXELS`] (checked
/// from its header before decoding); a truncated or otherwise damaged file is
/// [`PortraitError::Jp2Invalid`], never a partial image. Also what tests elsewhere use to see what the
/// producer received.
pub fn decode_jp2(bytes: &[u8]) -> Result<RgbImage, PortraitError> {
    let limits = openjpeg::DecodeLimits { max_width: MAX_WIDTH, max_height: MAX_HEIGHT, max_pixels: MAX_PIXELS };
    openjpeg::decode_rgb(bytes, &limits)
}

/// The window cut out of the source before downscaling, in source pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CropWindow {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// The largest centred 622:800 window of a `width` × `height` image.
///
/// Tolerance: the window is computed in whole source pixels, rounding the cropped side to the
/// nearest pixel. An image whose aspect ratio is off by less than half a source pixel across the
/// cropped side is therefore not cropped at all (the residual distortion, below 0.5 / 1244 = 0.04 %
/// for a register copy, vanishes in the downscale); 35:45 itself (0.77778 against 0.7775) costs at most
/// one pixel column. Any larger deviation is cropped away symmetrically (the odd pixel, if any, on the
/// right or bottom).
pub fn crop_window(width: u32, height: u32) -> CropWindow {
    let (w, h) = (u64::from(width), u64::from(height));
    let (pw, ph) = (u64::from(PRODUCER_WIDTH), u64::from(PRODUCER_HEIGHT));
    let (cw, ch) = if w * ph > h * pw {
        // too wide: keep the height
        (((h * pw + ph / 2) / ph).min(w), h)
    } else {
        // too tall (or exact): keep the width
        (w, ((w * ph + pw / 2) / pw).min(h))
    };
    // cw <= w and ch <= h, so both fit in u32
    CropWindow { x: ((w - cw) / 2) as u32, y: ((h - ch) / 2) as u32, width: cw as u32, height: ch as u32 }
}

/// Decodes the encoded copy again and requires exactly the pixels that were encoded.
fn check(jp2: &[u8], expected: &RgbImage) -> Result<(), PortraitError> {
    let failed = |reason: String| PortraitError::CheckFailed { reason };
    let decoded = decode_jp2(jp2).map_err(|e| match e {
        PortraitError::Jp2Invalid { reason } => failed(format!("nicht dekodierbar: {reason}")),
        other => failed(other.code().to_owned()),
    })?;
    if decoded.dimensions() != (PRODUCER_WIDTH, PRODUCER_HEIGHT) {
        let (w, h) = decoded.dimensions();
        return Err(failed(format!("{w} × {h} statt {PRODUCER_WIDTH} × {PRODUCER_HEIGHT} Pixel")));
    }
    if decoded.dimensions() != expected.dimensions() {
        return Err(failed("Größe weicht vom Ausgangsbild ab".into()));
    }
    let differing = decoded.as_raw().iter().zip(expected.as_raw()).filter(|(a, b)| a != b).count();
    if differing > 0 {
        return Err(failed(format!("{differing} von {} Werten weichen vom Ausgangsbild ab", expected.as_raw().len())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn crop_window_keeps_exact_ratios_and_centres_the_rest() {
        let full = |width, height| CropWindow { x: 0, y: 0, width, height };
        assert_eq!(crop_window(1244, 1600), full(1244, 1600));
        assert_eq!(crop_window(622, 800), full(622, 800));
        assert_eq!(crop_window(2488, 3200), full(2488, 3200));
        // 35:45 exactly: within half a pixel of 622:800, so nothing is cut
        assert_eq!(crop_window(1400, 1800), full(1400, 1800));
        // too wide: 1600 × 622 / 800 = 1244 columns, 28 on each side go
        assert_eq!(crop_window(1300, 1600), CropWindow { x: 28, y: 0, width: 1244, height: 1600 });
        // too tall: 1244 × 800 / 622 = 1600 rows, 50 on each side go
        assert_eq!(crop_window(1244, 1700), CropWindow { x: 0, y: 50, width: 1244, height: 1600 });
        // an odd remainder leaves the extra pixel on the right
        assert_eq!(crop_window(1245, 1600), CropWindow { x: 0, y: 0, width: 1244, height: 1600 });
        assert_eq!(crop_window(1247, 1600), CropWindow { x: 1, y: 0, width: 1244, height: 1600 });
        // degenerate sizes do not panic
        assert_eq!(crop_window(0, 0), full(0, 0));
        assert_eq!(crop_window(1, 60000).width, 1);
        assert_eq!(crop_window(u32::MAX, 1).height, 1);
    }

    fn gradient() -> RgbImage {
        RgbImage::from_fn(PRODUCER_WIDTH, PRODUCER_HEIGHT, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
        })
    }

    #[test]
    fn lossless_round_trip_passes_the_check() {
        let pixels = gradient();
        let jp2 = openjpeg::encode_lossless(&pixels).unwrap();
        assert!(jp2.starts_with(&JP2_SIGNATURE));
        check(&jp2, &pixels).unwrap();
    }

    #[test]
    fn check_refuses_a_copy_that_differs_by_one_value() {
        let pixels = gradient();
        let jp2 = openjpeg::encode_lossless(&pixels).unwrap();
        let mut other = pixels.clone();
        other.get_pixel_mut(300, 400).0[1] ^= 1;
        let err = check(&jp2, &other).unwrap_err();
        assert_eq!(err.code(), "portrait_check_failed");
        assert!(err.to_string().contains("1 von 1492800 Werten"), "{err}");
    }

    #[test]
    fn check_refuses_the_wrong_size_and_bytes_that_do_not_decode() {
        let small = RgbImage::from_pixel(311, 400, Rgb([10, 20, 30]));
        let jp2 = openjpeg::encode_lossless(&small).unwrap();
        assert_eq!(check(&jp2, &gradient()).unwrap_err().code(), "portrait_check_failed");
        assert_eq!(check(b"not a jp2", &gradient()).unwrap_err().code(), "portrait_check_failed");
    }

    #[test]
    fn debug_does_not_print_the_image() {
        let copy = ProducerCopy { jp2: vec![0xAB; 3], width: 622, height: 800 };
        assert_eq!(format!("{copy:?}"), "ProducerCopy { jp2_bytes: 3, width: 622, height: 800 }");
    }
}
