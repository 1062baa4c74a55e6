//! Runs [`crate::app`] on a mutual-TLS socket: the one way the binary, the tests and the
//! demo start a photo cloud.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum_server::tls_rustls::RustlsConfig;
use axum_server::Handle;
use schalter_pki::Identity;
use schalter_server_kit::ClientCertificateAcceptor;

use crate::peer::PeerClassifier;
use crate::{app, AppState, CloudError};

/// The cloud's TLS identity and the two CAs whose client certificates it accepts.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    pub identity: Identity,
    /// Issues the desks' (authorities') client certificates.
    pub authority_ca_pem: String,
    /// Issues the photo studios' client certificates.
    pub studio_ca_pem: String,
    /// The authority CA's CRL (PEM): a revoked desk certificate fails the handshake. The city
    /// publishes it with `schalter-admin revoke`; studios' certificates are not listed there.
    pub authority_crl_pem: Option<String>,
    /// The file that CRL came from: looked at every `crl_check_every` while serving and read again
    /// when it changes, so a desk revoked later is refused without a restart.
    pub authority_crl_file: Option<PathBuf>,
    pub crl_check_every: Duration,
}

impl TlsSettings {
    pub fn load(cert: &Path, key: &Path, authority_ca: &Path, studio_ca: &Path) -> Result<Self, CloudError> {
        let pki = |error: schalter_pki::PkiError| CloudError::Internal(error.to_string());
        Ok(Self {
            identity: Identity::load(cert, key).map_err(pki)?,
            authority_ca_pem: schalter_pki::load_ca(authority_ca).map_err(pki)?,
            studio_ca_pem: schalter_pki::load_ca(studio_ca).map_err(pki)?,
            authority_crl_pem: None,
            authority_crl_file: None,
            crl_check_every: schalter_server_kit::tls_reload::CHECK_EVERY,
        })
    }

    /// Refuses the desks listed in the CRL at `path`: read now, and again whenever the file changes
    /// while serving (a broken new file leaves the last good list in force).
    pub fn with_authority_crl(mut self, path: &Path) -> Result<Self, CloudError> {
        self.authority_crl_pem = Some(read_crl(path)?);
        self.authority_crl_file = Some(path.to_owned());
        // Checked here, so a broken file stops the start instead of the first handshake.
        self.build()?;
        Ok(self)
    }

    /// The server configuration with the CRL as `path` holds it now.
    fn with_crl_reread(&self, path: &Path) -> Result<rustls::ServerConfig, CloudError> {
        let settings = Self { authority_crl_pem: Some(read_crl(path)?), ..self.clone() };
        Ok(settings.build()?.0)
    }

    /// A rustls server demanding a client certificate from either CA, and the classifier that
    /// later tells which of the two issued it.
    fn build(&self) -> Result<(rustls::ServerConfig, PeerClassifier), CloudError> {
        let classifier = PeerClassifier::new(&self.authority_ca_pem, &self.studio_ca_pem)?;
        let both_cas = format!("{}\n{}", self.authority_ca_pem, self.studio_ca_pem);
        let crls: Vec<String> = self.authority_crl_pem.iter().cloned().collect();
        let config = schalter_pki::mtls_server_config_with_crls(&self.identity, &both_cas, &crls)
            .map_err(|error| CloudError::Internal(format!("TLS configuration: {error}")))?;
        Ok((config, classifier))
    }
}

fn read_crl(path: &Path) -> Result<String, CloudError> {
    std::fs::read_to_string(path)
        .map_err(|error| CloudError::Internal(format!("cannot read the CRL {}: {error}", path.display())))
}

/// A photo cloud serving in this process.
pub struct RunningServer {
    address: SocketAddr,
    handle: Handle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    /// Watches the CRL file, if there is one; ends with the server.
    crl_reload: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer").field("address", &self.address).finish_non_exhaustive()
    }
}

/// Binds `listen` (port 0 picks a free port) and serves until shut down.
pub async fn start(state: AppState, listen: SocketAddr, tls: &TlsSettings) -> Result<RunningServer, CloudError> {
    let (config, classifier) = tls.build()?;
    let rustls_config = RustlsConfig::from_config(Arc::new(config));
    let crl_reload = tls.authority_crl_file.clone().map(|file| {
        let settings = tls.clone();
        let watched = file.clone();
        schalter_server_kit::tls_reload::reload_on_change(
            rustls_config.clone(),
            watched,
            tls.crl_check_every,
            move || settings.with_crl_reread(&file),
        )
    });
    let acceptor = ClientCertificateAcceptor::new(rustls_config);
    let handle = Handle::new();
    let server = axum_server::bind(listen).acceptor(acceptor).handle(handle.clone());
    let router = app(state).layer(Extension(Arc::new(classifier)));
    let task = tokio::spawn(server.serve(router.into_make_service()));
    match handle.listening().await {
        Some(address) => Ok(RunningServer { address, handle, task, crl_reload }),
        None => {
            if let Some(reload) = &crl_reload {
                reload.abort();
            }
            let error = match task.await {
                Ok(Err(error)) => error.to_string(),
                _ => "server stopped before listening".to_owned(),
            };
            Err(CloudError::Internal(format!("cannot listen on {listen}: {error}")))
        }
    }
}

impl RunningServer {
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `https://ADDR`: the cloud base URL for codes and clients.
    pub fn url(&self) -> String {
        format!("https://{}", self.address)
    }

    /// To shut the server down from elsewhere, e.g. on a signal.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Stops accepting, lets running requests finish (at most five seconds) and waits.
    pub async fn shutdown(self) -> Result<(), CloudError> {
        self.handle.graceful_shutdown(Some(schalter_server_kit::shutdown::GRACE));
        self.wait().await
    }

    /// Waits until the server has stopped.
    pub async fn wait(self) -> Result<(), CloudError> {
        let served = self.task.await;
        if let Some(reload) = &self.crl_reload {
            reload.abort();
        }
        match served {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(CloudError::Internal(format!("serving: {error}"))),
            Err(error) => Err(CloudError::Internal(format!("server task: {error}"))),
        }
    }
}
