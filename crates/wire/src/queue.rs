//! The counter queue (issue 11) on the wire: the `queue.*` sync mutations a desk sends (each
//! applied once by the central, the rules in `schalter_appointments::queue`), the `queue_ticket`
//! change-feed entity that tells every desk of the office, and the waiting room's call display
//! (display number and place only, never a name).
//!
//! Kinds, states and places travel as their keys (`walk_in`, `called`, `Platz 3`); the central
//! parses them with the queue rules and rejects what does not parse (`invalid_payload`,
//! `queue_invalid_place`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// Payload [`QueueCheckIn`]: a walk-in gets a ticket, a booked appointment is checked in.
pub const QUEUE_CHECK_IN: &str = "queue.check_in";
/// Payload [`QueueStep`]: a waiting ticket is called to the desk's place. Rejected with
/// `queue_ticket_taken` when another place called it first.
pub const QUEUE_CALL: &str = "queue.call";
/// Payload [`QueueStep`]: called again (at most 3 calls).
pub const QUEUE_RECALL: &str = "queue.recall";
/// Payload [`QueueStep`]: the customer did not appear; waiting again, or `missed` after 3 calls.
pub const QUEUE_MISSED: &str = "queue.missed";
/// Payload [`QueueServe`]: the customer appeared at the place; linked to the desk's visit.
pub const QUEUE_SERVE: &str = "queue.serve";
/// Payload [`QueueStep`]: put aside.
pub const QUEUE_PARK: &str = "queue.park";
/// Payload [`QueueStep`]: a parked customer is served again at the place.
pub const QUEUE_RESUME: &str = "queue.resume";
/// Payload [`QueueForward`]: to another place and/or service.
pub const QUEUE_FORWARD: &str = "queue.forward";
/// Payload [`QueueFinish`]: done, with the application captured for the customer.
pub const QUEUE_FINISH: &str = "queue.finish";

/// Every queue mutation kind. The response of each applied one is the ticket after it
/// ([`QueueTicketChange`]).
pub const QUEUE_KINDS: &[&str] = &[
    QUEUE_CHECK_IN,
    QUEUE_CALL,
    QUEUE_RECALL,
    QUEUE_MISSED,
    QUEUE_SERVE,
    QUEUE_PARK,
    QUEUE_RESUME,
    QUEUE_FORWARD,
    QUEUE_FINISH,
];

/// Change-feed entity: data [`QueueTicketChange`], id the ticket id.
pub const QUEUE_TICKET_ENTITY: &str = "queue_ticket";

/// `GET`, public (no client certificate): the office's last calls of today ([`CallDisplay`]).
pub const CALL_DISPLAY: &str = "/v1/public/offices/{office_id}/calls";
/// `GET`, public: the waiting room's call display page (HTML) for an office.
pub const CALL_DISPLAY_PAGE: &str = "/aufruf/{office_id}";
/// Calls the display lists, newest first.
pub const CALL_DISPLAY_MAX_CALLS: usize = 10;

pub fn call_display(office_id: &str) -> String {
    CALL_DISPLAY.replace("{office_id}", office_id)
}

/// A customer arrives: a walk-in (`kind` `walk_in`, `service_id` required) or a booked
/// appointment (`kind` `appointment`, `booking_id` required; its service and time come from the
/// booking, which becomes `checked_in`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QueueCheckIn {
    /// Made at the desk (UUIDv7); the central's ticket has the same id. A `missed` ticket checked
    /// in again keeps its id.
    pub ticket_id: Uuid,
    #[schema(example = "walk_in")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "personalausweis")]
    pub service_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking_id: Option<String>,
}

/// Call, recall, missed, park, resume: which ticket, and the acting desk's place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QueueStep {
    pub ticket_id: Uuid,
    /// The desk's place, 1–8 characters, as the call display shows it.
    #[schema(example = "Platz 3")]
    pub place: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QueueServe {
    pub ticket_id: Uuid,
    #[schema(example = "Platz 3")]
    pub place: String,
    /// The desk's visit (photo, application) this customer is.
    pub visit_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QueueForward {
    pub ticket_id: Uuid,
    #[schema(example = "Platz 3")]
    pub place: String,
    /// Waits for this place only; absent: for any place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Platz 7")]
    pub to_place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "reisepass")]
    pub to_service_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QueueFinish {
    pub ticket_id: Uuid,
    #[schema(example = "Platz 3")]
    pub place: String,
    /// The application captured for the customer, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<Uuid>,
}

/// A ticket as the feed tells the office's desks (and as every queue mutation answers). No name:
/// an appointment's name is in its `appointment` entity (`booking_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QueueTicketChange {
    pub id: Uuid,
    #[schema(example = "05111000_01")]
    pub office_id: String,
    /// The office's day of the ticket (German civil date, `YYYY-MM-DD`).
    #[schema(example = "2026-06-18")]
    pub day: String,
    /// The day's number of its kind.
    pub number: u32,
    #[schema(example = "W 012")]
    pub display_number: String,
    /// `appointment` or `walk_in`.
    #[schema(example = "walk_in")]
    pub kind: String,
    #[schema(example = "personalausweis")]
    pub service_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking_id: Option<String>,
    /// `waiting`, `called`, `serving`, `parked`, `missed` or `finished`.
    #[schema(example = "called")]
    pub state: String,
    pub call_count: u32,
    /// Where it is called or served; while waiting after a forward, the place it waits for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "Platz 3")]
    pub place: Option<String>,
    /// The appointment's start.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub arrived_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub called_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub finished_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<Uuid>,
}

/// What the waiting room's screen shows: the last calls of today, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CallDisplay {
    #[schema(example = "05111000_01")]
    pub office_id: String,
    pub calls: Vec<DisplayedCall>,
}

/// One call: number and place, nothing about the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DisplayedCall {
    #[schema(example = "W 012")]
    pub display_number: String,
    #[schema(example = "Platz 3")]
    pub place: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub called_at: OffsetDateTime,
    /// 1 on the first call, more on a recall (the display may blink again).
    pub call_count: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_queue_dot_names_and_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for kind in QUEUE_KINDS {
            assert!(kind.starts_with("queue."), "{kind}");
            assert!(seen.insert(kind), "{kind} twice");
        }
        assert_eq!(QUEUE_KINDS.len(), 9);
        assert_eq!(call_display("05111000_01"), "/v1/public/offices/05111000_01/calls");
    }

    #[test]
    fn a_ticket_change_leaves_out_absent_fields_and_reads_back() {
        let change = QueueTicketChange {
            id: Uuid::nil(),
            office_id: "05111000_01".into(),
            day: "2026-06-18".into(),
            number: 12,
            display_number: "W 012".into(),
            kind: "walk_in".into(),
            service_id: "personalausweis".into(),
            booking_id: None,
            state: "waiting".into(),
            call_count: 0,
            place: None,
            due_at: None,
            arrived_at: OffsetDateTime::from_unix_timestamp(1_781_766_000).unwrap(),
            called_at: None,
            finished_at: None,
            visit_id: None,
            application_id: None,
        };
        let json = serde_json::to_value(&change).unwrap();
        assert_eq!(json["arrived_at"], "2026-06-18T07:00:00Z");
        assert!(json.get("place").is_none() && json.get("called_at").is_none());
        assert_eq!(serde_json::from_value::<QueueTicketChange>(json).unwrap(), change);
    }
}
