//! Installs what a fresh machine lacks, quietly when it is all there already.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

use crate::{cargo, project_root, run_command};

/// Debian packages for building and running the desk (WebKitGTK 4.1; GStreamer for the webcam,
/// which WebKitGTK loads anyway) and for testing its real window (Xvfb, WebKitWebDriver,
/// ImageMagick for screenshots), the public booking page (Debian's Chromium headless under its
/// chromedriver) and the receipt PDF (`pdftotext`, `pdffonts`).
const PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "curl",
    "file",
    "libwebkit2gtk-4.1-dev",
    "libxdo-dev",
    "libssl-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libgstreamer1.0-dev",
    "libgstreamer-plugins-base1.0-dev",
    "gstreamer1.0-plugins-base",
    "gstreamer1.0-plugins-good",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "chromium",
    "chromium-driver",
    "imagemagick",
    "poppler-utils",
    "softhsm2", // the PKCS#11 desk-key tests (crates/pkcs11): a software token
];

/// The C decoders and curl the benchmarks compare against.
const BENCH_PACKAGES: &[&str] = &["zbar-tools", "dmtx-utils", "curl"];

pub fn system_packages() -> anyhow::Result<()> {
    install_missing(PACKAGES)
}

pub fn bench_packages() -> anyhow::Result<()> {
    install_missing(PACKAGES)?;
    install_missing(BENCH_PACKAGES)
}

pub(crate) fn install_missing(packages: &[&str]) -> anyhow::Result<()> {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let install = format!("apt-get install -y --no-install-recommends {}", missing.join(" "));
    if !is_root() {
        bail!("Es fehlen Systempakete. Bitte als root ausführen:\n  sudo apt-get update && sudo {install}");
    }
    println!("xtask: installiere {}", missing.join(", "));
    run_command(Command::new("apt-get").args(["update", "-qq"]).env("DEBIAN_FRONTEND", "noninteractive"))?;
    run_command(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null()),
    )
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("install ok installed"))
}

pub(crate) fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// tauri-driver bridges WebDriver clients to WebKitWebDriver for the desk window.
pub fn tauri_driver() -> anyhow::Result<()> {
    let listed = cargo().args(["install", "--list"]).output().context("cargo install --list")?;
    if String::from_utf8_lossy(&listed.stdout).lines().any(|l| l.starts_with("tauri-driver v2.")) {
        return Ok(());
    }
    println!("xtask: installiere tauri-driver 2");
    run_command(cargo().args(["install", "tauri-driver", "--version", "^2", "--locked", "--quiet"]))
}

/// The script the accessibility checks inject, relative to `ui/`.
pub const AXE_CORE: &str = "node_modules/axe-core/axe.min.js";

/// Installs the UI's node packages (exactly the lock file) and builds it into `ui/dist`,
/// which the desk binary embeds.
pub fn ui() -> anyhow::Result<()> {
    let ui = project_root().join("ui");
    if Command::new("npm").arg("--version").stdout(Stdio::null()).status().is_err() {
        bail!("npm fehlt: Node.js 20.19 oder neuer wird für die Oberfläche gebraucht");
    }
    if needs_npm_ci(&ui) {
        run_command(npm(&ui).args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]))?;
    }
    // The WebDriver tests run axe-core in the desk window (tests/src/lib.rs `assert_accessible`).
    // It belongs in package.json's devDependencies; until the lock file has it, install it
    // without touching package.json or the lock file.
    if !ui.join(AXE_CORE).is_file() {
        println!("xtask: installiere axe-core 4 für die Barrierefreiheitsprüfung");
        run_command(npm(&ui).args([
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "axe-core@4",
        ]))?;
        if !ui.join(AXE_CORE).is_file() {
            bail!("npm installierte axe-core, aber {} fehlt", ui.join(AXE_CORE).display());
        }
    }
    run_command(npm(&ui).args(["run", "--silent", "build", "--", "--logLevel", "warn"]))
}

fn needs_npm_ci(ui: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(&ui.join("package-lock.json")), modified(&ui.join("node_modules/.package-lock.json"))) {
        (Some(lock), Some(installed)) => lock > installed,
        _ => true,
    }
}

pub fn npm(dir: &Path) -> Command {
    let mut command = Command::new("npm");
    command.current_dir(dir);
    command
}
