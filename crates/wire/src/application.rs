//! The application (Antrag) on its way from the desk to the central API: the `application.submit`
//! mutation's payload and answer, and the change-feed entry that brings its number and status back.
//! The applicant's fields are `schalter_application::ApplicationDraft`, defined once there (the
//! central validates them again with the same rules).

use schalter_application::ApplicationDraft;
pub use schalter_devices::{Finger, FingerprintOutcome, FingerprintOutcomes, Hand};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;
use uuid::Uuid;

/// Mutation kind: payload [`SubmittedApplication`], response [`ApplicationReceipt`].
pub const APPLICATION_SUBMIT: &str = "application.submit";
/// Change-feed entity: data [`ApplicationChange`].
pub const APPLICATION_ENTITY: &str = "application";

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// An application the clerk confirmed at the desk. It travels only after the photo it names was
/// accepted in the citizen's presence (`photo.accept` of the same visit, earlier in the sequence).
#[derive(Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SubmittedApplication {
    /// Made at the desk; the central's record has the same id.
    pub application_id: Uuid,
    /// The number the desk gave at once (`V-…`), shown until the central's number arrives.
    #[schema(example = "V-3f2a-00017")]
    pub provisional_number: String,
    pub visit_id: Uuid,
    /// The accepted photo (`AcceptedPhoto::photo_id`) of this visit.
    pub photo_id: Uuid,
    /// The day the citizen applied (the fees and rules of that day apply).
    #[serde(with = "iso_date")]
    #[schema(value_type = String, example = "2026-12-01")]
    pub application_date: Date,
    /// What the clerk typed; see `schalter_application::ApplicationDraft`.
    #[schema(value_type = Object)]
    pub draft: ApplicationDraft,
    /// What was captured at the counter: fingerprint outcomes and the signature's blob. Absent in the
    /// payloads of older desks (then the central's check of the rules refuses what they require).
    #[serde(default)]
    pub biometrics: Biometrics,
}

/// The biometrics of one application: per hand what the fingerprint reader recorded (no images:
/// those go with the order), and the signature as a content-addressed blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Biometrics {
    #[schema(value_type = Object)]
    pub fingerprints: FingerprintOutcomes,
    /// SHA-256 (64 lower-case hex) of the signature's 900 × 132 JPEG, uploaded as a blob before the
    /// mutation (like the accepted photo); none when no signature is required (under 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_sha256: Option<String>,
}

impl Default for Biometrics {
    /// Nothing captured: both hands `NotRequired`, no signature (right only for a child under 6).
    fn default() -> Self {
        Biometrics {
            fingerprints: FingerprintOutcomes {
                left: FingerprintOutcome::NotRequired,
                right: FingerprintOutcome::NotRequired,
            },
            signature_sha256: None,
        }
    }
}

impl std::fmt::Debug for SubmittedApplication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubmittedApplication")
            .field("application_id", &self.application_id)
            .field("document_kind", &self.draft.document_kind)
            .finish_non_exhaustive()
    }
}

/// The central's answer to an applied `application.submit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApplicationReceipt {
    /// Assigned by the central: `<office>-<year>-<six digits>`, counting per office and year.
    #[schema(example = "05111000_01-2026-000042")]
    pub application_number: String,
    pub total_fee_cents: u32,
}

/// Where an application stands, as the change feed tells desks. No personal data: the desk that
/// captured it holds the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApplicationChange {
    pub application_id: Uuid,
    pub application_number: String,
    pub provisional_number: String,
    pub office_id: String,
    /// `captured`, `sent`, `accepted`, `rejected`, `in_production`, `delivered`, `ready_for_pickup`,
    /// `handed_out` (schalter_application::ApplicationStatus).
    #[schema(example = "captured")]
    pub status: String,
    /// Why the producer rejected it (error number and text), for the clerk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
}

/// Mutation kind: payload [`CorrectedApplication`], response [`ApplicationReceipt`]. Only an
/// application the producer rejected can be corrected; it keeps its number and date and is
/// ordered again.
pub const APPLICATION_CORRECT: &str = "application.correct";

/// The clerk's correction of a rejected application.
#[derive(Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CorrectedApplication {
    pub application_id: Uuid,
    #[schema(value_type = Object)]
    pub draft: ApplicationDraft,
}

impl std::fmt::Debug for CorrectedApplication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorrectedApplication").field("application_id", &self.application_id).finish_non_exhaustive()
    }
}
