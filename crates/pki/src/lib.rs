//! Certificates and TLS configurations.
//!
//! Every TLS endpoint of Schalter trusts exactly the CA it is configured with, never the
//! system roots, and every connection uses the one `ring` crypto provider returned by
//! [`crypto_provider`], so no process depends on a process-wide default.

use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;
use time::{Duration, OffsetDateTime};

mod authority;
pub use authority::{first_certificate_der, CertificateSerial, IssuedCertificate, RevokedCertificate};

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{path} holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("{path} holds no PEM private key")]
    NoPrivateKey { path: PathBuf },
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("TLS configuration rejected: {0}")]
    Tls(#[from] rustls::Error),
    #[error("no readable PEM certificate revocation list (X509 CRL)")]
    NoCrl,
    #[error("client certificate verifier rejected the CA: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
    #[error("the CA certificate cannot be read: {0}")]
    CaCertificate(rcgen::Error),
    #[error("the CA's private key cannot be read (PKCS#8 PEM expected): {0}")]
    CaKey(rcgen::Error),
    #[error("the CA certificate and key do not issue certificates that chain to that certificate: {0}")]
    CaMismatch(String),
    #[error("the certificate signing request cannot be read or its signature is wrong: {0}")]
    CsrUnreadable(rcgen::Error),
    #[error("the certificate signing request asks for something a desk or terminal certificate never has: {0}")]
    CsrRefused(&'static str),
    #[error("the certificate signing request names {requested:?}, not {expected:?}")]
    CsrNameMismatch { requested: String, expected: String },
    #[error("a serial number is 1 to 20 bytes in hexadecimal")]
    InvalidSerial,
}

/// The one crypto provider of all our TLS endpoints.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A certificate with its private key, both PEM.
#[derive(Clone)]
pub struct Identity {
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identity { key: *** }")
    }
}

impl Identity {
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Self, PkiError> {
        Ok(Self { cert_pem: read(cert_path)?, key_pem: read(key_path)? })
    }

    pub fn write(&self, cert_path: &Path, key_path: &Path) -> Result<(), PkiError> {
        write(cert_path, &self.cert_pem, false)?;
        write(key_path, &self.key_pem, true)
    }

    fn chain(&self) -> Result<Vec<CertificateDer<'static>>, PkiError> {
        parse_certs(&self.cert_pem, Path::new("<identity>"))
    }

    fn key(&self) -> Result<PrivateKeyDer<'static>, PkiError> {
        rustls_pemfile::private_key(&mut BufReader::new(self.key_pem.as_bytes()))
            .ok()
            .flatten()
            .ok_or_else(|| PkiError::NoPrivateKey { path: "<identity>".into() })
    }
}

/// How long an issued certificate is valid, relative to now.
#[derive(Debug, Clone, Copy)]
pub struct Validity {
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

impl Validity {
    pub fn days(days: i64) -> Self {
        let now = OffsetDateTime::now_utc();
        Self { not_before: now - Duration::hours(1), not_after: now + Duration::days(days) }
    }

    /// A certificate that expired yesterday, for tests of the refusal.
    pub fn expired() -> Self {
        let now = OffsetDateTime::now_utc();
        Self { not_before: now - Duration::days(30), not_after: now - Duration::days(1) }
    }
}

/// A certificate authority that can issue server and client certificates.
pub struct CertificateAuthority {
    cert: rcgen::Certificate,
    key: KeyPair,
    /// The CA certificate exactly as clients trust it. For a loaded CA this is the file's
    /// certificate, not rcgen's re-signed copy of it (same name and key, other bytes).
    pem: String,
}

impl CertificateAuthority {
    pub fn new(common_name: &str) -> Result<Self, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = distinguished_name(common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let validity = Validity::days(3650);
        params.not_before = validity.not_before;
        params.not_after = validity.not_after;
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        let pem = cert.pem();
        Ok(Self { cert, key, pem })
    }

    pub fn cert_pem(&self) -> String {
        self.pem.clone()
    }

    /// A TLS server certificate for the given DNS names and IP addresses.
    pub fn issue_server(&self, names: &[&str], validity: Validity) -> Result<Identity, PkiError> {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names.clone())?;
        params.distinguished_name = distinguished_name(&names[0]);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.issue(params, validity)
    }

    /// A TLS client certificate, e.g. for a desk (`desk-05111000_01-1`).
    pub fn issue_client(&self, common_name: &str, validity: Validity) -> Result<Identity, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = distinguished_name(common_name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(params, validity)
    }

    fn issue(&self, params: CertificateParams, validity: Validity) -> Result<Identity, PkiError> {
        let key = KeyPair::generate()?;
        let cert = leaf_params(params, validity).signed_by(&key, &self.cert, &self.key)?;
        Ok(Identity { cert_pem: cert.pem(), key_pem: key.serialize_pem() })
    }
}

/// What every leaf we issue has: its validity and a key that signs (TLS), nothing more.
fn leaf_params(mut params: CertificateParams, validity: Validity) -> CertificateParams {
    params.not_before = validity.not_before;
    params.not_after = validity.not_after;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params
}

fn distinguished_name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "Schalter Entwicklungs-PKI");
    name.push(DnType::CommonName, common_name);
    name
}

/// File names of the development PKI inside its directory.
#[derive(Debug, Clone)]
pub struct DevPkiPaths {
    pub dir: PathBuf,
}

impl DevPkiPaths {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }
    pub fn ca_cert(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
    pub fn central_cert(&self) -> PathBuf {
        self.dir.join("central.pem")
    }
    pub fn central_key(&self) -> PathBuf {
        self.dir.join("central.key")
    }
    pub fn desk_cert(&self) -> PathBuf {
        self.dir.join("desk.pem")
    }
    pub fn desk_key(&self) -> PathBuf {
        self.dir.join("desk.key")
    }
    /// TLS server certificate of the reference photo cloud.
    pub fn photo_cloud_cert(&self) -> PathBuf {
        self.dir.join("photo-cloud.pem")
    }
    pub fn photo_cloud_key(&self) -> PathBuf {
        self.dir.join("photo-cloud.key")
    }
    /// The photo cloud's seal (signing) certificate and PKCS#8 key.
    pub fn seal_cert(&self) -> PathBuf {
        self.dir.join("seal.pem")
    }
    pub fn seal_key(&self) -> PathBuf {
        self.dir.join("seal.key")
    }
    /// Studios get their certificates from a CA of their own: the photo cloud tells
    /// studios and authorities apart by the issuing CA.
    pub fn studio_ca_cert(&self) -> PathBuf {
        self.dir.join("studio-ca.pem")
    }
    /// A photo studio's client certificate for uploads.
    pub fn studio_cert(&self) -> PathBuf {
        self.dir.join("studio.pem")
    }
    pub fn studio_key(&self) -> PathBuf {
        self.dir.join("studio.key")
    }

    /// TLS server certificate of the document producer simulator.
    pub fn producer_cert(&self) -> PathBuf {
        self.dir.join("producer.pem")
    }
    pub fn producer_key(&self) -> PathBuf {
        self.dir.join("producer.key")
    }
    /// The central API's client certificate towards the producer (the ordering authority).
    pub fn central_producer_client_cert(&self) -> PathBuf {
        self.dir.join("central-producer-client.pem")
    }
    pub fn central_producer_client_key(&self) -> PathBuf {
        self.dir.join("central-producer-client.key")
    }

    /// The pickup box terminal's client certificate (issue 10): registered at the central with
    /// `add-box --terminal-cert`, it acts only as its box.
    pub fn box_terminal_cert(&self) -> PathBuf {
        self.dir.join("box-terminal.pem")
    }
    pub fn box_terminal_key(&self) -> PathBuf {
        self.dir.join("box-terminal.key")
    }

    fn all(&self) -> [PathBuf; 18] {
        [
            self.studio_ca_cert(),
            self.ca_cert(),
            self.central_cert(),
            self.central_key(),
            self.desk_cert(),
            self.desk_key(),
            self.photo_cloud_cert(),
            self.photo_cloud_key(),
            self.seal_cert(),
            self.seal_key(),
            self.studio_cert(),
            self.studio_key(),
            self.producer_cert(),
            self.producer_key(),
            self.central_producer_client_cert(),
            self.central_producer_client_key(),
            self.box_terminal_cert(),
            self.box_terminal_key(),
        ]
    }

    /// Creates the development PKI unless every file is already there. Returns whether
    /// it generated anything. The CA key is not kept: a development PKI is re-made whole,
    /// which also keeps a CA key from lying around on a desk.
    pub fn ensure(&self, desk_name: &str) -> Result<bool, PkiError> {
        if self.all().iter().all(|p| p.is_file()) {
            return Ok(false);
        }
        fs::create_dir_all(&self.dir).map_err(|source| PkiError::Write { path: self.dir.clone(), source })?;
        let ca = CertificateAuthority::new("Schalter Entwicklungs-CA")?;
        let central = ca.issue_server(&["localhost", "127.0.0.1", "::1"], Validity::days(825))?;
        let desk = ca.issue_client(desk_name, Validity::days(825))?;
        let photo_cloud = ca.issue_server(&["localhost", "127.0.0.1", "::1"], Validity::days(825))?;
        let seal = ca.issue_client("Schalter Referenz-Foto-Cloud Siegel", Validity::days(825))?;
        let studio_ca = CertificateAuthority::new("Schalter Entwicklungs-CA Fotostudios")?;
        let studio = studio_ca.issue_client("Fotostudio Muster", Validity::days(825))?;
        let producer = ca.issue_server(&["localhost", "127.0.0.1", "::1"], Validity::days(825))?;
        let central_producer_client = ca.issue_client("Zentrale Düsseldorf (Bestellungen)", Validity::days(825))?;
        write(&self.studio_ca_cert(), &studio_ca.cert_pem(), false)?;
        write(&self.ca_cert(), &ca.cert_pem(), false)?;
        central.write(&self.central_cert(), &self.central_key())?;
        desk.write(&self.desk_cert(), &self.desk_key())?;
        photo_cloud.write(&self.photo_cloud_cert(), &self.photo_cloud_key())?;
        seal.write(&self.seal_cert(), &self.seal_key())?;
        studio.write(&self.studio_cert(), &self.studio_key())?;
        producer.write(&self.producer_cert(), &self.producer_key())?;
        central_producer_client.write(&self.central_producer_client_cert(), &self.central_producer_client_key())?;
        let box_terminal = ca.issue_client("Ausgabebox-Terminal", Validity::days(825))?;
        box_terminal.write(&self.box_terminal_cert(), &self.box_terminal_key())?;
        Ok(true)
    }
}

fn read(path: &Path) -> Result<String, PkiError> {
    fs::read_to_string(path).map_err(|source| PkiError::Read { path: path.to_owned(), source })
}

fn write(path: &Path, contents: &str, secret: bool) -> Result<(), PkiError> {
    let err = |source| PkiError::Write { path: path.to_owned(), source };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(err)?;
    }
    if secret {
        write_private_file(path, contents.as_bytes()).map_err(err)
    } else {
        fs::write(path, contents).map_err(err)
    }
}

/// Writes a secret (a private key, a code that unlocks a photo) so that no one but the owner
/// can ever read it: the bytes go into a fresh file in the same directory, created with mode
/// 0600 from the start (never written first and restricted afterwards), which then replaces
/// `path` by rename. A file already at `path`, whatever its mode, is replaced rather than
/// rewritten in place, so whoever could open the old file cannot read the new secret.
pub fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);

    let name = path.file_name().ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "no file name"))?;
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temporary = std::ffi::OsString::from(".");
    temporary.push(name);
    temporary.push(format!(".{}-{}.tmp", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    let temporary = dir.join(temporary);

    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // The umask can only take bits away: the file is at most 0600 from its first moment.
        options.mode(0o600);
    }
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    });
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

fn parse_certs(pem: &str, origin: &Path) -> Result<Vec<CertificateDer<'static>>, PkiError> {
    let certs: Vec<_> = rustls_pemfile::certs(&mut BufReader::new(pem.as_bytes())).filter_map(Result::ok).collect();
    if certs.is_empty() {
        Err(PkiError::NoCertificate { path: origin.to_owned() })
    } else {
        Ok(certs)
    }
}

/// Every cause of an error, outermost first, in `Debug` form, joined by ` <- `. A TLS refusal
/// surfaces deep in a client's error chain (reqwest → hyper → io → rustls); this is where its
/// specific reason shows, e.g. `AlertReceived(UnknownCA)` or `NotValidForName`.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = format!("{error:?}");
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str(&format!(" <- {cause:?}"));
        source = cause.source();
    }
    chain
}

/// Roots holding exactly the certificates in `ca_pem`.
pub fn root_store(ca_pem: &str) -> Result<RootCertStore, PkiError> {
    let mut roots = RootCertStore::empty();
    for cert in parse_certs(ca_pem, Path::new("<ca>"))? {
        roots.add(cert)?;
    }
    Ok(roots)
}

pub fn load_ca(path: &Path) -> Result<String, PkiError> {
    let pem = read(path)?;
    parse_certs(&pem, path)?;
    Ok(pem)
}

/// A server that demands a client certificate issued by `client_ca_pem`.
pub fn mtls_server_config(identity: &Identity, client_ca_pem: &str) -> Result<rustls::ServerConfig, PkiError> {
    mtls_server_config_with_crls(identity, client_ca_pem, &[])
}

/// Like [`mtls_server_config`], and a client certificate listed in one of `crl_pems` (PEM `X509 CRL` blocks, each
/// signed by the CA that issued the certificates it lists) is refused in the handshake. Only the client's own
/// certificate is checked (our CAs issue leaves directly), and a certificate whose CA published no CRL here is
/// accepted: revocation is for certificates the city has named, not a second trust decision.
pub fn mtls_server_config_with_crls(
    identity: &Identity,
    client_ca_pem: &str,
    crl_pems: &[String],
) -> Result<rustls::ServerConfig, PkiError> {
    let provider = crypto_provider();
    let mut crls = Vec::new();
    for pem in crl_pems {
        let mut found = 0;
        for crl in rustls::pki_types::CertificateRevocationListDer::pem_slice_iter(pem.as_bytes()) {
            crls.push(crl.map_err(|_| PkiError::NoCrl)?);
            found += 1;
        }
        if found == 0 {
            return Err(PkiError::NoCrl);
        }
    }
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(root_store(client_ca_pem)?), provider.clone())
        .with_crls(crls)
        .only_check_end_entity_revocation()
        .allow_unknown_revocation_status()
        .build()?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(identity.chain()?, identity.key()?)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// A client that trusts only `server_ca_pem` and, if given, shows `identity`.
pub fn client_config(server_ca_pem: &str, identity: Option<&Identity>) -> Result<rustls::ClientConfig, PkiError> {
    let builder = rustls::ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(root_store(server_ca_pem)?);
    let config = match identity {
        Some(identity) => builder.with_client_auth_cert(identity.chain()?, identity.key()?)?,
        None => builder.with_no_client_auth(),
    };
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ensure_generates_once_and_keys_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let paths = DevPkiPaths::new(dir.path());
        assert!(paths.ensure("desk-test").unwrap());
        assert!(!paths.ensure("desk-test").unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(paths.desk_key()).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "desk key readable by others: {mode:o}");
        }
        let central = Identity::load(&paths.central_cert(), &paths.central_key()).unwrap();
        let ca = load_ca(&paths.ca_cert()).unwrap();
        mtls_server_config(&central, &ca).unwrap();
        let desk = Identity::load(&paths.desk_cert(), &paths.desk_key()).unwrap();
        client_config(&ca, Some(&desk)).unwrap();
    }

    #[test]
    fn error_chain_shows_the_innermost_cause() {
        let inner = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls::Error::DecryptError);
        let outer = PkiError::Read { path: "x".into(), source: inner };
        let chain = error_chain(&outer);
        assert!(chain.starts_with("Read {"), "{chain}");
        let innermost = chain.rsplit(" <- ").next().unwrap();
        assert!(innermost.contains("DecryptError") && !innermost.contains("Read"), "{chain}");
    }

    #[test]
    fn a_file_without_a_certificate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        fs::write(&path, "nothing here").unwrap();
        assert!(matches!(load_ca(&path), Err(PkiError::NoCertificate { .. })));
    }

    #[cfg(unix)]
    #[test]
    fn regression_private_keys_are_never_written_into_a_file_others_can_read() {
        use std::io::Read;
        use std::os::unix::fs::PermissionsExt;

        // umask 0: nothing but our own mode keeps others out. (Process-wide; the other tests
        // here only write private files or check them, so they do not mind.)
        // SAFETY: umask(2) cannot fail; the old mask is restored below.
        let old_umask = unsafe { libc::umask(0) };
        let dir = tempfile::tempdir().unwrap();
        let ca = CertificateAuthority::new("Test-CA").unwrap();
        let desk = ca.issue_client("desk-test", Validity::days(1)).unwrap();

        // A key file that was left world-readable, and someone who opened it back then.
        let (cert, key) = (dir.path().join("desk.pem"), dir.path().join("desk.key"));
        fs::write(&key, "alter Inhalt").unwrap();
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
        let mut snooper = fs::File::open(&key).unwrap();
        desk.write(&cert, &key).unwrap();
        let mut seen = String::new();
        snooper.read_to_string(&mut seen).unwrap();
        assert_eq!(seen, "alter Inhalt", "the new key was written into the old, readable file");
        assert_eq!(fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);

        // A fresh key under umask 0 is 0600, leaves no temporary behind, and loads.
        let fresh = dir.path().join("neu").join("desk.key");
        desk.write(&dir.path().join("neu").join("desk.pem"), &fresh).unwrap();
        let mode = fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        unsafe { libc::umask(old_umask) };
        assert_eq!(mode, 0o600);
        let names: Vec<_> = fs::read_dir(fresh.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        let loaded = Identity::load(&dir.path().join("neu").join("desk.pem"), &fresh).unwrap();
        assert_eq!(loaded.key_pem, desk.key_pem);
        client_config(&ca.cert_pem(), Some(&loaded)).unwrap();
    }
}
