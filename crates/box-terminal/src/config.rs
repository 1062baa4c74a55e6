//! `box.toml`: where the central is, the terminal's certificate, its devices and its timers.
//!
//! ```toml
//! central_url = "https://zentrale.example:8443"
//! central_ca = "pki/ca.pem"          # relative paths: from the file's directory
//! terminal_cert = "pki/box.pem"
//! terminal_key = "pki/box.key"
//! idle_seconds = 60                  # no touch for so long: the session is cancelled
//! door_seconds = 120                 # the door not opened, or not closed again, in time
//! fullscreen = false
//!
//! [devices]
//! simulator = true                   # the simulated slot reader and compartments (demo, tests)
//! # slot_reader = "/dev/ttyUSB0"     # otherwise: the line protocols of README.md
//! # compartments = "/dev/ttyUSB1"
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::TerminalError;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalConfig {
    pub central_url: String,
    pub central_ca: PathBuf,
    pub terminal_cert: PathBuf,
    pub terminal_key: PathBuf,
    #[serde(default = "default_idle_seconds")]
    pub idle_seconds: u64,
    #[serde(default = "default_door_seconds")]
    pub door_seconds: u64,
    /// The window covers the screen (the panel); off for development and the window tests.
    #[serde(default)]
    pub fullscreen: bool,
    #[serde(default)]
    pub disable_dmabuf_renderer: bool,
    #[serde(default)]
    pub devices: DevicesConfig,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevicesConfig {
    #[serde(default)]
    pub simulator: bool,
    /// The slot reader's serial port (line protocol, README.md).
    pub slot_reader: Option<PathBuf>,
    /// The locker controller board's serial port (line protocol, README.md).
    pub compartments: Option<PathBuf>,
}

fn default_idle_seconds() -> u64 {
    60
}

fn default_door_seconds() -> u64 {
    120
}

impl TerminalConfig {
    pub fn load(path: &Path) -> Result<Self, TerminalError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TerminalError::Config(format!("{} nicht lesbar: {e}", path.display())))?;
        let mut config = Self::parse(&text)?;
        let base = path.parent().unwrap_or(Path::new("."));
        for p in [&mut config.central_ca, &mut config.terminal_cert, &mut config.terminal_key] {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        for p in [&mut config.devices.slot_reader, &mut config.devices.compartments].into_iter().flatten() {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(config)
    }

    pub fn parse(text: &str) -> Result<Self, TerminalError> {
        let config: Self = toml::from_str(text).map_err(|e| TerminalError::Config(e.message().to_owned()))?;
        if !config.central_url.starts_with("https://") {
            return Err(TerminalError::Config("central_url muss mit https:// beginnen".into()));
        }
        if config.idle_seconds == 0 || config.door_seconds == 0 {
            return Err(TerminalError::Config("idle_seconds und door_seconds müssen größer als 0 sein".into()));
        }
        let d = &config.devices;
        if !d.simulator && (d.slot_reader.is_none() || d.compartments.is_none()) {
            return Err(TerminalError::Config(
                "[devices]: simulator = true oder beide Anschlüsse slot_reader und compartments".into(),
            ));
        }
        Ok(config)
    }

    pub fn timers(&self) -> Timers {
        Timers { idle: Duration::from_secs(self.idle_seconds), door: Duration::from_secs(self.door_seconds) }
    }
}

/// The terminal's own timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// No touch on an input screen for so long: `Cancel`.
    pub idle: Duration,
    /// From the open command until the door is closed again: otherwise `DoorTimeout`.
    pub door: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Timers { idle: Duration::from_secs(60), door: Duration::from_secs(120) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "central_url = \"https://127.0.0.1:8443\"\ncentral_ca = \"ca.pem\"\n\
                        terminal_cert = \"box.pem\"\nterminal_key = \"box.key\"\n";

    #[test]
    fn a_simulator_configuration_loads_with_paths_beside_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("box.toml");
        std::fs::write(&path, format!("{BASE}[devices]\nsimulator = true\n")).unwrap();
        let config = TerminalConfig::load(&path).unwrap();
        assert_eq!(config.central_ca, dir.path().join("ca.pem"));
        assert_eq!(config.timers(), Timers::default());
        assert!(config.devices.simulator);
    }

    #[test]
    fn http_unknown_keys_and_missing_devices_are_refused() {
        assert!(TerminalConfig::parse(&format!("{BASE}[devices]\nsimulator = true\n")).is_ok());
        let http = BASE.replace("https://", "http://");
        assert!(TerminalConfig::parse(&format!("{http}[devices]\nsimulator = true\n")).is_err());
        assert!(TerminalConfig::parse(&format!("{BASE}token = \"x\"\n[devices]\nsimulator = true\n")).is_err());
        let error = TerminalConfig::parse(BASE).unwrap_err();
        assert_eq!(error.code(), "terminal_config");
        let both = format!("{BASE}[devices]\nslot_reader = \"/dev/ttyUSB0\"\ncompartments = \"/dev/ttyUSB1\"\n");
        assert!(TerminalConfig::parse(&both).is_ok());
    }
}
