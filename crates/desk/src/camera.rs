use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use schalter_camera::{scan_until_code, Camera, CameraSource, Frame, ScanOutcome};

use crate::DeskError;

/// A camera pointed at the counter is switched off when no code shows up for this long.
const SCAN_LIMIT: Duration = Duration::from_secs(60);

/// The desk's webcam: at most one scan at a time, stoppable from another thread.
pub(crate) struct CameraScans {
    source: CameraSource,
    /// The running scan's stop flag.
    active: Mutex<Option<Arc<AtomicBool>>>,
    /// Held while the camera is open: a device can only be opened once.
    in_use: Mutex<()>,
}

impl CameraScans {
    pub(crate) fn new(source: CameraSource) -> Self {
        Self { source, active: Mutex::new(None), in_use: Mutex::new(()) }
    }

    /// Blocks until a code is read (`Some(text)`), the scan is stopped (`None`) or the camera fails.
    /// A new scan stops the one before it and waits for it to release the camera.
    pub(crate) fn scan(&self, on_preview: impl FnMut(&Frame)) -> Result<Option<String>, DeskError> {
        let stop = Arc::new(AtomicBool::new(false));
        if let Some(previous) = self.active.lock().expect("camera lock").replace(stop.clone()) {
            previous.store(true, Ordering::Relaxed);
        }
        let result = {
            let _camera_in_use = self.in_use.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if stop.load(Ordering::Relaxed) {
                Ok(ScanOutcome::Stopped)
            } else {
                Camera::open(&self.source).and_then(|camera| scan_until_code(&camera, &stop, SCAN_LIMIT, on_preview))
            }
        };
        let mut active = self.active.lock().expect("camera lock");
        if active.as_ref().is_some_and(|current| Arc::ptr_eq(current, &stop)) {
            *active = None;
        }
        match result {
            Ok(ScanOutcome::Found(decoded)) => {
                tracing::info!(symbology = ?decoded.symbology, "code read by the camera");
                Ok(Some(decoded.text))
            }
            Ok(ScanOutcome::Stopped) => Ok(None),
            Err(error) => {
                tracing::warn!(code = error.code(), %error, "camera scan failed");
                Err(error.into())
            }
        }
    }

    pub(crate) fn stop(&self) {
        if let Some(stop) = self.active.lock().expect("camera lock").take() {
            stop.store(true, Ordering::Relaxed);
        }
    }
}
