//! The desk's update manifest, served by the central per channel (`GET /v1/updates/{channel}`).
//! The shape is exactly Tauri's updater JSON (`latest.json`), so the file that `cargo xtask bundle`
//! writes is served unchanged and any Tauri updater could read it too.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The server's routes (axum syntax).
pub const MANIFEST_ROUTE: &str = "/v1/updates/{channel}";
pub const FILE_ROUTE: &str = "/v1/updates/{channel}/files/{name}";

/// Tauri's platform key for the Linux desk (the `.deb`).
pub const LINUX_X86_64: &str = "linux-x86_64";
/// Tauri's platform key for the Windows desk (MSI/NSIS; built by the Windows workflow, untested here).
pub const WINDOWS_X86_64: &str = "windows-x86_64";

pub fn manifest_path(channel: &UpdateChannel) -> String {
    format!("/v1/updates/{channel}")
}

/// A release channel: `stable` for every desk, `pilot` for the few counters that try a release first.
/// A closed set, because the channel becomes a directory name on the central.
#[derive(Debug, Clone, PartialEq, Eq, Hash, ToSchema)]
#[schema(value_type = String, example = "stable")]
pub struct UpdateChannel(&'static str);

// By hand: serde's derive would tie the `&'static str` to the input's lifetime.
impl Serialize for UpdateChannel {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for UpdateChannel {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl UpdateChannel {
    pub const STABLE: UpdateChannel = UpdateChannel("stable");
    pub const PILOT: UpdateChannel = UpdateChannel("pilot");
    pub const ALL: [UpdateChannel; 2] = [Self::STABLE, Self::PILOT];

    pub fn parse(text: &str) -> Result<Self, UnknownChannel> {
        Self::ALL
            .into_iter()
            .find(|channel| channel.0 == text)
            .ok_or_else(|| UnknownChannel(text.chars().take(40).collect()))
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl Default for UpdateChannel {
    fn default() -> Self {
        Self::STABLE
    }
}

impl fmt::Display for UpdateChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl TryFrom<String> for UpdateChannel {
    type Error = UnknownChannel;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<UpdateChannel> for String {
    fn from(channel: UpdateChannel) -> Self {
        channel.0.to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownChannel(pub String);

impl fmt::Display for UnknownChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unbekannter Update-Kanal {:?} (erlaubt: stable, pilot)", self.0)
    }
}

impl std::error::Error for UnknownChannel {}

/// Tauri's updater manifest (`latest.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpdateManifest {
    /// Semantic version of the offered release, e.g. `0.2.0` (Tauri also accepts a leading `v`).
    pub version: String,
    /// What is new, shown to the clerk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// RFC 3339; kept as text because Tauri's manifests are written by hand at times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pub_date: Option<String>,
    /// Per Tauri platform key (`linux-x86_64`, `windows-x86_64`).
    pub platforms: BTreeMap<String, PlatformUpdate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlatformUpdate {
    /// The content of the package's `.sig`: base64 of a minisign signature file.
    pub signature: String,
    /// Where the package is: the central's `/v1/updates/{channel}/files/{name}` (relative or absolute) or any https URL.
    pub url: String,
}
