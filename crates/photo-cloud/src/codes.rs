//! The printed code: Data Matrix ECC 200 (what TR-03170 Teil 2 §2.3 asks for) and a QR code
//! (what many people and some scanners expect), both of the Base64 text, as PNG; and the
//! printable slip for the citizen. Pure functions: no network, no files.

use std::io::Cursor;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use datamatrix::{DataMatrix, SymbolList};
use image::{GrayImage, ImageFormat, Luma};
use time::Date;

/// Pixels per module in the PNGs. At the slip's print size a module is 0.5 mm, above the
/// 0.3386 mm minimum (≈ 4 dots at 300 dpi).
pub const MODULE_PX: u32 = 8;
/// Light margin around a Data Matrix, in modules (ISO/IEC 16022 asks for at least one).
pub const DATAMATRIX_QUIET_MODULES: u32 = 2;
/// Light margin around a QR code, in modules (ISO/IEC 18004 asks for four).
pub const QR_QUIET_MODULES: u32 = 4;
/// Printed size of one module on the slip.
const PRINT_MODULE_MM: f32 = 0.5;

#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("Der Code passt in keinen Data-Matrix-Code.")]
    DataMatrixTooLarge,
    #[error("Der Code passt in keinen QR-Code: {0}")]
    Qr(String),
    #[error("Das Bild des Codes konnte nicht geschrieben werden: {0}")]
    Png(String),
}

/// A symbol as dark/light modules, row by row, without quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modules {
    pub width: usize,
    pub height: usize,
    pub dark: Vec<bool>,
}

impl Modules {
    /// Data Matrix ECC 200, smallest square symbol that holds `text`.
    pub fn datamatrix(text: &str) -> Result<Self, CodeError> {
        let bitmap = DataMatrix::encode(text.as_bytes(), SymbolList::default().enforce_square())
            .map_err(|_| CodeError::DataMatrixTooLarge)?
            .bitmap();
        let (width, height) = (bitmap.width(), bitmap.height());
        let mut dark = vec![false; width * height];
        for (x, y) in bitmap.pixels() {
            dark[y * width + x] = true;
        }
        Ok(Self { width, height, dark })
    }

    /// QR code, error correction level M.
    pub fn qr(text: &str) -> Result<Self, CodeError> {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
            .map_err(|error| CodeError::Qr(error.to_string()))?;
        let width = code.width();
        let dark = code.to_colors().into_iter().map(|color| color == qrcode::Color::Dark).collect();
        Ok(Self { width, height: width, dark })
    }

    /// A greyscale PNG: `module_px` pixels per module and `quiet` light modules around.
    pub fn to_png(&self, module_px: u32, quiet: u32) -> Result<Vec<u8>, CodeError> {
        let side = |modules: usize| (modules as u32 + 2 * quiet) * module_px;
        let mut image = GrayImage::from_pixel(side(self.width), side(self.height), Luma([255]));
        for (index, _) in self.dark.iter().enumerate().filter(|(_, dark)| **dark) {
            let (x, y) = ((index % self.width) as u32 + quiet, (index / self.width) as u32 + quiet);
            for dy in 0..module_px {
                for dx in 0..module_px {
                    image.put_pixel(x * module_px + dx, y * module_px + dy, Luma([0]));
                }
            }
        }
        let mut png = Cursor::new(Vec::new());
        image.write_to(&mut png, ImageFormat::Png).map_err(|error| CodeError::Png(error.to_string()))?;
        Ok(png.into_inner())
    }
}

/// The Data Matrix PNG of the code text (the Base64 payload).
pub fn datamatrix_png(text: &str) -> Result<Vec<u8>, CodeError> {
    Modules::datamatrix(text)?.to_png(MODULE_PX, DATAMATRIX_QUIET_MODULES)
}

/// The QR PNG of the code text.
pub fn qr_png(text: &str) -> Result<Vec<u8>, CodeError> {
    Modules::qr(text)?.to_png(MODULE_PX, QR_QUIET_MODULES)
}

/// Size of the frames of [`camera_frames`], a common webcam mode.
pub const CAMERA_FRAME: (u32, u32) = (640, 480);
const CAMERA_EMPTY_FRAMES: usize = 4;
const CAMERA_CODE_FRAMES: usize = 6;
const CAMERA_MODULE_PX: u32 = 4;

/// The slip held up to a webcam, as PNG frames: a few frames of an empty counter, then the
/// Data Matrix in the middle, moving a little as a hand does, over sensor noise. Played in a loop
/// it stands in for the camera where there is none (demo, tests).
pub fn camera_frames(text: &str) -> Result<Vec<Vec<u8>>, CodeError> {
    let code = Modules::datamatrix(text)?.to_png(CAMERA_MODULE_PX, DATAMATRIX_QUIET_MODULES)?;
    let code = image::load_from_memory(&code).map_err(|error| CodeError::Png(error.to_string()))?.to_luma8();
    let (width, height) = CAMERA_FRAME;
    let mut noise_state: u32 = 0x9e37_79b9;
    let mut frames = Vec::with_capacity(CAMERA_EMPTY_FRAMES + CAMERA_CODE_FRAMES);
    for index in 0..CAMERA_EMPTY_FRAMES + CAMERA_CODE_FRAMES {
        let mut frame = GrayImage::from_fn(width, height, |x, y| Luma([140 + ((x / 9 + y / 7) % 5) as u8 * 6]));
        if index >= CAMERA_EMPTY_FRAMES {
            let jitter = (index - CAMERA_EMPTY_FRAMES) as i64 * 3;
            let x = i64::from((width - code.width()) / 2) + jitter - 6;
            let y = i64::from((height - code.height()) / 2) - jitter / 2;
            image::imageops::overlay(&mut frame, &code, x, y);
        }
        for pixel in frame.pixels_mut() {
            // xorshift: a little deterministic sensor noise, ±6 grey levels.
            noise_state ^= noise_state << 13;
            noise_state ^= noise_state >> 17;
            noise_state ^= noise_state << 5;
            pixel.0[0] = pixel.0[0].saturating_add_signed((noise_state % 13) as i8 - 6);
        }
        let mut png = Cursor::new(Vec::new());
        frame.write_to(&mut png, ImageFormat::Png).map_err(|error| CodeError::Png(error.to_string()))?;
        frames.push(png.into_inner());
    }
    Ok(frames)
}

/// The printable slip (German, A6) with the Data Matrix embedded. The code's contents are not
/// printed as text (TR-03170 Teil 2 §2.3): whoever reads them holds the photo's key.
pub fn slip_html(studio_name: &str, taken_on: Date, code_text: &str) -> Result<String, CodeError> {
    let modules = Modules::datamatrix(code_text)?;
    let png = modules.to_png(MODULE_PX, DATAMATRIX_QUIET_MODULES)?;
    let print_mm = (modules.width as u32 + 2 * DATAMATRIX_QUIET_MODULES) as f32 * PRINT_MODULE_MM;
    let date = format!("{:02}.{:02}.{}", taken_on.day(), u8::from(taken_on.month()), taken_on.year());
    Ok(format!(
        r#"<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<title>Ihr digitales Passbild</title>
<style>
  @page {{ size: A6; margin: 10mm; }}
  body {{ font-family: "Helvetica Neue", Arial, sans-serif; color: #000; background: #fff; max-width: 105mm; }}
  h1 {{ font-size: 14pt; margin: 0 0 2mm; }}
  .studio {{ font-weight: bold; margin: 0; }}
  .date {{ margin: 0 0 4mm; }}
  .code img {{ width: {print_mm:.1}mm; height: {print_mm:.1}mm; image-rendering: pixelated; }}
  .hint {{ font-size: 12pt; font-weight: bold; }}
  .small {{ font-size: 8pt; }}
</style>
</head>
<body>
<h1>Ihr digitales Passbild</h1>
<p class="studio">{studio}</p>
<p class="date">Aufgenommen am {date}</p>
<div class="code"><img alt="Data-Matrix-Code für das Bürgerbüro" src="data:image/png;base64,{png}"></div>
<p class="hint">Bitte bringen Sie diesen Code zu Ihrem Termin im Bürgerbüro mit.</p>
<p class="small">Mit dem Code ruft die Behörde Ihr verschlüsselt gespeichertes Passbild ab. Das Passbild wird spätestens sechs Monate nach der Aufnahme gelöscht. Bitte geben Sie den Code nur der Behörde.</p>
</body>
</html>
"#,
        studio = escape_html(studio_name),
        png = BASE64.encode(png),
    ))
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "4gEdaHR0cHM6Ly9jbG91ZC5leGFtcGxlOjg0NDM=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    #[test]
    fn datamatrix_round_trips_through_the_decoder() {
        let modules = Modules::datamatrix(TEXT).unwrap();
        assert_eq!(modules.width, modules.height, "square symbol");
        let decoded = DataMatrix::decode(&modules.dark, modules.width).unwrap();
        assert_eq!(decoded, TEXT.as_bytes());
    }

    #[test]
    fn png_has_module_size_and_quiet_zone() {
        let modules = Modules::datamatrix(TEXT).unwrap();
        let png = modules.to_png(MODULE_PX, DATAMATRIX_QUIET_MODULES).unwrap();
        let image = image::load_from_memory_with_format(&png, ImageFormat::Png).unwrap().to_luma8();
        let side = (modules.width as u32 + 2 * DATAMATRIX_QUIET_MODULES) * MODULE_PX;
        assert_eq!(image.dimensions(), (side, side));
        let quiet = DATAMATRIX_QUIET_MODULES * MODULE_PX;
        assert!(
            (0..side).all(|i| image.get_pixel(i, quiet - 1).0[0] == 255 && image.get_pixel(quiet - 1, i).0[0] == 255)
        );
        // The L-shaped finder: left column and bottom row are dark.
        assert_eq!(image.get_pixel(quiet, quiet).0[0], 0);
        assert_eq!(image.get_pixel(side - quiet - 1, side - quiet - 1).0[0], 0);
    }

    #[test]
    fn qr_encodes() {
        let modules = Modules::qr(TEXT).unwrap();
        assert!(modules.width >= 21);
        assert!(!qr_png(TEXT).unwrap().is_empty());
    }

    #[test]
    fn slip_embeds_the_image_but_not_the_code_text() {
        let html = slip_html("Foto <Muster> & Söhne", time::macros::date!(2025 - 05 - 02), TEXT).unwrap();
        assert!(html.contains("Bitte bringen Sie diesen Code zu Ihrem Termin im Bürgerbüro mit."));
        assert!(html.contains("Foto &lt;Muster&gt; &amp; Söhne"));
        assert!(html.contains("02.05.2025"));
        assert!(html.contains("data:image/png;base64,"));
        assert!(!html.contains(TEXT));
    }
}
