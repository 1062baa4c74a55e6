//! Pure rules of the ID card and passport application (issue 9): the applicant's fields with the
//! limits of the producer order (TR-03123 XhD), what follows from document, birth date and
//! application date (validity, eID, fingerprints, signature, custodian, PIN letter), the fees as a
//! dated table, and the status lifecycle. No Tauri, HTTP or SQL: the desk, the central API and the
//! producer adapter share one definition. Facts and their sources: domain.md §3; see README.md.

mod address;
mod application;
mod birth_date;
pub mod dates;
mod document;
mod error;
pub mod fees;
pub mod order;
mod person;
mod pickup;
pub mod rules;
mod status;
mod text;

pub use address::{Address, Place, PostalCode, Residence, Street};
pub use application::{Applicant, Application, ApplicationDraft, Custodian};
pub use birth_date::DateOfBirth;
pub use document::{icao_check_digit, CurrentDocument, CurrentDocumentKind, DocumentKind, SerialNumber};
pub use error::{ApplicationError, Field, FieldError, FieldErrorKind, ERROR_CODES};
pub use fees::{fee, format_euro, FeeBreakdown, FeeItem, FeeLine, FeeOptions, FEE_TABLE};
pub use order::{OrderNumber, OrderNumberError, MAX_APPLICATIONS_PER_ORDER};
pub use person::{
    names_together_len, BirthName, DoctoralDegree, EyeColour, FamilyName, GivenNames, Height, Nationality,
    PlaceOfBirth, ReligiousName, Sex, MAX_NAMES_TOGETHER,
};
pub use pickup::{MobileNumber, Pickup};
pub use rules::{derive, DerivedRules};
pub use status::ApplicationStatus;
