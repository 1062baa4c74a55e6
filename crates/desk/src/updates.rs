//! Desk updates (issue 12): Tauri's updater manifest from the central, the minisign signature
//! check against the release public key compiled into this binary, and the policy of when to
//! install. The check is the one tauri-plugin-updater makes (same crate, same base64 wrapping),
//! so the `.sig` files `cargo tauri build` writes are what is verified here; nothing is installed
//! that did not pass it, and the spool only ever holds verified packages.

use std::cmp::Ordering;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use schalter_wire::updates::{PlatformUpdate, UpdateChannel, UpdateManifest, LINUX_X86_64, WINDOWS_X86_64};

use crate::DeskError;

/// The release public key (`release/updater.pub`, the same text as `plugins.updater.pubkey` in
/// tauri.conf.json): base64 of a minisign public key file. Compiled in, so neither the central nor
/// the desk's configuration can substitute another signer.
pub const RELEASE_PUBLIC_KEY: &str = include_str!("../../../release/updater.pub");

/// This build's version: the workspace version is the app's version (tauri.conf.json says the same).
pub const CURRENT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Whether this desk installs updates itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum UpdatePolicy {
    /// Verified updates are installed when the clerk is idle.
    #[default]
    Automatic,
    /// City IT rolls out packages itself: the desk only reports that a newer version exists.
    Managed,
}

/// `[updates]` of the desk configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpdatesConfig {
    pub mode: UpdatePolicy,
    pub channel: UpdateChannel,
    /// Minutes without an open session (or without any input) before an update may be installed.
    pub idle_minutes: u32,
    /// Where verified packages wait for the installer; default `<data dir>/updates`.
    pub spool_dir: Option<PathBuf>,
    /// The program (and its first arguments) that installs a spooled package, the package's path
    /// appended. Empty: the package is only spooled, and a root-side unit picks it up
    /// (docs/desk-updates.md); the desk itself never runs as root.
    pub install_command: Vec<String>,
}

impl Default for UpdatesConfig {
    fn default() -> Self {
        Self {
            mode: UpdatePolicy::Automatic,
            channel: UpdateChannel::STABLE,
            idle_minutes: 10,
            spool_dir: None,
            install_command: Vec::new(),
        }
    }
}

/// A release's semantic version (`0.2.0`; Tauri writes and accepts a leading `v`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReleaseVersion(semver::Version);

impl ReleaseVersion {
    pub fn parse(text: &str) -> Result<Self, DeskError> {
        let trimmed = text.trim();
        let bare = trimmed.strip_prefix('v').unwrap_or(trimmed);
        semver::Version::parse(bare)
            .map(Self)
            .map_err(|_| DeskError::UpdateUnusable(format!("Version {:?} ist keine Versionsnummer", truncate(text))))
    }

    pub fn current() -> Self {
        Self::parse(CURRENT_VERSION).expect("the crate version is semver")
    }
}

impl fmt::Display for ReleaseVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
}

fn unbase64(text: &str, what: &str) -> Result<String, DeskError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| DeskError::UpdateUnusable(format!("{what} ist kein Base64")))?;
    String::from_utf8(bytes).map_err(|_| DeskError::UpdateUnusable(format!("{what} ist kein Text")))
}

/// Tauri's check: `sig_base64` is base64 of a minisign signature file, `pubkey_base64` base64 of a
/// minisign public key file. Legacy (not prehashed) signatures are accepted as tauri-plugin-updater
/// does, since older tauri-cli versions wrote them.
pub fn verify(package: &[u8], sig_base64: &str, pubkey_base64: &str) -> Result<(), DeskError> {
    let key = minisign_verify::PublicKey::decode(&unbase64(pubkey_base64, "Der öffentliche Schlüssel")?)
        .map_err(|_| DeskError::UpdateUnusable("der öffentliche Schlüssel ist kein minisign-Schlüssel".into()))?;
    let signature = minisign_verify::Signature::decode(&unbase64(sig_base64, "Die Signatur")?)
        .map_err(|_| DeskError::UpdateUnusable("die Signatur ist keine minisign-Signatur".into()))?;
    key.verify(package, &signature, true).map_err(|_| DeskError::UpdateSignatureInvalid)
}

/// What the clerk is told: a newer release than this one, in this channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UpdateView {
    pub current: String,
    pub version: String,
    /// What is new, as the release manager wrote it.
    pub notes: String,
    /// True: this desk is managed and will not install it (the IT rolls it out).
    pub managed: bool,
    /// True: the verified package was handed to the installer; it runs from the next start.
    pub installed: bool,
}

/// Tauri's platform key of this build.
pub const THIS_PLATFORM: &str = if cfg!(windows) { WINDOWS_X86_64 } else { LINUX_X86_64 };

/// A verified package in the spool, waiting for the clerk to be idle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpooledUpdate {
    pub offer: UpdateOffer,
    pub path: PathBuf,
}

/// A newer release, found in the manifest, for this platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateOffer {
    pub version: ReleaseVersion,
    pub notes: String,
    pub package: PlatformUpdate,
}

/// The decision the desk's ticker takes for a verified package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallDecision {
    /// Managed desk: never.
    Never,
    /// The clerk is working.
    Later,
    Now,
}

/// The updater of one desk: the policy, the key, the version it runs.
#[derive(Debug, Clone)]
pub struct Updater {
    config: UpdatesConfig,
    public_key: String,
    current: ReleaseVersion,
    spool_dir: PathBuf,
}

impl Updater {
    /// The production updater: the compiled-in release key and version.
    pub fn new(config: UpdatesConfig, data_dir: &Path) -> Self {
        Self::with_key(config, data_dir, RELEASE_PUBLIC_KEY.trim(), ReleaseVersion::current())
    }

    /// Tests and `cargo xtask bundle` pass their own key and version.
    pub fn with_key(config: UpdatesConfig, data_dir: &Path, public_key: &str, current: ReleaseVersion) -> Self {
        let spool_dir = config.spool_dir.clone().unwrap_or_else(|| data_dir.join("updates"));
        Self { config, public_key: public_key.to_owned(), current, spool_dir }
    }

    pub fn policy(&self) -> UpdatePolicy {
        self.config.mode
    }

    pub fn channel(&self) -> &UpdateChannel {
        &self.config.channel
    }

    /// Only a strictly newer version for `platform` is an offer: an equal one is installed, an older
    /// one would be a downgrade (Tauri refuses those too; a rollback is a new, higher version).
    pub fn offer(&self, manifest: &UpdateManifest, platform: &str) -> Result<Option<UpdateOffer>, DeskError> {
        let version = ReleaseVersion::parse(&manifest.version)?;
        if version.cmp(&self.current) != Ordering::Greater {
            return Ok(None);
        }
        let Some(package) = manifest.platforms.get(platform) else {
            return Ok(None);
        };
        Ok(Some(UpdateOffer { version, notes: manifest.notes.clone().unwrap_or_default(), package: package.clone() }))
    }

    pub fn view(&self, offer: &UpdateOffer) -> UpdateView {
        UpdateView {
            current: self.current.to_string(),
            version: offer.version.to_string(),
            notes: offer.notes.clone(),
            managed: self.config.mode == UpdatePolicy::Managed,
            installed: false,
        }
    }

    /// One look at the central's manifest for this channel. A newer release is offered; an automatic desk
    /// also downloads and verifies its package into the spool (not again if `spooled` already holds it). A
    /// managed desk downloads nothing: it only tells the clerk that IT has something to roll out.
    pub async fn check(
        &self,
        central: &crate::CentralClient,
        platform: &str,
        spooled: Option<&SpooledUpdate>,
    ) -> Result<Option<(UpdateOffer, Option<SpooledUpdate>)>, DeskError> {
        let Some(manifest) = central.update_manifest(&self.config.channel).await? else { return Ok(None) };
        let Some(offer) = self.offer(&manifest, platform)? else { return Ok(None) };
        if self.config.mode == UpdatePolicy::Managed {
            return Ok(Some((offer, None)));
        }
        if let Some(spooled) = spooled.filter(|spooled| spooled.offer == offer) {
            return Ok(Some((offer, Some(spooled.clone()))));
        }
        let package = central.update_package(&offer.package.url).await?;
        let path = self.accept(&offer, &package)?;
        Ok(Some((offer.clone(), Some(SpooledUpdate { offer, path }))))
    }

    /// Verifies the downloaded package and writes it (and its `.sig`) into the spool; the path of
    /// the package. A package that fails the check is never written.
    pub fn accept(&self, offer: &UpdateOffer, package: &[u8]) -> Result<PathBuf, DeskError> {
        verify(package, &offer.package.signature, &self.public_key)?;
        let name = package_file_name(&offer.package.url, &offer.version);
        std::fs::create_dir_all(&self.spool_dir).map_err(|error| spool_error(&self.spool_dir, error))?;
        let path = self.spool_dir.join(&name);
        // Written under a temporary name and renamed, so a watching installer never sees half a package.
        let partial = self.spool_dir.join(format!(".{name}.partial"));
        std::fs::write(&partial, package).map_err(|error| spool_error(&partial, error))?;
        std::fs::write(self.spool_dir.join(format!("{name}.sig")), offer.package.signature.as_bytes())
            .map_err(|error| spool_error(&self.spool_dir, error))?;
        std::fs::rename(&partial, &path).map_err(|error| spool_error(&path, error))?;
        tracing::info!(version = %offer.version, "update verified and spooled");
        Ok(path)
    }

    /// Whether to install now: a managed desk never; otherwise only with no open session, or
    /// after `idle_minutes` without input.
    pub fn decide(&self, session_open: bool, idle_for: Duration) -> InstallDecision {
        if self.config.mode == UpdatePolicy::Managed {
            return InstallDecision::Never;
        }
        if !session_open || idle_for >= Duration::from_secs(u64::from(self.config.idle_minutes) * 60) {
            InstallDecision::Now
        } else {
            InstallDecision::Later
        }
    }

    /// Hands a spooled (verified) package to the configured installer. Checked once more here,
    /// because the spool lies outside this process between `accept` and now.
    pub fn install(&self, offer: &UpdateOffer, spooled: &Path) -> Result<(), DeskError> {
        if self.config.mode == UpdatePolicy::Managed {
            return Err(DeskError::UpdateInstallFailed("dieser Arbeitsplatz wird zentral verwaltet".into()));
        }
        let bytes = std::fs::read(spooled).map_err(|error| spool_error(spooled, error))?;
        verify(&bytes, &offer.package.signature, &self.public_key)?;
        let Some((program, arguments)) = self.config.install_command.split_first() else {
            // Spool only: the root-side unit installs it.
            return Ok(());
        };
        let status = std::process::Command::new(program)
            .args(arguments)
            .arg(spooled)
            .status()
            .map_err(|error| DeskError::UpdateInstallFailed(format!("{program}: {error}")))?;
        if !status.success() {
            return Err(DeskError::UpdateInstallFailed(format!("{program}: {status}")));
        }
        tracing::info!(version = %offer.version, "update installed");
        Ok(())
    }
}

fn spool_error(path: &Path, error: std::io::Error) -> DeskError {
    DeskError::UpdateInstallFailed(format!("{}: {error}", path.display()))
}

/// The file name in the spool: the URL's last segment when it is a plain package name, else one
/// made from the version (the URL is the central's business, the spool path ours).
fn package_file_name(url: &str, version: &ReleaseVersion) -> String {
    let last = url.rsplit('/').next().unwrap_or_default();
    let plain = !last.is_empty()
        && !last.starts_with('.')
        && last.len() <= 200
        && last.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+'));
    if plain {
        last.to_owned()
    } else {
        format!("schalter-desk_{version}.pkg")
    }
}

#[cfg(test)]
mod tests;
