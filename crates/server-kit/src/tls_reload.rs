//! A server's TLS configuration rebuilt when a file it depends on changes, without a restart: the
//! client CRL that `schalter-admin revoke` rewrites. A broken new file is logged and the last good
//! configuration stays: a half-copied list must not open the door to every revoked certificate.

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum_server::tls_rustls::RustlsConfig;

/// How often the central and the photo cloud look at their CRL file.
pub const CHECK_EVERY: Duration = Duration::from_secs(10);

/// Looks at `watched` every `every` and, when its modification time or size changed, installs what
/// `rebuild` makes into `tls` (new handshakes use it; open connections keep theirs). Runs until the
/// returned task is aborted.
pub fn reload_on_change<F, E>(
    tls: RustlsConfig,
    watched: PathBuf,
    every: Duration,
    rebuild: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn() -> Result<rustls::ServerConfig, E> + Send + 'static,
    E: Display,
{
    tokio::spawn(async move {
        let mut seen = stamp(&watched);
        let mut ticks = tokio::time::interval(every);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let now = stamp(&watched);
            if now == seen {
                continue;
            }
            seen = now;
            match rebuild() {
                Ok(config) => {
                    tls.reload_from_config(Arc::new(config));
                    tracing::info!(file = %watched.display(), "client CRL reloaded");
                }
                Err(error) => {
                    tracing::warn!(file = %watched.display(), error = %error, "client CRL unreadable: the previous list stays")
                }
            }
        }
    })
}

fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}
