use std::error::Error as _;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use schalter_sync::{BlobState, PushOutcome, TransportError};
use schalter_wire::sync::{
    PullResponse, PushRequest, PushResponse, SequenceGap, UPLOAD_LENGTH_HEADER, UPLOAD_OFFSET_HEADER,
};
use schalter_wire::{paths, ApiError, Health, LoginRequest, Session, SessionInfo};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{DeskConfig, DeskError};

/// The central API's answers are small JSON documents; anything larger is refused unread
/// rather than buffered (a broken or hostile server must not exhaust the desk's memory).
pub const MAX_CENTRAL_ANSWER_BYTES: usize = 1024 * 1024;

/// What the desk needs from the central API: the seam that lets [`crate::Desk`] be tested
/// without certificates or a server.
pub trait CentralApi: Clone + Send + Sync + 'static {
    fn base_url(&self) -> &str;
    fn health(&self) -> impl Future<Output = Result<Health, DeskError>> + Send;
    fn login(&self, username: &str, password: &str) -> impl Future<Output = Result<Session, DeskError>> + Send;
    /// The session's state; using it restarts the server's idle time.
    fn session(&self, token: &str) -> impl Future<Output = Result<SessionInfo, DeskError>> + Send;
    fn logout(&self, token: &str) -> impl Future<Output = Result<(), DeskError>> + Send;

    // The sync calls (DESIGN §4) answer in the engine's terms, so that it can tell "retry later" from "log in".
    fn sync_push(
        &self,
        token: &str,
        request: &PushRequest,
    ) -> impl Future<Output = Result<PushOutcome, TransportError>> + Send;
    fn sync_pull(
        &self,
        token: &str,
        cursor: i64,
        limit: u32,
    ) -> impl Future<Output = Result<PullResponse, TransportError>> + Send;
    fn blob_head(
        &self,
        token: &str,
        sha256: &str,
    ) -> impl Future<Output = Result<Option<BlobState>, TransportError>> + Send;
    fn blob_patch(
        &self,
        token: &str,
        sha256: &str,
        offset: u64,
        length: u64,
        bytes: &[u8],
    ) -> impl Future<Output = Result<u64, TransportError>> + Send;

    /// A clerk call of the pickup box's back office (`schalter_wire::pickup_office`), `GET path?query`,
    /// answered with JSON. These need the central's decision at once, so they are calls, not mutations.
    fn clerk_get<T: DeserializeOwned + Send>(
        &self,
        token: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> impl Future<Output = Result<T, DeskError>> + Send;
    /// `POST path` with a JSON body, answered with JSON (see [`CentralApi::clerk_get`]).
    fn clerk_post<B: Serialize + Sync, T: DeserializeOwned + Send>(
        &self,
        token: &str,
        path: &str,
        body: &B,
    ) -> impl Future<Output = Result<T, DeskError>> + Send;
}

/// The desk's HTTPS client for the central API: mutual TLS with the desk certificate,
/// trusting only the configured CA, connections pooled and reused.
#[derive(Clone)]
pub struct CentralClient {
    http: reqwest::Client,
    base_url: Arc<str>,
}

/// The TLS client configuration with this desk's identity, trusting only `ca_pem`: the desk key from a PEM
/// file, or on a PKCS#11 token (`desk_key = "pkcs11:…"`), where it signs the handshakes without leaving it.
pub(crate) fn desk_client_tls(config: &DeskConfig, ca_pem: &str) -> Result<rustls::ClientConfig, DeskError> {
    match config.desk_key() {
        crate::DeskKey::File(key) => {
            let identity = schalter_pki::Identity::load(&config.desk_cert, key)?;
            Ok(schalter_pki::client_config(ca_pem, Some(&identity))?)
        }
        crate::DeskKey::Pkcs11 { uri, module, pin_file } => {
            let token = |e: schalter_pkcs11::Pkcs11Error| DeskError::Config(format!("desk_key = \"{uri}\": {e}"));
            let parsed = schalter_pkcs11::Pkcs11Uri::parse(uri).map_err(token)?;
            // Read at each start, held zeroized only as long as the login takes; never logged.
            let pin = schalter_pkcs11::Pin::from_file(pin_file).map_err(token)?;
            let key =
                schalter_pkcs11::Module::open(module).and_then(|m| m.signing_key(&parsed, &pin)).map_err(token)?;
            drop(pin);
            let resolver = schalter_pkcs11::client_cert_resolver(&config.desk_cert, key).map_err(token)?;
            Ok(rustls::ClientConfig::builder_with_provider(schalter_pki::crypto_provider())
                .with_safe_default_protocol_versions()
                .map_err(|e| DeskError::Config(format!("TLS: {e}")))?
                .with_root_certificates(schalter_pki::root_store(ca_pem)?)
                .with_client_cert_resolver(resolver))
        }
    }
}

/// The settings every HTTP client of the desk shares: https only and no redirects, so the
/// clerk's token or the office's organisation key can never be resent to another address.
pub(crate) fn http_client_builder(tls: rustls::ClientConfig) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .https_only(true)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(3))
        .user_agent(concat!("schalter-desk/", env!("CARGO_PKG_VERSION")))
}

impl CentralClient {
    pub fn new(config: &DeskConfig) -> Result<Self, DeskError> {
        let ca = schalter_pki::load_ca(&config.central_ca)?;
        let tls = desk_client_tls(config, &ca)?;
        let http = http_client_builder(tls)
            .timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| DeskError::Config(format!("HTTP-Client: {e}")))?;
        Ok(Self { http, base_url: config.central_url.as_str().into() })
    }

    fn request(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let builder = self.http.request(method, format!("{}{path}", self.base_url));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    async fn send<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, DeskError> {
        let response = request.send().await.map_err(central_transport_error)?;
        let response = check(response).await?;
        let status = response.status();
        let body = read_capped(response, MAX_CENTRAL_ANSWER_BYTES, Server::Central).await?;
        serde_json::from_slice(&body).map_err(|_| DeskError::UnexpectedAnswer(status.as_u16()))
    }

    async fn send_empty(&self, request: reqwest::RequestBuilder) -> Result<(), DeskError> {
        let response = request.send().await.map_err(central_transport_error)?;
        check(response).await.map(drop)
    }
}

impl CentralApi for CentralClient {
    fn base_url(&self) -> &str {
        &self.base_url
    }

    async fn clerk_get<T: DeserializeOwned + Send>(
        &self,
        token: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, DeskError> {
        self.send(self.request(Method::GET, path, Some(token)).query(query)).await
    }

    async fn clerk_post<B: Serialize + Sync, T: DeserializeOwned + Send>(
        &self,
        token: &str,
        path: &str,
        body: &B,
    ) -> Result<T, DeskError> {
        self.send(self.request(Method::POST, path, Some(token)).json(body)).await
    }

    async fn health(&self) -> Result<Health, DeskError> {
        self.send(self.request(Method::GET, paths::HEALTH, None)).await
    }

    async fn login(&self, username: &str, password: &str) -> Result<Session, DeskError> {
        let body = LoginRequest { username: username.to_owned(), password: password.to_owned() };
        self.send(self.request(Method::POST, paths::LOGIN, None).json(&body)).await
    }

    async fn session(&self, token: &str) -> Result<SessionInfo, DeskError> {
        self.send(self.request(Method::GET, paths::SESSION, Some(token))).await
    }

    async fn logout(&self, token: &str) -> Result<(), DeskError> {
        self.send_empty(self.request(Method::POST, paths::LOGOUT, Some(token))).await
    }

    async fn sync_push(&self, token: &str, request: &PushRequest) -> Result<PushOutcome, TransportError> {
        let response = self.sync_send(self.request(Method::POST, paths::SYNC_PUSH, Some(token)).json(request)).await?;
        match response.status() {
            status if status.is_success() => Ok(PushOutcome::Answered(sync_json::<PushResponse>(response).await?)),
            StatusCode::CONFLICT => {
                let body = read_capped(response, MAX_ERROR_ANSWER_BYTES, Server::Central).await.unwrap_or_default();
                match serde_json::from_slice::<SequenceGap>(&body) {
                    Ok(gap) if gap.code == "sequence_gap" => Ok(PushOutcome::Gap(gap)),
                    _ => Err(refusal_from_body(StatusCode::CONFLICT, &body)),
                }
            }
            _ => Err(retry_if_damaged(sync_refusal(response).await)),
        }
    }

    async fn sync_pull(&self, token: &str, cursor: i64, limit: u32) -> Result<PullResponse, TransportError> {
        let request = self.request(Method::GET, paths::SYNC_PULL, Some(token)).query(&[("cursor", cursor)]);
        let response = self.sync_send(request.query(&[("limit", limit)])).await?;
        if !response.status().is_success() {
            return Err(sync_refusal(response).await);
        }
        sync_json(response).await
    }

    async fn blob_head(&self, token: &str, sha256: &str) -> Result<Option<BlobState>, TransportError> {
        let response = self.sync_send(self.request(Method::HEAD, &paths::blob(sha256), Some(token))).await?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(None),
            status if status.is_success() => {
                let offset = header_u64(&response, UPLOAD_OFFSET_HEADER).ok_or_else(unexpected_sync_answer)?;
                Ok(Some(BlobState { offset, length: header_u64(&response, UPLOAD_LENGTH_HEADER) }))
            }
            // A HEAD answer has no body: the status alone decides.
            StatusCode::UNAUTHORIZED => Err(TransportError::SessionExpired),
            status if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() => {
                Err(TransportError::Unavailable { code: unavailable_code(status).into() })
            }
            _ => Err(unexpected_sync_answer()),
        }
    }

    async fn blob_patch(
        &self,
        token: &str,
        sha256: &str,
        offset: u64,
        length: u64,
        bytes: &[u8],
    ) -> Result<u64, TransportError> {
        let request = self
            .request(Method::PATCH, &paths::blob(sha256), Some(token))
            .header(UPLOAD_OFFSET_HEADER, offset)
            .header(UPLOAD_LENGTH_HEADER, length)
            .header(reqwest::header::CONTENT_TYPE, "application/offset+octet-stream")
            .body(bytes.to_vec());
        let response = self.sync_send(request).await?;
        match response.status() {
            status if status.is_success() => {
                header_u64(&response, UPLOAD_OFFSET_HEADER).ok_or_else(unexpected_sync_answer)
            }
            StatusCode::CONFLICT => Err(TransportError::OffsetMismatch),
            _ => Err(retry_if_damaged(sync_refusal(response).await)),
        }
    }
}

/// The desk builds push and blob requests itself, so the central calling one malformed (`invalid_request`) means it
/// got damaged on the way: a body cut short by a dropped connection. Sent again, it goes through.
fn retry_if_damaged(error: TransportError) -> TransportError {
    match error {
        TransportError::Refused { code, .. } if code == "invalid_request" => TransportError::Unavailable { code },
        other => other,
    }
}

impl CentralClient {
    async fn sync_send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, TransportError> {
        request.send().await.map_err(|error| TransportError::Unavailable {
            code: match central_transport_error(error) {
                DeskError::TlsRejected => "tls_rejected".into(),
                _ => "central_unreachable".into(),
            },
        })
    }
}

/// Codes the UI has texts for (ERROR_CODES), for an overload or outage answered without a body.
fn unavailable_code(status: StatusCode) -> &'static str {
    if status == StatusCode::TOO_MANY_REQUESTS {
        "server_busy"
    } else {
        "central_unreachable"
    }
}

fn header_u64(response: &reqwest::Response, name: &str) -> Option<u64> {
    response.headers().get(name)?.to_str().ok()?.trim().parse().ok()
}

fn unexpected_sync_answer() -> TransportError {
    TransportError::Refused {
        code: "unexpected_answer".into(),
        message: "Die Zentrale hat beim Abgleich unerwartet geantwortet.".into(),
    }
}

async fn sync_json<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, TransportError> {
    let body = read_capped(response, MAX_CENTRAL_ANSWER_BYTES, Server::Central)
        .await
        .map_err(|_| TransportError::Unavailable { code: "central_unreachable".into() })?;
    serde_json::from_slice(&body).map_err(|_| unexpected_sync_answer())
}

/// A non-success answer in the engine's terms: 401 = log in again, 429/5xx = later, any other = refused.
async fn sync_refusal(response: reqwest::Response) -> TransportError {
    let status = response.status();
    let body = read_capped(response, MAX_ERROR_ANSWER_BYTES, Server::Central).await.unwrap_or_default();
    refusal_from_body(status, &body)
}

fn refusal_from_body(status: StatusCode, body: &[u8]) -> TransportError {
    let error = serde_json::from_slice::<ApiError>(body).ok();
    if status == StatusCode::UNAUTHORIZED {
        return TransportError::SessionExpired;
    }
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        let code = error.map_or_else(|| unavailable_code(status).to_owned(), |e| e.code);
        return TransportError::Unavailable { code };
    }
    match error {
        Some(ApiError { code, message }) => TransportError::Refused { code, message },
        None => unexpected_sync_answer(),
    }
}

/// Which server an answer came from, for the clerk's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Central,
    PhotoCloud,
}

impl Server {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Server::Central => "Die Zentrale",
            Server::PhotoCloud => "Die Foto-Cloud",
        }
    }
}

/// The body of `response`, refused as soon as it exceeds `max` bytes: by its announced
/// length before anything is read, else while it streams in.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    max: usize,
    from: Server,
) -> Result<Vec<u8>, DeskError> {
    let too_large = || DeskError::AnswerTooLarge { from, max };
    if response.content_length().is_some_and(|announced| announced > max as u64) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(response.content_length().map_or(0, |n| n as usize));
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > max {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(error) => {
                return Err(match (from, transport_error(error)) {
                    (Server::Central, TransportFailure::Tls) => DeskError::TlsRejected,
                    (Server::Central, TransportFailure::Network) => DeskError::Unreachable,
                    (Server::PhotoCloud, TransportFailure::Tls) => DeskError::CloudTlsRejected,
                    (Server::PhotoCloud, TransportFailure::Network) => DeskError::CloudUnreachable,
                })
            }
        }
    }
}

/// Error answers are read only up to this size: they are `{code, message}`.
const MAX_ERROR_ANSWER_BYTES: usize = 16 * 1024;

async fn check(response: reqwest::Response) -> Result<reqwest::Response, DeskError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    if status.is_redirection() {
        // Never followed: a redirect could carry the token elsewhere.
        return Err(DeskError::UnexpectedAnswer(status.as_u16()));
    }
    let body = read_capped(response, MAX_ERROR_ANSWER_BYTES, Server::Central).await.unwrap_or_default();
    match serde_json::from_slice::<ApiError>(&body) {
        Ok(error) => Err(DeskError::Central { code: error.code, message: error.message }),
        Err(_) if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::BAD_GATEWAY => {
            Err(DeskError::Unreachable)
        }
        Err(_) => Err(DeskError::UnexpectedAnswer(status.as_u16())),
    }
}

pub(crate) enum TransportFailure {
    /// A certificate was refused, by us or by the server: needs IT, not patience.
    Tls,
    /// Anything else: no route, refused, timed out, dropped.
    Network,
}

/// Tells a refused certificate apart from a network outage: a rustls error sits
/// somewhere in the chain, possibly inside nested `io::Error`s (whose `source()` skips
/// the wrapped error, so those are opened with `get_ref()`).
pub(crate) fn transport_error(error: reqwest::Error) -> TransportFailure {
    if error.source().is_some_and(involves_tls) {
        TransportFailure::Tls
    } else {
        tracing::debug!(error = %error.without_url(), "server unreachable");
        TransportFailure::Network
    }
}

fn involves_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.downcast_ref::<rustls::Error>().is_some() {
        return true;
    }
    if let Some(io) = error.downcast_ref::<std::io::Error>() {
        if io.get_ref().is_some_and(|inner| involves_tls(inner)) {
            return true;
        }
    }
    error.source().is_some_and(involves_tls)
}

fn central_transport_error(error: reqwest::Error) -> DeskError {
    match transport_error(error) {
        TransportFailure::Tls => DeskError::TlsRejected,
        TransportFailure::Network => DeskError::Unreachable,
    }
}

// ---- Desk updates (issue 12; crate::updates). Inherent methods, not `CentralApi`, so the test
// fakes of the session code need not know about releases. ----

/// A desk package is a few MB (the .deb is about 3); more is not a package of ours.
pub const MAX_UPDATE_PACKAGE_BYTES: usize = 64 * 1024 * 1024;

impl CentralClient {
    /// The channel's manifest; `Ok(None)`: nothing published (`update_not_found`).
    pub async fn update_manifest(
        &self,
        channel: &schalter_wire::updates::UpdateChannel,
    ) -> Result<Option<schalter_wire::updates::UpdateManifest>, DeskError> {
        match self.send(self.request(Method::GET, &schalter_wire::updates::manifest_path(channel), None)).await {
            Ok(manifest) => Ok(Some(manifest)),
            Err(DeskError::Central { code, .. }) if code == "update_not_found" => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The package at the manifest's `url`: a path on the central (over this desk's mTLS client)
    /// or an absolute https URL (the client refuses anything but https). Unverified bytes: the
    /// caller hands them to `Updater::accept`.
    pub async fn update_package(&self, url: &str) -> Result<Vec<u8>, DeskError> {
        let request = if url.starts_with('/') {
            self.request(Method::GET, url, None)
        } else {
            self.http.request(Method::GET, url)
        };
        let response = request.send().await.map_err(central_transport_error)?;
        let response = check(response).await?;
        read_capped(response, MAX_UPDATE_PACKAGE_BYTES, Server::Central).await
    }
}
