//! The pickup box (Ausgabebox) at the central API: loading a delivered document into a compartment.
//! The central chooses the compartment atomically, makes the PIN and sends it by SMS.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST`: a clerk loads a delivered document into a compartment of a box ([`LoadRequest`] →
/// [`LoadAnswer`]). Needs the central's decision, so it is a call, not a sync mutation.
pub const LOAD: &str = "/v1/pickups/load";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoadRequest {
    pub application_id: Uuid,
    pub box_id: String,
    /// The citizen asked for a low, accessible compartment.
    #[serde(default)]
    pub accessible: bool,
}

/// Where the document goes. No PIN here: it goes to the citizen's phone only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoadAnswer {
    pub application_id: Uuid,
    pub box_id: String,
    /// The compartment the clerk puts the document in.
    pub compartment: u32,
    pub accessible: bool,
    /// The last day of pickup (`YYYY-MM-DD`, German date); afterwards it goes back to the counter.
    #[schema(example = "2026-12-12")]
    pub last_pickup_day: String,
}

/// `GET`, box terminals only: the terminal's box and whether it may be used now.
pub const BOX_STATUS: &str = "/v1/box/status";

/// What a terminal shows before anyone touches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BoxStatus {
    pub box_id: String,
    pub name: String,
    /// `service_hours` or `around_the_clock`.
    pub mode: String,
    /// Usable now (opening hours, public holidays).
    pub open: bool,
}
