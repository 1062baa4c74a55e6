//! When a slot is released, and what a citizen can do with it at an instant: a pure function of
//! (rules, slot, instant). The central stores each slot's release instant when it generates the
//! slot and asks the same question in SQL (`free_from <= now AND starts_at > now + lead`); the
//! tests here are the definition both follow.

use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

use crate::config::{ReleaseBefore, ReleaseRules};

/// Which release a slot belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Contingent {
    /// Published `advance_days` before its day.
    Advance,
    /// Held back and published on its own day (the same-day remainder).
    SameDay,
    /// Added by a special day beyond the usual hours, published by the special day's own rule.
    Extra(ReleaseBefore),
}

impl Contingent {
    pub fn key(self) -> &'static str {
        match self {
            Self::Advance => "advance",
            Self::SameDay => "same_day",
            Self::Extra(_) => "extra",
        }
    }
}

/// The instant German clocks show `time` on `date`; in the skipped hour of March (never an office's
/// hour) the hour after.
pub fn german_instant(date: Date, time: Time) -> OffsetDateTime {
    let local = PrimitiveDateTime::new(date, time);
    schalter_pickup::local_time::from_german_local(local)
        .or_else(|| schalter_pickup::local_time::from_german_local(local + time::Duration::HOUR))
        .unwrap_or_else(|| local.assume_utc())
}

impl ReleaseRules {
    /// The instant a slot on `date` (German local date) of `contingent` becomes visible and bookable.
    pub fn release_at(&self, date: Date, contingent: Contingent) -> OffsetDateTime {
        match contingent {
            Contingent::Extra(rule) => german_instant(rule.date_for(date), rule.at),
            Contingent::SameDay => match self.same_day_at[usize::from(date.weekday().number_days_from_monday())] {
                Some(at) => german_instant(date, at),
                None => self.release_at(date, Contingent::Advance),
            },
            Contingent::Advance => {
                let day = date.checked_sub(time::Duration::days(self.advance_days.into())).unwrap_or(date);
                german_instant(day, self.advance_at)
            }
        }
    }

    /// A slot cancelled at `cancelled_at` circulates again from this instant.
    pub fn free_again_at(&self, cancelled_at: OffsetDateTime) -> OffsetDateTime {
        cancelled_at + self.cancelled_quarantine
    }

    /// What the booking page can do with `slot` at `now`.
    pub fn availability(&self, slot: &SlotFacts, now: OffsetDateTime) -> Availability {
        if now < slot.release_at {
            Availability::NotYetReleased { at: slot.release_at }
        } else if now >= slot.starts_at - self.booking_lead {
            Availability::Closed
        } else if slot.booked {
            Availability::Booked
        } else if now < slot.free_from {
            Availability::Quarantined { until: slot.free_from }
        } else {
            Availability::Bookable
        }
    }
}

/// What the central knows of a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotFacts {
    pub starts_at: OffsetDateTime,
    pub release_at: OffsetDateTime,
    pub booked: bool,
    /// `release_at`, or the end of the quarantine after its last cancellation (never earlier than `release_at`).
    pub free_from: OffsetDateTime,
}

/// A slot at one instant, as the public sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Not published yet: invisible to the public.
    NotYetReleased {
        at: OffsetDateTime,
    },
    /// Too close to its start, or past: no longer offered.
    Closed,
    Booked,
    /// Cancelled a moment ago: back in circulation at `until`.
    Quarantined {
        until: OffsetDateTime,
    },
    Bookable,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AppointmentConfig;
    use proptest::prelude::*;
    use time::macros::{date, datetime, time};

    fn rules() -> ReleaseRules {
        AppointmentConfig::duesseldorf().release
    }

    #[test]
    fn next_weeks_appointments_are_published_daily_at_nine() {
        let rules = rules();
        // Thursday 12 June 2025 (CEST): released Thursday 5 June 09:00 local = 07:00 UTC.
        assert_eq!(rules.release_at(date!(2025 - 06 - 12), Contingent::Advance), datetime!(2025-06-05 07:00 UTC));
        // In winter (CET) 09:00 local is 08:00 UTC.
        assert_eq!(rules.release_at(date!(2026 - 12 - 10), Contingent::Advance), datetime!(2026-12-03 08:00 UTC));
    }

    #[test]
    fn the_same_day_remainder_comes_at_seven_on_mon_wed_fri_and_at_nine_on_tue_thu() {
        let rules = rules();
        let week = [
            (date!(2025 - 06 - 02), time!(07:00)), // Monday
            (date!(2025 - 06 - 03), time!(09:00)), // Tuesday
            (date!(2025 - 06 - 04), time!(07:00)), // Wednesday
            (date!(2025 - 06 - 05), time!(09:00)), // Thursday
            (date!(2025 - 06 - 06), time!(07:00)), // Friday
        ];
        for (day, at) in week {
            assert_eq!(rules.release_at(day, Contingent::SameDay), german_instant(day, at), "{day}");
        }
        // No same-day time on Saturdays: such a slot goes with the weekly release.
        let saturday = date!(2025 - 06 - 07);
        assert_eq!(rules.release_at(saturday, Contingent::SameDay), rules.release_at(saturday, Contingent::Advance));
    }

    #[test]
    fn availability_follows_release_lead_booking_and_quarantine() {
        let rules = rules();
        let starts_at = datetime!(2025-06-12 08:00 UTC);
        let release_at = rules.release_at(date!(2025 - 06 - 12), Contingent::Advance);
        let slot = SlotFacts { starts_at, release_at, booked: false, free_from: release_at };
        let second = time::Duration::SECOND;
        assert_eq!(rules.availability(&slot, release_at - second), Availability::NotYetReleased { at: release_at });
        assert_eq!(rules.availability(&slot, release_at), Availability::Bookable);
        assert_eq!(rules.availability(&slot, starts_at - rules.booking_lead - second), Availability::Bookable);
        assert_eq!(rules.availability(&slot, starts_at - rules.booking_lead), Availability::Closed);
        let booked = SlotFacts { booked: true, ..slot };
        assert_eq!(rules.availability(&booked, release_at + second), Availability::Booked);
        // Cancelled: out of circulation for the quarantine, then bookable again.
        let cancelled_at = release_at + time::Duration::HOUR;
        let free_from = rules.free_again_at(cancelled_at);
        assert_eq!(free_from - cancelled_at, time::Duration::minutes(10));
        let cancelled = SlotFacts { free_from, ..slot };
        assert_eq!(rules.availability(&cancelled, cancelled_at), Availability::Quarantined { until: free_from });
        assert_eq!(rules.availability(&cancelled, free_from), Availability::Bookable);
    }

    proptest! {
        /// No slot is ever bookable before its release instant, whatever its day, contingent, history and the instant asked.
        #[test]
        fn no_slot_is_bookable_before_its_release(
            day in 0i64..800,
            minute_of_day in (7 * 60i64)..(19 * 60),
            contingent in 0u8..3,
            asked in -20_000i64..20_000,
            cancelled in proptest::option::of(-20_000i64..20_000),
            booked: bool,
        ) {
            let rules = rules();
            let date = date!(2025 - 01 - 01) + time::Duration::days(day);
            let contingent = match contingent {
                0 => Contingent::Advance,
                1 => Contingent::SameDay,
                _ => Contingent::Extra(ReleaseBefore { weekday: time::Weekday::Monday, at: time!(09:00) }),
            };
            let starts_at = german_instant(date, Time::MIDNIGHT) + time::Duration::minutes(minute_of_day);
            let release_at = rules.release_at(date, contingent);
            if contingent != Contingent::SameDay {
                prop_assert!(release_at < starts_at, "released before it happens");
            }
            let free_from = match cancelled {
                Some(minutes) => rules.free_again_at(release_at + time::Duration::minutes(minutes.abs())),
                None => release_at,
            };
            let slot = SlotFacts { starts_at, release_at, booked, free_from };
            let now = release_at + time::Duration::minutes(asked);
            if rules.availability(&slot, now) == Availability::Bookable {
                prop_assert!(now >= release_at);
                prop_assert!(now >= free_from);
                prop_assert!(now < starts_at - rules.booking_lead);
                prop_assert!(!booked);
            }
        }
    }
}
