//! Logging set-up of the server binaries: to standard error, filtered by `SCHALTER_LOG`.

/// Log format: human-readable text or one JSON object per line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The filter when `SCHALTER_LOG` is unset: sqlx logs every statement at info.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn";

/// Installs the global subscriber. Standard output stays free for the machine-readable
/// "listening on" line that tests and the demo read.
pub fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SCHALTER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
