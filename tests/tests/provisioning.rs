//! Provisioning and revocation (issue 12) with the real binaries: `schalter-admin` issues desk and box
//! terminal certificates from a city CA kept in files, the desk logs in over real mTLS with the bundle
//! it wrote, and a revoked desk is refused by the central: at once in the database, and in the
//! handshake once the central reads the CRL.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use schalter_pki::{CertificateAuthority, Identity, Validity};
use schalter_system_tests::{binary, CentralOptions, Environment, CLERK_PASSWORD, CLERK_USERNAME};
use serde_json::{json, Value};

/// A city CA in its two files, which also issues the central's server certificate, so the bundles'
/// `ca.pem` is all a desk needs.
struct City {
    cert: PathBuf,
    key: PathBuf,
}

fn city(env: &Environment) -> City {
    let ca = CertificateAuthority::new("Landeshauptstadt Düsseldorf Test-CA").unwrap();
    let dir = env.dir.path().join("city-ca");
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("ca.pem"), dir.join("ca.key"));
    std::fs::write(&cert, ca.cert_pem()).unwrap();
    schalter_pki::write_private_file(&key, ca.key_pem().as_bytes()).unwrap();
    // The central serves with a certificate of the city CA and trusts its desks.
    let server = ca.issue_server(&["localhost", "127.0.0.1"], Validity::days(30)).unwrap();
    server.write(&env.pki.central_cert(), &env.pki.central_key()).unwrap();
    std::fs::write(env.pki.ca_cert(), ca.cert_pem()).unwrap();
    City { cert, key }
}

fn admin(env: &Environment, city: &City, args: &[&str]) -> Output {
    let mut command = Command::new(binary("schalter-admin"));
    command.env("SCHALTER_DATABASE_URL", env.central_database_url()).args(args);
    if matches!(args.first(), Some(&"desk") | Some(&"box") | Some(&"revoke") | Some(&"crl")) {
        command.arg("--ca-cert").arg(&city.cert).arg("--ca-key").arg(&city.key);
    }
    command.stdin(Stdio::null()).output().unwrap()
}

fn succeeded(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "stdout: {stdout}\nstderr: {}", String::from_utf8_lossy(&output.stderr));
    stdout
}

fn failed_with(output: &Output, code: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "expected {code}, but it succeeded: {}", String::from_utf8_lossy(&output.stdout));
    assert!(stderr.contains(&format!("({code})")), "expected {code}: {stderr}");
}

fn provision_desk(env: &Environment, city: &City, name: &str, central_url: &str, extra: &[&str]) -> PathBuf {
    let out = env.dir.path().join(name.replace(' ', "-"));
    let out_text = out.display().to_string();
    let mut args = vec!["desk", "provision", "--name", name, "--office", "05111000_01", "--out", &out_text];
    args.extend(["--central-url", central_url, "--organisation-key", "psb:05111000_00"]);
    args.extend(extra);
    succeeded(&admin(env, city, &args));
    out
}

/// An HTTPS client as the desk builds it from its configuration file.
/// A client with the certificate and key the bundle's `desk.toml` names.
fn desk_client(config: &Path) -> reqwest::Client {
    let config = schalter_desk_core::DeskConfig::load(config).unwrap();
    let ca = schalter_pki::load_ca(&config.central_ca).unwrap();
    let identity = Identity::load(&config.desk_cert, &config.desk_key).unwrap();
    let tls = schalter_pki::client_config(&ca, Some(&identity)).unwrap();
    reqwest::Client::builder().use_preconfigured_tls(tls).build().unwrap()
}

async fn login(client: &reqwest::Client, central_url: &str) -> Result<(reqwest::StatusCode, Value), reqwest::Error> {
    let response = client
        .post(format!("{central_url}{}", schalter_wire::paths::LOGIN))
        .json(&json!({ "username": CLERK_USERNAME, "password": CLERK_PASSWORD }))
        .send()
        .await?;
    let status = response.status();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

fn devices(env: &Environment, city: &City) -> Vec<Value> {
    serde_json::from_str::<Value>(&succeeded(&admin(env, city, &["desks", "list", "--json"])))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_provisioned_desk_logs_in_over_mtls_and_is_refused_once_revoked() {
    let env = Environment::new().unwrap();
    let city = city(&env);
    let mut central = env.start_central_with(CentralOptions::default()).unwrap();
    let url = central.url().to_owned();

    // Platz 3: key made by the admin tool. The bundle loads as the desk loads it, the key is private.
    let platz3 = provision_desk(&env, &city, "Platz 3", &url, &[]);
    let config = schalter_desk_core::DeskConfig::load(&platz3.join("desk.toml")).unwrap();
    assert_eq!(config.central_url, url);
    assert_eq!(config.organisation_key.map(|key| key.to_string()).as_deref(), Some("psb:05111000_00"));
    assert_eq!(config.desk_key, platz3.join("desk.key"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(platz3.join("desk.key")).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let client3 = desk_client(&platz3.join("desk.toml"));
    let (status, answer) = login(&client3, &url).await.unwrap();
    assert_eq!(status, reqwest::StatusCode::OK, "{answer}");
    let token = answer["token"].as_str().unwrap().to_owned();

    // Platz 4: its key made elsewhere (a token's CSR); the bundle has no key, the CSR's key logs in.
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name.push(rcgen::DnType::CommonName, "Platz 4");
    let csr = env.dir.path().join("platz4.csr");
    std::fs::write(&csr, params.serialize_request(&key).unwrap().pem().unwrap()).unwrap();
    let platz4 = provision_desk(&env, &city, "Platz 4", &url, &["--csr", csr.to_str().unwrap()]);
    assert!(!platz4.join("desk.key").exists(), "a signed CSR must not leave a private key behind");
    // The desk that made the CSR has its key beside the bundle it is given.
    schalter_pki::write_private_file(&platz4.join("desk.key"), key.serialize_pem().as_bytes()).unwrap();
    let client4 = desk_client(&platz4.join("desk.toml"));
    assert_eq!(login(&client4, &url).await.unwrap().0, reqwest::StatusCode::OK);

    let listed = devices(&env, &city);
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.iter().all(|row| row["revoked_at"].is_null() && row["kind"] == "desk"), "{listed:?}");

    // Revoking Platz 3 ends its session at once and refuses its logins, on the connection already open.
    let crl = env.dir.path().join("crl.pem");
    succeeded(&admin(&env, &city, &["revoke", "--name", "Platz 3", "--crl-out", crl.to_str().unwrap()]));
    assert!(std::fs::read_to_string(&crl).unwrap().starts_with("-----BEGIN X509 CRL-----"));
    let session =
        client3.get(format!("{url}{}", schalter_wire::paths::SESSION)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(session.status(), reqwest::StatusCode::UNAUTHORIZED, "the revoked desk's session must be gone");
    let (status, answer) = login(&client3, &url).await.unwrap();
    assert_eq!((status, answer["code"].as_str()), (reqwest::StatusCode::FORBIDDEN, Some("certificate_revoked")));
    assert_eq!(login(&client4, &url).await.unwrap().0, reqwest::StatusCode::OK, "Platz 4 is not revoked");
    let listed = devices(&env, &city);
    let revoked: Vec<_> = listed.iter().filter(|row| !row["revoked_at"].is_null()).collect();
    assert_eq!(revoked.len(), 1, "{listed:?}");
    assert_eq!(revoked[0]["name"], "Platz 3");
    // A second revocation of the same name finds no valid certificate left.
    failed_with(
        &admin(&env, &city, &["revoke", "--name", "Platz 3", "--crl-out", crl.to_str().unwrap()]),
        "unknown_certificate",
    );

    // With the CRL the central refuses Platz 3 in the handshake already.
    central.stop().unwrap();
    let options = CentralOptions {
        extra_args: vec!["--client-crl".into(), crl.display().to_string()],
        listen: Some(central.address()),
        ..CentralOptions::default()
    };
    let central = env.start_central_with(options).unwrap();
    let fresh3 = desk_client(&platz3.join("desk.toml"));
    let error = login(&fresh3, central.url()).await.expect_err("a revoked certificate must fail the handshake");
    let chain = schalter_pki::error_chain(&error);
    assert!(chain.contains("CertificateRevoked"), "{chain}");
    let fresh4 = desk_client(&platz4.join("desk.toml"));
    assert_eq!(login(&fresh4, central.url()).await.unwrap().0, reqwest::StatusCode::OK);

    // Platz 4 revoked while this central runs: it reads the rewritten CRL (within its 10 s check) and
    // refuses Platz 4's next handshake, no restart.
    succeeded(&admin(&env, &city, &["revoke", "--name", "Platz 4", "--crl-out", crl.to_str().unwrap()]));
    let started = std::time::Instant::now();
    loop {
        match login(&desk_client(&platz4.join("desk.toml")), central.url()).await {
            Err(error) if schalter_pki::error_chain(&error).contains("CertificateRevoked") => break,
            other => {
                let status = other.map(|(status, _)| status.to_string()).unwrap_or_else(|error| error.to_string());
                assert!(started.elapsed() < Duration::from_secs(20), "the new CRL was not read: {status}");
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn a_box_terminal_is_provisioned_as_its_box_and_the_admin_tool_refuses_what_is_wrong() {
    let env = Environment::new().unwrap();
    let city = city(&env);
    let url = "https://zentrale.buergerbuero.example:8443";
    let out = env.dir.path().join("box");
    let out_text = out.display().to_string();
    let box_args = ["box", "provision", "--box", "dlz-box-1", "--out", &out_text, "--central-url", url];

    failed_with(&admin(&env, &city, &box_args), "unknown_box");
    let status = env
        .central_command(&[
            "add-box",
            "--id",
            "dlz-box-1",
            "--office",
            "05111000_01",
            "--name",
            "DLZ",
            "--compartments",
            "S,M",
        ])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    succeeded(&admin(&env, &city, &box_args));
    // The bundle names no devices: until IT names the box's ports, the terminal refuses to start, and says why.
    let box_toml = out.join("box.toml");
    let unfinished = schalter_box_terminal::config::TerminalConfig::load(&box_toml).unwrap_err();
    assert!(unfinished.to_string().contains("slot_reader"), "{unfinished}");
    let bundle = std::fs::read_to_string(&box_toml).unwrap();
    std::fs::write(&box_toml, bundle + "\n[devices]\nsimulator = true\n").unwrap();
    let config = schalter_box_terminal::config::TerminalConfig::load(&box_toml).unwrap();
    assert_eq!(config.central_url, url);
    assert!(config.terminal_key.is_file() && config.terminal_cert.is_file());
    let listed = devices(&env, &city);
    assert_eq!(
        (listed.len(), listed[0]["kind"].as_str(), listed[0]["box_id"].as_str()),
        (1, Some("box"), Some("dlz-box-1"))
    );

    // An unknown office, a broken CSR, a CSR naming another desk, a CA key others can read.
    let desk = |name: &str, office: &str, extra: &[&str]| {
        let out = env.dir.path().join("desk").display().to_string();
        let mut args =
            vec!["desk", "provision", "--name", name, "--office", office, "--out", &out, "--central-url", url];
        args.extend(extra);
        admin(&env, &city, &args)
    };
    failed_with(&desk("Platz 1", "05111000_99", &[]), "unknown_office");
    let broken = env.dir.path().join("broken.csr");
    std::fs::write(&broken, "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n").unwrap();
    failed_with(&desk("Platz 1", "05111000_01", &["--csr", broken.to_str().unwrap()]), "csr_refused");
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name.push(rcgen::DnType::CommonName, "Platz 9");
    let other = env.dir.path().join("other.csr");
    std::fs::write(&other, params.serialize_request(&key).unwrap().pem().unwrap()).unwrap();
    failed_with(&desk("Platz 1", "05111000_01", &["--csr", other.to_str().unwrap()]), "csr_refused");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&city.key, std::fs::Permissions::from_mode(0o644)).unwrap();
        failed_with(&desk("Platz 1", "05111000_01", &[]), "ca_key_readable");
        std::fs::set_permissions(&city.key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    // The same request with everything right goes through, and none of the refused ones was recorded.
    succeeded(&desk("Platz 1", "05111000_01", &[]));
    assert_eq!(devices(&env, &city).len(), 2);

    // Clerk accounts: created with the password from standard input, disabled by name.
    let mut create = Command::new(binary("schalter-admin"))
        .env("SCHALTER_DATABASE_URL", env.central_database_url())
        .args(["clerk", "create", "--username", "max", "--display-name", "Max Muster", "--role", "supervisor"])
        .args(["--office", "05111000_01"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    create.stdin.take().unwrap().write_all(b"ein-langes-passwort\n").unwrap();
    succeeded(&create.wait_with_output().unwrap());
    succeeded(&admin(&env, &city, &["clerk", "disable", "--username", "max"]));
    failed_with(&admin(&env, &city, &["clerk", "disable", "--username", "niemand"]), "unknown_clerk");
}

#[tokio::test]
async fn a_desk_provisioned_again_under_its_name_is_renewed_and_keeps_its_store() {
    let env = Environment::new().unwrap();
    let city = city(&env);
    let central = env.start_central_with(CentralOptions::default()).unwrap();
    let url = central.url().to_owned();

    let bundle = provision_desk(&env, &city, "Platz 6", &url, &[]);
    let old_certificate = std::fs::read_to_string(bundle.join("desk.pem")).unwrap();
    let old_desk = desk_client(&bundle.join("desk.toml"));
    let (status, answer) = login(&old_desk, &url).await.unwrap();
    assert_eq!(status, reqwest::StatusCode::OK, "{answer}");
    let store_key = answer["desk_store_key"].as_str().expect("a store key").to_owned();
    let old_fingerprint = devices(&env, &city)[0]["fingerprint"].as_str().unwrap().to_owned();

    // The same name again, a new bundle in the desk's place: a renewal, and the tool says what to do next.
    let out = bundle.display().to_string();
    let again = ["desk", "provision", "--name", "Platz 6", "--office", "05111000_01", "--out", &out];
    let said = succeeded(&admin(&env, &city, &[&again[..], &["--central-url", &url]].concat()));
    assert!(said.contains(&format!("ersetzt sha256:{old_fingerprint}")), "{said}");
    assert_ne!(std::fs::read_to_string(bundle.join("desk.pem")).unwrap(), old_certificate);
    let new_desk = desk_client(&bundle.join("desk.toml"));
    let (status, answer) = login(&new_desk, &url).await.unwrap();
    assert_eq!(status, reqwest::StatusCode::OK, "{answer}");
    assert_eq!(answer["desk_store_key"].as_str(), Some(store_key.as_str()), "the desk's local store still opens");

    // Then the old certificate is revoked; the renewed desk works on.
    let old = format!("sha256:{old_fingerprint}");
    let crl = env.dir.path().join("crl.pem");
    succeeded(&admin(&env, &city, &["revoke", "--fingerprint", &old, "--crl-out", crl.to_str().unwrap()]));
    assert_eq!(login(&old_desk, &url).await.unwrap().1["code"], "certificate_revoked");
    assert_eq!(login(&new_desk, &url).await.unwrap().0, reqwest::StatusCode::OK);
    // A desk of another name is no renewal: its own store key.
    let other = provision_desk(&env, &city, "Platz 7", &url, &[]);
    let (_, answer) = login(&desk_client(&other.join("desk.toml")), &url).await.unwrap();
    assert_ne!(answer["desk_store_key"].as_str(), Some(store_key.as_str()));
}
