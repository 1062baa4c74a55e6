//! Graceful shutdown on SIGTERM (systemd, containers, tests) or Ctrl-C.

use std::time::Duration;

/// How long running requests may take to finish once shutdown has begun.
pub const GRACE: Duration = Duration::from_secs(5);

/// Completes when the process receives SIGTERM or Ctrl-C.
pub async fn signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}

/// Waits for [`signal`], then lets the server finish running requests for at most [`GRACE`].
pub async fn on_signal(handle: axum_server::Handle) {
    signal().await;
    tracing::info!("shutting down");
    handle.graceful_shutdown(Some(GRACE));
}
