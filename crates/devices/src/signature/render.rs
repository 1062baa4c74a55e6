//! Strokes → the signature image the producer order carries: JPEG, exactly 900 × 132 px (XhD since the
//! model change of 02.08.2021, domain.md §2.4), black ink on white, 8-bit grey.

use super::{PadSize, SignatureStrokes};
use crate::DeviceError;

pub const SIGNATURE_WIDTH: u32 = 900;
pub const SIGNATURE_HEIGHT: u32 = 132;
/// High quality: the producer scales and prints the image; blocking artefacts would show on the card.
pub const SIGNATURE_JPEG_QUALITY: u8 = 95;
/// A stroke must reach this far (its larger side, in millimetres on the pad) to count as ink: a tap of
/// the pen, with the pad's jitter, is a dot, not a signature.
pub const MIN_INK_EXTENT_MM: f32 = 1.0;

/// White border kept free on every side, in output pixels (wider than the thickest pen line).
const MARGIN_PX: f32 = 7.0;
/// Pen radius in output pixels without pressure; with pressure p it is `PEN_RADIUS_PX * (0.55 + 0.75 p)`.
const PEN_RADIUS_PX: f32 = 1.6;
/// More samples than any real signature has (a minute at 1 kHz); a bound on the work, not a rule.
const MAX_POINTS: usize = 60_000;
/// Long segments are drawn in pieces of at most this length, so the work grows with the ink, not the area.
const MAX_PIECE_PX: f32 = 8.0;

/// Draws `strokes` black on white, scaled (aspect kept, through millimetres) and centred into exactly
/// 900 × 132, and encodes that as a greyscale JPEG at quality 95.
///
/// Refused with `device_signature_empty` when no stroke reaches [`MIN_INK_EXTENT_MM`] (nothing written,
/// or only dots), with `device_strokes_invalid` for non-finite samples or absurdly many, with
/// `device_config_invalid` for a pad size that is not positive.
pub fn render_signature_jpeg(strokes: &SignatureStrokes, pad: PadSize) -> Result<Vec<u8>, DeviceError> {
    let pixels = rasterize(strokes, pad)?;
    let mut jpeg = Vec::with_capacity(32 * 1024);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, SIGNATURE_JPEG_QUALITY)
        .encode(&pixels, SIGNATURE_WIDTH, SIGNATURE_HEIGHT, image::ExtendedColorType::L8)
        .map_err(|e| DeviceError::EncodeFailed { reason: e.to_string() })?;
    Ok(jpeg)
}

/// A sample converted to millimetres, with its pen radius in output pixels.
#[derive(Clone, Copy)]
struct Mm {
    x: f32,
    y: f32,
    radius: f32,
}

/// The 900 × 132 grey pixels (row-major, 255 white) before encoding.
pub(crate) fn rasterize(strokes: &SignatureStrokes, pad: PadSize) -> Result<Vec<u8>, DeviceError> {
    pad.validate()?;
    if strokes.point_count() > MAX_POINTS {
        return Err(DeviceError::StrokesInvalid { reason: format!("more than {MAX_POINTS} samples") });
    }
    let (mm_x, mm_y) = (pad.width_mm / pad.width, pad.height_mm / pad.height);
    let mut converted: Vec<Vec<Mm>> = Vec::with_capacity(strokes.strokes.len());
    for stroke in &strokes.strokes {
        let mut points = Vec::with_capacity(stroke.points.len());
        for p in &stroke.points {
            let pressure = p.pressure.unwrap_or(0.6);
            if !(p.x.is_finite() && p.y.is_finite() && pressure.is_finite()) {
                return Err(DeviceError::StrokesInvalid { reason: "a sample is not a finite number".into() });
            }
            points.push(Mm {
                x: p.x * mm_x,
                y: p.y * mm_y,
                radius: PEN_RADIUS_PX * (0.55 + 0.75 * pressure.clamp(0.0, 1.0)),
            });
        }
        converted.push(points);
    }

    // Ink: strokes that are more than a dot. Only they decide the frame; dots inside it are drawn too.
    let extent = |points: &[Mm]| -> Option<(f32, f32, f32, f32)> {
        let first = points.first()?;
        Some(points.iter().fold((first.x, first.y, first.x, first.y), |(x0, y0, x1, y1), p| {
            (x0.min(p.x), y0.min(p.y), x1.max(p.x), y1.max(p.y))
        }))
    };
    let mut frame: Option<(f32, f32, f32, f32)> = None;
    for points in &converted {
        if let Some((x0, y0, x1, y1)) = extent(points) {
            if (x1 - x0).max(y1 - y0) >= MIN_INK_EXTENT_MM {
                frame = Some(match frame {
                    None => (x0, y0, x1, y1),
                    Some((a0, b0, a1, b1)) => (a0.min(x0), b0.min(y0), a1.max(x1), b1.max(y1)),
                });
            }
        }
    }
    let Some((x0, y0, x1, y1)) = frame else {
        return Err(DeviceError::SignatureEmpty);
    };

    // Fit the ink's box into the inner area, aspect kept, centred.
    let (inner_w, inner_h) = (SIGNATURE_WIDTH as f32 - 2.0 * MARGIN_PX, SIGNATURE_HEIGHT as f32 - 2.0 * MARGIN_PX);
    let (ink_w, ink_h) = (x1 - x0, y1 - y0);
    let scale = (inner_w / ink_w.max(f32::MIN_POSITIVE)).min(inner_h / ink_h.max(f32::MIN_POSITIVE));
    let off_x = (SIGNATURE_WIDTH as f32 - ink_w * scale) / 2.0 - x0 * scale;
    let off_y = (SIGNATURE_HEIGHT as f32 - ink_h * scale) / 2.0 - y0 * scale;
    let to_px = |p: &Mm| Mm { x: p.x * scale + off_x, y: p.y * scale + off_y, radius: p.radius };

    let mut ink = vec![0f32; (SIGNATURE_WIDTH * SIGNATURE_HEIGHT) as usize];
    for points in &converted {
        let px: Vec<Mm> = points.iter().map(to_px).collect();
        match px.as_slice() {
            [] => {}
            [only] => draw_segment(&mut ink, *only, *only),
            _ => {
                for pair in px.windows(2) {
                    draw_segment(&mut ink, pair[0], pair[1]);
                }
            }
        }
    }
    Ok(ink.iter().map(|c| (255.0 - 255.0 * c).round() as u8).collect())
}

/// Draws the capsule from `a` to `b` (radius interpolated along it) with an anti-aliased edge; where
/// lines overlap the darker wins.
fn draw_segment(ink: &mut [f32], a: Mm, b: Mm) {
    let length = ((b.x - a.x).powi(2) + (b.y - a.y).powi(2)).sqrt();
    let pieces = (length / MAX_PIECE_PX).ceil().max(1.0) as usize;
    for i in 0..pieces {
        let (t0, t1) = (i as f32 / pieces as f32, (i + 1) as f32 / pieces as f32);
        let lerp = |t: f32| Mm {
            x: a.x + (b.x - a.x) * t,
            y: a.y + (b.y - a.y) * t,
            radius: a.radius + (b.radius - a.radius) * t,
        };
        draw_piece(ink, lerp(t0), lerp(t1));
    }
}

fn draw_piece(ink: &mut [f32], a: Mm, b: Mm) {
    let reach = a.radius.max(b.radius) + 1.0;
    let (w, h) = (SIGNATURE_WIDTH as i64, SIGNATURE_HEIGHT as i64);
    let x_from = ((a.x.min(b.x) - reach).floor() as i64).clamp(0, w);
    let x_to = ((a.x.max(b.x) + reach).ceil() as i64).clamp(0, w);
    let y_from = ((a.y.min(b.y) - reach).floor() as i64).clamp(0, h);
    let y_to = ((a.y.max(b.y) + reach).ceil() as i64).clamp(0, h);
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    for y in y_from..y_to {
        for x in x_from..x_to {
            let (cx, cy) = (x as f32 + 0.5, y as f32 + 0.5);
            let t = if len2 > 0.0 { (((cx - a.x) * dx + (cy - a.y) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
            let (nx, ny) = (a.x + dx * t, a.y + dy * t);
            let distance = ((cx - nx).powi(2) + (cy - ny).powi(2)).sqrt();
            let radius = a.radius + (b.radius - a.radius) * t;
            let coverage = (radius + 0.5 - distance).clamp(0.0, 1.0);
            let cell = &mut ink[(y * w + x) as usize];
            *cell = cell.max(coverage);
        }
    }
}
