//! The public booking API (issue 11): offices and services, the slots the release rules have
//! published, booking, cancelling with the booking code; and the feed entity the desks pull for
//! their office's appointments. Served on the central's public listener (no client certificate).
//!
//! The booking code travels only in request bodies and in the booking answer, never in a path or
//! query, so access logs never hold it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// `GET`: offices with their services ([`PublicDirectory`]).
pub const OFFICES: &str = "/v1/public/appointments/offices";
/// `GET ?office=&service=&from=&days=`: bookable start times ([`FreeSlots`]).
pub const SLOTS: &str = "/v1/public/appointments/slots";
/// `POST`: book a slot ([`BookingRequest`] → 201 [`BookingConfirmation`]).
pub const BOOKINGS: &str = "/v1/public/appointments/bookings";
/// `POST`: cancel with the booking code ([`CancelRequest`] → [`CancelledBooking`]).
pub const CANCEL: &str = "/v1/public/appointments/bookings/cancel";
/// The booking page (HTML) and its script and style.
pub const BOOKING_PAGE: &str = "/termine/";

/// Feed entity of an office's appointment (id = booking id, data = [`AppointmentChange`]).
pub const APPOINTMENT_ENTITY: &str = "appointment";

/// The most days one slot query covers.
pub const MAX_QUERY_DAYS: u8 = 21;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicService {
    /// `personalausweis`
    pub id: String,
    pub name_de: String,
    pub name_en: String,
    pub minutes: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicOffice {
    /// `05111000_01`
    pub id: String,
    pub name: String,
    pub address: String,
    /// `service_centre`, `buergerbuero` or `pop_up`.
    pub kind: String,
    /// Ids of the services it offers.
    pub services: Vec<String>,
    /// A pop-up office's days (`YYYY-MM-DD`); empty for permanent offices.
    pub open_on: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicDirectory {
    pub services: Vec<PublicService>,
    pub offices: Vec<PublicOffice>,
}

/// Query of [`SLOTS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotQuery {
    pub office: String,
    pub service: String,
    /// First day (`YYYY-MM-DD`, German local date); today when absent.
    pub from: Option<String>,
    /// How many days from `from`, 1 to 21; 14 when absent.
    pub days: Option<u8>,
}

/// A start time the citizen can book now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FreeSlot {
    /// What to send in [`BookingRequest::slot_id`].
    pub slot_id: String,
    /// `YYYY-MM-DD`, German local date.
    pub date: String,
    /// `HH:MM`, German local time.
    pub time: String,
    /// RFC 3339.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub ends_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FreeSlots {
    pub office_id: String,
    pub service_id: String,
    /// Ordered by start; one entry per start time (whichever desk is free).
    pub slots: Vec<FreeSlot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BookingRequest {
    pub slot_id: String,
    pub service_id: String,
    /// 1 to 80 characters: whom the clerk calls.
    pub family_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BookingConfirmation {
    /// `K7QX-M2PA`: to cancel, and to check in at the office. Shown once; the central keeps only its hash.
    pub booking_code: String,
    pub office_id: String,
    pub office_name: String,
    pub office_address: String,
    pub service_id: String,
    /// `YYYY-MM-DD` and `HH:MM`, German local time.
    pub date: String,
    pub time: String,
    /// RFC 3339.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub ends_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CancelRequest {
    pub booking_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CancelledBooking {
    pub office_name: String,
    pub date: String,
    pub time: String,
}

/// The feed's [`APPOINTMENT_ENTITY`]: an office's booking as its desks hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppointmentChange {
    /// The booking id.
    pub id: String,
    pub office_id: String,
    pub service_id: String,
    /// RFC 3339.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub ends_at: OffsetDateTime,
    pub family_name: String,
    /// `booked`, `cancelled` or `checked_in`.
    pub state: String,
    /// Lower-hex SHA-256 of the normalised booking code (upper case, no spaces or dashes), so a desk
    /// can match a code the citizen shows without the central.
    pub code_hash: String,
}
