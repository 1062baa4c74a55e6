//! `demo-smoke`: the demo end to end in the real window, run by `cargo xtask demo --smoke` once
//! the demo's central API, photo cloud and studio code are up. Starts the desk on a display of its
//! own (the system-test harness: Xvfb, tauri-driver → WebKitWebDriver), logs in with the demo
//! clerk, scans the studio's code, waits for the photo with its checks and saves a screenshot.
//!
//! ```text
//! demo-smoke --config .demo/desk.toml --username demo --password-file .demo/demo-password \
//!     --display-name 'Erika Mustermann' --code-file .demo/studio/code.txt --screenshot .demo/smoke.png
//! ```
//!
//! Exits 0 when all of it worked, 1 with the failed step otherwise (also after `--timeout-seconds`,
//! default 240, or on SIGTERM/SIGINT); every process it started is stopped either way.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use schalter_system_tests::Desk;
use thirtyfour::prelude::*;
use tokio::signal::unix::{signal, SignalKind};

const ALL_CHECKS_PASSED: &str = "Alle Prüfungen bestanden";

struct Args {
    config: PathBuf,
    username: String,
    password_file: PathBuf,
    display_name: String,
    code_file: PathBuf,
    screenshot: PathBuf,
    timeout: Duration,
}

impl Args {
    fn parse() -> anyhow::Result<Self> {
        let mut values = std::collections::HashMap::new();
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            let name = flag.strip_prefix("--").with_context(|| format!("unexpected argument {flag:?}"))?.to_owned();
            let value = args.next().with_context(|| format!("{flag} needs a value"))?;
            values.insert(name, value);
        }
        let mut take = |name: &str| values.remove(name).with_context(|| format!("--{name} missing"));
        let args = Self {
            config: take("config")?.into(),
            username: take("username")?,
            password_file: take("password-file")?.into(),
            display_name: take("display-name")?,
            code_file: take("code-file")?.into(),
            screenshot: take("screenshot")?.into(),
            timeout: Duration::from_secs(take("timeout-seconds").unwrap_or_else(|_| "240".into()).parse()?),
        };
        if let Some(unknown) = values.keys().next() {
            bail!("unknown option --{unknown}");
        }
        Ok(args)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let started = Instant::now();
    let result = match Args::parse() {
        Ok(args) => run(&args).await,
        Err(error) => Err(error.context("usage: see the comment at the top of tests/src/bin/demo-smoke.rs")),
    };
    match result {
        Ok(()) => {
            println!("demo-smoke: bestanden in {:.1} s", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("demo-smoke: FEHLGESCHLAGEN nach {:.1} s: {error:#}", started.elapsed().as_secs_f64());
            ExitCode::FAILURE
        }
    }
}

/// The smoke under a deadline; a signal or the deadline drops it, which stops the desk,
/// tauri-driver (SIGTERM) and Xvfb.
async fn run(args: &Args) -> anyhow::Result<()> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    tokio::select! {
        result = tokio::time::timeout(args.timeout, smoke(args)) => {
            result.unwrap_or_else(|_| Err(anyhow!("did not finish within {} s", args.timeout.as_secs())))
        }
        _ = terminate.recv() => Err(anyhow!("stopped by SIGTERM")),
        _ = interrupt.recv() => Err(anyhow!("stopped by SIGINT")),
    }
}

async fn smoke(args: &Args) -> anyhow::Result<()> {
    let password = std::fs::read_to_string(&args.password_file)
        .with_context(|| format!("reading {}", args.password_file.display()))?;
    let code =
        std::fs::read_to_string(&args.code_file).with_context(|| format!("reading {}", args.code_file.display()))?;
    let (password, code) = (password.trim(), code.trim());
    if code.is_empty() {
        bail!("{} is empty", args.code_file.display());
    }

    let desk = Desk::start_named(&args.config, "demo-smoke").await.context("starting the desk window")?;
    println!("demo-smoke: Arbeitsplatz-Fenster auf {}", desk.display().name());
    let result = drive(&desk, args, password, code).await;
    let closed = desk.close().await.context("closing the desk window");
    result?;
    closed
}

async fn drive(desk: &Desk, args: &Args, password: &str, code: &str) -> anyhow::Result<()> {
    desk.wait_text("#login-title", |t| t == "Anmeldung am Arbeitsplatz").await.context("login screen")?;
    desk.wait_text("#connection-state", |t| t.contains("Online")).await.context("desk online with the central API")?;
    desk.type_into("#username", args.username.as_str()).await?;
    desk.type_into("#password", password.to_owned() + Key::Enter).await?;
    desk.wait_text("#clerk-name", |t| t == args.display_name)
        .await
        .with_context(|| format!("logging in as {}", args.username))?;
    desk.wait_text("#section-content h1", |t| t == "Kunde/Foto").await.context("photo screen after login")?;
    println!("demo-smoke: angemeldet als {}", args.display_name);

    // Pasted into »Kunde/Foto« (as the README tells the demo user), then Enter.
    let input = desk.driver.find(By::Css("#photo-code-input")).await.context("code field")?;
    desk.driver
        .execute(
            "const [field, text] = arguments; field.focus();\n\
             Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(field, text);\n\
             field.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![input.to_json()?, serde_json::json!(code)],
        )
        .await?;
    input.send_keys(Key::Enter).await?;
    desk.wait_text("#photo-verdict", |t| t == ALL_CHECKS_PASSED).await.context("the scanned photo with its checks")?;
    let checks = desk.wait_text("#photo-checks", |t| t.contains('✓')).await?;
    if checks.contains('✗') {
        bail!("photo checks failed: {checks}");
    }
    println!("demo-smoke: Foto geprüft ({ALL_CHECKS_PASSED})");

    desk.screenshot_to(&args.screenshot, ALL_CHECKS_PASSED).await.context("screenshot")?;
    println!("demo-smoke: Bildschirmfoto {}", args.screenshot.display());
    Ok(())
}
