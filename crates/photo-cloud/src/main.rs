//! `schalter-photo-cloud`: the reference TR-03170 photo cloud and the studio tool.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use schalter_photo::Algorithm;
use schalter_photo_cloud::server::{self, TlsSettings};
use schalter_photo_cloud::studio::{self, SlipDetails, StudioClient};
use schalter_photo_cloud::{service, AppState, Clock, Db, SealKey};
use schalter_server_kit::telemetry::LogFormat;

#[derive(Parser)]
#[command(version, about = "Schalter Foto-Cloud (TR-03170-Referenz) und Fotostudio-Werkzeug")]
struct Cli {
    /// Database URL of the cloud, e.g. sqlite:///var/lib/schalter/photo-cloud.db
    #[arg(long, env = "SCHALTER_PHOTO_CLOUD_DATABASE_URL", default_value = "sqlite://photo-cloud.db", global = true)]
    database_url: String,
    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, env = "SCHALTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum AlgorithmArg {
    /// AES-256-GCM, 12-byte IV.
    Gcm,
    /// AES-256-CBC with PKCS#7 padding, 16-byte IV.
    Cbc,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the cloud over mutual TLS: authorities and studios on one port, told apart by
    /// the CA that issued their client certificate.
    Serve {
        #[arg(long, env = "SCHALTER_PHOTO_CLOUD_LISTEN", default_value = "127.0.0.1:8444")]
        listen: SocketAddr,
        #[arg(long, env = "SCHALTER_PHOTO_CLOUD_TLS_CERT")]
        tls_cert: PathBuf,
        #[arg(long, env = "SCHALTER_PHOTO_CLOUD_TLS_KEY")]
        tls_key: PathBuf,
        /// CA of the authorities' (desks') client certificates.
        #[arg(long, env = "SCHALTER_PHOTO_CLOUD_AUTHORITY_CA")]
        authority_ca: PathBuf,
        /// CA of the photo studios' client certificates.
        #[arg(long, env = "SCHALTER_PHOTO_CLOUD_STUDIO_CA")]
        studio_ca: PathBuf,
        /// CRL of the authority CA (`schalter-admin revoke --crl-out`): revoked desks fail the handshake; read again
        /// within 10 s when the file changes.
        #[arg(long, env = "SCHALTER_PHOTO_CLOUD_CLIENT_CRL")]
        client_crl: Option<PathBuf>,
        /// PKCS#8 PEM of the ECDSA P-256 seal key.
        #[arg(long, env = "SCHALTER_PHOTO_CLOUD_SEAL_KEY")]
        seal_key: PathBuf,
        #[arg(long, env = "SCHALTER_PHOTO_CLOUD_SEAL_CERT")]
        seal_cert: PathBuf,
        /// Seconds between purges of expired photos.
        #[arg(long, default_value_t = 600)]
        purge_every: u64,
    },
    /// Remove the bytes of every expired photo now, then exit.
    Purge,
    /// Studio: encrypt a photo, upload the ciphertext and write the code and the slip.
    Studio {
        /// Base URL of the cloud; it goes into the code.
        #[arg(long)]
        cloud_url: String,
        /// CA of the cloud's TLS certificate.
        #[arg(long)]
        cloud_ca: PathBuf,
        #[arg(long)]
        studio_cert: PathBuf,
        #[arg(long)]
        studio_key: PathBuf,
        /// The JPEG to upload.
        #[arg(long)]
        photo: PathBuf,
        #[arg(long, value_enum, default_value_t = AlgorithmArg::Gcm)]
        algorithm: AlgorithmArg,
        /// Studio name printed on the slip.
        #[arg(long, default_value = "Fotostudio (Name und Anschrift)")]
        studio_name: String,
        /// Directory for code.txt, code-datamatrix.png, code-qr.png and slip.html.
        #[arg(long)]
        out: PathBuf,
    },
    /// Development only: write a fresh PKI (cloud CA, server and seal certificates, authority
    /// CA with one desk certificate, studio CA with one studio certificate) into a directory.
    DevPki {
        #[arg(long)]
        out: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    schalter_server_kit::telemetry::init(cli.log_format);
    match cli.command {
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            authority_ca,
            studio_ca,
            client_crl,
            seal_key,
            seal_cert,
            purge_every,
        } => {
            let mut tls = TlsSettings::load(&tls_cert, &tls_key, &authority_ca, &studio_ca)?;
            if let Some(crl) = &client_crl {
                tls = tls.with_authority_crl(crl)?;
            }
            let seal = SealKey::from_pem(&read(&seal_key)?, &read(&seal_cert)?)?;
            let db = open(&cli.database_url).await?;
            serve(AppState::new(db, seal).await?, listen, &tls, Duration::from_secs(purge_every.max(1))).await
        }
        Command::Purge => {
            let db = open(&cli.database_url).await?;
            let purged = service::purge(&db, &Clock::System).await?;
            println!("{}", serde_json::json!({ "purged": purged }));
            Ok(())
        }
        Command::Studio { cloud_url, cloud_ca, studio_cert, studio_key, photo, algorithm, studio_name, out } => {
            let identity = schalter_pki::Identity::load(&studio_cert, &studio_key)?;
            let client = StudioClient::new(&cloud_url, &schalter_pki::load_ca(&cloud_ca)?, &identity)?;
            let jpeg = std::fs::read(&photo).with_context(|| format!("reading {}", photo.display()))?;
            let algorithm = match algorithm {
                AlgorithmArg::Gcm => Algorithm::Aes256Gcm,
                AlgorithmArg::Cbc => Algorithm::Aes256Cbc,
            };
            let upload = studio::upload_photo(&client, &jpeg, algorithm).await?;
            let today = time::OffsetDateTime::now_utc().date();
            let report = studio::write_outputs(&upload, &out, &SlipDetails { studio_name, taken_on: today })?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
        Command::DevPki { out } => {
            let paths = schalter_photo_cloud::dev_pki::DevCloudPki::generate()?.write(&out)?;
            println!("{}", serde_json::to_string(&paths)?);
            Ok(())
        }
    }
}

fn read(path: &std::path::Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

async fn open(url: &str) -> anyhow::Result<Db> {
    let db = Db::connect(url).await.context("opening the database")?;
    db.migrate().await.context("migrating the database")?;
    Ok(db)
}

async fn serve(state: AppState, listen: SocketAddr, tls: &TlsSettings, purge_every: Duration) -> anyhow::Result<()> {
    let purge = service::spawn_purge(state.db.clone(), state.clock.clone(), purge_every);
    let running = server::start(state, listen, tls).await?;
    // Machine-readable: tests and `cargo xtask demo` read the port from this line.
    println!("schalter-photo-cloud listening on {}", running.url());
    let _ = std::io::stdout().flush();
    tracing::info!(address = %running.address(), "listening");
    tokio::spawn(schalter_server_kit::shutdown::on_signal(running.handle()));
    running.wait().await?;
    purge.abort();
    tracing::info!("stopped");
    Ok(())
}
