use std::path::{Path, PathBuf};

use schalter_camera::CameraSource;
use schalter_domain::OrganisationKey;
use serde::Deserialize;

use crate::DeskError;

/// A desk's configuration, provisioned by City IT as a TOML file. Relative paths are
/// relative to the file.
///
/// ```toml
/// central_url = "https://central.buergerbuero.example:8443"
/// central_ca = "pki/ca.pem"
/// desk_cert = "pki/desk.pem"
/// desk_key = "pki/desk.key"
/// # Some GPUs show an empty window with WebKitGTK's DMA-BUF renderer:
/// disable_dmabuf_renderer = false
/// # The office's DVDV organisation key, sent to photo clouds:
/// organisation_key = "psb:05111000_00"
///
/// # Trusted photo clouds (our stand-in for the DVDV directory): only these are contacted.
/// [[photo_clouds]]
/// base_url = "https://image-download.example"
/// ca = "pki/photo-cloud-ca.pem"          # the only CA trusted for this cloud's TLS
/// seal_cert = "pki/photo-cloud-seal.pem" # pinned seal certificate
/// # What the seal signs: "digest_as_message" (default) or "plain" (see schalter_photo::seal)
/// seal_form = "digest_as_message"
///
/// # The encrypted local store (outbox, accepted photos until the central holds them, offline logins): one
/// # directory per clerk below it. Default: the per-user data directory, i.e. `$XDG_DATA_HOME/schalter/desk`
/// # (else `~/.local/share/schalter/desk`; Windows `%LOCALAPPDATA%\schalter\desk`; macOS
/// # `~/Library/Application Support/schalter/desk`).
/// data_dir = "/var/lib/schalter/desk"
/// # How long after the last online login on this desk a clerk may still log in offline. Default 72.
/// offline_login_valid_for_hours = 72
/// # How long personal data and photos stay on the desk after the central acknowledged them. Default 24.
/// purge_grace_hours = 24
///
/// # The webcam that reads photo codes (F6). Default: /dev/video0.
/// [camera]
/// device = "/dev/video0"
/// # Demo and tests only: PNG frames played in a loop instead of a camera.
/// # replay = "frames/frame-%03d.png"
///
/// # The customer's receipt (PDF). Without this section the desk asks where to save it (the native save dialog).
/// [receipts]
/// # Kiosk set-ups and tests: save every receipt into this directory without asking.
/// # save_directory = "/srv/quittungen"
///
/// # The biometric devices (F7 fingerprints, F10 signature). Default: both simulated.
/// [devices]
/// signature_pad = "simulated"   # or a table: path, x = { min, max }, y = { min, max }, width_mm, height_mm, …
/// # A local capture service (plain http to this machine only):
/// # fingerprint_reader = { service_url = "http://127.0.0.1:8765", timeout_ms = 30000 }
///
/// # The counter queue (F5 »Warteschlange«): the place the call display shows for this desk, at most 8
/// # characters. Default: "P " and the last four characters of the device id.
/// [queue]
/// place = "Platz 3"
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskConfig {
    pub central_url: String,
    pub central_ca: PathBuf,
    pub desk_cert: PathBuf,
    pub desk_key: PathBuf,
    #[serde(default)]
    pub disable_dmabuf_renderer: bool,
    #[serde(default)]
    pub organisation_key: Option<OrganisationKey>,
    #[serde(default)]
    pub photo_clouds: Vec<TrustedCloud>,
    #[serde(default)]
    pub camera: CameraConfig,
    /// Resolved by [`DeskConfig::load`]: never empty after it.
    #[serde(default)]
    pub data_dir: PathBuf,
    #[serde(default = "default_offline_login_valid_for_hours")]
    pub offline_login_valid_for_hours: u32,
    #[serde(default = "default_purge_grace_hours")]
    pub purge_grace_hours: u32,
    #[serde(default)]
    pub receipts: ReceiptsConfig,
    /// `[devices]`: the signature pad and the fingerprint reader (simulated unless configured); see
    /// `crate::devices`.
    #[serde(default)]
    pub devices: crate::devices::DevicesConfig,
    /// `[queue]`: this desk's place in the counter queue; see `crate::queue`.
    #[serde(default)]
    pub queue: QueueConfig,
    /// `[pkcs11]`: the token module and PIN file when `desk_key` is a `pkcs11:` URI.
    #[serde(default)]
    pub pkcs11: Option<Pkcs11Config>,
    /// `[updates]`: whether and when this desk installs updates (`crate::updates`). A security setting:
    /// only the managed file may set it.
    #[serde(default)]
    pub updates: crate::updates::UpdatesConfig,
}

/// A desk key held by a PKCS#11 token (smart card, HSM) instead of a PEM file (see [`DeskConfig`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pkcs11Config {
    /// The token's PKCS#11 module, e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    pub module: PathBuf,
    /// A file holding the user PIN (only the first line counts); readable by the desk's user alone.
    pub pin_file: PathBuf,
}

/// Where the desk key is: a PEM file or a PKCS#11 token object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskKey<'a> {
    File(&'a Path),
    Pkcs11 { uri: &'a str, module: &'a Path, pin_file: &'a Path },
}

impl DeskConfig {
    /// The desk key as configured: `desk_key = "pkcs11:…"` names a token object (checked at load to come
    /// with a `[pkcs11]` section), anything else a PEM file.
    pub fn desk_key(&self) -> DeskKey<'_> {
        match (self.desk_key.to_str().filter(|key| key.starts_with(PKCS11_SCHEME)), &self.pkcs11) {
            (Some(uri), Some(pkcs11)) => DeskKey::Pkcs11 { uri, module: &pkcs11.module, pin_file: &pkcs11.pin_file },
            _ => DeskKey::File(&self.desk_key),
        }
    }
}

const PKCS11_SCHEME: &str = "pkcs11:";

/// The counter queue (see [`DeskConfig`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    /// The place called out (`Platz 3`), checked by [`schalter_appointments::queue::Place::parse`] at load;
    /// `None`: derived from the device id ([`crate::queue::resolve_place`]).
    pub place: Option<String>,
}

/// Where receipts go (see [`DeskConfig`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptsConfig {
    /// Save into this directory without asking (kiosk set-ups, tests); `None`: the native save dialog asks.
    pub save_directory: Option<PathBuf>,
}

fn default_offline_login_valid_for_hours() -> u32 {
    72
}

fn default_purge_grace_hours() -> u32 {
    24
}

/// The per-user data directory of the desk store (see [`DeskConfig`]).
pub fn default_data_dir() -> PathBuf {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = if cfg!(windows) {
        env("LOCALAPPDATA").or_else(|| env("APPDATA"))
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|home| home.join("Library").join("Application Support"))
    } else {
        env("XDG_DATA_HOME").or_else(|| env("HOME").map(|home| home.join(".local").join("share")))
    };
    base.unwrap_or_else(|| PathBuf::from(".")).join("schalter").join("desk")
}

/// The webcam: a V4L2 device, or (demo and tests, where there is no camera) a replayed frame sequence.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraConfig {
    pub device: Option<PathBuf>,
    pub replay: Option<PathBuf>,
    pub replay_fps: Option<u32>,
}

impl CameraConfig {
    const DEFAULT_DEVICE: &str = "/dev/video0";
    const DEFAULT_REPLAY_FPS: u32 = 10;

    pub fn source(&self) -> CameraSource {
        match &self.replay {
            Some(pattern) => CameraSource::Replay {
                pattern: pattern.clone(),
                fps: self.replay_fps.unwrap_or(Self::DEFAULT_REPLAY_FPS),
            },
            None => CameraSource::Device(self.device.clone().unwrap_or_else(|| Self::DEFAULT_DEVICE.into())),
        }
    }
}

/// A photo cloud this desk may fetch from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedCloud {
    pub base_url: String,
    pub ca: PathBuf,
    pub seal_cert: PathBuf,
    /// The unpublished interface specification leaves the seal's exact form open; each cloud's
    /// is configured, and a seal in any other form is refused.
    #[serde(default)]
    pub seal_form: schalter_photo::seal::SealForm,
}

/// The environment variable that moves the managed file, **for tests only** (a test cannot write
/// `/etc/schalter`). It gives a user nothing: whoever sets it for their own process could as well start
/// their own build. What protects a managed desk is that the user's file cannot weaken the managed one.
pub const MANAGED_CONFIG_ENV: &str = "SCHALTER_MANAGED_CONFIG";

/// The system-wide file City IT deploys: `/etc/schalter/desk.toml`, on Windows
/// `%ProgramData%\Schalter\desk.toml` (or [`MANAGED_CONFIG_ENV`] in tests).
pub fn managed_config_path() -> PathBuf {
    if let Some(path) = std::env::var_os(MANAGED_CONFIG_ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(path);
    }
    if cfg!(windows) {
        let data =
            std::env::var_os("ProgramData").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(r"C:\ProgramData"));
        data.join("Schalter").join("desk.toml")
    } else {
        PathBuf::from("/etc/schalter/desk.toml")
    }
}

/// What a user's file may set next to a managed one: comfort only. Everything else decides whom the desk
/// trusts, where personal data lies, how long it stays, or what the citizens are told (the queue place),
/// and is City IT's. (`[receipts] save_directory` is a kiosk decision of IT too.)
pub const USER_SETTINGS: &[&str] = &["disable_dmabuf_renderer", "camera.device"];

/// Which files the desk reads: the managed file, and the user's (`--config`, `$SCHALTER_DESK_CONFIG`
/// or `~/.config/schalter/desk.toml`).
#[derive(Debug, Clone)]
pub struct ConfigFiles {
    pub managed: PathBuf,
    pub user: PathBuf,
}

impl ConfigFiles {
    /// With a managed file, it alone holds the settings and the user's file may only add
    /// [`USER_SETTINGS`]; without one (development, the demo) the user's file is the whole configuration.
    pub fn load(&self) -> Result<DeskConfig, DeskError> {
        match present(&self.managed)? {
            true => {
                let mut config = DeskConfig::load(&self.managed)?;
                if present(&self.user)? {
                    apply_user_settings(&mut config, &self.managed, &self.user)?;
                }
                Ok(config)
            }
            false if present(&self.user)? => DeskConfig::load(&self.user),
            false => Err(DeskError::Config(format!(
                "Es gibt keine Konfigurationsdatei. Erwartet wird {} (von der IT verteilt){}",
                self.managed.display(),
                format_args!(" oder für Entwicklung und Vorführung {}", self.user.display())
            ))),
        }
    }
}

/// Whether a configuration file is there; a file that is there but cannot be looked at is an error,
/// never "absent" (a managed file made unreadable must not hand control to the user's).
fn present(path: &Path) -> Result<bool, DeskError> {
    match std::fs::metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(unreadable(path, &e)),
    }
}

fn unreadable(path: &Path, error: &std::io::Error) -> DeskError {
    let reason = match error.kind() {
        std::io::ErrorKind::PermissionDenied => "keine Leseberechtigung".to_owned(),
        std::io::ErrorKind::NotFound => "Datei fehlt".to_owned(),
        std::io::ErrorKind::InvalidData => "keine UTF-8-Textdatei".to_owned(),
        _ => error.to_string(),
    };
    DeskError::Config(format!("{} kann nicht gelesen werden ({reason})", path.display()))
}

/// The user's comfort settings over the managed configuration; any other key is refused with its name
/// (refused, not ignored: a setting that silently does nothing is found by nobody).
fn apply_user_settings(config: &mut DeskConfig, managed: &Path, user: &Path) -> Result<(), DeskError> {
    let text = std::fs::read_to_string(user).map_err(|e| unreadable(user, &e))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| toml_error(user, &text, &e))?;
    let refuse = |key: &str, why: &str| {
        DeskError::Config(format!(
            "{}, Zeile {}: »{key}« {why}; erlaubt sind dort nur {}",
            user.display(),
            line_of_key(&text, key),
            USER_SETTINGS.join(", "),
        ))
    };
    let security = |key: &str| {
        refuse(
            key,
            &format!("ist eine Sicherheitseinstellung und gilt nur aus der verwalteten Datei {}", managed.display()),
        )
    };
    for (key, value) in &table {
        match (key.as_str(), value) {
            ("disable_dmabuf_renderer", toml::Value::Boolean(on)) => config.disable_dmabuf_renderer = *on,
            ("camera", toml::Value::Table(camera)) => {
                for (inner, value) in camera {
                    match (inner.as_str(), value) {
                        ("device", toml::Value::String(device)) => config.camera.device = Some(PathBuf::from(device)),
                        ("device", _) => {
                            return Err(refuse("camera.device", "muss ein Pfad in Anführungszeichen sein"))
                        }
                        (other, _) => return Err(security(&format!("camera.{other}"))),
                    }
                }
            }
            ("disable_dmabuf_renderer", _) => return Err(refuse(key, "muss true oder false sein")),
            (key, _) if DESK_KEYS.contains(&key) => return Err(security(key)),
            (key, _) => return Err(refuse(key, "ist kein bekannter Schlüssel")),
        }
    }
    tracing::info!(file = %user.display(), "user comfort settings applied over the managed configuration");
    Ok(())
}

/// Every top-level key of desk.toml (for telling a security setting from a typo).
const DESK_KEYS: &[&str] = &[
    "central_url",
    "central_ca",
    "desk_cert",
    "desk_key",
    "disable_dmabuf_renderer",
    "organisation_key",
    "photo_clouds",
    "camera",
    "data_dir",
    "offline_login_valid_for_hours",
    "purge_grace_hours",
    "receipts",
    "devices",
    "queue",
    "pkcs11",
    "updates",
];

/// The 1-based line where `key` (`a` or `a.b`) is written: `a = …`, `[a]`, `[[a]]`, or `b = …` below `[a]`.
fn line_of_key(text: &str, key: &str) -> usize {
    let (table, leaf) = key.split_once('.').unwrap_or(("", key));
    let mut current = String::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[') {
            current = header.trim_matches(|c| c == '[' || c == ']').trim().to_owned();
            if table.is_empty() && current == leaf {
                return index + 1;
            }
            continue;
        }
        let name = line.split('=').next().unwrap_or_default().trim().trim_matches('"');
        if line.contains('=') && name == leaf && current == table {
            return index + 1;
        }
    }
    1
}

/// A TOML error in German with its line: what the clerk reads to IT over the phone.
fn toml_error(path: &Path, text: &str, error: &toml::de::Error) -> DeskError {
    let line = error.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
    let message = error.message();
    let between = |after: &str| message.split('`').nth(1).filter(|_| message.starts_with(after)).map(str::to_owned);
    let reason = if let Some(key) = between("unknown field") {
        format!("unbekannter Schlüssel »{key}«")
    } else if let Some(key) = between("missing field") {
        format!("der Pflichtschlüssel »{key}« fehlt")
    } else if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        format!("falscher Typ ({found}; erwartet: {expected})")
    } else if let Some(rest) = message.strip_prefix("unknown variant ") {
        format!("unbekannter Wert {rest}")
    } else {
        format!("TOML-Syntaxfehler ({message})")
    };
    match line {
        Some(line) => DeskError::Config(format!("{}, Zeile {line}: {reason}", path.display())),
        None => DeskError::Config(format!("{}: {reason}", path.display())),
    }
}

/// A file the desk needs must be there; a private one (key, PIN) must not be readable by everyone.
fn check_file(name: &str, path: &Path, private: bool) -> Result<(), DeskError> {
    let metadata = std::fs::metadata(path).map_err(|e| {
        DeskError::Config(match e.kind() {
            std::io::ErrorKind::NotFound => format!("{name}: die Datei {} fehlt", path.display()),
            _ => format!("{name}: {} ist nicht lesbar ({e})", path.display()),
        })
    })?;
    if !metadata.is_file() {
        return Err(DeskError::Config(format!("{name}: {} ist keine Datei", path.display())));
    }
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode();
        if mode & 0o007 != 0 {
            return Err(DeskError::Config(format!(
                "{name}: {} ist für alle Benutzer lesbar (Rechte {:o}); bitte chmod 600 oder 640",
                path.display(),
                mode & 0o777
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = private;
    Ok(())
}

impl DeskConfig {
    /// One file as the whole configuration. Relative paths are relative to the file; every file named
    /// must be there, keys and PIN files readable by the desk's users only.
    pub fn load(path: &Path) -> Result<Self, DeskError> {
        let text = std::fs::read_to_string(path).map_err(|e| unreadable(path, &e))?;
        let mut config: DeskConfig = toml::from_str(&text).map_err(|e| toml_error(path, &text, &e))?;
        let key_uri = config.desk_key.to_str().is_some_and(|key| key.starts_with(PKCS11_SCHEME));
        let base = path.parent().unwrap_or(Path::new("."));
        let files = [&mut config.central_ca, &mut config.desk_cert]
            .into_iter()
            .chain((!key_uri).then_some(&mut config.desk_key))
            .chain(config.pkcs11.iter_mut().flat_map(|p| [&mut p.module, &mut p.pin_file]))
            .chain(config.photo_clouds.iter_mut().flat_map(|cloud| [&mut cloud.ca, &mut cloud.seal_cert]))
            .chain(config.camera.replay.as_mut())
            .chain(config.receipts.save_directory.as_mut());
        if config.data_dir.as_os_str().is_empty() {
            config.data_dir = default_data_dir();
        }
        let files = files.chain(std::iter::once(&mut config.data_dir));
        for file in files {
            if file.is_relative() {
                *file = base.join(&*file);
            }
        }
        let invalid = |message: String| DeskError::Config(format!("{}: {message}", path.display()));
        for cloud in &mut config.photo_clouds {
            if !cloud.base_url.starts_with("https://") {
                return Err(invalid(format!("photo_clouds: {} ist keine https-Adresse", cloud.base_url)));
            }
            cloud.base_url = cloud.base_url.trim_end_matches('/').to_owned();
        }
        if !config.central_url.starts_with("https://") {
            return Err(invalid(format!(
                "central_url = \"{}\": die Adresse muss mit https:// beginnen",
                config.central_url
            )));
        }
        config.central_url = config.central_url.trim_end_matches('/').to_owned();
        if let Some(place) = &config.queue.place {
            let place = schalter_appointments::queue::Place::parse(place).map_err(|_| {
                DeskError::Config(format!(
                    "[queue] place = \"{place}\": Der Platz muss 1 bis 8 Zeichen lang sein, ohne Steuerzeichen (etwa \"Platz 3\")"
                ))
            })?;
            config.queue.place = Some(place.to_string());
        }
        if key_uri {
            let uri = config.desk_key.to_str().unwrap_or_default();
            schalter_pkcs11::Pkcs11Uri::parse(uri).map_err(|e| invalid(format!("desk_key: {e}")))?;
            if !config.photo_clouds.is_empty() {
                // The photo clouds' client (crate::photo) loads the desk key from a PEM file still.
                return Err(invalid(
                    "photo_clouds mit einem pkcs11:-Schlüssel werden noch nicht unterstützt; bitte für Foto-Clouds einen Schlüssel als Datei"
                        .into(),
                ));
            }
        }
        match (key_uri, &config.pkcs11) {
            (true, None) => {
                return Err(invalid(
                    "desk_key ist ein pkcs11:-Schlüssel, aber der Abschnitt [pkcs11] (module, pin_file) fehlt".into(),
                ))
            }
            (false, Some(_)) => {
                return Err(invalid("[pkcs11] ist angegeben, aber desk_key ist keine pkcs11:-Angabe".into()))
            }
            _ => {}
        }
        check_file("central_ca", &config.central_ca, false)?;
        check_file("desk_cert", &config.desk_cert, false)?;
        match &config.pkcs11 {
            Some(pkcs11) => {
                check_file("[pkcs11] module", &pkcs11.module, false)?;
                check_file("[pkcs11] pin_file", &pkcs11.pin_file, true)?;
            }
            None => check_file("desk_key", &config.desk_key, true)?,
        }
        for cloud in &config.photo_clouds {
            check_file("photo_clouds ca", &cloud.ca, false)?;
            check_file("photo_clouds seal_cert", &cloud.seal_cert, false)?;
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory with the files a desk.toml names (their content is checked later, by the TLS set-up).
    struct Fixture {
        dir: tempfile::TempDir,
    }

    const DESK: &str = "central_url = \"https://x\"\ncentral_ca = \"a\"\ndesk_cert = \"b\"\ndesk_key = \"c\"\n";

    impl Fixture {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            for name in ["a", "b", "c", "s", "pin", "module.so"] {
                std::fs::write(dir.path().join(name), "x").unwrap();
            }
            #[cfg(unix)]
            for name in ["c", "pin"] {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(dir.path().join(name), std::fs::Permissions::from_mode(0o600)).unwrap();
            }
            Self { dir }
        }

        fn path(&self) -> PathBuf {
            self.dir.path().join("desk.toml")
        }

        fn load(&self, text: &str) -> Result<DeskConfig, DeskError> {
            std::fs::write(self.path(), text).unwrap();
            DeskConfig::load(&self.path())
        }

        /// The message of the configuration error `text` gives.
        fn error(&self, text: &str) -> String {
            match self.load(text) {
                Err(DeskError::Config(message)) => message,
                other => panic!("expected a configuration error, got {other:?}"),
            }
        }

        fn files(&self) -> ConfigFiles {
            ConfigFiles { managed: self.dir.path().join("managed.toml"), user: self.dir.path().join("user.toml") }
        }
    }

    #[test]
    fn relative_paths_are_resolved_against_the_file() {
        let fx = Fixture::new();
        let desk_pem = fx.dir.path().join("b");
        let config = fx
            .load(&format!(
                "central_url = \"https://localhost:8443/\"\ncentral_ca = \"a\"\ndesk_cert = \"{}\"\ndesk_key = \"c\"\n",
                desk_pem.display()
            ))
            .unwrap();
        assert_eq!(config.central_url, "https://localhost:8443");
        assert_eq!(config.central_ca, fx.dir.path().join("a"));
        assert_eq!(config.desk_cert, desk_pem);
        assert_eq!(config.desk_key(), DeskKey::File(&fx.dir.path().join("c")));
        assert!(!config.disable_dmabuf_renderer);
        assert_eq!(config.data_dir, default_data_dir());
        assert_eq!((config.offline_login_valid_for_hours, config.purge_grace_hours), (72, 24));
        let config = fx
            .load(&format!("{DESK}data_dir = \"store\"\noffline_login_valid_for_hours = 8\npurge_grace_hours = 1\n"))
            .unwrap();
        assert_eq!(config.data_dir, fx.dir.path().join("store"));
        assert_eq!((config.offline_login_valid_for_hours, config.purge_grace_hours), (8, 1));
        assert_eq!(config.receipts.save_directory, None, "the save dialog asks");
        let config = fx.load(&format!("{DESK}[receipts]\nsave_directory = \"quittungen\"\n")).unwrap();
        assert_eq!(config.receipts.save_directory, Some(fx.dir.path().join("quittungen")));
    }

    #[test]
    fn the_queue_place_is_optional_and_checked_by_the_queue_rules() {
        let fx = Fixture::new();
        assert_eq!(fx.load(DESK).unwrap().queue.place, None, "derived from the device id");
        assert_eq!(
            fx.load(&format!("{DESK}[queue]\nplace = \" Platz 3 \"\n")).unwrap().queue.place.as_deref(),
            Some("Platz 3")
        );
        for bad in ["Platz 123", "", "   "] {
            let error = fx.load(&format!("{DESK}[queue]\nplace = \"{bad}\"\n")).unwrap_err();
            assert_eq!(error.code(), "config_invalid");
            assert!(
                matches!(&error, DeskError::Config(m) if m.contains("[queue] place") && m.contains("1 bis 8 Zeichen")),
                "{error:?}"
            );
        }
        assert!(fx.error(&format!("{DESK}[queue]\nplatz = \"Platz 3\"\n")).contains("unbekannter Schlüssel »platz«"));
    }

    #[test]
    fn each_cloud_names_its_seal_form_and_an_unknown_form_is_refused() {
        let fx = Fixture::new();
        let cloud =
            |form: &str| format!("[[photo_clouds]]\nbase_url = \"https://c\"\nca = \"a\"\nseal_cert = \"s\"\n{form}");
        let config = fx.load(&format!("{DESK}{}{}", cloud(""), cloud("seal_form = \"plain\"\n"))).unwrap();
        let forms: Vec<_> = config.photo_clouds.iter().map(|c| c.seal_form).collect();
        assert_eq!(forms, [schalter_photo::seal::SealForm::DigestAsMessage, schalter_photo::seal::SealForm::Plain]);
        let message = fx.error(&format!("{DESK}{}", cloud("seal_form = \"ecdsa-raw\"\n")));
        assert!(message.contains("digest_as_message") && message.contains("Zeile 9"), "{message}");
        let message =
            fx.error(&format!("{DESK}{}", cloud("").replace("seal_cert = \"s\"", "seal_cert = \"fehlt.pem\"")));
        assert!(message.contains("photo_clouds seal_cert") && message.contains("fehlt.pem"), "{message}");
    }

    /// Every way a single file can be wrong, each with the German reason and where; the valid file
    /// passes first so that each refusal is the one change's doing.
    #[test]
    fn every_configuration_error_says_what_and_where_in_german() {
        let fx = Fixture::new();
        fx.load(DESK).unwrap();
        let file = fx.path().display().to_string();

        let message = fx.error(&DESK.replace("https://x", "http://x"));
        assert!(
            message.starts_with(&file)
                && message.contains("central_url = \"http://x\"")
                && message.contains("https://")
        );
        let message = fx.error(&format!("{DESK}typo = 1\n"));
        assert_eq!(message, format!("{file}, Zeile 5: unbekannter Schlüssel »typo«"));
        let message = fx.error(&format!("{DESK}purge_grace_hours = \"24\"\n"));
        assert!(message.starts_with(&format!("{file}, Zeile 5: falscher Typ")), "{message}");
        let message = fx.error(&DESK.replace("desk_cert = \"b\"\n", ""));
        assert!(message.contains("der Pflichtschlüssel »desk_cert« fehlt"), "{message}");
        let message = fx.error(&format!("{DESK}\n[camera\ndevice = 1\n"));
        assert!(message.starts_with(&format!("{file}, Zeile 6: TOML-Syntaxfehler")), "{message}");
        let message = fx.error(&DESK.replace("desk_cert = \"b\"", "desk_cert = \"weg.pem\""));
        assert_eq!(message, format!("desk_cert: die Datei {} fehlt", fx.dir.path().join("weg.pem").display()));
        let message = fx.error(&DESK.replace("desk_key = \"c\"", "desk_key = \"weg.key\""));
        assert!(message.starts_with("desk_key: die Datei") && message.ends_with("weg.key fehlt"), "{message}");
        let message = fx.error(&DESK.replace("central_ca = \"a\"", "central_ca = \".\""));
        assert!(message.starts_with("central_ca:") && message.ends_with("ist keine Datei"), "{message}");

        // A key everyone on the machine can read is no key of this desk any more.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let key = fx.dir.path().join("c");
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
            fx.load(DESK).expect("group-readable (a schalter group) is City IT's choice");
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
            let message = fx.error(DESK);
            assert!(message.contains("ist für alle Benutzer lesbar (Rechte 644)"), "{message}");
        }

        let error = DeskConfig::load(&fx.dir.path().join("nichts.toml")).unwrap_err();
        assert!(
            matches!(&error, DeskError::Config(m) if m.ends_with("kann nicht gelesen werden (Datei fehlt)")),
            "{error:?}"
        );
        std::fs::write(fx.path(), [0xff, 0xfe, b'\n']).unwrap();
        let error = DeskConfig::load(&fx.path()).unwrap_err();
        assert!(matches!(&error, DeskError::Config(m) if m.contains("keine UTF-8-Textdatei")), "{error:?}");
        assert!(error.to_string().starts_with("Die Konfiguration dieses Arbeitsplatzes ist fehlerhaft: "));
        assert!(error.to_string().ends_with("Bitte die IT verständigen."));
    }

    #[test]
    fn a_pkcs11_key_names_its_module_and_pin_file() {
        let fx = Fixture::new();
        let pkcs11 = DESK.replace("desk_key = \"c\"", "desk_key = \"pkcs11:token=Schalter;object=desk\"");
        let section = "[pkcs11]\nmodule = \"module.so\"\npin_file = \"pin\"\n";
        let config = fx.load(&format!("{pkcs11}{section}")).unwrap();
        assert_eq!(
            config.desk_key(),
            DeskKey::Pkcs11 {
                uri: "pkcs11:token=Schalter;object=desk",
                module: &fx.dir.path().join("module.so"),
                pin_file: &fx.dir.path().join("pin"),
            }
        );
        assert!(fx.error(&pkcs11).contains("[pkcs11] (module, pin_file) fehlt"));
        let bad = pkcs11.replace("object=desk", "object=desk?pin-value=1234");
        assert!(fx.error(&format!("{bad}{section}")).contains("desk_key: PKCS#11-Angabe"));
        assert!(fx.error(&format!("{DESK}{section}")).contains("desk_key ist keine pkcs11:-Angabe"));
        assert!(fx
            .error(&format!("{pkcs11}{}", section.replace("module.so", "nix.so")))
            .starts_with("[pkcs11] module: die Datei"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(fx.dir.path().join("pin"), std::fs::Permissions::from_mode(0o604)).unwrap();
            assert!(fx.error(&format!("{pkcs11}{section}")).starts_with("[pkcs11] pin_file:"));
        }
    }

    #[test]
    fn a_managed_file_is_authoritative_and_the_user_file_adds_comfort_only() {
        let fx = Fixture::new();
        let files = fx.files();
        let managed = DESK.replace("https://x", "https://managed");
        std::fs::write(&files.managed, format!("{managed}[camera]\ndevice = \"/dev/video0\"\n")).unwrap();
        assert_eq!(files.load().unwrap().central_url, "https://managed", "no user file: the managed file alone");

        std::fs::write(&files.user, "disable_dmabuf_renderer = true\n[camera]\ndevice = \"/dev/video2\"\n").unwrap();
        let config = files.load().unwrap();
        assert!(config.disable_dmabuf_renderer);
        assert_eq!(config.camera.device, Some(PathBuf::from("/dev/video2")));
        assert_eq!(config.central_url, "https://managed");

        // Each security setting in the user's file is refused by name, with its line and the managed file.
        let user = files.user.display().to_string();
        let cases = [
            ("# comfort\ndisable_dmabuf_renderer = true\ncentral_url = \"https://evil\"\n", "central_url", 3),
            ("desk_key = \"mine.key\"\n", "desk_key", 1),
            ("offline_login_valid_for_hours = 10000\n", "offline_login_valid_for_hours", 1),
            ("[[photo_clouds]]\nbase_url = \"https://evil\"\n", "photo_clouds", 1),
            ("[camera]\ndevice = \"/dev/video1\"\nreplay = \"codes/%03d.png\"\n", "camera.replay", 3),
            ("[updates]\nmode = \"none\"\n", "updates", 1),
            ("[queue]\nplace = \"Platz 1\"\n", "queue", 1),
        ];
        for (text, key, line) in cases {
            std::fs::write(&files.user, text).unwrap();
            let error = files.load().unwrap_err();
            let DeskError::Config(message) = &error else { panic!("{error:?}") };
            assert_eq!(
                message,
                &format!(
                    "{user}, Zeile {line}: »{key}« ist eine Sicherheitseinstellung und gilt nur aus der verwalteten Datei {}; \
                     erlaubt sind dort nur disable_dmabuf_renderer, camera.device",
                    files.managed.display()
                )
            );
        }
        std::fs::write(&files.user, "disable_dmabuf_renderer = \"ja\"\n").unwrap();
        assert!(matches!(files.load(), Err(DeskError::Config(m)) if m.contains("muss true oder false sein")));
        std::fs::write(&files.user, "zoom = 2\n").unwrap();
        assert!(matches!(files.load(), Err(DeskError::Config(m)) if m.contains("»zoom« ist kein bekannter Schlüssel")));
        std::fs::write(&files.user, "[camera\n").unwrap();
        assert!(
            matches!(files.load(), Err(DeskError::Config(m)) if m.starts_with(&format!("{user}, Zeile 1: TOML-Syntaxfehler")))
        );

        // A broken managed file is an error, never a reason to fall back to the user's file.
        std::fs::write(&files.user, DESK).unwrap();
        std::fs::write(&files.managed, format!("{managed}typo = 1\n")).unwrap();
        assert!(
            matches!(files.load(), Err(DeskError::Config(m)) if m.contains("managed.toml, Zeile 5: unbekannter Schlüssel »typo«"))
        );
    }

    #[test]
    fn without_a_managed_file_the_user_file_is_the_configuration_and_without_both_the_desk_says_so() {
        let fx = Fixture::new();
        let files = fx.files();
        std::fs::write(&files.user, DESK).unwrap();
        assert_eq!(files.load().unwrap().central_url, "https://x");
        std::fs::remove_file(&files.user).unwrap();
        let error = files.load().unwrap_err();
        let DeskError::Config(message) = &error else { panic!("{error:?}") };
        assert!(message.starts_with("Es gibt keine Konfigurationsdatei. Erwartet wird "), "{message}");
        assert!(
            message.contains(&files.managed.display().to_string())
                && message.contains(&files.user.display().to_string())
        );
    }

    #[test]
    fn a_managed_file_that_cannot_be_looked_at_is_an_error_not_absent() {
        let fx = Fixture::new();
        let user = fx.dir.path().join("user.toml");
        std::fs::write(&user, DESK).unwrap();
        // Below a regular file: stat fails with "not a directory", not "not found" (root, who may read
        // everything, sees this too; a permission test would pass for root without proving anything).
        let files = ConfigFiles { managed: fx.dir.path().join("a").join("desk.toml"), user: user.clone() };
        let error = files.load().unwrap_err();
        assert!(
            matches!(&error, DeskError::Config(m) if m.contains("a/desk.toml kann nicht gelesen werden")),
            "{error:?}"
        );
        let files = ConfigFiles { managed: fx.dir.path().join("nichts.toml"), user };
        assert_eq!(files.load().unwrap().central_url, "https://x", "absent: the user's file");
    }
}
