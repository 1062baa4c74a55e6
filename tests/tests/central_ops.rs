//! Operating the central API as city IT does (issue 12), with the real binary: backup while it serves and
//! restore, on SQLite (`schalter-central backup`) and PostgreSQL (`pg_dump`/`pg_restore`, as docs/operations.md
//! says); JSON logs that name no person; and a SIGTERM that lets the request in flight finish.

use std::io::{BufRead, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::Duration;

use schalter_desk_core::{Desk, DeskConfig};
use schalter_pki::Identity;
use schalter_system_tests::{CentralDatabase, CentralOptions, Environment, CLERK_NAME, CLERK_PASSWORD, CLERK_USERNAME};

const SECOND_CLERK: &str = "l.schmidt";

fn add_clerk(env: &Environment, username: &str) {
    let mut upsert = env
        .central_command(&["clerk", "upsert", "--username", username, "--display-name", "Leon Schmidt"])
        .args(["--role", "clerk", "--office", "05111000_01"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    upsert.stdin.take().unwrap().write_all(CLERK_PASSWORD.as_bytes()).unwrap();
    assert!(upsert.wait().unwrap().success());
}

/// Whether `username` can log in at the central of `config` (the desk core over mTLS).
async fn logs_in(config: &std::path::Path, username: &str) -> bool {
    let desk = Desk::new(&DeskConfig::load(config).unwrap()).unwrap();
    match desk.login(username, CLERK_PASSWORD).await {
        Ok(_) => {
            desk.logout().await.unwrap();
            true
        }
        Err(error) if error.code() == "invalid_credentials" => false,
        Err(other) => panic!("{username}: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_backup_while_serving_restores_the_state_of_its_moment() {
    let env = Environment::new().unwrap();
    let mut central = env.start_central_with(CentralOptions::default()).unwrap();
    let desk = env.desk_config(central.url()).unwrap();
    assert!(logs_in(&desk, CLERK_USERNAME).await);

    let backup = env.dir.path().join("central-backup.db");
    let taken = env.central_command(&["backup", "--to", backup.to_str().unwrap()]).output().unwrap();
    assert!(taken.status.success(), "{}", String::from_utf8_lossy(&taken.stderr));
    let again = env.central_command(&["backup", "--to", backup.to_str().unwrap()]).output().unwrap();
    assert!(!again.status.success(), "an existing backup is never overwritten");
    assert!(String::from_utf8_lossy(&again.stderr).contains("gibt es schon"));

    // After the backup: a second clerk, which the restore must take away again.
    add_clerk(&env, SECOND_CLERK);
    assert!(logs_in(&desk, SECOND_CLERK).await);

    central.stop().unwrap();
    let live = env.dir.path().join("central.db");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", live.display()));
    }
    std::fs::copy(&backup, &live).unwrap();
    central.restart().unwrap();
    assert!(logs_in(&desk, CLERK_USERNAME).await, "the backup's clerk logs in");
    assert!(!logs_in(&desk, SECOND_CLERK).await, "the clerk made after the backup is gone");
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_dump_and_restore_as_the_operations_guide_says() {
    let Some(database) = CentralDatabase::postgres_from_env() else {
        eprintln!("SCHALTER_TEST_POSTGRES_URL not set: the PostgreSQL backup is not tested here");
        return;
    };
    let CentralDatabase::Postgres { admin_url } = database.clone() else { unreachable!() };
    let env = Environment::with_database(database).unwrap();
    let mut central = env.start_central_with(CentralOptions::default()).unwrap();
    let desk = env.desk_config(central.url()).unwrap();
    assert!(logs_in(&desk, CLERK_USERNAME).await);
    // `backup` is for SQLite and says what to use instead.
    let refused = env.central_command(&["backup", "--to", "/nonexistent/x.db"]).output().unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("pg_dump"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let url = env.central_database_url();
    let dump = env.dir.path().join("central.dump");
    let dumped = Command::new("pg_dump").args(["-Fc", "-f", dump.to_str().unwrap(), &url]).status().unwrap();
    assert!(dumped.success(), "pg_dump (postgresql-client)");
    add_clerk(&env, SECOND_CLERK);
    assert!(logs_in(&desk, SECOND_CLERK).await);

    central.stop().unwrap();
    let name = url.rsplit('/').next().unwrap();
    for sql in [format!("DROP DATABASE {name} WITH (FORCE)"), format!("CREATE DATABASE {name}")] {
        let status =
            Command::new("psql").args([admin_url.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-c", &sql]).status();
        assert!(status.unwrap().success(), "{sql}");
    }
    let restored =
        Command::new("pg_restore").args(["--no-owner", "-d", &url, dump.to_str().unwrap()]).status().unwrap();
    assert!(restored.success(), "pg_restore");
    central.restart().unwrap();
    assert!(logs_in(&desk, CLERK_USERNAME).await, "the dump's clerk logs in");
    assert!(!logs_in(&desk, SECOND_CLERK).await, "the clerk made after the dump is gone");
}

/// A login whose body arrives in two parts: the second only when `release` fires. `pulled` fires when the
/// client has sent the headers and the first part, so the server has the request in hand.
fn split_login(pulled: tokio::sync::oneshot::Sender<()>, release: tokio::sync::oneshot::Receiver<()>) -> reqwest::Body {
    let first = format!("{{\"username\":\"{CLERK_USERNAME}\",");
    let rest = format!("\"password\":\"{CLERK_PASSWORD}\"}}");
    let parts = futures_util::stream::unfold((Some((first, pulled)), Some((rest, release))), |(first, second)| async {
        if let Some((chunk, pulled)) = first {
            let _ = pulled.send(());
            return Some((Ok::<_, std::io::Error>(chunk), (None, second)));
        }
        let (chunk, release) = second?;
        let _ = release.await;
        Some((Ok(chunk), (None, None)))
    });
    reqwest::Body::wrap_stream(parts)
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_name_no_person_and_sigterm_lets_the_request_in_flight_finish() {
    let env = Environment::new().unwrap();
    let log = env.dir.path().join("central.log");
    let pki = &env.pki;
    let mut child = env
        .central_command(&["--log-format", "json", "serve", "--listen", "127.0.0.1:0"])
        .arg("--tls-cert")
        .arg(pki.central_cert())
        .arg("--tls-key")
        .arg(pki.central_key())
        .arg("--client-ca")
        .arg(pki.ca_cert())
        .env("SCHALTER_LOG", "debug,sqlx=warn,hyper=info,h2=info,rustls=info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("the central announces its URL").unwrap();
        if let Some(url) = line.split("listening on ").nth(1) {
            break url.trim().to_owned();
        }
    };
    let ca = std::fs::read_to_string(pki.ca_cert()).unwrap();
    let identity = Identity::load(&pki.desk_cert(), &pki.desk_key()).unwrap();
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(schalter_pki::client_config(&ca, Some(&identity)).unwrap())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let login = format!("{url}{}", schalter_wire::paths::LOGIN);
    let wrong = serde_json::json!({ "username": CLERK_USERNAME, "password": "falsch-falsch-falsch" });
    let refused = client.post(&login).json(&wrong).send().await.unwrap();
    assert_eq!(refused.status(), reqwest::StatusCode::UNAUTHORIZED);
    let right = serde_json::json!({ "username": CLERK_USERNAME, "password": CLERK_PASSWORD });
    let session: serde_json::Value = client.post(&login).json(&right).send().await.unwrap().json().await.unwrap();
    assert_eq!(session["clerk"]["display_name"], CLERK_NAME, "{session}");

    // A login in flight: headers and half the body sent, then SIGTERM, then the rest.
    let (pulled, first_sent) = tokio::sync::oneshot::channel();
    let (release, released) = tokio::sync::oneshot::channel();
    let in_flight = tokio::spawn(
        client.post(&login).header("content-type", "application/json").body(split_login(pulled, released)).send(),
    );
    first_sent.await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(child.try_wait().unwrap().is_none(), "the central waits for the request in flight");
    release.send(()).unwrap();
    let finished = in_flight.await.unwrap().expect("the request in flight is answered");
    assert_eq!(finished.status(), reqwest::StatusCode::OK, "and answered in full");
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "then the central ends cleanly: {status}");

    let text = std::fs::read_to_string(&log).unwrap();
    let events: Vec<serde_json::Value> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not a JSON log line: {line}")))
        .collect();
    assert!(events.len() >= 3, "the central logged its start, the logins and its stop: {text}");
    assert!(events.iter().any(|event| event.to_string().contains("stopped")), "{text}");
    for secret in [CLERK_PASSWORD, "falsch-falsch-falsch", CLERK_NAME, "Mustermann"] {
        assert!(!text.contains(secret), "the log holds {secret:?}: {text}");
    }
}
