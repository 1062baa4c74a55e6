//! German civil time without a time-zone database: CET (UTC+1) in winter, CEST (UTC+2) from the
//! last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC (EU directive 2000/84/EC,
//! in force since 1996; the rule is applied to every year).

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

/// UTC+1, Mitteleuropäische Zeit.
pub const CET: UtcOffset = time::macros::offset!(+1);
/// UTC+2, Mitteleuropäische Sommerzeit.
pub const CEST: UtcOffset = time::macros::offset!(+2);

/// The last Sunday of `month` in `year`; `None` only outside the years `time` can represent.
pub(crate) fn last_sunday(year: i32, month: Month) -> Option<Date> {
    let last = Date::from_calendar_date(year, month, time::util::days_in_month(month, year)).ok()?;
    let back = last.weekday().number_days_from_sunday();
    last.checked_sub(time::Duration::days(back.into()))
}

/// When summer time starts and ends in `year` (both 01:00 UTC).
fn summer_time(year: i32) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let one_am = Time::from_hms(1, 0, 0).expect("01:00 exists");
    let start = last_sunday(year, Month::March)?.with_time(one_am).assume_utc();
    let end = last_sunday(year, Month::October)?.with_time(one_am).assume_utc();
    Some((start, end))
}

/// The offset German clocks show at the instant `at` (whatever offset `at` carries).
pub fn german_offset(at: OffsetDateTime) -> UtcOffset {
    let Some(utc) = at.checked_to_offset(UtcOffset::UTC) else { return CET };
    match summer_time(utc.year()) {
        Some((start, end)) if start <= utc && utc < end => CEST,
        _ => CET,
    }
}

/// The instant `at` as German clocks show it (offset +01:00 or +02:00). At the very end of the
/// representable range, where the shift would overflow, `at` comes back unchanged.
pub fn to_german_local(at: OffsetDateTime) -> OffsetDateTime {
    at.checked_to_offset(german_offset(at)).unwrap_or(at)
}

/// The instant at which German clocks show `local`. In the hour that is skipped in March
/// (02:00–03:00 on the last Sunday) there is none: `None`. In the hour that repeats in October the
/// earlier one (still summer time) is taken.
pub fn from_german_local(local: PrimitiveDateTime) -> Option<OffsetDateTime> {
    [CEST, CET].into_iter().map(|offset| local.assume_offset(offset)).find(|at| german_offset(*at) == at.offset())
}

/// The German local date of the instant `at`.
pub fn german_date(at: OffsetDateTime) -> Date {
    to_german_local(at).date()
}

/// Monday … Sunday of the German local date of `at`.
pub fn german_weekday(at: OffsetDateTime) -> Weekday {
    german_date(at).weekday()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    #[test]
    fn last_sundays_of_march_and_october() {
        assert_eq!(last_sunday(2026, Month::March), Some(date!(2026 - 03 - 29)));
        assert_eq!(last_sunday(2026, Month::October), Some(date!(2026 - 10 - 25)));
        assert_eq!(last_sunday(2025, Month::March), Some(date!(2025 - 03 - 30)));
        assert_eq!(last_sunday(2025, Month::October), Some(date!(2025 - 10 - 26)));
        // The 31st itself is a Sunday.
        assert_eq!(last_sunday(2024, Month::March), Some(date!(2024 - 03 - 31)));
        assert_eq!(last_sunday(2027, Month::October), Some(date!(2027 - 10 - 31)));
    }

    #[test]
    fn the_switch_happens_at_one_utc_on_the_switch_days() {
        // March 2026: 01:59:59 CET is followed by 03:00:00 CEST.
        assert_eq!(german_offset(datetime!(2026-03-29 00:59:59 UTC)), CET);
        assert_eq!(german_offset(datetime!(2026-03-29 01:00:00 UTC)), CEST);
        assert_eq!(to_german_local(datetime!(2026-03-29 00:59:59 UTC)), datetime!(2026-03-29 01:59:59 +1));
        assert_eq!(to_german_local(datetime!(2026-03-29 01:00:00 UTC)), datetime!(2026-03-29 03:00:00 +2));
        // October 2026: 02:59:59 CEST is followed by 02:00:00 CET.
        assert_eq!(german_offset(datetime!(2026-10-25 00:59:59 UTC)), CEST);
        assert_eq!(german_offset(datetime!(2026-10-25 01:00:00 UTC)), CET);
        assert_eq!(to_german_local(datetime!(2026-10-25 00:59:59 UTC)), datetime!(2026-10-25 02:59:59 +2));
        assert_eq!(to_german_local(datetime!(2026-10-25 01:00:00 UTC)), datetime!(2026-10-25 02:00:00 +1));
        // Winter and summer away from the switch, and an input in another offset.
        assert_eq!(german_offset(datetime!(2026-01-15 12:00 UTC)), CET);
        assert_eq!(german_offset(datetime!(2026-07-15 12:00 UTC)), CEST);
        assert_eq!(german_offset(datetime!(2026-03-29 02:30 +1:31)), CET, "00:59 UTC");
        assert_eq!(german_offset(datetime!(2026-03-29 02:30 +1:30)), CEST, "01:00 UTC");
    }

    #[test]
    fn local_times_map_back_except_in_the_skipped_hour() {
        assert_eq!(from_german_local(datetime!(2026-03-29 01:59:59)), Some(datetime!(2026-03-29 00:59:59 UTC)));
        assert_eq!(from_german_local(datetime!(2026-03-29 02:00)), None);
        assert_eq!(from_german_local(datetime!(2026-03-29 02:59:59)), None);
        assert_eq!(from_german_local(datetime!(2026-03-29 03:00)), Some(datetime!(2026-03-29 01:00 UTC)));
        // The repeated hour in October: the summer-time one.
        assert_eq!(from_german_local(datetime!(2026-10-25 02:30)), Some(datetime!(2026-10-25 00:30 UTC)));
        assert_eq!(from_german_local(datetime!(2026-10-25 03:00)), Some(datetime!(2026-10-25 02:00 UTC)));
        assert_eq!(from_german_local(datetime!(2026-06-04 07:30)), Some(datetime!(2026-06-04 05:30 UTC)));
    }

    #[test]
    fn the_local_date_follows_the_offset_near_midnight() {
        assert_eq!(german_date(datetime!(2026-12-31 23:00 UTC)), date!(2027 - 01 - 01));
        assert_eq!(german_date(datetime!(2026-12-31 22:59:59 UTC)), date!(2026 - 12 - 31));
        assert_eq!(german_date(datetime!(2026-06-30 22:00 UTC)), date!(2026 - 07 - 01));
        assert_eq!(german_weekday(datetime!(2026-06-30 22:00 UTC)), Weekday::Wednesday);
    }

    proptest! {
        #[test]
        fn every_instant_round_trips_through_local_time(seconds in 0i64..4_102_444_800) {
            let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap();
            let local = to_german_local(at);
            prop_assert_eq!(local, at);
            prop_assert!(local.offset() == CET || local.offset() == CEST);
            let back = from_german_local(PrimitiveDateTime::new(local.date(), local.time())).unwrap();
            // In the repeated October hour the earlier instant comes back; otherwise the same one.
            prop_assert!(back == at || (back + time::Duration::HOUR == at && local.offset() == CET));
        }
    }
}
