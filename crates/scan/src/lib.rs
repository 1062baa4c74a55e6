//! Decoding of the TR-03170 photo code (Data Matrix ECC 200) and of QR codes from camera frames and
//! image files.
//!
//! Citizens call the printed Data Matrix a "QR code" and some bring real QR codes, so both are read;
//! Data Matrix is tried first because it is what the standard prints. Nothing here parses the payload:
//! the caller hands [`Decoded::text`] (the Base64 text) to the photo-code parser.
//!
//! Decoder: `rxing` (pure Rust port of ZXing, with the zxing-cpp Data Matrix and QR detectors), chosen
//! by `examples/scan-bench.rs` on 96 synthetic webcam frames (640×480 and 1280×720; clean, rotated
//! 10°/30°, blurred, noisy, tilted; 200-character payload). Release build, in-process:
//! this crate 96/96 frames, median 1.0 ms (640×480) and 2.4 ms (1280×720), 14–22 ms for a 1280×720 frame
//! without a code; libdmtx + zbar 71/96, median 8 / 24 ms, up to 15 s on a Data Matrix frame libdmtx
//! cannot read; rqrr (QR only) 34/48, median 11 / 30 ms.

use std::collections::HashSet;
use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat};
use rxing::common::HybridBinarizer;
use rxing::datamatrix::DataMatrixReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::qrcode::QRCodeReader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8Source, Reader};

/// Largest image file accepted by [`decode_image_file`]; a phone photo is well below this.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Largest width or height accepted, checked against the file header before any pixel is decoded.
pub const MAX_DIMENSION: u32 = 8000;
/// Upper bound for the decoder's allocations, so a 16-bit RGBA file at the maximum size is refused
/// instead of taking half a gigabyte.
const MAX_DECODE_ALLOC: u64 = 320 * 1024 * 1024;
/// Longest side the first decode attempt of an image file works on. Phone photos are 3000–4000 px
/// wide; at that size the detector's cost grows with the pixel count while the code's modules are
/// still many pixels wide after halving.
const FILE_FAST_SIDE: u32 = 2048;
/// Images whose longest side is below this are also tried enlarged (see [`decode_image_file`]).
const FILE_MIN_SIDE: u32 = 400;

/// One 8-bit luminance frame, row-major, `width * height` bytes.
#[derive(Debug, Clone, Copy)]
pub struct GrayFrame<'a> {
    pub width: u32,
    pub height: u32,
    pub luma: &'a [u8],
}

/// Which kind of 2D code was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Symbology {
    DataMatrix,
    Qr,
}

/// The text of the first code found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub symbology: Symbology,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("Das Bild kann nicht gelesen werden (nur PNG oder JPEG): {0}")]
    ImageUnreadable(String),
    #[error("Das Bild ist zu groß: {0}")]
    ImageTooLarge(String),
    #[error("Im Bild wurde kein Data-Matrix- oder QR-Code gefunden.")]
    NoCodeFound,
    #[error("Ungültiges Kamerabild: {0}")]
    InvalidFrame(String),
}

impl ScanError {
    /// Stable machine-readable code, used by the UI and in logs.
    pub fn code(&self) -> &'static str {
        match self {
            ScanError::ImageUnreadable(_) => "image_unreadable",
            ScanError::ImageTooLarge(_) => "image_too_large",
            ScanError::NoCodeFound => "no_code_found",
            ScanError::InvalidFrame(_) => "invalid_frame",
        }
    }
}

/// Looks for a Data Matrix, then a QR code in one camera frame (in each pass of the pipeline, see
/// `decode_luma`). `Ok(None)` means "nothing in this frame", the normal case while the citizen is still
/// holding the paper up. Costs 1–3 ms for a typical frame with a code and 14–22 ms at 1280×720
/// without one (release build), so a camera loop at 10 frames/s stays far below one core.
pub fn decode_frame(frame: &GrayFrame) -> Result<Option<Decoded>, ScanError> {
    check_dimensions(frame.width, frame.height)?;
    let expected = frame.width as usize * frame.height as usize;
    if frame.luma.len() != expected {
        return Err(ScanError::InvalidFrame(format!(
            "{} Bytes für {}×{} Pixel, erwartet {expected}",
            frame.luma.len(),
            frame.width,
            frame.height
        )));
    }
    Ok(decode_luma(frame.luma, frame.width, frame.height))
}

/// Same as [`decode_frame`] for an RGBA frame as a browser canvas delivers it (`getImageData`).
pub fn decode_rgba_frame(width: u32, height: u32, rgba: &[u8]) -> Result<Option<Decoded>, ScanError> {
    check_dimensions(width, height)?;
    let expected = width as usize * height as usize * 4;
    if rgba.len() != expected {
        return Err(ScanError::InvalidFrame(format!(
            "{} Bytes für {width}×{height} RGBA-Pixel, erwartet {expected}",
            rgba.len()
        )));
    }
    let luma: Vec<u8> = rgba.chunks_exact(4).map(|p| rgb_to_luma(p[0], p[1], p[2])).collect();
    decode_frame(&GrayFrame { width, height, luma: &luma })
}

/// Reads a PNG or JPEG file (e.g. a scan or a phone photo of the code) and decodes the code in it.
/// Size and dimensions are checked before pixels are decoded, so a hostile file cannot make us
/// allocate gigabytes.
pub fn decode_image_file(bytes: &[u8]) -> Result<Decoded, ScanError> {
    let luma = load_luma(bytes)?;
    let (width, height) = luma.dimensions();
    let pixels = luma.into_raw();

    let longest = width.max(height);
    if longest > FILE_FAST_SIDE {
        let factor = longest.div_ceil(FILE_FAST_SIDE);
        let (small, sw, sh) = downscale(&pixels, width, height, factor);
        if let Some(found) = decode_luma(&small, sw, sh) {
            return Ok(found);
        }
    }
    if let Some(found) = decode_luma(&pixels, width, height) {
        return Ok(found);
    }
    if longest < FILE_MIN_SIDE {
        // A code saved straight from a PDF or e-mail can have one pixel per module, too fine for the
        // detectors' edge tracing; enlarging it with hard edges restores what a print would show.
        let factor = FILE_MIN_SIDE.div_ceil(longest).min(8);
        let (big, bw, bh) = upscale(&pixels, width, height, factor);
        if let Some(found) = decode_luma(&big, bw, bh) {
            return Ok(found);
        }
    }
    Err(ScanError::NoCodeFound)
}

fn load_luma(bytes: &[u8]) -> Result<image::GrayImage, ScanError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ScanError::ImageTooLarge(format!("{} Bytes, höchstens {MAX_FILE_BYTES} erlaubt", bytes.len())));
    }
    let format = image::guess_format(bytes).map_err(|e| ScanError::ImageUnreadable(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);

    // The concrete decoders read only the header in `new`, so the dimension check below happens
    // before any pixel data is touched.
    let image = match format {
        ImageFormat::Png => {
            let decoder =
                image::codecs::png::PngDecoder::with_limits(Cursor::new(bytes), limits).map_err(map_image_error)?;
            decode_checked(decoder)?
        }
        ImageFormat::Jpeg => {
            let mut decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(bytes)).map_err(map_image_error)?;
            decoder.set_limits(limits).map_err(map_image_error)?;
            decode_checked(decoder)?
        }
        other => {
            return Err(ScanError::ImageUnreadable(format!("Format {other:?} wird nicht unterstützt")));
        }
    };
    Ok(image.into_luma8())
}

fn decode_checked(decoder: impl ImageDecoder) -> Result<DynamicImage, ScanError> {
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height)?;
    DynamicImage::from_decoder(decoder).map_err(map_image_error)
}

fn map_image_error(e: image::ImageError) -> ScanError {
    match e {
        image::ImageError::Limits(l) => ScanError::ImageTooLarge(l.to_string()),
        other => ScanError::ImageUnreadable(other.to_string()),
    }
}

fn check_dimensions(width: u32, height: u32) -> Result<(), ScanError> {
    if width == 0 || height == 0 {
        return Err(ScanError::InvalidFrame(format!("leeres Bild ({width}×{height})")));
    }
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        return Err(ScanError::ImageTooLarge(format!(
            "{width}×{height} Pixel, höchstens {MAX_DIMENSION}×{MAX_DIMENSION} erlaubt"
        )));
    }
    Ok(())
}

/// ITU-R BT.601 weights in 8-bit fixed point, the same luma the browser and `image` use.
fn rgb_to_luma(r: u8, g: u8, b: u8) -> u8 {
    ((77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b) + 128) >> 8) as u8
}

/// Nearest-neighbour enlargement by an integer factor.
fn upscale(luma: &[u8], width: u32, height: u32, factor: u32) -> (Vec<u8>, u32, u32) {
    let (w, f) = (width as usize, factor as usize);
    let mut out = Vec::with_capacity(luma.len() * f * f);
    for row in luma.chunks_exact(w) {
        let wide: Vec<u8> = row.iter().flat_map(|&v| std::iter::repeat_n(v, f)).collect();
        for _ in 0..f {
            out.extend_from_slice(&wide);
        }
    }
    (out, width * factor, height * factor)
}

/// Box-filter downscale by an integer factor; averaging (not skipping) keeps thin modules visible.
fn downscale(luma: &[u8], width: u32, height: u32, factor: u32) -> (Vec<u8>, u32, u32) {
    let (w, h, f) = (width as usize, height as usize, factor as usize);
    let (sw, sh) = (w / f, h / f);
    let mut out = vec![0u8; sw * sh];
    let area = (f * f) as u32;
    let mut acc = vec![0u32; sw];
    for sy in 0..sh {
        acc.fill(0);
        for row in luma[sy * f * w..(sy + 1) * f * w].chunks_exact(w) {
            for (sx, a) in acc.iter_mut().enumerate() {
                *a += row[sx * f..(sx + 1) * f].iter().map(|&v| u32::from(v)).sum::<u32>();
            }
        }
        for (o, a) in out[sy * sw..(sy + 1) * sw].iter_mut().zip(&acc) {
            *o = ((a + area / 2) / area) as u8;
        }
    }
    (out, sw as u32, sh as u32)
}

/// The decode passes, cheapest first; the first hit wins. Measured with `scan-bench` (see the crate
/// docs): the plain pass reads almost every clean, rotated or blurred frame in 1–3 ms; sensor noise
/// breaks the detectors' edge tracing, and a 3×3 box blur (noise σ/3, harmless at ≥3 px per module)
/// fixes nearly all of it; `try_harder` (denser finder-pattern scan, ZXing's second QR detector, the
/// pure-barcode fallback) rescues the rest at several times the cost, so it runs only after both
/// quick passes came up empty.
fn decode_luma(luma: &[u8], width: u32, height: u32) -> Option<Decoded> {
    if let Some(found) = decode_pass(luma, width, height, false) {
        return Some(found);
    }
    let smoothed = box_blur3(luma, width as usize, height as usize);
    decode_pass(&smoothed, width, height, false)
        .or_else(|| decode_pass(luma, width, height, true))
        .or_else(|| decode_pass(&smoothed, width, height, true))
}

/// 3×3 mean filter (edges clamped), separable in 16-bit sums.
fn box_blur3(luma: &[u8], w: usize, h: usize) -> Vec<u8> {
    let mut tmp = vec![0u16; w * h];
    for y in 0..h {
        let row = &luma[y * w..(y + 1) * w];
        for x in 0..w {
            let l = row[x.saturating_sub(1)];
            let r = row[(x + 1).min(w - 1)];
            tmp[y * w + x] = u16::from(l) + u16::from(row[x]) + u16::from(r);
        }
    }
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        let up = y.saturating_sub(1);
        let down = (y + 1).min(h - 1);
        for x in 0..w {
            let s = u32::from(tmp[up * w + x]) + u32::from(tmp[y * w + x]) + u32::from(tmp[down * w + x]);
            out[y * w + x] = ((s + 4) / 9) as u8;
        }
    }
    out
}

fn decode_pass(luma: &[u8], width: u32, height: u32, try_harder: bool) -> Option<Decoded> {
    let source = Luma8Source::new_with_slice(luma, width, height).ok()?;
    // One bitmap for both readers: the binarized matrix is computed once and cached.
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let hints = DecodeHints {
        TryHarder: Some(try_harder),
        // Restricting the QR reader to plain QR skips its Micro-QR and rMQR searches.
        PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE, BarcodeFormat::DATA_MATRIX])),
        ..DecodeHints::default()
    };
    if let Ok(r) = DataMatrixReader.decode_with_hints(&mut bitmap, &hints) {
        return Some(Decoded { text: r.getText().to_owned(), symbology: Symbology::DataMatrix });
    }
    let qr = QrReader.decode_with_hints(&mut bitmap, &hints).or_else(|_| {
        // The ZXing Java-port reader finds some codes the cpp port misses (e.g. strong perspective).
        if try_harder {
            QRCodeReader.decode_with_hints(&mut bitmap, &hints)
        } else {
            Err(rxing::Exceptions::NOT_FOUND)
        }
    });
    qr.ok().map(|r| Decoded { text: r.getText().to_owned(), symbology: Symbology::Qr })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(ScanError::NoCodeFound.code(), "no_code_found");
        assert_eq!(ScanError::ImageTooLarge(String::new()).code(), "image_too_large");
        assert_eq!(ScanError::ImageUnreadable(String::new()).code(), "image_unreadable");
        assert_eq!(ScanError::InvalidFrame(String::new()).code(), "invalid_frame");
    }

    #[test]
    fn frame_with_wrong_length_is_rejected() {
        let luma = [0u8; 10];
        let err = decode_frame(&GrayFrame { width: 4, height: 4, luma: &luma }).unwrap_err();
        assert_eq!(err.code(), "invalid_frame");
    }

    #[test]
    fn huge_frame_is_rejected_before_reading() {
        let err = decode_frame(&GrayFrame { width: 9000, height: 10, luma: &[] }).unwrap_err();
        assert_eq!(err.code(), "image_too_large");
    }

    #[test]
    fn blank_frame_has_no_code() {
        let luma = vec![200u8; 64 * 48];
        assert_eq!(decode_frame(&GrayFrame { width: 64, height: 48, luma: &luma }), Ok(None));
    }

    #[test]
    fn downscale_averages_blocks() {
        let luma = [0, 255, 10, 10, 0, 255, 10, 10];
        let (out, w, h) = downscale(&luma, 4, 2, 2);
        assert_eq!((w, h), (2, 1));
        assert_eq!(out, vec![128, 10]);
    }

    #[test]
    fn upscale_repeats_pixels() {
        let (out, w, h) = upscale(&[1, 2, 3, 4], 2, 2, 2);
        assert_eq!((w, h), (4, 4));
        assert_eq!(out, vec![1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    }

    #[test]
    fn box_blur_averages_neighbours() {
        let mut luma = vec![0u8; 9];
        luma[4] = 90;
        let out = box_blur3(&luma, 3, 3);
        assert_eq!(out, vec![10; 9]);
    }

    #[test]
    fn rgba_is_converted_to_luma() {
        assert_eq!(rgb_to_luma(255, 255, 255), 255);
        assert_eq!(rgb_to_luma(0, 0, 0), 0);
        let err = decode_rgba_frame(2, 2, &[0; 15]).unwrap_err();
        assert_eq!(err.code(), "invalid_frame");
    }
}
