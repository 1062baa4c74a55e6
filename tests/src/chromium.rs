//! Debian's Chromium, headless, under its own chromedriver (packages `chromium` and `chromium-driver`,
//! installed by `cargo xtask test`): for the central's public pages. Each [`Chromium`] has its own
//! chromedriver on a free port, its own temporary profile, and its own process group, which is ended
//! when it is dropped (chromedriver, the browser and every helper process the browser started).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use thirtyfour::prelude::*;
use thirtyfour::ChromiumLikeCapabilities;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// How long [`Chromium::wait_text`] waits by default: generous for a cold, busy CI machine.
pub const WAIT: Duration = Duration::from_secs(30);

/// chromedriver and everything it started, as one process group: SIGTERM to the group when dropped,
/// SIGKILL to whatever is left after a grace period.
struct ProcessGroup {
    child: Child,
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        let group = self.child.id() as i32;
        // SAFETY: kill(2) on the process group we created for our own child (its id is the group id).
        unsafe { libc::kill(-group, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && group_alive(group) {
            let _ = self.child.try_wait();
            std::thread::sleep(Duration::from_millis(50));
        }
        // SAFETY: as above; ESRCH when the group is gone already.
        unsafe { libc::kill(-group, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

fn group_alive(group: i32) -> bool {
    // SAFETY: signal 0 only checks whether a member of the group exists.
    unsafe { libc::kill(-group, 0) == 0 }
}

/// A headless Chromium under WebDriver.
pub struct Chromium {
    pub driver: WebDriver,
    label: String,
    // Dropped after the driver (which quits the session): then the processes, then the profile.
    _processes: ProcessGroup,
    _profile: tempfile::TempDir,
}

impl Chromium {
    /// Starts chromedriver on a free port and a browser session (`--headless=new`, 1280 × 900). A port
    /// another process took between choosing and binding it makes it start over (three attempts).
    pub async fn start() -> anyhow::Result<Self> {
        let label = std::thread::current().name().unwrap_or("chromium").to_owned();
        let mut attempt = 1;
        loop {
            match Self::start_once(&label).await {
                Ok(browser) => return Ok(browser),
                Err(error) if attempt < 3 => {
                    eprintln!("chromium start attempt {attempt} failed, retrying: {error:#}");
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn start_once(label: &str) -> anyhow::Result<Self> {
        for program in [CHROMEDRIVER, CHROMIUM] {
            if !Path::new(program).is_file() {
                bail!(
                    "{program} missing: `cargo xtask test` installs the Debian packages chromium and chromium-driver"
                );
            }
        }
        let profile = tempfile::Builder::new().prefix("schalter-chromium-").tempdir()?;
        let port = crate::free_port();
        let log = std::fs::File::create(profile.path().join("chromedriver.log"))?;
        let mut command = Command::new(CHROMEDRIVER);
        command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0);
        // SAFETY: prctl is async-signal-safe and touches only the child's own state.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let processes = ProcessGroup { child: command.spawn().context("starting chromedriver")? };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("chromedriver did not listen on {port}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM)?;
        let user_data = profile.path().join("profile");
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--window-size=1280,900",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-sync",
            "--lang=de-DE",
            "--force-device-scale-factor=1",
            &format!("--user-data-dir={}", user_data.display()),
        ] {
            caps.add_arg(arg)?;
        }
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps).await.with_context(|| {
            format!("chromedriver session (log: {})", profile.path().join("chromedriver.log").display())
        })?;
        Ok(Self { driver, label: label.to_owned(), _processes: processes, _profile: profile })
    }

    /// Waits until an element matching `css` is displayed and its text satisfies `check`; returns the text.
    pub async fn wait_text(&self, css: &str, check: impl Fn(&str) -> bool) -> anyhow::Result<String> {
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        loop {
            if let Ok(element) = self.driver.find(By::Css(css)).await {
                if element.is_displayed().await.unwrap_or(false) {
                    if let Ok(text) = element.text().await {
                        if check(&text) {
                            return Ok(text);
                        }
                        last = text;
                    }
                }
            }
            if Instant::now() > deadline {
                let shot = self.failure_screenshot(css).await;
                bail!("{}: {css}: text never matched; last seen {last:?} (screenshot: {shot:?})", self.label);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until an element matching `css` is displayed; returns it.
    pub async fn wait_displayed(&self, css: &str) -> anyhow::Result<WebElement> {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(element) = self.driver.find(By::Css(css)).await {
                if element.is_displayed().await.unwrap_or(false) {
                    return Ok(element);
                }
            }
            if Instant::now() > deadline {
                let shot = self.failure_screenshot(css).await;
                bail!("{}: {css} never displayed (screenshot: {shot:?})", self.label);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Evaluates `script` (a function body that returns a value) until it returns `true`.
    pub async fn wait_script(&self, what: &str, script: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(value) = self.driver.execute(script, Vec::new()).await {
                if value.json() == &serde_json::Value::Bool(true) {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                let shot = self.failure_screenshot(what).await;
                bail!("{}: never true: {what} (screenshot: {shot:?})", self.label);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves the viewport as `target/e2e-screenshots/<name>.png`, after checking that `expected_text`
    /// is displayed on the page.
    pub async fn screenshot(&self, name: &str, expected_text: &str) -> anyhow::Result<PathBuf> {
        let shown = self
            .driver
            .execute(
                "const [needle] = arguments; const body = document.body;
                 return !!body && body.innerText.includes(needle);",
                vec![serde_json::Value::String(expected_text.to_owned())],
            )
            .await?;
        if shown.json() != &serde_json::Value::Bool(true) {
            let shot = self.failure_screenshot(name).await;
            bail!("{}: {expected_text:?} is not displayed (screenshot: {shot:?})", self.label);
        }
        let path = crate::screenshot_dir()?.join(format!("{name}.png"));
        let png = self.driver.screenshot_as_png().await?;
        std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    async fn failure_screenshot(&self, what: &str) -> Option<PathBuf> {
        let name: String = format!("failed-{}-{what}", self.label)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let path = crate::screenshot_dir().ok()?.join(format!("{name}.png"));
        let png = self.driver.screenshot_as_png().await.ok()?;
        std::fs::write(&path, png).ok()?;
        Some(path)
    }

    /// Ends the session, then the processes.
    pub async fn close(self) -> anyhow::Result<()> {
        let Self { driver, _processes: processes, _profile: profile, .. } = self;
        let quit = driver.quit().await;
        drop(processes);
        drop(profile);
        Ok(quit?)
    }
}
