//! `schalter-admin`: City IT's command line (see docs/provisioning.md).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use schalter_admin::{
    AdminError, BoxRequest, CentralUrl, CityCa, DeskName, DeskRequest, Fingerprint, Provisioned, RevokeTarget,
};
use schalter_central::Db;
use schalter_domain::{DisplayName, DomainError, OfficeId, OrganisationKey, Password, Role, Username};

#[derive(Parser)]
#[command(name = "schalter-admin", about = "Konten, Arbeitsplatz- und Terminal-Zertifikate, Sperrungen")]
struct Cli {
    /// The central's configuration file: its `database_url` is the database this tool works on.
    #[arg(long, env = "SCHALTER_CENTRAL_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// The central's database (wins over the configuration file). No default: a tool that made an empty
    /// database in the working directory would provision desks no central knows.
    #[arg(long, env = "SCHALTER_DATABASE_URL", global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct CaFiles {
    /// The city CA's certificate (PEM): what desks, the central and the cloud trust.
    #[arg(long, env = "SCHALTER_ADMIN_CA_CERT")]
    ca_cert: PathBuf,
    /// The city CA's private key (PKCS#8 PEM, mode 0600).
    #[arg(long, env = "SCHALTER_ADMIN_CA_KEY")]
    ca_key: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    #[command(subcommand)]
    Clerk(ClerkCommand),
    #[command(subcommand)]
    Desk(DeskCommand),
    #[command(subcommand, name = "box")]
    Box(BoxCommand),
    /// Revoke a desk's or terminal's certificate and write the CRL of all revoked ones.
    Revoke {
        #[command(flatten)]
        ca: CaFiles,
        #[arg(long, conflicts_with_all = ["serial", "name"], required_unless_present_any = ["serial", "name"])]
        fingerprint: Option<String>,
        #[arg(long, conflicts_with = "name")]
        serial: Option<String>,
        /// The desk's name or the box id (one valid certificate under that name).
        #[arg(long)]
        name: Option<String>,
        /// Where the CRL goes (read by `schalter-central serve --client-crl` and the cloud's `--client-crl`).
        #[arg(long, env = "SCHALTER_ADMIN_CRL_OUT")]
        crl_out: PathBuf,
    },
    /// Write the CRL again (e.g. before its next update is due).
    Crl {
        #[command(flatten)]
        ca: CaFiles,
        #[arg(long, env = "SCHALTER_ADMIN_CRL_OUT")]
        crl_out: PathBuf,
    },
    #[command(subcommand)]
    Desks(DesksCommand),
}

#[derive(Subcommand)]
enum ClerkCommand {
    /// Create a clerk account (or replace one of that name); the password comes from standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// clerk or supervisor
        #[arg(long)]
        role: String,
        #[arg(long)]
        office: String,
    },
    /// Disable a clerk account: no more logins, every open session ends at once.
    Disable {
        #[arg(long)]
        username: String,
    },
}

#[derive(Args)]
struct BundleArgs {
    #[command(flatten)]
    ca: CaFiles,
    /// Directory for the configuration bundle.
    #[arg(long)]
    out: PathBuf,
    /// Sign this CSR (PEM) instead of making a key: the key stays where the CSR was made.
    #[arg(long)]
    csr: Option<PathBuf>,
    /// With --csr: the key the configuration names, where the CSR was made: a file beside it (default desk.key,
    /// terminal.key) or a smart card's `pkcs11:token=…;object=…` (then add [pkcs11] module and pin_file).
    #[arg(long, requires = "csr")]
    key: Option<String>,
    /// The central API's URL written into the bundle.
    #[arg(long, env = "SCHALTER_ADMIN_CENTRAL_URL")]
    central_url: String,
    /// Days the certificate is valid.
    #[arg(long, default_value_t = 825)]
    valid_days: i64,
}

#[derive(Subcommand)]
enum DeskCommand {
    /// Issue a desk's certificate and write its bundle (desk.toml, ca.pem, desk.pem, desk.key).
    Provision {
        /// The desk's name, e.g. "Platz 3" (the certificate's CN).
        #[arg(long)]
        name: String,
        #[arg(long)]
        office: String,
        /// The office's organisation key for the photo cloud, e.g. psb:05111000_00.
        #[arg(long)]
        organisation_key: Option<String>,
        #[command(flatten)]
        bundle: BundleArgs,
    },
}

#[derive(Subcommand)]
enum BoxCommand {
    /// Issue a box terminal's certificate, register it for the box, write box.toml and its files.
    Provision {
        #[arg(long = "box")]
        box_id: String,
        #[command(flatten)]
        bundle: BundleArgs,
    },
}

#[derive(Subcommand)]
enum DesksCommand {
    /// Every provisioned desk and box terminal with its last synchronisation.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // `{code, message}` on stderr: the code for scripts, the German text for people.
            let code = match (error.downcast_ref::<AdminError>(), error.downcast_ref::<DomainError>()) {
                (Some(error), _) => error.code(),
                (None, Some(_)) => "invalid_input",
                (None, None) => "failed",
            };
            eprintln!("Fehler ({code}): {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The database the central works on: `--database-url`/`SCHALTER_DATABASE_URL`, else the configuration file's.
/// A SQLite file must exist already: this tool never starts a second, empty central database.
fn database_url(cli: &Cli) -> anyhow::Result<String> {
    let url = match (&cli.database_url, &cli.config) {
        (Some(url), _) => url.clone(),
        (None, Some(path)) => schalter_central::config::FileConfig::load(path)?
            .database_url
            .with_context(|| format!("{} nennt keine database_url; bitte --database-url angeben", path.display()))?,
        (None, None) => anyhow::bail!(
            "Keine Datenbank angegeben: --config /etc/schalter/central.toml, --database-url oder SCHALTER_DATABASE_URL"
        ),
    };
    if let Some(file) = url.strip_prefix("sqlite://").map(|rest| rest.split('?').next().unwrap_or(rest)) {
        if !file.starts_with(":memory:") && !Path::new(file).exists() {
            anyhow::bail!(
                "Die Datenbank {file} gibt es nicht: zuerst die Zentrale einrichten (schalter-central migrate)"
            );
        }
    }
    Ok(url)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let db = Db::connect(&database_url(&cli)?).await.context("Datenbank der Zentrale öffnen")?;
    db.migrate().await.context("Datenbank der Zentrale migrieren")?;
    match cli.command {
        Command::Clerk(ClerkCommand::Create { username, display_name, role, office }) => {
            let (username, display_name) = (Username::parse(&username)?, DisplayName::parse(&display_name)?);
            let (role, office) = (Role::parse(&role)?, OfficeId::parse(&office)?);
            let mut line = String::new();
            std::io::stdin().read_to_string(&mut line).context("Passwort von der Standardeingabe lesen")?;
            let password = Password::parse_new(line.trim_end_matches(['\r', '\n']))?;
            let id = schalter_admin::create_clerk(&db, username, display_name, role, office, password).await?;
            println!("Konto {id} gespeichert.");
        }
        Command::Clerk(ClerkCommand::Disable { username }) => {
            let id = schalter_admin::disable_clerk(&db, &Username::parse(&username)?).await?;
            println!("Konto {id} deaktiviert, offene Sitzungen beendet.");
        }
        Command::Desk(DeskCommand::Provision { name, office, organisation_key, bundle }) => {
            let ca = CityCa::load(&bundle.ca.ca_cert, &bundle.ca.ca_key)?;
            let request = DeskRequest {
                name: DeskName::parse(&name)?,
                office: OfficeId::parse(&office)?,
                out: &bundle.out,
                csr_pem: read_csr(bundle.csr.as_deref())?,
                key_reference: bundle.key.clone(),
                central_url: CentralUrl::parse(&bundle.central_url)?,
                organisation_key: organisation_key.as_deref().map(OrganisationKey::parse).transpose()?,
                validity_days: bundle.valid_days,
            };
            report("Arbeitsplatz", &schalter_admin::provision_desk(&db, &ca, request).await?);
        }
        Command::Box(BoxCommand::Provision { box_id, bundle }) => {
            let ca = CityCa::load(&bundle.ca.ca_cert, &bundle.ca.ca_key)?;
            let request = BoxRequest {
                box_id,
                out: &bundle.out,
                csr_pem: read_csr(bundle.csr.as_deref())?,
                key_reference: bundle.key.clone(),
                central_url: CentralUrl::parse(&bundle.central_url)?,
                validity_days: bundle.valid_days,
            };
            report("Terminal der Ausgabebox", &schalter_admin::provision_box(&db, &ca, request).await?);
        }
        Command::Revoke { ca, fingerprint, serial, name, crl_out } => {
            let ca = CityCa::load(&ca.ca_cert, &ca.ca_key)?;
            let target = match (fingerprint, serial, name) {
                (Some(fingerprint), _, _) => RevokeTarget::Fingerprint(Fingerprint::parse(&fingerprint)?),
                (_, Some(serial), _) => RevokeTarget::Serial(schalter_pki::CertificateSerial::parse(&serial)?),
                (_, _, Some(name)) => RevokeTarget::Name(name),
                _ => unreachable!("clap requires one of them"),
            };
            let revoked = schalter_admin::revoke(&db, &ca, target, &crl_out).await?;
            println!(
                "Zertifikat {} (sha256:{}, Seriennummer {}) gesperrt; offene Sitzungen beendet.",
                revoked.name, revoked.fingerprint, revoked.serial
            );
            println!("Sperrliste {} geschrieben: an die Zentrale und die Foto-Cloud verteilen.", crl_out.display());
        }
        Command::Crl { ca, crl_out } => {
            let ca = CityCa::load(&ca.ca_cert, &ca.ca_key)?;
            let number = schalter_admin::write_crl(&db, &ca, &crl_out).await?;
            println!("Sperrliste Nummer {number} nach {} geschrieben.", crl_out.display());
        }
        Command::Desks(DesksCommand::List { json }) => {
            let rows = schalter_admin::list_devices(&db).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                print!("{}", schalter_admin::device_table(&rows));
            }
        }
    }
    Ok(())
}

fn read_csr(path: Option<&Path>) -> anyhow::Result<Option<String>> {
    path.map(|path| std::fs::read_to_string(path).with_context(|| format!("CSR {} lesen", path.display()))).transpose()
}

fn report(what: &str, provisioned: &Provisioned) {
    println!(
        "{what} {} eingerichtet: Zertifikat sha256:{}, Seriennummer {}.",
        provisioned.name, provisioned.fingerprint, provisioned.serial
    );
    println!("Konfiguration: {}", provisioned.config.display());
    match &provisioned.key {
        Some(key) => println!("Privater Schlüssel: {} (nur für den Eigentümer lesbar).", key.display()),
        None => println!("Kein privater Schlüssel geschrieben: er bleibt, wo die CSR erzeugt wurde."),
    }
    if let Some(old) = &provisioned.replaces {
        println!(
            "Erneuert: ersetzt sha256:{old}. Bei der ersten Anmeldung mit dem neuen Zertifikat übernimmt der Platz              seine Daten; danach das alte sperren: schalter-admin revoke --fingerprint sha256:{old}"
        );
    }
}
