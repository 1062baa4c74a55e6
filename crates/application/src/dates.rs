//! Calendar arithmetic as German law counts it, and dates as `YYYY-MM-DD` in serde.

use time::{Date, Month};

/// The day `months` after `start` that "corresponds" to it (BGB §188(2)): same day number; when that
/// month is too short (31 January + 1 month, 29 February + 12 months) the period ends with the month's
/// last day (§188(3)), so the corresponding day is the first of the next month.
pub fn corresponding_day(start: Date, months: u32) -> Date {
    let index = start.year() as i64 * 12 + (start.month() as i64 - 1) + months as i64;
    let year = index.div_euclid(12) as i32;
    let month = Month::try_from((index.rem_euclid(12) + 1) as u8).expect("1..=12");
    Date::from_calendar_date(year, month, start.day()).unwrap_or_else(|_| {
        let next = month.next();
        let next_year = if next == Month::January { year + 1 } else { year };
        Date::from_calendar_date(next_year, next, 1).expect("the first of a month exists")
    })
}

/// Completed years of life on `on` for someone born on `birth`. The day of birth counts as the first
/// day (BGB §187(2)), so one is N on the N-th birthday; someone born on 29 February becomes N on
/// 1 March in a common year (§188(3)). Zero if `on` is before the birth.
pub fn completed_years(birth: Date, on: Date) -> u32 {
    if on < birth {
        return 0;
    }
    let mut years = (on.year() - birth.year()) as u32;
    if on < corresponding_day(birth, years * 12) {
        years -= 1;
    }
    years
}

pub(crate) fn last_day_of_month(year: i32, month: Month) -> Date {
    Date::from_calendar_date(year, month, time::util::days_in_month(month, year)).expect("a month's last day exists")
}

const ISO: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

pub fn format_iso(date: Date) -> String {
    date.format(ISO).expect("a date formats")
}

pub fn parse_iso(raw: &str) -> Option<Date> {
    Date::parse(raw, ISO).ok()
}

/// `TT.MM.JJJJ`, the way receipts and clerks write dates.
pub fn format_german(date: Date) -> String {
    format!("{:02}.{:02}.{:04}", date.day(), date.month() as u8, date.year())
}

/// serde for `time::Date` as `YYYY-MM-DD` (time's own serde form is a tuple).
pub mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format_iso(*date))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let raw = String::deserialize(deserializer)?;
        super::parse_iso(&raw).ok_or_else(|| serde::de::Error::custom("expected a date YYYY-MM-DD"))
    }
}

/// As [`iso_date`], for `Option<Date>`.
pub mod iso_date_option {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => serializer.serialize_some(&super::format_iso(*date)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Date>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(raw) => {
                super::parse_iso(&raw).map(Some).ok_or_else(|| serde::de::Error::custom("expected a date YYYY-MM-DD"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn corresponding_day_moves_short_months_to_the_next_first() {
        assert_eq!(corresponding_day(date!(2025 - 03 - 10), 120), date!(2035 - 03 - 10));
        assert_eq!(corresponding_day(date!(2025 - 11 - 30), 3), date!(2026 - 03 - 01));
        assert_eq!(corresponding_day(date!(2025 - 11 - 28), 3), date!(2026 - 02 - 28));
        assert_eq!(corresponding_day(date!(2024 - 02 - 29), 12), date!(2025 - 03 - 01));
        assert_eq!(corresponding_day(date!(2024 - 02 - 29), 48), date!(2028 - 02 - 29));
        assert_eq!(corresponding_day(date!(2025 - 12 - 31), 2), date!(2026 - 03 - 01));
        assert_eq!(corresponding_day(date!(2025 - 12 - 15), 1), date!(2026 - 01 - 15));
    }

    #[test]
    fn age_is_reached_on_the_birthday() {
        let birth = date!(2009 - 05 - 14);
        assert_eq!(completed_years(birth, date!(2025 - 05 - 13)), 15);
        assert_eq!(completed_years(birth, date!(2025 - 05 - 14)), 16);
        assert_eq!(completed_years(birth, date!(2025 - 05 - 15)), 16);
        assert_eq!(completed_years(birth, birth), 0);
        assert_eq!(completed_years(birth, date!(2000 - 01 - 01)), 0);
    }

    #[test]
    fn leap_day_births_come_of_age_on_the_first_of_march_in_common_years() {
        let birth = date!(2008 - 02 - 29);
        assert_eq!(completed_years(birth, date!(2026 - 02 - 28)), 17);
        assert_eq!(completed_years(birth, date!(2026 - 03 - 01)), 18);
        assert_eq!(completed_years(birth, date!(2024 - 02 - 28)), 15);
        assert_eq!(completed_years(birth, date!(2024 - 02 - 29)), 16);
    }

    #[test]
    fn dates_format_both_ways() {
        assert_eq!(format_iso(date!(2025 - 02 - 07)), "2025-02-07");
        assert_eq!(parse_iso("2025-02-07"), Some(date!(2025 - 02 - 07)));
        assert_eq!(parse_iso("2025-02-30"), None);
        assert_eq!(format_german(date!(2025 - 02 - 07)), "07.02.2025");
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (1900i32..2100, 1u16..=365).prop_map(|(y, d)| Date::from_ordinal_date(y, d).unwrap())
    }

    proptest! {
        #[test]
        fn age_grows_by_one_exactly_on_the_corresponding_day(birth in any_date(), years in 0u32..110) {
            let birthday = corresponding_day(birth, years * 12);
            prop_assert_eq!(completed_years(birth, birthday), years);
            if years > 0 {
                prop_assert_eq!(completed_years(birth, birthday.previous_day().unwrap()), years - 1);
            }
        }

        #[test]
        fn corresponding_day_is_within_the_period(start in any_date(), months in 0u32..240) {
            let end = corresponding_day(start, months);
            prop_assert!(end >= start);
            // Never more than the month's length late: at most the first of the following month.
            let index = start.year() * 12 + start.month() as i32 - 1 + months as i32;
            prop_assert_eq!(end.year() * 12 + end.month() as i32 - 1 - index <= 1, true);
        }

        #[test]
        fn iso_dates_round_trip(date in any_date()) {
            prop_assert_eq!(parse_iso(&format_iso(date)), Some(date));
        }
    }
}
