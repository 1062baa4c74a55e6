//! A development PKI for the photo cloud: the cloud's own CA (TLS server and seal
//! certificates), the authority CA (desks) and the studio CA (photo studios). Tests make it in
//! memory; the demo writes it to a directory. Production uses PKI-1-Verwaltung.

use std::fs;
use std::path::{Path, PathBuf};

use schalter_pki::{CertificateAuthority, Identity, PkiError, Validity};

/// All certificates a development photo cloud, one desk and one studio need.
pub struct DevCloudPki {
    /// Issues the cloud's TLS server certificate and its seal certificate; desks trust it.
    pub cloud_ca: CertificateAuthority,
    pub server: Identity,
    pub seal: Identity,
    /// Issues desks' client certificates.
    pub authority_ca: CertificateAuthority,
    pub authority_client: Identity,
    /// Issues photo studios' client certificates.
    pub studio_ca: CertificateAuthority,
    pub studio_client: Identity,
}

impl std::fmt::Debug for DevCloudPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DevCloudPki { .. }")
    }
}

/// Where [`DevCloudPki::write`] put each file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DevCloudPkiPaths {
    pub cloud_ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub seal_cert: PathBuf,
    pub seal_key: PathBuf,
    pub authority_ca: PathBuf,
    pub authority_client_cert: PathBuf,
    pub authority_client_key: PathBuf,
    pub studio_ca: PathBuf,
    pub studio_client_cert: PathBuf,
    pub studio_client_key: PathBuf,
}

impl DevCloudPkiPaths {
    pub fn in_dir(dir: &Path) -> Self {
        let file = |name: &str| dir.join(name);
        Self {
            cloud_ca: file("cloud-ca.pem"),
            server_cert: file("cloud.pem"),
            server_key: file("cloud.key"),
            seal_cert: file("seal.pem"),
            seal_key: file("seal.key"),
            authority_ca: file("authority-ca.pem"),
            authority_client_cert: file("authority-client.pem"),
            authority_client_key: file("authority-client.key"),
            studio_ca: file("studio-ca.pem"),
            studio_client_cert: file("studio.pem"),
            studio_client_key: file("studio.key"),
        }
    }
}

impl DevCloudPki {
    /// A fresh PKI; the server certificate names `localhost`, `127.0.0.1` and `::1`.
    pub fn generate() -> Result<Self, PkiError> {
        let validity = Validity::days(825);
        let cloud_ca = CertificateAuthority::new("Schalter Foto-Cloud Entwicklungs-CA")?;
        let server = cloud_ca.issue_server(&["localhost", "127.0.0.1", "::1"], validity)?;
        let seal = cloud_ca.issue_client("Schalter Foto-Cloud Siegel", validity)?;
        let authority_ca = CertificateAuthority::new("Schalter Behörden-CA (Entwicklung)")?;
        let authority_client = authority_ca.issue_client("desk-05111000_01-1", validity)?;
        let studio_ca = CertificateAuthority::new("Schalter Fotostudio-CA (Entwicklung)")?;
        let studio_client = studio_ca.issue_client("Fotostudio Muster", validity)?;
        Ok(Self { cloud_ca, server, seal, authority_ca, authority_client, studio_ca, studio_client })
    }

    /// What the cloud's server needs.
    pub fn tls_settings(&self) -> crate::server::TlsSettings {
        crate::server::TlsSettings {
            identity: self.server.clone(),
            authority_ca_pem: self.authority_ca.cert_pem(),
            studio_ca_pem: self.studio_ca.cert_pem(),
            authority_crl_pem: None,
            authority_crl_file: None,
            crl_check_every: schalter_server_kit::tls_reload::CHECK_EVERY,
        }
    }

    /// Writes every certificate and key (keys readable by the owner only) into `dir`.
    pub fn write(&self, dir: &Path) -> Result<DevCloudPkiPaths, PkiError> {
        fs::create_dir_all(dir).map_err(|source| PkiError::Write { path: dir.to_owned(), source })?;
        let paths = DevCloudPkiPaths::in_dir(dir);
        let write_ca = |path: &Path, pem: String| {
            fs::write(path, pem).map_err(|source| PkiError::Write { path: path.to_owned(), source })
        };
        write_ca(&paths.cloud_ca, self.cloud_ca.cert_pem())?;
        write_ca(&paths.authority_ca, self.authority_ca.cert_pem())?;
        write_ca(&paths.studio_ca, self.studio_ca.cert_pem())?;
        self.server.write(&paths.server_cert, &paths.server_key)?;
        self.seal.write(&paths.seal_cert, &paths.seal_key)?;
        self.authority_client.write(&paths.authority_client_cert, &paths.authority_client_key)?;
        self.studio_client.write(&paths.studio_client_cert, &paths.studio_client_key)?;
        Ok(paths)
    }
}
