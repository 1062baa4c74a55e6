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

/// Waits for SIGTERM or Ctrl-C, then lets the server finish running requests for at most [`GRACE`]. The SIGTERM
/// handler is installed when this is called, not when the returned future first runs: a SIGTERM right after the
/// server announced itself must already find it.
pub fn on_signal(handle: axum_server::Handle) -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        #[cfg(unix)]
        let terminate = async move {
            match terminate {
                Some(mut signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate => {}
        }
        tracing::info!("shutting down");
        handle.graceful_shutdown(Some(GRACE));
    }
}
