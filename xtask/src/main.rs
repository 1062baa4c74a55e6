//! `cargo xtask demo | test | pki | bench | fuzz`: everything a fresh Debian 12 machine needs, set up
//! idempotently, then the job.

mod bench;
mod bundle;
mod demo;
mod fuzz;
mod postgres;
mod setup;
mod test;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

const USAGE: &str = "cargo xtask <command>

  demo   Entwicklungs-PKI, zentrale API mit Demodaten und das Arbeitsplatz-Fenster starten
         --smoke: dasselbe, dann per WebDriver anmelden, Foto-Code scannen, Bildschirmfoto, Ende
  test   Formatierung, Clippy, alle Rust-Tests, UI-Tests, WebDriver-Tests (eigenes Xvfb je Fenster), Demo-Smoke
  postgres  PostgreSQL für die Tests starten (eigene Instanz unter target/postgres), URL ausgeben, bis Strg-C
  bundle .deb/.rpm mit signierten Update-Artefakten, Signaturprüfung, latest.json (--dev-key, --tamper-check, --install-check)
  pki    nur die Entwicklungs-PKI unter .demo/pki anlegen
  bench  decode | scan-to-photo | sync-backlog: Messungen mit Vergleichswerten aus demselben Lauf
  fuzz   [Sekunden]: die Fuzz-Ziele des Foto-Codes und der Bildprüfung laufen lassen (Standard 60 s je Ziel)";

fn main() {
    if let Err(error) = run() {
        eprintln!("xtask: {error:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("demo") => match args.get(1).map(String::as_str) {
            None => demo::run(demo::Mode::Interactive),
            Some("--smoke") => demo::run(demo::Mode::Smoke),
            Some(other) => bail!("cargo xtask demo [--smoke]: unbekannt {other:?}"),
        },
        Some("test") => test::run(),
        Some("bundle") => bundle::run(&args[1..]),
        Some("postgres") => postgres::serve_until_interrupted(),
        Some("bench") => bench::run(args.get(1).map(String::as_str)),
        Some("fuzz") => fuzz::run(args.get(1).map(String::as_str)),
        Some("pki") => {
            let paths = schalter_pki::DevPkiPaths::new(project_root().join(".demo/pki"));
            if paths.ensure("desk-05111000_01-1")? {
                println!("Entwicklungs-PKI angelegt in {}", paths.dir.display());
            } else {
                println!("Entwicklungs-PKI vorhanden in {}", paths.dir.display());
            }
            Ok(())
        }
        _ => {
            println!("{USAGE}");
            Ok(())
        }
    }
}

pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_owned()
}

/// Runs a command to completion, failing with its name when it fails.
pub fn run_command(command: &mut Command) -> anyhow::Result<()> {
    let shown = shown(command);
    let status = command.status().with_context(|| format!("cannot start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

/// The directory, the environment's names and the command line, never the environment's values:
/// those may be secrets (`TAURI_SIGNING_PRIVATE_KEY` and its password for `cargo xtask bundle`).
fn shown(command: &Command) -> String {
    let mut shown = String::new();
    if let Some(dir) = command.get_current_dir() {
        shown.push_str(&format!("cd {:?} && ", dir));
    }
    for (name, _) in command.get_envs() {
        shown.push_str(&format!("{}=… ", name.to_string_lossy()));
    }
    shown.push_str(&format!("{:?}", command.get_program()));
    for arg in command.get_args() {
        shown.push_str(&format!(" {arg:?}"));
    }
    shown
}

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_shown_command_names_its_environment_but_never_the_values() {
        let mut command = std::process::Command::new("cargo");
        command.current_dir("/tmp").env("TAURI_SIGNING_PRIVATE_KEY", "geheim-123").args(["tauri", "build"]);
        let shown = super::shown(&command);
        assert_eq!(shown, r#"cd "/tmp" && TAURI_SIGNING_PRIVATE_KEY=… "cargo" "tauri" "build""#);
        assert!(!shown.contains("geheim"));
    }
}
