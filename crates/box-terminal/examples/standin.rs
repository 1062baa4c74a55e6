//! A demo of the kiosk without the central: writes a throwaway PKI and `box.toml` into the given
//! directory and serves the stand-in of the terminal API (one synthetic pickup: 0171 1234567, PIN
//! 123456, old ID card T22000129) until Ctrl+C.
//!
//! ```text
//! cargo run -p schalter-box-terminal --features standin --example standin -- /tmp/box-demo
//! target/debug/schalter-box --config /tmp/box-demo/box.toml
//! ```

use schalter_box_terminal::standin::{StandInCentral, StandInPickup, StandInPki};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "box-demo".into()));
    let pki = StandInPki::create(&dir.join("pki"))?;
    let central = StandInCentral::start(&pki, StandInPickup::default()).await?;
    let config = dir.join("box.toml");
    std::fs::write(&config, pki.terminal_toml(&central.url()))?;
    println!("stand-in of the terminal API on {}; kiosk: schalter-box --config {}", central.url(), config.display());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
