use std::error::Error as _;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use schalter_wire::{paths, ApiError, Health, LoginRequest, PhotoAuditEvent, Session, SessionInfo};
use serde::de::DeserializeOwned;

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
    fn photo_audit(&self, token: &str, event: &PhotoAuditEvent) -> impl Future<Output = Result<(), DeskError>> + Send;
}

/// The desk's HTTPS client for the central API: mutual TLS with the desk certificate,
/// trusting only the configured CA, connections pooled and reused.
#[derive(Clone)]
pub struct CentralClient {
    http: reqwest::Client,
    base_url: Arc<str>,
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
        let identity = schalter_pki::Identity::load(&config.desk_cert, &config.desk_key)?;
        let tls = schalter_pki::client_config(&ca, Some(&identity))?;
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

    async fn photo_audit(&self, token: &str, event: &PhotoAuditEvent) -> Result<(), DeskError> {
        self.send_empty(self.request(Method::POST, paths::PHOTO_AUDIT, Some(token)).json(event)).await
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
