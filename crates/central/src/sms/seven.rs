//! The SMS gateway of seven.io (seven communications, Kiel), after its documented HTTP API
//! (https://docs.seven.io/en/rest-api/endpoints/sms): `POST {base}/api/sms` with the API key in
//! `X-Api-Key`, form fields `to`, `text`, `from`, `foreign_id` (our outbox id) and `json=1`; the
//! answer's `success` is `"100"` (sent) or `"101"` (partly), anything else a provider code. An
//! interrupted send is looked up in the journal (`GET {base}/api/journal?type=outbound&to=…&date_from=…`)
//! by its `foreign_id`. URL, key and sender come from the configuration; the key is never logged.

use std::time::Duration;

use serde::Deserialize;

use super::{OutgoingSms, SmsFailure, SmsGateway};

#[derive(Clone)]
pub struct SevenGateway {
    client: reqwest::Client,
    base_url: String,
    api_key: String,
    sender: String,
}

impl std::fmt::Debug for SevenGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SevenGateway").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct SendAnswer {
    success: String,
    #[serde(default)]
    messages: Vec<SentMessage>,
}

#[derive(Deserialize)]
struct SentMessage {
    id: Option<String>,
    #[serde(default)]
    success: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
struct JournalEntry {
    foreign_id: Option<String>,
}

impl SevenGateway {
    /// `base_url`: `https://gateway.seven.io` in production; `ca_pem`: the roots to trust for it (the system's
    /// bundle, `/etc/ssl/certs/ca-certificates.crt`); `sender`: at most 11 letters or 16 digits.
    pub fn new(base_url: &str, ca_pem: &str, api_key: &str, sender: &str) -> Result<Self, crate::CentralError> {
        let internal = |what: &str| crate::CentralError::Internal(format!("sms gateway: {what}"));
        if !base_url.starts_with("https://") {
            return Err(internal("https only"));
        }
        let tls = schalter_pki::client_config(ca_pem, None).map_err(|_| internal("TLS roots"))?;
        if sender.is_empty() || sender.len() > 16 {
            return Err(internal("the sender has 1 to 16 characters"));
        }
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|_| internal("client"))?;
        Ok(Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key: api_key.trim().to_owned(),
            sender: sender.to_owned(),
        })
    }
}

/// A provider code: which ones no retry can cure.
fn classify(code: &str) -> SmsFailure {
    match code {
        // invalid recipient, text too long or empty, recipient blocked
        "202" | "301" | "305" | "401" | "402" => SmsFailure::Permanent(format!("seven_{code}")),
        // authentication, credit, carrier, rate: the operator or time cures them
        _ => SmsFailure::Transient(format!("seven_{code}")),
    }
}

fn unreachable(error: reqwest::Error) -> SmsFailure {
    SmsFailure::Transient(if error.is_timeout() { "timeout".into() } else { "unreachable".into() })
}

impl SmsGateway for SevenGateway {
    async fn send(&self, sms: &OutgoingSms) -> Result<Option<String>, SmsFailure> {
        let response = self
            .client
            .post(format!("{}/api/sms", self.base_url))
            .header("X-Api-Key", &self.api_key)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[
                ("to", sms.recipient.as_str()),
                ("text", sms.text.as_str()),
                ("from", self.sender.as_str()),
                ("foreign_id", sms.id.as_str()),
                ("json", "1"),
            ])
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        if !status.is_success() {
            return Err(SmsFailure::Transient(format!("http_{}", status.as_u16())));
        }
        let answer: SendAnswer =
            response.json().await.map_err(|_| SmsFailure::Transient("unreadable_answer".into()))?;
        match answer.success.as_str() {
            "100" | "101" => {
                let message = answer.messages.into_iter().next();
                match message {
                    Some(message) if !message.success => {
                        Err(classify(message.error.as_deref().unwrap_or(answer.success.as_str())))
                    }
                    message => Ok(message.and_then(|m| m.id)),
                }
            }
            code => Err(classify(code)),
        }
    }

    async fn was_sent(&self, sms: &OutgoingSms) -> Result<bool, SmsFailure> {
        let since = time::OffsetDateTime::from_unix_timestamp(sms.queued_at)
            .map(|at| at.date().to_string())
            .unwrap_or_default();
        let response = self
            .client
            .get(format!("{}/api/journal", self.base_url))
            .header("X-Api-Key", &self.api_key)
            .header(reqwest::header::ACCEPT, "application/json")
            .query(&[("type", "outbound"), ("to", sms.recipient.as_str()), ("date_from", since.as_str())])
            .send()
            .await
            .map_err(unreachable)?;
        if !response.status().is_success() {
            return Err(SmsFailure::Transient(format!("http_{}", response.status().as_u16())));
        }
        let entries: Vec<JournalEntry> =
            response.json().await.map_err(|_| SmsFailure::Transient("unreadable_journal".into()))?;
        Ok(entries.iter().any(|entry| entry.foreign_id.as_deref() == Some(sms.id.as_str())))
    }
}
