//! `cargo xtask demo [--smoke]`: development PKI, central API with demo data, photo cloud with a
//! studio's sample code, the desk window. Ctrl-C stops every process it started.
//!
//! `--smoke` does the same set-up, then instead of opening the window for a person runs
//! `demo-smoke` (tests/src/bin), which drives the desk window on its own virtual display through
//! WebDriver: log in as the demo clerk, scan the demo code, photo with its checks, screenshot to
//! `.demo/smoke.png`. It exits 0 or fails with the step that failed.
//!
//! What the demo starts is listed once, in [`DEMO_BINARIES`]; the one `cargo build` builds exactly
//! that list, and every process is started through [`DemoBinary::command`].

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rand::distributions::{Alphanumeric, DistString};

use crate::{cargo, project_root, run_command, setup};

const DEMO_USER: &str = "demo";
const DEMO_NAME: &str = "Erika Mustermann";
const DEMO_OFFICE: &str = "05111000_01";
/// The webcam the demo desk uses when one is attached.
const WEBCAM: &str = "/dev/video0";
/// How long the smoke may take once everything is built.
const SMOKE_TIMEOUT: Duration = Duration::from_secs(240);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The desk window for a person, until Ctrl-C.
    Interactive,
    /// The whole demo driven through the window by `demo-smoke`, then exit.
    Smoke,
}

/// A binary of the workspace that the demo starts, and the package that builds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoBinary {
    pub package: &'static str,
    pub name: &'static str,
    /// Started only in this mode (`None`: in both).
    pub only: Option<Mode>,
}

pub const CENTRAL: DemoBinary = DemoBinary { package: "schalter-central", name: "schalter-central", only: None };
pub const PHOTO_CLOUD: DemoBinary =
    DemoBinary { package: "schalter-photo-cloud", name: "schalter-photo-cloud", only: None };
pub const PRODUCER: DemoBinary =
    DemoBinary { package: "schalter-producer-sim", name: "schalter-producer-sim", only: None };
/// Started by xtask (interactive) or by tauri-driver for `demo-smoke` (smoke).
pub const DESK: DemoBinary = DemoBinary { package: "schalter-desk", name: "schalter-desk", only: None };
pub const SMOKE: DemoBinary =
    DemoBinary { package: "schalter-system-tests", name: "demo-smoke", only: Some(Mode::Smoke) };
/// The pickup box's kiosk window (simulated slot reader and compartments); only the interactive demo opens it,
/// so the smoke's build (in every `cargo xtask test`) does not link a second Tauri binary.
pub const BOX_KIOSK: DemoBinary =
    DemoBinary { package: "schalter-box", name: "schalter-box", only: Some(Mode::Interactive) };

/// Every binary the demo starts: the single source of truth for what it builds.
pub const DEMO_BINARIES: &[DemoBinary] = &[CENTRAL, PHOTO_CLOUD, PRODUCER, DESK, BOX_KIOSK, SMOKE];

/// The binaries `mode` starts.
pub fn binaries(mode: Mode) -> impl Iterator<Item = &'static DemoBinary> {
    DEMO_BINARIES.iter().filter(move |b| b.only.is_none_or(|only| only == mode))
}

/// The packages whose binaries `mode` starts, each once.
pub fn packages(mode: Mode) -> Vec<&'static str> {
    let mut packages: Vec<&str> = binaries(mode).map(|b| b.package).collect();
    packages.dedup();
    packages.sort_unstable();
    packages.dedup();
    packages
}

/// `cargo build` arguments building exactly the binaries `mode` starts, in one invocation.
pub fn build_args(mode: Mode) -> Vec<String> {
    let mut args = vec!["build".to_owned(), "--quiet".to_owned(), "--locked".to_owned()];
    for package in packages(mode) {
        args.extend(["-p".to_owned(), package.to_owned()]);
    }
    for binary in binaries(mode) {
        args.extend(["--bin".to_owned(), binary.name.to_owned()]);
    }
    args
}

impl DemoBinary {
    /// Where `cargo build` puts it: `$CARGO_TARGET_DIR/debug` or `target/debug`.
    fn path(&self) -> PathBuf {
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| project_root().join("target"), PathBuf::from);
        project_root().join(target).join("debug").join(self.name)
    }

    /// The one way the demo starts a workspace binary; refuses one its build did not include.
    fn command(&self, mode: Mode) -> anyhow::Result<Command> {
        if !binaries(mode).any(|b| b == self) {
            bail!("{} is not in DEMO_BINARIES for {mode:?}, so the demo did not build it", self.name);
        }
        let path = self.path();
        if !path.is_file() {
            bail!("{} fehlt, obwohl `cargo {}` lief", path.display(), build_args(mode).join(" "));
        }
        Ok(Command::new(path))
    }
}

pub fn run(mode: Mode) -> anyhow::Result<()> {
    let root = project_root();
    setup::system_packages()?;
    if mode == Mode::Smoke {
        setup::tauri_driver()?;
    }
    setup::ui()?;
    run_command(cargo().current_dir(&root).args(build_args(mode)))?;

    let demo = root.join(".demo");
    let pki = schalter_pki::DevPkiPaths::new(demo.join("pki"));
    if pki.ensure("desk-05111000_01-1")? {
        println!("xtask: Entwicklungs-PKI angelegt in {}", pki.dir.display());
    }
    let central = |args: &[&str]| -> anyhow::Result<Command> {
        let mut command = CENTRAL.command(mode)?;
        command.args(args).env("SCHALTER_DATABASE_URL", format!("sqlite://{}", demo.join("central.db").display()));
        Ok(command)
    };
    run_command(central(&["seed-offices"])?.stdout(Stdio::null()))?;
    // The service centre's pickup box: eight compartments, two of them low; in its own room with its own
    // entrance (usable around the clock), so the demo works at any hour.
    let mut add_box =
        central(&["add-box", "--id", "dlz-box-1", "--office", DEMO_OFFICE, "--name", "Dienstleistungszentrum"])?;
    add_box
        .args(["--compartments", "S,S,S,Sa,M,M,Ma,L", "--around-the-clock"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // A second demo run finds the box there already: that refusal is fine.
    let _ = add_box.status();
    // Its terminal's certificate, every run: a re-made development PKI brings a new one.
    run_command(
        central(&["box-terminal", "--box", "dlz-box-1", "--cert", &pki.box_terminal_cert().display().to_string()])?
            .stdout(Stdio::null()),
    )?;
    let password = demo_password(&demo)?;
    let mut upsert = central(&[
        "clerk",
        "upsert",
        "--username",
        DEMO_USER,
        "--display-name",
        DEMO_NAME,
        "--role",
        "supervisor",
        "--office",
        DEMO_OFFICE,
    ])?
    .stdin(Stdio::piped())
    .stdout(Stdio::null())
    .spawn()?;
    upsert.stdin.take().expect("piped").write_all(password.as_bytes())?;
    if !upsert.wait()?.success() {
        bail!("Demo-Konto konnte nicht angelegt werden");
    }

    let stop = Arc::new(AtomicBool::new(false));
    let stop_flag = stop.clone();
    ctrlc::set_handler(move || stop_flag.store(true, Ordering::SeqCst)).context("Ctrl-C handler")?;

    let mut processes = Processes::default();
    let result = run_processes(mode, &mut processes, &central, &pki, &demo, &password, &stop);
    processes.stop_all();
    result
}

fn run_processes(
    mode: Mode,
    processes: &mut Processes,
    central: &dyn Fn(&[&str]) -> anyhow::Result<Command>,
    pki: &schalter_pki::DevPkiPaths,
    demo: &Path,
    password: &str,
    stop: &AtomicBool,
) -> anyhow::Result<()> {
    let path = |p: PathBuf| p.display().to_string();
    // The producer first: the central orders from it. Quick enough to watch an application move.
    let mut producer = PRODUCER.command(mode)?;
    producer
        .args(["--listen", "127.0.0.1:0", "--tls-cert", &path(pki.producer_cert()), "--tls-key"])
        .arg(pki.producer_key())
        .arg("--client-ca")
        .arg(pki.ca_cert())
        .args(["--accept-delay-ms", "5000", "--production-delay-ms", "10000", "--delivery-delay-ms", "20000"])
        .args(["--reject-every", "4"])
        .stdout(Stdio::piped())
        .process_group(0)
        .die_with_parent();
    let mut producer = producer.spawn().context("starting schalter-producer-sim")?;
    let producer_stdout = producer.stdout.take().expect("piped");
    processes.push("Hersteller-Simulator", producer);
    let producer_url = announced_url(PRODUCER.name, producer_stdout)?;

    let mut server = central(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        &path(pki.central_cert()),
        "--tls-key",
        &path(pki.central_key()),
        "--client-ca",
        &path(pki.ca_cert()),
        "--producer-url",
        &producer_url,
        "--producer-ca",
        &path(pki.ca_cert()),
        "--producer-client-cert",
        &path(pki.central_producer_client_cert()),
        "--producer-client-key",
        &path(pki.central_producer_client_key()),
        "--producer-poll-seconds",
        "5",
        "--secrets-key-file",
        &path(demo.join("central-secrets.key")),
        "--pin-pepper-file",
        &path(demo.join("central-pin-pepper.key")),
        "--sms-gateway",
        "file",
        "--sms-file",
        &path(demo.join("sms.jsonl")),
        "--public-listen",
        "127.0.0.1:0",
        "--appointments-config",
        &path(project_root().join("crates/appointments/src/duesseldorf.toml")),
    ])?
    .stdout(Stdio::piped())
    .process_group(0)
    .die_with_parent()
    .spawn()
    .context("starting schalter-central")?;
    let stdout = server.stdout.take().expect("piped");
    processes.push("zentrale API", server);
    let (url, public_url) = announced_urls(CENTRAL.name, stdout)?;
    let public_url = public_url.context("the central announced no public listener")?;

    let mut cloud = PHOTO_CLOUD.command(mode)?;
    cloud
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            &path(pki.photo_cloud_cert()),
            "--tls-key",
            &path(pki.photo_cloud_key()),
            "--authority-ca",
            &path(pki.ca_cert()),
            "--studio-ca",
            &path(pki.studio_ca_cert()),
            "--seal-key",
            &path(pki.seal_key()),
            "--seal-cert",
            &path(pki.seal_cert()),
        ])
        .env("SCHALTER_PHOTO_CLOUD_DATABASE_URL", format!("sqlite://{}", demo.join("photo-cloud.db").display()))
        .stdout(Stdio::piped())
        .process_group(0)
        .die_with_parent();
    let mut cloud = cloud.spawn().context("starting schalter-photo-cloud")?;
    let cloud_stdout = cloud.stdout.take().expect("piped");
    processes.push("Foto-Cloud", cloud);
    let cloud_url = announced_url(PHOTO_CLOUD.name, cloud_stdout)?;

    // A photo studio uploads a synthetic sample photo and prints the code.
    let studio_dir = demo.join("studio");
    run_command(
        PHOTO_CLOUD
            .command(mode)?
            .args(["studio", "--cloud-url", &cloud_url, "--cloud-ca", &path(pki.ca_cert()), "--studio-cert"])
            .arg(pki.studio_cert())
            .arg("--studio-key")
            .arg(pki.studio_key())
            .arg("--photo")
            .arg(project_root().join("assets/photos/valid-1244x1600.jpg"))
            .arg("--out")
            .arg(&studio_dir)
            .stdout(Stdio::null()),
    )?;

    // Without a webcam, F6 plays the studio's slip as a camera would see it.
    let has_webcam = Path::new(WEBCAM).exists();
    let camera = if has_webcam {
        format!("\n[camera]\ndevice = \"{WEBCAM}\"\n")
    } else {
        "\n[camera]\nreplay = \"studio/camera/frame-%03d.png\"\n".to_owned()
    };
    let desk_toml = demo.join("desk.toml");
    std::fs::write(
        &desk_toml,
        format!(
            "# Written by `cargo xtask demo`.\ncentral_url = \"{url}\"\ncentral_ca = \"pki/ca.pem\"\ndesk_cert = \"pki/desk.pem\"\ndesk_key = \"pki/desk.key\"\ndata_dir = \"desk-data\"\n\
             organisation_key = \"psb:05111000_00\"\n\n[[photo_clouds]]\nbase_url = \"{cloud_url}\"\nca = \"pki/ca.pem\"\nseal_cert = \"pki/seal.pem\"\n{camera}"
        ),
    )?;

    if mode == Mode::Smoke {
        return run_smoke(processes, demo, &desk_toml, &studio_dir, stop);
    }

    let virtual_display = if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        let (display, xvfb) = start_xvfb()?;
        processes.push("Xvfb", xvfb);
        Some(display)
    } else {
        None
    };
    let mut desk = DESK.command(mode)?;
    desk.arg("--config").arg(&desk_toml).process_group(0).die_with_parent();
    if let Some(display) = &virtual_display {
        desk.env("DISPLAY", display);
    }
    processes.push("Arbeitsplatz", desk.spawn().context("starting schalter-desk")?);
    // The box terminal's window beside it: its own certificate, the simulator panel for slot and doors.
    let box_toml = demo.join("box.toml");
    std::fs::write(
        &box_toml,
        format!(
            "# Written by `cargo xtask demo`.\ncentral_url = \"{url}\"\ncentral_ca = \"{}\"\nterminal_cert = \"{}\"\nterminal_key = \"{}\"\n\n[devices]\nsimulator = true\n",
            pki.ca_cert().display(),
            pki.box_terminal_cert().display(),
            pki.box_terminal_key().display()
        ),
    )?;
    let mut kiosk = BOX_KIOSK.command(mode)?;
    kiosk.arg("--config").arg(&box_toml).process_group(0).die_with_parent();
    if let Some(display) = &virtual_display {
        kiosk.env("DISPLAY", display);
    }
    processes.push("Ausgabebox-Terminal", kiosk.spawn().context("starting schalter-box")?);

    println!(
        "\n  Schalter-Demo läuft.\n  Zentrale API:  {url}\n  Foto-Cloud:    {cloud_url}\n  Hersteller:    {producer_url} (Simulator; jeder 4. Antrag wird abgelehnt)\n  SMS:           {} (Entwicklung: eine Zeile je SMS)\n  Ausgabebox:    dlz-box-1, Terminal-Fenster mit Simulator (Dokument einlegen, Tür schließen)\n  Terminbuchung: {public_url}/termine/ (öffentlich, Düsseldorfer Freigaberegeln)\n  Aufrufanzeige: {public_url}/aufruf/{DEMO_OFFICE} (Warteraum)\n  Anmeldung:     Benutzer {DEMO_USER}  Passwort {password}\n  Dienststelle:  {DEMO_OFFICE} Bürgerbüro Dienstleistungszentrum\n  Foto-Code:     {} (Data Matrix: code-datamatrix.png, Zettel: slip.html)\n                 in »Kunde/Foto« einfügen + Enter, mit dem Scanner lesen oder F6 (Kamera{})\n  Beenden:       Strg+C\n",
        demo.join("sms.jsonl").display(),
        studio_dir.join("code.txt").display(),
        if has_webcam { "" } else { ": keine Webcam gefunden, es läuft eine Aufnahme des Zettels" }
    );
    let started = Instant::now();
    let mut screenshot_taken = false;
    while !stop.load(Ordering::SeqCst) {
        if let Some(name) = processes.exited() {
            println!("xtask: {name} wurde beendet, Demo endet.");
            break;
        }
        if let (Some(display), false) = (&virtual_display, screenshot_taken) {
            if started.elapsed() > Duration::from_secs(6) {
                screenshot_taken = true;
                let shot = demo.join("desk.png");
                let taken = Command::new("import").args(["-display", display, "-window", "root"]).arg(&shot).status();
                if taken.is_ok_and(|s| s.success()) {
                    println!(
                        "xtask: kein Bildschirm gefunden; das Fenster läuft auf {display}, Bildschirmfoto: {}",
                        shot.display()
                    );
                }
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

/// Runs `demo-smoke` against the running demo and waits for it (or Ctrl-C, or the deadline).
fn run_smoke(
    processes: &mut Processes,
    demo: &Path,
    desk_toml: &Path,
    studio_dir: &Path,
    stop: &AtomicBool,
) -> anyhow::Result<()> {
    let screenshot = demo.join("smoke.png");
    let _ = std::fs::remove_file(&screenshot);
    let mut smoke = SMOKE.command(Mode::Smoke)?;
    smoke
        .arg("--config")
        .arg(desk_toml)
        .args(["--username", DEMO_USER, "--display-name", DEMO_NAME])
        .arg("--password-file")
        .arg(demo.join("demo-password"))
        .arg("--code-file")
        .arg(studio_dir.join("code.txt"))
        .arg("--screenshot")
        .arg(&screenshot)
        .args(["--timeout-seconds", &SMOKE_TIMEOUT.as_secs().to_string()])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .process_group(0)
        .die_with_parent();
    println!("xtask: Demo-Smoke: Anmeldung als {DEMO_USER}, Foto-Code scannen, Prüfungen, Bildschirmfoto");
    let mut child = smoke.spawn().context("starting demo-smoke")?;
    // demo-smoke has its own deadline; this one only catches a hang in its teardown.
    let deadline = Instant::now() + SMOKE_TIMEOUT + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if stop.load(Ordering::SeqCst) || Instant::now() > deadline {
            // SIGTERM: demo-smoke stops the desk, tauri-driver (never SIGKILL) and its Xvfb.
            processes.push("Demo-Smoke", child);
            bail!(
                "Demo-Smoke abgebrochen ({})",
                if stop.load(Ordering::SeqCst) { "Strg+C" } else { "Zeit überschritten" }
            );
        }
        if let Some(name) = processes.exited() {
            processes.push("Demo-Smoke", child);
            bail!("Demo-Smoke abgebrochen: {name} wurde beendet");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    if !status.success() {
        bail!("Demo-Smoke fehlgeschlagen ({status}); Meldung von demo-smoke siehe oben");
    }
    if !screenshot.is_file() {
        bail!("Demo-Smoke meldet Erfolg, aber {} fehlt", screenshot.display());
    }
    println!("xtask: Demo-Smoke bestanden, Bildschirmfoto: {}", screenshot.display());
    Ok(())
}

/// The demo clerk's password: made once, kept in `.demo/demo-password` (only the owner
/// may read it) so the same credentials work on the next run.
fn demo_password(demo: &Path) -> anyhow::Result<String> {
    let file = demo.join("demo-password");
    if let Ok(existing) = std::fs::read_to_string(&file) {
        if existing.trim().len() >= 10 {
            return Ok(existing.trim().to_owned());
        }
    }
    let password = format!("demo-{}", Alphanumeric.sample_string(&mut rand::thread_rng(), 12).to_lowercase());
    std::fs::create_dir_all(demo)?;
    write_private(&file, password.as_bytes())?;
    Ok(password)
}

/// Writes a secret to a new file that only the owner may read, from the first byte on (mode 0600
/// at creation, never a world-readable moment); an existing file is replaced.
fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

fn announced_url(name: &str, stdout: std::process::ChildStdout) -> anyhow::Result<String> {
    Ok(announced_urls(name, stdout)?.0)
}

/// The server's URL, and its public listener's if it announced one before (the central's `public on`).
fn announced_urls(name: &str, stdout: std::process::ChildStdout) -> anyhow::Result<(String, Option<String>)> {
    let mut lines = BufReader::new(stdout).lines();
    let mut public = None;
    while let Some(line) = lines.next().transpose()? {
        if let Some(url) = line.split(" public on ").nth(1) {
            public = Some(url.trim().to_owned());
        } else if let Some(url) = line.split("listening on ").nth(1) {
            let url = url.trim().to_owned();
            // Keep draining so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return Ok((url, public));
        }
    }
    bail!("{name} endete, bevor es bereit war (siehe Meldungen oben)")
}

/// An X server on a display number it picks itself (`-displayfd`), for a machine without a screen.
fn start_xvfb() -> anyhow::Result<(String, Child)> {
    let mut child = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .die_with_parent()
        .spawn()
        .context("starting Xvfb")?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line)?;
    let Ok(number) = line.trim().parse::<u32>() else {
        let _ = child.kill();
        let _ = child.wait();
        bail!("Xvfb did not start");
    };
    let socket = format!("/tmp/.X11-unix/X{number}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !Path::new(&socket).exists() {
        if Instant::now() > deadline {
            bail!("Xvfb did not start");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((format!(":{number}"), child))
}

trait DieWithParent {
    /// The child gets SIGTERM should xtask itself be killed, so no server outlives the demo.
    fn die_with_parent(&mut self) -> &mut Self;
}

impl DieWithParent for Command {
    fn die_with_parent(&mut self) -> &mut Self {
        // SAFETY: prctl is async-signal-safe and touches only the child's own state.
        unsafe {
            self.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            })
        }
    }
}

/// Children in their own process groups, stopped in reverse start order.
#[derive(Default)]
struct Processes(Vec<(&'static str, Child)>);

impl Processes {
    fn push(&mut self, name: &'static str, child: Child) {
        self.0.push((name, child));
    }

    fn exited(&mut self) -> Option<&'static str> {
        self.0.iter_mut().find_map(|(name, child)| child.try_wait().ok().flatten().map(|_| *name))
    }

    fn stop_all(&mut self) {
        for (_, child) in self.0.iter_mut().rev() {
            if child.try_wait().ok().flatten().is_none() {
                // SAFETY: kill(2) on a child's pid we own; a stale pid is harmless here
                // because the child has not been reaped.
                unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            }
        }
        for (name, child) in self.0.iter_mut().rev() {
            // demo-smoke stops tauri-driver, WebKitWebDriver, the desk and Xvfb in turn: give it
            // time, as a hard kill would orphan them.
            let grace = if *name == "Demo-Smoke" { Duration::from_secs(40) } else { Duration::from_secs(8) };
            let deadline = Instant::now() + grace;
            while child.try_wait().ok().flatten().is_none() {
                if Instant::now() > deadline {
                    eprintln!("xtask: {name} reagiert nicht, wird hart beendet");
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        println!("xtask: alle Demo-Prozesse beendet.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// demo.rs without this test module.
    fn source() -> &'static str {
        let all = include_str!("demo.rs");
        &all[..all.find("#[cfg(test)]").expect("test module")]
    }

    /// Programs from Debian packages (setup.rs) the demo may start by name.
    const SYSTEM_TOOLS: &[&str] = &["\"Xvfb\"", "\"import\""];

    /// (package, binary) of every bin target in the workspace, from `cargo metadata`.
    fn workspace_binaries() -> Vec<(String, String)> {
        workspace_binaries_with_manifests().into_iter().map(|(package, binary, _)| (package, binary)).collect()
    }

    /// (package, binary, package's manifest path) of every bin target in the workspace.
    fn workspace_binaries_with_manifests() -> Vec<(String, String, String)> {
        let out = cargo()
            .current_dir(project_root())
            .args(["metadata", "--no-deps", "--format-version", "1", "--offline"])
            .output()
            .expect("cargo metadata");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        let metadata = json::parse(&text);
        let mut bins = Vec::new();
        for package in metadata.get("packages").array() {
            for target in package.get("targets").array() {
                if target.get("kind").array().iter().any(|k| k.str() == "bin") {
                    bins.push((
                        package.get("name").str().to_owned(),
                        target.get("name").str().to_owned(),
                        package.get("manifest_path").str().to_owned(),
                    ));
                }
            }
        }
        assert!(!bins.is_empty(), "cargo metadata lists no binaries");
        bins
    }

    /// Just enough JSON for `cargo metadata` (xtask stays free of serde).
    mod json {
        #[derive(Debug)]
        pub enum Value {
            Null,
            /// A number, `true` or `false`: never needed here.
            Scalar,
            Str(String),
            Array(Vec<Value>),
            Object(Vec<(String, Value)>),
        }

        impl Value {
            pub fn get(&self, key: &str) -> &Value {
                match self {
                    Value::Object(fields) => fields.iter().find(|(k, _)| k == key).map_or(&Value::Null, |(_, v)| v),
                    _ => &Value::Null,
                }
            }
            pub fn array(&self) -> &[Value] {
                match self {
                    Value::Array(items) => items,
                    _ => &[],
                }
            }
            pub fn str(&self) -> &str {
                match self {
                    Value::Str(s) => s,
                    _ => "",
                }
            }
        }

        pub fn parse(text: &str) -> Value {
            parse_value(&mut text.chars().peekable())
        }

        type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

        fn skip_ws(chars: &mut Chars) {
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
        }

        fn parse_value(chars: &mut Chars) -> Value {
            skip_ws(chars);
            match chars.peek().copied().expect("JSON value") {
                '{' => {
                    chars.next();
                    let mut fields = Vec::new();
                    loop {
                        skip_ws(chars);
                        match chars.next().expect("JSON object") {
                            '}' => return Value::Object(fields),
                            ',' => continue,
                            '"' => {
                                let key = parse_string(chars);
                                skip_ws(chars);
                                assert_eq!(chars.next(), Some(':'));
                                fields.push((key, parse_value(chars)));
                            }
                            other => panic!("unexpected {other:?} in JSON object"),
                        }
                    }
                }
                '[' => {
                    chars.next();
                    let mut items = Vec::new();
                    loop {
                        skip_ws(chars);
                        match chars.peek().copied().expect("JSON array") {
                            ']' => {
                                chars.next();
                                return Value::Array(items);
                            }
                            ',' => {
                                chars.next();
                            }
                            _ => items.push(parse_value(chars)),
                        }
                    }
                }
                '"' => {
                    chars.next();
                    Value::Str(parse_string(chars))
                }
                _ => {
                    let mut word = String::new();
                    while chars.peek().is_some_and(|c| !matches!(c, ',' | ']' | '}') && !c.is_whitespace()) {
                        word.push(chars.next().unwrap());
                    }
                    if word == "null" {
                        Value::Null
                    } else {
                        Value::Scalar
                    }
                }
            }
        }

        fn parse_string(chars: &mut Chars) -> String {
            let mut out = String::new();
            loop {
                match chars.next().expect("end of JSON string") {
                    '"' => return out,
                    '\\' => match chars.next().expect("escape") {
                        'u' => {
                            let hex: String = (0..4).filter_map(|_| chars.next()).collect();
                            out.push(
                                char::from_u32(u32::from_str_radix(&hex, 16).unwrap_or(0xfffd)).unwrap_or('\u{fffd}'),
                            );
                        }
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'b' | 'f' => {}
                        other => out.push(other),
                    },
                    c => out.push(c),
                }
            }
        }
    }

    /// Source files under `dir`, recursively.
    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("readable directory").flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// `cargo test` builds a package's binaries only when that package has integration tests (a `tests/`
    /// directory): a binary the system tests start from another package is otherwise missing on a clean
    /// clone while a developer's older build hides it (CI failed so on schalter-producer-sim).
    #[test]
    fn every_binary_the_system_tests_start_is_built_by_cargo_test() {
        let workspace = workspace_binaries_with_manifests();
        let mut files = Vec::new();
        rust_files(&project_root().join("tests"), &mut files);
        let mut started = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable source");
            for (offset, _) in text.match_indices("binary(\"") {
                let rest = &text[offset + "binary(\"".len()..];
                started.push(rest[..rest.find('"').expect("closing quote")].to_owned());
            }
        }
        assert!(started.iter().any(|b| b == "schalter-central"), "the scan found the system tests' binaries");
        for name in started {
            let (package, _, manifest) = workspace
                .iter()
                .find(|(_, binary, _)| *binary == name)
                .unwrap_or_else(|| panic!("the system tests start {name}, which no workspace package builds"));
            let package_dir = std::path::Path::new(manifest).parent().expect("package directory");
            assert!(
                package_dir.join("tests").is_dir(),
                "the system tests start {name} of {package}, but {package} has no tests/ directory, so \
                 `cargo test --workspace` never builds that binary"
            );
        }
    }

    #[test]
    fn every_binary_the_demo_spawns_is_built() {
        let source = source();
        // Every process is started either as a system tool or through DemoBinary::command,
        // never from a path of its own (`Command::new(bin.join("schalter-photo-cloud"))`).
        for (offset, _) in source.match_indices("Command::new(") {
            let argument = &source[offset + "Command::new(".len()..];
            let argument = &argument[..argument.find(')').unwrap_or(argument.len())];
            assert!(
                argument == "path" || SYSTEM_TOOLS.contains(&argument),
                "demo.rs starts Command::new({argument}): start workspace binaries with DemoBinary::command"
            );
        }
        assert_eq!(source.matches("Command::new(path)").count(), 1, "only DemoBinary::command builds a path");

        // No workspace binary is named anywhere in demo.rs but in DEMO_BINARIES.
        let workspace = workspace_binaries();
        for (_, name) in &workspace {
            for line in
                source.lines().filter(|l| l.contains(&format!("\"{name}\"")) || l.contains(&format!("/{name}\"")))
            {
                assert!(line.contains("DemoBinary {"), "demo.rs names the binary {name} outside DEMO_BINARIES: {line}");
            }
        }

        for mode in [Mode::Interactive, Mode::Smoke] {
            let args = build_args(mode);
            assert_eq!(args.iter().filter(|a| *a == "build").count(), 1);
            for binary in binaries(mode) {
                // The binary exists in that package of the workspace ...
                assert!(
                    workspace.contains(&(binary.package.to_owned(), binary.name.to_owned())),
                    "{} is no bin target of package {}",
                    binary.name,
                    binary.package
                );
                // ... and the one `cargo build` builds it.
                let has = |flag: &str, value: &str| args.windows(2).any(|w| w[0] == flag && w[1] == value);
                assert!(
                    has("-p", binary.package) && has("--bin", binary.name),
                    "{mode:?} does not build {binary:?}: {args:?}"
                );
                assert!(binary.command(mode).is_ok() || !binary.path().is_file(), "{binary:?} refused in {mode:?}");
            }
        }
        // The smoke starts the desk through tauri-driver, so it builds it too; the interactive
        // demo does not build the smoke driver.
        assert!(binaries(Mode::Smoke).any(|b| *b == DESK));
        assert!(!binaries(Mode::Interactive).any(|b| *b == SMOKE));
        assert!(!binaries(Mode::Smoke).any(|b| *b == BOX_KIOSK), "the smoke opens no kiosk, so it does not build it");
        assert!(SMOKE.command(Mode::Interactive).is_err(), "the interactive demo does not build demo-smoke");
    }

    #[test]
    fn demo_password_file_is_private_from_the_start() {
        let dir = std::env::temp_dir().join(format!("xtask-demo-password-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("demo-password");
        std::fs::write(&file, "short").unwrap();
        std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
        let password = demo_password(&dir).unwrap();
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), password);
        assert!(!source().contains("set_permissions"), "secrets are created 0600, not chmod-ed afterwards");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
