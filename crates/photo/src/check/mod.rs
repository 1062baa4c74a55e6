//! TR-03121-3 checks of a decrypted photo that need no face detector.
//!
//! Hard refusals (`Err`) protect the desk: too many bytes, not a JPEG, a damaged file, or a header
//! announcing more pixels than we will decode. Everything else is a [`PhotoReport`] the clerk sees
//! next to the photo; the clerk decides (TR-03121 keeps the operator's veto).

mod jpeg;

use std::io::Cursor;

use image::{DynamicImage, ImageError, ImageFormat, ImageReader};
use serde::Serialize;

use crate::PhotoError;

/// Live and cloud images: at least 1244 × 1600 pixels (TR-03121-3 Vol. 2, FM COD-FI-GID).
pub const MIN_WIDTH: u32 = 1244;
pub const MIN_HEIGHT: u32 = 1600;

/// Check ids, stable for programs and the UI.
pub const MIN_SIZE: &str = "min_size";
pub const COLOUR: &str = "colour";
pub const ASPECT: &str = "aspect";
pub const NO_UPSCALING: &str = "no_upscaling";

/// Hard limits for a file from outside. The pixel limits are checked against the JPEG header before
/// the decoder allocates anything, and handed to the decoder as well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_width: u32,
    pub max_height: u32,
    pub max_pixels: u64,
}

impl Default for Limits {
    /// A camera photo at highest JPEG quality is a few MiB; 40 Mpx leaves room for any real camera
    /// and still caps the decoded RGB buffer at 120 MB.
    fn default() -> Self {
        Limits { max_bytes: 8 * 1024 * 1024, max_width: 6000, max_height: 8000, max_pixels: 40_000_000 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub id: &'static str,
    pub passed: bool,
    /// German, for the clerk.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhotoReport {
    pub width: u32,
    pub height: u32,
    pub checks: Vec<CheckResult>,
    pub all_passed: bool,
}

impl PhotoReport {
    pub fn check(&self, id: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// Checks a decrypted photo. See the module docs for what is an error and what a failed check.
pub fn check_photo(bytes: &[u8], limits: &Limits) -> Result<PhotoReport, PhotoError> {
    if bytes.len() > limits.max_bytes {
        return Err(PhotoError::PhotoTooLarge { size: bytes.len(), max: limits.max_bytes });
    }
    let structure = jpeg::walk(bytes, limits)?;
    let frame = structure.frame;
    let image = decode(bytes, frame.width, frame.height, limits)?;

    let checks = vec![
        min_size(frame.width, frame.height),
        colour(&structure, &image),
        aspect(frame.width, frame.height),
        no_upscaling(&image),
    ];
    let all_passed = checks.iter().all(|c| c.passed);
    Ok(PhotoReport { width: frame.width, height: frame.height, checks, all_passed })
}

fn decode(bytes: &[u8], width: u32, height: u32, limits: &Limits) -> Result<DynamicImage, PhotoError> {
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(limits.max_width);
    decoder_limits.max_image_height = Some(limits.max_height);
    // The decoded image (at most 4 bytes per pixel) plus the decoder's copy of the file and its
    // working buffers.
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(4).saturating_add(2 * limits.max_bytes as u64));
    let mut reader = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Jpeg);
    reader.limits(decoder_limits);
    let image = reader.decode().map_err(|e| match e {
        ImageError::Limits(_) => PhotoError::DecompressionBomb { width, height },
        _ => PhotoError::CorruptJpeg,
    })?;
    if image.width() != width || image.height() != height {
        return Err(PhotoError::CorruptJpeg);
    }
    Ok(image)
}

fn result(id: &'static str, passed: bool, message: String) -> CheckResult {
    CheckResult { id, passed, message }
}

fn min_size(width: u32, height: u32) -> CheckResult {
    let passed = width >= MIN_WIDTH && height >= MIN_HEIGHT;
    let message = if passed {
        format!("Auflösung {width} × {height} Pixel (mindestens {MIN_WIDTH} × {MIN_HEIGHT}).")
    } else {
        format!(
            "Auflösung {width} × {height} Pixel ist zu klein; verlangt sind mindestens {MIN_WIDTH} × {MIN_HEIGHT}. Bitte ein neues Foto anfordern."
        )
    };
    result(MIN_SIZE, passed, message)
}

/// Mean over sampled pixels of (max channel − min channel). A colour photo of a person is far above
/// this (skin tones alone differ by several tens); a grey picture saved as RGB stays below 2 even
/// after JPEG rounding.
const GREY_CHROMA_LIMIT: f64 = 2.0;

fn colour(structure: &jpeg::Structure, image: &DynamicImage) -> CheckResult {
    let frame = structure.frame;
    let fail = |why: String| result(COLOUR, false, why);
    match frame.components {
        1 => return fail("Graustufenbild; verlangt ist ein 24-Bit-Farbbild (sRGB).".into()),
        4 => return fail("CMYK-Bild (Druckfarben); verlangt ist ein 24-Bit-Farbbild (sRGB).".into()),
        3 => {}
        n => return fail(format!("Bild mit {n} Farbkanälen; verlangt ist ein 24-Bit-Farbbild (sRGB).")),
    }
    if frame.precision != 8 {
        return fail(format!(
            "Bild mit {} Bit je Kanal; verlangt sind 8 Bit je Kanal (24-Bit-Farbbild).",
            frame.precision
        ));
    }
    if image.color() != image::ColorType::Rgb8 {
        return fail(
            "Das Farbformat des Bildes wird nicht unterstützt; verlangt ist ein 24-Bit-Farbbild (sRGB).".into(),
        );
    }
    if let Some(name) = structure.foreign_profile {
        return fail(format!("Farbprofil „{name}“; verlangt ist sRGB."));
    }
    if mean_chroma(image) < GREY_CHROMA_LIMIT {
        return fail("Das Bild ist als Farbbild gespeichert, zeigt aber nur Grautöne.".into());
    }
    result(COLOUR, true, "24-Bit-Farbbild (3 × 8 Bit).".into())
}

fn mean_chroma(image: &DynamicImage) -> f64 {
    let Some(rgb) = image.as_rgb8() else { return 0.0 };
    let (width, height) = (rgb.width() as usize, rgb.height() as usize);
    let (mut sum, mut n) = (0u64, 0u64);
    // Every 4th pixel in both directions is plenty for an average and 16 × cheaper. Rows are walked
    // as byte slices: 12 bytes are 4 pixels, of which the first counts.
    for row in rgb.as_raw().chunks_exact(3 * width).take(height).step_by(4) {
        for pixel in row.chunks(12) {
            let (r, g, b) = (pixel[0], pixel[1], pixel[2]);
            sum += u64::from(r.max(g).max(b) - r.min(g).min(b));
            n += 1;
        }
    }
    if n == 0 {
        0.0
    } else {
        sum as f64 / n as f64
    }
}

/// ±1 % around 35:45, which 1244:1600 and 622:800 meet (0.7775 vs 0.7778).
const ASPECT_TOLERANCE: f64 = 0.01;

fn aspect(width: u32, height: u32) -> CheckResult {
    let deviation = (f64::from(width) * 45.0) / (f64::from(height) * 35.0) - 1.0;
    let passed = deviation.abs() <= ASPECT_TOLERANCE;
    let message = if passed {
        "Seitenverhältnis 35:45.".to_owned()
    } else {
        format!(
            "Seitenverhältnis {width}:{height} weicht um {:.1} % von 35:45 ab (erlaubt ±1 %).",
            deviation.abs() * 100.0
        )
    };
    result(ASPECT, passed, message)
}

/// Energy of the finest detail (below two pixels) relative to the next coarser detail, in dB, at
/// or below which the image most likely was enlarged from a smaller one (see [`upscaling`]).
///
/// Measured on the synthetic portraits (tests and `examples/make_sample_photos.rs`) at JPEG quality
/// 75–90: drawn natively −1 … +2 dB, drawn at twice the size and reduced (like a camera image)
/// −2.5 … −5 dB; enlarged 2× with bilinear, Catmull-Rom or Lanczos −6.6 … −11.5 dB, enlarged 1.5×
/// −3 … −7 dB (caught in part). A blurred image looks the same as an enlarged one (−9 dB for a
/// Gaussian σ = 0.8 px), which TR-03121 wants refused as unsharp anyway. Nearest-neighbour
/// enlargement keeps its blocky edges and is not caught. A heuristic: a failed check is a hint for
/// the clerk's eye, not a refusal.
pub const UPSCALING_THRESHOLD_DB: f64 = -6.0;

/// The analysis works on a centred crop of at most this many pixels per side, where the face is;
/// it needs 16 bytes per pixel, which for a 40 Mpx photo would be too much.
const ANALYSIS_MAX_WIDTH: u32 = 1600;
const ANALYSIS_MAX_HEIGHT: u32 = 2000;

fn no_upscaling(image: &DynamicImage) -> CheckResult {
    let (w, h) = (image.width().min(ANALYSIS_MAX_WIDTH), image.height().min(ANALYSIS_MAX_HEIGHT));
    let luma = image.crop_imm((image.width() - w) / 2, (image.height() - h) / 2, w, h).to_luma8();
    let german = |db: f64| format!("{db:.1}").replace('.', ",").replace('-', "−");
    match upscaling::top_octave_db(luma.as_raw(), w as usize, h as usize) {
        None => result(NO_UPSCALING, true, "Hochskalierung nicht beurteilbar: Das Bild hat kaum Struktur.".into()),
        Some(db) if db <= UPSCALING_THRESHOLD_DB => result(
            NO_UPSCALING,
            false,
            format!(
                "Das Bild enthält kaum feine Details ({} dB) und wurde vermutlich aus einem kleineren Bild hochgerechnet oder ist unscharf. Bitte genau prüfen.",
                german(db)
            ),
        ),
        Some(db) => result(NO_UPSCALING, true, format!("Keine Anzeichen für Hochskalierung ({} dB).", german(db))),
    }
}

pub(crate) mod upscaling {
    //! Halve the image and enlarge it again, both with a (windowed) ideal low-pass filter, and
    //! measure what is lost: exactly the detail finer than two pixels (the top octave of the
    //! spectrum). Done as one separable half-band filter, which is what decimation by 2 followed by
    //! ideal interpolation amounts to, without resampling artefacts that would blur the verdict.
    //!
    //! The loss is compared with the octave below it (detail of two to four pixels). Natural images
    //! carry roughly equal energy per octave, whatever their contrast; an image enlarged from half
    //! the size has an almost empty top octave. So the ratio needs no notion of "how sharp is sharp".
    //!
    //! Only textured 16×16 blocks count: passport photos have a plain background whose sensor and
    //! JPEG noise says nothing about the subject.

    const BLOCK: usize = 16;
    /// Band energy (octave two to four pixels) per pixel below which a block counts as plain.
    const MIN_BLOCK_ENERGY: f64 = 4.0;
    /// Fewer textured pixels than this share of the image: no verdict.
    const MIN_TEXTURED_SHARE: f64 = 0.02;

    /// Windowed-sinc low-pass with cutoff `1 / (2 * factor)` cycles per pixel, i.e. what survives
    /// a reduction by `factor`. Returns the taps for offsets 0..=radius, normalised to unit gain.
    fn kernel(factor: usize) -> Vec<f32> {
        let radius = 4 * factor - 1;
        let fc = 0.5 / factor as f32;
        let mut k: Vec<f32> = (0..=radius)
            .map(|i| {
                let x = i as f32;
                let sinc = if i == 0 {
                    2.0 * fc
                } else {
                    (2.0 * std::f32::consts::PI * fc * x).sin() / (std::f32::consts::PI * x)
                };
                // Hann window keeps the stop band clean with few taps.
                sinc * (0.5 + 0.5 * (std::f32::consts::PI * x / (radius as f32 + 1.0)).cos())
            })
            .collect();
        let sum: f32 = k[0] + 2.0 * k[1..].iter().sum::<f32>();
        k.iter_mut().for_each(|t| *t /= sum);
        k
    }

    /// Filters every row of `src` into `dst` transposed, so two calls filter both directions.
    fn filter_rows_transposed(src: &[f32], width: usize, height: usize, k: &[f32]) -> Vec<f32> {
        let mut dst = vec![0f32; src.len()];
        for y in 0..height {
            let row = &src[y * width..(y + 1) * width];
            for x in 0..width {
                let mut acc = k[0] * row[x];
                for (d, &tap) in k.iter().enumerate().skip(1) {
                    if tap != 0.0 {
                        acc += tap * (row[x.saturating_sub(d)] + row[(x + d).min(width - 1)]);
                    }
                }
                dst[x * height + y] = acc;
            }
        }
        dst
    }

    fn low_pass(src: &[f32], width: usize, height: usize, factor: usize) -> Vec<f32> {
        let k = kernel(factor);
        let t = filter_rows_transposed(src, width, height, &k);
        filter_rows_transposed(&t, height, width, &k)
    }

    /// Energy of the top octave (lost by the 2× round trip) over the energy of the octave below,
    /// in dB, over textured blocks; `None` when too little of the image is textured.
    pub(crate) fn top_octave_db(luma: &[u8], width: usize, height: usize) -> Option<f64> {
        if width < 2 * BLOCK || height < 2 * BLOCK {
            return None;
        }
        let src: Vec<f32> = luma.iter().map(|&v| f32::from(v)).collect();
        let half = low_pass(&src, width, height, 2);
        let quarter = low_pass(&src, width, height, 4);

        let (mut top, mut below, mut counted) = (0f64, 0f64, 0usize);
        for by in (0..height).step_by(BLOCK) {
            for bx in (0..width).step_by(BLOCK) {
                let (ey, ex) = ((by + BLOCK).min(height), (bx + BLOCK).min(width));
                let (mut t, mut b) = (0f64, 0f64);
                for y in by..ey {
                    for x in bx..ex {
                        let i = y * width + x;
                        t += f64::from(src[i] - half[i]).powi(2);
                        b += f64::from(half[i] - quarter[i]).powi(2);
                    }
                }
                let n = (ey - by) * (ex - bx);
                if b / n as f64 >= MIN_BLOCK_ENERGY {
                    top += t;
                    below += b;
                    counted += n;
                }
            }
        }
        if (counted as f64) < MIN_TEXTURED_SHARE * (width * height) as f64 {
            return None;
        }
        Some(10.0 * (top.max(1e-9) / below).log10())
    }
}

#[cfg(test)]
mod tests;
