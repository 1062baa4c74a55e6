//! The development SMS gateway: each SMS as one JSON line appended to a file (the demo shows it,
//! tests read it). Stands in for the carrier, which cannot be reached here; [`super::seven`] is
//! the real one.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::Mutex;

use super::{OutgoingSms, SmsFailure, SmsGateway};

pub struct FileSink {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileSink {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into(), lock: Mutex::new(()) }
    }

    /// Every SMS in the file: `(id, recipient, text)`.
    pub fn read_all(&self) -> Vec<(String, String, String)> {
        let text = std::fs::read_to_string(&self.path).unwrap_or_default();
        text.lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .map(|v| {
                let field = |name: &str| v[name].as_str().unwrap_or_default().to_owned();
                (field("id"), field("to"), field("text"))
            })
            .collect()
    }
}

impl SmsGateway for FileSink {
    async fn send(&self, sms: &OutgoingSms) -> Result<Option<String>, SmsFailure> {
        let line = serde_json::json!({ "id": sms.id, "to": sms.recipient, "text": sms.text }).to_string();
        let _guard = self.lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // The lines hold numbers and PINs: for the owner only.
        let mut file = std::fs::OpenOptions::new()
            .mode(0o600)
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| SmsFailure::Transient(format!("sink: {}", e.kind())))?;
        writeln!(file, "{line}").map_err(|e| SmsFailure::Transient(format!("sink: {}", e.kind())))?;
        Ok(Some(format!("file-{}", sms.id)))
    }

    async fn was_sent(&self, sms: &OutgoingSms) -> Result<bool, SmsFailure> {
        Ok(self.read_all().iter().any(|(id, _, _)| *id == sms.id))
    }
}
