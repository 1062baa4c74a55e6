//! The studio side (TR-03170 Teil 2): a fresh key per photo, encryption on the studio's
//! machine, upload of the ciphertext only, then the code (Base64 payload, Data Matrix, QR)
//! and a printable slip. The key leaves this process only inside the code.

use std::path::{Path, PathBuf};

use schalter_photo::{crypto, Algorithm, PhotoCode, PhotoError};
use schalter_pki::Identity;
use serde::Serialize;
use time::Date;
use uuid::Uuid;

use crate::codes::{self, CodeError};
use schalter_wire::photo_cloud::{paths, UploadReceipt};
use schalter_wire::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum StudioError {
    #[error("Die Cloud-Adresse muss eine https-Adresse sein: {0}")]
    InvalidCloudUrl(String),
    #[error("TLS-Einrichtung fehlgeschlagen: {0}")]
    Tls(#[from] schalter_pki::PkiError),
    #[error("Die Foto-Cloud ist nicht erreichbar: {0}")]
    Http(#[from] reqwest::Error),
    #[error("Die Foto-Cloud hat abgelehnt ({status}, {code}): {message}")]
    Refused { status: u16, code: String, message: String },
    #[error("Der Code konnte nicht gebildet werden: {0}")]
    Photo(#[from] PhotoError),
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// An HTTPS client of one cloud, authenticated with the studio's client certificate and
/// trusting only the cloud's CA.
#[derive(Debug, Clone)]
pub struct StudioClient {
    http: reqwest::Client,
    cloud_url: String,
}

impl StudioClient {
    /// `cloud_url` is the base URL that goes into the code, e.g. `https://cloud.example`.
    pub fn new(cloud_url: &str, cloud_ca_pem: &str, studio: &Identity) -> Result<Self, StudioError> {
        let cloud_url = cloud_url.trim().trim_end_matches('/').to_owned();
        if !cloud_url.starts_with("https://") || cloud_url.len() <= "https://".len() {
            return Err(StudioError::InvalidCloudUrl(cloud_url));
        }
        let tls = schalter_pki::client_config(cloud_ca_pem, Some(studio))?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(120))
            .build()?;
        Ok(Self { http, cloud_url })
    }

    pub fn cloud_url(&self) -> &str {
        &self.cloud_url
    }

    /// Uploads a ciphertext as-is; the cloud answers with the photo id and Nutzerkennung.
    pub async fn upload_ciphertext(&self, ciphertext: Vec<u8>) -> Result<UploadReceipt, StudioError> {
        let response = self
            .http
            .post(format!("{}{}", self.cloud_url, paths::STUDIO_UPLOAD))
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(ciphertext)
            .send()
            .await?;
        if response.status() != reqwest::StatusCode::CREATED {
            let status = response.status().as_u16();
            let error = response.json::<ApiError>().await.unwrap_or_else(|_| ApiError {
                code: "unexpected_answer".into(),
                message: "Unerwartete Antwort der Foto-Cloud.".into(),
            });
            return Err(StudioError::Refused { status, code: error.code, message: error.message });
        }
        Ok(response.json().await?)
    }
}

/// A photo the cloud holds, with the code that unlocks it. `Debug` leaves the code out.
pub struct StudioUpload {
    pub photo_id: Uuid,
    pub user_identifier: String,
    pub algorithm: Algorithm,
    pub code: PhotoCode,
}

impl std::fmt::Debug for StudioUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StudioUpload").field("photo_id", &self.photo_id).finish_non_exhaustive()
    }
}

/// Encrypts `photo` (the JPEG) with a fresh key, uploads the ciphertext and builds the code.
pub async fn upload_photo(
    client: &StudioClient,
    photo: &[u8],
    algorithm: Algorithm,
) -> Result<StudioUpload, StudioError> {
    let (key, iv) = crypto::new_key_material(algorithm);
    let padding = algorithm.default_padding().to_owned();
    // The photo id is the cloud's to give, so the code is complete only after the upload;
    // encryption depends on algorithm, key and IV only.
    let provisional =
        PhotoCode::new(client.cloud_url.clone(), Uuid::nil(), algorithm, iv.clone(), padding.clone(), key)?;
    let ciphertext = crypto::encrypt(&provisional, photo);
    drop(provisional);
    let uploaded = client.upload_ciphertext(ciphertext).await?;
    let code = PhotoCode::new(client.cloud_url.clone(), uploaded.photo_id, algorithm, iv, padding, key)?;
    Ok(StudioUpload { photo_id: uploaded.photo_id, user_identifier: uploaded.user_identifier, algorithm, code })
}

/// `aes-256-gcm` or `aes-256-cbc`.
pub fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Aes256Gcm => "aes-256-gcm",
        Algorithm::Aes256Cbc => "aes-256-cbc",
    }
}

/// What goes on the slip besides the code.
#[derive(Debug, Clone)]
pub struct SlipDetails {
    pub studio_name: String,
    pub taken_on: Date,
}

/// What [`write_outputs`] wrote, and what the `studio` command prints as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct StudioReport {
    pub photo_id: Uuid,
    pub user_identifier: String,
    pub algorithm: &'static str,
    pub code_file: PathBuf,
    pub datamatrix_file: PathBuf,
    pub qr_file: PathBuf,
    pub slip_file: PathBuf,
    /// `printf` pattern of the slip as a webcam would see it, for desks without a camera.
    pub camera_frames: PathBuf,
}

/// Writes `code.txt` (Base64 payload), `code-datamatrix.png`, `code-qr.png`, `slip.html` and
/// `camera/frame-NNN.png` (see [`codes::camera_frames`]) into `dir` (made if missing). On Unix the files are readable by the owner only: they hold
/// the key.
pub fn write_outputs(upload: &StudioUpload, dir: &Path, slip: &SlipDetails) -> Result<StudioReport, StudioError> {
    std::fs::create_dir_all(dir).map_err(|source| StudioError::Io { path: dir.to_owned(), source })?;
    let text = upload.code.to_base64();
    let text: &str = &text;
    let report = StudioReport {
        photo_id: upload.photo_id,
        user_identifier: upload.user_identifier.clone(),
        algorithm: algorithm_name(upload.algorithm),
        code_file: dir.join("code.txt"),
        datamatrix_file: dir.join("code-datamatrix.png"),
        qr_file: dir.join("code-qr.png"),
        slip_file: dir.join("slip.html"),
        camera_frames: dir.join("camera").join("frame-%03d.png"),
    };
    write_private(&report.code_file, format!("{text}\n").as_bytes())?;
    write_private(&report.datamatrix_file, &codes::datamatrix_png(text)?)?;
    write_private(&report.qr_file, &codes::qr_png(text)?)?;
    write_private(&report.slip_file, codes::slip_html(&slip.studio_name, slip.taken_on, text)?.as_bytes())?;
    let camera_dir = dir.join("camera");
    std::fs::create_dir_all(&camera_dir).map_err(|source| StudioError::Io { path: camera_dir.clone(), source })?;
    for (index, frame) in codes::camera_frames(text)?.iter().enumerate() {
        write_private(&camera_dir.join(format!("frame-{index:03}.png")), frame)?;
    }
    Ok(report)
}

fn write_private(path: &Path, contents: &[u8]) -> Result<(), StudioError> {
    schalter_pki::write_private_file(path, contents).map_err(|source| StudioError::Io { path: path.to_owned(), source })
}
