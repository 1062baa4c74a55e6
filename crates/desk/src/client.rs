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

    pub async fn logout(&self, token: &str) -> Result<(), DeskError> {
        let response = self.request(Method::POST, paths::LOGOUT, Some(token)).send().await.map_err(transport_error)?;
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
        let response = request.send().await.map_err(transport_error)?;
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

/// Tells a refused certificate (which needs IT) apart from a network outage (which
/// passes): rustls errors sit somewhere in the source chain.
fn transport_error(error: reqwest::Error) -> DeskError {
    let mut source = error.source();
    while let Some(cause) = source {
        if cause.downcast_ref::<rustls::Error>().is_some() {
            return DeskError::TlsRejected;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.get_ref().is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()) {
                return DeskError::TlsRejected;
            }
        }
        source = cause.source();
    }
    tracing::debug!(error = %error.without_url(), "central API unreachable");
    DeskError::Unreachable
}
