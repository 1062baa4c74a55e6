//! `cargo xtask demo`: development PKI, central API with demo data, the desk window.
//! Ctrl-C stops every process it started.

use std::io::{BufRead, BufReader, Write};
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
const DEMO_OFFICE: &str = "05111000_01";
/// The webcam the demo desk uses when one is attached.
const WEBCAM: &str = "/dev/video0";

pub fn run() -> anyhow::Result<()> {
    let root = project_root();
    setup::system_packages()?;
    setup::ui()?;
    run_command(cargo().current_dir(&root).args([
        "build",
        "--quiet",
        "--locked",
        "-p",
        "schalter-central",
        "-p",
        "schalter-desk",
    ]))?;

    let demo = root.join(".demo");
    let pki = schalter_pki::DevPkiPaths::new(demo.join("pki"));
    if pki.ensure("desk-05111000_01-1")? {
        println!("xtask: Entwicklungs-PKI angelegt in {}", pki.dir.display());
    }
    let bin = root.join("target/debug");
    let central = |args: &[&str]| {
        let mut command = Command::new(bin.join("schalter-central"));
        command.args(args).env("SCHALTER_DATABASE_URL", format!("sqlite://{}", demo.join("central.db").display()));
        command
    };
    run_command(central(&["seed-offices"]).stdout(Stdio::null()))?;
    let password = demo_password(&demo)?;
    let mut upsert = central(&[
        "clerk",
        "upsert",
        "--username",
        DEMO_USER,
        "--display-name",
        "Erika Mustermann",
        "--role",
        "supervisor",
        "--office",
        DEMO_OFFICE,
    ])
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
    let result = run_processes(&mut processes, &central, &pki, &demo, &bin, &password, &stop);
    processes.stop_all();
    result
}

fn run_processes(
    processes: &mut Processes,
    central: &dyn Fn(&[&str]) -> Command,
    pki: &schalter_pki::DevPkiPaths,
    demo: &Path,
    bin: &Path,
    password: &str,
    stop: &AtomicBool,
) -> anyhow::Result<()> {
    let path = |p: PathBuf| p.display().to_string();
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
    ])
    .stdout(Stdio::piped())
    .process_group(0)
    .die_with_parent()
    .spawn()
    .context("starting schalter-central")?;
    let stdout = server.stdout.take().expect("piped");
    processes.push("zentrale API", server);
    let url = announced_url(stdout)?;

    let mut cloud = Command::new(bin.join("schalter-photo-cloud"));
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
    let cloud_url = announced_url(cloud_stdout)?;

    // A photo studio uploads a synthetic sample photo and prints the code.
    let studio_dir = demo.join("studio");
    run_command(
        Command::new(bin.join("schalter-photo-cloud"))
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
    std::fs::write(
        demo.join("desk.toml"),
        format!(
            "# Written by `cargo xtask demo`.\ncentral_url = \"{url}\"\ncentral_ca = \"pki/ca.pem\"\ndesk_cert = \"pki/desk.pem\"\ndesk_key = \"pki/desk.key\"\n\
             organisation_key = \"psb:05111000_00\"\n\n[[photo_clouds]]\nbase_url = \"{cloud_url}\"\nca = \"pki/ca.pem\"\nseal_cert = \"pki/seal.pem\"\n{camera}"
        ),
    )?;

    let virtual_display = if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        let (display, xvfb) = start_xvfb()?;
        processes.push("Xvfb", xvfb);
        Some(display)
    } else {
        None
    };
    let mut desk = Command::new(bin.join("schalter-desk"));
    desk.arg("--config").arg(demo.join("desk.toml")).process_group(0).die_with_parent();
    if let Some(display) = &virtual_display {
        desk.env("DISPLAY", display);
    }
    processes.push("Arbeitsplatz", desk.spawn().context("starting schalter-desk")?);

    println!(
        "\n  Schalter-Demo läuft.\n  Zentrale API:  {url}\n  Foto-Cloud:    {cloud_url}\n  Anmeldung:     Benutzer {DEMO_USER}  Passwort {password}\n  Dienststelle:  {DEMO_OFFICE} Bürgerbüro Dienstleistungszentrum\n  Foto-Code:     {} (Data Matrix: code-datamatrix.png, Zettel: slip.html)\n                 in »Kunde/Foto« einfügen + Enter, mit dem Scanner lesen oder F6 (Kamera{})\n  Beenden:       Strg+C\n",
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
    std::fs::write(&file, &password)?;
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    Ok(password)
}

fn announced_url(stdout: std::process::ChildStdout) -> anyhow::Result<String> {
    let mut lines = BufReader::new(stdout).lines();
    while let Some(line) = lines.next().transpose()? {
        if let Some(url) = line.split("listening on ").nth(1) {
            let url = url.trim().to_owned();
            // Keep draining so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return Ok(url);
        }
    }
    bail!("schalter-central endete, bevor es bereit war (siehe Meldungen oben)")
}

fn start_xvfb() -> anyhow::Result<(String, Child)> {
    let number =
        (90..200).find(|n| !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()).context("no free X display")?;
    let display = format!(":{number}");
    let child = Command::new("Xvfb")
        .args([&display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stderr(Stdio::null())
        .process_group(0)
        .die_with_parent()
        .spawn()
        .context("starting Xvfb")?;
    let socket = format!("/tmp/.X11-unix/X{number}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !Path::new(&socket).exists() {
        if Instant::now() > deadline {
            bail!("Xvfb did not start");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((display, child))
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
            let deadline = Instant::now() + Duration::from_secs(8);
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
