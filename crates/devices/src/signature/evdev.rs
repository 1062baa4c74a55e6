//! The production signature pad: a pen tablet or signature pad that Linux exposes as an input device
//! (`/dev/input/eventN`, e.g. a Wacom STU or a signotec pad in HID mode), read as plain file reads of the
//! kernel's `struct input_event` stream — no libevdev, no ioctl, no `unsafe`.
//!
//! The pure parts — [`EventParser`] (bytes → events) and [`StrokeAssembler`] (events → strokes) — are
//! what the tests feed recorded bytes to; [`capture_from`] is the loop around them that
//! [`EvdevSignaturePad::capture`] runs on the opened device.

use std::io::{ErrorKind, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::{PadSize, SignaturePad, SignaturePoint, SignatureStrokes, Stroke};
use crate::DeviceError;

/// `sizeof(struct input_event)` on 64-bit Linux: `struct timeval` (two 64-bit fields, 16 bytes), then
/// `__u16 type`, `__u16 code`, `__s32 value`, in the machine's byte order. (32-bit systems with a 32-bit
/// `time_t` use 16 bytes; the desk runs on 64-bit only.)
pub const EVENT_SIZE: usize = 24;

/// Event types and codes from `linux/input-event-codes.h` that the pad uses.
pub mod codes {
    pub const EV_SYN: u16 = 0x00;
    pub const EV_KEY: u16 = 0x01;
    pub const EV_ABS: u16 = 0x03;
    pub const SYN_REPORT: u16 = 0;
    /// The kernel's buffer overflowed: events up to the next `SYN_REPORT` are incomplete.
    pub const SYN_DROPPED: u16 = 3;
    pub const ABS_X: u16 = 0x00;
    pub const ABS_Y: u16 = 0x01;
    pub const ABS_PRESSURE: u16 = 0x18;
    pub const BTN_TOOL_PEN: u16 = 0x140;
    pub const BTN_TOUCH: u16 = 0x14a;
}
use codes::*;

/// One `struct input_event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputEvent {
    pub sec: i64,
    pub usec: i64,
    pub kind: u16,
    pub code: u16,
    pub value: i32,
}

impl InputEvent {
    pub fn from_bytes(b: &[u8; EVENT_SIZE]) -> Self {
        let i64_at = |o: usize| i64::from_ne_bytes(b[o..o + 8].try_into().expect("8 bytes"));
        InputEvent {
            sec: i64_at(0),
            usec: i64_at(8),
            kind: u16::from_ne_bytes([b[16], b[17]]),
            code: u16::from_ne_bytes([b[18], b[19]]),
            value: i32::from_ne_bytes([b[20], b[21], b[22], b[23]]),
        }
    }

    /// The bytes the kernel would write for this event (for recordings and replays).
    pub fn to_bytes(&self) -> [u8; EVENT_SIZE] {
        let mut b = [0u8; EVENT_SIZE];
        b[0..8].copy_from_slice(&self.sec.to_ne_bytes());
        b[8..16].copy_from_slice(&self.usec.to_ne_bytes());
        b[16..18].copy_from_slice(&self.kind.to_ne_bytes());
        b[18..20].copy_from_slice(&self.code.to_ne_bytes());
        b[20..24].copy_from_slice(&self.value.to_ne_bytes());
        b
    }
}

/// Cuts a byte stream into events, whatever the chunks it arrives in. The device itself always hands
/// out whole events; a recording or a pipe may not, so an incomplete tail waits for the next chunk.
#[derive(Debug, Default)]
pub struct EventParser {
    pending: Vec<u8>,
}

impl EventParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the complete events in `pending tail + bytes` to `out`; keeps the incomplete rest.
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut Vec<InputEvent>) {
        if !self.pending.is_empty() {
            let need = EVENT_SIZE - self.pending.len();
            let take = need.min(bytes.len());
            self.pending.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.pending.len() < EVENT_SIZE {
                return;
            }
            out.push(InputEvent::from_bytes(self.pending.as_slice().try_into().expect("one event")));
            self.pending.clear();
        }
        let mut chunks = bytes.chunks_exact(EVENT_SIZE);
        out.extend(chunks.by_ref().map(|c| InputEvent::from_bytes(c.try_into().expect("one event"))));
        self.pending.extend_from_slice(chunks.remainder());
    }

    /// Bytes of an event not complete yet.
    pub fn pending_bytes(&self) -> usize {
        self.pending.len()
    }
}

/// A recorded stream read to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    pub events: Vec<InputEvent>,
    /// Bytes of a last event cut short (the recording stopped mid-event); they are not an event.
    pub truncated_tail: usize,
}

/// Reads a recorded event stream (e.g. `cat /dev/input/eventN > pad.rec`) to its end.
pub fn read_recording(mut reader: impl Read) -> Result<Recording, DeviceError> {
    let mut parser = EventParser::new();
    let mut events = Vec::new();
    let mut buf = [0u8; EVENT_SIZE * 64];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => parser.feed(&buf[..n], &mut events),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(DeviceError::Io { reason: e.to_string() }),
        }
    }
    Ok(Recording { events, truncated_tail: parser.pending_bytes() })
}

/// The raw range of an axis as the device reports it (`evtest` prints it: "Min 0 Max 9600").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisRange {
    pub min: i32,
    pub max: i32,
}

impl AxisRange {
    fn span(&self) -> f32 {
        (self.max as f64 - self.min as f64) as f32
    }

    fn offset(&self, raw: i32) -> f32 {
        (raw.clamp(self.min, self.max) as f64 - self.min as f64) as f32
    }
}

/// When the pen counts as touching the pad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Contact {
    /// `BTN_TOUCH` 1 (Wacom, most HID digitisers).
    #[default]
    BtnTouch,
    /// `ABS_PRESSURE` above this raw value (pads that report no touch button).
    PressureAbove(i32),
}

/// The adapter's configuration (a `[signature_pad]` table in the desk's configuration, say).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvdevPadConfig {
    /// The pen's event device; prefer the stable `/dev/input/by-id/usb-…-event-…` link.
    pub path: PathBuf,
    pub x: AxisRange,
    pub y: AxisRange,
    /// `None` for a pad without pressure.
    #[serde(default)]
    pub pressure: Option<AxisRange>,
    #[serde(default)]
    pub contact: Contact,
    /// The writing area in millimetres (the data sheet's "active area").
    pub width_mm: f32,
    pub height_mm: f32,
    /// The capture ends this long after the pen was last on the pad (hovering does not count).
    #[serde(default = "default_pause_ms")]
    pub pause_ms: u64,
    /// The capture ends at the latest this long after it began.
    #[serde(default = "default_deadline_ms")]
    pub deadline_ms: u64,
    /// How often a quiet device is looked at again.
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
}

fn default_pause_ms() -> u64 {
    1500
}
fn default_deadline_ms() -> u64 {
    60_000
}
fn default_poll_ms() -> u64 {
    5
}

impl EvdevPadConfig {
    pub fn validate(&self) -> Result<(), DeviceError> {
        for (name, axis) in [("x", Some(self.x)), ("y", Some(self.y)), ("pressure", self.pressure)] {
            if let Some(axis) = axis {
                if axis.max <= axis.min {
                    return Err(DeviceError::config(format!("{name} axis: max must be above min")));
                }
            }
        }
        self.pad_size().validate()?;
        if self.pause_ms == 0 || self.deadline_ms < self.pause_ms {
            return Err(DeviceError::config("pause_ms must be positive and deadline_ms at least pause_ms"));
        }
        if !(1..=100).contains(&self.poll_ms) {
            return Err(DeviceError::config("poll_ms must be 1 to 100"));
        }
        Ok(())
    }

    pub fn pad_size(&self) -> PadSize {
        PadSize { width: self.x.span(), height: self.y.span(), width_mm: self.width_mm, height_mm: self.height_mm }
    }
}

/// Turns input events into strokes: the axes' last values are taken at every `SYN_REPORT`, and a
/// sample is added while the pen touches. Positions while hovering are not ink.
#[derive(Debug)]
pub struct StrokeAssembler {
    x: AxisRange,
    y: AxisRange,
    pressure: Option<AxisRange>,
    contact: Contact,
    at: (Option<i32>, Option<i32>),
    raw_pressure: Option<i32>,
    touch: bool,
    dropping: bool,
    current: Vec<SignaturePoint>,
    strokes: Vec<Stroke>,
}

impl StrokeAssembler {
    pub fn new(config: &EvdevPadConfig) -> Self {
        StrokeAssembler {
            x: config.x,
            y: config.y,
            pressure: config.pressure,
            contact: config.contact,
            at: (None, None),
            raw_pressure: None,
            touch: false,
            dropping: false,
            current: Vec::new(),
            strokes: Vec::new(),
        }
    }

    pub fn apply(&mut self, event: InputEvent) {
        if self.dropping {
            // After SYN_DROPPED the frame up to the next SYN_REPORT is incomplete: skip it.
            if event.kind == EV_SYN && event.code == SYN_REPORT {
                self.dropping = false;
            }
            return;
        }
        match (event.kind, event.code) {
            (EV_ABS, ABS_X) => self.at.0 = Some(event.value),
            (EV_ABS, ABS_Y) => self.at.1 = Some(event.value),
            (EV_ABS, ABS_PRESSURE) => self.raw_pressure = Some(event.value),
            (EV_KEY, BTN_TOUCH) if self.contact == Contact::BtnTouch => self.touch = event.value != 0,
            (EV_SYN, SYN_REPORT) => self.frame(),
            (EV_SYN, SYN_DROPPED) => {
                self.end_stroke();
                self.dropping = true;
            }
            _ => {}
        }
    }

    fn frame(&mut self) {
        if let Contact::PressureAbove(threshold) = self.contact {
            self.touch = self.raw_pressure.is_some_and(|p| p > threshold);
        }
        if !self.touch {
            self.end_stroke();
            return;
        }
        let (Some(x), Some(y)) = self.at else { return };
        let pressure = match (self.pressure, self.raw_pressure) {
            (Some(range), Some(raw)) => Some((range.offset(raw) / range.span()).clamp(0.0, 1.0)),
            _ => None,
        };
        self.current.push(SignaturePoint { x: self.x.offset(x), y: self.y.offset(y), pressure });
    }

    fn end_stroke(&mut self) {
        if !self.current.is_empty() {
            self.strokes.push(Stroke { points: std::mem::take(&mut self.current) });
        }
    }

    /// The pen touches the pad (as of the last complete frame).
    pub fn pen_down(&self) -> bool {
        !self.current.is_empty()
    }

    /// Something was written (a sample with the pen down).
    pub fn has_ink(&self) -> bool {
        !self.current.is_empty() || !self.strokes.is_empty()
    }

    pub fn finish(mut self) -> SignatureStrokes {
        self.end_stroke();
        SignatureStrokes { strokes: self.strokes }
    }
}

/// The capture loop over any byte source. "No data" is `WouldBlock` (the device opened non-blocking)
/// or end of file (a recording). Ends `pause_ms` after the pen last touched the pad, once something
/// was written; at `deadline_ms` with what was written, or `device_capture_timeout` if nothing was;
/// `device_capture_cancelled` as soon as `cancel` is set.
pub fn capture_from(
    mut source: impl Read,
    config: &EvdevPadConfig,
    cancel: &AtomicBool,
) -> Result<SignatureStrokes, DeviceError> {
    config.validate()?;
    let (pause, deadline) = (Duration::from_millis(config.pause_ms), Duration::from_millis(config.deadline_ms));
    let poll = Duration::from_millis(config.poll_ms);
    let mut parser = EventParser::new();
    let mut assembler = StrokeAssembler::new(config);
    let mut events = Vec::new();
    let mut buf = [0u8; EVENT_SIZE * 64];
    let started = Instant::now();
    let mut last_contact: Option<Instant> = None;
    loop {
        if cancel.load(Ordering::SeqCst) {
            return Err(DeviceError::CaptureCancelled);
        }
        let quiet = match source.read(&mut buf) {
            Ok(0) => true,
            Ok(n) => {
                parser.feed(&buf[..n], &mut events);
                for event in events.drain(..) {
                    assembler.apply(event);
                    if assembler.pen_down() {
                        last_contact = Some(Instant::now());
                    }
                }
                false
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => true,
            Err(e) if e.kind() == ErrorKind::Interrupted => false,
            Err(e) => return Err(DeviceError::Io { reason: e.to_string() }),
        };
        let now = Instant::now();
        if let Some(contact) = last_contact {
            if !assembler.pen_down() && now.duration_since(contact) >= pause {
                return Ok(assembler.finish());
            }
        }
        if now.duration_since(started) >= deadline {
            return if assembler.has_ink() { Ok(assembler.finish()) } else { Err(DeviceError::CaptureTimeout) };
        }
        if quiet {
            std::thread::sleep(poll);
        }
    }
}

/// The production pad: opens the configured event device for each capture (so a pad plugged in again
/// works without a restart) and runs [`capture_from`] on it.
#[derive(Debug)]
pub struct EvdevSignaturePad {
    config: EvdevPadConfig,
    cancel: AtomicBool,
}

impl EvdevSignaturePad {
    pub fn new(config: EvdevPadConfig) -> Result<Self, DeviceError> {
        config.validate()?;
        Ok(EvdevSignaturePad { config, cancel: AtomicBool::new(false) })
    }

    pub fn config(&self) -> &EvdevPadConfig {
        &self.config
    }

    fn open(&self) -> Result<std::fs::File, DeviceError> {
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NONBLOCK);
        }
        let path = self.config.path.display().to_string();
        options.open(&self.config.path).map_err(|e| match e.kind() {
            ErrorKind::NotFound => DeviceError::NotFound { path },
            ErrorKind::PermissionDenied => DeviceError::PermissionDenied { path },
            _ => DeviceError::Io { reason: format!("{path}: {e}") },
        })
    }
}

impl SignaturePad for EvdevSignaturePad {
    fn pad_size(&self) -> PadSize {
        self.config.pad_size()
    }

    /// A `cancel` that came before this capture began does not end it.
    fn capture(&self) -> Result<SignatureStrokes, DeviceError> {
        self.cancel.store(false, Ordering::SeqCst);
        let device = self.open()?;
        capture_from(device, &self.config, &self.cancel)
    }

    fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }
}
