//! Pure rules of appointments and the counter queue (issue 11): the offices with their services,
//! opening hours, special days and pop-up dates as data (`AppointmentConfig`, Düsseldorf's in
//! `duesseldorf.toml`), the slots generated from them, the release rules evaluated by a pure
//! function of (rules, instant), booking codes, and the queue's states. No Tauri, HTTP, SQL or
//! clock reads: every function takes the instant it judges. German civil time and the NRW holidays
//! come from `schalter_pickup` (one calendar for the box and the appointments). See README.md.

pub mod queue;

mod booking;
mod config;
mod error;
mod release;
mod slots;

pub use booking::{BookingCode, FamilyName};
pub use config::{
    AppointmentConfig, DayChange, Hours, Office, OfficeKind, ReleaseBefore, ReleaseRules, Service, ServiceId,
    SpecialDay, DUESSELDORF_TOML,
};
pub use error::{AppointmentError, ERROR_CODES};
pub use release::{german_instant, Availability, Contingent, SlotFacts};
pub use slots::{slots_on, SlotPlan};
