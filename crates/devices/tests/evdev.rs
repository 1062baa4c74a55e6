//! The evdev pad adapter on recorded byte streams (made here: `struct input_event` as the kernel writes it).

use std::io::{Cursor, Read};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use schalter_devices::signature::evdev::{
    capture_from, codes::*, read_recording, EventParser, InputEvent, StrokeAssembler, EVENT_SIZE,
};
use schalter_devices::{
    render_signature_jpeg, AxisRange, Contact, DeviceError, EvdevPadConfig, EvdevSignaturePad, SignaturePad,
};

fn config() -> EvdevPadConfig {
    EvdevPadConfig {
        path: "/dev/input/by-id/usb-test-event-if00".into(),
        x: AxisRange { min: 100, max: 10_100 },
        y: AxisRange { min: 0, max: 6000 },
        pressure: Some(AxisRange { min: 0, max: 1023 }),
        contact: Contact::BtnTouch,
        width_mm: 108.0,
        height_mm: 65.0,
        pause_ms: 40,
        deadline_ms: 5000,
        poll_ms: 2,
    }
}

/// Builds a recording: every call is one `input_event` 1 ms after the previous one.
#[derive(Default)]
struct Recorder {
    bytes: Vec<u8>,
    events: Vec<InputEvent>,
    usec: i64,
}

impl Recorder {
    fn ev(&mut self, kind: u16, code: u16, value: i32) -> &mut Self {
        self.usec += 1000;
        let e =
            InputEvent { sec: 1_700_000_000 + self.usec / 1_000_000, usec: self.usec % 1_000_000, kind, code, value };
        self.bytes.extend_from_slice(&e.to_bytes());
        self.events.push(e);
        self
    }
    fn syn(&mut self) -> &mut Self {
        self.ev(EV_SYN, SYN_REPORT, 0)
    }
    fn at(&mut self, x: i32, y: i32, pressure: i32) -> &mut Self {
        self.ev(EV_ABS, ABS_X, x).ev(EV_ABS, ABS_Y, y).ev(EV_ABS, ABS_PRESSURE, pressure).syn()
    }
    fn touch(&mut self, down: bool) -> &mut Self {
        self.ev(EV_KEY, BTN_TOUCH, down as i32)
    }
    /// The pen comes near, hovers, writes two strokes, hovers again.
    fn two_strokes() -> Self {
        let mut r = Recorder::default();
        r.ev(EV_KEY, BTN_TOOL_PEN, 1).at(2000, 3000, 0).at(2100, 3000, 0); // hovering: no ink
        r.touch(true).at(2100, 3000, 512);
        for i in 1..=20 {
            r.at(2100 + 200 * i, 3000 + if i % 2 == 0 { 500 } else { -500 }, 600);
        }
        r.touch(false).at(6500, 3100, 0).syn();
        r.touch(true).at(7000, 2000, 1023);
        for i in 1..=10 {
            r.ev(EV_ABS, ABS_Y, 2000 + 200 * i).syn(); // only Y changes: X keeps its last value
        }
        r.touch(false).syn().at(7500, 5000, 0).ev(EV_KEY, BTN_TOOL_PEN, 0).syn();
        r
    }
}

#[test]
fn a_recorded_stream_with_a_truncated_last_event() {
    let r = Recorder::two_strokes();
    let mut bytes = r.bytes.clone();
    let cut = InputEvent { sec: 1, usec: 2, kind: EV_ABS, code: ABS_X, value: 9999 }.to_bytes();
    bytes.extend_from_slice(&cut[..10]);

    let recording = read_recording(Cursor::new(&bytes)).unwrap();
    assert_eq!(recording.events, r.events, "every complete event, in order, field by field");
    assert_eq!(recording.truncated_tail, 10, "the cut event is reported, not invented");
    assert_eq!(EVENT_SIZE, 24);
    assert_eq!(
        recording.events[0],
        InputEvent { sec: 1_700_000_000, usec: 1000, kind: EV_KEY, code: BTN_TOOL_PEN, value: 1 }
    );

    let mut assembler = StrokeAssembler::new(&config());
    for e in recording.events {
        assembler.apply(e);
    }
    assert!(!assembler.pen_down());
    let strokes = assembler.finish();
    assert_eq!(strokes.strokes.len(), 2);
    let (first, second) = (&strokes.strokes[0].points, &strokes.strokes[1].points);
    assert_eq!(first.len(), 21, "the touch frame and 20 moves; hovering is not ink");
    assert_eq!((first[0].x, first[0].y), (2000.0, 3000.0), "offset by the axis minimum");
    assert!((first[0].pressure.unwrap() - 512.0 / 1023.0).abs() < 1e-6);
    assert_eq!(second.len(), 11);
    assert!(second.iter().all(|p| p.x == 6900.0), "X kept while only Y moved");
    assert_eq!(second[10].y, 4000.0);
    assert_eq!(second[0].pressure, Some(1.0));

    // The strokes make the producer's image with the configured pad size.
    let jpeg = render_signature_jpeg(&strokes, config().pad_size()).unwrap();
    let img = image::load_from_memory(&jpeg).unwrap();
    assert_eq!((img.width(), img.height()), (900, 132));
}

#[test]
fn chunks_of_any_size_give_the_same_events() {
    let r = Recorder::two_strokes();
    for chunk in [1, 5, 23, 24, 25, 100] {
        let mut parser = EventParser::new();
        let mut events = Vec::new();
        for piece in r.bytes.chunks(chunk) {
            parser.feed(piece, &mut events);
        }
        assert_eq!(events, r.events, "chunks of {chunk}");
        assert_eq!(parser.pending_bytes(), 0);
    }
}

#[test]
fn after_syn_dropped_the_incomplete_frame_is_skipped_and_the_stroke_split() {
    let mut r = Recorder::default();
    r.touch(true).at(1000, 1000, 500).at(1100, 1000, 500);
    r.ev(EV_SYN, SYN_DROPPED, 0).ev(EV_ABS, ABS_X, 9000).syn(); // the frame after the drop is lost
    r.at(1300, 1000, 500).at(1400, 1000, 500).touch(false).syn();
    let mut a = StrokeAssembler::new(&config());
    r.events.iter().for_each(|e| a.apply(*e));
    let s = a.finish();
    assert_eq!(s.strokes.iter().map(|s| s.points.len()).collect::<Vec<_>>(), vec![2, 2]);
    assert!(s.strokes.iter().flat_map(|s| &s.points).all(|p| p.x < 2000.0), "the dropped X never shows");
}

#[test]
fn pressure_contact_and_out_of_range_values() {
    let config = EvdevPadConfig { contact: Contact::PressureAbove(40), ..config() };
    let mut r = Recorder::default();
    r.at(-50, 7000, 30); // light: not touching (and out of range)
    r.at(-50, 7000, 41).at(20_000, -5, 2000).at(500, 500, 10);
    let mut a = StrokeAssembler::new(&config);
    r.events.iter().for_each(|e| a.apply(*e));
    let s = a.finish();
    assert_eq!(s.strokes.len(), 1);
    let p = &s.strokes[0].points;
    assert_eq!(p.len(), 2);
    assert_eq!((p[0].x, p[0].y), (0.0, 6000.0), "clamped into the axis range");
    assert_eq!((p[1].x, p[1].y, p[1].pressure), (10_000.0, 0.0, Some(1.0)));
}

/// A device that has nothing to read yet, as an `O_NONBLOCK` descriptor reports it.
struct Quiet;
impl Read for Quiet {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::ErrorKind::WouldBlock.into())
    }
}

#[test]
fn capture_ends_after_the_pause_once_the_pen_is_lifted() {
    let started = Instant::now();
    let strokes = capture_from(Cursor::new(Recorder::two_strokes().bytes), &config(), &AtomicBool::new(false)).unwrap();
    assert_eq!(strokes.strokes.len(), 2);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(40) && took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn capture_ends_at_the_deadline_with_the_pen_still_down_or_nothing_written() {
    let config = EvdevPadConfig { pause_ms: 50, deadline_ms: 200, ..config() };
    let mut r = Recorder::default();
    r.touch(true).at(1000, 1000, 500).at(3000, 2000, 500); // never lifted
    let started = Instant::now();
    let strokes = capture_from(Cursor::new(r.bytes), &config, &AtomicBool::new(false)).unwrap();
    assert_eq!(strokes.strokes.len(), 1);
    assert!(started.elapsed() >= Duration::from_millis(200));

    let mut hover = Recorder::default();
    hover.at(1000, 1000, 0).at(1100, 1000, 0);
    assert_eq!(
        capture_from(Cursor::new(hover.bytes), &config, &AtomicBool::new(false)),
        Err(DeviceError::CaptureTimeout)
    );
    assert_eq!(capture_from(Quiet, &config, &AtomicBool::new(false)).unwrap_err().code(), "device_capture_timeout");
}

#[test]
fn capture_stops_when_cancelled() {
    let cancel = AtomicBool::new(true);
    assert_eq!(capture_from(Quiet, &config(), &cancel), Err(DeviceError::CaptureCancelled));
}

#[test]
fn the_adapter_reads_the_configured_device_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("event7");
    std::fs::write(&path, Recorder::two_strokes().bytes).unwrap();
    let pad = EvdevSignaturePad::new(EvdevPadConfig { path: path.clone(), ..config() }).unwrap();
    pad.cancel(); // a cancel before the capture does not end it
    let strokes = pad.capture().unwrap();
    assert_eq!(strokes.strokes.len(), 2);
    assert_eq!(pad.pad_size().width, 10_000.0);
    render_signature_jpeg(&strokes, pad.pad_size()).unwrap();

    let missing = EvdevSignaturePad::new(EvdevPadConfig { path: dir.path().join("event99"), ..config() }).unwrap();
    let err = missing.capture().unwrap_err();
    assert_eq!(err.code(), "device_not_found");
    assert!(err.to_string().contains("event99"));
}

#[test]
fn the_configuration_is_read_with_defaults_and_checked() {
    let config: EvdevPadConfig = serde_json::from_value(serde_json::json!({
        "path": "/dev/input/event5",
        "x": {"min": 0, "max": 9600}, "y": {"min": 0, "max": 6000},
        "pressure": {"min": 0, "max": 1023},
        "width_mm": 108, "height_mm": 65,
    }))
    .unwrap();
    assert_eq!(
        (config.contact, config.pause_ms, config.deadline_ms, config.poll_ms),
        (Contact::BtnTouch, 1500, 60_000, 5)
    );
    config.validate().unwrap();
    let pressure: EvdevPadConfig = serde_json::from_value(serde_json::json!({
        "path": "/dev/input/event5", "x": {"min": 0, "max": 1}, "y": {"min": 0, "max": 1},
        "contact": {"pressure_above": 30}, "width_mm": 1, "height_mm": 1,
    }))
    .unwrap();
    assert_eq!(pressure.contact, Contact::PressureAbove(30));
    assert!(serde_json::from_value::<EvdevPadConfig>(serde_json::json!({"path": "/x", "typo": 1})).is_err());

    for bad in [
        EvdevPadConfig { x: AxisRange { min: 5, max: 5 }, ..config.clone() },
        EvdevPadConfig { pressure: Some(AxisRange { min: 9, max: 0 }), ..config.clone() },
        EvdevPadConfig { width_mm: 0.0, ..config.clone() },
        EvdevPadConfig { pause_ms: 0, ..config.clone() },
        EvdevPadConfig { deadline_ms: 100, pause_ms: 200, ..config.clone() },
        EvdevPadConfig { poll_ms: 0, ..config.clone() },
    ] {
        assert_eq!(EvdevSignaturePad::new(bad).unwrap_err().code(), "device_config_invalid");
    }
}

/// A device delivering `chunks` in real time: each `(after, bytes)` becomes readable `after` the first
/// read; before that, and after the last chunk, hovering frames every `hover_every` (if set).
struct Paced {
    start: Option<Instant>,
    chunks: std::collections::VecDeque<(Duration, Vec<u8>)>,
    hover_every: Option<Duration>,
    next_hover: Duration,
}

impl Paced {
    fn new(chunks: Vec<(u64, Vec<u8>)>, hover_every_ms: Option<u64>) -> Self {
        Paced {
            start: None,
            chunks: chunks.into_iter().map(|(ms, b)| (Duration::from_millis(ms), b)).collect(),
            hover_every: hover_every_ms.map(Duration::from_millis),
            next_hover: Duration::ZERO,
        }
    }
}

impl Read for Paced {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let now = self.start.get_or_insert_with(Instant::now).elapsed();
        if let Some((at, _)) = self.chunks.front() {
            if *at <= now {
                let (_, bytes) = self.chunks.pop_front().unwrap();
                buf[..bytes.len()].copy_from_slice(&bytes);
                return Ok(bytes.len());
            }
        } else if let Some(every) = self.hover_every {
            if self.next_hover <= now {
                self.next_hover = now + every;
                let mut r = Recorder::default();
                r.at(8000, 5000, 0);
                buf[..r.bytes.len()].copy_from_slice(&r.bytes);
                return Ok(r.bytes.len());
            }
        }
        Err(std::io::ErrorKind::WouldBlock.into())
    }
}

fn stroke_bytes(x: i32) -> Vec<u8> {
    let mut r = Recorder::default();
    r.touch(true).at(x, 1000, 500).at(x + 800, 2500, 500).at(x + 1600, 1000, 500).touch(false).syn();
    r.bytes
}

#[test]
fn a_hovering_pen_does_not_keep_the_capture_open_and_a_short_lift_does_not_end_it() {
    let config = EvdevPadConfig { pause_ms: 60, deadline_ms: 5000, ..config() };
    // Second stroke 30 ms after the first (< pause), then the pen hovers, sending a frame every 5 ms.
    let device = Paced::new(vec![(0, stroke_bytes(1000)), (30, stroke_bytes(4000))], Some(5));
    let started = Instant::now();
    let strokes = capture_from(device, &config, &AtomicBool::new(false)).unwrap();
    let took = started.elapsed();
    assert_eq!(strokes.strokes.len(), 2, "the short lift between the strokes did not end it");
    assert!(took >= Duration::from_millis(90) && took < Duration::from_secs(2), "ended by the pause: {took:?}");
}
