//! Harness for the system tests: starts the real `schalter-central`, `schalter-photo-cloud` and
//! `schalter-desk` binaries (built by `cargo test --workspace` / `cargo xtask test`), and for every
//! desk window its own X server (Xvfb), tauri-driver and a WebDriver session.
//!
//! Every desk runs on a display of its own, so tests can run in parallel and a screenshot shows
//! exactly that test's window. [`Desk::screenshot`] proves it: it checks that the text the test
//! asserted is displayed, paints a marker strip in a colour derived from the test's name and a
//! counter, takes the picture of the X display and fails unless the marker is in it, pixel-exact.

pub mod box_terminal;
pub mod chromium;
pub mod fault_proxy;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use schalter_pki::DevPkiPaths;
use thirtyfour::prelude::*;

pub const CLERK_USERNAME: &str = "erika";
pub const CLERK_PASSWORD: &str = "korrekt-pferd-batterie";
pub const CLERK_NAME: &str = "Erika Mustermann";

/// Erika Mustermann's application as the desk's form sends it (synthetic test data): a document for the
/// counter; tests change what they need (`..erika_draft("id_card")`).
pub fn erika_draft(document_kind: &str) -> schalter_application::ApplicationDraft {
    schalter_application::ApplicationDraft {
        document_kind: document_kind.into(),
        family_name: "Mustermann".into(),
        birth_name: Some("Gabler".into()),
        given_names: "Erika".into(),
        date_of_birth: "12.08.1964".into(),
        place_of_birth: "Berlin".into(),
        sex: Some("001".into()),
        height: "160".into(),
        eye_colour: "grün".into(),
        street: Some("Heidestraße 17".into()),
        postal_code: Some("51147".into()),
        place: Some("Köln".into()),
        nationality: "deutsch".into(),
        pickup: "counter".into(),
        ..schalter_application::ApplicationDraft::default()
    }
}

/// Key presses the WebDriver test `desk_application` needs for the adult passport, from F3 to the second F12, F7 and F8
/// for the fingerprints and the signature included (the test
/// counts them and asserts this number, so the capture benchmark reports what the window really takes).
pub const ADULT_PASSPORT_KEYSTROKES: usize = 103;

/// `target/debug` (or wherever this test binary was built), where the workspace bins are.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("executable path");
    let dir = exe.parent().expect("executable directory");
    // Test binaries live in target/<profile>/deps, binaries (the benchmark) one up.
    if dir.ends_with("deps") {
        dir.parent().expect("target/<profile>").to_owned()
    } else {
        dir.to_owned()
    }
}

pub fn binary(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(path.is_file(), "{} missing: run `cargo test --workspace` or `cargo xtask test`", path.display());
    path
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `target/e2e-screenshots`, created if missing.
pub fn screenshot_dir() -> anyhow::Result<PathBuf> {
    let dir = workspace_root().join("target/e2e-screenshots");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// A child process that is stopped with SIGTERM when dropped.
pub struct Running {
    child: Child,
}

impl Running {
    pub fn new(child: Child) -> Self {
        Self { child }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits for the exit; `None` if it had to be killed after 10 s.
    pub fn terminate(mut self) -> Option<std::process::ExitStatus> {
        self.stop()
    }

    fn stop(&mut self) -> Option<std::process::ExitStatus> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Some(status);
        }
        // SIGTERM, never SIGKILL first: tauri-driver stops WebKitWebDriver only on a
        // signal it can handle, and an orphaned WebKitWebDriver keeps the test's pipes open.
        // SAFETY: kill(2) on our own, not yet reaped child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The child gets SIGTERM should the spawning thread (the test) die without cleaning up.
fn term_with_parent(command: &mut Command) -> &mut Command {
    // SAFETY: prctl is async-signal-safe and touches only the child's own state.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

/// How [`Environment::start_central_with`] starts the central API.
#[derive(Debug, Clone, Default)]
pub struct CentralOptions {
    /// Session idle time in seconds (`--session-idle-seconds`); the server's default if `None`.
    pub session_idle_seconds: Option<u64>,
    /// Address to listen on; a free loopback port if `None`.
    pub listen: Option<SocketAddr>,
    /// The producer simulator's URL (`--producer-url`, ordering every second); none orders nothing.
    pub producer_url: Option<String>,
    /// Further `serve` arguments (the pickup box's keys and SMS sink, a box terminal's limits).
    pub extra_args: Vec<String>,
}

/// A running (or stopped) central API. [`Central::restart`] brings it back on the same address,
/// so desks configured with [`Central::url`] reach it again. Stopped with SIGTERM when dropped.
pub struct Central {
    command: Box<dyn Fn(SocketAddr) -> Command + Send + Sync>,
    address: SocketAddr,
    url: String,
    public_url: Option<String>,
    running: Option<Running>,
}

impl Central {
    fn start(command: Box<dyn Fn(SocketAddr) -> Command + Send + Sync>, listen: SocketAddr) -> anyhow::Result<Self> {
        let mut child = command(listen).stdout(Stdio::piped()).spawn().context("starting schalter-central")?;
        let announced = announced_urls(&mut child);
        let running = Running::new(child);
        let (url, public_url) = announced?;
        let address = url
            .trim_start_matches("https://")
            .parse()
            .with_context(|| format!("schalter-central announced {url:?}, not https://<ip>:<port>"))?;
        Ok(Self { command, address, url, public_url, running: Some(running) })
    }

    /// `https://127.0.0.1:<port>`, the same after a restart.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `http://127.0.0.1:<port>` of the public listener (`serve --public-listen`), as the central announced
    /// it (`schalter-central public on …`); `None` without one. A restart may move it to another port.
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn is_running(&mut self) -> bool {
        self.running.as_mut().is_some_and(|r| r.child.try_wait().ok().flatten().is_none())
    }

    /// Stops the server (SIGTERM); fails if it had to be killed or exited with an error. Ending
    /// by the SIGTERM itself counts as stopped: right after start the server may not have
    /// installed its handler yet (graceful shutdown is tested in central_tls.rs).
    pub fn stop(&mut self) -> anyhow::Result<()> {
        use std::os::unix::process::ExitStatusExt;
        let Some(running) = self.running.take() else { return Ok(()) };
        match running.terminate() {
            Some(status) if status.success() || status.signal() == Some(libc::SIGTERM) => Ok(()),
            Some(status) => bail!("schalter-central ended with {status}"),
            None => bail!("schalter-central did not stop within 10 s of SIGTERM and was killed"),
        }
    }

    /// Stops the server if it runs, then starts it again on the same address (same URL).
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.stop()?;
        // The port is free now, but another process may grab it for a moment: retry a while.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut child =
                (self.command)(self.address).stdout(Stdio::piped()).spawn().context("starting schalter-central")?;
            match announced_urls(&mut child) {
                Ok((url, public_url)) => {
                    debug_assert_eq!(url, self.url);
                    self.public_url = public_url;
                    self.running = Some(Running::new(child));
                    return Ok(());
                }
                Err(error) if Instant::now() < deadline => {
                    drop(Running::new(child));
                    eprintln!("central restart on {} failed, retrying: {error:#}", self.address);
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(error) => return Err(error.context(format!("restarting schalter-central on {}", self.address))),
            }
        }
    }

    /// The running process and its URL, as [`Environment::start_central`] returns them.
    pub fn into_parts(mut self) -> (Running, String) {
        let running = self.running.take().expect("central is running");
        (running, std::mem::take(&mut self.url))
    }
}

/// A development PKI and database in a temporary directory, with one clerk.
pub struct Environment {
    pub dir: tempfile::TempDir,
    pub pki: DevPkiPaths,
    database: CentralDatabase,
}

/// Where the central API of an [`Environment`] keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CentralDatabase {
    /// A file in the environment's directory.
    Sqlite,
    /// A fresh database on this PostgreSQL server (admin URL, e.g. `SCHALTER_TEST_POSTGRES_URL`),
    /// created for the environment and dropped with it.
    Postgres { admin_url: String },
}

impl CentralDatabase {
    /// PostgreSQL if `SCHALTER_TEST_POSTGRES_URL` is set, else `None` (the caller decides whether
    /// that is a skip or, with `SCHALTER_TEST_REQUIRE_POSTGRES=1`, a failure).
    pub fn postgres_from_env() -> Option<Self> {
        let admin_url = std::env::var("SCHALTER_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty());
        if admin_url.is_none() && std::env::var("SCHALTER_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("SCHALTER_TEST_REQUIRE_POSTGRES=1 but SCHALTER_TEST_POSTGRES_URL is not set");
        }
        admin_url.map(|admin_url| Self::Postgres { admin_url })
    }
}

impl Drop for Environment {
    fn drop(&mut self) {
        if let CentralDatabase::Postgres { admin_url } = &self.database {
            let name = self.postgres_database_name();
            let _ = Command::new("psql")
                .arg(admin_url)
                .args(["-q", "-c", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Environment {
    /// A temporary directory with a development PKI, nothing else.
    pub fn pki_only() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let pki = DevPkiPaths::new(dir.path().join("pki"));
        pki.ensure("desk-05111000_01-test")?;
        Ok(Self { dir, pki, database: CentralDatabase::Sqlite })
    }

    /// PKI plus a central database with Düsseldorf's offices and one clerk.
    pub fn new() -> anyhow::Result<Self> {
        Self::with_database(CentralDatabase::Sqlite)
    }

    /// The same on the given database.
    pub fn with_database(database: CentralDatabase) -> anyhow::Result<Self> {
        let mut env = Self::pki_only()?;
        if let CentralDatabase::Postgres { admin_url } = &database {
            env.database = database.clone();
            let name = env.postgres_database_name();
            let status = Command::new("psql")
                .arg(admin_url)
                .args(["-q", "-v", "ON_ERROR_STOP=1", "-c", &format!("CREATE DATABASE {name}")])
                .stdout(Stdio::null())
                .status()
                .context("psql (postgresql-client) to create the test database")?;
            if !status.success() {
                bail!("CREATE DATABASE {name} failed");
            }
        }
        let status = env.central_command(&["seed-offices"]).stdout(Stdio::null()).status()?;
        assert!(status.success());
        let mut upsert = env
            .central_command(&[
                "clerk",
                "upsert",
                "--username",
                CLERK_USERNAME,
                "--display-name",
                CLERK_NAME,
                "--role",
                "clerk",
                "--office",
                "05111000_01",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()?;
        upsert.stdin.take().unwrap().write_all(CLERK_PASSWORD.as_bytes())?;
        assert!(upsert.wait()?.success(), "clerk upsert failed");
        Ok(env)
    }

    pub fn central_command(&self, args: &[&str]) -> Command {
        central_command(&self.central_database_url(), args)
    }

    /// The URL the central API of this environment is started with.
    pub fn central_database_url(&self) -> String {
        match &self.database {
            CentralDatabase::Sqlite => format!("sqlite://{}", self.dir.path().join("central.db").display()),
            CentralDatabase::Postgres { admin_url } => {
                let (server, _) = admin_url.rsplit_once('/').unwrap_or((admin_url, ""));
                format!("{server}/{}", self.postgres_database_name())
            }
        }
    }

    /// Unique per environment: the temporary directory's random name.
    fn postgres_database_name(&self) -> String {
        let suffix: String = self
            .dir
            .path()
            .file_name()
            .map(|n| n.to_string_lossy().chars().filter(char::is_ascii_alphanumeric).collect())
            .unwrap_or_default();
        format!("schalter_env_{}", suffix.to_ascii_lowercase())
    }

    /// Starts the central API over mTLS on a free port; returns it and its URL.
    pub fn start_central(&self) -> anyhow::Result<(Running, String)> {
        Ok(self.start_central_with(CentralOptions::default())?.into_parts())
    }

    /// Starts the central API with `options`; the [`Central`] can be stopped and restarted.
    pub fn start_central_with(&self, options: CentralOptions) -> anyhow::Result<Central> {
        let database_url = self.central_database_url();
        if options.session_idle_seconds.is_some() {
            let help = central_command(&database_url, &["serve", "--help"]).output()?;
            if !String::from_utf8_lossy(&help.stdout).contains("--session-idle-seconds") {
                bail!("this schalter-central has no `serve --session-idle-seconds` option yet");
            }
        }
        let path = |p: PathBuf| p.display().to_string();
        let tls = [
            "--tls-cert".to_owned(),
            path(self.pki.central_cert()),
            "--tls-key".to_owned(),
            path(self.pki.central_key()),
            "--client-ca".to_owned(),
            path(self.pki.ca_cert()),
        ];
        let producer = [
            "--producer-ca".to_owned(),
            path(self.pki.ca_cert()),
            "--producer-client-cert".to_owned(),
            path(self.pki.central_producer_client_cert()),
            "--producer-client-key".to_owned(),
            path(self.pki.central_producer_client_key()),
            "--secrets-key-file".to_owned(),
            path(self.dir.path().join("central-secrets.key")),
        ];
        let command = move |listen: SocketAddr| {
            let mut command = central_command(&database_url, &["serve", "--listen", &listen.to_string()]);
            command.args(&tls);
            if let Some(seconds) = options.session_idle_seconds {
                command.args(["--session-idle-seconds", &seconds.to_string()]);
            }
            if let Some(url) = &options.producer_url {
                command.args(["--producer-url", url, "--producer-poll-seconds", "1"]);
                command.args(&producer);
            }
            command.args(&options.extra_args);
            command
        };
        Central::start(Box::new(command), options.listen.unwrap_or_else(|| "127.0.0.1:0".parse().unwrap()))
    }

    /// Starts the document producer simulator (`schalter-producer-sim`) with quick notices and
    /// `extra` arguments (e.g. `--reject-every 2`); returns it and its URL.
    pub fn start_producer(&self, extra: &[&str]) -> anyhow::Result<(Running, String)> {
        let mut command = Command::new(binary("schalter-producer-sim"));
        command
            .args(["--listen", "127.0.0.1:0", "--tls-cert"])
            .arg(self.pki.producer_cert())
            .arg("--tls-key")
            .arg(self.pki.producer_key())
            .arg("--client-ca")
            .arg(self.pki.ca_cert())
            .args(["--accept-delay-ms", "100", "--production-delay-ms", "100", "--delivery-delay-ms", "100"])
            .args(extra)
            .stdout(Stdio::piped());
        let mut child = command.spawn().context("starting schalter-producer-sim")?;
        let url = announced_url(&mut child);
        let running = Running::new(child);
        Ok((running, url?))
    }

    /// Writes a desk configuration pointing at `central_url`; returns its path.
    pub fn desk_config(&self, central_url: &str) -> anyhow::Result<PathBuf> {
        self.desk_config_with(central_url, "")
    }

    /// A desk configuration with extra TOML lines (organisation key, photo clouds).
    pub fn desk_config_with(&self, central_url: &str, extra: &str) -> anyhow::Result<PathBuf> {
        self.desk_config_named("desk.toml", central_url, extra)
    }

    /// The same under another file name in the environment's directory, e.g. for a second desk
    /// with other settings in the same test.
    pub fn desk_config_named(&self, file_name: &str, central_url: &str, extra: &str) -> anyhow::Result<PathBuf> {
        // Each configuration its own store: never the user's data directory, never another desk's.
        let data_dir = format!("data-{}", file_name.trim_end_matches(".toml"));
        self.desk_config_with_store(file_name, central_url, &data_dir, extra)
    }

    /// A desk configuration whose store is `data_dir` (relative to the environment): two configurations with the
    /// same `data_dir` are one desk reaching the central by two addresses.
    pub fn desk_config_with_store(
        &self,
        file_name: &str,
        central_url: &str,
        data_dir: &str,
        extra: &str,
    ) -> anyhow::Result<PathBuf> {
        let path = self.dir.path().join(file_name);
        // Receipts go into `receipts_dir()` without the save dialog (which WebDriver cannot answer).
        std::fs::write(
            &path,
            format!(
                "central_url = \"{central_url}\"\ncentral_ca = \"pki/ca.pem\"\ndesk_cert = \"pki/desk.pem\"\ndesk_key = \"pki/desk.key\"\ndata_dir = \"{data_dir}\"\n{extra}\n[receipts]\nsave_directory = \"receipts\"\n"
            ),
        )?;
        Ok(path)
    }

    /// Where the desks of this environment save receipts (desk.toml `[receipts] save_directory`).
    pub fn receipts_dir(&self) -> PathBuf {
        self.dir.path().join("receipts")
    }

    /// TOML for this office's organisation key and one trusted photo cloud.
    pub fn photo_cloud_toml(organisation_key: &str, cloud_url: &str) -> String {
        format!(
            "organisation_key = \"{organisation_key}\"\n[[photo_clouds]]\nbase_url = \"{cloud_url}\"\nca = \"pki/ca.pem\"\nseal_cert = \"pki/seal.pem\"\n"
        )
    }

    /// Starts the reference photo cloud (real binary, mTLS) with its own database.
    pub fn start_photo_cloud(&self) -> anyhow::Result<(Running, String)> {
        self.start_photo_cloud_at("127.0.0.1:0", &self.pki.ca_cert())
    }

    /// The same, accepting authority (desk) certificates of `authority_ca` only.
    pub fn start_photo_cloud_trusting(&self, authority_ca: &Path) -> anyhow::Result<(Running, String)> {
        self.start_photo_cloud_at("127.0.0.1:0", authority_ca)
    }

    pub fn start_photo_cloud_at(&self, listen: &str, authority_ca: &Path) -> anyhow::Result<(Running, String)> {
        let path = |p: PathBuf| p.display().to_string();
        let mut child = Command::new(binary("schalter-photo-cloud"))
            .args([
                "serve",
                "--listen",
                listen,
                "--tls-cert",
                &path(self.pki.photo_cloud_cert()),
                "--tls-key",
                &path(self.pki.photo_cloud_key()),
                "--authority-ca",
                &path(authority_ca.to_owned()),
                "--studio-ca",
                &path(self.pki.studio_ca_cert()),
                "--seal-key",
                &path(self.pki.seal_key()),
                "--seal-cert",
                &path(self.pki.seal_cert()),
            ])
            .env(
                "SCHALTER_PHOTO_CLOUD_DATABASE_URL",
                format!("sqlite://{}", self.dir.path().join("cloud.db").display()),
            )
            .env("SCHALTER_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()?;
        let url = announced_url(&mut child);
        let running = Running::new(child);
        Ok((running, url?))
    }

    /// Uploads `photo` as the studio would and returns the code text (Base64).
    pub async fn studio_upload(
        &self,
        cloud_url: &str,
        photo: &[u8],
        algorithm: schalter_photo::Algorithm,
    ) -> anyhow::Result<String> {
        let ca = std::fs::read_to_string(self.pki.ca_cert())?;
        let studio = schalter_pki::Identity::load(&self.pki.studio_cert(), &self.pki.studio_key())?;
        let client = schalter_photo_cloud::studio::StudioClient::new(cloud_url, &ca, &studio)?;
        let upload = schalter_photo_cloud::studio::upload_photo(&client, photo, algorithm).await?;
        Ok(upload.code.to_base64().to_string())
    }
}

fn central_command(database_url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(binary("schalter-central"));
    command.args(args).env("SCHALTER_DATABASE_URL", database_url).env("SCHALTER_LOG", "warn");
    command
}

/// The headless desk (`desk-sync-probe`, crates/desk) for `config`, logged in as the test clerk; add
/// `capture …` or `sync …`.
pub fn sync_probe(config: &Path) -> Command {
    let mut command = Command::new(binary("desk-sync-probe"));
    command
        .arg("--config")
        .arg(config)
        .args(["--username", CLERK_USERNAME])
        .env("SCHALTER_PROBE_PASSWORD", CLERK_PASSWORD)
        .env("SCHALTER_LOG", "warn");
    command
}

/// A connection to the central API's database of an environment, to check what it holds.
pub async fn central_database(env: &Environment) -> anyhow::Result<sqlx::AnyPool> {
    sqlx::any::install_default_drivers();
    let url = env.central_database_url();
    let url = if url.starts_with("sqlite://") { format!("{url}?mode=ro") } else { url };
    Ok(sqlx::any::AnyPoolOptions::new().max_connections(2).connect(&url).await?)
}

/// Files below `dir` (recursively) and the given `extra` files whose raw bytes contain any of `needles`: what a
/// thief with the disk would find. Returns `(file, needle index)` pairs.
pub fn files_containing(dir: &Path, extra: &[PathBuf], needles: &[&[u8]]) -> anyhow::Result<Vec<(PathBuf, usize)>> {
    let mut files = extra.to_vec();
    let mut pending = vec![dir.to_owned()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    let mut found = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        for (index, needle) in needles.iter().enumerate() {
            if !needle.is_empty() && bytes.windows(needle.len()).any(|window| window == *needle) {
                found.push((file.clone(), index));
            }
        }
    }
    Ok(found)
}

/// The log filter of desk windows under test: our crates at debug, the rest at info.
const DESK_LOG_FILTER: &str =
    "info,schalter_desk=debug,schalter_desk_core=debug,schalter_sync=debug,schalter_store=debug,schalter_photo=debug";

/// One line of `desk-sync-probe capture`'s output: the record's id.
pub fn captured_record_id(line: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    Some(value.get("record_id")?.as_str()?.to_owned())
}

/// `desk-sync-probe capture` to the end; the ids of all `count` records (new or resumed).
pub fn capture_records(config: &Path, count: u64, photo_bytes: usize, seed: u64) -> anyhow::Result<Vec<String>> {
    let out = sync_probe(config)
        .args(["capture", "--count", &count.to_string(), "--photo-bytes", &photo_bytes.to_string()])
        .args(["--seed", &seed.to_string()])
        .output()?;
    if !out.status.success() {
        bail!("capture --seed {seed}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let ids: Vec<String> = String::from_utf8(out.stdout)?.lines().filter_map(captured_record_id).collect();
    anyhow::ensure!(ids.len() as u64 == count, "capture printed {} of {count} records", ids.len());
    Ok(ids)
}

/// `desk-sync-probe sync --until-drained`, started again while it ends with "central unreachable" (exit 2), at
/// most `attempts` times; its last summary.
pub fn sync_until_drained(config: &Path, attempts: u32) -> anyhow::Result<serde_json::Value> {
    for attempt in 1..=attempts {
        let out = sync_probe(config).args(["sync", "--until-drained"]).output()?;
        if out.status.success() {
            let summary: serde_json::Value = serde_json::from_slice(&out.stdout)?;
            anyhow::ensure!(summary["pending"] == 0, "drained but pending: {summary}");
            return Ok(summary);
        }
        if out.status.code() != Some(2) || attempt == attempts {
            bail!("sync (attempt {attempt}) ended with {}: {}", out.status, String::from_utf8_lossy(&out.stderr));
        }
    }
    unreachable!("the last attempt returns")
}

/// What the central must hold after desks synced: exactly `expected` accepted photos, each once, with complete
/// images, and per device every mutation answered once without gaps (`mutations_per_device`) and none rejected.
pub async fn assert_central_holds_exactly(
    env: &Environment,
    expected: &std::collections::BTreeSet<String>,
    mutations_per_device: &[i64],
) -> anyhow::Result<()> {
    use sqlx::Row as _;
    let db = central_database(env).await?;
    let held: Vec<String> =
        sqlx::query("SELECT photo_id FROM accepted_photos").fetch_all(&db).await?.iter().map(|r| r.get(0)).collect();
    let distinct: std::collections::BTreeSet<String> = held.iter().cloned().collect();
    anyhow::ensure!(held.len() == distinct.len(), "{} records held more than once", held.len() - distinct.len());
    anyhow::ensure!(
        &distinct == expected,
        "the central holds {} records, {} expected ({} missing, {} unexpected)",
        distinct.len(),
        expected.len(),
        expected.difference(&distinct).count(),
        distinct.difference(expected).count()
    );
    let devices = sqlx::query(
        "SELECT d.last_seq, (SELECT COUNT(*) FROM sync_mutations m WHERE m.device_id = d.device_id), \
         (SELECT COUNT(*) FROM sync_mutations m WHERE m.device_id = d.device_id AND m.status <> 'applied') \
         FROM sync_devices d ORDER BY d.last_seq",
    )
    .fetch_all(&db)
    .await?;
    let mut counts: Vec<i64> = Vec::new();
    for device in &devices {
        let (last_seq, answered, rejected): (i64, i64, i64) = (device.get(0), device.get(1), device.get(2));
        anyhow::ensure!(last_seq == answered, "a device's last_seq {last_seq} but {answered} mutations answered");
        anyhow::ensure!(rejected == 0, "{rejected} mutations rejected");
        counts.push(answered);
    }
    let mut wanted = mutations_per_device.to_vec();
    wanted.sort_unstable();
    anyhow::ensure!(counts == wanted, "mutations per device {counts:?}, expected {wanted:?}");
    let incomplete: i64 = sqlx::query(
        "SELECT COUNT(*) FROM accepted_photos a JOIN blobs b ON b.sha256 = a.photo_sha256 WHERE NOT b.complete",
    )
    .fetch_one(&db)
    .await?
    .get(0);
    anyhow::ensure!(incomplete == 0, "{incomplete} accepted photos without their complete image");
    db.close().await;
    Ok(())
}

/// Reads the "listening on URL" line a server prints and keeps draining its stdout.
fn announced_url(child: &mut Child) -> anyhow::Result<String> {
    Ok(announced_urls(child)?.0)
}

/// [`announced_url`] and the central's "public on URL" line, which it prints before it (if at all).
fn announced_urls(child: &mut Child) -> anyhow::Result<(String, Option<String>)> {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut public_url = None;
    while let Some(line) = lines.next().transpose()? {
        if let Some(url) = line.split("schalter-central public on ").nth(1) {
            public_url = Some(url.trim().to_owned());
        } else if let Some(url) = line.split("listening on ").nth(1) {
            let url = url.trim().to_owned();
            std::thread::spawn(move || for _ in lines {});
            return Ok((url, public_url));
        }
    }
    bail!("server exited before listening")
}

pub fn asset(path: &str) -> Vec<u8> {
    std::fs::read(workspace_root().join("assets").join(path)).expect("asset file")
}

fn tauri_driver_path() -> PathBuf {
    let from_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("tauri-driver"))
        .find(|p| p.is_file());
    from_path.unwrap_or_else(|| {
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"));
        cargo_home.join("bin/tauri-driver")
    })
}

/// An X server of its own (`Xvfb :N -screen 0 1280x800x24 -nolisten tcp`, N picked by the server
/// itself via `-displayfd`), stopped when dropped.
pub struct VirtualDisplay {
    number: u32,
    _xvfb: Running,
}

impl VirtualDisplay {
    pub fn start() -> anyhow::Result<Self> {
        let mut command = Command::new("Xvfb");
        command
            .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child =
            term_with_parent(&mut command).spawn().context("Xvfb missing: `cargo xtask test` installs it")?;
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let stderr = child.stderr.take().expect("piped");
        // Xvfb is chatty on stderr (xkbcomp warnings); keep only the tail for errors.
        let (tail_tx, tail_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let lines: Vec<String> = BufReader::new(stderr).lines().map_while(Result::ok).collect();
            let _ = tail_tx.send(lines[lines.len().saturating_sub(5)..].join("\n"));
        });
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        let xvfb = Running::new(child);
        let Ok(number) = line.trim().parse::<u32>() else {
            drop(xvfb);
            let tail = tail_rx.recv_timeout(Duration::from_secs(2)).unwrap_or_default();
            bail!("Xvfb did not start: {tail}");
        };
        let display = Self { number, _xvfb: xvfb };
        // -displayfd is written once the server accepts connections; be sure anyway.
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            if Instant::now() > deadline {
                bail!("Xvfb :{number} has no socket {}", socket.display());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(display)
    }

    pub fn number(&self) -> u32 {
        self.number
    }

    /// `:N`, for `DISPLAY`.
    pub fn name(&self) -> String {
        format!(":{}", self.number)
    }

    /// Points an X client at this display (and at nothing else: no Wayland, no inherited auth).
    pub fn apply(&self, command: &mut Command) {
        command
            .env("DISPLAY", self.name())
            .env("GDK_BACKEND", "x11")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("XAUTHORITY");
    }

    /// A PNG of the whole display (`import -display :N -window root`), as the X server shows it now.
    pub fn screenshot_png(&self) -> anyhow::Result<Vec<u8>> {
        let out = Command::new("import")
            .args(["-display", &self.name(), "-window", "root", "png:-"])
            .stdin(Stdio::null())
            .output()
            .context("ImageMagick's import missing: `cargo xtask test` installs it")?;
        if !out.status.success() || out.stdout.is_empty() {
            bail!("import -display {} failed: {}", self.name(), String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(out.stdout)
    }
}

/// Counts desks started in this process, so two desks of one test get different markers.
static DESKS_STARTED: AtomicU32 = AtomicU32::new(0);

/// `elementsShowing(text)`: the innermost elements whose rendered text contains `text` and that
/// are visible in the viewport.
const TEXT_SHOWN: &str = r#"
function elementsShowing(want) {
    const hits = [];
    for (const el of document.body.querySelectorAll('*')) {
        if (!(el.innerText || '').includes(want)) continue;
        if ([...el.children].some(c => (c.innerText || '').includes(want))) continue;
        const r = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        if (r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight &&
            r.left < innerWidth && style.visibility !== 'hidden' && Number(style.opacity) > 0) hits.push(el);
    }
    return hits;
}"#;

struct MarkerShown {
    /// In device pixels.
    size: (u32, u32),
    /// The expected text was displayed when the marker was painted.
    text_shown: bool,
}

/// Width and height in CSS pixels of the marker strip painted before each screenshot.
const MARKER_SIZE: (u32, u32) = (64, 5);
const MARKER_ID: &str = "e2e-screenshot-marker";

/// The desk window under WebDriver, on its own X display. Holds tauri-driver and Xvfb; quits the
/// session on `close`, stops tauri-driver (SIGTERM) and Xvfb when dropped.
pub struct Desk {
    pub driver: WebDriver,
    label: String,
    screenshots: AtomicU32,
    // Dropped in this order: tauri-driver (which stops WebKitWebDriver and the desk), then X.
    tauri_driver: Option<Running>,
    display: VirtualDisplay,
}

impl Desk {
    /// Starts a desk with `config` on a display of its own. Call it twice for two desks in one
    /// test; each gets its own display, tauri-driver and marker colours.
    pub async fn start(config: &Path) -> anyhow::Result<Self> {
        let label = std::thread::current().name().unwrap_or("desk").to_owned();
        Self::start_named(config, &label).await
    }

    /// The same with an explicit name for the marker colours and messages (default: the test's
    /// name, which is the name of the thread libtest runs it on).
    pub async fn start_named(config: &Path, name: &str) -> anyhow::Result<Self> {
        Self::start_window(config, name, "schalter-desk", DESK_LOG_FILTER).await
    }

    /// A Tauri window of the workspace (`application`: the desk or the box kiosk) with `config` on a
    /// display of its own, its log filtered by `log_filter`.
    pub(crate) async fn start_window(
        config: &Path,
        name: &str,
        application: &str,
        log_filter: &str,
    ) -> anyhow::Result<Self> {
        let index = DESKS_STARTED.fetch_add(1, Ordering::SeqCst);
        let label = format!("{name}#{index}");
        // Ports come from `free_port`, which another process may take before tauri-driver binds
        // it (tests run in parallel and servers bind ephemeral ports): then start over.
        let mut attempt = 1;
        loop {
            match Self::start_once(config, &label, application, log_filter).await {
                Ok(desk) => return Ok(desk),
                Err(error) if attempt < 3 => {
                    eprintln!("{application} start attempt {attempt} failed, retrying: {error:#}");
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn start_once(config: &Path, label: &str, application: &str, log_filter: &str) -> anyhow::Result<Self> {
        let display = VirtualDisplay::start()?;
        let port = free_port();
        let native_port = free_port();
        // The desk window's log (tauri-driver passes its output on), our crates at debug level: the disk checks
        // read it. (Everything at debug — hyper, rustls — slows the window enough to split scanner bursts.)
        let log = std::fs::File::create(Self::log_path_for(config))?;
        let mut command = Command::new(tauri_driver_path());
        command
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("SCHALTER_LOG", log_filter)
            .stdout(log.try_clone()?)
            .stderr(log);
        display.apply(&mut command);
        let tauri_driver =
            Running::new(command.spawn().context("tauri-driver missing: `cargo xtask test` installs it")?);
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
            serde_json::json!({
                "application": binary(application),
                "args": ["--config", config],
            }),
        )?;
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps).await?;
        Ok(Self {
            driver,
            label: label.to_owned(),
            screenshots: AtomicU32::new(0),
            tauri_driver: Some(tauri_driver),
            display,
        })
    }

    /// The X display this desk's window is on.
    /// Where the window started with `config` writes its log: beside the configuration.
    pub fn log_path_for(config: &Path) -> PathBuf {
        config.with_extension("log")
    }

    pub fn display(&self) -> &VirtualDisplay {
        &self.display
    }

    /// Waits until the element's text satisfies `check`; returns the text.
    pub async fn wait_text(&self, css: &str, check: impl Fn(&str) -> bool) -> anyhow::Result<String> {
        self.wait_text_within(css, Duration::from_secs(20), check).await
    }

    /// [`Desk::wait_text`] with its own limit (e.g. for a sync that backs off while the central was away).
    pub async fn wait_text_within(
        &self,
        css: &str,
        limit: Duration,
        check: impl Fn(&str) -> bool,
    ) -> anyhow::Result<String> {
        let deadline = Instant::now() + limit;
        let mut last = String::new();
        loop {
            if let Ok(element) = self.driver.find(By::Css(css)).await {
                if let Ok(text) = element.text().await {
                    if check(&text) {
                        return Ok(text);
                    }
                    last = text;
                }
            }
            if Instant::now() > deadline {
                let name: String = css.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
                let shot = self.failure_screenshot(&format!("failed-wait{name}"));
                bail!("{css}: text never matched; last seen {last:?} (screenshot: {shot:?})");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Logs the test clerk in through the form and waits for the main screen.
    pub async fn log_in(&self) -> anyhow::Result<()> {
        self.type_into("#username", CLERK_USERNAME).await?;
        self.type_into("#password", CLERK_PASSWORD.to_owned() + Key::Enter).await?;
        self.wait_text("#clerk-name", |t| t == CLERK_NAME).await?;
        Ok(())
    }

    pub async fn type_into(&self, css: &str, text: impl Into<TypingData>) -> anyhow::Result<()> {
        let element = self.driver.query(By::Css(css)).first().await?;
        element.send_keys(text).await?;
        Ok(())
    }

    /// Saves a PNG of this desk's display under `target/e2e-screenshots/<name>.png`, after
    /// checking that `expected_text` (what the test asserted, e.g. the clerk's name) is displayed
    /// and that the picture shows this window now (see [`Desk::screenshot_to`]).
    pub async fn screenshot(&self, name: &str, expected_text: &str) -> anyhow::Result<PathBuf> {
        let path = screenshot_dir()?.join(format!("{name}.png"));
        self.screenshot_to(&path, expected_text).await?;
        Ok(path)
    }

    /// Saves a PNG of this desk's display at `path`. Fails unless
    /// - an element whose text contains `expected_text` is displayed when the marker is painted
    ///   and still when the picture has been taken, and
    /// - the picture contains the marker strip painted just before, in this screenshot's own
    ///   colour (derived from the test's name and a counter), pixel-exact: a picture of another
    ///   window, a stale frame or a covered window fails.
    ///
    /// The saved picture shows the marker, a small strip in the bottom right corner.
    pub async fn screenshot_to(&self, path: &Path, expected_text: &str) -> anyhow::Result<()> {
        let counter = self.screenshots.fetch_add(1, Ordering::SeqCst);
        let colour = marker_colour(&self.label, counter);
        let shown = self.show_marker(colour, Some(expected_text)).await?;
        if !shown.text_shown {
            let _ = self.hide_marker(None).await;
            let shot = self.failure_screenshot("failed-text");
            bail!("{}: no displayed element shows {expected_text:?} (screenshot: {shot:?})", self.label);
        }
        let taken = self.capture_with_marker(colour, shown.size).await;
        let still_shown = self.hide_marker(Some(expected_text)).await;
        let (png, found) = taken?;
        std::fs::write(path, &png).with_context(|| format!("writing {}", path.display()))?;
        found.map_err(|why| anyhow!("screenshot {} does not show this test's window: {why}", path.display()))?;
        if !still_shown? {
            bail!(
                "{}: {expected_text:?} was no longer displayed once the screenshot {} was taken: it may not show it",
                self.label,
                path.display()
            );
        }
        Ok(())
    }

    /// Fails unless an element whose rendered text contains `text` is displayed in the viewport.
    pub async fn assert_text_displayed(&self, text: &str) -> anyhow::Result<()> {
        let script = format!("{TEXT_SHOWN}\nreturn elementsShowing(arguments[0]);");
        let hits = self.driver.execute(script, vec![serde_json::json!(text)]).await?.elements()?;
        for element in hits {
            if element.is_displayed().await.unwrap_or(false) {
                return Ok(());
            }
        }
        let shot = self.failure_screenshot("failed-text");
        bail!("{}: no displayed element shows {text:?} (screenshot: {shot:?})", self.label)
    }

    /// Paints the marker strip (after checking, in the same script, that `text` is displayed) and
    /// waits for the next frames.
    async fn show_marker(&self, colour: [u8; 3], text: Option<&str>) -> anyhow::Result<MarkerShown> {
        let show = format!(
            "{TEXT_SHOWN}\n{}",
            r#"
            const [id, colour, w, h, text] = arguments;
            const done = arguments[arguments.length - 1];
            const textShown = text === null || elementsShowing(text).length > 0;
            let m = document.getElementById(id);
            if (!m) { m = document.createElement('div'); m.id = id; document.documentElement.appendChild(m); }
            m.setAttribute('aria-hidden', 'true');
            for (const [k, v] of [['position', 'fixed'], ['right', '0'], ['bottom', '0'], ['left', 'auto'],
                    ['top', 'auto'], ['width', w + 'px'], ['height', h + 'px'], ['margin', '0'], ['padding', '0'],
                    ['border', '0'], ['opacity', '1'], ['display', 'block'], ['background', colour],
                    ['z-index', '2147483647'], ['pointer-events', 'none'], ['transform', 'none'], ['filter', 'none']]) {
                m.style.setProperty(k, v, 'important');
            }
            requestAnimationFrame(() => requestAnimationFrame(() => done([window.devicePixelRatio || 1, textShown])));"#
        );
        let [r, g, b] = colour;
        let args = vec![
            serde_json::json!(MARKER_ID),
            serde_json::json!(format!("rgb({r}, {g}, {b})")),
            serde_json::json!(MARKER_SIZE.0),
            serde_json::json!(MARKER_SIZE.1),
            serde_json::json!(text),
        ];
        let answer = self.driver.execute_async(show, args).await?;
        let ratio = answer.json()[0].as_f64().unwrap_or(1.0);
        let scale = |css: u32| (f64::from(css) * ratio).round() as u32;
        Ok(MarkerShown {
            size: (scale(MARKER_SIZE.0), scale(MARKER_SIZE.1)),
            text_shown: answer.json()[1].as_bool().unwrap_or(false),
        })
    }

    /// Removes the marker; whether `text` is (still) displayed.
    async fn hide_marker(&self, text: Option<&str>) -> anyhow::Result<bool> {
        let script = format!(
            "{TEXT_SHOWN}\n{}",
            "document.getElementById(arguments[0])?.remove();\n\
             return arguments[1] === null || elementsShowing(arguments[1]).length > 0;"
        );
        let answer = self.driver.execute(script, vec![serde_json::json!(MARKER_ID), serde_json::json!(text)]).await?;
        Ok(answer.json().as_bool().unwrap_or(false))
    }

    /// Pictures of the display until one shows the marker (the window may take a frame or two to
    /// paint it), at most 5 s; the last picture and whether it showed the marker.
    async fn capture_with_marker(
        &self,
        colour: [u8; 3],
        size: (u32, u32),
    ) -> anyhow::Result<(Vec<u8>, Result<(), String>)> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let png = self.display.screenshot_png()?;
            let found = find_marker(&png, colour, size);
            if found.is_ok() || Instant::now() > deadline {
                return Ok((png, found));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A picture of the display for a failure message, unchecked.
    fn failure_screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let path = screenshot_dir()?.join(format!("{name}.png"));
        std::fs::write(&path, self.display.screenshot_png()?)?;
        Ok(path)
    }

    /// Quits the WebDriver session (the desk closes), then stops tauri-driver with SIGTERM.
    pub async fn close(self) -> anyhow::Result<()> {
        let Desk { driver, tauri_driver, display, .. } = self;
        driver.quit().await?;
        if let Some(tauri_driver) = tauri_driver {
            if tauri_driver.terminate().is_none() {
                bail!("tauri-driver did not stop within 10 s of SIGTERM");
            }
        }
        drop(display);
        Ok(())
    }
}

/// The marker colour of screenshot number `counter` of the desk `label` (FNV-1a).
pub fn marker_colour(label: &str, counter: u32) -> [u8; 3] {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in label.bytes().chain(*b"/").chain(counter.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let [r, g, b, ..] = hash.to_be_bytes();
    [r, g, b]
}

/// Checks that the pixels of exactly `colour` in `png` form one solid `size` rectangle (±1 px).
pub fn find_marker(png: &[u8], colour: [u8; 3], size: (u32, u32)) -> Result<(), String> {
    let image = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .map_err(|e| format!("not a PNG: {e}"))?
        .to_rgb8();
    let (mut count, mut min, mut max) = (0u64, (u32::MAX, u32::MAX), (0u32, 0u32));
    for (x, y, pixel) in image.enumerate_pixels() {
        if pixel.0 == colour {
            count += 1;
            min = (min.0.min(x), min.1.min(y));
            max = (max.0.max(x), max.1.max(y));
        }
    }
    let hex = format!("#{:02x}{:02x}{:02x}", colour[0], colour[1], colour[2]);
    if count == 0 {
        return Err(format!("no pixel has the marker colour {hex} (another window or a stale frame)"));
    }
    let (width, height) = (max.0 - min.0 + 1, max.1 - min.1 + 1);
    if width.abs_diff(size.0) > 1 || height.abs_diff(size.1) > 1 || count != u64::from(width) * u64::from(height) {
        return Err(format!(
            "the {count} pixels of marker colour {hex} span {width}×{height} at ({}, {}), not one solid {}×{} strip",
            min.0, min.1, size.0, size.1
        ));
    }
    Ok(())
}

/// Runs axe-core (`ui/node_modules/axe-core/axe.min.js`) in the window and fails with the rule id,
/// impact and targets of every serious or critical violation on the screen as it is now.
pub async fn assert_accessible(driver: &WebDriver, screen_name: &str) -> anyhow::Result<()> {
    let axe_path = workspace_root().join("ui/node_modules/axe-core/axe.min.js");
    let loaded = driver.execute("return typeof window.axe !== 'undefined';", Vec::new()).await?;
    if loaded.json() != &serde_json::Value::Bool(true) {
        let axe = std::fs::read_to_string(&axe_path).with_context(|| {
            format!("{} missing: `cargo xtask test` installs the UI's packages (axe-core)", axe_path.display())
        })?;
        let injected = driver.execute(format!("{axe}\n;return typeof window.axe;"), Vec::new()).await?;
        if injected.json().as_str() != Some("object") {
            bail!("{screen_name}: axe-core did not load in the window (typeof axe = {})", injected.json());
        }
    }
    const RUN: &str = r#"
        const done = arguments[arguments.length - 1];
        window.axe.run(document, { resultTypes: ['violations'] })
            .then(r => done({ ok: r.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                             targets: v.nodes.map(n => n.target.join(' ')) })) }))
            .catch(e => done({ error: String(e) }));"#;
    driver.set_script_timeout(Duration::from_secs(60)).await?;
    let result = driver.execute_async(RUN, Vec::new()).await?;
    let result = result.json();
    if let Some(error) = result.get("error") {
        bail!("{screen_name}: axe.run failed: {error}");
    }
    let violations = result.get("ok").and_then(|v| v.as_array()).context("axe.run returned nothing")?;
    if violations.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = violations
        .iter()
        .map(|v| {
            let targets: Vec<&str> = v["targets"].as_array().into_iter().flatten().filter_map(|t| t.as_str()).collect();
            format!(
                "  {} ({}): {} — {}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                targets.join(", ")
            )
        })
        .collect();
    bail!("{screen_name}: {} serious or critical accessibility violations:\n{}", violations.len(), listed.join("\n"))
}

#[cfg(test)]
mod tests {
    //! The harness's own checks: the marker, a display per desk, axe, the central's options.

    use super::*;

    fn png_with(colour: [u8; 3], at: (u32, u32), size: (u32, u32)) -> Vec<u8> {
        let mut image = image::RgbImage::from_pixel(320, 200, image::Rgb([250, 250, 250]));
        for x in at.0..at.0 + size.0 {
            for y in at.1..at.1 + size.1 {
                image.put_pixel(x, y, image::Rgb(colour));
            }
        }
        let mut png = Vec::new();
        image.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        png
    }

    #[test]
    fn marker_check_accepts_exactly_the_painted_strip() {
        let colour = marker_colour("a_test#0", 0);
        assert_eq!(find_marker(&png_with(colour, (224, 188), (96, 12)), colour, (96, 12)), Ok(()));
    }

    #[test]
    fn marker_check_fails_on_a_screenshot_without_this_marker() {
        let ours = marker_colour("a_test#0", 1);
        let previous = marker_colour("a_test#0", 0);
        let other_test = marker_colour("other_test#1", 1);
        assert_ne!(ours, previous);
        assert_ne!(ours, other_test);
        // A stale frame (the previous screenshot's marker) or another test's window.
        for shown in [previous, other_test] {
            let error = find_marker(&png_with(shown, (224, 188), (96, 12)), ours, (96, 12)).unwrap_err();
            assert!(error.contains("no pixel has the marker colour"), "{error}");
        }
        // Half covered by another window.
        let error = find_marker(&png_with(ours, (224, 188), (40, 12)), ours, (96, 12)).unwrap_err();
        assert!(error.contains("not one solid 96×12 strip"), "{error}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn two_desks_in_one_test_each_screenshot_shows_its_own_window() -> anyhow::Result<()> {
        let env = Environment::new()?;
        let (_central, url) = env.start_central()?;
        let first = Desk::start(&env.desk_config(&url)?).await?;
        let second = Desk::start(&env.desk_config_named("second-desk.toml", &url, "")?).await?;
        assert_ne!(first.display().name(), second.display().name(), "each desk has its own X display");

        first.type_into("#username", CLERK_USERNAME).await?;
        first.type_into("#password", CLERK_PASSWORD.to_owned() + Key::Enter).await?;
        first.wait_text("#clerk-name", |t| t == CLERK_NAME).await?;
        second.wait_text("#login-title", |t| t == "Anmeldung am Arbeitsplatz").await?;

        first.screenshot("harness-first-desk-main-screen", CLERK_NAME).await?;
        second.screenshot("harness-second-desk-login", "Anmeldung am Arbeitsplatz").await?;
        // What the other desk shows is not on this one: the text check fails.
        let wrong = second.screenshot("harness-second-desk-wrong-text", CLERK_NAME).await.unwrap_err();
        assert!(format!("{wrong:#}").contains("no displayed element shows"), "{wrong:#}");
        // A marker painted in the first window is not on the second display.
        let colour = marker_colour("cross-check", 0);
        let size = first.show_marker(colour, None).await?.size;
        let (_, on_first) = first.capture_with_marker(colour, size).await?;
        assert_eq!(on_first, Ok(()));
        let on_second = find_marker(&second.display().screenshot_png()?, colour, size);
        assert!(on_second.is_err(), "the first desk's marker shows on the second display");
        first.hide_marker(None).await?;

        first.close().await?;
        second.close().await
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn accessibility_check_reports_serious_violations_with_targets() -> anyhow::Result<()> {
        let env = Environment::pki_only()?;
        let desk = Desk::start(&env.desk_config(&format!("https://127.0.0.1:{}", free_port()))?).await?;
        desk.wait_text("#login-title", |t| t == "Anmeldung am Arbeitsplatz").await?;
        desk.driver
            .execute(
                "const b = document.createElement('button'); b.id = 'e2e-unnamed-button'; document.body.appendChild(b);",
                Vec::new(),
            )
            .await?;
        let error = assert_accessible(&desk.driver, "login with an unnamed button").await.unwrap_err();
        let message = format!("{error:#}");
        assert!(message.contains("button-name") && message.contains("#e2e-unnamed-button"), "{message}");
        desk.driver.execute("document.getElementById('e2e-unnamed-button').remove();", Vec::new()).await?;
        desk.close().await
    }

    #[test]
    fn central_restarts_on_the_same_url() {
        let env = Environment::new().unwrap();
        let mut central = env.start_central_with(CentralOptions::default()).unwrap();
        let url = central.url().to_owned();
        central.stop().unwrap();
        assert!(!central.is_running());
        assert!(std::net::TcpStream::connect(central.address()).is_err(), "stopped central still listens");
        central.restart().unwrap();
        assert!(central.is_running());
        assert_eq!(central.url(), url);
        assert!(std::net::TcpStream::connect(central.address()).is_ok(), "restarted central does not listen");
    }

    #[tokio::test]
    async fn central_session_idle_seconds_option_reaches_the_server() {
        let env = Environment::new().unwrap();
        let central = env.start_central_with(CentralOptions { session_idle_seconds: Some(2), ..Default::default() });
        let central = central.unwrap();
        let ca = std::fs::read_to_string(env.pki.ca_cert()).unwrap();
        let desk = schalter_pki::Identity::load(&env.pki.desk_cert(), &env.pki.desk_key()).unwrap();
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(schalter_pki::client_config(&ca, Some(&desk)).unwrap())
            .build()
            .unwrap();
        let login: serde_json::Value = client
            .post(format!("{}{}", central.url(), schalter_wire::paths::LOGIN))
            .json(&serde_json::json!({ "username": CLERK_USERNAME, "password": CLERK_PASSWORD }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["token"].as_str().expect("login answers a token");
        let session = |token: String| {
            let request = client.get(format!("{}{}", central.url(), schalter_wire::paths::SESSION)).bearer_auth(token);
            async move { request.send().await.unwrap().status() }
        };
        assert!(session(token.to_owned()).await.is_success(), "fresh session is valid");
        tokio::time::sleep(Duration::from_millis(3200)).await;
        assert_eq!(session(token.to_owned()).await, reqwest::StatusCode::UNAUTHORIZED, "idle session lapses after 2 s");
    }
}
