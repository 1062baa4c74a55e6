//! The desk's webcam: GStreamer delivers 8-bit grey frames, `schalter-scan` looks for the photo code in
//! each one, and a small preview goes to the window so the clerk can see where the paper is.
//!
//! Two sources share one pipeline: a V4L2 camera (`v4l2src`, the counter's webcam; MJPEG or raw,
//! `decodebin` handles both) and a replayed sequence of image files (`multifilesrc`), which the demo
//! and the tests use because there is no camera on a build machine. Everything after the source —
//! conversion, scaling, the app sink, decoding — is the same code in both cases.
//!
//! GStreamer is already loaded into the desk process by WebKitGTK, so this adds no runtime dependency.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use schalter_scan::{Decoded, GrayFrame};

/// Frames wider or taller than this are scaled down before decoding: a 1280×720 frame decodes in a
/// few milliseconds, a 4K frame would not keep the preview live.
const MAX_FRAME_SIDE: u32 = 1280;
/// Width of the preview the window shows; enough to aim the paper, cheap to send ten times a second.
pub const PREVIEW_MAX_WIDTH: u32 = 480;
/// The window does not need more previews than this.
const PREVIEW_EVERY: Duration = Duration::from_millis(100);
/// How long one wait for a frame may block, so a stop request is noticed quickly.
const PULL_TIMEOUT: Duration = Duration::from_millis(200);
/// A camera that delivers no frame for this long is reported as broken instead of waiting forever.
const NO_FRAME_LIMIT: Duration = Duration::from_secs(8);

/// Where frames come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CameraSource {
    /// A Video4Linux2 device such as `/dev/video0`.
    Device(PathBuf),
    /// Image files (PNG) named by a `printf` pattern such as `frames/frame-%03d.png`, played in a
    /// loop at `fps` frames per second, starting at index 0.
    Replay { pattern: PathBuf, fps: u32 },
}

impl std::fmt::Display for CameraSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CameraSource::Device(path) => write!(f, "Kamera {}", path.display()),
            CameraSource::Replay { pattern, .. } => write!(f, "Bildfolge {}", pattern.display()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CameraError {
    #[error("Die Kamera kann nicht benutzt werden (GStreamer fehlt): {0}")]
    Gstreamer(String),
    #[error("{source_name} ist nicht verfügbar: {detail}")]
    Unavailable { source_name: String, detail: String },
    #[error("{source_name} liefert keine Bilder mehr: {detail}")]
    Stopped { source_name: String, detail: String },
    #[error("Ungültiges Kamerabild: {0}")]
    InvalidFrame(String),
    #[error("Kein Code erkannt: Die Kamera wurde nach {0} Sekunden ausgeschaltet. Mit F6 erneut starten.")]
    NoCodeInTime(u64),
}

impl CameraError {
    /// Stable machine-readable code, used by the UI and in logs.
    pub fn code(&self) -> &'static str {
        match self {
            CameraError::Gstreamer(_) => "camera_gstreamer_missing",
            CameraError::Unavailable { .. } => "camera_unavailable",
            CameraError::Stopped { .. } => "camera_stopped",
            CameraError::InvalidFrame(_) => "camera_invalid_frame",
            CameraError::NoCodeInTime(_) => "camera_no_code",
        }
    }
}

/// One grey frame, owned, rows without padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub luma: Vec<u8>,
}

impl Frame {
    pub fn as_gray(&self) -> GrayFrame<'_> {
        GrayFrame { width: self.width, height: self.height, luma: &self.luma }
    }

    /// A smaller copy for the window (nearest neighbour: it only has to show where the paper is).
    pub fn preview(&self, max_width: u32) -> Frame {
        let step = self.width.div_ceil(max_width.max(1)).max(1);
        let width = self.width / step;
        let height = self.height / step;
        let mut luma = Vec::with_capacity(width as usize * height as usize);
        for y in 0..height {
            let row = (y * step * self.width) as usize;
            luma.extend((0..width).map(|x| self.luma[row + (x * step) as usize]));
        }
        Frame { width, height, luma }
    }

    /// `width` and `height` as little-endian u16, then the grey bytes: what the window draws.
    pub fn to_preview_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(4 + self.luma.len());
        bytes.extend_from_slice(&(self.width as u16).to_le_bytes());
        bytes.extend_from_slice(&(self.height as u16).to_le_bytes());
        bytes.extend_from_slice(&self.luma);
        bytes
    }
}

/// A running capture pipeline. Dropping it releases the camera.
pub struct Camera {
    source_name: String,
    pipeline: gst::Pipeline,
    sink: gst_app::AppSink,
}

impl Camera {
    pub fn open(source: &CameraSource) -> Result<Camera, CameraError> {
        gst::init().map_err(|error| CameraError::Gstreamer(error.to_string()))?;
        let source_name = source.to_string();
        let unavailable = |detail: String| CameraError::Unavailable { source_name: source_name.clone(), detail };
        let tail = format!(
            "videoconvert ! videoscale ! video/x-raw,format=GRAY8,width=[16,{MAX_FRAME_SIDE}],height=[16,{MAX_FRAME_SIDE}] \
             ! appsink name=sink max-buffers=2 drop=true"
        );
        // Paths are set as properties below, never spliced into the description.
        let description = match source {
            CameraSource::Device(_) => format!("v4l2src name=source ! decodebin ! {tail}"),
            CameraSource::Replay { fps, .. } => format!(
                "multifilesrc name=source loop=true index=0 caps=image/png,framerate={}/1 ! pngdec ! {tail}",
                (*fps).clamp(1, 60)
            ),
        };
        let pipeline = gst::parse_launch(&description)
            .map_err(|error| CameraError::Gstreamer(error.to_string()))?
            .downcast::<gst::Pipeline>()
            .map_err(|_| CameraError::Gstreamer("keine Pipeline".into()))?;
        let element =
            |name: &str| pipeline.by_name(name).ok_or_else(|| CameraError::Gstreamer(format!("Element {name} fehlt")));
        let (property, path) = match source {
            CameraSource::Device(path) => ("device", path),
            CameraSource::Replay { pattern, .. } => ("location", pattern),
        };
        let path = path.to_str().ok_or_else(|| unavailable("Pfad ist kein UTF-8".into()))?;
        element("source")?.set_property(property, path);
        let sink = element("sink")?
            .downcast::<gst_app::AppSink>()
            .map_err(|_| CameraError::Gstreamer("appsink fehlt".into()))?;
        let camera = Camera { source_name: source_name.clone(), pipeline, sink };
        if camera.pipeline.set_state(gst::State::Playing).is_err() {
            let detail = camera.bus_error().unwrap_or_else(|| "startet nicht".into());
            return Err(unavailable(detail));
        }
        tracing::info!(source = %camera.source_name, "camera started");
        Ok(camera)
    }

    /// The next frame, or `None` if none arrived within `timeout`.
    pub fn next_frame(&self, timeout: Duration) -> Result<Option<Frame>, CameraError> {
        let Some(sample) = self.sink.try_pull_sample(gst::ClockTime::from_nseconds(timeout.as_nanos() as u64)) else {
            if let Some(detail) = self.bus_error() {
                return Err(self.stopped(detail));
            }
            if self.sink.is_eos() {
                return Err(self.stopped("Ende des Datenstroms".into()));
            }
            return Ok(None);
        };
        frame_from_sample(&sample).map(Some)
    }

    fn stopped(&self, detail: String) -> CameraError {
        CameraError::Stopped { source_name: self.source_name.clone(), detail }
    }

    /// The first error GStreamer posted, e.g. "Cannot identify device '/dev/video0'".
    fn bus_error(&self) -> Option<String> {
        let bus = self.pipeline.bus()?;
        let message = bus.timed_pop_filtered(gst::ClockTime::from_mseconds(50), &[gst::MessageType::Error])?;
        match message.view() {
            gst::MessageView::Error(error) => Some(error.error().to_string()),
            _ => None,
        }
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
        tracing::info!(source = %self.source_name, "camera released");
    }
}

fn frame_from_sample(sample: &gst::Sample) -> Result<Frame, CameraError> {
    let invalid = |what: &str| CameraError::InvalidFrame(what.to_owned());
    let structure = sample.caps().and_then(|caps| caps.structure(0)).ok_or_else(|| invalid("ohne Format"))?;
    let width = structure.get::<i32>("width").map_err(|_| invalid("ohne Breite"))?;
    let height = structure.get::<i32>("height").map_err(|_| invalid("ohne Höhe"))?;
    let (width, height) = (u32::try_from(width).unwrap_or(0), u32::try_from(height).unwrap_or(0));
    if width == 0 || height == 0 {
        return Err(invalid("leer"));
    }
    let buffer = sample.buffer().ok_or_else(|| invalid("ohne Daten"))?;
    let map = buffer.map_readable().map_err(|_| invalid("nicht lesbar"))?;
    // GStreamer pads grey rows to a multiple of four bytes.
    let stride = map.len() / height as usize;
    if stride < width as usize {
        return Err(invalid("zu wenige Bytes"));
    }
    let mut luma = Vec::with_capacity(width as usize * height as usize);
    for row in map.chunks_exact(stride).take(height as usize) {
        luma.extend_from_slice(&row[..width as usize]);
    }
    Ok(Frame { width, height, luma })
}

/// What one scan ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanOutcome {
    Found(Decoded),
    /// `stop` was set, e.g. the clerk closed the camera or typed the code instead.
    Stopped,
}

/// Reads frames until one holds a Data Matrix or QR code, `stop` is set, `limit` has passed (a camera
/// pointed at the counter is not left running) or the camera fails. Every frame is decoded; a preview
/// goes to `on_preview` at most ten times a second.
pub fn scan_until_code(
    camera: &Camera,
    stop: &AtomicBool,
    limit: Duration,
    mut on_preview: impl FnMut(&Frame),
) -> Result<ScanOutcome, CameraError> {
    let started = Instant::now();
    let mut last_frame = Instant::now();
    let mut last_preview: Option<Instant> = None;
    while !stop.load(Ordering::Relaxed) {
        if started.elapsed() > limit {
            return Err(CameraError::NoCodeInTime(limit.as_secs()));
        }
        let Some(frame) = camera.next_frame(PULL_TIMEOUT)? else {
            if last_frame.elapsed() > NO_FRAME_LIMIT {
                return Err(camera.stopped(format!("seit {} s kein Bild", NO_FRAME_LIMIT.as_secs())));
            }
            continue;
        };
        last_frame = Instant::now();
        if last_preview.is_none_or(|at| at.elapsed() >= PREVIEW_EVERY) {
            on_preview(&frame.preview(PREVIEW_MAX_WIDTH));
            last_preview = Some(Instant::now());
        }
        match schalter_scan::decode_frame(&frame.as_gray()) {
            Ok(Some(decoded)) => return Ok(ScanOutcome::Found(decoded)),
            Ok(None) => {}
            Err(error) => return Err(CameraError::InvalidFrame(error.to_string())),
        }
    }
    Ok(ScanOutcome::Stopped)
}
