//! OpenJPEG's messages reach `tracing` at debug level (and nothing reaches stderr by itself).

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn openjpeg_errors_go_to_tracing_debug() {
    let jpeg = common::jpeg(&common::scene(622, 800));
    let copy = schalter_portrait::producer_copy(&jpeg).unwrap();
    let truncated = &copy.jp2[..copy.jp2.len() / 2];

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let err = tracing::subscriber::with_default(subscriber, || schalter_portrait::decode_jp2(truncated).unwrap_err());
    assert_eq!(err.code(), "portrait_jp2_invalid");

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("schalter_portrait::openjpeg")).collect();
    assert!(!lines.is_empty(), "no OpenJPEG message in {log:?}");
    assert!(lines.iter().all(|l| l.contains("DEBUG")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("severity=\"error\"")), "{lines:?}");
}
