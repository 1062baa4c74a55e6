//! `cargo xtask bundle`: the desk app's packages (.deb, .rpm) through tauri-cli, with Tauri updater
//! signatures; then every `.sig` is checked against the release public key, a `latest.json` is
//! written for the central's updates directory, and on request a one-byte-flipped copy is shown
//! to be refused and the .deb is installed and started under Xvfb.
//!
//! AppImage is left out: its bundler downloads AppRun from GitHub, which fails offline.
//! MSI/NSIS come from `.github/workflows/windows-bundle.yml` (untested here).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};
use base64::Engine;

use crate::{project_root, run_command};

const USAGE: &str = "cargo xtask bundle [--channel stable|pilot] [--notes TEXT] [--url-base URL] [--dev-key] [--tamper-check] [--install-check]";

struct Options {
    channel: String,
    notes: String,
    url_base: Option<String>,
    dev_key: bool,
    tamper_check: bool,
    install_check: bool,
}

fn options(args: &[String]) -> anyhow::Result<Options> {
    let mut options = Options {
        channel: "stable".into(),
        notes: String::new(),
        url_base: None,
        dev_key: false,
        tamper_check: false,
        install_check: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().cloned().with_context(|| format!("{arg} braucht einen Wert\n{USAGE}"));
        match arg.as_str() {
            "--channel" => options.channel = value()?,
            "--notes" => options.notes = value()?,
            "--url-base" => options.url_base = Some(value()?),
            "--dev-key" => options.dev_key = true,
            "--tamper-check" => options.tamper_check = true,
            "--install-check" => options.install_check = true,
            other => bail!("unbekannt {other:?}\n{USAGE}"),
        }
    }
    if !matches!(options.channel.as_str(), "stable" | "pilot") {
        bail!("--channel: stable oder pilot, nicht {:?}", options.channel);
    }
    Ok(options)
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let options = options(args)?;
    let root = project_root();
    // The WebKitGTK headers, xvfb-run and ImageMagick's `import` for the install check; npm for the UI.
    crate::setup::system_packages()?;
    ensure_tauri_cli()?;

    let release_key = std::fs::read_to_string(root.join("release/updater.pub"))
        .context("release/updater.pub fehlt")?
        .trim()
        .to_owned();
    let tauri_conf: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(root.join("tauri.conf.json"))?)?;
    let configured = configured_pubkey(&tauri_conf)?;
    if configured != release_key {
        bail!("tauri.conf.json plugins.updater.pubkey und release/updater.pub unterscheiden sich");
    }

    let (private_key, password, public_key) = signing_key(&root, &options, &release_key)?;
    let started = Instant::now();
    let mut build = Command::new("cargo");
    build
        .current_dir(root.join("src-tauri"))
        .args(["tauri", "build", "--ci", "--bundles", "deb,rpm"])
        .env("TAURI_SIGNING_PRIVATE_KEY", &private_key)
        .env("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", &password);
    if public_key != release_key {
        // A throwaway key: its public half replaces the release key for this build only.
        build.args(["--config", &format!(r#"{{"plugins":{{"updater":{{"pubkey":"{public_key}"}}}}}}"#)]);
    }
    run_command(&mut build)?;
    println!("Bundles gebaut in {:.0?}", started.elapsed());

    let bundle_dir = root.join("target/release/bundle");
    let signed = signed_packages(&bundle_dir)?;
    if !signed.iter().any(|(package, _)| package.extension().is_some_and(|ext| ext == "deb")) {
        bail!("kein signiertes .deb unter {}", bundle_dir.display());
    }
    for (package, signature) in &signed {
        let bytes = std::fs::read(package)?;
        verify(&bytes, std::fs::read_to_string(signature)?.trim(), &public_key)
            .with_context(|| format!("{}: Signatur ungültig", signature.display()))?;
        println!("Signatur gültig: {} ({} Bytes)", package.display(), bytes.len());
        if options.tamper_check {
            let mut tampered = bytes.clone();
            let middle = tampered.len() / 2;
            tampered[middle] ^= 0x01;
            if verify(&tampered, std::fs::read_to_string(signature)?.trim(), &public_key).is_ok() {
                bail!("{}: ein verändertes Byte wurde NICHT erkannt", package.display());
            }
            println!("Manipulationsprobe: ein gekipptes Byte in {} wird abgelehnt", file_name(package));
        }
    }

    let channel_dir = write_channel(&root, &tauri_conf, &options, &signed)?;
    println!("Update-Verzeichnis für die Zentrale: {} (kopieren nach <updates_dir>/)", channel_dir.display());

    if options.install_check {
        install_check(&root, &signed)?;
    }
    Ok(())
}

/// Idempotent and quiet when tauri-cli 2 is there; installing it cold takes about 9 minutes.
fn ensure_tauri_cli() -> anyhow::Result<()> {
    let list = Command::new("cargo").args(["install", "--list"]).output().context("cargo install --list")?;
    if String::from_utf8_lossy(&list.stdout).lines().any(|line| line.starts_with("tauri-cli v2.")) {
        return Ok(());
    }
    println!("tauri-cli 2 fehlt; wird installiert (etwa 9 Minuten) …");
    run_command(Command::new("cargo").args(["install", "tauri-cli", "--version", "^2", "--locked"]))
}

fn configured_pubkey(tauri_conf: &serde_json::Value) -> anyhow::Result<String> {
    tauri_conf
        .pointer("/plugins/updater/pubkey")
        .and_then(|key| key.as_str())
        .map(|key| key.trim().to_owned())
        .context("tauri.conf.json: plugins.updater.pubkey fehlt")
}

/// (private key, its password, the public key the signatures must match).
fn signing_key(root: &Path, options: &Options, release_key: &str) -> anyhow::Result<(String, String, String)> {
    if let Ok(private_key) = std::env::var("TAURI_SIGNING_PRIVATE_KEY") {
        let password = std::env::var("TAURI_SIGNING_PRIVATE_KEY_PASSWORD").unwrap_or_default();
        return Ok((private_key, password, release_key.to_owned()));
    }
    if !options.dev_key {
        bail!(
            "TAURI_SIGNING_PRIVATE_KEY ist nicht gesetzt. Der Freigabeschlüssel liegt bei der Release-Verantwortlichen \
             (hier: /root/.schalter-release/updater.key):\n  \
             TAURI_SIGNING_PRIVATE_KEY=\"$(cat /root/.schalter-release/updater.key)\" \
             TAURI_SIGNING_PRIVATE_KEY_PASSWORD=… cargo xtask bundle\n\
             Zum Ausprobieren ohne ihn: cargo xtask bundle --dev-key (Wegwerfschlüssel unter target/, \
             solche Pakete nimmt kein ausgelieferter Arbeitsplatz an)"
        );
    }
    let dir = root.join("target/bundle-dev-key");
    let key = dir.join("updater.key");
    if !key.exists() {
        std::fs::create_dir_all(&dir)?;
        run_command(
            Command::new("cargo").args(["tauri", "signer", "generate", "--ci", "--password", "", "-w"]).arg(&key),
        )?;
    }
    let public_key = std::fs::read_to_string(dir.join("updater.key.pub"))?.trim().to_owned();
    println!("Wegwerfschlüssel {} (nicht der Freigabeschlüssel)", key.display());
    Ok((std::fs::read_to_string(&key)?.trim().to_owned(), String::new(), public_key))
}

/// Each package beside its `.sig`.
fn signed_packages(bundle_dir: &Path) -> anyhow::Result<Vec<(PathBuf, PathBuf)>> {
    let mut found = Vec::new();
    for kind in ["deb", "rpm"] {
        let Ok(entries) = std::fs::read_dir(bundle_dir.join(kind)) else { continue };
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|ext| ext == "sig") {
                let package = path.with_extension("");
                if !package.exists() {
                    bail!("{}: Signatur ohne Paket", path.display());
                }
                found.push((package, path));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The check the desk makes (schalter_desk_core::updates::verify, the same crate as
/// tauri-plugin-updater); repeated here so that xtask does not build the whole desk core.
fn verify(package: &[u8], sig_base64: &str, pubkey_base64: &str) -> anyhow::Result<()> {
    let decode = |text: &str| -> anyhow::Result<String> {
        Ok(String::from_utf8(base64::engine::general_purpose::STANDARD.decode(text.trim())?)?)
    };
    let key = minisign_verify::PublicKey::decode(&decode(pubkey_base64)?)?;
    let signature = minisign_verify::Signature::decode(&decode(sig_base64)?)?;
    key.verify(package, &signature, true)?;
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}

/// `target/bundle/updates/<channel>/`: `latest.json` (Tauri's updater JSON) and the packages with
/// their signatures, as the central serves them from `<updates_dir>/<channel>/`.
fn write_channel(
    root: &Path,
    tauri_conf: &serde_json::Value,
    options: &Options,
    signed: &[(PathBuf, PathBuf)],
) -> anyhow::Result<PathBuf> {
    let version = tauri_conf["version"].as_str().context("tauri.conf.json: version fehlt")?.to_owned();
    let dir = root.join("target/bundle/updates").join(&options.channel);
    std::fs::create_dir_all(&dir)?;
    let mut platforms = serde_json::Map::new();
    for (package, signature) in signed {
        let name = file_name(package);
        std::fs::copy(package, dir.join(&name))?;
        std::fs::copy(signature, dir.join(file_name(signature)))?;
        let path = format!("/v1/updates/{}/files/{name}", options.channel);
        let url = match &options.url_base {
            Some(base) => format!("{}{path}", base.trim_end_matches('/')),
            None => path,
        };
        let entry = serde_json::json!({ "signature": std::fs::read_to_string(signature)?.trim(), "url": url });
        // The desk reads `linux-x86_64` (its .deb); `-deb`/`-rpm` are Tauri's per-installer keys.
        let kind = package.extension().map(|ext| ext.to_string_lossy().into_owned()).unwrap_or_default();
        if kind == "deb" {
            platforms.insert("linux-x86_64".into(), entry.clone());
        }
        platforms.insert(format!("linux-x86_64-{kind}"), entry);
    }
    let pub_date = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339)?;
    let manifest =
        serde_json::json!({ "version": version, "notes": options.notes, "pub_date": pub_date, "platforms": platforms });
    std::fs::write(dir.join("latest.json"), serde_json::to_string_pretty(&manifest)? + "\n")?;
    Ok(dir)
}

/// `dpkg -i` the .deb, start the installed binary under Xvfb with a managed configuration, and
/// take a screenshot: `target/bundle-check/installed.png`.
fn install_check(root: &Path, signed: &[(PathBuf, PathBuf)]) -> anyhow::Result<()> {
    let deb = signed
        .iter()
        .map(|(package, _)| package)
        .find(|package| package.extension().is_some_and(|ext| ext == "deb"))
        .context("kein .deb")?;
    run_command(Command::new("dpkg").arg("-i").arg(deb))?;
    let dir = root.join("target/bundle-check");
    std::fs::create_dir_all(&dir)?;
    let config = dir.join("desk.toml");
    let data = dir.join("data");
    // The development PKI (`cargo xtask pki`) gives the window a desk certificate; no central runs,
    // so the login screen shows the offline state. The file is the managed one (as IT deploys it to
    // /etc/schalter/desk.toml), moved by SCHALTER_MANAGED_CONFIG so that this machine's /etc stays as it is.
    let pki = root.join(".demo/pki");
    if !pki.join("desk.pem").exists() {
        run_command(crate::cargo().args(["xtask", "pki"]).current_dir(root))?;
    }
    std::fs::write(
        &config,
        format!(
            "# Installationsprobe von cargo xtask bundle --install-check: verwaltete Konfiguration.\n\
             central_url = \"https://127.0.0.1:9\"\n\
             central_ca = \"{pki}/ca.pem\"\n\
             desk_cert = \"{pki}/desk.pem\"\n\
             desk_key = \"{pki}/desk.key\"\n\
             data_dir = \"{data}\"\n\
             [updates]\n\
             mode = \"managed\"\n",
            pki = pki.display(),
            data = data.display()
        ),
    )?;
    let screenshot = dir.join("installed.png");
    let _ = std::fs::remove_file(&screenshot);
    let script = format!(
        "SCHALTER_MANAGED_CONFIG='{}' /usr/bin/schalter-desk > '{}' 2>&1 & APP=$!; sleep 10; import -window root '{}'; kill $APP; wait $APP || true",
        config.display(),
        dir.join("desk.log").display(),
        screenshot.display()
    );
    run_command(Command::new("xvfb-run").args(["-a", "-s", "-screen 0 1280x800x24", "bash", "-c", &script]))?;
    if !screenshot.exists() {
        bail!("kein Bildschirmfoto: {}", screenshot.display());
    }
    println!("Installiert und gestartet: Bildschirmfoto {}", screenshot.display());
    Ok(())
}
