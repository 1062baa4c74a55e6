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
}

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

impl DeskConfig {
    pub fn load(path: &Path) -> Result<Self, DeskError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| DeskError::Config(format!("{} kann nicht gelesen werden ({e})", path.display())))?;
        let mut config: DeskConfig =
            toml::from_str(&text).map_err(|e| DeskError::Config(format!("{}: {}", path.display(), e.message())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let files = [&mut config.central_ca, &mut config.desk_cert, &mut config.desk_key]
            .into_iter()
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
        for cloud in &mut config.photo_clouds {
            if !cloud.base_url.starts_with("https://") {
                return Err(DeskError::Config(format!("photo_clouds: {} ist keine https-Adresse", cloud.base_url)));
            }
            cloud.base_url = cloud.base_url.trim_end_matches('/').to_owned();
        }
        if !config.central_url.starts_with("https://") {
            return Err(DeskError::Config("central_url muss mit https:// beginnen".into()));
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
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_resolved_against_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.toml");
        std::fs::write(
            &path,
            "central_url = \"https://localhost:8443/\"\ncentral_ca = \"pki/ca.pem\"\ndesk_cert = \"/etc/desk.pem\"\ndesk_key = \"k\"\n",
        )
        .unwrap();
        let config = DeskConfig::load(&path).unwrap();
        assert_eq!(config.central_url, "https://localhost:8443");
        assert_eq!(config.central_ca, dir.path().join("pki/ca.pem"));
        assert_eq!(config.desk_cert, PathBuf::from("/etc/desk.pem"));
        assert!(!config.disable_dmabuf_renderer);
        assert_eq!(config.data_dir, default_data_dir());
        assert_eq!((config.offline_login_valid_for_hours, config.purge_grace_hours), (72, 24));
        std::fs::write(
            &path,
            "central_url = \"https://x\"\ncentral_ca = \"a\"\ndesk_cert = \"b\"\ndesk_key = \"c\"\n\
             data_dir = \"store\"\noffline_login_valid_for_hours = 8\npurge_grace_hours = 1\n",
        )
        .unwrap();
        let config = DeskConfig::load(&path).unwrap();
        assert_eq!(config.data_dir, dir.path().join("store"));
        assert_eq!((config.offline_login_valid_for_hours, config.purge_grace_hours), (8, 1));
        assert_eq!(config.receipts.save_directory, None, "the save dialog asks");
        std::fs::write(
            &path,
            "central_url = \"https://x\"\ncentral_ca = \"a\"\ndesk_cert = \"b\"\ndesk_key = \"c\"\n\
             [receipts]\nsave_directory = \"quittungen\"\n",
        )
        .unwrap();
        let config = DeskConfig::load(&path).unwrap();
        assert_eq!(config.receipts.save_directory, Some(dir.path().join("quittungen")));
    }

    #[test]
    fn the_queue_place_is_optional_and_checked_by_the_queue_rules() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.toml");
        let desk = "central_url = \"https://x\"\ncentral_ca = \"a\"\ndesk_cert = \"b\"\ndesk_key = \"c\"\n";
        std::fs::write(&path, desk).unwrap();
        assert_eq!(DeskConfig::load(&path).unwrap().queue.place, None, "derived from the device id");
        std::fs::write(&path, format!("{desk}[queue]\nplace = \" Platz 3 \"\n")).unwrap();
        assert_eq!(DeskConfig::load(&path).unwrap().queue.place.as_deref(), Some("Platz 3"));
        for bad in ["Platz 123", "", "   "] {
            std::fs::write(&path, format!("{desk}[queue]\nplace = \"{bad}\"\n")).unwrap();
            let error = DeskConfig::load(&path).unwrap_err();
            assert_eq!(error.code(), "config_invalid");
            assert!(
                matches!(&error, DeskError::Config(m) if m.contains("[queue] place") && m.contains("1 bis 8 Zeichen")),
                "{error:?}"
            );
        }
        std::fs::write(&path, format!("{desk}[queue]\nplatz = \"Platz 3\"\n")).unwrap();
        assert!(matches!(DeskConfig::load(&path), Err(DeskError::Config(m)) if m.contains("platz")));
    }

    #[test]
    fn each_cloud_names_its_seal_form_and_an_unknown_form_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.toml");
        let desk = "central_url = \"https://x\"\ncentral_ca = \"a\"\ndesk_cert = \"b\"\ndesk_key = \"c\"\n";
        let cloud =
            |form: &str| format!("[[photo_clouds]]\nbase_url = \"https://c\"\nca = \"a\"\nseal_cert = \"s\"\n{form}");
        std::fs::write(&path, format!("{desk}{}{}", cloud(""), cloud("seal_form = \"plain\"\n"))).unwrap();
        let config = DeskConfig::load(&path).unwrap();
        let forms: Vec<_> = config.photo_clouds.iter().map(|c| c.seal_form).collect();
        assert_eq!(forms, [schalter_photo::seal::SealForm::DigestAsMessage, schalter_photo::seal::SealForm::Plain]);
        std::fs::write(&path, format!("{desk}{}", cloud("seal_form = \"ecdsa-raw\"\n"))).unwrap();
        assert!(
            matches!(DeskConfig::load(&path), Err(DeskError::Config(message)) if message.contains("digest_as_message"))
        );
    }

    #[test]
    fn plain_http_and_unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("desk.toml");
        std::fs::write(&path, "central_url = \"http://x\"\ncentral_ca = \"a\"\ndesk_cert = \"b\"\ndesk_key = \"c\"\n")
            .unwrap();
        assert!(matches!(DeskConfig::load(&path), Err(DeskError::Config(_))));
        std::fs::write(
            &path,
            "central_url = \"https://x\"\ncentral_ca = \"a\"\ndesk_cert = \"b\"\ndesk_key = \"c\"\ntypo = 1\n",
        )
        .unwrap();
        assert!(matches!(DeskConfig::load(&path), Err(DeskError::Config(_))));
    }
}
