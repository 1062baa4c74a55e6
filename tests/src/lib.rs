//! Harness for the system tests: starts the real `schalter-central` and `schalter-desk`
//! binaries (built by `cargo test --workspace` / `cargo xtask test`), tauri-driver, and
//! a WebDriver session on the desk window.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use schalter_pki::DevPkiPaths;
use thirtyfour::prelude::*;

pub const CLERK_USERNAME: &str = "erika";
pub const CLERK_PASSWORD: &str = "korrekt-pferd-batterie";
pub const CLERK_NAME: &str = "Erika Mustermann";

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

/// A child process that is stopped with SIGTERM when dropped.
pub struct Running {
    child: Child,
}

impl Running {
    pub fn new(child: Child) -> Self {
        Self { child }
    }
}

impl Running {
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

/// A development PKI and database in a temporary directory, with one clerk.
pub struct Environment {
    pub dir: tempfile::TempDir,
    pub pki: DevPkiPaths,
}

impl Environment {
    /// A temporary directory with a development PKI, nothing else.
    pub fn pki_only() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let pki = DevPkiPaths::new(dir.path().join("pki"));
        pki.ensure("desk-05111000_01-test")?;
        Ok(Self { dir, pki })
    }

    /// PKI plus a central database with Düsseldorf's offices and one clerk.
    pub fn new() -> anyhow::Result<Self> {
        let env = Self::pki_only()?;
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
        let mut command = Command::new(binary("schalter-central"));
        command
            .args(args)
            .env("SCHALTER_DATABASE_URL", format!("sqlite://{}", self.dir.path().join("central.db").display()))
            .env("SCHALTER_LOG", "warn");
        command
    }

    /// Starts the central API over mTLS on a free port; returns it and its URL.
    pub fn start_central(&self) -> anyhow::Result<(Running, String)> {
        let path = |p: PathBuf| p.display().to_string();
        let mut child = self
            .central_command(&[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--tls-cert",
                &path(self.pki.central_cert()),
                "--tls-key",
                &path(self.pki.central_key()),
                "--client-ca",
                &path(self.pki.ca_cert()),
            ])
            .stdout(Stdio::piped())
            .spawn()?;
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
        let path = self.dir.path().join("desk.toml");
        std::fs::write(
            &path,
            format!(
                "central_url = \"{central_url}\"\ncentral_ca = \"pki/ca.pem\"\ndesk_cert = \"pki/desk.pem\"\ndesk_key = \"pki/desk.key\"\n{extra}"
            ),
        )?;
        Ok(path)
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

/// Reads the "listening on URL" line a server prints and keeps draining its stdout.
fn announced_url(child: &mut Child) -> anyhow::Result<String> {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    while let Some(line) = lines.next().transpose()? {
        if let Some(url) = line.split("listening on ").nth(1) {
            let url = url.trim().to_owned();
            std::thread::spawn(move || for _ in lines {});
            return Ok(url);
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

/// The desk window under WebDriver. Holds tauri-driver; quits the session on `close`.
pub struct Desk {
    pub driver: WebDriver,
    _tauri_driver: Running,
}

impl Desk {
    pub async fn start(config: &Path) -> anyhow::Result<Self> {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "WebDriver tests need a display: run them under xvfb-run (cargo xtask test)"
        );
        // Ports come from `free_port`, which another process may take before tauri-driver binds
        // it (tests run in parallel and servers bind ephemeral ports): then start over.
        let mut attempt = 1;
        loop {
            match Self::start_once(config).await {
                Ok(desk) => return Ok(desk),
                Err(error) if attempt < 3 => {
                    eprintln!("desk start attempt {attempt} failed, retrying: {error:#}");
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn start_once(config: &Path) -> anyhow::Result<Self> {
        let port = free_port();
        let native_port = free_port();
        let tauri_driver = Running::new(
            Command::new(tauri_driver_path())
                .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("tauri-driver missing: `cargo xtask test` installs it")?,
        );
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
                "application": binary("schalter-desk"),
                "args": ["--config", config],
            }),
        )?;
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps).await?;
        Ok(Self { driver, _tauri_driver: tauri_driver })
    }

    /// Waits until the element's text satisfies `check`; returns the text.
    pub async fn wait_text(&self, css: &str, check: impl Fn(&str) -> bool) -> anyhow::Result<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
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
                let shot = self.screenshot(&format!("failed-wait{name}")).await;
                bail!("{css}: text never matched; last seen {last:?} (screenshot: {shot:?})");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn type_into(&self, css: &str, text: impl Into<TypingData>) -> anyhow::Result<()> {
        let element = self.driver.query(By::Css(css)).first().await?;
        element.send_keys(text).await?;
        Ok(())
    }

    /// Saves a PNG of the window under `target/e2e-screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        // WebKit's screenshots can lag the DOM by a frame or two.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let dir = workspace_root().join("target/e2e-screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.driver.screenshot_as_png().await?)?;
        Ok(path)
    }

    pub async fn close(self) -> anyhow::Result<()> {
        self.driver.quit().await?;
        Ok(())
    }
}
