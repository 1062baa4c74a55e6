//! A desk key inside SoftHSM (Debian's `softhsm2`; `cargo xtask` installs it): generated in the token, certified
//! by a CA over the token's public key, and used for a real mutual-TLS handshake against a rustls server that
//! trusts only that CA. Refusals in the same test: a wrong PIN, a certificate of another key, a key of another
//! token that the server's CA never certified.
//!
//! Without SoftHSM this test fails (it does not skip): the module is part of what the project installs.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use schalter_pkcs11::{client_cert_resolver, generate_p256, Module, Pin, Pkcs11Error, Pkcs11Uri, TokenKey};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "246810";

/// A token directory of its own (SOFTHSM2_CONF is read when the module is initialised, once per process).
fn softhsm(dir: &Path) -> Module {
    assert!(
        Path::new(MODULE).exists(),
        "{MODULE} missing: install Debian's softhsm2 (cargo xtask test installs it); this test does not skip"
    );
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!("directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n", tokens.display()),
    )
    .unwrap();
    std::env::set_var("SOFTHSM2_CONF", &conf);
    for label in ["Schalter", "Andere"] {
        let status = Command::new("softhsm2-util")
            .args(["--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", "13579111"])
            .env("SOFTHSM2_CONF", &conf)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("softhsm2-util missing: install Debian's softhsm2");
        assert!(status.success(), "softhsm2-util --init-token {label}");
    }
    Module::open(Path::new(MODULE)).unwrap()
}

/// The token's key as rcgen's remote key pair: certificates are made over its public key.
struct Remote {
    public: Vec<u8>,
    key: TokenKey,
}

impl rcgen::RemoteKeyPair for Remote {
    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.key.sign_sha256(message).map_err(|_| rcgen::Error::RemoteKeyError)
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Ca {
    fn new(name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::new()).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        Self { cert: params.self_signed(&key).unwrap(), key }
    }

    /// A client certificate for the token key `public` (its private half never leaves the token).
    fn certify(&self, dir: &Path, name: &str, key: &TokenKey, public: Vec<u8>) -> PathBuf {
        let remote = KeyPair::from_remote(Box::new(Remote { public, key: key.clone() })).unwrap();
        let mut params = CertificateParams::new(Vec::new()).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&remote, &self.cert, &self.key).unwrap();
        let path = dir.join(format!("{name}.pem"));
        std::fs::write(&path, cert.pem()).unwrap();
        path
    }
}

/// One mTLS exchange with a server that trusts only `ca`: the server's view of the client certificate's
/// subject, or the error the client saw.
fn exchange(dir: &Path, ca: &Ca, resolver: Arc<dyn rustls::client::ResolvesClientCert>) -> Result<String, String> {
    let server_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = params.signed_by(&server_key, &ca.cert, &ca.key).unwrap();
    std::fs::write(dir.join("server.pem"), server_cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), server_key.serialize_pem()).unwrap();
    let identity = schalter_pki::Identity::load(&dir.join("server.pem"), &dir.join("server.key")).unwrap();
    let ca_pem = ca.cert.pem();
    let server_config = Arc::new(schalter_pki::mtls_server_config(&identity, &ca_pem).unwrap());

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || -> Result<(), String> {
        let (socket, _) = listener.accept().map_err(|e| e.to_string())?;
        let connection = rustls::ServerConnection::new(server_config).map_err(|e| e.to_string())?;
        let mut tls = rustls::StreamOwned::new(connection, socket);
        let mut line = String::new();
        BufReader::new(&mut tls).read_line(&mut line).map_err(|e| e.to_string())?;
        let presented = tls.conn.peer_certificates().map(|c| c.len()).unwrap_or(0);
        writeln!(tls, "angemeldet mit {presented} Zertifikat(en)").map_err(|e| e.to_string())?;
        tls.conn.send_close_notify();
        tls.flush().map_err(|e| e.to_string())
    });

    let client_config = rustls::ClientConfig::builder_with_provider(schalter_pki::crypto_provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(schalter_pki::root_store(&ca_pem).unwrap())
        .with_client_cert_resolver(resolver);
    let connection = rustls::ClientConnection::new(Arc::new(client_config), "localhost".try_into().unwrap()).unwrap();
    let mut tls = rustls::StreamOwned::new(connection, std::net::TcpStream::connect(address).unwrap());
    let answer = (|| -> Result<String, String> {
        writeln!(tls, "hallo").map_err(|e| e.to_string())?;
        let mut answer = String::new();
        BufReader::new(&mut tls).read_line(&mut answer).map_err(|e| e.to_string())?;
        Ok(answer.trim().to_owned())
    })();
    drop(tls);
    let served = server.join().unwrap();
    match (answer, served) {
        (Ok(answer), Ok(())) => Ok(answer),
        (Err(client), Err(server)) => Err(format!("client: {client}; server: {server}")),
        (Ok(answer), Err(server)) => Err(format!("client read {answer:?}; server: {server}")),
        (Err(client), Ok(())) => Err(format!("client: {client}")),
    }
}

#[test]
fn a_token_key_logs_in_over_mtls_and_wrong_pins_and_foreign_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let module = softhsm(dir.path());

    // A wrong PIN first (PKCS#11 logins are per token and process: after the right one, the token is open).
    let wrong = module.login("Schalter", &Pin::new("000000")).unwrap_err();
    assert!(matches!(wrong, Pkcs11Error::WrongPin(_)), "{wrong:?}");
    assert_eq!(wrong.to_string(), "Die PIN für das Token »Schalter« ist falsch");
    let missing = module.login("Kein Token", &Pin::new(PIN)).unwrap_err();
    assert_eq!(
        missing.to_string(),
        "Kein PKCS#11-Token mit der Bezeichnung »Kein Token« gefunden (Karte gesteckt, Token eingerichtet?)"
    );

    // The key is made inside the token; a PIN file as the desk reads it.
    let session = module.login("Schalter", &Pin::new(PIN)).unwrap();
    let public = generate_p256(&session, "desk", &[0x01]).unwrap();
    assert_eq!((public.len(), public[0]), (65, 0x04), "an uncompressed P-256 point");
    drop(session);
    let pin_file = dir.path().join("pin");
    std::fs::write(&pin_file, format!("{PIN}\n")).unwrap();
    let uri = Pkcs11Uri::parse("pkcs11:token=Schalter;object=desk").unwrap();
    let key = module.signing_key(&uri, &Pin::from_file(&pin_file).unwrap()).unwrap();
    let absent = module.signing_key(&Pkcs11Uri::parse("pkcs11:token=Schalter;object=nichts").unwrap(), &Pin::new(PIN));
    assert_eq!(absent.unwrap_err().to_string(), "Auf dem Token »Schalter« gibt es keinen privaten Schlüssel »nichts«");

    let ca = Ca::new("Test-CA Bürgerbüro");
    let desk_pem = ca.certify(dir.path(), "desk-pkcs11", &key, public.clone());
    let answer = exchange(dir.path(), &ca, client_cert_resolver(&desk_pem, key.clone()).unwrap()).unwrap();
    assert_eq!(answer, "angemeldet mit 1 Zertifikat(en)");
    // Twice: the session behind the mutex signs again (a second handshake, no new login).
    let answer = exchange(dir.path(), &ca, client_cert_resolver(&desk_pem, key.clone()).unwrap()).unwrap();
    assert_eq!(answer, "angemeldet mit 1 Zertifikat(en)");

    // A key on another token: its certificate does not fit this token's key (refused before any handshake),
    // and with its own certificate from a CA the server does not trust, the server refuses it.
    let session = module.login("Andere", &Pin::new(PIN)).unwrap();
    let other_public = generate_p256(&session, "desk", &[0x01]).unwrap();
    drop(session);
    let other =
        module.signing_key(&Pkcs11Uri::parse("pkcs11:token=Andere;object=desk").unwrap(), &Pin::new(PIN)).unwrap();
    let mismatch = client_cert_resolver(&desk_pem, other.clone()).map(|_| ()).unwrap_err();
    assert!(matches!(mismatch, Pkcs11Error::KeyMismatch { .. }), "{mismatch:?}");
    let foreign_ca = Ca::new("Fremde CA");
    let other_pem = foreign_ca.certify(dir.path(), "andere", &other, other_public);
    let refused = exchange(dir.path(), &ca, client_cert_resolver(&other_pem, other).unwrap()).unwrap_err();
    assert!(refused.contains("server:") && refused.to_lowercase().contains("cert"), "{refused}");

    // And the first token's key still works after the refusal.
    let answer = exchange(dir.path(), &ca, client_cert_resolver(&desk_pem, key).unwrap()).unwrap();
    assert_eq!(answer, "angemeldet mit 1 Zertifikat(en)");
}
