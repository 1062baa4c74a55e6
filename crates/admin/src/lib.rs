//! `schalter-admin`: what City IT does with the central's database and the city's CA (issue 12).
//! Clerk accounts, desk and box terminal certificates with their configuration bundles, revocation
//! with a CRL regenerated from the registry each time, and the list of provisioned devices.
//!
//! It works on the central's database directly (like `schalter-central clerk upsert`) and on the CA's
//! files; the CA key never goes to the central or to a desk.

use std::path::{Path, PathBuf};

use schalter_central::db::certificates::{CertificateKind, CertificateRecord, CertificateSelector, ProvisionedDevice};
use schalter_central::db::NewClerk;
use schalter_central::{AppState, CentralError, Db};
use schalter_domain::{DisplayName, DomainError, OfficeId, OrganisationKey, Password, Role, Username};
use schalter_pki::{CertificateAuthority, CertificateSerial, PkiError, RevokedCertificate, Validity};
use time::OffsetDateTime;

/// How long a CRL is good for: the central and the cloud keep using it after that, but a CRL whose
/// next update has passed tells an auditor that publishing stopped. `revoke` or `crl` renews it.
pub const CRL_VALID_DAYS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("Der CA-Schlüssel {path} ist für andere lesbar (Modus {mode:o}); erlaubt ist 0600 (chmod 600).")]
    CaKeyReadable { path: PathBuf, mode: u32 },
    #[error("{path} kann nicht gelesen werden: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} kann nicht geschrieben werden: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("Zertifikat oder Schlüssel: {0}")]
    Pki(#[from] PkiError),
    #[error("Zentrale: {0}")]
    Central(#[from] CentralError),
    #[error("{0}")]
    Invalid(#[from] DomainError),
    #[error("Die Dienststelle {0} ist unbekannt (zuerst `schalter-central seed-offices`).")]
    UnknownOffice(String),
    #[error("Die Ausgabebox {0} ist unbekannt (zuerst `schalter-central add-box`).")]
    UnknownBox(String),
    #[error("Ein Konto mit diesem Benutzernamen gibt es nicht.")]
    UnknownClerk,
    #[error("Der Name eines Arbeitsplatzes hat 1 bis 64 Zeichen ohne Steuerzeichen.")]
    InvalidDeskName,
    #[error("Kein Zertifikat im Register passt zu {0}.")]
    UnknownCertificate(String),
    #[error("Unter dem Namen {name} sind {count} gültige Zertifikate eingetragen; bitte mit --fingerprint oder --serial wählen.")]
    AmbiguousName { name: String, count: usize },
    #[error("Ein Fingerabdruck ist sha256: und 64 Hexadezimalziffern.")]
    InvalidFingerprint,
    #[error("Die zentrale URL muss mit https:// beginnen.")]
    InvalidCentralUrl,
}

impl AdminError {
    /// A stable code for scripts and tests (`{code, message}` like every other error of Schalter).
    pub fn code(&self) -> &'static str {
        match self {
            AdminError::CaKeyReadable { .. } => "ca_key_readable",
            AdminError::Read { .. } => "read_failed",
            AdminError::Write { .. } => "write_failed",
            AdminError::Pki(
                PkiError::CsrUnreadable(_) | PkiError::CsrRefused(_) | PkiError::CsrNameMismatch { .. },
            ) => "csr_refused",
            AdminError::Pki(_) => "pki",
            AdminError::Central(error) => error.code(),
            AdminError::Invalid(_) => "invalid_input",
            AdminError::UnknownOffice(_) => "unknown_office",
            AdminError::UnknownBox(_) => "unknown_box",
            AdminError::UnknownClerk => "unknown_clerk",
            AdminError::InvalidDeskName => "invalid_desk_name",
            AdminError::UnknownCertificate(_) => "unknown_certificate",
            AdminError::AmbiguousName { .. } => "ambiguous_name",
            AdminError::InvalidFingerprint => "invalid_fingerprint",
            AdminError::InvalidCentralUrl => "invalid_central_url",
        }
    }
}

/// A desk's name as the certificate's CN and the registry show it, e.g. `Platz 3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskName(String);

impl DeskName {
    pub fn parse(raw: &str) -> Result<Self, AdminError> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(AdminError::InvalidDeskName);
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A certificate's SHA-256 fingerprint, `sha256:` and 64 hex digits (as the audit trail writes it);
/// the prefix may be left out, colons are allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(String);

impl Fingerprint {
    pub fn parse(raw: &str) -> Result<Self, AdminError> {
        let raw = raw.trim();
        let hex: String = raw.strip_prefix("sha256:").unwrap_or(raw).chars().filter(|c| *c != ':').collect();
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(AdminError::InvalidFingerprint);
        }
        Ok(Self(hex.to_ascii_lowercase()))
    }

    pub fn as_hex(&self) -> &str {
        &self.0
    }
}

/// The central's URL for a bundle: https only (the desk refuses anything else anyway).
#[derive(Debug, Clone)]
pub struct CentralUrl(String);

impl CentralUrl {
    pub fn parse(raw: &str) -> Result<Self, AdminError> {
        let raw = raw.trim().trim_end_matches('/');
        if !raw.starts_with("https://") || raw.len() <= "https://".len() || raw.chars().any(char::is_whitespace) {
            return Err(AdminError::InvalidCentralUrl);
        }
        Ok(Self(raw.to_owned()))
    }
}

/// The city's CA as read from its two files. The key file must be readable by its owner only.
pub struct CityCa {
    pub authority: CertificateAuthority,
}

impl CityCa {
    pub fn load(cert: &Path, key: &Path) -> Result<Self, AdminError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| AdminError::Read { path: path.to_owned(), source })
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(key)
                .map_err(|source| AdminError::Read { path: key.to_owned(), source })?
                .permissions()
                .mode();
            // Checked before the key is read: a readable CA key is a key others may have copied.
            if mode & 0o077 != 0 {
                return Err(AdminError::CaKeyReadable { path: key.to_owned(), mode: mode & 0o777 });
            }
        }
        Ok(Self { authority: CertificateAuthority::load(&read(cert)?, &read(key)?)? })
    }
}

/// What a provisioning wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Provisioned {
    pub name: String,
    pub fingerprint: String,
    pub serial: String,
    pub not_after: i64,
    pub config: PathBuf,
    /// `None` when a CSR was signed: the key stays where it was made.
    pub key: Option<PathBuf>,
    /// The desk certificate this one renews (same name, same office, still valid): at its first login
    /// the desk keeps its store key, clerks and sync devices. Revoke the old one once the desk has moved.
    pub replaces: Option<String>,
}

pub struct DeskRequest<'a> {
    pub name: DeskName,
    pub office: OfficeId,
    pub out: &'a Path,
    pub csr_pem: Option<String>,
    /// With a CSR: what `desk.toml` names as the key (default `desk.key` beside it, or a `pkcs11:` URI).
    pub key_reference: Option<String>,
    pub central_url: CentralUrl,
    pub organisation_key: Option<OrganisationKey>,
    pub validity_days: i64,
}

pub struct BoxRequest<'a> {
    pub box_id: String,
    pub out: &'a Path,
    pub csr_pem: Option<String>,
    /// With a CSR: what `box.toml` names as the key (default `terminal.key` beside it).
    pub key_reference: Option<String>,
    pub central_url: CentralUrl,
    pub validity_days: i64,
}

/// Issues a desk's certificate (or signs its CSR), records it and writes the bundle into `out`:
/// `desk.toml`, `ca.pem`, `desk.pem` and, without a CSR, `desk.key` (0600).
pub async fn provision_desk(db: &Db, ca: &CityCa, request: DeskRequest<'_>) -> Result<Provisioned, AdminError> {
    if !db.office_exists(&request.office).await? {
        return Err(AdminError::UnknownOffice(request.office.to_string()));
    }
    let name = request.name.as_str();
    let predecessor = db
        .find_certificates(&CertificateSelector::Name(name.to_owned()))
        .await?
        .into_iter()
        .filter(|old| {
            old.kind == CertificateKind::Desk && old.office_id == request.office.as_str() && old.revoked_at.is_none()
        })
        .max_by_key(|old| old.issued_at);
    let issued = issue(ca, name, request.csr_pem.as_deref(), request.validity_days)?;
    let mut config = toml::Table::new();
    config.insert("central_url".into(), request.central_url.0.clone().into());
    config.insert("central_ca".into(), "ca.pem".into());
    config.insert("desk_cert".into(), "desk.pem".into());
    config.insert("desk_key".into(), request.key_reference.as_deref().unwrap_or("desk.key").into());
    if let Some(key) = &request.organisation_key {
        config.insert("organisation_key".into(), key.to_string().into());
    }
    let header = format!(
        "# Arbeitsplatz {name}, Dienststelle {}: geschrieben von schalter-admin desk provision.\n\
         # Zertifikat sha256:{} (Seriennummer {}).\n",
        request.office, issued.fingerprint, issued.serial
    );
    let mut provisioned = write_bundle(ca, &issued, request.out, "desk", &header, &config)?;
    db.record_issued_certificate(&record(&issued, CertificateKind::Desk, request.office.as_str(), None)).await?;
    if let Some(old) = predecessor {
        db.record_renewal(&issued.fingerprint, &old.fingerprint).await?;
        provisioned.replaces = Some(old.fingerprint);
    }
    Ok(provisioned)
}

/// Issues a box terminal's certificate (or signs its CSR), registers it as that box's terminal, records
/// it and writes `box.toml`, `ca.pem`, `terminal.pem` and, without a CSR, `terminal.key` (0600).
pub async fn provision_box(db: &Db, ca: &CityCa, request: BoxRequest<'_>) -> Result<Provisioned, AdminError> {
    let office = db.box_office(&request.box_id).await?.ok_or_else(|| AdminError::UnknownBox(request.box_id.clone()))?;
    let issued = issue(ca, &request.box_id, request.csr_pem.as_deref(), request.validity_days)?;
    let mut config = toml::Table::new();
    config.insert("central_url".into(), request.central_url.0.clone().into());
    config.insert("central_ca".into(), "ca.pem".into());
    config.insert("terminal_cert".into(), "terminal.pem".into());
    config.insert("terminal_key".into(), request.key_reference.as_deref().unwrap_or("terminal.key").into());
    config.insert("fullscreen".into(), true.into());
    let header = format!(
        "# Terminal der Ausgabebox {}: geschrieben von schalter-admin box provision.\n\
         # Zertifikat sha256:{} (Seriennummer {}). Geräte: Abschnitt [devices], siehe crates/box-terminal/README.md.\n",
        request.box_id, issued.fingerprint, issued.serial
    );
    let provisioned = write_bundle(ca, &issued, request.out, "box", &header, &config)?;
    db.record_issued_certificate(&record(&issued, CertificateKind::Box, &office, Some(&request.box_id))).await?;
    db.register_box_terminal(&issued.fingerprint, &request.box_id, now()).await?;
    Ok(provisioned)
}

fn issue(
    ca: &CityCa,
    name: &str,
    csr_pem: Option<&str>,
    validity_days: i64,
) -> Result<schalter_pki::IssuedCertificate, AdminError> {
    let validity = Validity::days(validity_days);
    let serial = CertificateSerial::random();
    Ok(match csr_pem {
        Some(csr) => ca.authority.sign_client_csr(csr, name, validity, &serial)?,
        None => ca.authority.issue_client_with_serial(name, validity, &serial)?,
    })
}

fn record(
    issued: &schalter_pki::IssuedCertificate,
    kind: CertificateKind,
    office: &str,
    box_id: Option<&str>,
) -> CertificateRecord {
    CertificateRecord {
        fingerprint: issued.fingerprint.clone(),
        serial: issued.serial.to_hex(),
        kind,
        name: issued.common_name.clone(),
        office_id: office.to_owned(),
        box_id: box_id.map(str::to_owned),
        issued_at: now(),
        not_after: issued.not_after.unix_timestamp(),
        revoked_at: None,
    }
}

/// `kind` is `desk` or `box`: `<kind>.toml`, and the certificate as `desk.pem` or `terminal.pem`.
fn write_bundle(
    ca: &CityCa,
    issued: &schalter_pki::IssuedCertificate,
    out: &Path,
    kind: &str,
    header: &str,
    config: &toml::Table,
) -> Result<Provisioned, AdminError> {
    let stem = if kind == "desk" { "desk" } else { "terminal" };
    let write = |name: &str, contents: &str| {
        let path = out.join(name);
        std::fs::write(&path, contents).map_err(|source| AdminError::Write { path: path.clone(), source })?;
        Ok::<_, AdminError>(path)
    };
    std::fs::create_dir_all(out).map_err(|source| AdminError::Write { path: out.to_owned(), source })?;
    write("ca.pem", &ca.authority.cert_pem())?;
    write(&format!("{stem}.pem"), &issued.cert_pem)?;
    let key = match &issued.key_pem {
        Some(key_pem) => {
            let path = out.join(format!("{stem}.key"));
            schalter_pki::write_private_file(&path, key_pem.as_bytes())
                .map_err(|source| AdminError::Write { path: path.clone(), source })?;
            Some(path)
        }
        None => None,
    };
    let config_path = write(&format!("{kind}.toml"), &format!("{header}{config}"))?;
    Ok(Provisioned {
        name: issued.common_name.clone(),
        fingerprint: issued.fingerprint.clone(),
        serial: issued.serial.to_hex(),
        not_after: issued.not_after.unix_timestamp(),
        config: config_path,
        key,
        replaces: None,
    })
}

/// Which certificate `revoke` means: exactly one of fingerprint, serial, name.
pub enum RevokeTarget {
    Fingerprint(Fingerprint),
    Serial(CertificateSerial),
    Name(String),
}

/// Revokes the certificate in the registry (its sessions end, a box terminal is unregistered) and writes
/// the CRL of every revoked certificate to `crl_out`. A name must name exactly one valid certificate.
pub async fn revoke(
    db: &Db,
    ca: &CityCa,
    target: RevokeTarget,
    crl_out: &Path,
) -> Result<CertificateRecord, AdminError> {
    let (selector, shown) = match &target {
        RevokeTarget::Fingerprint(fingerprint) => (
            CertificateSelector::Fingerprint(fingerprint.as_hex().to_owned()),
            format!("sha256:{}", fingerprint.as_hex()),
        ),
        RevokeTarget::Serial(serial) => {
            (CertificateSelector::Serial(serial.to_hex()), format!("Seriennummer {serial}"))
        }
        RevokeTarget::Name(name) => (CertificateSelector::Name(name.clone()), format!("dem Namen {name}")),
    };
    let mut found = db.find_certificates(&selector).await?;
    if let RevokeTarget::Name(name) = &target {
        found.retain(|record| record.revoked_at.is_none());
        if found.len() > 1 {
            return Err(AdminError::AmbiguousName { name: name.clone(), count: found.len() });
        }
    }
    let record = found.pop().ok_or(AdminError::UnknownCertificate(shown.clone()))?;
    let revoked =
        db.revoke_certificate(&record.fingerprint, now()).await?.ok_or(AdminError::UnknownCertificate(shown))?;
    write_crl(db, ca, crl_out).await?;
    Ok(revoked)
}

/// Writes the CRL of every revoked certificate in the registry to `path` (replaced atomically, so the
/// central's watcher never reads half a file), numbered one higher than the last.
pub async fn write_crl(db: &Db, ca: &CityCa, path: &Path) -> Result<i64, AdminError> {
    let mut revoked = Vec::new();
    for (serial, at) in db.revoked_certificates().await? {
        revoked.push(RevokedCertificate {
            serial: CertificateSerial::parse(&serial)?,
            revoked_at: OffsetDateTime::from_unix_timestamp(at).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        });
    }
    let number = db.next_crl_number().await?;
    let this_update = OffsetDateTime::now_utc();
    let pem = ca.authority.crl_pem(
        &revoked,
        number as u64,
        this_update,
        this_update + time::Duration::days(CRL_VALID_DAYS),
    )?;
    replace_file(path, pem.as_bytes())?;
    Ok(number)
}

fn replace_file(path: &Path, contents: &[u8]) -> Result<(), AdminError> {
    let error = |source| AdminError::Write { path: path.to_owned(), source };
    let name = path.file_name().ok_or_else(|| error(std::io::Error::other("no file name")))?;
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temporary = std::ffi::OsString::from(".");
    temporary.push(name);
    temporary.push(format!(".{}.tmp", std::process::id()));
    let temporary = dir.join(temporary);
    std::fs::write(&temporary, contents).and_then(|()| std::fs::rename(&temporary, path)).map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        error(source)
    })
}

/// Creates a clerk account (or replaces one of the same name, which ends its sessions).
pub async fn create_clerk(
    db: &Db,
    username: Username,
    display_name: DisplayName,
    role: Role,
    office: OfficeId,
    password: Password,
) -> Result<String, AdminError> {
    if !db.office_exists(&office).await? {
        return Err(AdminError::UnknownOffice(office.to_string()));
    }
    let state = AppState::new(db.clone());
    let password_hash = state.password_hasher.hash(&password).await?;
    let now = now();
    let id = db.upsert_clerk(&NewClerk { username, display_name, role, office, password_hash }, now).await?;
    db.audit(now, None, "clerk_upserted", Some(&id.to_string())).await?;
    Ok(id.to_string())
}

/// Disables a clerk account: no more logins, every open session ends at once.
pub async fn disable_clerk(db: &Db, username: &Username) -> Result<String, AdminError> {
    let now = now();
    let id = db.deactivate_clerk_at(username, now).await?.ok_or(AdminError::UnknownClerk)?;
    db.audit(now, None, "clerk_deactivated", Some(&id.to_string())).await?;
    Ok(id.to_string())
}

/// One row of `desks list`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceRow {
    pub kind: &'static str,
    pub name: String,
    pub office: String,
    pub box_id: Option<String>,
    pub fingerprint: String,
    pub serial: String,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sync_at: Option<OffsetDateTime>,
}

pub async fn list_devices(db: &Db) -> Result<Vec<DeviceRow>, AdminError> {
    let at = |seconds: i64| OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    Ok(db
        .provisioned_devices()
        .await?
        .into_iter()
        .map(|ProvisionedDevice { certificate: c, last_sync_at }| DeviceRow {
            kind: c.kind.as_str(),
            name: c.name,
            office: c.office_id,
            box_id: c.box_id,
            fingerprint: c.fingerprint,
            serial: c.serial,
            issued_at: at(c.issued_at),
            not_after: at(c.not_after),
            revoked_at: c.revoked_at.map(at),
            last_sync_at: last_sync_at.map(at),
        })
        .collect())
}

/// The rows as a German table: fingerprints shortened to their first 16 digits (enough to tell desks
/// apart; `--json` has them whole).
pub fn device_table(rows: &[DeviceRow]) -> String {
    let date = |at: &OffsetDateTime| {
        format!("{:04}-{:02}-{:02} {:02}:{:02}", at.year(), at.month() as u8, at.day(), at.hour(), at.minute())
    };
    let mut lines = vec![[
        "Art".to_owned(),
        "Name".into(),
        "Dienststelle".into(),
        "Fingerabdruck".into(),
        "Ausgestellt".into(),
        "Gesperrt".into(),
        "Letzte Synchronisation".into(),
    ]];
    for row in rows {
        lines.push([
            if row.kind == "desk" { "Arbeitsplatz".into() } else { "Ausgabebox".into() },
            row.name.clone(),
            row.office.clone(),
            format!("sha256:{}…", &row.fingerprint[..16.min(row.fingerprint.len())]),
            date(&row.issued_at),
            row.revoked_at.as_ref().map(date).unwrap_or_else(|| "–".into()),
            row.last_sync_at.as_ref().map(date).unwrap_or_else(|| "nie".into()),
        ]);
    }
    let widths: Vec<usize> =
        (0..7).map(|i| lines.iter().map(|line| line[i].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for line in &lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}
