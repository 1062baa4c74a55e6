//! The `schalter-admin` binary finds the central's database only where it is named (flag, environment or the
//! central's configuration file) and never makes an empty one; bad input is `invalid_input`. The provisioning
//! itself, with a central and desks over mTLS, is tested in `tests/tests/provisioning.rs`.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn admin(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_schalter-admin"))
        .current_dir(dir)
        .env_remove("SCHALTER_DATABASE_URL")
        .env_remove("SCHALTER_CENTRAL_CONFIG")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn create_clerk<'a>(database_url: &'a str, role: &'a str) -> Vec<&'a str> {
    let mut args = vec!["--database-url", database_url, "clerk", "create", "--username", "e.mustermann"];
    args.extend(["--display-name", "Erika Mustermann", "--role", role, "--office", "05111000_01"]);
    args
}

#[tokio::test]
async fn the_database_must_be_named_and_exist_and_bad_input_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();

    let unnamed = admin(dir.path(), &["desks", "list"], "");
    assert!(!unnamed.status.success());
    assert!(stderr(&unnamed).contains("Keine Datenbank angegeben"), "{}", stderr(&unnamed));
    let missing_url = format!("sqlite://{}", dir.path().join("central.db").display());
    let missing = admin(dir.path(), &["--database-url", &missing_url, "desks", "list"], "");
    assert!(stderr(&missing).contains("gibt es nicht"), "{}", stderr(&missing));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no database was made anywhere");

    // The central's database, as `schalter-central migrate` and `seed-offices` leave it.
    let db = schalter_central::Db::connect(&format!("{missing_url}?mode=rwc")).await.unwrap();
    db.migrate().await.unwrap();
    schalter_central::seed::seed_duesseldorf_offices(&db).await.unwrap();
    drop(db);

    let bad_role = admin(dir.path(), &create_clerk(&missing_url, "chef"), "Sommer-2026-sicher!\n");
    assert!(!bad_role.status.success());
    assert!(stderr(&bad_role).starts_with("Fehler (invalid_input):"), "{}", stderr(&bad_role));
    let created = admin(dir.path(), &create_clerk(&missing_url, "clerk"), "Sommer-2026-sicher!\n");
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(!stderr(&created).contains("Sommer-2026"), "the password is never echoed");

    // The same database through the central's configuration file, its relative path taken from the file's directory.
    std::fs::write(dir.path().join("central.toml"), "database_url = \"sqlite://central.db\"\n").unwrap();
    let config = dir.path().join("central.toml").display().to_string();
    let listed = admin(Path::new("/"), &["--config", &config, "desks", "list", "--json"], "");
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&listed.stdout).unwrap(), serde_json::json!([]));
}
