//! Synthetic camera frames of a photo code, shared by the tests and `examples/scan-bench.rs`
//! (included there with `#[path]`, so it is not public API of the crate).
//!
//! A frame is rendered by inverse mapping every output pixel through a homography into the code's
//! module grid (3×3 supersampling), on a sheet of paper lying on a darker desk, with uneven light;
//! then optional Gaussian blur and additive noise. That covers what a webcam at the counter does to a
//! printed code: rotation, tilt, defocus, sensor noise.

#![allow(dead_code)]

use base64::Engine as _;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sym {
    DataMatrix,
    Qr,
}

impl Sym {
    pub fn name(self) -> &'static str {
        match self {
            Sym::DataMatrix => "datamatrix",
            Sym::Qr => "qr",
        }
    }
}

/// Modules of a code without quiet zone, row-major, `true` = dark.
pub struct CodeMatrix {
    pub width: usize,
    pub height: usize,
    pub dark: Vec<bool>,
    /// Quiet zone the symbology asks for, in modules.
    pub quiet: usize,
}

impl CodeMatrix {
    fn is_dark(&self, u: f32, v: f32) -> bool {
        if u < 0.0 || v < 0.0 {
            return false;
        }
        let (x, y) = (u as usize, v as usize);
        x < self.width && y < self.height && self.dark[y * self.width + x]
    }
}

/// A realistic TR-03170 payload: 150 bytes starting with magic 0xE2 and version 0x01, Base64 encoded
/// (200 characters), as it is printed into the code.
pub fn payload(seed: u64) -> String {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5ca1_ab1e);
    let mut bytes = vec![0u8; 150];
    rng.fill_bytes(&mut bytes);
    bytes[0] = 0xE2;
    bytes[1] = 0x01;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn code_matrix(sym: Sym, text: &str) -> CodeMatrix {
    match sym {
        Sym::DataMatrix => {
            let code = datamatrix::DataMatrix::encode_str(text, datamatrix::SymbolList::default().enforce_square())
                .expect("payload fits a Data Matrix");
            let bitmap = code.bitmap();
            let (width, height) = (bitmap.width(), bitmap.height());
            let mut dark = vec![false; width * height];
            for (x, y) in bitmap.pixels() {
                dark[y * width + x] = true;
            }
            CodeMatrix { width, height, dark, quiet: 2 }
        }
        Sym::Qr => {
            let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
                .expect("payload fits a QR code");
            let width = code.width();
            let dark = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
            CodeMatrix { width, height: width, dark, quiet: 4 }
        }
    }
}

/// How the code appears in the frame.
#[derive(Debug, Clone, Copy)]
pub struct Scene {
    pub width: u32,
    pub height: u32,
    /// Size of one module in pixels (before perspective).
    pub module_px: f32,
    pub rotation_deg: f32,
    /// Perspective strength: relative shrink of the far edge (0.2 = far edge 20 % shorter).
    pub tilt: f32,
    /// Direction of the tilt in degrees.
    pub tilt_dir_deg: f32,
    /// Shift of the code centre from the frame centre, in pixels.
    pub offset: (f32, f32),
    pub blur_sigma: f32,
    pub noise_sigma: f32,
}

impl Scene {
    pub fn plain(width: u32, height: u32, module_px: f32) -> Self {
        Scene {
            width,
            height,
            module_px,
            rotation_deg: 0.0,
            tilt: 0.0,
            tilt_dir_deg: 0.0,
            offset: (0.0, 0.0),
            blur_sigma: 0.0,
            noise_sigma: 0.0,
        }
    }
}

type Mat3 = [[f64; 3]; 3];

fn mul(a: &Mat3, b: &Mat3) -> Mat3 {
    let mut m = [[0.0; 3]; 3];
    for (i, row) in m.iter_mut().enumerate() {
        for (j, cell) in row.iter_mut().enumerate() {
            *cell = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    m
}

fn invert(m: &Mat3) -> Mat3 {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    let c = |r1: usize, c1: usize, r2: usize, c2: usize| m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1];
    [
        [c(1, 1, 2, 2) / det, -c(0, 1, 2, 2) / det, c(0, 1, 1, 2) / det],
        [-c(1, 0, 2, 2) / det, c(0, 0, 2, 2) / det, -c(0, 0, 1, 2) / det],
        [c(1, 0, 2, 1) / det, -c(0, 0, 2, 1) / det, c(0, 0, 1, 1) / det],
    ]
}

/// Renders `code` into an 8-bit grayscale frame.
pub fn render(code: &CodeMatrix, scene: &Scene, seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    let (w, h) = (scene.width as usize, scene.height as usize);
    let cw = code.width as f64;
    let ch = code.height as f64;

    // Code plane (modules) -> centred -> scaled to pixels -> rotated -> perspective -> frame position.
    let s = scene.module_px as f64;
    let centre: Mat3 = [[1.0, 0.0, -cw / 2.0], [0.0, 1.0, -ch / 2.0], [0.0, 0.0, 1.0]];
    let scale: Mat3 = [[s, 0.0, 0.0], [0.0, s, 0.0], [0.0, 0.0, 1.0]];
    let (sin, cos) = (scene.rotation_deg as f64).to_radians().sin_cos();
    let rot: Mat3 = [[cos, -sin, 0.0], [sin, cos, 0.0], [0.0, 0.0, 1.0]];
    let half = (cw.max(ch) * s / 2.0).max(1.0);
    let (ts, tc) = (scene.tilt_dir_deg as f64).to_radians().sin_cos();
    let k = scene.tilt as f64 / 2.0 / half;
    let persp: Mat3 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [k * tc, k * ts, 1.0]];
    let place: Mat3 = [
        [1.0, 0.0, w as f64 / 2.0 + scene.offset.0 as f64],
        [0.0, 1.0, h as f64 / 2.0 + scene.offset.1 as f64],
        [0.0, 0.0, 1.0],
    ];
    let forward = mul(&place, &mul(&persp, &mul(&rot, &mul(&scale, &centre))));
    let inv = invert(&forward);

    // The sheet extends well beyond the quiet zone, like a printed A4 page around the code.
    let margin = code.quiet as f64 + 8.0;
    let paper = rng.gen_range(185.0..225.0f32);
    let ink = rng.gen_range(25.0..55.0f32);
    let desk = rng.gen_range(60.0..110.0f32);
    // Uneven light: a linear gradient across the frame of up to ±15 %.
    let (gx, gy) = (rng.gen_range(-0.15..0.15f32), rng.gen_range(-0.15..0.15f32));

    const SUB: [f64; 3] = [1.0 / 6.0, 0.5, 5.0 / 6.0];
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0f32;
            for sy in SUB {
                for sx in SUB {
                    let (px, py) = (x as f64 + sx, y as f64 + sy);
                    let zw = inv[2][0] * px + inv[2][1] * py + inv[2][2];
                    let u = (inv[0][0] * px + inv[0][1] * py + inv[0][2]) / zw;
                    let v = (inv[1][0] * px + inv[1][1] * py + inv[1][2]) / zw;
                    acc += if u < -margin || v < -margin || u > cw + margin || v > ch + margin {
                        desk + 12.0 * ((px * 0.05).sin() * (py * 0.031).cos()) as f32
                    } else if code.is_dark(u as f32, v as f32) {
                        ink
                    } else {
                        paper
                    };
                }
            }
            let light = 1.0 + gx * (x as f32 / w as f32 - 0.5) * 2.0 + gy * (y as f32 / h as f32 - 0.5) * 2.0;
            out[y * w + x] = acc / 9.0 * light;
        }
    }

    if scene.blur_sigma > 0.0 {
        gaussian_blur(&mut out, w, h, scene.blur_sigma);
    }
    if scene.noise_sigma > 0.0 {
        for p in &mut out {
            *p += gaussian(&mut rng) * scene.noise_sigma;
        }
    }
    out.into_iter().map(|p| p.round().clamp(0.0, 255.0) as u8).collect()
}

fn gaussian(rng: &mut StdRng) -> f32 {
    // Box–Muller; one of the pair is enough here.
    let u1: f32 = rng.gen_range(f32::EPSILON..1.0);
    let u2: f32 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f32::consts::PI * u2).cos()
}

fn gaussian_blur(img: &mut [f32], w: usize, h: usize, sigma: f32) {
    let r = (sigma * 3.0).ceil() as isize;
    let kernel: Vec<f32> = (-r..=r).map(|i| (-((i * i) as f32) / (2.0 * sigma * sigma)).exp()).collect();
    let norm: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.into_iter().map(|k| k / norm).collect();
    let mut tmp = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (i, k) in kernel.iter().enumerate() {
                let xx = (x as isize + i as isize - r).clamp(0, w as isize - 1) as usize;
                acc += k * img[y * w + xx];
            }
            tmp[y * w + x] = acc;
        }
    }
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (i, k) in kernel.iter().enumerate() {
                let yy = (y as isize + i as isize - r).clamp(0, h as isize - 1) as usize;
                acc += k * tmp[yy * w + x];
            }
            img[y * w + x] = acc;
        }
    }
}

/// The benchmark's variants of one code in one frame size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Clean,
    Rot10,
    Rot30,
    Blur,
    Noise,
    Tilt,
}

pub const VARIANTS: [Variant; 6] =
    [Variant::Clean, Variant::Rot10, Variant::Rot30, Variant::Blur, Variant::Noise, Variant::Tilt];

impl Variant {
    pub fn name(self) -> &'static str {
        match self {
            Variant::Clean => "clean",
            Variant::Rot10 => "rot10",
            Variant::Rot30 => "rot30",
            Variant::Blur => "blur",
            Variant::Noise => "noise",
            Variant::Tilt => "tilt",
        }
    }

    /// A scene for this variant. Module sizes are what a webcam at arm's length sees of a 3–4 cm
    /// printed code: 3.5–5 px at 640×480, 4.5–7 px at 1280×720. Every frame gets a little defocus
    /// and sensor noise; the variant adds its own distortion on top.
    pub fn scene(self, width: u32, height: u32, code_modules: usize, seed: u64) -> Scene {
        let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let module_px = if width <= 640 { rng.gen_range(3.5..5.0) } else { rng.gen_range(4.5..7.0) };
        let extent = code_modules as f32 * module_px * 1.45;
        let room_x = ((width as f32 - extent) / 2.0).max(0.0);
        let room_y = ((height as f32 - extent) / 2.0).max(0.0);
        let mut scene = Scene {
            width,
            height,
            module_px,
            rotation_deg: rng.gen_range(-3.0..3.0),
            tilt: 0.0,
            tilt_dir_deg: 0.0,
            offset: (rng.gen_range(-room_x..=room_x), rng.gen_range(-room_y..=room_y)),
            blur_sigma: 0.6,
            noise_sigma: 3.0,
        };
        let sign = if rng.gen_bool(0.5) { 1.0 } else { -1.0 };
        match self {
            Variant::Clean => {}
            Variant::Rot10 => scene.rotation_deg = sign * 10.0,
            Variant::Rot30 => scene.rotation_deg = sign * 30.0,
            Variant::Blur => scene.blur_sigma = module_px * rng.gen_range(0.3..0.4),
            Variant::Noise => scene.noise_sigma = rng.gen_range(16.0..24.0),
            Variant::Tilt => {
                scene.tilt = rng.gen_range(0.2..0.3);
                scene.tilt_dir_deg = rng.gen_range(0.0..360.0);
                scene.rotation_deg = rng.gen_range(-15.0..15.0);
            }
        }
        scene
    }
}
