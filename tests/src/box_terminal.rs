//! The pickup box's kiosk window (`schalter-box`) under WebDriver, on its own X display: the same
//! [`Desk`] handle as the desk windows (screenshots with the marker check, `wait_text`, axe), only
//! the binary and its log filter differ.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use thirtyfour::prelude::*;

use crate::{binary, free_port, tauri_driver_path, Desk, Running, VirtualDisplay, DESKS_STARTED};

/// Our crates at debug, the rest at info (the terminal logs screen names and codes, never inputs).
const BOX_LOG_FILTER: &str = "info,schalter_box=debug,schalter_box_terminal=debug";

/// Starts `schalter-box --config <config>` on a display of its own; its log goes beside the
/// configuration ([`Desk::log_path_for`]).
pub async fn start_box_window(config: &Path) -> anyhow::Result<Desk> {
    let name = std::thread::current().name().unwrap_or("box").to_owned();
    let index = DESKS_STARTED.fetch_add(1, Ordering::SeqCst);
    let label = format!("{name}#{index}");
    let mut attempt = 1;
    loop {
        match start_once(config, &label).await {
            Ok(window) => return Ok(window),
            Err(error) if attempt < 3 => {
                eprintln!("box window start attempt {attempt} failed, retrying: {error:#}");
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

async fn start_once(config: &Path, label: &str) -> anyhow::Result<Desk> {
    let display = VirtualDisplay::start()?;
    let port = free_port();
    let native_port = free_port();
    let log = std::fs::File::create(Desk::log_path_for(config))?;
    let mut command = Command::new(tauri_driver_path());
    command
        .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
        .env("SCHALTER_LOG", BOX_LOG_FILTER)
        .stdout(log.try_clone()?)
        .stderr(log);
    display.apply(&mut command);
    let tauri_driver = Running::new(command.spawn().context("tauri-driver missing: `cargo xtask test` installs it")?);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("tauri-driver did not listen");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut caps = Capabilities::new();
    caps.set("browserName", "wry")?;
    caps.set(
        "tauri:options",
        serde_json::json!({ "application": binary("schalter-box"), "args": ["--config", config] }),
    )?;
    let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps).await?;
    Ok(Desk {
        driver,
        label: label.to_owned(),
        screenshots: AtomicU32::new(0),
        tauri_driver: Some(tauri_driver),
        display,
    })
}

/// Clicks the element `css` once it is there and enabled.
pub async fn click(window: &Desk, css: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(element) = window.driver.find(By::Css(css)).await {
            if element.is_enabled().await.unwrap_or(false) && element.is_displayed().await.unwrap_or(false) {
                element.click().await?;
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            bail!("{css} never became clickable");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Taps `digits` on the on-screen number pad.
pub async fn tap_digits(window: &Desk, digits: &str) -> anyhow::Result<()> {
    for digit in digits.chars() {
        click(window, &format!("#screen [data-key=\"{digit}\"]")).await?;
    }
    Ok(())
}

/// Waits until the screen shown is `screen` (`main[data-screen]`).
pub async fn wait_screen(window: &Desk, screen: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let shown = match window.driver.find(By::Css("#screen")).await {
            Ok(main) => main.attr("data-screen").await.ok().flatten(),
            Err(_) => None,
        };
        if shown.as_deref() == Some(screen) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("screen {screen} never shown; last {shown:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
