//! The city's CA in production: loaded from its PEM files, it issues desk and box terminal
//! certificates with serials the registry keeps, signs CSRs of keys that never leave a token,
//! and publishes the revoked ones as a CRL.

use std::sync::Arc;

use rcgen::{
    CertificateParams, CertificateRevocationListParams, CertificateSigningRequestParams, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, RevokedCertParams, SerialNumber,
};
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{crypto_provider, leaf_params, root_store, CertificateAuthority, PkiError, Validity};

/// A certificate's serial number: 1 to 20 bytes, positive, without leading zero bytes, so the
/// registry, the CRL and `openssl x509 -serial` all name it by the same hex digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CertificateSerial(Vec<u8>);

impl CertificateSerial {
    /// 16 random bytes (RFC 5280 asks for at least 64 bits of randomness), the first in 0x01..=0x7f
    /// so the number is positive and keeps its length.
    pub fn random() -> Self {
        use rand::RngCore as _;
        let mut bytes = vec![0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        bytes[0] = (bytes[0] & 0x7f).max(1);
        Self(bytes)
    }

    /// Hex digits, upper or lower case, optionally separated by `:` (as openssl prints them).
    pub fn parse(raw: &str) -> Result<Self, PkiError> {
        let digits: String = raw.trim().chars().filter(|c| *c != ':').collect();
        if digits.is_empty() || !digits.len().is_multiple_of(2) || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(PkiError::InvalidSerial);
        }
        let bytes: Vec<u8> = (0..digits.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).map_err(|_| PkiError::InvalidSerial))
            .collect::<Result<_, _>>()?;
        let first = bytes.iter().position(|b| *b != 0).ok_or(PkiError::InvalidSerial)?;
        let bytes = bytes[first..].to_vec();
        // A high first bit would be a negative number in DER; 20 bytes is RFC 5280's limit.
        if bytes.len() > 20 || (bytes.len() == 20 && bytes[0] & 0x80 != 0) {
            return Err(PkiError::InvalidSerial);
        }
        Ok(Self(bytes))
    }

    /// Lower-case hex, no separators.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn rcgen(&self) -> SerialNumber {
        SerialNumber::from_slice(&self.0)
    }
}

impl std::fmt::Display for CertificateSerial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl std::fmt::Debug for CertificateSerial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CertificateSerial({})", self.to_hex())
    }
}

/// A certificate the CA just issued, with what the registry keeps of it.
#[derive(Clone)]
pub struct IssuedCertificate {
    pub cert_pem: String,
    /// The private key, when the CA made it; `None` for a signed CSR (the key stays where it was made).
    pub key_pem: Option<String>,
    pub serial: CertificateSerial,
    /// SHA-256 of the certificate (DER), lower-case hex: what the central sees in the handshake.
    pub fingerprint: String,
    pub common_name: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

impl std::fmt::Debug for IssuedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCertificate")
            .field("serial", &self.serial)
            .field("fingerprint", &self.fingerprint)
            .field("key", &self.key_pem.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

/// One entry of a CRL.
#[derive(Debug, Clone)]
pub struct RevokedCertificate {
    pub serial: CertificateSerial,
    pub revoked_at: OffsetDateTime,
}

impl CertificateAuthority {
    /// The CA of `cert_pem` (its first certificate) with its PKCS#8 `key_pem`.
    ///
    /// rcgen signs with a copy of the CA certificate rebuilt from the parsed one; clients trust the
    /// original bytes. So before the CA is handed out, a throwaway certificate is issued and verified
    /// against the original the way the central and the cloud verify desks: a name that does not
    /// survive the round trip, or a key that belongs to another certificate, is refused here and not
    /// at the first desk's login.
    pub fn load(cert_pem: &str, key_pem: &str) -> Result<Self, PkiError> {
        let params = CertificateParams::from_ca_cert_pem(cert_pem).map_err(PkiError::CaCertificate)?;
        if !matches!(params.is_ca, IsCa::Ca(_)) {
            return Err(PkiError::CaMismatch("the certificate is not a CA certificate".into()));
        }
        let key = KeyPair::from_pem(key_pem).map_err(PkiError::CaKey)?;
        let cert = params.self_signed(&key)?;
        let ca = Self { cert, key, pem: cert_pem.to_owned() };
        let probe = ca.issue_client_with_serial("Schalter Probe", Validity::days(1), &CertificateSerial::random())?;
        let der = crate::parse_certs(&probe.cert_pem, std::path::Path::new("<probe>"))?.remove(0);
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(root_store(cert_pem)?), crypto_provider()).build()?;
        verifier
            .verify_client_cert(&der, &[], UnixTime::now())
            .map_err(|error| PkiError::CaMismatch(error.to_string()))?;
        Ok(ca)
    }

    /// The CA's private key (PKCS#8 PEM), to put a newly made CA into its files.
    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// A TLS client certificate with a fresh key, for a desk or a box terminal.
    pub fn issue_client_with_serial(
        &self,
        common_name: &str,
        validity: Validity,
        serial: &CertificateSerial,
    ) -> Result<IssuedCertificate, PkiError> {
        let key = KeyPair::generate()?;
        let params = self.client_params(common_name, validity, serial);
        let cert = params.signed_by(&key, &self.cert, &self.key)?;
        Ok(issued(cert, Some(key.serialize_pem()), common_name, serial, validity))
    }

    /// A TLS client certificate for the key of `csr_pem` (e.g. made on a PKCS#11 token). Only the CSR's
    /// key is taken: the name is `common_name`, chosen by the admin, and the usages are ours. A CSR that
    /// asks for more (a CA, other usages, alternative names, other extensions) or names someone else is
    /// refused, since it was not made for this desk's certificate.
    pub fn sign_client_csr(
        &self,
        csr_pem: &str,
        common_name: &str,
        validity: Validity,
        serial: &CertificateSerial,
    ) -> Result<IssuedCertificate, PkiError> {
        // Checks the CSR's signature too: it proves the requester holds the key.
        let csr = CertificateSigningRequestParams::from_pem(csr_pem).map_err(PkiError::CsrUnreadable)?;
        let requested = &csr.params;
        if !requested.subject_alt_names.is_empty() {
            return Err(PkiError::CsrRefused("alternative names"));
        }
        if requested.key_usages.iter().any(|usage| *usage != KeyUsagePurpose::DigitalSignature) {
            return Err(PkiError::CsrRefused("key usages beyond a digital signature"));
        }
        if requested.extended_key_usages.iter().any(|usage| *usage != ExtendedKeyUsagePurpose::ClientAuth) {
            return Err(PkiError::CsrRefused("extended key usages other than TLS client"));
        }
        if let Some(name) = requested.distinguished_name.get(&DnType::CommonName) {
            let name = dn_text(name);
            if name != common_name {
                return Err(PkiError::CsrNameMismatch { requested: name, expected: common_name.to_owned() });
            }
        }
        let signing = CertificateSigningRequestParams {
            params: self.client_params(common_name, validity, serial),
            public_key: csr.public_key,
        };
        let cert = signing.signed_by(&self.cert, &self.key)?;
        Ok(issued(cert, None, common_name, serial, validity))
    }

    /// The CRL of `revoked` as PEM, numbered `crl_number` (higher than every CRL published before, so
    /// a server can tell the newer one), valid from `this_update` until `next_update`.
    pub fn crl_pem(
        &self,
        revoked: &[RevokedCertificate],
        crl_number: u64,
        this_update: OffsetDateTime,
        next_update: OffsetDateTime,
    ) -> Result<String, PkiError> {
        let params = CertificateRevocationListParams {
            this_update,
            next_update,
            crl_number: SerialNumber::from(crl_number),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|entry| RevokedCertParams {
                    serial_number: entry.serial.rcgen(),
                    revocation_time: entry.revoked_at,
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            // The same key identifier as the CA certificate names itself by.
            key_identifier_method: self.cert.params().key_identifier_method.clone(),
        };
        Ok(params.signed_by(&self.cert, &self.key)?.pem()?)
    }
}

impl CertificateAuthority {
    fn client_params(&self, common_name: &str, validity: Validity, serial: &CertificateSerial) -> CertificateParams {
        let mut params = CertificateParams::default();
        params.distinguished_name = self.subject(common_name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.serial_number = Some(serial.rcgen());
        leaf_params(params, validity)
    }

    /// `common_name` under the CA's own country and organisation: a city CA's desks are the city's
    /// (`O=Landeshauptstadt Düsseldorf`), not the development PKI's.
    fn subject(&self, common_name: &str) -> rcgen::DistinguishedName {
        let issuer = &self.cert.params().distinguished_name;
        let mut name = rcgen::DistinguishedName::new();
        for kind in [DnType::CountryName, DnType::OrganizationName] {
            if let Some(value) = issuer.get(&kind) {
                name.push(kind, value.clone());
            }
        }
        name.push(DnType::CommonName, common_name);
        name
    }
}

fn issued(
    cert: rcgen::Certificate,
    key_pem: Option<String>,
    common_name: &str,
    serial: &CertificateSerial,
    validity: Validity,
) -> IssuedCertificate {
    let fingerprint = Sha256::digest(cert.der()).iter().map(|b| format!("{b:02x}")).collect();
    IssuedCertificate {
        cert_pem: cert.pem(),
        key_pem,
        serial: serial.clone(),
        fingerprint,
        common_name: common_name.to_owned(),
        not_before: validity.not_before,
        not_after: validity.not_after,
    }
}

fn dn_text(value: &DnValue) -> String {
    match value {
        DnValue::Utf8String(text) => text.clone(),
        DnValue::PrintableString(text) => text.as_str().to_owned(),
        DnValue::Ia5String(text) => text.as_str().to_owned(),
        DnValue::TeletexString(text) => text.as_str().to_owned(),
        other => format!("{other:?}"),
    }
}

/// The DER of the first certificate in `pem` (for fingerprints of certificates read from files).
pub fn first_certificate_der(pem: &str) -> Result<CertificateDer<'static>, PkiError> {
    Ok(crate::parse_certs(pem, std::path::Path::new("<certificate>"))?.remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{client_config, mtls_server_config, mtls_server_config_with_crls, Identity};
    use time::Duration;

    /// A full TLS handshake in memory; the error is the server's or the client's refusal.
    fn handshake(server: rustls::ServerConfig, client: rustls::ClientConfig) -> Result<(), rustls::Error> {
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let mut client = rustls::ClientConnection::new(Arc::new(client), name)?;
        let mut server = rustls::ServerConnection::new(Arc::new(server))?;
        for _ in 0..20 {
            let mut bytes = Vec::new();
            while client.wants_write() {
                client.write_tls(&mut bytes).unwrap();
            }
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                server.read_tls(&mut rest).unwrap();
                server.process_new_packets()?;
            }
            let mut bytes = Vec::new();
            while server.wants_write() {
                server.write_tls(&mut bytes).unwrap();
            }
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                client.read_tls(&mut rest).unwrap();
                client.process_new_packets()?;
            }
            if !client.is_handshaking() && !server.is_handshaking() && !client.wants_write() {
                return Ok(());
            }
        }
        panic!("the handshake did not finish");
    }

    fn identity(issued: &IssuedCertificate) -> Identity {
        Identity { cert_pem: issued.cert_pem.clone(), key_pem: issued.key_pem.clone().unwrap() }
    }

    fn server_of(ca: &CertificateAuthority) -> Identity {
        ca.issue_server(&["localhost"], Validity::days(1)).unwrap()
    }

    #[test]
    fn a_loaded_ca_issues_certificates_that_chain_to_the_original_ca_certificate() {
        let original = CertificateAuthority::new("Stadt Düsseldorf CA").unwrap();
        let loaded = CertificateAuthority::load(&original.cert_pem(), &original.key_pem()).unwrap();
        assert_eq!(loaded.cert_pem(), original.cert_pem(), "clients keep trusting the file's certificate");
        let serial = CertificateSerial::random();
        let desk = loaded.issue_client_with_serial("Platz 3", Validity::days(30), &serial).unwrap();
        assert_eq!(desk.serial, serial);
        assert_eq!(desk.fingerprint.len(), 64);
        let der = first_certificate_der(&desk.cert_pem).unwrap();
        assert_eq!(
            desk.fingerprint,
            Sha256::digest(der.as_ref()).iter().map(|b| format!("{b:02x}")).collect::<String>()
        );

        let server = server_of(&loaded);
        let trusting_the_original = mtls_server_config(&server, &original.cert_pem()).unwrap();
        handshake(trusting_the_original, client_config(&original.cert_pem(), Some(&identity(&desk))).unwrap()).unwrap();

        // The same server refuses a desk of another CA with the same name.
        let other = CertificateAuthority::new("Stadt Düsseldorf CA").unwrap();
        let stranger = other.issue_client_with_serial("Platz 3", Validity::days(30), &serial).unwrap();
        let error = handshake(
            mtls_server_config(&server, &original.cert_pem()).unwrap(),
            client_config(&original.cert_pem(), Some(&identity(&stranger))).unwrap(),
        )
        .unwrap_err();
        assert!(matches!(error, rustls::Error::InvalidCertificate(_)), "{error:?}");
    }

    #[test]
    fn a_ca_made_by_openssl_loads_issues_and_revokes() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("ca.pem"), dir.path().join("ca.key"));
        let made = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30"])
            .args(["-subj", "/C=DE/O=Landeshauptstadt Düsseldorf/CN=Stadt-CA Bürgerbüros", "-utf8"])
            .args(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output();
        let Ok(made) = made else {
            eprintln!("openssl is not installed: the CA of another tool is not tested");
            return;
        };
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        let ca_pem = std::fs::read_to_string(&cert).unwrap();
        let ca = CertificateAuthority::load(&ca_pem, &std::fs::read_to_string(&key).unwrap()).unwrap();
        let revoked = ca.issue_client_with_serial("Platz 1", Validity::days(30), &CertificateSerial::random()).unwrap();
        let valid = ca.issue_client_with_serial("Platz 2", Validity::days(30), &CertificateSerial::random()).unwrap();
        // The desk is the city's: its subject carries the CA's country and organisation.
        let subject = CertificateParams::from_ca_cert_pem(&valid.cert_pem).unwrap().distinguished_name;
        let field = |kind: DnType| subject.get(&kind).map(dn_text);
        assert_eq!(field(DnType::CountryName).as_deref(), Some("DE"));
        assert_eq!(field(DnType::OrganizationName).as_deref(), Some("Landeshauptstadt Düsseldorf"));
        assert_eq!(field(DnType::CommonName).as_deref(), Some("Platz 2"));
        let now = OffsetDateTime::now_utc();
        let crl = ca
            .crl_pem(
                &[RevokedCertificate { serial: revoked.serial.clone(), revoked_at: now }],
                1,
                now,
                now + Duration::days(7),
            )
            .unwrap();
        let server = server_of(&ca);
        let config = || mtls_server_config_with_crls(&server, &ca_pem, std::slice::from_ref(&crl)).unwrap();
        handshake(config(), client_config(&ca_pem, Some(&identity(&valid))).unwrap()).unwrap();
        let error = handshake(config(), client_config(&ca_pem, Some(&identity(&revoked))).unwrap()).unwrap_err();
        assert_eq!(error, rustls::Error::InvalidCertificate(rustls::CertificateError::Revoked));
        // openssl reads the CRL and lists the serial as the registry names it.
        let crl_file = dir.path().join("crl.pem");
        std::fs::write(&crl_file, &crl).unwrap();
        let text = std::process::Command::new("openssl")
            .args(["crl", "-noout", "-text", "-in"])
            .arg(&crl_file)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout).to_uppercase();
        assert!(text.contains(&revoked.serial.to_hex().to_uppercase()), "{text}");
        assert!(!text.contains(&valid.serial.to_hex().to_uppercase()), "{text}");
    }

    #[test]
    fn a_ca_with_someone_elses_key_or_no_ca_flag_is_refused() {
        let ca = CertificateAuthority::new("Stadt-CA").unwrap();
        let other = CertificateAuthority::new("Stadt-CA").unwrap();
        CertificateAuthority::load(&ca.cert_pem(), &ca.key_pem()).unwrap();
        let error = CertificateAuthority::load(&ca.cert_pem(), &other.key_pem()).err().unwrap();
        assert!(matches!(error, PkiError::CaMismatch(_)), "{error:?}");
        let leaf = ca.issue_client_with_serial("Platz 1", Validity::days(1), &CertificateSerial::random()).unwrap();
        let error = CertificateAuthority::load(&leaf.cert_pem, leaf.key_pem.as_ref().unwrap()).err().unwrap();
        assert!(matches!(error, PkiError::CaMismatch(_)), "{error:?}");
        assert!(matches!(CertificateAuthority::load("kein PEM", &ca.key_pem()), Err(PkiError::CaCertificate(_))));
        assert!(matches!(CertificateAuthority::load(&ca.cert_pem(), "kein PEM"), Err(PkiError::CaKey(_))));
    }

    fn csr(common_name: Option<&str>, edit: impl FnOnce(&mut CertificateParams)) -> (String, KeyPair) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        if let Some(name) = common_name {
            params.distinguished_name.push(DnType::CommonName, name);
        }
        edit(&mut params);
        (params.serialize_request(&key).unwrap().pem().unwrap(), key)
    }

    /// A CSR as openssl makes it (the way a token's tooling does), `None` without openssl.
    fn openssl_csr(common_name: &str, extension: Option<&str>) -> Option<String> {
        let dir = tempfile::tempdir().unwrap();
        let mut command = std::process::Command::new("openssl");
        command.args(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]);
        command.args(["-subj", &format!("/CN={common_name}")]).arg("-keyout").arg(dir.path().join("k"));
        if let Some(extension) = extension {
            command.args(["-addext", extension]);
        }
        let output = command.output().ok()?;
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        Some(String::from_utf8(output.stdout).unwrap())
    }

    #[test]
    fn a_csr_gets_the_admins_name_and_no_key_and_odd_csrs_are_refused() {
        let ca = CertificateAuthority::new("Stadt-CA").unwrap();
        let serial = CertificateSerial::random();
        let (pem, key) = csr(Some("Platz 3"), |params| {
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        });
        let signed = ca.sign_client_csr(&pem, "Platz 3", Validity::days(30), &serial).unwrap();
        assert!(signed.key_pem.is_none());
        let desk = Identity { cert_pem: signed.cert_pem.clone(), key_pem: key.serialize_pem() };
        let server = server_of(&ca);
        handshake(
            mtls_server_config(&server, &ca.cert_pem()).unwrap(),
            client_config(&ca.cert_pem(), Some(&desk)).unwrap(),
        )
        .unwrap();
        // Without a name in the CSR the admin's is used.
        let (pem, _) = csr(None, |_| {});
        ca.sign_client_csr(&pem, "Platz 4", Validity::days(30), &serial).unwrap();

        let refused = |pem: &str| ca.sign_client_csr(pem, "Platz 3", Validity::days(30), &serial).unwrap_err();
        let (other_name, _) = csr(Some("Platz 9"), |_| {});
        assert!(matches!(refused(&other_name), PkiError::CsrNameMismatch { .. }));
        let (signing_ca, _) = csr(Some("Platz 3"), |params| params.key_usages = vec![KeyUsagePurpose::KeyCertSign]);
        assert!(matches!(refused(&signing_ca), PkiError::CsrRefused(_)));
        let (server_usage, _) =
            csr(Some("Platz 3"), |params| params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth]);
        assert!(matches!(refused(&server_usage), PkiError::CsrRefused(_)));
        let (with_names, _) = csr(Some("Platz 3"), |params| {
            params.subject_alt_names = vec![rcgen::SanType::DnsName("zentrale.example".try_into().unwrap())]
        });
        assert!(matches!(refused(&with_names), PkiError::CsrRefused(_)));
        // What rcgen cannot even put into a CSR, openssl can: a CA flag.
        if let Some(ca_flag) = openssl_csr("Platz 3", Some("basicConstraints=critical,CA:TRUE")) {
            assert!(matches!(refused(&ca_flag), PkiError::CsrUnreadable(_)));
            let plain = openssl_csr("Platz 3", None).unwrap();
            ca.sign_client_csr(&plain, "Platz 3", Validity::days(30), &serial).unwrap();
        }
        assert!(matches!(
            refused("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"),
            PkiError::CsrUnreadable(_)
        ));
        assert!(matches!(refused("kein PEM"), PkiError::CsrUnreadable(_)));
    }

    #[test]
    fn the_crl_refuses_exactly_the_revoked_client_in_the_handshake() {
        let ca = CertificateAuthority::new("Stadt-CA").unwrap();
        let revoked = ca.issue_client_with_serial("Platz 1", Validity::days(30), &CertificateSerial::random()).unwrap();
        let valid = ca.issue_client_with_serial("Platz 2", Validity::days(30), &CertificateSerial::random()).unwrap();
        let now = OffsetDateTime::now_utc();
        let entry = RevokedCertificate { serial: revoked.serial.clone(), revoked_at: now };
        let crl = ca.crl_pem(&[entry], 7, now, now + Duration::days(7)).unwrap();
        assert!(crl.starts_with("-----BEGIN X509 CRL-----"), "{crl}");
        let server = server_of(&ca);
        let with_crl = || mtls_server_config_with_crls(&server, &ca.cert_pem(), std::slice::from_ref(&crl)).unwrap();
        handshake(with_crl(), client_config(&ca.cert_pem(), Some(&identity(&valid))).unwrap()).unwrap();
        let error =
            handshake(with_crl(), client_config(&ca.cert_pem(), Some(&identity(&revoked))).unwrap()).unwrap_err();
        assert_eq!(error, rustls::Error::InvalidCertificate(rustls::CertificateError::Revoked));
        // Without the CRL the same certificate is still good: the CRL made the difference.
        handshake(
            mtls_server_config(&server, &ca.cert_pem()).unwrap(),
            client_config(&ca.cert_pem(), Some(&identity(&revoked))).unwrap(),
        )
        .unwrap();
        // An empty CRL is a CRL too; garbage is refused when the server is configured.
        let empty = ca.crl_pem(&[], 8, now, now + Duration::days(7)).unwrap();
        handshake(
            mtls_server_config_with_crls(&server, &ca.cert_pem(), &[empty]).unwrap(),
            client_config(&ca.cert_pem(), Some(&identity(&revoked))).unwrap(),
        )
        .unwrap();
        assert!(matches!(
            mtls_server_config_with_crls(&server, &ca.cert_pem(), &["kein CRL".into()]),
            Err(PkiError::NoCrl)
        ));
    }

    #[test]
    fn serials_parse_as_openssl_prints_them() {
        let serial = CertificateSerial::parse("00:7A:0b:FF").unwrap();
        assert_eq!(serial.to_hex(), "7a0bff");
        assert_eq!(CertificateSerial::parse(&serial.to_hex()).unwrap(), serial);
        for bad in ["", "0", "00", "xyz1", "7a0", &"7f".repeat(21)] {
            assert!(CertificateSerial::parse(bad).is_err(), "{bad:?}");
        }
        let random = CertificateSerial::random();
        assert_eq!(random.to_hex().len(), 32);
        assert_eq!(CertificateSerial::parse(&random.to_hex()).unwrap(), random);
    }
}
