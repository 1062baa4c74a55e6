//! `schalter-central`: the central API server and its administration commands.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use schalter_central::appointments::AppointmentService;
use schalter_central::pickup::PickupKeys;
use schalter_central::producer::http::XhdHttpProducer;
use schalter_central::producer::{OrderingAuthority, ProducerWorker};
use schalter_central::secrets::SecretsKey;
use schalter_central::sms::SmsWorker;
use schalter_central::{app, db::NewClerk, seed, AppState, Db, TrustedProxy};
use schalter_domain::{DisplayName, OfficeId, Password, Role, SessionPolicy, Username};
use schalter_server_kit::telemetry::LogFormat;

#[derive(Parser)]
#[command(version, about = "Schalter central API")]
struct Cli {
    /// Database URL: sqlite:///var/lib/schalter/central.db (created if missing) or
    /// postgres://schalter@db-host/schalter (the database must exist; the schema is migrated).
    #[arg(long, env = "SCHALTER_DATABASE_URL", default_value = "sqlite://schalter-central.db", global = true)]
    database_url: String,
    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, env = "SCHALTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start: the size of the serve variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Serve the API over TLS, demanding desk client certificates.
    Serve {
        #[arg(long, env = "SCHALTER_LISTEN", default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
        #[arg(long, env = "SCHALTER_TLS_CERT")]
        tls_cert: PathBuf,
        #[arg(long, env = "SCHALTER_TLS_KEY")]
        tls_key: PathBuf,
        /// CA whose certificates identify desks and box terminals.
        #[arg(long, env = "SCHALTER_CLIENT_CA")]
        client_ca: PathBuf,
        /// Seconds without a call after which a clerk's session lapses.
        #[arg(long, env = "SCHALTER_SESSION_IDLE_SECONDS", default_value_t = SessionPolicy::default().idle_seconds,
              value_parser = clap::value_parser!(i64).range(1..))]
        session_idle_seconds: i64,
        /// Seconds after login at which a session ends however busy it is.
        #[arg(long, env = "SCHALTER_SESSION_ABSOLUTE_SECONDS",
              default_value_t = SessionPolicy::default().absolute_seconds, value_parser = clap::value_parser!(i64).range(1..))]
        session_absolute_seconds: i64,
        #[command(flatten)]
        producer: ProducerArgs,
        #[command(flatten)]
        sms: SmsArgs,
        #[command(flatten)]
        keys: KeyArgs,
        /// Phone numbers, PINs and birth dates one box terminal may send per minute.
        #[arg(long, env = "SCHALTER_BOX_ATTEMPTS_PER_MINUTE", default_value_t = schalter_pickup::TerminalRateLimit::DEFAULT_PER_MINUTE)]
        box_attempts_per_minute: std::num::NonZeroU32,
        /// The least time, in milliseconds, the central takes to answer a box terminal's phone number, PIN
        /// or birth date, so that the answer's timing does not tell a known number from an unknown one.
        #[arg(long, env = "SCHALTER_BOX_ANSWER_FLOOR_MS", default_value_t = 150)]
        box_answer_floor_ms: u64,
        #[command(flatten)]
        public: PublicArgs,
    },
    /// Apply database migrations and exit.
    Migrate,
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

/// The public side: booking API and page, call display (none: no public listener, no appointments).
#[derive(clap::Args)]
struct PublicArgs {
    /// Address of the public listener (plain HTTP, to be put behind the city's TLS-terminating proxy).
    #[arg(long, env = "SCHALTER_PUBLIC_LISTEN")]
    public_listen: Option<SocketAddr>,
    /// The appointment configuration (TOML, see crates/appointments/src/duesseldorf.toml): offices,
    /// services, hours, special days and release rules. Without it, no appointments are offered.
    #[arg(long, env = "SCHALTER_APPOINTMENTS_CONFIG")]
    appointments_config: Option<PathBuf>,
    /// Requests per client address and minute on the public listener (0: no limit, for benchmarks only).
    #[arg(long, env = "SCHALTER_PUBLIC_REQUESTS_PER_MINUTE", default_value_t = 120)]
    public_requests_per_minute: u32,
    /// The proxy in front of the public listener: only from its address is `X-Forwarded-For` believed.
    #[arg(long, env = "SCHALTER_TRUSTED_PROXY")]
    trusted_proxy: Option<std::net::IpAddr>,
}

impl PublicArgs {
    /// Reads and checks the configuration, writes it into the database, and generates the slots ahead.
    async fn appointments(&self, db: &Db) -> anyhow::Result<Option<AppointmentService>> {
        let Some(path) = &self.appointments_config else { return Ok(None) };
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let config = schalter_appointments::AppointmentConfig::parse(&text)
            .with_context(|| format!("the appointment configuration {}", path.display()))?;
        db.import_appointment_config(&config).await?;
        let service = AppointmentService::new(config, Some(self.public_requests_per_minute));
        spawn_appointment_workers(db.clone(), service.config.clone()).await?;
        Ok(Some(service))
    }
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

/// The document producer the applications are ordered from (none: nothing is ordered).
#[derive(clap::Args)]
struct ProducerArgs {
    /// https://host:port of the producer interface (XhD over mutual TLS).
    #[arg(long, env = "SCHALTER_PRODUCER_URL", requires_all = ["producer_ca", "producer_client_cert", "producer_client_key"])]
    producer_url: Option<String>,
    /// CA of the producer's TLS certificate.
    #[arg(long, env = "SCHALTER_PRODUCER_CA")]
    producer_ca: Option<PathBuf>,
    /// The central's client certificate towards the producer (the ordering authority).
    #[arg(long, env = "SCHALTER_PRODUCER_CLIENT_CERT")]
    producer_client_cert: Option<PathBuf>,
    #[arg(long, env = "SCHALTER_PRODUCER_CLIENT_KEY")]
    producer_client_key: Option<PathBuf>,
    /// The 4-character authority code that heads every order number.
    #[arg(long, env = "SCHALTER_PRODUCER_AUTHORITY_CODE", default_value = "D111")]
    producer_authority_code: String,
    /// The issuing authority as the documents print it.
    #[arg(long, env = "SCHALTER_PRODUCER_AUTHORITY_NAME", default_value = "Stadt Düsseldorf")]
    producer_authority_name: String,
    /// Seconds between two rounds of ordering and reading the producer's mailbox.
    #[arg(long, env = "SCHALTER_PRODUCER_POLL_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    producer_poll_seconds: u64,
}

/// The key files of the secrets the central keeps (named, never made in the working directory unasked).
#[derive(clap::Args)]
struct KeyArgs {
    /// File with the key that seals secrets (the producer's Sperrkennwort, SMS in the outbox); made (0600) if missing.
    /// Needed by the producer rounds, the SMS gateway and the pickup box.
    #[arg(long, env = "SCHALTER_SECRETS_KEY_FILE")]
    secrets_key_file: Option<PathBuf>,
    /// File with the pepper of the pickup PINs' hashes; made (0600) if missing. Without it, a PIN could be
    /// found from its hash in a million tries: keep it out of database backups.
    /// Without it (and the secrets key), loading documents into the pickup box is refused.
    #[arg(long, env = "SCHALTER_PIN_PEPPER_FILE")]
    pin_pepper_file: Option<PathBuf>,
}

impl ProducerArgs {
    /// Starts the producer rounds in the background, if a producer is configured.
    fn spawn(self, db: &Db, keys: &KeyArgs) -> anyhow::Result<()> {
        let Some(url) = self.producer_url else {
            tracing::info!("no producer configured: applications are not ordered");
            return Ok(());
        };
        let (Some(ca), Some(cert), Some(key)) = (self.producer_ca, self.producer_client_cert, self.producer_client_key)
        else {
            bail!("--producer-url needs --producer-ca, --producer-client-cert and --producer-client-key");
        };
        let identity = schalter_pki::Identity::load(&cert, &key)?;
        let producer = XhdHttpProducer::new(&url, &schalter_pki::load_ca(&ca)?, &identity)?;
        let Some(secrets_key_file) = &keys.secrets_key_file else {
            bail!("--producer-url needs --secrets-key-file (the Sperrkennwort is stored sealed)");
        };
        let secrets = SecretsKey::load_or_create(secrets_key_file)?;
        let authority = OrderingAuthority::new(&self.producer_authority_code, &self.producer_authority_name)?;
        let worker = ProducerWorker::new(db.clone(), producer, secrets, authority, schalter_central::Clock::System);
        tokio::spawn(worker.run(Duration::from_secs(self.producer_poll_seconds)));
        tracing::info!(%url, "ordering from the producer");
        Ok(())
    }
}

/// How SMS to citizens leave (the pickup PIN, the expiry notice).
#[derive(clap::Args)]
struct SmsArgs {
    /// `none` (SMS wait in the outbox), `file` (development: JSON lines into --sms-file) or `seven` (seven.io).
    #[arg(long, env = "SCHALTER_SMS_GATEWAY", value_enum, default_value_t = SmsGatewayKind::None)]
    sms_gateway: SmsGatewayKind,
    #[arg(long, env = "SCHALTER_SMS_FILE", default_value = "sms.jsonl")]
    sms_file: PathBuf,
    #[arg(long, env = "SCHALTER_SMS_URL", default_value = "https://gateway.seven.io")]
    sms_url: String,
    /// The roots trusted for the provider's TLS certificate.
    #[arg(long, env = "SCHALTER_SMS_CA", default_value = "/etc/ssl/certs/ca-certificates.crt")]
    sms_ca: PathBuf,
    /// File with the provider's API key (never on the command line).
    #[arg(long, env = "SCHALTER_SMS_API_KEY_FILE")]
    sms_api_key_file: Option<PathBuf>,
    /// The sender the citizen sees: at most 11 letters or 16 digits.
    #[arg(long, env = "SCHALTER_SMS_SENDER", default_value = "Duesseldorf")]
    sms_sender: String,
    #[arg(long, env = "SCHALTER_SMS_POLL_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    sms_poll_seconds: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SmsGatewayKind {
    None,
    File,
    Seven,
}

impl SmsArgs {
    fn spawn(self, db: &Db, secrets_key_file: Option<&std::path::Path>) -> anyhow::Result<()> {
        let secrets = || match secrets_key_file {
            Some(path) => Ok(SecretsKey::load_or_create(path)?),
            None => Err(anyhow::anyhow!("--sms-gateway needs --secrets-key-file (SMS wait sealed in the outbox)")),
        };
        let every = Duration::from_secs(self.sms_poll_seconds);
        let clock = schalter_central::Clock::System;
        match self.sms_gateway {
            SmsGatewayKind::None => tracing::info!("no SMS gateway configured: SMS wait in the outbox"),
            SmsGatewayKind::File => {
                let secrets = secrets()?;
                let sink = schalter_central::sms::file_sink::FileSink::new(&self.sms_file);
                tokio::spawn(SmsWorker::new(db.clone(), sink, secrets, clock).run(every));
                tracing::info!(file = %self.sms_file.display(), "SMS go into a file (development)");
            }
            SmsGatewayKind::Seven => {
                let Some(key_file) = self.sms_api_key_file else {
                    bail!("--sms-gateway seven needs --sms-api-key-file")
                };
                let key = std::fs::read_to_string(&key_file).context("reading the SMS API key")?;
                let ca = std::fs::read_to_string(&self.sms_ca).context("reading the SMS provider's roots")?;
                let gateway =
                    schalter_central::sms::seven::SevenGateway::new(&self.sms_url, &ca, &key, &self.sms_sender)?;
                let secrets = secrets()?;
                tokio::spawn(SmsWorker::new(db.clone(), gateway, secrets, clock).run(every));
                tracing::info!(url = %self.sms_url, "SMS go through seven.io");
            }
        }
        Ok(())
    }
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
    let cli = Cli::parse();
    schalter_server_kit::telemetry::init(cli.log_format);
    let db = Db::connect(&cli.database_url).await.context("opening the database")?;
    db.migrate().await.context("migrating the database")?;
    match cli.command {
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            client_ca,
            session_idle_seconds,
            session_absolute_seconds,
            producer,
            sms,
            keys,
            box_attempts_per_minute,
            box_answer_floor_ms,
            public,
        } => {
            sms.spawn(&db, keys.secrets_key_file.as_deref())?;
            let pickup_keys = match (&keys.secrets_key_file, &keys.pin_pepper_file) {
                (Some(secrets), Some(pepper)) => Some(PickupKeys::new(
                    SecretsKey::load_or_create(secrets)?,
                    &schalter_pickup::Pepper::from_bytes(SecretsKey::load_or_create_bytes(pepper)?),
                )),
                _ => None,
            };
            producer.spawn(&db, &keys)?;
            let policy =
                SessionPolicy { idle_seconds: session_idle_seconds, absolute_seconds: session_absolute_seconds };
            let mut state = AppState::new(db);
            state.policy = policy;
            state.pickup_keys = pickup_keys.map(Arc::new);
            state.box_terminal = schalter_central::box_terminal::BoxTerminalConfig {
                attempts_per_minute: box_attempts_per_minute,
                answer_floor: Duration::from_millis(box_answer_floor_ms),
            };
            state.appointments = public.appointments(&state.db).await?;
            if let Some(address) = public.public_listen {
                spawn_public(state.clone(), address, TrustedProxy(public.trusted_proxy)).await?;
            }
            serve(state, listen, tls_cert, tls_key, client_ca).await
        }
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

async fn serve(
    state: AppState,
    listen: SocketAddr,
    tls_cert: PathBuf,
    tls_key: PathBuf,
    client_ca: PathBuf,
) -> anyhow::Result<()> {
    let identity = schalter_pki::Identity::load(&tls_cert, &tls_key)?;
    let client_ca = schalter_pki::load_ca(&client_ca)?;
    let tls = schalter_pki::mtls_server_config(&identity, &client_ca)?;
    let tls = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(tls));

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

    fn serve_policy(args: &[&str]) -> (i64, i64) {
        let base = ["schalter-central", "serve", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--client-ca", "ca.pem"];
        let cli = Cli::try_parse_from(base.iter().chain(args)).unwrap();
        match cli.command {
            Command::Serve { session_idle_seconds, session_absolute_seconds, .. } => {
                (session_idle_seconds, session_absolute_seconds)
            }
            _ => unreachable!("parsed as serve"),
        }
    }

    #[test]
    fn session_limits_default_to_the_policy_and_can_be_set() {
        assert_eq!(serve_policy(&[]), (1800, 36000));
        assert_eq!(serve_policy(&["--session-idle-seconds", "60", "--session-absolute-seconds", "600"]), (60, 600));
        let base = ["schalter-central", "serve", "--tls-cert", "c", "--tls-key", "k", "--client-ca", "ca"];
        assert!(Cli::try_parse_from(base.iter().chain(&["--session-idle-seconds", "0"])).is_err());
    }
}
