mod common;

use std::time::{Duration, Instant};

use image::{GrayImage, Luma, Rgb};
use schalter_portrait::{decode_jp2, producer_copy, producer_image, JP2_SIGNATURE, PRODUCER_HEIGHT, PRODUCER_WIDTH};

use common::{grey_jpeg, jpeg, register_copy, register_jpeg, scene, with_declared_size};

/// A pixel's channels widened, so that test arithmetic cannot overflow.
fn wide(pixel: Rgb<u8>) -> [u16; 3] {
    pixel.0.map(u16::from)
}

#[test]
fn register_copy_becomes_an_exact_622_by_800_jp2_with_the_same_pixels() {
    let copy = register_copy();

    assert_eq!((copy.width, copy.height), (622, 800));
    assert!(copy.jp2.starts_with(&JP2_SIGNATURE), "JP2 signature box");
    // the file type box follows, brand "jp2 "
    assert_eq!(&copy.jp2[16..24], b"ftypjp2 ");

    let decoded = decode_jp2(&copy.jp2).unwrap();
    assert_eq!(decoded.dimensions(), (PRODUCER_WIDTH, PRODUCER_HEIGHT));
    // lossless: exactly the downscaled register image
    assert_eq!(decoded, producer_image(register_jpeg()).unwrap());
    // colour is kept: the background is bluish, not grey
    let [r, g, b] = wide(*decoded.get_pixel(20, 20));
    assert!(b > r + 20 && b > g, "{r} {g} {b}");
    // and the downscale is faithful: the ellipse's centre is skin-toned as in the source
    let [r, _, b] = wide(*decoded.get_pixel(311, 320));
    assert!(r > b, "{r} {b}");
}

#[test]
fn a_wider_image_is_cropped_centred_to_the_ratio() {
    // 1300 × 1600: the 622:800 window is 1244 wide, so 28 columns go on each side.
    let mut source = scene(1300, 1600);
    for (x, _, pixel) in source.enumerate_pixels_mut() {
        match x {
            0..28 => *pixel = Rgb([255, 0, 0]),  // cut away on the left
            28..44 => *pixel = Rgb([0, 0, 0]),   // first kept columns
            1272.. => *pixel = Rgb([0, 0, 255]), // cut away on the right
            _ => {}
        }
    }
    for y in 780..820 {
        for x in 630..670 {
            source.put_pixel(x, y, Rgb([0, 255, 0])); // the centre
        }
    }
    let register = jpeg(&source);
    let copy = producer_copy(&register).unwrap();
    let out = decode_jp2(&copy.jp2).unwrap();
    assert_eq!(out.dimensions(), (622, 800));

    for y in 0..800 {
        let [r, g, b] = wide(*out.get_pixel(0, y));
        assert!(r < 60 && g < 60 && b < 60, "left edge is the black marker, not red: row {y}: {r} {g} {b}");
        let [r, _, b] = wide(*out.get_pixel(621, y));
        assert!(b < r + 80, "no blue band at the right edge: row {y}: {r} {b}");
    }
    let Rgb([r, g, b]) = *out.get_pixel(311, 400);
    assert!(g > 200 && r < 60 && b < 60, "centre kept: {r} {g} {b}");
}

#[test]
fn too_small_is_refused_and_the_smallest_valid_sizes_pass() {
    for (w, h) in [(600, 800), (621, 800), (622, 799), (1244, 790)] {
        let err = producer_copy(&jpeg(&scene(w, h))).unwrap_err();
        assert_eq!(err.code(), "portrait_too_small", "{w} × {h}");
        assert!(err.to_string().contains(&format!("{w} × {h}")), "{err}");
    }
    for (w, h) in [(622, 800), (700, 800), (622, 900)] {
        let copy = producer_copy(&jpeg(&scene(w, h))).unwrap_or_else(|e| panic!("{w} × {h}: {e}"));
        assert_eq!(decode_jp2(&copy.jp2).unwrap().dimensions(), (622, 800), "{w} × {h}");
    }
}

#[test]
fn a_greyscale_jpeg_gives_24_bit_rgb() {
    let grey = GrayImage::from_fn(700, 900, |x, y| Luma([((x / 5 + y / 7) % 256) as u8]));
    let copy = producer_copy(&grey_jpeg(&grey)).unwrap();
    let out = decode_jp2(&copy.jp2).unwrap();
    assert!(out.pixels().all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2]));
}

#[test]
fn garbage_and_truncated_jpegs_are_errors_not_panics() {
    for garbage in [&b""[..], b"\xFF", b"\xFF\xD8", b"GIF89a....", b"\x89PNG\r\n\x1a\n", &[0u8; 4096]] {
        assert_eq!(producer_copy(garbage).unwrap_err().code(), "portrait_not_jpeg", "{garbage:?}");
    }
    let mut junk = vec![0xFF, 0xD8, 0xFF];
    junk.extend((0..10_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    assert_eq!(producer_copy(&junk).unwrap_err().code(), "portrait_corrupt_jpeg");

    let full = register_jpeg();
    for cut in [3, 4, 20, 200, full.len() / 3, full.len() / 2, full.len() - 100, full.len() - 2, full.len() - 1] {
        let err = producer_copy(&full[..cut]).unwrap_err();
        assert_eq!(err.code(), "portrait_corrupt_jpeg", "cut at {cut}");
    }
    // data after the end-of-image marker is tolerated
    let small = jpeg(&scene(622, 800));
    let mut trailer = small.clone();
    trailer.extend(b"trailer");
    producer_copy(&trailer).unwrap();

    // garbage in the middle of the scan: an error or, if the decoder shrugs it off, a checked copy
    let mut damaged = small.clone();
    let mid = damaged.len() / 2;
    damaged[mid..mid + 64].fill(0xFF);
    if let Ok(copy) = producer_copy(&damaged) {
        assert_eq!(decode_jp2(&copy.jp2).unwrap().dimensions(), (622, 800));
    }
}

#[test]
fn a_jpeg_declaring_60000_by_60000_is_refused_quickly() {
    let small = jpeg(&scene(64, 80));
    let started = Instant::now();
    let bomb = with_declared_size(&small, 60000, 60000);
    let err = producer_copy(&bomb).unwrap_err();
    assert_eq!(err.code(), "portrait_too_large");
    assert!(err.to_string().contains("60000 × 60000"), "{err}");
    for (w, h) in [(6001, 8000), (6000, 8001), (6000, 7000)] {
        assert_eq!(
            producer_copy(&with_declared_size(&small, w, h)).unwrap_err().code(),
            "portrait_too_large",
            "{w} × {h}"
        );
    }
    // a bare header without tables is refused just as fast, whatever the reason given
    let mut skeleton = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0xEA, 0x60, 0xEA, 0x60];
    skeleton
        .extend([3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 63, 0, 0x12, 0xFF, 0xD9]);
    assert!(producer_copy(&skeleton).is_err());
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
}

#[test]
fn truncated_or_foreign_jp2_does_not_decode() {
    let jp2 = &register_copy().jp2;
    for cut in [0, 11, 12, 40, 100, 200, jp2.len() / 4, jp2.len() / 2, jp2.len() - 100, jp2.len() - 2, jp2.len() - 1] {
        let err = decode_jp2(&jp2[..cut]).unwrap_err();
        assert_eq!(err.code(), "portrait_jp2_invalid", "cut at {cut}");
    }
    // a JPEG, garbage behind a JP2 signature, a bare codestream without the JP2 container
    let mut fake = JP2_SIGNATURE.to_vec();
    fake.extend([0x55; 1000]);
    let codestream_at = jp2.windows(4).position(|w| w == [0xFF, 0x4F, 0xFF, 0x51]).unwrap();
    for bytes in [register_jpeg(), &fake[..], &jp2[codestream_at..]] {
        assert_eq!(decode_jp2(bytes).unwrap_err().code(), "portrait_jp2_invalid");
    }

    // a codestream whose size marker claims 60000 × 60000 is refused from its header, at once
    let mut bomb = jp2.clone();
    let siz = codestream_at + 2; // FF51, then Lsiz, Rsiz, Xsiz, Ysiz
    bomb[siz + 6..siz + 10].copy_from_slice(&60000u32.to_be_bytes());
    bomb[siz + 10..siz + 14].copy_from_slice(&60000u32.to_be_bytes());
    let started = Instant::now();
    assert_eq!(decode_jp2(&bomb).unwrap_err().code(), "portrait_jp2_invalid");
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
}
