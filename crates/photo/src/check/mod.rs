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
    /// Why it passed or failed, e.g. `too_small`; with `id` the key of the message in the desk's
    /// catalogue (`min_size.too_small`). Every pair is listed in [`MESSAGES`].
    pub reason: &'static str,
    /// The values the message names, machine-readable (`"-8.2"`, not `"−8,2"`).
    pub params: Vec<(&'static str, String)>,
    /// German, for logs and tools without the catalogue.
    pub message: String,
}

/// Every `(id, reason, parameter names)` a check can report: the desk's message catalogue must
/// have a German and an English text for each (a test here keeps the list complete).
pub const MESSAGES: &[(&str, &str, &[&str])] = &[
    (MIN_SIZE, "ok", &["width", "height", "min_width", "min_height"]),
    (MIN_SIZE, "too_small", &["width", "height", "min_width", "min_height"]),
    (COLOUR, "ok", &[]),
    (COLOUR, "greyscale", &[]),
    (COLOUR, "cmyk", &[]),
    (COLOUR, "channels", &["channels"]),
    (COLOUR, "precision", &["bits"]),
    (COLOUR, "unsupported", &[]),
    (COLOUR, "foreign_profile", &["profile"]),
    (COLOUR, "grey_content", &[]),
    (ASPECT, "ok", &[]),
    (ASPECT, "off", &["width", "height", "deviation"]),
    (NO_UPSCALING, "ok", &["db"]),
    (NO_UPSCALING, "no_structure", &[]),
    (NO_UPSCALING, "upscaled", &["db"]),
];

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

fn result(
    id: &'static str,
    passed: bool,
    reason: &'static str,
    params: Vec<(&'static str, String)>,
    message: String,
) -> CheckResult {
    debug_assert!(
        MESSAGES.iter().any(|(i, r, names)| *i == id && *r == reason && names.iter().eq(params.iter().map(|(n, _)| n))),
        "{id}.{reason} with {params:?} is not in MESSAGES"
    );
    CheckResult { id, passed, reason, params, message }
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
    let params = vec![
        ("width", width.to_string()),
        ("height", height.to_string()),
        ("min_width", MIN_WIDTH.to_string()),
        ("min_height", MIN_HEIGHT.to_string()),
    ];
    result(MIN_SIZE, passed, if passed { "ok" } else { "too_small" }, params, message)
}

/// Mean over sampled pixels of (max channel − min channel). A colour photo of a person is far above
/// this (skin tones alone differ by several tens); a grey picture saved as RGB stays below 2 even
/// after JPEG rounding.
const GREY_CHROMA_LIMIT: f64 = 2.0;

fn colour(structure: &jpeg::Structure, image: &DynamicImage) -> CheckResult {
    let frame = structure.frame;
    let fail = |reason, params, why: String| result(COLOUR, false, reason, params, why);
    match frame.components {
        1 => return fail("greyscale", vec![], "Graustufenbild; verlangt ist ein 24-Bit-Farbbild (sRGB).".into()),
        4 => return fail("cmyk", vec![], "CMYK-Bild (Druckfarben); verlangt ist ein 24-Bit-Farbbild (sRGB).".into()),
        3 => {}
        n => {
            return fail(
                "channels",
                vec![("channels", n.to_string())],
                format!("Bild mit {n} Farbkanälen; verlangt ist ein 24-Bit-Farbbild (sRGB)."),
            )
        }
    }
    if frame.precision != 8 {
        return fail(
            "precision",
            vec![("bits", frame.precision.to_string())],
            format!("Bild mit {} Bit je Kanal; verlangt sind 8 Bit je Kanal (24-Bit-Farbbild).", frame.precision),
        );
    }
    if image.color() != image::ColorType::Rgb8 {
        return fail(
            "unsupported",
            vec![],
            "Das Farbformat des Bildes wird nicht unterstützt; verlangt ist ein 24-Bit-Farbbild (sRGB).".into(),
        );
    }
    if let Some(name) = structure.foreign_profile {
        return fail(
            "foreign_profile",
            vec![("profile", name.to_string())],
            format!("Farbprofil „{name}“; verlangt ist sRGB."),
        );
    }
    if mean_chroma(image) < GREY_CHROMA_LIMIT {
        return fail("grey_content", vec![], "Das Bild ist als Farbbild gespeichert, zeigt aber nur Grautöne.".into());
    }
    result(COLOUR, true, "ok", vec![], "24-Bit-Farbbild (3 × 8 Bit).".into())
}

fn mean_chroma(image: &DynamicImage) -> f64 {
    let Some(rgb) = image.as_rgb8() else { return 0.0 };
    let (width, height) = (rgb.width() as usize, rgb.height() as usize);
    if width == 0 {
        return 0.0;
    }
    let (mut sum, mut n) = (0u64, 0u64);
    let chroma = |p: &[u8]| {
        let (r, g, b) = (p[0], p[1], p[2]);
        u32::from(r.max(g).max(b) - r.min(g).min(b))
    };
    // Every 4th pixel in both directions is plenty for an average and 16 × cheaper. Rows are walked
    // as byte slices: 12 bytes are 4 pixels, of which the first counts; whole groups of 4 without
    // bounds checks, then the first pixel of a last, shorter group.
    for row in rgb.as_raw().chunks_exact(3 * width).take(height).step_by(4) {
        let mut groups = row.chunks_exact(12);
        let mut row_sum: u32 = (&mut groups).map(chroma).sum();
        let rest = groups.remainder();
        if !rest.is_empty() {
            row_sum += chroma(rest);
        }
        sum += u64::from(row_sum);
        n += width.div_ceil(4) as u64;
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
    let params = match passed {
        true => vec![],
        false => vec![
            ("width", width.to_string()),
            ("height", height.to_string()),
            ("deviation", format!("{:.1}", deviation.abs() * 100.0)),
        ],
    };
    result(ASPECT, passed, if passed { "ok" } else { "off" }, params, message)
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

/// The analysis works on a centred crop of at most this many pixels per side, where the face is.
const ANALYSIS_MAX_WIDTH: u32 = 1600;
const ANALYSIS_MAX_HEIGHT: u32 = 2000;

fn no_upscaling(image: &DynamicImage) -> CheckResult {
    let (w, h) = (image.width().min(ANALYSIS_MAX_WIDTH), image.height().min(ANALYSIS_MAX_HEIGHT));
    let (x0, y0) = ((image.width() - w) / 2, (image.height() - h) / 2);
    let (w, h) = (w as usize, h as usize);
    let step = upscaling::sample_step(w, h);
    // Luma is read straight from the decoded pixels, block by block: no copy of the crop.
    let db = match image {
        DynamicImage::ImageRgb8(rgb) => {
            upscaling::top_octave_db_sampled(&upscaling::RgbLuma::new(rgb, x0, y0), w, h, step)
        }
        DynamicImage::ImageLuma8(grey) => {
            upscaling::top_octave_db_sampled(&upscaling::GreyLuma::new(grey, x0, y0), w, h, step)
        }
        // Other layouts do not come out of the JPEG decoder; converted the slow way, all the same.
        other => {
            let luma = other.crop_imm(x0, y0, w as u32, h as u32).to_luma8();
            upscaling::top_octave_db_sampled(&upscaling::GreyLuma::new(&luma, 0, 0), w, h, step)
        }
    };
    let german = |db: f64| format!("{db:.1}").replace('.', ",").replace('-', "−");
    match db {
        None => result(
            NO_UPSCALING,
            true,
            "no_structure",
            vec![],
            "Hochskalierung nicht beurteilbar: Das Bild hat kaum Struktur.".into(),
        ),
        Some(db) if db <= UPSCALING_THRESHOLD_DB => result(
            NO_UPSCALING,
            false,
            "upscaled",
            vec![("db", format!("{db:.1}"))],
            format!(
                "Das Bild enthält kaum feine Details ({} dB) und wurde vermutlich aus einem kleineren Bild hochgerechnet oder ist unscharf. Bitte genau prüfen.",
                german(db)
            ),
        ),
        Some(db) => result(
            NO_UPSCALING,
            true,
            "ok",
            vec![("db", format!("{db:.1}"))],
            format!("Keine Anzeichen für Hochskalierung ({} dB).", german(db)),
        ),
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
    //!
    //! The filters run band by band (16 pixel rows, read with the filters' radius above and below,
    //! edges repeated at the image border as a whole-image filter does), which gives every block
    //! the values a whole-image pass gives it, reads luma straight from the decoded pixels, and lets
    //! a large photo be judged on evenly spaced bands (see [`sample_step`]) instead of all of them.

    use image::{GrayImage, RgbImage};

    const BLOCK: usize = 16;
    /// Band energy (octave two to four pixels) per pixel below which a block counts as plain.
    const MIN_BLOCK_ENERGY: f64 = 4.0;
    /// Fewer textured pixels than this share of the (sampled) image: no verdict.
    const MIN_TEXTURED_SHARE: f64 = 0.02;
    /// Radius of the wider filter, the quarter-band one (factor 4).
    const RADIUS: usize = 4 * 4 - 1;
    /// Rows a band of blocks is filtered from: the band and the filter's radius above and below.
    const WINDOW: usize = BLOCK + 2 * RADIUS;
    /// Images with more blocks than this are judged on evenly spaced bands of blocks: every block of
    /// the 311 × 400 test portraits counts, a 1244 × 1600 photo is judged on every 16th band (6
    /// bands, 468 blocks, 120 000 pixels). On the synthetic portraits at 1244 × 1600 (native,
    /// reduced, enlarged 1.5× and 2× with three filters, blurred) that moves the result by at most
    /// 0.4 dB from the all-blocks value, against margins of 1 dB and more to the threshold.
    pub(crate) const MAX_FULL_BLOCKS: usize = 512;

    /// Windowed-sinc low-pass with cutoff `1 / (2 * factor)` cycles per pixel, i.e. what survives
    /// a reduction by `factor`. Returns the taps for offsets 0..=radius, normalised to unit gain.
    /// The sinc's zeros (every `2 * factor`-th tap) are exact zeros, not `f32` rounding noise.
    pub(crate) fn kernel(factor: usize) -> Vec<f32> {
        let radius = 4 * factor - 1;
        let fc = 0.5 / factor as f32;
        let mut k: Vec<f32> = (0..=radius)
            .map(|i| {
                let x = i as f32;
                let sinc = if i == 0 {
                    2.0 * fc
                } else if i % (2 * factor) == 0 {
                    0.0
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

    /// Luma of a crop of the decoded image, one row at a time.
    pub(crate) trait LumaSource {
        /// `out[i]` = luma of crop pixel (`i`, `y`), for the crop's whole width.
        fn fill_row(&self, y: usize, out: &mut [f32]);
    }

    /// An RGB image, with the luma weights of `image`'s `to_luma8` (Rec. 709, rounded). `image`
    /// computes in `f32` with weights derived from the sRGB primaries, so a value may differ from a
    /// converted copy's by one step, which moves the result by a few thousandths of a dB.
    pub(crate) struct RgbLuma<'a> {
        raw: &'a [u8],
        row_bytes: usize,
        x0: usize,
        y0: usize,
    }

    impl<'a> RgbLuma<'a> {
        pub(crate) fn new(image: &'a RgbImage, x0: u32, y0: u32) -> Self {
            RgbLuma { raw: image.as_raw(), row_bytes: 3 * image.width() as usize, x0: x0 as usize, y0: y0 as usize }
        }
    }

    impl LumaSource for RgbLuma<'_> {
        #[inline(always)]
        fn fill_row(&self, y: usize, out: &mut [f32]) {
            let start = (self.y0 + y) * self.row_bytes + 3 * self.x0;
            let pixels = &self.raw[start..start + 3 * out.len()];
            for (o, p) in out.iter_mut().zip(pixels.chunks_exact(3)) {
                *o = rec709_luma(p[0], p[1], p[2]) as f32;
            }
        }
    }

    #[inline(always)]
    pub(crate) fn rec709_luma(r: u8, g: u8, b: u8) -> u32 {
        (2126 * u32::from(r) + 7152 * u32::from(g) + 722 * u32::from(b) + 5000) / 10000
    }

    pub(crate) struct GreyLuma<'a> {
        raw: &'a [u8],
        width: usize,
        x0: usize,
        y0: usize,
    }

    impl<'a> GreyLuma<'a> {
        pub(crate) fn new(image: &'a GrayImage, x0: u32, y0: u32) -> Self {
            Self::from_raw(image.as_raw(), image.width() as usize, x0 as usize, y0 as usize)
        }

        fn from_raw(raw: &'a [u8], width: usize, x0: usize, y0: usize) -> Self {
            GreyLuma { raw, width, x0, y0 }
        }
    }

    impl LumaSource for GreyLuma<'_> {
        #[inline(always)]
        fn fill_row(&self, y: usize, out: &mut [f32]) {
            let start = (self.y0 + y) * self.width + self.x0;
            let n = out.len();
            for (o, &v) in out.iter_mut().zip(&self.raw[start..start + n]) {
                *o = f32::from(v);
            }
        }
    }

    /// 1 (every band of blocks) up to [`MAX_FULL_BLOCKS`] blocks, else the power of two that brings
    /// the number of analysed blocks to at most that.
    pub(crate) fn sample_step(width: usize, height: usize) -> usize {
        let blocks = width.div_ceil(BLOCK) * height.div_ceil(BLOCK);
        let mut step = 1;
        while blocks > MAX_FULL_BLOCKS * step {
            step *= 2;
        }
        step
    }

    /// Energy of the top octave (lost by the 2× round trip) over the energy of the octave below,
    /// in dB, over textured blocks; `None` when too little of the image is textured.
    #[cfg(test)]
    pub(crate) fn top_octave_db(luma: &[u8], width: usize, height: usize) -> Option<f64> {
        top_octave_db_sampled(&GreyLuma::from_raw(luma, width, 0, 0), width, height, 1)
    }

    /// The top-octave ratio over every `step`-th band of 16 pixel rows (1: all of them, the whole
    /// image), the bands spread evenly over the height.
    pub(crate) fn top_octave_db_sampled<S: LumaSource>(
        source: &S,
        width: usize,
        height: usize,
        step: usize,
    ) -> Option<f64> {
        if width < 2 * BLOCK || height < 2 * BLOCK {
            return None;
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA, checked just above.
            return unsafe { analyse_avx2(source, width, height, step) };
        }
        analyse::<S, Separate>(source, width, height, step)
    }

    /// The same code, compiled for AVX2 (twice the lanes of the x86-64 baseline) with fused
    /// multiply-adds (one rounding instead of two per tap; the values differ from [`Separate`] in
    /// the last bits only).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn analyse_avx2<S: LumaSource>(source: &S, width: usize, height: usize, step: usize) -> Option<f64> {
        analyse::<S, Fused>(source, width, height, step)
    }

    /// How a tap is added: `acc + tap * pair`.
    trait MulAdd {
        fn mul_add(acc: f32, tap: f32, pair: f32) -> f32;
    }

    /// Multiply, then add: portable and fast everywhere.
    struct Separate;

    impl MulAdd for Separate {
        #[inline(always)]
        fn mul_add(acc: f32, tap: f32, pair: f32) -> f32 {
            acc + tap * pair
        }
    }

    /// One fused instruction; only where the CPU has FMA (else `mul_add` is a slow library call).
    #[cfg(target_arch = "x86_64")]
    struct Fused;

    #[cfg(target_arch = "x86_64")]
    impl MulAdd for Fused {
        #[inline(always)]
        fn mul_add(acc: f32, tap: f32, pair: f32) -> f32 {
            tap.mul_add(pair, acc)
        }
    }

    /// Working rows for one band of blocks, reused from band to band.
    struct Band {
        /// Luma of the band and `RADIUS` rows above and below (clamped to the image), each row
        /// padded by `RADIUS` repeated edge pixels on either side.
        luma: Vec<f32>,
        /// One row of `luma` low-passed down the columns, quarter and half band (padded).
        down_quarter: Vec<f32>,
        down_half: Vec<f32>,
        /// That row low-passed along the row as well.
        quarter: Vec<f32>,
        half: Vec<f32>,
        /// Per column, the band's energy in the top and the next octave.
        top: Vec<f64>,
        below: Vec<f64>,
    }

    #[inline(always)]
    fn analyse<S: LumaSource, M: MulAdd>(source: &S, width: usize, height: usize, step: usize) -> Option<f64> {
        let (half_taps, quarter_taps) = (Taps::new(&kernel(2)), Taps::new(&kernel(4)));
        let padded = width + 2 * RADIUS;
        let mut band = Band {
            luma: vec![0.0; WINDOW * padded],
            down_quarter: vec![0.0; padded],
            down_half: vec![0.0; padded],
            quarter: vec![0.0; width],
            half: vec![0.0; width],
            top: vec![0.0; width],
            below: vec![0.0; width],
        };
        let (mut top, mut below, mut counted, mut area) = (0f64, 0f64, 0usize, 0usize);
        for by in (step / 2..height.div_ceil(BLOCK)).step_by(step) {
            let y = by * BLOCK;
            let rows = (height - y).min(BLOCK);
            filter_band::<S, M>(source, width, height, y, rows, &half_taps, &quarter_taps, &mut band);
            for x in (0..width).step_by(BLOCK) {
                let end = (x + BLOCK).min(width);
                let n = (end - x) * rows;
                let t: f64 = band.top[x..end].iter().sum();
                let b: f64 = band.below[x..end].iter().sum();
                area += n;
                if b / n as f64 >= MIN_BLOCK_ENERGY {
                    top += t;
                    below += b;
                    counted += n;
                }
            }
        }
        if area == 0 || (counted as f64) < MIN_TEXTURED_SHARE * area as f64 {
            return None;
        }
        Some(10.0 * (top.max(1e-9) / below).log10())
    }

    /// Fills `band.top` and `band.below` for pixel rows `y..y + rows`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn filter_band<S: LumaSource, M: MulAdd>(
        source: &S,
        width: usize,
        height: usize,
        y: usize,
        rows: usize,
        half_taps: &Taps,
        quarter_taps: &Taps,
        band: &mut Band,
    ) {
        let padded = width + 2 * RADIUS;
        // Luma rows, clamped to the image vertically and edge-padded horizontally, as a
        // whole-image filter that repeats the border pixels sees them.
        for (j, row) in band.luma.chunks_exact_mut(padded).enumerate() {
            let sy = (y + j).saturating_sub(RADIUS).min(height - 1);
            source.fill_row(sy, &mut row[RADIUS..RADIUS + width]);
            let (first, last) = (row[RADIUS], row[RADIUS + width - 1]);
            row[..RADIUS].fill(first);
            row[RADIUS + width..].fill(last);
        }
        // Down the columns first, for the band's rows only (the padding columns too, which makes
        // them the edge columns of the vertically filtered rows), then along those rows. The same
        // separable filters as rows-first, in the cheaper order; the energies per column.
        band.top.fill(0.0);
        band.below.fill(0.0);
        for r in 0..rows {
            let luma = &band.luma;
            filter::<M>(quarter_taps, &mut band.down_quarter, |offset| row_at(luma, padded, RADIUS + r, offset, 0, 0));
            filter::<M>(half_taps, &mut band.down_half, |offset| row_at(luma, padded, RADIUS + r, offset, 0, 0));
            let (down_quarter, down_half) = (&band.down_quarter, &band.down_half);
            filter::<M>(quarter_taps, &mut band.quarter, |offset| row_at(down_quarter, width, 0, 0, RADIUS, offset));
            filter::<M>(half_taps, &mut band.half, |offset| row_at(down_half, width, 0, 0, RADIUS, offset));
            let src = &luma[(RADIUS + r) * padded + RADIUS..][..width];
            let values = src.iter().zip(&band.half).zip(&band.quarter);
            for (((s, h), q), (t, b)) in values.zip(band.top.iter_mut().zip(band.below.iter_mut())) {
                *t += f64::from(s - h).powi(2);
                *b += f64::from(h - q).powi(2);
            }
        }
    }

    /// A run of `len` from `rows` (rows being `row_len` long): from row `row + row_offset`, column
    /// `column + column_offset`.
    #[inline(always)]
    fn row_at(
        rows: &[f32],
        row_len: usize,
        row: usize,
        row_offset: isize,
        column: usize,
        column_offset: isize,
    ) -> &[f32] {
        &rows[row.wrapping_add_signed(row_offset) * row_len + column.wrapping_add_signed(column_offset)..]
    }

    /// The taps of one filter: the centre and the non-zero symmetric pairs (offset, tap).
    struct Taps {
        centre: f32,
        pairs: Vec<(usize, f32)>,
    }

    impl Taps {
        fn new(kernel: &[f32]) -> Self {
            let pairs = kernel.iter().enumerate().skip(1).filter(|(_, &t)| t != 0.0).map(|(d, &t)| (d, t)).collect();
            Taps { centre: kernel[0], pairs }
        }
    }

    /// Outputs filtered at once, kept in registers over all taps: four AVX2 registers, enough
    /// independent sums to hide the adder's latency.
    const LANES: usize = 32;

    /// `out[x] = centre * at(0)[x] + Σ tap * (at(−d)[x] + at(d)[x])`, summed in that order (centre
    /// first, then the symmetric pairs outwards). `at(offset)` is a run at least as long as `out`,
    /// which is at least `LANES` long.
    #[inline(always)]
    fn filter<'a, M: MulAdd>(taps: &Taps, out: &mut [f32], at: impl Fn(isize) -> &'a [f32]) {
        let width = out.len();
        // Whole chunks, then one last chunk flush with the end (overlapping the one before).
        let starts = (0..width - LANES).step_by(LANES).chain(std::iter::once(width - LANES));
        for x in starts {
            let lanes = |offset: isize| -> &[f32; LANES] { at(offset)[x..x + LANES].try_into().expect("lanes") };
            let mut acc = [0f32; LANES];
            for (a, &c) in acc.iter_mut().zip(lanes(0)) {
                *a = taps.centre * c;
            }
            for &(d, tap) in &taps.pairs {
                let (l, r) = (lanes(-(d as isize)), lanes(d as isize));
                for i in 0..LANES {
                    acc[i] = M::mul_add(acc[i], tap, l[i] + r[i]);
                }
            }
            out[x..x + LANES].copy_from_slice(&acc);
        }
    }
}

#[cfg(test)]
mod tests;
