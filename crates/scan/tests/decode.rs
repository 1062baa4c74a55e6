//! Round trips through generated codes, image files and hostile input.

#[path = "common/synth.rs"]
mod synth;

use std::io::Cursor;

use proptest::prelude::*;
use schalter_scan::{
    decode_frame, decode_image_file, decode_rgba_frame, Decoded, GrayFrame, ScanError, Symbology, MAX_FILE_BYTES,
};
use synth::{Scene, Sym};

fn frame(sym: Sym, scene: &Scene, seed: u64) -> (String, Vec<u8>) {
    let text = synth::payload(seed);
    let code = synth::code_matrix(sym, &text);
    (text.clone(), synth::render(&code, scene, seed))
}

fn decode(scene: &Scene, luma: &[u8]) -> Option<Decoded> {
    decode_frame(&GrayFrame { width: scene.width, height: scene.height, luma }).expect("valid frame")
}

fn encode(scene: &Scene, luma: Vec<u8>, format: image::ImageFormat) -> Vec<u8> {
    let img = image::GrayImage::from_raw(scene.width, scene.height, luma).expect("buffer size");
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

#[test]
fn payload_looks_like_a_photo_code() {
    use base64::Engine as _;
    let text = synth::payload(1);
    assert_eq!(text.len(), 200);
    let bytes = base64::engine::general_purpose::STANDARD.decode(&text).unwrap();
    assert_eq!(&bytes[..2], &[0xE2, 0x01]);
}

#[test]
fn data_matrix_round_trip() {
    let scene = Scene::plain(640, 480, 4.0);
    let (text, luma) = frame(Sym::DataMatrix, &scene, 1);
    assert_eq!(decode(&scene, &luma), Some(Decoded { text, symbology: Symbology::DataMatrix }));
}

#[test]
fn qr_round_trip() {
    let scene = Scene::plain(640, 480, 4.0);
    let (text, luma) = frame(Sym::Qr, &scene, 2);
    assert_eq!(decode(&scene, &luma), Some(Decoded { text, symbology: Symbology::Qr }));
}

#[test]
fn rotated_data_matrix_is_read() {
    let scene = Scene { rotation_deg: 30.0, blur_sigma: 0.6, ..Scene::plain(640, 480, 4.5) };
    let (text, luma) = frame(Sym::DataMatrix, &scene, 3);
    assert_eq!(decode(&scene, &luma).map(|d| d.text), Some(text));
}

#[test]
fn rotated_and_tilted_qr_is_read() {
    let scene = Scene { rotation_deg: -10.0, tilt: 0.15, tilt_dir_deg: 40.0, ..Scene::plain(640, 480, 4.5) };
    let (text, luma) = frame(Sym::Qr, &scene, 4);
    assert_eq!(decode(&scene, &luma).map(|d| d.text), Some(text));
}

#[test]
fn noisy_data_matrix_is_read() {
    // Sensor noise at this level defeats the plain pass; the smoothed pass must catch it.
    let scene = Scene { noise_sigma: 20.0, blur_sigma: 0.6, ..Scene::plain(640, 480, 4.5) };
    let (text, luma) = frame(Sym::DataMatrix, &scene, 5);
    assert_eq!(decode(&scene, &luma).map(|d| d.text), Some(text));
}

#[test]
fn frame_without_code_yields_none() {
    let scene = Scene { noise_sigma: 3.0, ..Scene::plain(320, 240, 4.0) };
    let blank = synth::CodeMatrix { width: 20, height: 20, dark: vec![false; 400], quiet: 2 };
    let luma = synth::render(&blank, &scene, 6);
    assert_eq!(decode(&scene, &luma), None);
}

#[test]
fn rgba_canvas_frame_is_read() {
    let scene = Scene::plain(400, 300, 3.5);
    let (text, luma) = frame(Sym::DataMatrix, &scene, 7);
    let rgba: Vec<u8> = luma.iter().flat_map(|&v| [v, v, v, 255]).collect();
    let found = decode_rgba_frame(scene.width, scene.height, &rgba).unwrap();
    assert_eq!(found.map(|d| d.text), Some(text));
}

#[test]
fn png_file_is_read() {
    let scene = Scene { rotation_deg: 5.0, ..Scene::plain(640, 480, 4.0) };
    let (text, luma) = frame(Sym::DataMatrix, &scene, 8);
    let png = encode(&scene, luma, image::ImageFormat::Png);
    assert_eq!(decode_image_file(&png), Ok(Decoded { text, symbology: Symbology::DataMatrix }));
}

#[test]
fn jpeg_file_is_read() {
    let scene = Scene { rotation_deg: -7.0, blur_sigma: 0.6, ..Scene::plain(640, 480, 4.0) };
    for sym in [Sym::DataMatrix, Sym::Qr] {
        let (text, luma) = frame(sym, &scene, 9);
        let jpeg = encode(&scene, luma, image::ImageFormat::Jpeg);
        assert_eq!(decode_image_file(&jpeg).map(|d| d.text), Ok(text), "{sym:?}");
    }
}

#[test]
fn tiny_code_image_with_one_pixel_per_module_is_read() {
    // As exported straight from a PDF: one pixel per module, minimal quiet zone.
    let text = synth::payload(10);
    let code = synth::code_matrix(Sym::DataMatrix, &text);
    let side = (code.width + 2 * code.quiet) as u32;
    let scene = Scene::plain(side, side, 1.0);
    let luma = synth::render(&code, &scene, 10);
    let png = encode(&scene, luma, image::ImageFormat::Png);
    assert_eq!(decode_image_file(&png).map(|d| d.text), Ok(text));
}

#[test]
fn large_photo_is_read_via_the_downscaled_pass() {
    // A phone photo larger than the fast side: rendered at half size and enlarged, which keeps the
    // test quick in a debug build.
    let small = Scene { rotation_deg: 12.0, blur_sigma: 0.6, ..Scene::plain(1200, 900, 6.0) };
    let (text, luma) = frame(Sym::DataMatrix, &small, 13);
    let big: Vec<u8> = luma
        .chunks_exact(1200)
        .flat_map(|row| {
            let wide: Vec<u8> = row.iter().flat_map(|&v| [v, v]).collect();
            [wide.clone(), wide].concat()
        })
        .collect();
    let scene = Scene::plain(2400, 1800, 12.0);
    let jpeg = encode(&scene, big, image::ImageFormat::Jpeg);
    assert_eq!(decode_image_file(&jpeg).map(|d| d.text), Ok(text));
}

#[test]
fn image_without_code_is_no_code_found() {
    let scene = Scene { noise_sigma: 3.0, ..Scene::plain(320, 240, 4.0) };
    let blank = synth::CodeMatrix { width: 20, height: 20, dark: vec![false; 400], quiet: 2 };
    let png = encode(&scene, synth::render(&blank, &scene, 11), image::ImageFormat::Png);
    let err = decode_image_file(&png).unwrap_err();
    assert_eq!(err, ScanError::NoCodeFound);
    assert_eq!(err.code(), "no_code_found");
}

/// A PNG that is only a signature and an IHDR chunk claiming `width × height`; no pixel data.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grayscale, deflate, no filter, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    png
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn huge_dimensions_in_png_header_are_refused_before_decoding() {
    for (w, h) in [(100_000, 100_000), (8001, 10), (10, 9000)] {
        let err = decode_image_file(&png_header_only(w, h)).unwrap_err();
        assert_eq!(err.code(), "image_too_large", "{w}x{h}: {err}");
    }
    // Control: a plausible header with missing pixel data is merely unreadable.
    assert_eq!(decode_image_file(&png_header_only(100, 100)).unwrap_err().code(), "image_unreadable");
}

#[test]
fn huge_dimensions_in_jpeg_header_are_refused() {
    // A real JPEG whose SOF0 dimensions are patched to 60000 × 60000.
    let scene = Scene::plain(64, 48, 4.0);
    let mut jpeg = encode(&scene, vec![128; 64 * 48], image::ImageFormat::Jpeg);
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).expect("baseline JPEG has SOF0");
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    assert_eq!(decode_image_file(&jpeg).unwrap_err().code(), "image_too_large");
}

#[test]
fn oversized_file_is_refused_unread() {
    let mut bytes = png_header_only(100, 100);
    bytes.resize(MAX_FILE_BYTES + 1, 0);
    assert_eq!(decode_image_file(&bytes).unwrap_err().code(), "image_too_large");
}

#[test]
fn other_formats_and_garbage_are_unreadable() {
    for bytes in [&b""[..], b"GIF89a\x01\x00\x01\x00", b"not an image at all", b"\xFF\xD8\xFF\xE0 truncated"] {
        let err = decode_image_file(bytes).unwrap_err();
        assert_eq!(err.code(), "image_unreadable", "{bytes:?}: {err}");
    }
}

#[test]
fn truncated_png_is_unreadable() {
    let scene = Scene::plain(640, 480, 4.0);
    let (_, luma) = frame(Sym::Qr, &scene, 12);
    let png = encode(&scene, luma, image::ImageFormat::Png);
    let err = decode_image_file(&png[..png.len() / 2]).unwrap_err();
    assert_eq!(err.code(), "image_unreadable", "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let err = decode_image_file(&bytes).unwrap_err();
        prop_assert!(matches!(err.code(), "image_unreadable" | "image_too_large" | "no_code_found"));
    }

    #[test]
    fn bytes_behind_image_signatures_never_panic(
        png in any::<bool>(),
        tail in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut bytes = if png { b"\x89PNG\r\n\x1a\n".to_vec() } else { vec![0xFF, 0xD8, 0xFF] };
        bytes.extend_from_slice(&tail);
        let _ = decode_image_file(&bytes);
    }

    #[test]
    fn corrupted_png_never_panics(seed in any::<u64>(), flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)) {
        let scene = Scene::plain(96, 96, 3.0);
        let text = synth::payload(seed);
        let code = synth::code_matrix(Sym::DataMatrix, &text[..20]);
        let mut png = encode(&scene, synth::render(&code, &scene, seed), image::ImageFormat::Png);
        for (i, b) in flips {
            let at = i.index(png.len());
            png[at] ^= b;
        }
        let _ = decode_image_file(&png);
    }

    #[test]
    fn arbitrary_frames_never_panic(
        w in 1u32..64,
        h in 1u32..64,
        fill in proptest::collection::vec(any::<u8>(), 64 * 64),
    ) {
        let luma = &fill[..(w * h) as usize];
        let frame = GrayFrame { width: w, height: h, luma };
        prop_assert!(decode_frame(&frame).is_ok());
    }
}
