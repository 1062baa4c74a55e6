//! The producer adapter over HTTPS with mutual TLS: the central's client certificate identifies
//! the ordering authority, the producer's CA is the only trust anchor, no redirects are followed
//! and answers are read up to a cap. Paths and bodies: `schalter_wire::producer`.

use std::time::Duration;

use reqwest::StatusCode;
use schalter_wire::producer::{
    paths, Bestellbestaetigung, BestellungDokument, Fehlerinformation, Postfach, Quittierung,
};
use serde::de::DeserializeOwned;

use super::Producer;
use crate::CentralError;

/// The largest answer read from the producer (a mailbox page of delivery notices is small).
const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

#[derive(Clone)]
pub struct XhdHttpProducer {
    client: reqwest::Client,
    base_url: String,
}

impl XhdHttpProducer {
    /// `base_url`: `https://host:port`; `identity`: the central's client certificate for the producer.
    pub fn new(base_url: &str, producer_ca_pem: &str, identity: &schalter_pki::Identity) -> Result<Self, CentralError> {
        if !base_url.starts_with("https://") {
            return Err(CentralError::Internal("the producer is reached over https only".into()));
        }
        let tls = schalter_pki::client_config(producer_ca_pem, Some(identity))
            .map_err(|e| CentralError::Internal(format!("producer TLS: {e}")))?;
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("schalter-central/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CentralError::Internal(format!("producer client: {e}")))?;
        Ok(Self { client, base_url: base_url.trim_end_matches('/').to_owned() })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

fn unavailable(error: reqwest::Error) -> CentralError {
    CentralError::ProducerUnavailable(schalter_pki::error_chain(&error))
}

/// Reads a capped body and, for a refusal, the producer's `Fehlerinformation`.
async fn answer<T: DeserializeOwned>(mut response: reqwest::Response) -> Result<T, CentralError> {
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(CentralError::ProducerUnavailable("answer too large".into()));
        }
        body.extend_from_slice(&chunk);
    }
    if status.is_success() {
        let body = if body.is_empty() { b"null".to_vec() } else { body };
        return serde_json::from_slice(&body)
            .map_err(|_| CentralError::ProducerUnavailable(format!("unreadable answer ({status})")));
    }
    match serde_json::from_slice::<Fehlerinformation>(&body) {
        Ok(error) if status == StatusCode::UNPROCESSABLE_ENTITY => {
            Err(CentralError::ProducerRefused { number: error.fehlernummer, text: error.fehlertext })
        }
        Ok(error) => {
            Err(CentralError::ProducerUnavailable(format!("{status}: {} {}", error.fehlernummer, error.fehlertext)))
        }
        Err(_) => Err(CentralError::ProducerUnavailable(format!("{status}"))),
    }
}

impl Producer for XhdHttpProducer {
    async fn order(&self, order: &BestellungDokument) -> Result<Bestellbestaetigung, CentralError> {
        let response = self.client.post(self.url(paths::ORDERS)).json(order).send().await.map_err(unavailable)?;
        answer(response).await
    }

    async fn mailbox(&self, cursor: i64) -> Result<Postfach, CentralError> {
        let response =
            self.client.get(self.url(paths::MAILBOX)).query(&[("nach", cursor)]).send().await.map_err(unavailable)?;
        answer(response).await
    }

    async fn acknowledge(&self, acknowledgement: &Quittierung) -> Result<(), CentralError> {
        let response = self
            .client
            .post(self.url(paths::ACKNOWLEDGEMENTS))
            .json(acknowledgement)
            .send()
            .await
            .map_err(unavailable)?;
        answer::<Option<serde_json::Value>>(response).await.map(|_| ())
    }
}
