//! The central's terminal API (`schalter_wire::pickup`): the trait the driver talks to and its
//! HTTP client. Authentication is the terminal's client certificate alone (mutual TLS, no token).

use std::future::Future;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use schalter_wire::pickup::{self, BoxStatus, SessionAnswer, TerminalInput};
use schalter_wire::ApiError;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::{TerminalConfig, TerminalError};

/// A session answer is a few hundred bytes; anything much larger is not the central.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// An error body `{code, message}`.
pub const MAX_ERROR_BYTES: usize = 8 * 1024;

/// What the terminal asks of the central.
pub trait BoxCentral: Send + Sync {
    /// `GET /v1/box/status`.
    fn status(&self) -> impl Future<Output = Result<BoxStatus, TerminalError>> + Send;
    /// `POST /v1/box/sessions`.
    fn start(&self) -> impl Future<Output = Result<SessionAnswer, TerminalError>> + Send;
    /// `POST /v1/box/sessions/{id}/input`.
    fn input(
        &self,
        session: Uuid,
        input: &TerminalInput,
    ) -> impl Future<Output = Result<SessionAnswer, TerminalError>> + Send;
}

/// [`BoxCentral`] over HTTPS with the terminal's certificate: https only, no redirects, capped bodies.
#[derive(Clone)]
pub struct HttpBoxCentral {
    http: reqwest::Client,
    base_url: String,
}

impl HttpBoxCentral {
    pub fn new(config: &TerminalConfig) -> Result<Self, TerminalError> {
        let pki = |e: schalter_pki::PkiError| TerminalError::Config(e.to_string());
        let ca = schalter_pki::load_ca(&config.central_ca).map_err(pki)?;
        let identity = schalter_pki::Identity::load(&config.terminal_cert, &config.terminal_key).map_err(pki)?;
        let tls = schalter_pki::client_config(&ca, Some(&identity)).map_err(pki)?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("schalter-box/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TerminalError::Config(format!("HTTP-Client: {e}")))?;
        Ok(Self { http, base_url: config.central_url.trim_end_matches('/').to_owned() })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&TerminalInput>,
    ) -> Result<T, TerminalError> {
        let mut request = self.http.request(method, format!("{}{path}", self.base_url));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        if !status.is_success() {
            let body = read_capped(response, MAX_ERROR_BYTES).await.unwrap_or_default();
            return Err(refusal(status, &body));
        }
        let body = read_capped(response, MAX_ANSWER_BYTES).await?;
        serde_json::from_slice(&body).map_err(|_| TerminalError::UnexpectedAnswer(status.as_u16()))
    }
}

impl BoxCentral for HttpBoxCentral {
    async fn status(&self) -> Result<BoxStatus, TerminalError> {
        self.call(Method::GET, pickup::BOX_STATUS, None).await
    }

    async fn start(&self) -> Result<SessionAnswer, TerminalError> {
        self.call(Method::POST, pickup::BOX_SESSIONS, None).await
    }

    async fn input(&self, session: Uuid, input: &TerminalInput) -> Result<SessionAnswer, TerminalError> {
        self.call(Method::POST, &pickup::box_session_input(session), Some(input)).await
    }
}

/// An error answer: the central's `{code, message}`, or the status alone when the body is not one.
pub(crate) fn refusal(status: StatusCode, body: &[u8]) -> TerminalError {
    match serde_json::from_slice::<ApiError>(body) {
        Ok(error) => TerminalError::Refused { status: status.as_u16(), code: error.code, message: error.message },
        Err(_) => TerminalError::UnexpectedAnswer(status.as_u16()),
    }
}

async fn read_capped(mut response: reqwest::Response, max: usize) -> Result<Vec<u8>, TerminalError> {
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(TerminalError::AnswerTooLarge { max });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > max {
            return Err(TerminalError::AnswerTooLarge { max });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A TLS failure (the central refused our certificate, or its own is not of our CA) or the network.
fn transport_error(error: reqwest::Error) -> TerminalError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(current) = source {
        if current.downcast_ref::<rustls::Error>().is_some() {
            return TerminalError::TlsRejected;
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if io.get_ref().is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()) {
                return TerminalError::TlsRejected;
            }
        }
        source = current.source();
    }
    TerminalError::Unreachable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_keeps_the_centrals_code_and_anything_else_is_unexpected() {
        let body = br#"{"code":"pickup_terminal_rate_limited","message":"Bitte warten."}"#;
        let error = refusal(StatusCode::TOO_MANY_REQUESTS, body);
        assert_eq!(error.code(), "pickup_terminal_rate_limited");
        assert!(matches!(error, TerminalError::Refused { status: 429, .. }));
        let error = refusal(StatusCode::BAD_GATEWAY, b"<html>proxy</html>");
        assert_eq!(error.code(), "central_unexpected_answer");
    }
}
