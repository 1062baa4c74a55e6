use std::path::PathBuf;
use std::sync::OnceLock;

use image::{imageops, ImageEncoder, RgbImage};
use proptest::prelude::*;

use super::jpeg::tests::{segment, skeleton};
use super::*;

// Shared with the sample-photo example; not every helper is needed here.
#[allow(dead_code)]
#[path = "synthetic.rs"]
mod synthetic;

fn asset(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/photos").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run the make_sample_photos example)", path.display()))
}

/// Small photos keep the debug-build tests fast; the checks do not care about size except min_size.
fn small_native() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| synthetic::encode_jpeg(&synthetic::portrait(311, 400, 3, 1.0), 90))
}

fn report(bytes: &[u8]) -> PhotoReport {
    check_photo(bytes, &Limits::default()).unwrap()
}

fn passed(report: &PhotoReport, id: &str) -> bool {
    report.check(id).unwrap_or_else(|| panic!("no check {id}")).passed
}

fn gray_jpeg(image: &RgbImage) -> Vec<u8> {
    let gray = image::DynamicImage::ImageRgb8(image.clone()).to_luma8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(gray.as_raw(), gray.width(), gray.height(), image::ExtendedColorType::L8)
        .unwrap();
    out
}

// --- hard refusals ---

#[test]
fn photo_too_large() {
    let limits = Limits { max_bytes: 1000, ..Limits::default() };
    let err = check_photo(small_native(), &limits).unwrap_err();
    assert_eq!(err.code(), "photo_too_large");
    assert_eq!(err, PhotoError::PhotoTooLarge { size: small_native().len(), max: 1000 });
}

#[test]
fn not_jpeg() {
    assert_eq!(check_photo(&asset("not-a-jpeg.png"), &Limits::default()).unwrap_err(), PhotoError::NotJpeg);
    for bytes in [&b""[..], b"\xFF", b"GIF89a....", b"\x89PNG\r\n\x1a\n", b"\xD8\xFF"] {
        assert_eq!(check_photo(bytes, &Limits::default()).unwrap_err().code(), "not_jpeg", "{bytes:?}");
    }
}

#[test]
fn truncated_jpeg_is_corrupt() {
    let full = small_native();
    for cut in [3, 20, full.len() / 3, full.len() / 2, full.len() - 100, full.len() - 2, full.len() - 1] {
        assert_eq!(check_photo(&full[..cut], &Limits::default()).unwrap_err(), PhotoError::CorruptJpeg, "cut {cut}");
    }
    let big = asset("valid-1244x1600.jpg");
    assert_eq!(check_photo(&big[..big.len() / 2], &Limits::default()).unwrap_err().code(), "corrupt_jpeg");
}

#[test]
fn undecodable_scan_is_corrupt() {
    // Structurally complete, but without tables and with junk scan data.
    assert_eq!(check_photo(&skeleton(64, 80, 3), &Limits::default()).unwrap_err(), PhotoError::CorruptJpeg);
}

#[test]
fn garbage_in_the_middle_is_corrupt() {
    let mut bytes = small_native().to_vec();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 64].fill(0xFF);
    assert_eq!(check_photo(&bytes, &Limits::default()).unwrap_err().code(), "corrupt_jpeg");
}

#[test]
fn trailing_data_after_the_image_is_tolerated() {
    // Some cameras and tools append data after the end-of-image marker.
    let mut bytes = small_native().to_vec();
    bytes.extend(b"trailer");
    check_photo(&bytes, &Limits::default()).unwrap();
}

#[test]
fn decompression_bomb_header_is_refused() {
    // 60000 × 60000 × 3 would be 10 GB once decoded. The header alone is refused; see also
    // tests/bomb_alloc.rs, which proves that nothing large is allocated.
    let bomb = skeleton(60000, 60000, 3);
    assert_eq!(
        check_photo(&bomb, &Limits::default()).unwrap_err(),
        PhotoError::DecompressionBomb { width: 60000, height: 60000 }
    );
    // Refused before the rest of the file is even looked at.
    let header_only = &bomb[..21]; // SOI + frame header, nothing else
    assert_eq!(check_photo(header_only, &Limits::default()).unwrap_err().code(), "decompression_bomb");
}

#[test]
fn each_pixel_limit_applies() {
    let bytes = skeleton(5000, 7000, 3);
    let over_pixels = Limits { max_pixels: 5000 * 7000 - 1, ..Limits::default() };
    let over_width = Limits { max_width: 4999, ..Limits::default() };
    let over_height = Limits { max_height: 6999, ..Limits::default() };
    for limits in [over_pixels, over_width, over_height] {
        assert_eq!(check_photo(&bytes, &limits).unwrap_err().code(), "decompression_bomb", "{limits:?}");
    }
    // within all limits the (junk) file gets as far as the decoder
    assert_eq!(check_photo(&bytes, &Limits::default()).unwrap_err().code(), "corrupt_jpeg");
}

// --- checks ---

#[test]
fn valid_sample_passes_every_check() {
    let r = report(&asset("valid-1244x1600.jpg"));
    assert_eq!((r.width, r.height), (1244, 1600));
    assert!(r.all_passed, "{r:#?}");
    assert_eq!(r.checks.iter().map(|c| c.id).collect::<Vec<_>>(), [MIN_SIZE, COLOUR, ASPECT, NO_UPSCALING]);
}

#[test]
fn min_size() {
    let r = report(&asset("too-small-622x800.jpg"));
    assert!(!passed(&r, MIN_SIZE));
    assert!(!r.all_passed);
    assert!(r.check(MIN_SIZE).unwrap().message.contains("622 × 800"));
    assert!(passed(&r, ASPECT) && passed(&r, COLOUR));
    assert!(super::min_size(1244, 1600).passed);
    assert!(super::min_size(2488, 3200).passed);
    assert!(!super::min_size(1243, 1600).passed);
    assert!(!super::min_size(1244, 1599).passed);
}

#[test]
fn colour_refuses_grayscale_jpeg() {
    let r = report(&gray_jpeg(&synthetic::portrait(311, 400, 3, 1.0)));
    let c = r.check(COLOUR).unwrap();
    assert!(!c.passed);
    assert!(c.message.contains("Graustufen"), "{}", c.message);
}

#[test]
fn colour_refuses_grey_content_in_rgb() {
    let grey = image::DynamicImage::ImageRgb8(synthetic::portrait(311, 400, 3, 1.0)).grayscale().to_rgb8();
    let r = report(&synthetic::encode_jpeg(&grey, 90));
    let c = r.check(COLOUR).unwrap();
    assert!(!c.passed);
    assert!(c.message.contains("Grautöne"), "{}", c.message);
}

#[test]
fn colour_refuses_a_wide_gamut_profile() {
    let jpeg = small_native();
    let mut bytes = jpeg[..2].to_vec();
    segment(&mut bytes, 0xE2, b"ICC_PROFILE\x00\x01\x01 ... desc Display P3 ...");
    bytes.extend(&jpeg[2..]);
    let c = report(&bytes).check(COLOUR).unwrap().clone();
    assert!(!c.passed);
    assert!(c.message.contains("Display P3"), "{}", c.message);
}

#[test]
fn colour_refuses_cmyk_and_other_channel_counts() {
    // image cannot write CMYK JPEGs, so the verdict is tested on the header facts it is made from.
    let image = image::DynamicImage::ImageRgb8(synthetic::portrait(64, 80, 3, 1.0));
    let structure = |components, precision| jpeg::Structure {
        frame: jpeg::Frame { width: 64, height: 80, components, precision },
        foreign_profile: None,
    };
    let cmyk = colour(&structure(4, 8), &image);
    assert!(!cmyk.passed && cmyk.message.contains("CMYK"), "{}", cmyk.message);
    assert!(!colour(&structure(2, 8), &image).passed);
    let twelve = colour(&structure(3, 12), &image);
    assert!(!twelve.passed && twelve.message.contains("12 Bit"), "{}", twelve.message);
    assert!(colour(&structure(3, 8), &image).passed);
}

#[test]
fn aspect() {
    assert!(super::aspect(1244, 1600).passed);
    assert!(super::aspect(622, 800).passed);
    assert!(super::aspect(3500, 4500).passed);
    assert!(super::aspect(3534, 4500).passed, "+0.97 %");
    assert!(super::aspect(3466, 4500).passed, "−0.97 %");
    assert!(!super::aspect(3540, 4500).passed);
    assert!(!super::aspect(3460, 4500).passed);
    let square = synthetic::encode_jpeg(&synthetic::portrait(400, 400, 3, 1.0), 90);
    let r = report(&square);
    assert!(!passed(&r, ASPECT));
    assert!(r.check(ASPECT).unwrap().message.contains("35:45"));
}

#[test]
fn no_upscaling_flags_the_upscaled_sample_only() {
    let up = report(&asset("upscaled-1244x1600.jpg"));
    assert!(!passed(&up, NO_UPSCALING), "{up:#?}");
    assert!(passed(&up, MIN_SIZE) && passed(&up, COLOUR) && passed(&up, ASPECT));
    assert!(passed(&report(&asset("valid-1244x1600.jpg")), NO_UPSCALING));
}

#[test]
fn no_upscaling_separates_native_from_enlarged_at_small_size() {
    let native = report(small_native());
    assert!(passed(&native, NO_UPSCALING), "{:?}", native.check(NO_UPSCALING));
    for filter in [imageops::FilterType::Triangle, imageops::FilterType::CatmullRom, imageops::FilterType::Lanczos3] {
        let small = synthetic::portrait(311 / 2, 400 / 2, 3, 1.0);
        let up = imageops::resize(&small, 311, 400, filter);
        let r = report(&synthetic::encode_jpeg(&up, 90));
        assert!(!passed(&r, NO_UPSCALING), "{filter:?}: {:?}", r.check(NO_UPSCALING));
    }
}

#[test]
fn no_upscaling_gives_no_verdict_on_a_featureless_image() {
    let flat = RgbImage::from_pixel(311, 400, image::Rgb([200, 180, 160]));
    let c = report(&synthetic::encode_jpeg(&flat, 90)).check(NO_UPSCALING).unwrap().clone();
    assert!(c.passed);
    assert!(c.message.contains("nicht beurteilbar"), "{}", c.message);
}

#[test]
fn top_octave_is_contrast_independent() {
    let image = image::DynamicImage::ImageRgb8(synthetic::portrait(311, 400, 3, 1.0)).to_luma8();
    let dim: Vec<u8> = image.as_raw().iter().map(|&v| v / 2 + 40).collect();
    let db = |l: &[u8]| upscaling::top_octave_db(l, 311, 400).unwrap();
    assert!((db(image.as_raw()) - db(&dim)).abs() < 1.0);
}

#[test]
fn report_serialises_for_the_ui() {
    let json = serde_json::to_value(report(small_native())).unwrap();
    assert_eq!(json["width"], 311);
    assert_eq!(json["height"], 400);
    assert_eq!(json["all_passed"], false);
    assert_eq!(json["checks"][0]["id"], "min_size");
    assert_eq!(json["checks"][0]["passed"], false);
    assert!(json["checks"][0]["message"].as_str().unwrap().contains("1244"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = check_photo(&bytes, &Limits::default());
    }

    #[test]
    fn arbitrary_bytes_after_a_jpeg_start_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut data = vec![0xFF, 0xD8, 0xFF];
        data.extend(bytes);
        let _ = check_photo(&data, &Limits::default());
    }

    #[test]
    fn damaged_photos_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        static TINY: OnceLock<Vec<u8>> = OnceLock::new();
        let tiny = TINY.get_or_init(|| synthetic::encode_jpeg(&synthetic::portrait(48, 64, 5, 1.0), 80));
        let mut bytes = tiny.clone();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let small = Limits { max_width: 256, max_height: 256, max_pixels: 65536, ..Limits::default() };
        let _ = check_photo(&bytes, &small);
    }
}

// --- the sampled upscaling analysis ---

#[test]
fn band_luma_is_to_luma8_within_one_step() {
    // every 5th level of each channel: 52³ colours
    let levels: Vec<u8> = (0..=255).step_by(5).collect();
    let n = levels.len() as u32;
    let image = RgbImage::from_fn(n * n, n, |x, y| {
        image::Rgb([levels[(x / n) as usize], levels[(x % n) as usize], levels[y as usize]])
    });
    let luma = image::DynamicImage::ImageRgb8(image.clone()).to_luma8();
    let mut differing = 0;
    for (p, l) in image.pixels().zip(luma.pixels()) {
        let ours = upscaling::rec709_luma(p[0], p[1], p[2]);
        let diff = ours.abs_diff(u32::from(l[0]));
        assert!(diff <= 1, "{p:?}: {ours} vs {}", l[0]);
        differing += usize::from(diff != 0);
    }
    assert!(differing * 100 < image.len() / 3, "{differing} of {} differ", image.len() / 3);
}

/// The whole-image analysis as it was first written (filter every row, transpose, filter again),
/// kept as the reference the band-by-band analysis must agree with.
fn reference_top_octave_db(luma: &[u8], width: usize, height: usize) -> Option<f64> {
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
    let low_pass = |src: &[f32], factor: usize| {
        let k = upscaling::kernel(factor);
        filter_rows_transposed(&filter_rows_transposed(src, width, height, &k), height, width, &k)
    };
    let src: Vec<f32> = luma.iter().map(|&v| f32::from(v)).collect();
    let (half, quarter) = (low_pass(&src, 2), low_pass(&src, 4));
    let (mut top, mut below, mut counted) = (0f64, 0f64, 0usize);
    for by in (0..height).step_by(16) {
        for bx in (0..width).step_by(16) {
            let (ey, ex) = ((by + 16).min(height), (bx + 16).min(width));
            let (mut t, mut b) = (0f64, 0f64);
            for y in by..ey {
                for x in bx..ex {
                    let i = y * width + x;
                    t += f64::from(src[i] - half[i]).powi(2);
                    b += f64::from(half[i] - quarter[i]).powi(2);
                }
            }
            let n = (ey - by) * (ex - bx);
            if b / n as f64 >= 4.0 {
                top += t;
                below += b;
                counted += n;
            }
        }
    }
    if (counted as f64) < 0.02 * (width * height) as f64 {
        return None;
    }
    Some(10.0 * (top.max(1e-9) / below).log10())
}

#[test]
fn band_analysis_matches_the_whole_image_reference() {
    let native = synthetic::portrait(311, 400, 3, 1.0);
    let enlarged = imageops::resize(&synthetic::portrait(155, 200, 3, 1.0), 311, 400, imageops::FilterType::CatmullRom);
    // odd sizes: partial blocks at the right and bottom, filter windows over both borders
    let odd = synthetic::portrait(97, 61, 8, 2.0);
    for image in [native, enlarged, odd] {
        let luma = image::DynamicImage::ImageRgb8(image.clone()).to_luma8();
        let (w, h) = (image.width() as usize, image.height() as usize);
        let reference = reference_top_octave_db(luma.as_raw(), w, h).unwrap();
        let fast = upscaling::top_octave_db(luma.as_raw(), w, h).unwrap();
        assert!((fast - reference).abs() < 1e-3, "{w}×{h}: {fast} vs {reference}");
        // straight from the RGB pixels: the luma of `to_luma8` but for a step here and there
        let from_rgb = upscaling::top_octave_db_sampled(&upscaling::RgbLuma::new(&image, 0, 0), w, h, 1).unwrap();
        assert!((from_rgb - fast).abs() < 0.01, "{w}×{h}: {from_rgb} vs {fast}");
    }
}

#[test]
fn band_analysis_reads_the_centre_crop() {
    // A 40 px frame of noise around a flat centre: the crop leaves the frame out entirely.
    let image = RgbImage::from_fn(200, 240, |x, y| {
        let inside = (40..160).contains(&x) && (40..200).contains(&y);
        let v = if inside { 120 } else { ((x * 7919 + y * 104_729) % 251) as u8 };
        image::Rgb([v, v, v])
    });
    let source = upscaling::RgbLuma::new(&image, 40, 40);
    assert_eq!(upscaling::top_octave_db_sampled(&source, 120, 160, 1), None);
    let whole = upscaling::RgbLuma::new(&image, 0, 0);
    assert!(upscaling::top_octave_db_sampled(&whole, 200, 240, 1).is_some());
}

#[test]
fn sample_step_keeps_small_images_whole() {
    assert_eq!(upscaling::sample_step(311, 400), 1);
    assert_eq!(upscaling::sample_step(622, 800), 4);
    assert_eq!(upscaling::sample_step(1244, 1600), 16);
    assert_eq!(upscaling::sample_step(1600, 2000), 32);
    for (w, h) in [(622usize, 800usize), (1244, 1600), (1600, 2000)] {
        let blocks = w.div_ceil(16) * h.div_ceil(16);
        assert!(blocks / upscaling::sample_step(w, h) <= upscaling::MAX_FULL_BLOCKS);
    }
}

#[test]
fn sampled_bands_give_the_verdict_of_all_blocks() {
    for (name, expect_pass) in [("valid-1244x1600.jpg", true), ("upscaled-1244x1600.jpg", false)] {
        let image = image::load_from_memory_with_format(&asset(name), image::ImageFormat::Jpeg).unwrap();
        let rgb = image.as_rgb8().unwrap();
        let (w, h) = (rgb.width() as usize, rgb.height() as usize);
        let source = upscaling::RgbLuma::new(rgb, 0, 0);
        let all = upscaling::top_octave_db_sampled(&source, w, h, 1).unwrap();
        let sampled = upscaling::top_octave_db_sampled(&source, w, h, upscaling::sample_step(w, h)).unwrap();
        assert!((all - sampled).abs() < 0.5, "{name}: all blocks {all:.2} dB, sampled {sampled:.2} dB");
        assert_eq!(all > UPSCALING_THRESHOLD_DB, expect_pass, "{name}: {all:.2} dB");
        assert_eq!(sampled > UPSCALING_THRESHOLD_DB, expect_pass, "{name}: {sampled:.2} dB");
    }
}

#[test]
fn chroma_walk_counts_every_fourth_pixel_of_every_fourth_row() {
    for (w, h) in [(13, 9), (16, 16), (17, 5), (1, 1), (4, 3)] {
        let image = synthetic::portrait(w, h, 4, 3.0);
        let (mut sum, mut n) = (0u64, 0u64);
        for y in (0..h).step_by(4) {
            for x in (0..w).step_by(4) {
                let [r, g, b] = image.get_pixel(x, y).0;
                sum += u64::from(r.max(g).max(b) - r.min(g).min(b));
                n += 1;
            }
        }
        let expected = sum as f64 / n as f64;
        assert_eq!(mean_chroma(&image::DynamicImage::ImageRgb8(image)), expected, "{w}×{h}");
    }
}
