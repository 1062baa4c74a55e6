//! The signature image: exactly 900 × 132, aspect kept, centred, refused without ink.

use schalter_devices::{
    render_signature_jpeg, DeviceError, PadSize, SignaturePad, SignaturePoint, SignatureStrokes, SimulatedSignaturePad,
    Stroke, SIGNATURE_HEIGHT, SIGNATURE_WIDTH,
};

/// 0.1 mm per unit on both axes.
const PAD: PadSize = PadSize { width: 2000.0, height: 1000.0, width_mm: 200.0, height_mm: 100.0 };

fn stroke(points: &[(f32, f32)]) -> Stroke {
    Stroke { points: points.iter().map(|&(x, y)| SignaturePoint { x, y, pressure: None }).collect() }
}

fn strokes(list: Vec<Stroke>) -> SignatureStrokes {
    SignatureStrokes { strokes: list }
}

/// A zigzag over `w` × `h` units starting at (x, y).
fn zigzag(x: f32, y: f32, w: f32, h: f32, teeth: usize) -> Stroke {
    let pts: Vec<(f32, f32)> =
        (0..=teeth * 2).map(|i| (x + w * i as f32 / (teeth * 2) as f32, if i % 2 == 0 { y + h } else { y })).collect();
    stroke(&pts)
}

/// Decodes and checks the frame; returns the grey pixels.
fn decode(jpeg: &[u8]) -> image::GrayImage {
    assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
    let decoded = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).expect("decodes");
    assert_eq!((decoded.width(), decoded.height()), (900, 132));
    assert_eq!((SIGNATURE_WIDTH, SIGNATURE_HEIGHT), (900, 132));
    assert_eq!(decoded.color(), image::ColorType::L8, "greyscale");
    decoded.to_luma8()
}

/// The ink's box (pixels darker than mid grey) as (x0, y0, x1, y1), inclusive, and the count of ink pixels.
fn ink_box(img: &image::GrayImage) -> ((u32, u32, u32, u32), usize) {
    let (mut x0, mut y0, mut x1, mut y1, mut n) = (u32::MAX, u32::MAX, 0, 0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        if p.0[0] < 128 {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            n += 1;
        }
    }
    assert!(n > 0, "some ink in the image");
    ((x0, y0, x1, y1), n)
}

fn assert_centred(b: (u32, u32, u32, u32)) {
    let (x0, y0, x1, y1) = b;
    let (left, right) = (x0 as i64, 899 - x1 as i64);
    let (top, bottom) = (y0 as i64, 131 - y1 as i64);
    assert!((left - right).abs() <= 3, "centred horizontally: {left} / {right}");
    assert!((top - bottom).abs() <= 3, "centred vertically: {top} / {bottom}");
    assert!(left >= 3 && right >= 3 && top >= 3 && bottom >= 3, "a white margin: {b:?}");
}

#[test]
fn jpeg_is_900_by_132_for_very_wide_very_tall_and_tiny_signatures() {
    // Very wide: 180 × 2 mm. Fills the width; 2 mm at the width's scale (886 / 180 mm) is ~10 px high.
    let wide = decode(&render_signature_jpeg(&strokes(vec![zigzag(100.0, 500.0, 1800.0, 20.0, 30)]), PAD).unwrap());
    let (b, _) = ink_box(&wide);
    assert_centred(b);
    assert!(b.2 - b.0 >= 880, "fills the width: {b:?}");
    assert!(b.3 - b.1 <= 16, "keeps its aspect: {b:?}");

    // Very tall: 2 × 60 mm. Fills the height; 2 mm at the height's scale (118 / 60 mm) is ~4 px wide.
    let tall = decode(&render_signature_jpeg(&strokes(vec![zigzag(1000.0, 100.0, 20.0, 600.0, 1)]), PAD).unwrap());
    let (b, _) = ink_box(&tall);
    assert_centred(b);
    assert!(b.3 - b.1 >= 116, "fills the height: {b:?}");
    assert!(b.2 - b.0 <= 10, "keeps its aspect: {b:?}");

    // Tiny: a 3 × 1.5 mm loop, scaled up to fill the height: about 236 × 118 px.
    let tiny_loop = stroke(&[(500.0, 500.0), (530.0, 500.0), (530.0, 515.0), (500.0, 515.0), (500.0, 500.0)]);
    let tiny = decode(&render_signature_jpeg(&strokes(vec![tiny_loop]), PAD).unwrap());
    let (b, _) = ink_box(&tiny);
    assert_centred(b);
    let (w, h) = ((b.2 - b.0) as f32, (b.3 - b.1) as f32);
    assert!(h >= 116.0, "fills the height: {b:?}");
    assert!((w / h - 2.0).abs() < 0.06, "aspect 2:1 kept: {w} × {h}");
}

#[test]
fn the_aspect_goes_through_millimetres_when_the_pad_units_are_not_square() {
    // 1000 × 1000 units over 100 × 50 mm: a square in units is a 2:1 rectangle on the pad.
    let pad = PadSize { width: 1000.0, height: 1000.0, width_mm: 100.0, height_mm: 50.0 };
    let square = stroke(&[(400.0, 400.0), (600.0, 400.0), (600.0, 600.0), (400.0, 600.0), (400.0, 400.0)]);
    let img = decode(&render_signature_jpeg(&strokes(vec![square]), pad).unwrap());
    let (b, _) = ink_box(&img);
    assert_centred(b);
    let (w, h) = ((b.2 - b.0) as f32, (b.3 - b.1) as f32);
    assert!((w / h - 2.0).abs() < 0.06, "2:1 on the pad, 2:1 in the image: {w} × {h}");
}

#[test]
fn an_empty_signature_is_refused_and_a_real_one_passes() {
    let dot = SignaturePoint { x: 700.0, y: 300.0, pressure: Some(0.5) };
    let jitter = |dx: f32, dy: f32| SignaturePoint { x: dot.x + dx, y: dot.y + dy, pressure: None };
    let refused = [
        ("nothing", strokes(vec![])),
        ("an empty stroke", strokes(vec![Stroke::default()])),
        ("a single dot", strokes(vec![Stroke { points: vec![dot] }])),
        (
            "a tap with the pad's jitter (0.4 mm)",
            strokes(vec![Stroke { points: vec![dot, jitter(4.0, 2.0), jitter(-1.0, 3.0)] }]),
        ),
        ("dots far apart", strokes(vec![Stroke { points: vec![dot] }, Stroke { points: vec![jitter(900.0, 400.0)] }])),
    ];
    for (what, signature) in refused {
        let err = render_signature_jpeg(&signature, PAD).unwrap_err();
        assert_eq!(err, DeviceError::SignatureEmpty, "{what}");
        assert_eq!(err.code(), "device_signature_empty");
    }
    assert_eq!(
        render_signature_jpeg(&SimulatedSignaturePad::tapped_once().capture().unwrap(), SimulatedSignaturePad::PAD),
        Err(DeviceError::SignatureEmpty)
    );

    let pad = SimulatedSignaturePad::new(7);
    let jpeg = render_signature_jpeg(&pad.capture().unwrap(), pad.pad_size()).unwrap();
    let (b, ink) = ink_box(&decode(&jpeg));
    assert_centred(b);
    assert!(ink > 2000, "a signature's worth of ink: {ink} px");
}

#[test]
fn a_dot_next_to_ink_is_drawn_inside_the_frame_of_the_ink() {
    // The i-dot: it does not decide the frame but is drawn.
    let line = zigzag(100.0, 500.0, 400.0, 100.0, 4);
    let i_dot = Stroke { points: vec![SignaturePoint { x: 300.0, y: 550.0, pressure: None }] };
    let img = decode(&render_signature_jpeg(&strokes(vec![line.clone()]), PAD).unwrap());
    let with_dot = decode(&render_signature_jpeg(&strokes(vec![line, i_dot]), PAD).unwrap());
    assert_eq!(ink_box(&img).0, ink_box(&with_dot).0);
    assert!(ink_box(&with_dot).1 > ink_box(&img).1);
}

#[test]
fn pressure_makes_the_line_wider() {
    let line = |p: f32| SignatureStrokes {
        strokes: vec![Stroke {
            points: (0..=10)
                .map(|i| SignaturePoint {
                    x: 100.0 + 100.0 * i as f32,
                    y: 500.0 + 10.0 * (i % 2) as f32,
                    pressure: Some(p),
                })
                .collect(),
        }],
    };
    let light = ink_box(&decode(&render_signature_jpeg(&line(0.0), PAD).unwrap())).1;
    let heavy = ink_box(&decode(&render_signature_jpeg(&line(1.0), PAD).unwrap())).1;
    assert!(heavy > light, "{heavy} > {light}");
}

#[test]
fn invalid_samples_and_pads_are_refused() {
    let bad = strokes(vec![stroke(&[(0.0, 0.0), (f32::NAN, 10.0)])]);
    assert_eq!(render_signature_jpeg(&bad, PAD).unwrap_err().code(), "device_strokes_invalid");
    let ok = strokes(vec![zigzag(0.0, 0.0, 500.0, 100.0, 3)]);
    for pad in
        [PadSize { width: 0.0, ..PAD }, PadSize { height_mm: -1.0, ..PAD }, PadSize { width_mm: f32::INFINITY, ..PAD }]
    {
        assert_eq!(render_signature_jpeg(&ok, pad).unwrap_err().code(), "device_config_invalid");
    }
    let huge = strokes(vec![Stroke { points: vec![SignaturePoint { x: 1.0, y: 1.0, pressure: None }; 60_001] }]);
    assert_eq!(render_signature_jpeg(&huge, PAD).unwrap_err().code(), "device_strokes_invalid");
}

#[test]
fn the_simulated_pad_is_deterministic_and_stays_on_its_pad() {
    let a = SimulatedSignaturePad::new(42).capture().unwrap();
    assert_eq!(a, SimulatedSignaturePad::new(42).capture().unwrap());
    assert_ne!(a, SimulatedSignaturePad::new(43).capture().unwrap());
    for seed in 0..20 {
        let s = SimulatedSignaturePad::new(seed).capture().unwrap();
        assert!(s.strokes.len() >= 2, "two words at least");
        let pad = SimulatedSignaturePad::PAD;
        for p in s.strokes.iter().flat_map(|s| &s.points) {
            assert!((0.0..=pad.width).contains(&p.x) && (0.0..=pad.height).contains(&p.y));
            assert!(p.pressure.is_some_and(|p| (0.0..=1.0).contains(&p)));
        }
        decode(&render_signature_jpeg(&s, pad).unwrap());
    }
}

#[test]
fn debug_shows_counts_not_coordinates() {
    let s = strokes(vec![stroke(&[(123.456, 789.0), (321.0, 654.0)])]);
    let debug = format!("{s:?}");
    assert_eq!(debug, "SignatureStrokes { strokes: 1, points: 2 }");
}
