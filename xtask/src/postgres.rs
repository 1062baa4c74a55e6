//! A PostgreSQL server for the tests and benchmarks: the one named by `SCHALTER_TEST_POSTGRES_URL`
//! if it answers, otherwise a private cluster from Debian's packages under `target/postgres`,
//! listening on loopback only, with a random password, stopped again when the guard is dropped.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context};

use crate::{project_root, run_command, setup};

/// The admin URL the central API's tests create their databases with.
pub const URL_VARIABLE: &str = "SCHALTER_TEST_POSTGRES_URL";
/// With it set, the PostgreSQL variants of the tests fail instead of skipping when no URL is given.
pub const REQUIRE_VARIABLE: &str = "SCHALTER_TEST_REQUIRE_POSTGRES";

/// A running PostgreSQL; stops the private cluster (if we started one) on drop.
pub struct Postgres {
    pub url: String,
    started: Option<Cluster>,
}

struct Cluster {
    pg_ctl: PathBuf,
    data: PathBuf,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(cluster) = &self.started {
            let mut stop = as_postgres_user(&cluster.pg_ctl);
            stop.arg("-D").arg(&cluster.data).args(["-m", "fast", "-w", "stop"]).stdout(Stdio::null());
            if let Err(error) = run_command(&mut stop) {
                eprintln!("xtask: PostgreSQL ließ sich nicht anhalten: {error:#}");
            }
        }
    }
}

pub fn ensure_running() -> anyhow::Result<Postgres> {
    if let Ok(url) = std::env::var(URL_VARIABLE) {
        if url_answers(&url) {
            println!("xtask: PostgreSQL aus {URL_VARIABLE}");
            return Ok(Postgres { url, started: None });
        }
        println!("xtask: {URL_VARIABLE} antwortet nicht; starte eine eigene PostgreSQL-Instanz");
    }
    setup::install_missing(&["postgresql"])?;
    let bin = server_bin_dir()?;
    let root = cluster_dir()?;
    let data = root.join("data");
    let password_file = root.join("password");

    let pg_ctl = bin.join("pg_ctl");
    if data.join("postmaster.pid").exists() {
        // Left running by an interrupted run: stop it so that it starts with this run's port.
        let mut stop = as_postgres_user(&pg_ctl);
        stop.arg("-D").arg(&data).args(["-m", "immediate", "-w", "stop"]).stdout(Stdio::null()).stderr(Stdio::null());
        let _ = stop.status();
    }
    if !data.join("PG_VERSION").exists() {
        let password = random_password();
        write_private(&password_file, &password)?;
        give_to_postgres_user(&password_file)?;
        let mut initdb = as_postgres_user(&bin.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-E", "UTF8", "--no-locale", "--auth=scram-sha-256"])
            .arg(format!("--pwfile={}", password_file.display()))
            .stdout(Stdio::null());
        run_command(&mut initdb).context("initdb")?;
    }
    let password =
        std::fs::read_to_string(&password_file).with_context(|| format!("{} fehlt", password_file.display()))?;
    let port = free_port()?;
    // Tests throw their databases away: durability is not what they measure, speed matters.
    let options = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
         -c max_connections=200",
        root.display()
    );
    let mut start = as_postgres_user(&pg_ctl);
    start.arg("-D").arg(&data).args(["-w", "-t", "60", "-o", &options]).arg("-l").arg(root.join("server.log"));
    start.arg("start").stdout(Stdio::null());
    run_command(&mut start)
        .with_context(|| format!("PostgreSQL starten (Protokoll: {})", root.join("server.log").display()))?;
    let url = format!("postgres://postgres:{}@127.0.0.1:{port}/postgres", password.trim());
    println!("xtask: eigene PostgreSQL-Instanz auf 127.0.0.1:{port} (Daten in {})", root.display());
    Ok(Postgres { url, started: Some(Cluster { pg_ctl, data }) })
}

/// `target/postgres`, owned by the server's user. As root, the server runs as `postgres`, which must be able to
/// reach it: if a parent directory is closed to other users (a checkout in a private home), the cluster goes to
/// `/var/tmp/schalter-postgres-<hash of the checkout path>` instead.
fn cluster_dir() -> anyhow::Result<PathBuf> {
    let preferred = project_root().join("target/postgres");
    std::fs::create_dir_all(&preferred)?;
    give_to_postgres_user(&preferred)?;
    if !setup::is_root() || postgres_user_can_write(&preferred) {
        return Ok(preferred);
    }
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    project_root().hash(&mut hasher);
    let fallback = PathBuf::from(format!("/var/tmp/schalter-postgres-{:016x}", hasher.finish()));
    println!(
        "xtask: {} ist für den Benutzer postgres nicht erreichbar; Daten in {}",
        preferred.display(),
        fallback.display()
    );
    std::fs::create_dir_all(&fallback)?;
    give_to_postgres_user(&fallback)?;
    Ok(fallback)
}

fn postgres_user_can_write(dir: &Path) -> bool {
    Command::new("runuser")
        .current_dir("/")
        .args(["-u", "postgres", "--", "test", "-w"])
        .arg(dir)
        .status()
        .is_ok_and(|status| status.success())
}

/// Debian installs the server under /usr/lib/postgresql/<major>/bin; the newest one wins.
fn server_bin_dir() -> anyhow::Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .context("/usr/lib/postgresql fehlt nach der Installation von postgresql")?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let major = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("pg_ctl").is_file().then_some((major, bin))
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => Ok(bin),
        None => bail!("kein PostgreSQL-Server unter /usr/lib/postgresql/*/bin"),
    }
}

/// The server refuses to run as root; as root we run it as Debian's `postgres` user.
fn as_postgres_user(program: &Path) -> Command {
    if setup::is_root() {
        let mut command = Command::new("runuser");
        // The checkout may be closed to `postgres`; it needs no working directory of ours.
        command.current_dir("/").args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn give_to_postgres_user(path: &Path) -> anyhow::Result<()> {
    if setup::is_root() {
        run_command(Command::new("chown").arg("postgres:postgres").arg(path))?;
    }
    Ok(())
}

fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    file.write_all(content.as_bytes())?;
    Ok(())
}

fn random_password() -> String {
    use rand::Rng as _;
    let mut rng = rand::thread_rng();
    (0..32).map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.gen_range(0..36)])).collect()
}

fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// Enough to tell a given URL from a dead one: its host and port accept a TCP connection.
fn url_answers(url: &str) -> bool {
    let Some(rest) = url.split_once("://").map(|(_, rest)| rest) else { return false };
    let host_port = rest.rsplit_once('@').map_or(rest, |(_, after)| after);
    let host_port = host_port.split(['/', '?']).next().unwrap_or_default();
    let (host, port) = host_port.rsplit_once(':').unwrap_or((host_port, "5432"));
    let host = if host == "localhost" { "127.0.0.1" } else { host };
    let Ok(address) = format!("{host}:{port}").parse::<SocketAddr>() else { return false };
    TcpStream::connect_timeout(&address, Duration::from_secs(2)).is_ok()
}

/// `cargo xtask postgres`: for running the PostgreSQL variants of the tests by hand.
pub fn serve_until_interrupted() -> anyhow::Result<()> {
    let postgres = ensure_running()?;
    println!("{URL_VARIABLE}={}", postgres.url);
    let (stop, stopped) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop.send(());
    })
    .context("Ctrl-C handler")?;
    let _ = stopped.recv();
    Ok(())
}
