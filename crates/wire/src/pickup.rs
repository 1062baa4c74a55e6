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
    /// The office loads by the four-eyes rule and a second clerk has not confirmed this load yet:
    /// no PIN and no SMS until then (`POST /v1/pickups/confirm-load`); the last day counts from then.
    #[serde(default)]
    pub awaiting_confirmation: bool,
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

/// `POST`, box terminals only: starts a session at the terminal ([`SessionAnswer`]). When the
/// terminal's last session was cut between "open" and "closed" (a power cut), that session comes
/// back instead, with [`SessionAnswer::check_compartment`] set: the terminal reads that compartment's
/// sensors and reports [`TerminalInput::PowerRestored`]. `pickup_box_closed` outside opening hours.
pub const BOX_SESSIONS: &str = "/v1/box/sessions";

/// `POST`, box terminals only, `{id}` a session of this terminal: one input or device report
/// ([`TerminalInput`] → [`SessionAnswer`]).
pub const BOX_SESSION_INPUT: &str = "/v1/box/sessions/{id}/input";

pub fn box_session_input(id: Uuid) -> String {
    BOX_SESSION_INPUT.replace("{id}", &id.to_string())
}

/// What the citizen typed or touched, or what a device of the box reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum TerminalInput {
    /// The mobile number as typed (`0171 …` or `+49 171 …`). Unknown numbers get the same answer.
    PhoneNumber { number: String },
    /// The SMS PIN as typed: 6 digits.
    Pin { pin: String },
    /// The birth date, `YYYY-MM-DD`, when the application recorded no old document.
    BirthDate { date: String },
    /// The citizen confirms having received the PIN letter (ID cards).
    PinLetterConfirmed,
    /// The citizen pressed "Abbrechen", or the terminal's idle timeout.
    Cancel,
    /// Slot reader: the serial it read from the inserted document.
    SlotRead { serial: String },
    /// Slot reader: jammed with the document inside.
    SlotJam,
    /// Compartment lock: the door is open.
    CompartmentOpened,
    /// Door sensor: the door is closed.
    DoorClosed,
    /// The terminal's timer: no open report, or the door not closed, in time.
    DoorTimeout,
    /// After a power cut: whether the door was seen open since the open command, and whether the
    /// compartment is empty now.
    PowerRestored { door_open_seen: bool, compartment_empty: bool },
    /// After a `door_timeout` while the screen still says `please_wait` (the lock never reported
    /// open): the compartment's sensors, which decide the session.
    SensorsRead { door_open_seen: bool, compartment_empty: bool },
}

impl TerminalInput {
    /// The input's `input` tag, for logs (never its content).
    pub fn name(&self) -> &'static str {
        match self {
            TerminalInput::PhoneNumber { .. } => "phone_number",
            TerminalInput::Pin { .. } => "pin",
            TerminalInput::BirthDate { .. } => "birth_date",
            TerminalInput::PinLetterConfirmed => "pin_letter_confirmed",
            TerminalInput::Cancel => "cancel",
            TerminalInput::SlotRead { .. } => "slot_read",
            TerminalInput::SlotJam => "slot_jam",
            TerminalInput::CompartmentOpened => "compartment_opened",
            TerminalInput::DoorClosed => "door_closed",
            TerminalInput::DoorTimeout => "door_timeout",
            TerminalInput::PowerRestored { .. } => "power_restored",
            TerminalInput::SensorsRead { .. } => "sensors_read",
        }
    }
}

/// What the terminal shows and what its devices do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionAnswer {
    pub session_id: Uuid,
    pub screen: TerminalScreen,
    /// Carried out in this order, after the answer has been recorded.
    pub commands: Vec<DeviceCommand>,
    /// Set when a session cut by a power cut comes back: the compartment whose sensors to report.
    pub check_compartment: Option<u32>,
}

/// The terminal's screen. The same for an unknown number, a locked pickup and a wrong PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "screen", rename_all = "snake_case")]
pub enum TerminalScreen {
    EnterPhoneNumber,
    /// `wrong_before`: wrong PINs in this session so far.
    EnterPin {
        wrong_before: u8,
    },
    /// `returned_before`: documents given back in this session so far.
    InsertOldDocument {
        returned_before: u8,
    },
    EnterBirthDate {
        wrong_before: u8,
    },
    ConfirmPinLetter,
    /// The compartment has been told to open.
    PleaseWait,
    TakeDocument {
        compartment: u32,
    },
    ThankYou,
    /// Over without a handout. `reason`: `too_many_wrong_pins`, `locked`, `expired`,
    /// `old_document_mismatch`, `slot_jam`, `not_taken_after_power_cut`, `cancelled`, `interrupted`,
    /// `no_longer_available`, `compartment_did_not_open`.
    /// `to_counter`: the citizen is asked to go to the counter.
    Ended {
        reason: String,
        to_counter: bool,
    },
}

/// A command for a device of the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum DeviceCommand {
    OpenCompartment {
        compartment: u32,
    },
    /// The slot reader gives the document back.
    ReturnOldDocument,
    /// The slot reader draws the document in for destruction.
    DestroyOldDocument,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inputs_name_is_its_serde_tag() {
        let inputs = [
            TerminalInput::PhoneNumber { number: String::new() },
            TerminalInput::Pin { pin: String::new() },
            TerminalInput::BirthDate { date: String::new() },
            TerminalInput::PinLetterConfirmed,
            TerminalInput::Cancel,
            TerminalInput::SlotRead { serial: String::new() },
            TerminalInput::SlotJam,
            TerminalInput::CompartmentOpened,
            TerminalInput::DoorClosed,
            TerminalInput::DoorTimeout,
            TerminalInput::PowerRestored { door_open_seen: false, compartment_empty: false },
            TerminalInput::SensorsRead { door_open_seen: false, compartment_empty: false },
        ];
        for input in inputs {
            assert_eq!(serde_json::to_value(&input).unwrap()["input"], input.name());
        }
    }
}
