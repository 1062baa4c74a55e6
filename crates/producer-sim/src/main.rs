//! `schalter-producer-sim`: the document producer simulator as its own process.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use schalter_producer_sim::{start, SimulatorConfig};
use schalter_server_kit::telemetry::LogFormat;

#[derive(Parser)]
#[command(version, about = "Schalter Hersteller-Simulator (Bestellung, Auftrags-, Produktions- und Lieferinformation)")]
struct Cli {
    #[arg(long, env = "SCHALTER_PRODUCER_LISTEN", default_value = "127.0.0.1:8445")]
    listen: SocketAddr,
    #[arg(long, env = "SCHALTER_PRODUCER_TLS_CERT")]
    tls_cert: PathBuf,
    #[arg(long, env = "SCHALTER_PRODUCER_TLS_KEY")]
    tls_key: PathBuf,
    /// CA whose client certificates identify ordering authorities (the central API).
    #[arg(long, env = "SCHALTER_PRODUCER_CLIENT_CA")]
    client_ca: PathBuf,
    #[arg(long, default_value_t = 2000)]
    accept_delay_ms: u64,
    #[arg(long, default_value_t = 5000)]
    production_delay_ms: u64,
    #[arg(long, default_value_t = 10000)]
    delivery_delay_ms: u64,
    /// Share of applications rejected at random, 0 to 1.
    #[arg(long, default_value_t = 0.0)]
    rejection_rate: f64,
    /// Reject every n-th application received (0: none).
    #[arg(long, default_value_t = 0)]
    reject_every: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, env = "SCHALTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    schalter_server_kit::telemetry::init(cli.log_format);
    anyhow::ensure!((0.0..=1.0).contains(&cli.rejection_rate), "--rejection-rate lies between 0 and 1");
    let identity = schalter_pki::Identity::load(&cli.tls_cert, &cli.tls_key)?;
    let client_ca = schalter_pki::load_ca(&cli.client_ca)?;
    let config = SimulatorConfig {
        accept_delay: Duration::from_millis(cli.accept_delay_ms),
        production_delay: Duration::from_millis(cli.production_delay_ms),
        delivery_delay: Duration::from_millis(cli.delivery_delay_ms),
        rejection_rate: cli.rejection_rate,
        reject_every: cli.reject_every,
        seed: cli.seed,
        photo_check: Some(schalter_producer_sim::check_producer_copy),
    };
    let running = start(config, cli.listen, &identity, &client_ca).await?;
    // Machine-readable: tests and `cargo xtask demo` read the port from this line.
    println!("schalter-producer-sim listening on {}", running.url());
    let _ = std::io::stdout().flush();
    tracing::info!(address = %running.address, "listening");
    tokio::spawn(schalter_server_kit::shutdown::on_signal(running.handle()));
    running.wait().await?;
    tracing::info!("stopped");
    Ok(())
}
