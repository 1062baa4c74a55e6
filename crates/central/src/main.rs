//! `schalter-central`: the central API server and its administration commands.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use schalter_central::appointments::AppointmentService;
use schalter_central::config::{self, FileConfig, ServeArgs, ServeSettings, SmsGatewayKind};
use schalter_central::pickup::PickupKeys;
use schalter_central::producer::http::XhdHttpProducer;
use schalter_central::producer::{OrderingAuthority, ProducerWorker};
use schalter_central::secrets::SecretsKey;
use schalter_central::sms::SmsWorker;
use schalter_central::{app, db::NewClerk, seed, AppState, Db, TrustedProxy};
use schalter_domain::{DisplayName, OfficeId, Password, Role, Username};
use schalter_server_kit::telemetry::LogFormat;

#[derive(Parser)]
#[command(version, about = "Schalter central API")]
struct Cli {
    /// The configuration file (TOML, see packaging/central.toml). Flags and `SCHALTER_*` variables win over it.
    #[arg(long, env = "SCHALTER_CENTRAL_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Database URL: sqlite:///var/lib/schalter/central.db (created if missing) or
    /// postgres://schalter@db-host/schalter (the database must exist; the schema is migrated)
    /// [default: sqlite://schalter-central.db].
    #[arg(long, env = "SCHALTER_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Log format: human-readable text or one JSON object per line [default: text].
    #[arg(long, env = "SCHALTER_LOG_FORMAT", value_enum, global = true)]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start: the size of the serve variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Serve the API over TLS, demanding desk client certificates.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Write a consistent copy of the SQLite database to a new file while the central runs (`VACUUM INTO`).
    /// The schema is not migrated first, so the copy taken before an update is the old schema. PostgreSQL:
    /// `pg_dump -Fc` (docs/operations.md). The key files are not in the database: back them up separately.
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long)]
        to: PathBuf,
    },
    /// Insert or update the reference list of Düsseldorf's citizen offices.
    SeedOffices,
    /// Manage clerk accounts.
    #[command(subcommand)]
    Clerk(ClerkCommand),
    /// Add a pickup box (Ausgabebox) with its compartments.
    AddBox {
        #[arg(long)]
        id: String,
        #[arg(long)]
        office: String,
        #[arg(long)]
        name: String,
        /// Compartments in door order: size class and `a` for a low, accessible one, e.g. `S,S,Ma,M,L`.
        #[arg(long)]
        compartments: String,
        /// Days a document waits in the box before it goes back to the counter (1 to 60).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(i64).range(1..=60))]
        pickup_days: i64,
        /// The box terminal's client certificate (PEM), registered so it acts as this box and never as a desk.
        #[arg(long)]
        terminal_cert: Option<PathBuf>,
        /// The box stands in a room of its own with its own entrance: usable around the clock, not only in
        /// the service centre's opening hours.
        #[arg(long)]
        around_the_clock: bool,
    },
    /// Register a box terminal's client certificate for a box (a replaced terminal, a renewed certificate).
    BoxTerminal {
        #[arg(long = "box")]
        box_id: String,
        /// The terminal's client certificate (PEM).
        #[arg(long)]
        cert: PathBuf,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// The pickup box settings of an office (the four-eyes rule for loading)
    ///
    /// `--four-eyes-loading true`: every load is confirmed by a second clerk of the office before its
    /// PIN goes out (`schalter_central::pickup_office`).
    PickupSettings {
        #[arg(long)]
        office: String,
        #[arg(long, action = clap::ArgAction::Set)]
        four_eyes_loading: bool,
    },
}

/// Reads and checks the appointment configuration, writes it into the database, and generates the slots ahead.
async fn appointments(settings: &ServeSettings, db: &Db) -> anyhow::Result<Option<AppointmentService>> {
    let Some(path) = &settings.appointments_config else { return Ok(None) };
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let config = schalter_appointments::AppointmentConfig::parse(&text)
        .with_context(|| format!("the appointment configuration {}", path.display()))?;
    db.import_appointment_config(&config).await?;
    let service = AppointmentService::new(config, Some(settings.public_requests_per_minute));
    spawn_appointment_workers(db.clone(), service.config.clone()).await?;
    Ok(Some(service))
}

/// A slot taken this long ago without its booking row belongs to a booking whose process died.
const UNCONFIRMED_SLOT_GRACE_SECONDS: i64 = 60;

/// Slots for the days the rules can publish, generated at start and every ten minutes (a new day comes
/// into reach at midnight); bookings into the offices' feeds every two seconds; once a minute, slots whose
/// booking row never came are freed.
async fn spawn_appointment_workers(
    db: Db,
    config: Arc<schalter_appointments::AppointmentConfig>,
) -> anyhow::Result<()> {
    let today = || schalter_pickup::local_time::german_date(time::OffsetDateTime::now_utc());
    let generated = schalter_central::appointments::generate_slots(&db, &config, today()).await?;
    tracing::info!(generated, "appointment slots generated");
    let generator = (db.clone(), config);
    tokio::spawn(async move {
        let (db, config) = generator;
        let mut every = tokio::time::interval(Duration::from_secs(600));
        every.tick().await;
        loop {
            every.tick().await;
            match schalter_central::appointments::generate_slots(&db, &config, today()).await {
                Ok(0) => {}
                Ok(generated) => tracing::info!(generated, "appointment slots generated"),
                Err(error) => tracing::warn!(code = error.code(), "slot generation failed"),
            }
        }
    });
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(2));
        for round in 0u64.. {
            every.tick().await;
            let now = schalter_central::Clock::System.now();
            if let Err(error) = db.publish_appointment_changes(now, 500).await {
                tracing::warn!(code = error.code(), "publishing appointments failed");
            }
            if round % 30 == 0 {
                match db.release_unconfirmed_slots(now, UNCONFIRMED_SLOT_GRACE_SECONDS).await {
                    Ok(0) => {}
                    Ok(released) => tracing::warn!(released, "slots without their booking freed"),
                    Err(error) => tracing::warn!(code = error.code(), "freeing unconfirmed slots failed"),
                }
            }
        }
    });
    Ok(())
}

/// Starts the producer rounds in the background, if a producer is configured.
fn spawn_producer(settings: &ServeSettings, db: &Db) -> anyhow::Result<()> {
    let Some(producer) = &settings.producer else {
        tracing::info!("no producer configured: applications are not ordered");
        return Ok(());
    };
    let identity = schalter_pki::Identity::load(&producer.client_cert, &producer.client_key)?;
    let client = XhdHttpProducer::new(&producer.url, &schalter_pki::load_ca(&producer.ca)?, &identity)?;
    let Some(secrets_key_file) = &settings.secrets_key_file else {
        bail!("--producer-url needs --secrets-key-file (the Sperrkennwort is stored sealed)");
    };
    let secrets = SecretsKey::load_or_create(secrets_key_file)?;
    let authority = OrderingAuthority::new(&settings.producer_authority_code, &settings.producer_authority_name)?;
    let worker = ProducerWorker::new(db.clone(), client, secrets, authority, schalter_central::Clock::System);
    tokio::spawn(worker.run(Duration::from_secs(settings.producer_poll_seconds)));
    tracing::info!(url = %producer.url, "ordering from the producer");
    Ok(())
}

/// Starts the SMS worker for the configured gateway (none: SMS wait in the outbox).
fn spawn_sms(settings: &ServeSettings, db: &Db) -> anyhow::Result<()> {
    let sms = &settings.sms;
    let secrets = || match &settings.secrets_key_file {
        Some(path) => Ok(SecretsKey::load_or_create(path)?),
        None => Err(anyhow::anyhow!("--sms-gateway needs --secrets-key-file (SMS wait sealed in the outbox)")),
    };
    let every = Duration::from_secs(sms.poll_seconds);
    let clock = schalter_central::Clock::System;
    match sms.gateway {
        SmsGatewayKind::None => tracing::info!("no SMS gateway configured: SMS wait in the outbox"),
        SmsGatewayKind::File => {
            let secrets = secrets()?;
            let sink = schalter_central::sms::file_sink::FileSink::new(&sms.file);
            tokio::spawn(SmsWorker::new(db.clone(), sink, secrets, clock).run(every));
            tracing::info!(file = %sms.file.display(), "SMS go into a file (development)");
        }
        SmsGatewayKind::Seven => {
            let Some(key_file) = &sms.api_key_file else { bail!("--sms-gateway seven needs --sms-api-key-file") };
            let key = std::fs::read_to_string(key_file).context("reading the SMS API key")?;
            let ca = std::fs::read_to_string(&sms.ca).context("reading the SMS provider's roots")?;
            let gateway = schalter_central::sms::seven::SevenGateway::new(&sms.url, &ca, &key, &sms.sender)?;
            let secrets = secrets()?;
            tokio::spawn(SmsWorker::new(db.clone(), gateway, secrets, clock).run(every));
            tracing::info!(url = %sms.url, "SMS go through seven.io");
        }
    }
    Ok(())
}

#[derive(Subcommand)]
enum ClerkCommand {
    /// Create a clerk, or update the one with this username. The password is read from
    /// standard input (one line), so it never appears in the process list or shell history.
    Upsert {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        #[arg(long, default_value = "clerk")]
        role: String,
        /// Office id, AGS and branch: 05111000_01
        #[arg(long)]
        office: String,
    },
    /// Deactivate a clerk: no more logins, and every open session ends at once.
    Deactivate {
        #[arg(long)]
        username: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut cli = Cli::parse();
    let (file, file_name) = match &cli.config {
        Some(path) => (FileConfig::load(path)?, path.clone()),
        None => (FileConfig::default(), PathBuf::from("(ohne Konfigurationsdatei)")),
    };
    let log_format = cli.log_format.unwrap_or(match file.log_format.as_deref() {
        Some("json") => LogFormat::Json,
        _ => LogFormat::Text,
    });
    schalter_server_kit::telemetry::init(log_format);
    let database_url = config::database_url(cli.database_url, &file);
    // Settings are checked before the database is touched: a wrong file changes nothing.
    let serve_settings = match &mut cli.command {
        Command::Serve(args) => Some(std::mem::take(args).resolve(file, &file_name)?),
        _ => None,
    };
    let db = Db::connect(&database_url).await.context("opening the database")?;
    if let Command::Backup { to } = &cli.command {
        // Not migrated: the copy taken before an update must be of the schema the old binary knows.
        db.backup_sqlite_into(to).await.with_context(|| format!("backing up into {}", to.display()))?;
        println!("Sicherung nach {} geschrieben.", to.display());
        return Ok(());
    }
    db.migrate().await.context("migrating the database")?;
    match cli.command {
        Command::Serve(_) => {
            let settings = serve_settings.expect("resolved above");
            spawn_sms(&settings, &db)?;
            let pickup_keys = match (&settings.secrets_key_file, &settings.pin_pepper_file) {
                (Some(secrets), Some(pepper)) => Some(PickupKeys::new(
                    SecretsKey::load_or_create(secrets)?,
                    &schalter_pickup::Pepper::from_bytes(SecretsKey::load_or_create_bytes(pepper)?),
                )),
                _ => None,
            };
            spawn_producer(&settings, &db)?;
            let mut state = AppState::new(db);
            state.policy = settings.session;
            state.pickup_keys = pickup_keys.map(Arc::new);
            state.box_terminal = schalter_central::box_terminal::BoxTerminalConfig {
                attempts_per_minute: settings.box_attempts_per_minute,
                answer_floor: Duration::from_millis(settings.box_answer_floor_ms),
            };
            state.appointments = appointments(&settings, &state.db).await?;
            state.updates = settings.updates_dir.clone().map(schalter_central::UpdatesDir);
            if let Some(address) = settings.public_listen {
                spawn_public(state.clone(), address, TrustedProxy(settings.trusted_proxy)).await?;
            }
            if let Some(address) = settings.metrics_listen {
                spawn_metrics(state.clone(), address).await?;
            }
            serve(state, &settings).await
        }
        Command::Backup { .. } => unreachable!("answered above"),
        Command::Migrate => Ok(()),
        Command::SeedOffices => {
            let count = seed::seed_duesseldorf_offices(&db).await?;
            println!("{count} Dienststellen angelegt oder aktualisiert.");
            Ok(())
        }
        Command::Clerk(ClerkCommand::Upsert { username, display_name, role, office }) => {
            upsert_clerk(&db, &username, &display_name, &role, &office).await
        }
        Command::Clerk(ClerkCommand::Deactivate { username }) => {
            let now = schalter_central::Clock::System.now();
            let Some(id) = db.deactivate_clerk_at(&Username::parse(&username)?, now).await? else {
                bail!("Ein Konto mit diesem Benutzernamen gibt es nicht.");
            };
            db.audit(now, None, "clerk_deactivated", Some(&id.to_string())).await?;
            println!("Konto {id} deaktiviert, offene Sitzungen beendet.");
            Ok(())
        }
        Command::AddBox { id, office, name, compartments, pickup_days, terminal_cert, around_the_clock } => {
            let office = OfficeId::parse(&office)?;
            if !db.office_exists(&office).await? {
                bail!("Die Dienststelle {office} ist unbekannt (zuerst `seed-offices`).");
            }
            let mut parsed = Vec::new();
            for item in compartments.split(',').map(str::trim) {
                let (size, accessible) = match item {
                    "S" | "M" | "L" => (item, false),
                    "Sa" => ("S", true),
                    "Ma" => ("M", true),
                    "La" => ("L", true),
                    _ => bail!("Fach „{item}“: erwartet S, M oder L, mit a für ein niedriges (barrierefreies) Fach"),
                };
                parsed.push((size, accessible));
            }
            let now = schalter_central::Clock::System.now();
            db.add_pickup_box(&id, office.as_str(), &name, pickup_days, &parsed, now).await?;
            if around_the_clock {
                db.set_box_mode(&id, schalter_pickup::BoxMode::AroundTheClock).await?;
            }
            println!("Ausgabebox {id} mit {} Fächern angelegt.", parsed.len());
            if let Some(path) = terminal_cert {
                register_terminal(&db, &id, &path).await?;
            }
            Ok(())
        }
        Command::BoxTerminal { box_id, cert } => register_terminal(&db, &box_id, &cert).await,
        Command::Openapi => {
            print!("{}", schalter_central::openapi::document_json());
            Ok(())
        }
        Command::PickupSettings { office, four_eyes_loading } => {
            let office = OfficeId::parse(&office)?;
            if !db.office_exists(&office).await? {
                bail!("Die Dienststelle {office} ist unbekannt (zuerst `seed-offices`).");
            }
            db.set_four_eyes_loading(office.as_str(), four_eyes_loading).await?;
            let rule = if four_eyes_loading { "mit" } else { "ohne" };
            println!("Dienststelle {office}: Einlegen in die Ausgabebox {rule} Vier-Augen-Prinzip.");
            Ok(())
        }
    }
}

async fn upsert_clerk(db: &Db, username: &str, display_name: &str, role: &str, office: &str) -> anyhow::Result<()> {
    let username = Username::parse(username)?;
    let display_name = DisplayName::parse(display_name)?;
    let role = Role::parse(role)?;
    let office = OfficeId::parse(office)?;
    if !db.office_exists(&office).await? {
        bail!("Die Dienststelle {office} ist unbekannt (zuerst `seed-offices`).");
    }
    let mut line = String::new();
    std::io::stdin().read_to_string(&mut line).context("reading the password from standard input")?;
    let password = Password::parse_new(line.trim_end_matches(['\r', '\n']))?;
    let state = AppState::new(db.clone());
    let password_hash = state.password_hasher.hash(&password).await?;
    let now = state.clock.now();
    let id = db.upsert_clerk(&NewClerk { username, display_name, role, office, password_hash }, now).await?;
    db.audit(now, None, "clerk_upserted", Some(&id.to_string())).await?;
    println!("Konto {id} gespeichert.");
    Ok(())
}

/// Registers a box terminal's certificate for a box (again: the same certificate moves to `box_id`).
async fn register_terminal(db: &Db, box_id: &str, cert: &std::path::Path) -> anyhow::Result<()> {
    let pem = schalter_pki::load_ca(cert)?;
    let der = rustls_pemfile::certs(&mut pem.as_bytes()).next().context("no certificate in the terminal's PEM")??;
    let fingerprint = schalter_server_kit::peer::hex_sha256(der.as_ref());
    db.register_box_terminal(&fingerprint, box_id, schalter_central::Clock::System.now()).await?;
    println!("Terminal-Zertifikat sha256:{fingerprint} für {box_id} eingetragen.");
    Ok(())
}

/// HTTP/2 flow-control window per request: larger than one blob part (`MAX_BLOB_CHUNK_BYTES`).
const UPLOAD_WINDOW_BYTES: u32 = 2 * 1024 * 1024;

async fn serve(state: AppState, settings: &ServeSettings) -> anyhow::Result<()> {
    let identity = schalter_pki::Identity::load(&settings.tls_cert, &settings.tls_key)?;
    let client_ca = schalter_pki::load_ca(&settings.client_ca)?;
    let tls = tls_config(&identity, &client_ca, settings.client_crl.as_deref())
        .with_context(|| format!("TLS-Konfiguration (CRL {:?})", settings.client_crl))?;
    let tls = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(tls));
    if let Some(crl) = settings.client_crl.clone() {
        let watched = crl.clone();
        let every = schalter_server_kit::tls_reload::CHECK_EVERY;
        schalter_server_kit::tls_reload::reload_on_change(tls.clone(), watched, every, move || {
            tls_config(&identity, &client_ca, Some(&crl))
        });
    }
    let listen = settings.listen;

    if let Some(keys) = state.pickup_keys.clone() {
        spawn_pickup_expiry(state.db.clone(), keys);
    }
    spawn_session_purge(state.clone());
    let handle = axum_server::Handle::new();
    tokio::spawn(schalter_server_kit::shutdown::on_signal(handle.clone()));

    let mut server = axum_server::bind(listen)
        .acceptor(schalter_server_kit::ClientCertificateAcceptor::new(tls))
        .handle(handle.clone());
    // HTTP/2's default 64 KiB windows make a 300 KB photo upload wait on window updates (curl on loopback:
    // half the blobs took 45-100 ms instead of ~12 ms); with these windows a blob part fits whole.
    server
        .http_builder()
        .http2()
        .initial_stream_window_size(UPLOAD_WINDOW_BYTES)
        .initial_connection_window_size(4 * UPLOAD_WINDOW_BYTES);
    let server = server.serve(app(state).into_make_service());
    let announce = async {
        if let Some(address) = handle.listening().await {
            // Machine-readable: tests and `cargo xtask demo` read the port from this line.
            println!("schalter-central listening on https://{address}");
            let _ = std::io::stdout().flush();
            tracing::info!(%address, "listening");
        }
    };
    let (served, ()) = tokio::join!(server, announce);
    served.context("serving")?;
    tracing::info!("stopped");
    Ok(())
}

/// The mTLS server configuration, with the client CA's revocation list if one is configured.
fn tls_config(
    identity: &schalter_pki::Identity,
    client_ca: &str,
    crl: Option<&std::path::Path>,
) -> anyhow::Result<rustls::ServerConfig> {
    Ok(match crl {
        None => schalter_pki::mtls_server_config(identity, client_ca)?,
        Some(path) => {
            let pem = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            schalter_pki::mtls_server_config_with_crls(identity, client_ca, &[pem])?
        }
    })
}

/// The plain-HTTP listener for Prometheus: `/metrics` and nothing else.
async fn spawn_metrics(state: AppState, address: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(address).await.with_context(|| format!("binding {address}"))?;
    let bound = listener.local_addr()?;
    // Machine-readable like the main listener's line.
    println!("schalter-central metrics on http://{bound}");
    let _ = std::io::stdout().flush();
    tracing::info!(address = %bound, "metrics listener");
    let app = schalter_central::metrics::metrics_app(state);
    tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(schalter_server_kit::shutdown::signal()).await;
        if let Err(error) = served {
            tracing::error!(error = %error, "metrics listener failed");
        }
    });
    Ok(())
}

/// The public listener (plain HTTP): booking API and page, call display.
async fn spawn_public(state: AppState, address: SocketAddr, proxy: TrustedProxy) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(address).await.with_context(|| format!("binding {address}"))?;
    let bound = listener.local_addr()?;
    // Machine-readable like the main listener's line.
    println!("schalter-central public on http://{bound}");
    let _ = std::io::stdout().flush();
    tracing::info!(address = %bound, "public listener");
    let app = schalter_central::public_app(state, proxy);
    tokio::spawn(async move {
        let served = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(schalter_server_kit::shutdown::signal())
            .await;
        if let Err(error) = served {
            tracing::error!(error = %error, "public listener failed");
        }
    });
    Ok(())
}

/// Ends box pickups past their deadline (back to the counter, SMS to the citizen), once a minute.
fn spawn_pickup_expiry(db: Db, keys: Arc<PickupKeys>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            let now = schalter_central::Clock::System.now();
            match schalter_central::pickup::expire_due(&db, &keys.secrets, now).await {
                Ok(0) => {}
                Ok(expired) => tracing::info!(expired, "box pickups expired"),
                Err(error) => tracing::warn!(code = error.code(), "pickup expiry failed"),
            }
        }
    });
}

/// An upload not completed within a week is given up: the desk starts again if it still can.
const ABANDONED_UPLOAD_SECONDS: i64 = 7 * 24 * 3600;

fn spawn_session_purge(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(600));
        loop {
            every.tick().await;
            match state.db.purge_expired_sessions(state.clock.now()).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "expired sessions removed"),
                Err(error) => tracing::warn!(error = ?error, "session purge failed"),
            }
            if let Err(error) = state.db.purge_lapsed_login_throttles(state.clock.now()).await {
                tracing::warn!(error = ?error, "login throttle purge failed");
            }
            match state.db.purge_abandoned_blobs(state.clock.now() - ABANDONED_UPLOAD_SECONDS).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "abandoned blob uploads removed"),
                Err(error) => tracing::warn!(error = ?error, "blob purge failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_options_go_before_or_after_the_subcommand() {
        let cli = Cli::try_parse_from(["schalter-central", "--config", "/etc/schalter/central.toml", "serve"]).unwrap();
        assert_eq!(cli.config.as_deref(), Some(std::path::Path::new("/etc/schalter/central.toml")));
        let cli = Cli::try_parse_from(["schalter-central", "serve", "--database-url", "sqlite::memory:"]).unwrap();
        assert_eq!(cli.database_url.as_deref(), Some("sqlite::memory:"));
        assert!(Cli::try_parse_from(["schalter-central", "backup"]).is_err(), "backup needs --to");
        assert!(Cli::try_parse_from(["schalter-central", "backup", "--to", "x.db"]).is_ok());
    }
}
