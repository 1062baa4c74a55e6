//! Fetching a citizen's photo from a TR-03170 cloud: strict code parsing, only trusted
//! clouds, mutual TLS with the office certificate, seal before decryption, then the
//! TR-03121 checks on the decrypted image.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use reqwest::{Method, StatusCode};
use schalter_domain::OrganisationKey;
use schalter_photo::{check, crypto, seal, PhotoCode, ScannedCode, ScannedLayout, UserIdentifier};
use schalter_wire::photo_cloud::{paths, PhotoEnvelope, RetentionRequest, ORGANISATION_KEY_HEADER};
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use crate::client::{http_client_builder, read_capped, transport_error, Server, TransportFailure};
use crate::{DeskConfig, DeskError};

/// How often a fetch is tried when the network or the cloud fails transiently.
const ATTEMPTS: u32 = 2;
const RETRY_PAUSE: Duration = Duration::from_millis(300);

/// One check of the photo as the clerk sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PhotoCheckView {
    pub id: String,
    pub passed: bool,
    /// German; the front end shows the catalogue's text for `id.reason` in the clerk's language.
    pub message: String,
    pub reason: String,
    /// The values the message names, machine-readable.
    pub params: std::collections::BTreeMap<String, String>,
}

/// A fetched, verified and decrypted photo, ready for the clerk's comparison.
#[derive(Clone, Serialize, TS)]
pub struct PhotoView {
    pub photo_id: String,
    pub cloud_url: String,
    pub algorithm: String,
    /// The studio's "Nutzerkennung", stored with the application.
    pub user_identifier: String,
    pub width: u32,
    pub height: u32,
    pub checks: Vec<PhotoCheckView>,
    pub all_passed: bool,
    /// `data:image/jpeg;base64,…`, shown in the window; never logged.
    pub image_data_url: String,
    /// The scanner typed the code with a US keyboard layout and the desk undid it.
    pub keyboard_layout_corrected: bool,
}

impl std::fmt::Debug for PhotoView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhotoView").field("photo_id", &self.photo_id).field("all_passed", &self.all_passed).finish()
    }
}

/// What became of the photo in the cloud after the clerk's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PhotoDecisionView {
    pub photo_id: String,
    pub accepted: bool,
    /// Deleted in the cloud (accepted without keeping).
    pub deleted_in_cloud: bool,
    /// `YYYY-MM-DD` if the cloud keeps it for reuse.
    pub kept_until: Option<String>,
    /// Accepted although a check failed, on the clerk's explicit confirmation.
    pub checks_overridden: bool,
}

/// A photo after seal, decryption and checks.
pub struct OpenedPhoto {
    pub jpeg: Vec<u8>,
    pub user_identifier: UserIdentifier,
    pub report: check::PhotoReport,
}

struct Cloud {
    base_url: String,
    http: reqwest::Client,
    seal_cert_pem: String,
    seal_form: seal::SealForm,
}

/// The photo on screen: its code holds the decryption key, so it is kept no longer than the
/// clerk's decision, the session or the next code.
struct Fetched {
    code: PhotoCode,
    cloud: usize,
    all_passed: bool,
    /// The decrypted image: what the desk keeps (as a blob) when the clerk accepts it.
    jpeg: Vec<u8>,
}

/// The photo on screen, taken for the clerk's decision (see [`PhotoRetrieval::begin_decision`]).
pub(crate) struct Decision {
    pub photo_id: Uuid,
    pub cloud_url: String,
    pub all_passed: bool,
    pub jpeg: Vec<u8>,
}

/// The desk's photo clouds and the photo currently on screen.
pub struct PhotoRetrieval {
    clouds: Vec<Cloud>,
    organisation_key: Option<OrganisationKey>,
    limits: check::Limits,
    current: Mutex<Option<Fetched>>,
    /// Counts [`PhotoRetrieval::clear`]s: a fetch still under way when the photo state was
    /// cleared (logout, expiry, a newer code) must not bring its photo back afterwards.
    cleared: AtomicU64,
}

impl PhotoRetrieval {
    pub fn new(config: &DeskConfig) -> Result<Self, DeskError> {
        Self::with_connection_reuse(config, true)
    }

    /// `reuse_connections = false` opens a new TLS connection per request (with the TLS
    /// configuration still built once): for measuring the cold path.
    pub fn with_connection_reuse(config: &DeskConfig, reuse_connections: bool) -> Result<Self, DeskError> {
        // Without a trusted cloud there is nothing to fetch, and no need for the desk certificate.
        let identity = match config.photo_clouds.is_empty() {
            true => None,
            false => Some(schalter_pki::Identity::load(&config.desk_cert, &config.desk_key)?),
        };
        let clouds = config
            .photo_clouds
            .iter()
            .map(|trusted| {
                let ca = schalter_pki::load_ca(&trusted.ca)?;
                let seal_cert_pem = std::fs::read_to_string(&trusted.seal_cert).map_err(|e| {
                    DeskError::Config(format!("Siegelzertifikat {} nicht lesbar ({e})", trusted.seal_cert.display()))
                })?;
                let http = http_client_builder(schalter_pki::client_config(&ca, identity.as_ref())?)
                    .timeout(Duration::from_secs(15))
                    .pool_idle_timeout(Duration::from_secs(90))
                    .pool_max_idle_per_host(if reuse_connections { usize::MAX } else { 0 })
                    .build()
                    .map_err(|e| DeskError::Config(format!("HTTP-Client: {e}")))?;
                Ok(Cloud { base_url: trusted.base_url.clone(), http, seal_cert_pem, seal_form: trusted.seal_form })
            })
            .collect::<Result<Vec<_>, DeskError>>()?;
        Ok(Self {
            clouds,
            organisation_key: config.organisation_key.clone(),
            limits: check::Limits::default(),
            current: Mutex::new(None),
            cleared: AtomicU64::new(0),
        })
    }

    /// A retrieval that knows no cloud (every code is untrusted): for desks and tests without any.
    pub fn without_clouds() -> Self {
        Self {
            clouds: Vec::new(),
            organisation_key: None,
            limits: check::Limits::default(),
            current: Mutex::new(None),
            cleared: AtomicU64::new(0),
        }
    }

    /// Forgets the photo on screen and its key.
    pub fn clear(&self) {
        self.cleared.fetch_add(1, Ordering::SeqCst);
        *self.current.lock().expect("photo lock") = None;
    }

    /// The largest envelope worth reading: the largest photo the checks accept, as Base64 in JSON.
    fn max_envelope_bytes(&self) -> usize {
        self.limits.max_bytes / 3 * 4 + 64 * 1024
    }

    /// Parses the scanned code, fetches from its (trusted) cloud, verifies the seal,
    /// decrypts and checks the photo.
    pub async fn fetch(&self, code_text: &str) -> Result<PhotoView, DeskError> {
        let clears_before = self.cleared.load(Ordering::SeqCst);
        let (code, cloud, layout) = self.parse_trusted_scanned(code_text)?;
        let envelope = self.download(&code, cloud).await?;
        let opened = self.open(&code, cloud, &envelope)?;
        let report = opened.report;
        tracing::info!(photo_id = %code.photo_id, all_passed = report.all_passed, "photo retrieved");
        let view = PhotoView {
            photo_id: code.photo_id.to_string(),
            cloud_url: self.clouds[cloud].base_url.clone(),
            algorithm: code.algorithm.name().to_owned(),
            user_identifier: opened.user_identifier.as_str().to_owned(),
            width: report.width,
            height: report.height,
            checks: report
                .checks
                .iter()
                .map(|c| PhotoCheckView {
                    id: c.id.to_string(),
                    passed: c.passed,
                    message: c.message.to_string(),
                    reason: c.reason.to_owned(),
                    params: c.params.iter().map(|(name, value)| (name.to_string(), value.clone())).collect(),
                })
                .collect(),
            all_passed: report.all_passed,
            image_data_url: format!("data:image/jpeg;base64,{}", BASE64.encode(&opened.jpeg)),
            keyboard_layout_corrected: layout == ScannedLayout::UsScannerOnGermanDesk,
        };
        let mut current = self.current.lock().expect("photo lock");
        if self.cleared.load(Ordering::SeqCst) != clears_before {
            return Err(DeskError::NoPhoto);
        }
        *current = Some(Fetched { code, cloud, all_passed: report.all_passed, jpeg: opened.jpeg });
        Ok(view)
    }

    /// Step 1: the code, strictly parsed, and the index of its trusted cloud.
    pub fn parse_trusted(&self, code_text: &str) -> Result<(PhotoCode, usize), DeskError> {
        self.parse_trusted_scanned(code_text).map(|(code, cloud, _)| (code, cloud))
    }

    /// Step 1 for scanner text, which may have been typed with a US keyboard layout (undone
    /// only where the result is a strictly valid code).
    fn parse_trusted_scanned(&self, code_text: &str) -> Result<(PhotoCode, usize, ScannedLayout), DeskError> {
        let ScannedCode { code, layout } = PhotoCode::parse_scanned(code_text)?;
        if layout == ScannedLayout::UsScannerOnGermanDesk {
            tracing::info!("photo code typed with a US keyboard layout, translated back");
        }
        let (code, cloud) = self.trusted(code)?;
        Ok((code, cloud, layout))
    }

    fn trusted(&self, code: PhotoCode) -> Result<(PhotoCode, usize), DeskError> {
        code.check_trusted(self.clouds.iter().map(|c| c.base_url.as_str()))?;
        // Trusted means one of ours matches: find which, by the same comparison.
        let cloud = self.clouds.iter().position(|c| code.check_trusted([c.base_url.as_str()]).is_ok()).unwrap_or(0);
        Ok((code, cloud))
    }

    /// Step 2: the sealed, encrypted photo from the cloud.
    pub async fn download(&self, code: &PhotoCode, cloud: usize) -> Result<PhotoEnvelope, DeskError> {
        let response = self.call(&self.clouds[cloud], Method::GET, &paths::photo(code.photo_id), None).await?;
        let body = read_capped(response, self.max_envelope_bytes(), Server::PhotoCloud).await?;
        serde_json::from_slice(&body).map_err(|_| DeskError::CloudAnswer("kein gültiges Foto-Paket".into()))
    }

    /// Step 3: seal, decryption, image checks. The seal comes first: nothing of an
    /// unsealed answer is decrypted or decoded.
    pub fn open(&self, code: &PhotoCode, cloud: usize, envelope: &PhotoEnvelope) -> Result<OpenedPhoto, DeskError> {
        let ciphertext = BASE64
            .decode(envelope.ciphertext.as_bytes())
            .map_err(|_| DeskError::CloudAnswer("Chiffrat ist kein Base64".into()))?;
        let signature = BASE64
            .decode(envelope.seal.signature.as_bytes())
            .map_err(|_| DeskError::CloudAnswer("Siegel ist kein Base64".into()))?;
        seal::verify_with_form(
            &self.clouds[cloud].seal_cert_pem,
            &envelope.seal.algorithm,
            self.clouds[cloud].seal_form,
            &ciphertext,
            &envelope.user_identifier,
            &signature,
        )?;
        let user_identifier = UserIdentifier::parse(&envelope.user_identifier)?;
        let jpeg = crypto::decrypt(code, &ciphertext)?;
        let report = check::check_photo(&jpeg, &self.limits)?;
        Ok(OpenedPhoto { jpeg, user_identifier, report })
    }

    /// The clerk's decision on the photo on screen. Accepting deletes it in the cloud,
    /// unless the citizen wants it kept for reuse until `keep_until` (`YYYY-MM-DD`).
    /// Rejecting leaves the cloud alone, so the citizen can sort it out with the studio.
    /// Accepting a photo that failed a check needs `override_failed_checks` (the clerk's veto).
    pub async fn decide(
        &self,
        photo_id: &str,
        accept: bool,
        keep_until: Option<String>,
        override_failed_checks: bool,
    ) -> Result<PhotoDecisionView, DeskError> {
        let photo_id = Uuid::parse_str(photo_id).map_err(|_| DeskError::NoPhoto)?;
        let (cloud_index, matches, all_passed) = {
            let current = self.current.lock().expect("photo lock");
            match current.as_ref() {
                Some(fetched) => (fetched.cloud, fetched.code.photo_id == photo_id, fetched.all_passed),
                None => return Err(DeskError::NoPhoto),
            }
        };
        if !matches {
            return Err(DeskError::NoPhoto);
        }
        if accept && !all_passed && !override_failed_checks {
            return Err(DeskError::OverrideRequired);
        }
        let cloud = &self.clouds[cloud_index];
        let mut decision = PhotoDecisionView {
            photo_id: photo_id.to_string(),
            accepted: accept,
            deleted_in_cloud: false,
            kept_until: None,
            checks_overridden: accept && !all_passed,
        };
        if accept {
            match keep_until {
                Some(date) => {
                    let body = serde_json::to_vec(&RetentionRequest { keep_until: date.clone() })
                        .map_err(|e| DeskError::CloudAnswer(e.to_string()))?;
                    self.call(cloud, Method::PUT, &paths::retention(photo_id), Some(body)).await?;
                    decision.kept_until = Some(date);
                }
                None => {
                    self.call(cloud, Method::DELETE, &paths::photo(photo_id), None).await?;
                    decision.deleted_in_cloud = true;
                }
            }
        }
        tracing::info!(%photo_id, accept, kept = decision.kept_until.is_some(), overridden = decision.checks_overridden, "photo decision");
        *self.current.lock().expect("photo lock") = None;
        Ok(decision)
    }

    /// The photo on screen if it is `photo_id`, checked for the decision (a failed photo needs the override), left
    /// on screen until [`PhotoRetrieval::finish_decision`].
    pub(crate) fn begin_decision(
        &self,
        photo_id: &str,
        accept: bool,
        override_failed_checks: bool,
    ) -> Result<Decision, DeskError> {
        let photo_id = Uuid::parse_str(photo_id).map_err(|_| DeskError::NoPhoto)?;
        let current = self.current.lock().expect("photo lock");
        let fetched = current.as_ref().filter(|f| f.code.photo_id == photo_id).ok_or(DeskError::NoPhoto)?;
        if accept && !fetched.all_passed && !override_failed_checks {
            return Err(DeskError::OverrideRequired);
        }
        Ok(Decision {
            photo_id,
            cloud_url: self.clouds[fetched.cloud].base_url.clone(),
            all_passed: fetched.all_passed,
            jpeg: if accept { fetched.jpeg.clone() } else { Vec::new() },
        })
    }

    /// The decision on `photo_id` is recorded: forget the photo (unless a newer one replaced it meanwhile).
    pub(crate) fn finish_decision(&self, photo_id: Uuid) {
        let mut current = self.current.lock().expect("photo lock");
        if current.as_ref().is_some_and(|f| f.code.photo_id == photo_id) {
            *current = None;
        }
    }

    fn cloud_by_url(&self, cloud_url: &str) -> Result<&Cloud, DeskError> {
        self.clouds
            .iter()
            .find(|c| c.base_url == cloud_url)
            .ok_or_else(|| DeskError::Config(format!("Foto-Cloud {cloud_url} ist nicht (mehr) konfiguriert")))
    }

    /// Deletes an accepted photo in its cloud (the side job after an accept).
    pub async fn cloud_delete(&self, cloud_url: &str, photo_id: Uuid) -> Result<(), DeskError> {
        let cloud = self.cloud_by_url(cloud_url)?;
        self.call(cloud, Method::DELETE, &paths::photo(photo_id), None).await.map(drop)
    }

    /// Asks the cloud to keep an accepted photo until `keep_until` (`YYYY-MM-DD`).
    pub async fn cloud_keep(&self, cloud_url: &str, photo_id: Uuid, keep_until: &str) -> Result<(), DeskError> {
        let cloud = self.cloud_by_url(cloud_url)?;
        let body = serde_json::to_vec(&RetentionRequest { keep_until: keep_until.to_owned() })
            .map_err(|e| DeskError::CloudAnswer(e.to_string()))?;
        self.call(cloud, Method::PUT, &paths::retention(photo_id), Some(body)).await.map(drop)
    }

    async fn call(
        &self,
        cloud: &Cloud,
        method: Method,
        path: &str,
        json_body: Option<Vec<u8>>,
    ) -> Result<reqwest::Response, DeskError> {
        let organisation_key = self.organisation_key.as_ref().ok_or_else(|| {
            DeskError::Config("organisation_key fehlt; ohne ihn gibt keine Foto-Cloud ein Foto heraus".into())
        })?;
        let mut last = DeskError::CloudUnreachable;
        for attempt in 1..=ATTEMPTS {
            let mut request = cloud
                .http
                .request(method.clone(), format!("{}{path}", cloud.base_url))
                .header(ORGANISATION_KEY_HEADER, organisation_key.to_string());
            if let Some(body) = &json_body {
                request = request.header(reqwest::header::CONTENT_TYPE, "application/json").body(body.clone());
            }
            match request.send().await {
                Ok(response) if response.status().is_success() => return Ok(response),
                // Never followed: it would resend the organisation key to another address.
                Ok(response) if response.status().is_redirection() => {
                    return Err(DeskError::CloudAnswer(format!("Umleitung (HTTP {})", response.status().as_u16())))
                }
                Ok(response) if response.status().is_server_error() => {
                    last = DeskError::CloudAnswer(format!("HTTP {}", response.status().as_u16()));
                }
                Ok(response) => return Err(cloud_refusal(response).await),
                Err(error) => match transport_error(error) {
                    TransportFailure::Tls => return Err(DeskError::CloudTlsRejected),
                    TransportFailure::Network => last = DeskError::CloudUnreachable,
                },
            }
            if attempt < ATTEMPTS {
                tracing::info!(attempt, "photo cloud call failed, retrying");
                tokio::time::sleep(RETRY_PAUSE).await;
            }
        }
        Err(last)
    }
}

async fn cloud_refusal(response: reqwest::Response) -> DeskError {
    let status = response.status();
    let body = read_capped(response, 16 * 1024, Server::PhotoCloud).await.unwrap_or_default();
    let code = serde_json::from_slice::<schalter_wire::ApiError>(&body).map(|e| e.code).unwrap_or_default();
    match (status, code.as_str()) {
        (StatusCode::NOT_FOUND, _) | (_, "not_found") => DeskError::PhotoNotFound,
        (StatusCode::FORBIDDEN, _) | (_, "wrong_category") => DeskError::WrongOrganisationCategory,
        (_, "retention_too_long") => DeskError::RetentionTooLong,
        _ => DeskError::CloudAnswer(format!("HTTP {} {code}", status.as_u16())),
    }
}

/// Every photo check message the desk can show, as `(id.reason, parameter names)`: the front
/// end's catalogue must have German and English text for each.
pub fn photo_check_messages() -> Vec<(String, Vec<&'static str>)> {
    check::MESSAGES.iter().map(|(id, reason, params)| (format!("{id}.{reason}"), params.to_vec())).collect()
}

#[cfg(test)]
impl PhotoRetrieval {
    /// A retrieval with one cloud at `base_url` whose TLS trusts nothing (every call fails as unreachable).
    pub(crate) fn for_tests(base_url: &str) -> Self {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        let http = http_client_builder(tls).timeout(Duration::from_secs(2)).build().expect("client");
        let mut retrieval = Self::without_clouds();
        retrieval.organisation_key = Some(OrganisationKey::parse("psb:05111000_00").expect("organisation key"));
        retrieval.clouds.push(Cloud {
            base_url: base_url.to_owned(),
            http,
            seal_cert_pem: String::new(),
            seal_form: seal::SealForm::default(),
        });
        retrieval
    }

    /// Puts a photo on screen as a successful fetch would.
    pub(crate) fn show_for_tests(&self, photo_id: Uuid, jpeg: Vec<u8>, all_passed: bool) {
        let code = PhotoCode::new(
            self.clouds[0].base_url.clone(),
            photo_id,
            schalter_photo::Algorithm::Aes256Gcm,
            vec![0; schalter_photo::Algorithm::Aes256Gcm.iv_len()],
            schalter_photo::Algorithm::Aes256Gcm.default_padding(),
            [7; 32],
        )
        .expect("code");
        *self.current.lock().expect("photo lock") = Some(Fetched { code, cloud: 0, all_passed, jpeg });
    }
}
