//! How long a loaded document waits in the box before it goes back to the counter (issue 10: a
//! configurable number of days, 10 by default; domain.md §4.2: Gera 10 days, Augsburg and
//! Ludwigsburg 7).

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

use crate::local_time::{from_german_local, german_date, CET};
use crate::PickupError;

/// The pickup period in days, 1..=60.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct PickupDays(u8);

impl PickupDays {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 60;
    pub const DEFAULT: PickupDays = PickupDays(10);

    pub fn new(days: u8) -> Result<Self, PickupError> {
        if (Self::MIN..=Self::MAX).contains(&days) {
            Ok(Self(days))
        } else {
            Err(PickupError::DaysOutOfRange { min: Self::MIN, max: Self::MAX })
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl Default for PickupDays {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TryFrom<u8> for PickupDays {
    type Error = PickupError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<PickupDays> for u8 {
    fn from(value: PickupDays) -> Self {
        value.0
    }
}

/// When the pickup ends: at German midnight after the last pickup day. The last day is the loading
/// day (German local date) plus `days`, so the SMS can name a date ("abholbereit bis einschließlich
/// 14.05.2026") and the citizen has at least `days` full days whatever the hour of loading. Our
/// choice where issue 10 is silent on the exact instant.
pub fn expires_at(loaded_at: OffsetDateTime, days: PickupDays) -> OffsetDateTime {
    let last_day = last_pickup_day(loaded_at, days);
    let midnight = last_day.next_day().map(|day| PrimitiveDateTime::new(day, Time::MIDNIGHT));
    // German midnight is never in the skipped hour (02:00–03:00); the fallbacks only guard the end
    // of the calendar `time` can represent.
    midnight
        .and_then(from_german_local)
        .unwrap_or_else(|| PrimitiveDateTime::new(last_day, Time::MAX).assume_offset(CET))
}

/// The last day (German local date) on which the document can be taken.
pub fn last_pickup_day(loaded_at: OffsetDateTime, days: PickupDays) -> Date {
    let loaded = german_date(loaded_at);
    loaded.checked_add(Duration::days(days.0.into())).unwrap_or(loaded)
}

/// One pickup's deadline, fixed when the document is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PickupDeadline {
    #[serde(with = "time::serde::rfc3339")]
    loaded_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
}

impl PickupDeadline {
    pub fn new(loaded_at: OffsetDateTime, days: PickupDays) -> Self {
        Self { loaded_at, expires_at: expires_at(loaded_at, days) }
    }

    /// A deadline as stored when the document was loaded (the box's days may have changed since).
    pub fn stored(loaded_at: OffsetDateTime, expires_at: OffsetDateTime) -> Self {
        Self { loaded_at, expires_at }
    }

    pub fn loaded_at(&self) -> OffsetDateTime {
        self.loaded_at
    }

    /// The first instant at which the pickup is over.
    pub fn expires_at(&self) -> OffsetDateTime {
        self.expires_at
    }

    /// The last pickup day, for the SMS and the terminal.
    pub fn last_pickup_day(&self) -> Date {
        german_date(self.expires_at - Duration::NANOSECOND)
    }

    /// Whether the document must go back to the counter at `now`.
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        now >= self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    #[test]
    fn ten_days_by_default_ending_at_german_midnight() {
        let loaded = datetime!(2026-05-04 14:00 +2);
        let deadline = PickupDeadline::new(loaded, PickupDays::default());
        assert_eq!(deadline.last_pickup_day(), date!(2026 - 05 - 14));
        assert_eq!(deadline.expires_at(), datetime!(2026-05-15 00:00 +2));
        assert_eq!(deadline.loaded_at(), loaded);
        // The injected clock: the last second of the 14th, then midnight.
        assert!(!deadline.is_expired(datetime!(2026-05-14 21:59:59 UTC)));
        assert!(deadline.is_expired(datetime!(2026-05-14 22:00 UTC)));
        assert!(!deadline.is_expired(loaded));
    }

    #[test]
    fn the_loading_day_is_the_german_date() {
        // 23:30 UTC on 3 May is 01:30 on 4 May in Düsseldorf.
        let deadline = PickupDeadline::new(datetime!(2026-05-03 23:30 UTC), PickupDays::new(1).unwrap());
        assert_eq!(deadline.last_pickup_day(), date!(2026 - 05 - 05));
        assert_eq!(deadline.expires_at(), datetime!(2026-05-05 22:00 UTC));
    }

    #[test]
    fn across_the_switch_to_winter_time() {
        // Loaded in summer time, last day after the October switch: midnight is +01:00 then.
        let deadline = PickupDeadline::new(datetime!(2026-10-20 09:00 +2), PickupDays::DEFAULT);
        assert_eq!(deadline.last_pickup_day(), date!(2026 - 10 - 30));
        assert_eq!(deadline.expires_at(), datetime!(2026-10-30 23:00 UTC));
        assert!(!deadline.is_expired(datetime!(2026-10-30 22:59:59 UTC)));
        assert!(deadline.is_expired(datetime!(2026-10-30 23:00 UTC)));
        // And into summer time.
        let spring = PickupDeadline::new(datetime!(2026-03-25 09:00 +1), PickupDays::new(7).unwrap());
        assert_eq!(spring.expires_at(), datetime!(2026-04-01 22:00 UTC));
    }

    #[test]
    fn days_are_configurable_from_1_to_60() {
        assert_eq!(PickupDays::new(0), Err(PickupError::DaysOutOfRange { min: 1, max: 60 }));
        assert_eq!(PickupDays::new(61).unwrap_err().code(), "pickup_days_out_of_range");
        assert_eq!(PickupDays::new(60).unwrap().get(), 60);
        assert_eq!(PickupDays::default().get(), 10);
        assert!(serde_json::from_value::<PickupDays>(serde_json::json!(0)).is_err());
        let loaded = datetime!(2026-01-10 10:00 +1);
        let sixty = PickupDeadline::new(loaded, PickupDays::new(60).unwrap());
        assert_eq!(sixty.last_pickup_day(), date!(2026 - 03 - 11));
        let json = serde_json::to_value(sixty).unwrap();
        assert_eq!(json["expires_at"], "2026-03-12T00:00:00+01:00");
        assert_eq!(serde_json::from_value::<PickupDeadline>(json).unwrap(), sixty);
    }

    proptest! {
        #[test]
        fn at_least_the_days_and_at_most_one_more(seconds in 1_735_689_600i64..1_893_456_000, days in 1u8..=60) {
            let loaded = OffsetDateTime::from_unix_timestamp(seconds).unwrap();
            let days = PickupDays::new(days).unwrap();
            let deadline = PickupDeadline::new(loaded, days);
            let full = Duration::days(days.get().into());
            // An hour of slack either way for a summer/winter switch in between.
            prop_assert!(deadline.expires_at() - loaded >= full - Duration::HOUR);
            prop_assert!(deadline.expires_at() - loaded <= full + Duration::days(1) + Duration::HOUR);
            prop_assert!(!deadline.is_expired(loaded));
            prop_assert!(deadline.is_expired(deadline.expires_at()));
            prop_assert_eq!(crate::local_time::to_german_local(deadline.expires_at()).time(), Time::MIDNIGHT);
            prop_assert_eq!(deadline.last_pickup_day(), last_pickup_day(loaded, days));
        }
    }
}
