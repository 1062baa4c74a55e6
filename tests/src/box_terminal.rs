//! The pickup box's kiosk window (`schalter-box`) under WebDriver, on its own X display: the same
//! [`Desk`] handle as the desk windows (screenshots with the marker check, `wait_text`, axe), only
//! the binary and its log filter differ.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use thirtyfour::prelude::*;

use crate::{Desk, Running};

/// Our crates at debug, the rest at info (the terminal logs screen names and codes, never inputs).
const BOX_LOG_FILTER: &str = "info,schalter_box=debug,schalter_box_terminal=debug";

/// Starts `schalter-box --config <config>` on a display of its own; its log goes beside the
/// configuration ([`Desk::log_path_for`]).
pub async fn start_box_window(config: &Path) -> anyhow::Result<Desk> {
    let name = std::thread::current().name().unwrap_or("box").to_owned();
    Desk::start_window(config, &name, "schalter-box", BOX_LOG_FILTER).await
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

/// The real central with one box (`add-box`, around the clock, the dev PKI's terminal certificate)
/// and one ID card loaded into it: captured by the desk core for the box with an old ID card on
/// record, delivered by the producer simulator, loaded by the clerk; the PIN read from the SMS sink.
pub struct LoadedBox {
    pub central: crate::Central,
    /// The kiosk's `box.toml` for this central.
    pub config: std::path::PathBuf,
    pub phone: &'static str,
    pub old_serial: &'static str,
    pub pin: String,
    pub desk: schalter_desk_core::Desk,
    _producer: Running,
    _cloud: Running,
}

pub const LOADED_BOX_ID: &str = "dlz-box-1";

impl LoadedBox {
    pub async fn start(env: &crate::Environment) -> anyhow::Result<Self> {
        use schalter_desk_core::{ApplicationView, Desk, DeskConfig};

        let phone = "0151 33333333";
        let old_serial = "L01X00T47";
        let (producer, producer_url) = env.start_producer(&[])?;
        let sms_file = env.dir.path().join("sms.jsonl");
        let path = |p: std::path::PathBuf| p.display().to_string();
        let extra_args = vec![
            "--pin-pepper-file".to_owned(),
            path(env.dir.path().join("pin-pepper.key")),
            "--sms-gateway".to_owned(),
            "file".to_owned(),
            "--sms-file".to_owned(),
            path(sms_file.clone()),
            "--sms-poll-seconds".to_owned(),
            "1".to_owned(),
        ];
        let central = env.start_central_with(crate::CentralOptions {
            producer_url: Some(producer_url),
            extra_args,
            ..crate::CentralOptions::default()
        })?;
        let added = env
            .central_command(&[
                "add-box",
                "--id",
                LOADED_BOX_ID,
                "--office",
                "05111000_01",
                "--name",
                "Dienstleistungszentrum",
                "--compartments",
                "S,S,M,Ma,L",
                "--around-the-clock",
                "--terminal-cert",
                &path(env.pki.box_terminal_cert()),
            ])
            .output()?;
        if !added.status.success() {
            bail!("add-box: {}", String::from_utf8_lossy(&added.stderr));
        }

        let (cloud, cloud_url) = env.start_photo_cloud()?;
        let desk_config =
            env.desk_config_with(central.url(), &crate::Environment::photo_cloud_toml("psb:05111000_00", &cloud_url))?;
        let desk = Desk::new(&DeskConfig::load(&desk_config)?)?;
        desk.login(crate::CLERK_USERNAME, crate::CLERK_PASSWORD).await?;
        let draft = schalter_application::ApplicationDraft {
            pickup: "pickup_box".into(),
            mobile_number: Some(phone.into()),
            pickup_consent: true,
            pin_letter_handed_over: true,
            current_document_kind: Some("id_card".into()),
            current_document_serial: Some(old_serial.into()),
            ..crate::erika_draft("id_card")
        };
        let code = env
            .studio_upload(
                &cloud_url,
                &crate::asset("photos/valid-1244x1600.jpg"),
                schalter_photo::Algorithm::Aes256Gcm,
            )
            .await?;
        let photo = desk.fetch_photo(&code).await?;
        desk.decide_photo(&photo.photo_id, true, None, false).await?;
        desk.capture_fingerprints(&draft).await?;
        desk.capture_signature().await?;
        desk.submit_application(&draft).await?;

        let deadline = Instant::now() + Duration::from_secs(90);
        let delivered: ApplicationView = loop {
            desk.sync_now().await?;
            let list = desk.applications("").await?;
            if let Some(found) = list.iter().find(|a| a.status == "delivered") {
                break found.clone();
            }
            if Instant::now() > deadline {
                bail!("the ID card was never delivered: {:?}", list.iter().map(|a| &a.status).collect::<Vec<_>>());
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        let number = delivered.application_number.clone().context("a delivered application has its number")?;
        let args = schalter_desk_core::pickup::LoadArgs {
            application_number: number,
            box_id: LOADED_BOX_ID.into(),
            accessible: false,
        };
        desk.load_into_box(&args).await?;
        let pin = pin_from_sink(&sms_file, "+4915133333333").await?;

        let config = env.dir.path().join("box.toml");
        std::fs::write(
            &config,
            format!(
                "central_url = {:?}\ncentral_ca = {:?}\nterminal_cert = {:?}\nterminal_key = {:?}\n\n[devices]\nsimulator = true\n",
                central.url(),
                path(env.pki.ca_cert()),
                path(env.pki.box_terminal_cert()),
                path(env.pki.box_terminal_key()),
            ),
        )?;
        Ok(Self { central, config, phone, old_serial, pin, desk, _producer: producer, _cloud: cloud })
    }
}

/// The PIN of the SMS to `to` in the central's development sink (one JSON object a line).
async fn pin_from_sink(sms_file: &Path, to: &str) -> anyhow::Result<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(sms_file).unwrap_or_default();
        for line in text.lines() {
            let sms: serde_json::Value = serde_json::from_str(line)?;
            if sms["to"] == to {
                let text = sms["text"].as_str().context("an SMS has a text")?;
                let pin: String =
                    text.split("PIN: ").nth(1).context("the SMS names the PIN")?.chars().take(6).collect();
                return Ok(pin);
            }
        }
        if Instant::now() > deadline {
            bail!("no SMS to {to} in {}", sms_file.display());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
