//! The desk core logs in to the real central API (its own process, over mTLS) with its key inside a SoftHSM
//! token (`desk_key = "pkcs11:…"`): the key is generated in the token and certified over its public key by a
//! CA the central trusts. Refusals in the same test: a wrong PIN (a German configuration error, before any
//! connection) and a key of another token certified by a CA the central does not trust.
//!
//! Fails without Debian's softhsm2 (`cargo xtask test` installs it); it does not skip.

use std::path::Path;
use std::process::Command;

use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use schalter_desk_core::{Desk, DeskConfig, DeskError};
use schalter_pkcs11::{generate_p256, Module, Pin, Pkcs11Uri, TokenKey};
use schalter_system_tests::{Environment, CLERK_PASSWORD, CLERK_USERNAME};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "112358";

struct Remote(Vec<u8>, TokenKey);

impl rcgen::RemoteKeyPair for Remote {
    fn public_key(&self) -> &[u8] {
        &self.0
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.1.sign_sha256(message).map_err(|_| rcgen::Error::RemoteKeyError)
    }
    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

/// A CA, and a client certificate from it for the key `object` made inside token `label`.
fn token_desk(module: &Module, label: &str, ca_name: &str, dir: &Path) -> (String, std::path::PathBuf) {
    let session = module.login(label, &Pin::new(PIN)).unwrap();
    let public = generate_p256(&session, "desk", &[7]).unwrap();
    drop(session);
    let uri = Pkcs11Uri::parse(&format!("pkcs11:token={label};object=desk")).unwrap();
    let key = module.signing_key(&uri, &Pin::new(PIN)).unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::new()).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, ca_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = params.self_signed(&ca_key).unwrap();
    let mut params = CertificateParams::new(Vec::new()).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, format!("desk-{label}"));
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let remote = KeyPair::from_remote(Box::new(Remote(public, key))).unwrap();
    let cert = params.signed_by(&remote, &ca, &ca_key).unwrap();
    let path = dir.join(format!("desk-{label}.pem"));
    std::fs::write(&path, cert.pem()).unwrap();
    (ca.pem(), path)
}

fn pkcs11_config(env: &Environment, url: &str, label: &str, cert: &Path, pin_file: &Path) -> DeskConfig {
    let base = std::fs::read_to_string(env.desk_config(url).unwrap()).unwrap();
    let text = base
        .replace("desk_cert = \"pki/desk.pem\"", &format!("desk_cert = \"{}\"", cert.display()))
        .replace("desk_key = \"pki/desk.key\"", &format!("desk_key = \"pkcs11:token={label};object=desk\""))
        // A store of its own for each desk (two desks, one data directory would be one desk).
        .replace("data-desk", &format!("data-{label}"))
        + format!("\n[pkcs11]\nmodule = \"{MODULE}\"\npin_file = \"{}\"\n", pin_file.display()).as_str();
    let path = env.dir.path().join(format!("desk-{label}.toml"));
    std::fs::write(&path, text).unwrap();
    DeskConfig::load(&path).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_desk_with_its_key_on_a_token_logs_in_over_mtls() {
    assert!(Path::new(MODULE).exists(), "{MODULE} missing: install Debian's softhsm2; this test does not skip");
    let env = Environment::new().unwrap();
    let tokens = env.dir.path().join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = env.dir.path().join("softhsm2.conf");
    std::fs::write(&conf, format!("directories.tokendir = {}\nobjectstore.backend = file\n", tokens.display()))
        .unwrap();
    std::env::set_var("SOFTHSM2_CONF", &conf);
    for label in ["Schalter", "Fremd"] {
        let status = Command::new("softhsm2-util")
            .args(["--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", "99999999"])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("softhsm2-util missing: install Debian's softhsm2");
        assert!(status.success());
    }

    // A wrong PIN first (a PKCS#11 login holds for the whole process once it succeeded).
    let wrong_pin = env.dir.path().join("wrong.pin");
    std::fs::write(&wrong_pin, "000000\n").unwrap();
    let pin_file = env.dir.path().join("token.pin");
    std::fs::write(&pin_file, format!("{PIN}\n")).unwrap();
    #[cfg(unix)]
    for file in [&wrong_pin, &pin_file] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let refused = Desk::new(&pkcs11_config(&env, "https://127.0.0.1:9", "Schalter", &env.pki.desk_cert(), &wrong_pin));
    match refused {
        Err(DeskError::Config(message)) => assert!(
            message == "desk_key = \"pkcs11:token=Schalter;object=desk\": Die PIN für das Token »Schalter« ist falsch",
            "{message}"
        ),
        Err(other) => panic!("a wrong PIN is a configuration error, got {other:?}"),
        Ok(_) => panic!("a wrong PIN opened the token"),
    }

    let module = Module::open(Path::new(MODULE)).unwrap();
    let (ca, desk_pem) = token_desk(&module, "Schalter", "Test-CA Token-Arbeitsplätze", env.dir.path());
    let (_foreign_ca, foreign_pem) = token_desk(&module, "Fremd", "Fremde CA", env.dir.path());
    // The central trusts the development CA and the token desks' CA (one PEM bundle as its --client-ca).
    let bundle = std::fs::read_to_string(env.pki.ca_cert()).unwrap() + ca.as_str();
    std::fs::write(env.pki.ca_cert(), bundle).unwrap();
    let (_central, url) = env.start_central().unwrap();

    let desk = Desk::new(&pkcs11_config(&env, &url, "Schalter", &desk_pem, &pin_file)).unwrap();
    desk.login(CLERK_USERNAME, CLERK_PASSWORD).await.expect("the token desk logs in over mTLS");
    desk.logout().await.unwrap();

    // A key on another token, certified by a CA the central does not trust: refused in the handshake.
    let foreign = Desk::new(&pkcs11_config(&env, &url, "Fremd", &foreign_pem, &pin_file)).unwrap();
    let refusal = foreign.login(CLERK_USERNAME, CLERK_PASSWORD).await.unwrap_err();
    assert!(matches!(refusal, DeskError::TlsRejected | DeskError::Unreachable), "{refusal:?}");

    // And the token desk still gets in after that.
    desk.login(CLERK_USERNAME, CLERK_PASSWORD).await.expect("again");
}
