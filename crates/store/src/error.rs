/// Everything that can go wrong in the desk store. Messages are German because they reach the clerk;
/// `code()` is stable for programs, translations and the `{code, message}` JSON shape.
///
/// No variant carries key bytes, passwords, usernames or personal data, so Debug and Display are safe to log.
/// (sqlx errors carry SQL text and constraint names, never bound values.)
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("Benutzername oder Passwort ist falsch.")]
    InvalidCredentials,
    #[error(
        "Dieses Konto hat sich an diesem Gerät noch nie online angemeldet. Offline-Anmeldung ist erst nach einer \
         Online-Anmeldung möglich."
    )]
    UnknownOfflineClerk,
    #[error("Die letzte Online-Anmeldung an diesem Gerät ist zu lange her. Bitte mit Netzverbindung anmelden.")]
    OfflineLoginExpired,
    #[error(
        "Die Uhr dieses Geräts geht hinter die letzte Online-Anmeldung zurück. Bitte Datum und Uhrzeit prüfen oder \
         mit Netzverbindung anmelden."
    )]
    ClockBeforeLastLogin,
    #[error("Der Schlüssel passt nicht zu diesem Datenspeicher.")]
    WrongDataKey,
    #[error("Die Verschlüsselung des Datenspeichers (SQLCipher) fehlt in diesem Programm.")]
    EncryptionUnavailable,
    #[error("An diesem Ort gibt es schon einen Datenspeicher.")]
    StoreExists,
    #[error("An diesem Ort gibt es keinen Datenspeicher dieses Geräts.")]
    StoreMissing,
    #[error("Die Schlüsseldatei des Datenspeichers ist beschädigt: {0}")]
    KeyringInvalid(&'static str),
    #[error("Ungültige Eingabe an den Datenspeicher: {0}")]
    InvalidInput(&'static str),
    #[error("Die Änderung Nr. {0} ist nicht im Ausgang.")]
    UnknownMutation(i64),
    #[error("Die Änderung Nr. {seq} ist schon abgeschlossen ({state}).")]
    MutationSettled { seq: i64, state: &'static str },
    #[error("Der Hintergrundauftrag ist unbekannt oder schon abgeschlossen.")]
    UnknownJob,
    #[error("Dateifehler im Datenspeicher ({0}).")]
    Io(std::io::ErrorKind),
    #[error("Interner Fehler des Datenspeichers.")]
    Database(#[from] sqlx::Error),
    #[error("Interner Fehler des Datenspeichers (Migration).")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("Interner Fehler des Datenspeichers: {0}")]
    Internal(&'static str),
}

impl StoreError {
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::InvalidCredentials => "invalid_credentials",
            StoreError::UnknownOfflineClerk => "offline_login_unknown",
            StoreError::OfflineLoginExpired => "offline_login_expired",
            StoreError::ClockBeforeLastLogin => "clock_before_last_login",
            StoreError::WrongDataKey => "wrong_data_key",
            StoreError::EncryptionUnavailable => "encryption_unavailable",
            StoreError::StoreExists => "store_exists",
            StoreError::StoreMissing => "store_missing",
            StoreError::KeyringInvalid(_) => "keyring_invalid",
            StoreError::InvalidInput(_) => "invalid_input",
            StoreError::UnknownMutation(_) => "unknown_mutation",
            StoreError::MutationSettled { .. } => "mutation_settled",
            StoreError::UnknownJob => "unknown_job",
            StoreError::Io(_) => "io",
            StoreError::Database(_) | StoreError::Migration(_) | StoreError::Internal(_) => "internal",
        }
    }

    /// SQLCipher answers a wrong key with SQLITE_NOTADB ("file is not a database") at the first read.
    pub(crate) fn from_open(error: sqlx::Error) -> Self {
        if is_not_a_database(&error) {
            StoreError::WrongDataKey
        } else {
            StoreError::Database(error)
        }
    }
}

pub(crate) fn is_not_a_database(error: &sqlx::Error) -> bool {
    match error {
        // SQLITE_NOTADB = 26; extended codes keep it in the low byte.
        sqlx::Error::Database(db) => db.code().and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| c & 0xff == 26),
        _ => false,
    }
}

impl From<std::io::Error> for StoreError {
    fn from(error: std::io::Error) -> Self {
        // The path may name the user's home directory: keep only the kind.
        StoreError::Io(error.kind())
    }
}
