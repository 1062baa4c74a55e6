//! What both Schalter servers (the central API and the photo cloud) need and would otherwise
//! each write again: the time source, the SQLite pool (or SQLite-or-PostgreSQL, [`database`]), logging, shutdown on a signal, the TLS
//! configuration reloaded when the CRL changes ([`tls_reload`]), and the TLS acceptor that tells handlers which client certificate is on the other end.

pub mod clock;
pub mod database;
pub mod peer;
pub mod shutdown;
pub mod sqlite;
pub mod telemetry;
pub mod tls_reload;

pub use clock::Clock;
pub use peer::{ClientCertificate, ClientCertificateAcceptor, ConnectedClient};
