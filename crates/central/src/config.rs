//! The settings of `schalter-central serve`: command-line flags, `SCHALTER_*` environment variables and the
//! configuration file (`--config /etc/schalter/central.toml`, `SCHALTER_CENTRAL_CONFIG`), in that order of
//! precedence, then the defaults. Clap already puts a flag before its environment variable; the file fills
//! what neither gave, so no flag carries a clap default (a default would hide the file's value).
//!
//! Relative paths in the file are taken from the file's directory, so `/etc/schalter/central.toml` can say
//! `cert = "central.pem"`. An unknown key is an error naming it: a misspelt `client_crl` must not silently
//! leave revocation off.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use schalter_domain::SessionPolicy;
use serde::Deserialize;

use crate::CentralError;

/// Where the database is when nothing names it.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://schalter-central.db";

/// The configuration file as written (every setting optional: flags and the environment may give it).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub log_format: Option<String>,
    pub listen: Option<SocketAddr>,
    /// Plain-HTTP listener for Prometheus' `/metrics` only (e.g. `127.0.0.1:9464`); none by default.
    pub metrics_listen: Option<SocketAddr>,
    /// Directory of the desk update bundles served to desks.
    pub updates_dir: Option<PathBuf>,
    #[serde(default)]
    pub tls: TlsFile,
    #[serde(default)]
    pub session: SessionFile,
    #[serde(default)]
    pub producer: ProducerFile,
    #[serde(default)]
    pub sms: SmsFile,
    #[serde(default)]
    pub keys: KeysFile,
    #[serde(default, rename = "box")]
    pub pickup_box: BoxFile,
    #[serde(default)]
    pub public: PublicFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFile {
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub client_ca: Option<PathBuf>,
    pub client_crl: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionFile {
    pub idle_seconds: Option<i64>,
    pub absolute_seconds: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerFile {
    pub url: Option<String>,
    pub ca: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub authority_code: Option<String>,
    pub authority_name: Option<String>,
    pub poll_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsFile {
    pub gateway: Option<SmsGatewayKind>,
    pub file: Option<PathBuf>,
    pub url: Option<String>,
    pub ca: Option<PathBuf>,
    pub api_key_file: Option<PathBuf>,
    pub sender: Option<String>,
    pub poll_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysFile {
    pub secrets_key_file: Option<PathBuf>,
    pub pin_pepper_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoxFile {
    pub attempts_per_minute: Option<NonZeroU32>,
    pub answer_floor_ms: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicFile {
    pub listen: Option<SocketAddr>,
    pub appointments_config: Option<PathBuf>,
    pub requests_per_minute: Option<u32>,
    pub trusted_proxy: Option<IpAddr>,
}

/// How SMS to citizens leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsGatewayKind {
    /// SMS wait in the outbox.
    None,
    /// Development: JSON lines into the SMS file.
    File,
    /// seven.io.
    Seven,
}

fn config_error(file: &Path, message: impl Into<String>) -> CentralError {
    CentralError::Config { file: file.display().to_string(), message: message.into() }
}

impl FileConfig {
    /// Reads and checks `path`; relative paths in it are made relative to its directory.
    pub fn load(path: &Path) -> Result<Self, CentralError> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| config_error(path, format!("nicht lesbar (cannot read): {error}")))?;
        Self::parse(&text, path)
    }

    /// Parses `text` as the file `path` (used for the error messages and the base of relative paths).
    pub fn parse(text: &str, path: &Path) -> Result<Self, CentralError> {
        let mut config: FileConfig = toml::from_str(text)
            .map_err(|error| config_error(path, format!("ungültig (invalid): {}", error.message())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.resolve_paths(base);
        if let Some(format) = &config.log_format {
            if !matches!(format.as_str(), "text" | "json") {
                return Err(config_error(path, format!("log_format = „{format}“: erwartet text oder json")));
            }
        }
        Ok(config)
    }

    fn resolve_paths(&mut self, base: &Path) {
        let join = |p: &mut Option<PathBuf>| {
            if let Some(path) = p.as_mut() {
                if path.is_relative() {
                    *path = base.join(&*path);
                }
            }
        };
        join(&mut self.updates_dir);
        join(&mut self.tls.cert);
        join(&mut self.tls.key);
        join(&mut self.tls.client_ca);
        join(&mut self.tls.client_crl);
        join(&mut self.producer.ca);
        join(&mut self.producer.client_cert);
        join(&mut self.producer.client_key);
        join(&mut self.sms.file);
        join(&mut self.sms.ca);
        join(&mut self.sms.api_key_file);
        join(&mut self.keys.secrets_key_file);
        join(&mut self.keys.pin_pepper_file);
        join(&mut self.public.appointments_config);
        if let Some(url) = &mut self.database_url {
            // `sqlite://central.db` names a file relative to the configuration, like every other path here.
            if let Some(rest) = url.strip_prefix("sqlite://") {
                let (file, query) = rest.split_once('?').map_or((rest, None), |(f, q)| (f, Some(q)));
                if !file.is_empty() && !file.starts_with('/') && !file.starts_with(":memory:") {
                    let joined = base.join(file).display().to_string();
                    *url = match query {
                        Some(query) => format!("sqlite://{joined}?{query}"),
                        None => format!("sqlite://{joined}"),
                    };
                }
            }
        }
    }
}

/// The database URL: flag or `SCHALTER_DATABASE_URL`, else the file's, else [`DEFAULT_DATABASE_URL`].
pub fn database_url(flag_or_env: Option<String>, file: &FileConfig) -> String {
    flag_or_env.or_else(|| file.database_url.clone()).unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
}

/// `serve`'s flags and environment variables. None has a clap default: see the module's text.
#[derive(Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// Address of the mTLS listener [default: 127.0.0.1:8443].
    #[arg(long, env = "SCHALTER_LISTEN")]
    pub listen: Option<SocketAddr>,
    #[arg(long, env = "SCHALTER_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    #[arg(long, env = "SCHALTER_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// CA whose certificates identify desks and box terminals.
    #[arg(long, env = "SCHALTER_CLIENT_CA")]
    pub client_ca: Option<PathBuf>,
    /// PEM file with the client CA's revocation list (CRL): listed desk and box certificates are refused. Read
    /// again when the file changes (checked every 10 s); a broken new file keeps the old list.
    #[arg(long, env = "SCHALTER_CLIENT_CRL")]
    pub client_crl: Option<PathBuf>,
    /// Plain-HTTP address that serves only `/metrics` to the city's Prometheus (e.g. 127.0.0.1:9464). Off by
    /// default; `/metrics` is always on the mTLS listener.
    #[arg(long, env = "SCHALTER_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Directory of the desk update bundles.
    #[arg(long, env = "SCHALTER_UPDATES_DIR")]
    pub updates_dir: Option<PathBuf>,
    /// Seconds without a call after which a clerk's session lapses [default: 1800].
    #[arg(long, env = "SCHALTER_SESSION_IDLE_SECONDS", value_parser = clap::value_parser!(i64).range(1..))]
    pub session_idle_seconds: Option<i64>,
    /// Seconds after login at which a session ends however busy it is [default: 36000].
    #[arg(long, env = "SCHALTER_SESSION_ABSOLUTE_SECONDS", value_parser = clap::value_parser!(i64).range(1..))]
    pub session_absolute_seconds: Option<i64>,
    /// https://host:port of the producer interface (XhD over mutual TLS).
    #[arg(long, env = "SCHALTER_PRODUCER_URL")]
    pub producer_url: Option<String>,
    /// CA of the producer's TLS certificate.
    #[arg(long, env = "SCHALTER_PRODUCER_CA")]
    pub producer_ca: Option<PathBuf>,
    /// The central's client certificate towards the producer (the ordering authority).
    #[arg(long, env = "SCHALTER_PRODUCER_CLIENT_CERT")]
    pub producer_client_cert: Option<PathBuf>,
    #[arg(long, env = "SCHALTER_PRODUCER_CLIENT_KEY")]
    pub producer_client_key: Option<PathBuf>,
    /// The 4-character authority code that heads every order number [default: D111].
    #[arg(long, env = "SCHALTER_PRODUCER_AUTHORITY_CODE")]
    pub producer_authority_code: Option<String>,
    /// The issuing authority as the documents print it [default: Stadt Düsseldorf].
    #[arg(long, env = "SCHALTER_PRODUCER_AUTHORITY_NAME")]
    pub producer_authority_name: Option<String>,
    /// Seconds between two rounds of ordering and reading the producer's mailbox [default: 30].
    #[arg(long, env = "SCHALTER_PRODUCER_POLL_SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub producer_poll_seconds: Option<u64>,
    /// `none` (SMS wait in the outbox, the default), `file` (development: JSON lines into --sms-file) or `seven`.
    #[arg(long, env = "SCHALTER_SMS_GATEWAY", value_enum)]
    pub sms_gateway: Option<SmsGatewayKind>,
    /// [default: sms.jsonl]
    #[arg(long, env = "SCHALTER_SMS_FILE")]
    pub sms_file: Option<PathBuf>,
    /// [default: https://gateway.seven.io]
    #[arg(long, env = "SCHALTER_SMS_URL")]
    pub sms_url: Option<String>,
    /// The roots trusted for the provider's TLS certificate [default: /etc/ssl/certs/ca-certificates.crt].
    #[arg(long, env = "SCHALTER_SMS_CA")]
    pub sms_ca: Option<PathBuf>,
    /// File with the provider's API key (never on the command line).
    #[arg(long, env = "SCHALTER_SMS_API_KEY_FILE")]
    pub sms_api_key_file: Option<PathBuf>,
    /// The sender the citizen sees: at most 11 letters or 16 digits [default: Duesseldorf].
    #[arg(long, env = "SCHALTER_SMS_SENDER")]
    pub sms_sender: Option<String>,
    /// [default: 5]
    #[arg(long, env = "SCHALTER_SMS_POLL_SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub sms_poll_seconds: Option<u64>,
    /// File with the key that seals secrets (the producer's Sperrkennwort, SMS in the outbox); made (0600) if
    /// missing. Needed by the producer rounds, the SMS gateway and the pickup box.
    #[arg(long, env = "SCHALTER_SECRETS_KEY_FILE")]
    pub secrets_key_file: Option<PathBuf>,
    /// File with the pepper of the pickup PINs' hashes; made (0600) if missing. Keep it out of database backups.
    /// Without it (and the secrets key), loading documents into the pickup box is refused.
    #[arg(long, env = "SCHALTER_PIN_PEPPER_FILE")]
    pub pin_pepper_file: Option<PathBuf>,
    /// Phone numbers, PINs and birth dates one box terminal may send per minute [default: 10].
    #[arg(long, env = "SCHALTER_BOX_ATTEMPTS_PER_MINUTE")]
    pub box_attempts_per_minute: Option<NonZeroU32>,
    /// The least time, in milliseconds, the central takes to answer a box terminal's phone number, PIN or birth
    /// date, so that the answer's timing does not tell a known number from an unknown one [default: 150].
    #[arg(long, env = "SCHALTER_BOX_ANSWER_FLOOR_MS")]
    pub box_answer_floor_ms: Option<u64>,
    /// Address of the public listener (plain HTTP, to be put behind the city's TLS-terminating proxy).
    #[arg(long, env = "SCHALTER_PUBLIC_LISTEN")]
    pub public_listen: Option<SocketAddr>,
    /// The appointment configuration (TOML, see crates/appointments/src/duesseldorf.toml). Without it, no
    /// appointments are offered.
    #[arg(long, env = "SCHALTER_APPOINTMENTS_CONFIG")]
    pub appointments_config: Option<PathBuf>,
    /// Requests per client address and minute on the public listener (0: no limit, for benchmarks only)
    /// [default: 120].
    #[arg(long, env = "SCHALTER_PUBLIC_REQUESTS_PER_MINUTE")]
    pub public_requests_per_minute: Option<u32>,
    /// The proxy in front of the public listener: only from its address is `X-Forwarded-For` believed.
    #[arg(long, env = "SCHALTER_TRUSTED_PROXY")]
    pub trusted_proxy: Option<IpAddr>,
}

/// Everything `serve` runs with, after flags, environment, file and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct ServeSettings {
    pub listen: SocketAddr,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    pub client_ca: PathBuf,
    pub client_crl: Option<PathBuf>,
    pub metrics_listen: Option<SocketAddr>,
    pub updates_dir: Option<PathBuf>,
    pub session: SessionPolicy,
    pub producer: Option<ProducerSettings>,
    pub producer_authority_code: String,
    pub producer_authority_name: String,
    pub producer_poll_seconds: u64,
    pub sms: SmsSettings,
    pub secrets_key_file: Option<PathBuf>,
    pub pin_pepper_file: Option<PathBuf>,
    pub box_attempts_per_minute: NonZeroU32,
    pub box_answer_floor_ms: u64,
    pub public_listen: Option<SocketAddr>,
    pub appointments_config: Option<PathBuf>,
    pub public_requests_per_minute: u32,
    pub trusted_proxy: Option<IpAddr>,
}

/// The producer connection (all four or none).
#[derive(Debug, Clone, PartialEq)]
pub struct ProducerSettings {
    pub url: String,
    pub ca: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SmsSettings {
    pub gateway: SmsGatewayKind,
    pub file: PathBuf,
    pub url: String,
    pub ca: PathBuf,
    pub api_key_file: Option<PathBuf>,
    pub sender: String,
    pub poll_seconds: u64,
}

impl ServeArgs {
    /// Flags and environment first, then `file` (named `file_name` in errors), then the defaults; checks what
    /// clap cannot check for the file's values.
    pub fn resolve(self, file: FileConfig, file_name: &Path) -> Result<ServeSettings, CentralError> {
        let error = |message: String| config_error(file_name, message);
        let required = |value: Option<PathBuf>, flag: &str, env: &str, key: &str| {
            value.ok_or_else(|| error(format!("{flag} fehlt (missing): anzugeben als Schalter, {env} oder {key}")))
        };
        let positive = |value: i64, key: &str| {
            if value >= 1 {
                Ok(value)
            } else {
                Err(error(format!("{key} = {value}: muss mindestens 1 sein (must be at least 1)")))
            }
        };
        let policy = SessionPolicy::default();
        let session = SessionPolicy {
            idle_seconds: positive(
                self.session_idle_seconds.or(file.session.idle_seconds).unwrap_or(policy.idle_seconds),
                "[session] idle_seconds",
            )?,
            absolute_seconds: positive(
                self.session_absolute_seconds.or(file.session.absolute_seconds).unwrap_or(policy.absolute_seconds),
                "[session] absolute_seconds",
            )?,
        };
        let producer_url = self.producer_url.or(file.producer.url);
        let producer_ca = self.producer_ca.or(file.producer.ca);
        let producer_cert = self.producer_client_cert.or(file.producer.client_cert);
        let producer_key = self.producer_client_key.or(file.producer.client_key);
        let producer = match (producer_url, producer_ca, producer_cert, producer_key) {
            (None, _, _, _) => None,
            (Some(url), Some(ca), Some(client_cert), Some(client_key)) => {
                Some(ProducerSettings { url, ca, client_cert, client_key })
            }
            (Some(_), ..) => {
                return Err(error(
                    "--producer-url braucht --producer-ca, --producer-client-cert und --producer-client-key \
                     ([producer] ca, client_cert, client_key)"
                        .into(),
                ))
            }
        };
        let producer_poll_seconds = positive(
            self.producer_poll_seconds.or(file.producer.poll_seconds).unwrap_or(30) as i64,
            "[producer] poll_seconds",
        )? as u64;
        let sms_poll_seconds =
            positive(self.sms_poll_seconds.or(file.sms.poll_seconds).unwrap_or(5) as i64, "[sms] poll_seconds")? as u64;
        Ok(ServeSettings {
            listen: self.listen.or(file.listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8443))),
            tls_cert: required(self.tls_cert.or(file.tls.cert), "--tls-cert", "SCHALTER_TLS_CERT", "[tls] cert")?,
            tls_key: required(self.tls_key.or(file.tls.key), "--tls-key", "SCHALTER_TLS_KEY", "[tls] key")?,
            client_ca: required(
                self.client_ca.or(file.tls.client_ca),
                "--client-ca",
                "SCHALTER_CLIENT_CA",
                "[tls] client_ca",
            )?,
            client_crl: self.client_crl.or(file.tls.client_crl),
            metrics_listen: self.metrics_listen.or(file.metrics_listen),
            updates_dir: self.updates_dir.or(file.updates_dir),
            session,
            producer,
            producer_authority_code: self
                .producer_authority_code
                .or(file.producer.authority_code)
                .unwrap_or_else(|| "D111".into()),
            producer_authority_name: self
                .producer_authority_name
                .or(file.producer.authority_name)
                .unwrap_or_else(|| "Stadt Düsseldorf".into()),
            producer_poll_seconds,
            sms: SmsSettings {
                gateway: self.sms_gateway.or(file.sms.gateway).unwrap_or(SmsGatewayKind::None),
                file: self.sms_file.or(file.sms.file).unwrap_or_else(|| "sms.jsonl".into()),
                url: self.sms_url.or(file.sms.url).unwrap_or_else(|| "https://gateway.seven.io".into()),
                ca: self.sms_ca.or(file.sms.ca).unwrap_or_else(|| "/etc/ssl/certs/ca-certificates.crt".into()),
                api_key_file: self.sms_api_key_file.or(file.sms.api_key_file),
                sender: self.sms_sender.or(file.sms.sender).unwrap_or_else(|| "Duesseldorf".into()),
                poll_seconds: sms_poll_seconds,
            },
            secrets_key_file: self.secrets_key_file.or(file.keys.secrets_key_file),
            pin_pepper_file: self.pin_pepper_file.or(file.keys.pin_pepper_file),
            box_attempts_per_minute: self
                .box_attempts_per_minute
                .or(file.pickup_box.attempts_per_minute)
                .unwrap_or(schalter_pickup::TerminalRateLimit::DEFAULT_PER_MINUTE),
            box_answer_floor_ms: self.box_answer_floor_ms.or(file.pickup_box.answer_floor_ms).unwrap_or(150),
            public_listen: self.public_listen.or(file.public.listen),
            appointments_config: self.appointments_config.or(file.public.appointments_config),
            public_requests_per_minute: self
                .public_requests_per_minute
                .or(file.public.requests_per_minute)
                .unwrap_or(120),
            trusted_proxy: self.trusted_proxy.or(file.public.trusted_proxy),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn flags(args: &[&str]) -> ServeArgs {
        Wrapper::try_parse_from(std::iter::once("serve").chain(args.iter().copied())).unwrap().serve
    }

    const FILE: &str = r#"
        database_url = "sqlite://data/central.db"
        listen = "0.0.0.0:9443"
        [tls]
        cert = "central.pem"
        key = "/secure/central.key"
        client_ca = "desk-ca.pem"
        [session]
        idle_seconds = 600
    "#;

    #[test]
    fn the_flag_beats_the_file_and_the_file_beats_the_default() {
        let path = Path::new("/etc/schalter/central.toml");
        let file = FileConfig::parse(FILE, path).unwrap();
        assert_eq!(database_url(None, &file), "sqlite:///etc/schalter/data/central.db");
        assert_eq!(database_url(Some("sqlite::memory:".into()), &file), "sqlite::memory:");
        let settings = flags(&["--session-idle-seconds", "60"]).resolve(file, path).unwrap();
        assert_eq!(settings.session.idle_seconds, 60, "the flag wins");
        assert_eq!(settings.session.absolute_seconds, SessionPolicy::default().absolute_seconds, "the default");
        assert_eq!(settings.listen, "0.0.0.0:9443".parse().unwrap(), "the file's");
        assert_eq!(settings.tls_cert, Path::new("/etc/schalter/central.pem"), "relative to the file");
        assert_eq!(settings.tls_key, Path::new("/secure/central.key"), "absolute stays");
        let settings =
            flags(&["--listen", "127.0.0.1:1"]).resolve(FileConfig::parse(FILE, path).unwrap(), path).unwrap();
        assert_eq!(settings.listen, "127.0.0.1:1".parse().unwrap());
        assert_eq!(settings.session.idle_seconds, 600);
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_it_and_the_file() {
        let path = Path::new("/etc/schalter/central.toml");
        assert!(FileConfig::parse("[tls]\nclient_crl = \"crl.pem\"\n", path).is_ok());
        let error = FileConfig::parse("[tls]\nclient_crls = \"crl.pem\"\n", path).unwrap_err().to_string();
        assert!(error.contains("client_crls") && error.contains("/etc/schalter/central.toml"), "{error}");
        assert!(error.starts_with("Konfiguration"), "German first: {error}");
    }

    #[test]
    fn missing_certificates_and_bad_values_are_named() {
        let path = Path::new("c.toml");
        let error = flags(&[]).resolve(FileConfig::default(), path).unwrap_err().to_string();
        assert!(error.contains("--tls-cert") && error.contains("[tls] cert"), "{error}");
        let tls = ["--tls-cert", "c", "--tls-key", "k", "--client-ca", "ca"];
        assert!(flags(&tls).resolve(FileConfig::default(), path).is_ok());
        let zero = FileConfig::parse("[session]\nidle_seconds = 0\n", path).unwrap();
        let error = flags(&tls).resolve(zero, path).unwrap_err().to_string();
        assert!(error.contains("idle_seconds"), "{error}");
        let half_producer = FileConfig::parse("[producer]\nurl = \"https://p:8445\"\n", path).unwrap();
        assert!(flags(&tls).resolve(half_producer, path).unwrap_err().to_string().contains("--producer-ca"));
        assert!(FileConfig::parse("log_format = \"xml\"\n", path).is_err());
        assert!(Wrapper::try_parse_from(["serve", "--session-idle-seconds", "0"]).is_err());
    }

    #[test]
    fn the_packaged_example_parses() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../packaging/central.toml"));
        let file = FileConfig::load(path).unwrap();
        assert_eq!(database_url(None, &file), "sqlite:///var/lib/schalter/central.db");
        let settings = ServeArgs::default().resolve(file, path).unwrap();
        // Installed as /etc/schalter/central.toml, `central.pem` is /etc/schalter/central.pem.
        assert_eq!(settings.tls_cert, path.parent().unwrap().join("central.pem"));
        assert_eq!(settings.secrets_key_file.as_deref(), Some(Path::new("/var/lib/schalter/keys/secrets.key")));
    }
}
