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
