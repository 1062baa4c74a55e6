//! Pure rules of the document pickup box (Dokumentenausgabebox, issue 10): when it may be used
//! (a weekly table in German local time, NRW public holidays, or around the clock), the PIN sent by
//! SMS (CSPRNG, stored as a keyed hash, checked in constant time, the same work for unknown numbers),
//! the lock after three wrong answers, a rate limit per terminal, the pickup period, the choice of a
//! compartment, and the terminal's flow with the outcomes of a door left open, a slot jam and a
//! power cut. No Tauri, HTTP, SQL or clock reads: every function takes the time it needs. Facts and
//! their sources: domain.md §4; see README.md.

mod attempts;
mod compartment;
mod deadline;
mod error;
mod flow;
mod holidays;
mod hours;
pub mod local_time;
mod pin;

pub use attempts::{Attempts, LockState, TerminalRateLimit, MAX_WRONG_PINS};
pub use compartment::{choose_compartment, Compartment, CompartmentId, CompartmentState, SizeClass};
pub use deadline::{expires_at, last_pickup_day, PickupDays, PickupDeadline};
pub use error::{PickupError, ERROR_CODES};
pub use flow::{
    Alarm, AuditEvent, Effect, EndReason, Event, PickupFacts, PickupFlow, Screen, ThirdFactor, MAX_DOCUMENT_TRIES,
};
pub use holidays::{easter_sunday, public_holiday_nrw, public_holidays_nrw, PublicHoliday};
pub use hours::{BoxMode, Interval, OpeningHours, ScheduleRow, DUESSELDORF_SERVICE_CENTRE};
pub use pin::{Pepper, PickupId, PickupPin, PinHash, PinHasher};
