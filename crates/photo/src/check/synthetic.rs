//! Synthetic passport-style portraits for tests and the sample assets: a stylised head and shoulders
//! on a plain background, with pixel-level texture so the image has real fine detail. No real face.
//!
//! Shared by the unit tests and `examples/make_sample_photos.rs` (included there by path), so it
//! uses nothing from the crate itself.

use image::{imageops, ImageEncoder, Rgb, RgbImage};

/// Deterministic noise in [-1, 1] per pixel and seed (a SplitMix64 finaliser).
fn noise(x: u32, y: u32, seed: u64) -> f32 {
    let mut z = (u64::from(x) << 32 | u64::from(y)) ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 40) as f32 / (1u64 << 23) as f32 - 1.0
}

fn inside(u: f32, v: f32, cu: f32, cv: f32, ru: f32, rv: f32) -> f32 {
    ((u - cu) / ru).powi(2) + ((v - cv) / rv).powi(2)
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

/// Draws the portrait at `width` × `height`. `texture` scales the pixel-level detail (1.0 = the
/// sample assets); geometry is relative, so any size shows the same scene.
pub fn portrait(width: u32, height: u32, seed: u64, texture: f32) -> RgbImage {
    let (w, h) = (width as f32, height as f32);
    // texture periods are in pixels of a 1244-wide image, so smaller renderings stay comparable
    let scale = w / 1244.0;
    RgbImage::from_fn(width, height, |x, y| {
        let (u, v) = ((x as f32 + 0.5) / w, (y as f32 + 0.5) / h);
        let (fx, fy) = (x as f32 / scale, y as f32 / scale);
        let n = noise(x, y, seed);
        let n2 = noise(x, y, seed ^ 0xABCD);

        // plain, slightly graded background
        let mut c = [203.0 - 10.0 * v, 212.0 - 8.0 * v, 224.0 - 4.0 * v];
        let mut grain = 2.0;

        // shoulders and jacket with a fine weave
        let shoulders = inside(u, v, 0.5, 1.1, 0.5, 0.32);
        if shoulders < 1.0 {
            let weave = (fx * 0.9 + fy * 0.9).sin() * (fx * 0.9 - fy * 0.9).sin();
            c = mix([52.0, 64.0, 96.0], [70.0, 86.0, 124.0], 0.5 + 0.5 * weave);
            grain = 9.0;
            // shirt collar
            if (u - 0.5).abs() < 0.09 - (v - 0.8) * 0.4 && v > 0.8 {
                c = [236.0, 236.0, 240.0];
                grain = 3.0;
            }
        }

        // neck
        if (u - 0.5).abs() < 0.085 && v > 0.6 && shoulders >= 1.0 {
            let shade = 1.0 - 1.4 * ((u - 0.5).abs() / 0.085).powi(2) * 0.25;
            c = [196.0 * shade, 150.0 * shade, 122.0 * shade];
            grain = 5.0;
        }

        // head with soft shading and skin texture
        let head = inside(u, v, 0.5, 0.47, 0.27, 0.29);
        if head < 1.0 {
            let shade = 1.0 - 0.28 * head;
            c = [228.0 * shade, 182.0 * shade, 152.0 * shade];
            grain = 6.0;

            // eyes with white, patterned iris and pupil; eyebrows above
            for side in [-1.0f32, 1.0] {
                let (eu, ev) = (0.5 + side * 0.125, 0.45);
                let brow = inside(u, v, eu, ev - 0.035, 0.06, 0.008);
                if brow < 1.0 {
                    c = [78.0, 54.0, 38.0];
                    grain = 14.0;
                }
                if inside(u, v, eu, ev, 0.05, 0.016) < 1.0 {
                    c = [238.0, 236.0, 232.0];
                    grain = 3.0;
                    let r = ((u - eu) * w).hypot((v - ev) * h) / scale;
                    if r < 22.0 {
                        let angle = ((v - ev) * h).atan2((u - eu) * w);
                        let rays = (angle * 24.0).sin();
                        c = mix([60.0, 96.0, 128.0], [96.0, 140.0, 170.0], 0.5 + 0.5 * rays);
                        grain = 10.0;
                    }
                    if r < 9.0 {
                        c = [18.0, 16.0, 16.0];
                        grain = 2.0;
                    }
                }
            }

            // nose shadow and mouth
            if (u - 0.5).abs() < 0.012 && v > 0.47 && v < 0.55 {
                c = [c[0] * 0.92, c[1] * 0.9, c[2] * 0.9];
            }
            if inside(u, v, 0.5, 0.6, 0.07, 0.012) < 1.0 {
                c = [176.0, 98.0, 96.0];
                grain = 6.0;
            }
        }

        // hair: cap over the top of the head, with strands
        let hair = inside(u, v, 0.5, 0.44, 0.29, 0.31);
        let hairline = 0.3 + 0.06 * ((u - 0.5) / 0.27).powi(2).min(1.0) * 2.0;
        if hair < 1.0 && (v < hairline || (head >= 1.0 && v < 0.5)) {
            let strands = (fx * 0.55 + 6.0 * (fy * 0.015).sin()).sin();
            c = mix([52.0, 34.0, 24.0], [96.0, 66.0, 44.0], 0.5 + 0.5 * strands);
            grain = 14.0;
        }

        let t = texture * grain;
        let px = |base: f32, k: f32| (base + t * (0.8 * n + 0.2 * k)).round().clamp(0.0, 255.0) as u8;
        Rgb([px(c[0], n2), px(c[1], -n2), px(c[2], n2 * 0.5)])
    })
}

/// The same scene drawn at half size and enlarged 2× with Catmull-Rom: a genuinely upscaled photo.
pub fn upscaled_portrait(width: u32, height: u32, seed: u64) -> RgbImage {
    let small = portrait(width / 2, height / 2, seed, 1.0);
    imageops::resize(&small, width, height, imageops::FilterType::CatmullRom)
}

pub fn encode_jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(image.as_raw(), image.width(), image.height(), image::ExtendedColorType::Rgb8)
        .expect("encoding to memory cannot fail");
    out
}
