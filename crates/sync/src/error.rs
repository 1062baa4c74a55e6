use schalter_store::StoreError;

use crate::TransportError;

/// Why a sync round stopped. Nothing in the outbox is lost by any of them: pending mutations stay pending.
/// No variant carries payloads or personal data, so Debug and Display are safe to log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    #[error("Zum Abgleich mit der Zentrale bitte neu anmelden (mit Netzverbindung). Nichts geht verloren.")]
    NeedsLogin,
    /// Still unreachable after the retries of this round (`code` says why, e.g. `server_busy`).
    #[error("Die Zentrale ist nicht erreichbar. Die Änderungen bleiben gespeichert und werden später übertragen.")]
    Unavailable { code: String },
    /// The central refused a whole call (not a single mutation), with its own code and German message.
    #[error("{message}")]
    Refused { code: String, message: String },
    /// The central expects an earlier sequence number than our first pending one: it lacks mutations this desk
    /// holds as acknowledged. A bug or a restored server; needs IT. Nothing is deleted.
    #[error(
        "Die Zentrale erwartet Änderung Nr. {expected}, dieser Arbeitsplatz hat als nächste Nr. {first_pending}. \
         Bitte die IT verständigen; es geht nichts verloren."
    )]
    SequenceBehind { expected: i64, first_pending: i64 },
    #[error("Die Zentrale hat beim Abgleich unerwartet geantwortet ({0}). Bitte die IT verständigen.")]
    Protocol(&'static str),
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl SyncError {
    pub fn code(&self) -> &str {
        match self {
            SyncError::NeedsLogin => "sync_needs_login",
            SyncError::Unavailable { .. } => "central_unreachable",
            SyncError::Refused { code, .. } => code,
            SyncError::SequenceBehind { .. } => "sync_sequence_behind",
            SyncError::Protocol(_) => "sync_unexpected_answer",
            SyncError::Store(inner) => inner.code(),
        }
    }

    /// The cause behind `Unavailable` (e.g. `server_busy`), else the code.
    pub fn detail_code(&self) -> &str {
        match self {
            SyncError::Unavailable { code } => code,
            other => other.code(),
        }
    }
}

impl From<TransportError> for SyncError {
    fn from(error: TransportError) -> Self {
        match error {
            TransportError::Unavailable { code } => SyncError::Unavailable { code },
            TransportError::SessionExpired => SyncError::NeedsLogin,
            TransportError::OffsetMismatch => SyncError::Protocol("Upload-Offset"),
            TransportError::Refused { code, message } => SyncError::Refused { code, message },
        }
    }
}
