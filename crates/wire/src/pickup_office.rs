//! The desk's back office for the pickup box (issue 10): the compartments of the clerk's office's
//! boxes, the uncollected documents, clearing a lockout (supervisors), taking an expired document
//! back to the counter, the handout at the counter, and the second clerk's confirmation of a load
//! when the office works by the four-eyes rule. Calls, not sync mutations: each needs the
//! central's decision at once (a compartment, a lock, the document's one handout).
//!
//! No names and no phone numbers in any of these answers: application numbers identify documents.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// `GET`: the compartments of every box of the clerk's office ([`CompartmentOverview`]).
pub const COMPARTMENTS: &str = "/v1/pickups/compartments";
/// `GET`: documents waiting near or past their deadline, locked, or expired ([`UncollectedList`]).
pub const UNCOLLECTED: &str = "/v1/pickups/uncollected";
/// `GET ?number=`: a document of the clerk's office ready for its handout (or for loading), by
/// application number or by the delivered document's serial number ([`HandoutCandidate`]).
pub const FIND_READY: &str = "/v1/pickups/ready";
/// `POST`, supervisors only: a locked pickup is unlocked ([`PickupAction`] → [`PickupActionAnswer`]).
pub const CLEAR_LOCK: &str = "/v1/pickups/clear-lock";
/// `POST`: an expired document leaves its compartment for the counter ([`PickupAction`] → [`PickupActionAnswer`]).
pub const TAKE_BACK: &str = "/v1/pickups/take-back";
/// `POST`: the document is handed out at the counter ([`HandoutRequest`] → [`HandoutAnswer`]).
pub const HAND_OUT: &str = "/v1/pickups/hand-out";
/// `POST`: a document the producer delivered arrived at the office ([`ArrivalRequest`] → [`ArrivalAnswer`]):
/// a counter document becomes ready for pickup; a box document waits for its load.
pub const ARRIVED: &str = "/v1/pickups/arrived";
/// `POST`, four-eyes rule: a second clerk confirms a load ([`PickupAction`] → [`crate::pickup::LoadAnswer`]).
pub const CONFIRM_LOAD: &str = "/v1/pickups/confirm-load";

/// Where a compartment stands, as the desk shows it (in words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompartmentStateView {
    Free,
    Loaded,
    /// Loaded, and the second clerk's confirmation is still missing (four-eyes rule): no PIN sent yet.
    AwaitingConfirmation,
    Opened,
    Expired,
    Locked,
    OutOfService,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CompartmentView {
    pub number: u32,
    /// `S`, `M` or `L`.
    pub size: String,
    /// Low, reachable from a wheelchair.
    pub accessible: bool,
    pub state: CompartmentStateView,
    /// The document's application (no name): its id and number.
    pub application_id: Option<Uuid>,
    pub application_number: Option<String>,
    /// The last day of pickup (`YYYY-MM-DD`, German date) of the document inside.
    pub last_pickup_day: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BoxOverview {
    pub box_id: String,
    pub name: String,
    pub compartments: Vec<CompartmentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CompartmentOverview {
    /// The office loads by the four-eyes rule: a second clerk confirms each load.
    pub four_eyes_loading: bool,
    pub boxes: Vec<BoxOverview>,
}

/// Why a document is on the uncollected list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UncollectedState {
    /// Still waiting in its compartment; its last day is near (two days or less).
    DeadlineNear,
    /// Locked after too many wrong answers; a supervisor clears it.
    Locked,
    /// Its deadline passed; it waits in its compartment for a clerk to take it back.
    Expired,
    /// Taken back: at the counter, to be handed out there.
    AtCounter,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Uncollected {
    pub application_id: Uuid,
    pub application_number: String,
    pub box_id: String,
    /// `None` once it is at the counter.
    pub compartment: Option<u32>,
    pub state: UncollectedState,
    #[schema(example = "2027-01-25")]
    pub last_pickup_day: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UncollectedList {
    pub entries: Vec<Uncollected>,
}

/// One pickup, by its application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PickupAction {
    pub application_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PickupActionAnswer {
    pub application_id: Uuid,
    pub box_id: String,
    pub compartment: u32,
    /// The compartment's state afterwards.
    pub state: CompartmentStateView,
}

/// `?number=` of [`FIND_READY`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, utoipa::IntoParams)]
pub struct FindReady {
    /// The application number, `<office>-<year>-<six digits>`, or the document's serial number (as scanned).
    pub number: String,
}

/// Where a ready document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentPlace {
    /// At the counter (delivered for counter pickup, or taken back from the box).
    Counter,
    /// Still in a compartment of the box (the clerk takes it out for the handout).
    Compartment,
}

/// What the clerk needs for the handout; no name (the clerk checks the citizen's identity against
/// the document itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HandoutCandidate {
    pub application_id: Uuid,
    pub application_number: String,
    /// `id_card`, `passport32`, …
    pub document_kind: String,
    pub place: DocumentPlace,
    pub box_id: Option<String>,
    pub compartment: Option<u32>,
    /// The application recorded an old document: it is invalidated at the handout.
    pub has_old_document: bool,
    /// An ID card: the citizen confirms having received the PIN letter.
    pub pin_letter_required: bool,
}

/// What happened to the old document at the handout (domain.md §3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OldDocument {
    /// Invalidated and kept by the office.
    Invalidated,
    /// Invalidated and returned to the citizen as a souvenir.
    Souvenir,
    /// The application recorded no old document.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HandoutRequest {
    pub application_id: Uuid,
    pub old_document: OldDocument,
    /// ID cards: the citizen confirmed having received the PIN letter.
    #[serde(default)]
    pub pin_letter_confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HandoutAnswer {
    pub application_id: Uuid,
    pub application_number: String,
    /// The compartment it came from and that is free now, for a box document.
    pub freed_compartment: Option<u32>,
}

/// The arrived document, by what the clerk scanned or typed: its serial number (from the document)
/// or its application number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ArrivalRequest {
    /// The application number, `<office>-<year>-<six digits>`, or the document's serial number (as scanned).
    pub number: String,
}

/// What the arrival meant for the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalOutcome {
    /// A counter document (or a box document taken back): ready for pickup at the counter now.
    ReadyAtCounter,
    /// The citizen chose the box: it becomes ready when it is loaded; the desk offers the load.
    LoadIntoBox,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ArrivalAnswer {
    pub application_id: Uuid,
    pub application_number: String,
    /// `id_card`, `passport32`, …
    pub document_kind: String,
    pub outcome: ArrivalOutcome,
    /// It was marked before (a second scan changes nothing).
    pub already_marked: bool,
}
