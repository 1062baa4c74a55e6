//! The capture pipeline end to end with GStreamer: a replayed frame sequence (what the demo and the
//! WebDriver test use) and the V4L2 source failing cleanly on a machine without a camera.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use image::{GrayImage, Luma};
use schalter_camera::{scan_until_code, Camera, CameraSource, ScanOutcome, PREVIEW_MAX_WIDTH};
use schalter_scan::Symbology;

const LIMIT: Duration = Duration::from_secs(60);
const TEXT: &str = "4gEBAGh0dHBzOi8vZm90by5leGFtcGxlLmRlL3YxL3Bob3Rvcy8xMjM0";

/// A 640×480 "desk" with some texture and, optionally, the code held up at (x, y).
fn frame(code_png: Option<&[u8]>, x: i64, y: i64) -> GrayImage {
    let mut canvas = GrayImage::from_fn(640, 480, |px, py| Luma([150 + ((px / 7 + py / 5) % 9) as u8 * 3]));
    if let Some(png) = code_png {
        let code = image::load_from_memory(png).unwrap().to_luma8();
        image::imageops::overlay(&mut canvas, &code, x, y);
    }
    canvas
}

fn write_sequence(dir: &Path, frames: &[GrayImage]) -> PathBuf {
    for (index, frame) in frames.iter().enumerate() {
        frame.save(dir.join(format!("frame-{index:03}.png"))).unwrap();
    }
    dir.join("frame-%03d.png")
}

fn replay(pattern: PathBuf) -> CameraSource {
    CameraSource::Replay { pattern, fps: 20 }
}

#[test]
fn data_matrix_in_the_third_frame_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let code = schalter_photo_cloud::codes::datamatrix_png(TEXT).unwrap();
    let pattern = write_sequence(dir.path(), &[frame(None, 0, 0), frame(None, 0, 0), frame(Some(&code), 180, 90)]);
    let camera = Camera::open(&replay(pattern)).unwrap();
    let mut previews = Vec::new();
    let outcome = scan_until_code(&camera, &AtomicBool::new(false), LIMIT, |p| previews.push(p.clone())).unwrap();
    let ScanOutcome::Found(decoded) = outcome else { panic!("no code: {outcome:?}") };
    assert_eq!(decoded.text, TEXT);
    assert_eq!(decoded.symbology, Symbology::DataMatrix);
    let preview = &previews[0];
    assert!(preview.width <= PREVIEW_MAX_WIDTH && preview.width > 0);
    assert_eq!(preview.luma.len(), (preview.width * preview.height) as usize);
    let bytes = preview.to_preview_bytes();
    assert_eq!(u16::from_le_bytes([bytes[0], bytes[1]]) as u32, preview.width);
    assert_eq!(bytes.len(), 4 + preview.luma.len());
}

#[test]
fn qr_code_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let code = schalter_photo_cloud::codes::qr_png(TEXT).unwrap();
    let pattern = write_sequence(dir.path(), &[frame(None, 0, 0), frame(Some(&code), 100, 40)]);
    let camera = Camera::open(&replay(pattern)).unwrap();
    let outcome = scan_until_code(&camera, &AtomicBool::new(false), LIMIT, |_| {}).unwrap();
    assert!(
        matches!(outcome, ScanOutcome::Found(ref d) if d.text == TEXT && d.symbology == Symbology::Qr),
        "{outcome:?}"
    );
}

#[test]
fn stop_request_ends_a_scan_without_code() {
    let dir = tempfile::tempdir().unwrap();
    let pattern = write_sequence(dir.path(), &[frame(None, 0, 0), frame(None, 0, 0)]);
    let camera = Camera::open(&replay(pattern)).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stopper = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(600));
            stop.store(true, Ordering::Relaxed);
        })
    };
    let mut previews = 0;
    let outcome = scan_until_code(&camera, &stop, LIMIT, |_| previews += 1).unwrap();
    stopper.join().unwrap();
    assert_eq!(outcome, ScanOutcome::Stopped);
    assert!(previews >= 2, "the looping sequence kept delivering previews: {previews}");
}

#[test]
fn missing_camera_device_is_reported_as_unavailable() {
    let error = Camera::open(&CameraSource::Device("/dev/video-schalter-missing".into()))
        .and_then(|camera| scan_until_code(&camera, &AtomicBool::new(false), LIMIT, |_| {}))
        .unwrap_err();
    assert_eq!(error.code(), "camera_unavailable", "{error}");
    assert!(error.to_string().contains("/dev/video-schalter-missing"), "{error}");
}

#[test]
fn missing_replay_files_end_the_scan_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = Camera::open(&replay(dir.path().join("frame-%03d.png")))
        .and_then(|camera| scan_until_code(&camera, &AtomicBool::new(false), LIMIT, |_| {}))
        .unwrap_err();
    assert!(matches!(error.code(), "camera_unavailable" | "camera_stopped"), "{error}");
}

#[test]
fn broken_frame_file_ends_the_scan_with_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("frame-000.png"), b"\x89PNG\r\n\x1a\nnot really a png").unwrap();
    let error = Camera::open(&replay(dir.path().join("frame-%03d.png")))
        .and_then(|camera| scan_until_code(&camera, &AtomicBool::new(false), LIMIT, |_| {}))
        .unwrap_err();
    assert!(matches!(error.code(), "camera_unavailable" | "camera_stopped"), "{error}");
}

#[test]
fn studio_camera_sequence_is_read_through_the_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let frames = schalter_photo_cloud::codes::camera_frames(TEXT).unwrap();
    for (index, png) in frames.iter().enumerate() {
        std::fs::write(dir.path().join(format!("frame-{index:03}.png")), png).unwrap();
    }
    let camera = Camera::open(&replay(dir.path().join("frame-%03d.png"))).unwrap();
    let outcome = scan_until_code(&camera, &AtomicBool::new(false), LIMIT, |_| {}).unwrap();
    assert!(matches!(outcome, ScanOutcome::Found(ref d) if d.text == TEXT), "{outcome:?}");
}

#[test]
fn camera_is_switched_off_when_no_code_comes_in_time() {
    let dir = tempfile::tempdir().unwrap();
    let pattern = write_sequence(dir.path(), &[frame(None, 0, 0)]);
    let camera = Camera::open(&replay(pattern)).unwrap();
    let error = scan_until_code(&camera, &AtomicBool::new(false), Duration::from_millis(700), |_| {}).unwrap_err();
    assert_eq!(error.code(), "camera_no_code");
    assert!(error.to_string().contains("F6"), "{error}");
}
