use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use schalter_wire::{paths, ApiError, Health, LoginRequest, Session, SessionInfo};
use serde::de::DeserializeOwned;

use crate::{DeskConfig, DeskError};

/// The desk's HTTPS client for the central API: mutual TLS with the desk certificate,
/// trusting only the configured CA, connections pooled and reused.
#[derive(Clone)]
pub struct CentralClient {
    http: reqwest::Client,
    base_url: Arc<str>,
}

impl CentralClient {
    pub fn new(config: &DeskConfig) -> Result<Self, DeskError> {
        let ca = schalter_pki::load_ca(&config.central_ca)?;
        let identity = schalter_pki::Identity::load(&config.desk_cert, &config.desk_key)?;
        let tls = schalter_pki::client_config(&ca, Some(&identity))?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("schalter-desk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DeskError::Config(format!("HTTP-Client: {e}")))?;
        Ok(Self { http, base_url: config.central_url.as_str().into() })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub async fn health(&self) -> Result<Health, DeskError> {
        self.send(self.request(Method::GET, paths::HEALTH, None)).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<Session, DeskError> {
        let body = LoginRequest { username: username.to_owned(), password: password.to_owned() };
        self.send(self.request(Method::POST, paths::LOGIN, None).json(&body)).await
    }

    pub async fn session(&self, token: &str) -> Result<SessionInfo, DeskError> {
        self.send(self.request(Method::GET, paths::SESSION, Some(token))).await
    }

    pub async fn photo_audit(&self, token: &str, event: &schalter_wire::PhotoAuditEvent) -> Result<(), DeskError> {
        let request = self.request(Method::POST, paths::PHOTO_AUDIT, Some(token)).json(event);
        let response = request.send().await.map_err(central_transport_error)?;
        check(response).await.map(drop)
    }

    pub async fn logout(&self, token: &str) -> Result<(), DeskError> {
        let response =
            self.request(Method::POST, paths::LOGOUT, Some(token)).send().await.map_err(central_transport_error)?;
        check(response).await.map(drop)
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
        response.json().await.map_err(|_| DeskError::UnexpectedAnswer(status.as_u16()))
    }
}

async fn check(response: reqwest::Response) -> Result<reqwest::Response, DeskError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    match response.json::<ApiError>().await {
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
