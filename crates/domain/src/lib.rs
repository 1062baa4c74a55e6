//! Pure domain rules of Schalter. Everything here is plain data and validation:
//! no Tauri, HTTP or SQL, so every adapter (central API, desk app, box terminal)
//! shares one definition of what a valid value is.

mod clerk;
mod office;
mod org_key;

pub use clerk::{DisplayName, Password, Role, Username};
pub use office::OfficeId;
pub use org_key::{OrgCategory, OrganisationKey};

/// Why a value was refused. Messages are German because they reach clerks;
/// the `code` is stable for programs and translations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("Der Benutzername muss 3 bis 32 Zeichen lang sein und darf nur Kleinbuchstaben, Ziffern, Punkt, Bindestrich und Unterstrich enthalten.")]
    InvalidUsername,
    #[error("Das Passwort muss mindestens {min} und höchstens {max} Zeichen lang sein.", min = Password::MIN_CHARS, max = Password::MAX_CHARS)]
    InvalidPassword,
    #[error("Der Anzeigename darf nicht leer und höchstens 80 Zeichen lang sein.")]
    InvalidDisplayName,
    #[error("Unbekannte Rolle; erlaubt sind clerk, supervisor und admin.")]
    InvalidRole,
    #[error(
        "Die Dienststellen-Kennung muss aus 8 Ziffern (AGS), Unterstrich und 2 Ziffern bestehen, z. B. 05111000_01."
    )]
    InvalidOfficeId,
    #[error("Der Organisationsschlüssel muss die Form Kategorie:AGS_Zweigstelle haben, z. B. psb:05111000_00.")]
    InvalidOrganisationKey,
}

impl DomainError {
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::InvalidUsername => "invalid_username",
            DomainError::InvalidPassword => "invalid_password",
            DomainError::InvalidDisplayName => "invalid_display_name",
            DomainError::InvalidRole => "invalid_role",
            DomainError::InvalidOfficeId => "invalid_office_id",
            DomainError::InvalidOrganisationKey => "invalid_organisation_key",
        }
    }
}

mod session;
pub use session::{AttemptVerdict, DeskThrottle, LoginThrottle, SessionPolicy};
