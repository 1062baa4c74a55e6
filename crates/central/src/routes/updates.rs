//! Desk updates: the release process drops Tauri's `latest.json` and the signed packages into
//! `<updates_dir>/<channel>/`; the central serves them to the desks. Nothing here is trusted by the
//! desk: it checks every package against the release public key compiled into it, so this only
//! has to be available and must not become a way to read other files (names are checked, no paths).

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use schalter_wire::updates::{UpdateChannel, UpdateManifest};

use crate::{AppState, CentralError};

/// Where the release process puts the manifests and packages (`--updates-dir`).
#[derive(Debug, Clone)]
pub struct UpdatesDir(pub PathBuf);

/// A package's file name: the bundler's names (`Schalter_0.2.0_amd64.deb`, `….sig`, `….msi`) are
/// letters, digits, `.`, `_`, `-`, `+`; anything else (a `/`, `..` alone, a leading dot) is refused
/// before the file system sees it.
fn valid_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+'))
}

fn channel(text: &str) -> Result<UpdateChannel, CentralError> {
    UpdateChannel::parse(text).map_err(|_| CentralError::InvalidRequest)
}

fn dir(state: &AppState) -> Result<&PathBuf, CentralError> {
    state.updates.as_ref().map(|dir| &dir.0).ok_or(CentralError::UpdateNotFound)
}

/// The update manifest of a channel (Tauri's updater JSON).
#[utoipa::path(
    get,
    path = "/v1/updates/{channel}",
    tag = "updates",
    params(("channel" = String, Path, description = "`stable` or `pilot`")),
    responses(
        (status = 200, body = UpdateManifest),
        (status = 400, description = "unknown channel (`invalid_request`)", body = schalter_wire::ApiError),
        (status = 404, description = "nothing published in this channel (`update_not_found`)", body = schalter_wire::ApiError),
        (status = 500, description = "the published manifest is unreadable (`internal`)", body = schalter_wire::ApiError),
    )
)]
pub(crate) async fn update_manifest(
    State(state): State<AppState>,
    Path(channel_text): Path<String>,
) -> Result<Json<UpdateManifest>, CentralError> {
    let channel = channel(&channel_text)?;
    let path = dir(&state)?.join(channel.as_str()).join("latest.json");
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Err(CentralError::UpdateNotFound),
        Err(error) => return Err(CentralError::Internal(format!("update manifest {}: {error}", path.display()))),
    };
    // Parsed here, so a broken file is the release process's error (500) at the central, not the desks'.
    let manifest: UpdateManifest = serde_json::from_slice(&bytes)
        .map_err(|error| CentralError::Internal(format!("update manifest {}: {error}", path.display())))?;
    Ok(Json(manifest))
}

/// A published package (or its `.sig`) of a channel.
#[utoipa::path(
    get,
    path = "/v1/updates/{channel}/files/{name}",
    tag = "updates",
    params(
        ("channel" = String, Path, description = "`stable` or `pilot`"),
        ("name" = String, Path, description = "file name: letters, digits, `.`, `_`, `-`, `+`"),
    ),
    responses(
        (status = 200, description = "the package", content_type = "application/octet-stream"),
        (status = 400, description = "unknown channel or invalid name (`invalid_request`)", body = schalter_wire::ApiError),
        (status = 404, description = "no such file (`update_not_found`)", body = schalter_wire::ApiError),
        (status = 500, description = "unreadable file (`internal`)", body = schalter_wire::ApiError),
    )
)]
pub(crate) async fn update_file(
    State(state): State<AppState>,
    Path((channel_text, name)): Path<(String, String)>,
) -> Result<Response, CentralError> {
    let channel = channel(&channel_text)?;
    if !valid_file_name(&name) || name == "latest.json" {
        return Err(CentralError::InvalidRequest);
    }
    let path = dir(&state)?.join(channel.as_str()).join(&name);
    match tokio::fs::read(&path).await {
        Ok(bytes) => Ok(([(header::CONTENT_TYPE, "application/octet-stream")], Body::from(bytes)).into_response()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(CentralError::UpdateNotFound),
        Err(error) => Err(CentralError::Internal(format!("update file {}: {error}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::valid_file_name;

    #[test]
    fn file_names_cannot_leave_the_channel_directory() {
        for good in ["Schalter_0.2.0_amd64.deb", "Schalter_0.2.0_amd64.deb.sig", "Schalter-0.2.0+1.x86_64.rpm"] {
            assert!(valid_file_name(good), "{good}");
        }
        for bad in ["", "..", "../stable/latest.json", "a/b", ".hidden", "a\\b", "a%2fb", "a b", "ä.deb"] {
            assert!(!valid_file_name(bad), "{bad}");
        }
    }
}
