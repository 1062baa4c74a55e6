//! Public holidays of North Rhine-Westphalia (Feiertagsgesetz NW §2): the eleven days on which the
//! box, in service-hours mode, stays closed.

use serde::Serialize;
use time::{Date, Duration, Month};

/// One public holiday: its date and its German name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PublicHoliday {
    #[serde(with = "schalter_application::dates::iso_date")]
    pub date: Date,
    pub name_de: &'static str,
}

/// Easter Sunday of `year` in the Gregorian calendar, by the Anonymous Gregorian (Meeus/Jones/Butcher)
/// form of Gauss's computus. Meaningful from 1583 (the first full Gregorian year); `None` outside
/// 1583..=9999.
pub fn easter_sunday(year: i32) -> Option<Date> {
    if !(1583..=9999).contains(&year) {
        return None;
    }
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

/// The public holidays of NRW in `year`, in date order: Neujahr, Karfreitag, Ostermontag,
/// Tag der Arbeit, Christi Himmelfahrt, Pfingstmontag, Fronleichnam, Tag der Deutschen Einheit,
/// Allerheiligen, 1. and 2. Weihnachtstag. Today's list is applied to every year; empty outside
/// 1583..=9999. Sundays (Ostersonntag, Pfingstsonntag) are not listed: the box is closed on
/// Sundays by its weekly table anyway.
pub fn public_holidays_nrw(year: i32) -> Vec<PublicHoliday> {
    let Some(easter) = easter_sunday(year) else { return Vec::new() };
    let fixed = |month, day, name_de| PublicHoliday {
        date: Date::from_calendar_date(year, month, day).expect("a fixed holiday exists in every year"),
        name_de,
    };
    let moving = |days: i64, name_de| PublicHoliday { date: easter + Duration::days(days), name_de };
    let mut holidays = vec![
        fixed(Month::January, 1, "Neujahr"),
        moving(-2, "Karfreitag"),
        moving(1, "Ostermontag"),
        fixed(Month::May, 1, "Tag der Arbeit"),
        moving(39, "Christi Himmelfahrt"),
        moving(50, "Pfingstmontag"),
        moving(60, "Fronleichnam"),
        fixed(Month::October, 3, "Tag der Deutschen Einheit"),
        fixed(Month::November, 1, "Allerheiligen"),
        fixed(Month::December, 25, "1. Weihnachtstag"),
        fixed(Month::December, 26, "2. Weihnachtstag"),
    ];
    // Himmelfahrt can fall on 1 May (e.g. 2008): both stay listed, sorted by date.
    holidays.sort();
    holidays
}

/// The holiday on `date`, if it is one in NRW.
pub fn public_holiday_nrw(date: Date) -> Option<PublicHoliday> {
    public_holidays_nrw(date.year()).into_iter().find(|holiday| holiday.date == date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;
    use time::Weekday;

    #[test]
    fn easter_on_known_dates() {
        let known = [
            (1818, date!(1818 - 03 - 22)), // the earliest possible date
            (1943, date!(1943 - 04 - 25)), // the latest possible date
            (2000, date!(2000 - 04 - 23)),
            (2008, date!(2008 - 03 - 23)),
            (2019, date!(2019 - 04 - 21)),
            (2024, date!(2024 - 03 - 31)),
            (2025, date!(2025 - 04 - 20)),
            (2026, date!(2026 - 04 - 05)),
            (2027, date!(2027 - 03 - 28)),
            (2038, date!(2038 - 04 - 25)),
            (2285, date!(2285 - 03 - 22)),
        ];
        for (year, easter) in known {
            assert_eq!(easter_sunday(year), Some(easter), "{year}");
        }
        assert_eq!(easter_sunday(1582), None);
        assert_eq!(easter_sunday(10_000), None);
        assert!(public_holidays_nrw(1582).is_empty());
    }

    #[test]
    fn the_nrw_holidays_of_2026() {
        let dates: Vec<(Date, &str)> = public_holidays_nrw(2026).iter().map(|h| (h.date, h.name_de)).collect();
        assert_eq!(
            dates,
            vec![
                (date!(2026 - 01 - 01), "Neujahr"),
                (date!(2026 - 04 - 03), "Karfreitag"),
                (date!(2026 - 04 - 06), "Ostermontag"),
                (date!(2026 - 05 - 01), "Tag der Arbeit"),
                (date!(2026 - 05 - 14), "Christi Himmelfahrt"),
                (date!(2026 - 05 - 25), "Pfingstmontag"),
                (date!(2026 - 06 - 04), "Fronleichnam"),
                (date!(2026 - 10 - 03), "Tag der Deutschen Einheit"),
                (date!(2026 - 11 - 01), "Allerheiligen"),
                (date!(2026 - 12 - 25), "1. Weihnachtstag"),
                (date!(2026 - 12 - 26), "2. Weihnachtstag"),
            ]
        );
        assert_eq!(public_holiday_nrw(date!(2026 - 06 - 04)).map(|h| h.name_de), Some("Fronleichnam"));
        assert_eq!(public_holiday_nrw(date!(2026 - 06 - 05)), None);
        // Not NRW holidays: Heilige Drei Könige (BW, BY, ST), Reformationstag (northern Länder),
        // Buß- und Bettag (SN), Rosenmontag (no public holiday anywhere), Heiligabend.
        for date in [date!(2026 - 01 - 06), date!(2026 - 10 - 31), date!(2026 - 11 - 18), date!(2026 - 02 - 16)] {
            assert_eq!(public_holiday_nrw(date), None, "{date}");
        }
        assert_eq!(public_holiday_nrw(date!(2026 - 12 - 24)), None);
    }

    #[test]
    fn the_moving_holidays_of_2027() {
        let find = |name: &str| public_holidays_nrw(2027).into_iter().find(|h| h.name_de == name).unwrap().date;
        assert_eq!(find("Karfreitag"), date!(2027 - 03 - 26));
        assert_eq!(find("Ostermontag"), date!(2027 - 03 - 29));
        assert_eq!(find("Christi Himmelfahrt"), date!(2027 - 05 - 06));
        assert_eq!(find("Pfingstmontag"), date!(2027 - 05 - 17));
        assert_eq!(find("Fronleichnam"), date!(2027 - 05 - 27));
    }

    #[test]
    fn himmelfahrt_on_the_first_of_may_keeps_both() {
        let holidays = public_holidays_nrw(2008);
        assert_eq!(holidays.len(), 11);
        let first_of_may: Vec<&str> =
            holidays.iter().filter(|h| h.date == date!(2008 - 05 - 01)).map(|h| h.name_de).collect();
        assert_eq!(first_of_may, vec!["Christi Himmelfahrt", "Tag der Arbeit"]);
    }

    proptest! {
        #[test]
        fn easter_is_a_sunday_between_22_march_and_25_april(year in 1583i32..=9999) {
            let easter = easter_sunday(year).unwrap();
            prop_assert_eq!(easter.weekday(), Weekday::Sunday);
            prop_assert_eq!(easter.year(), year);
            prop_assert!(easter >= Date::from_calendar_date(year, Month::March, 22).unwrap());
            prop_assert!(easter <= Date::from_calendar_date(year, Month::April, 25).unwrap());
            let holidays = public_holidays_nrw(year);
            prop_assert_eq!(holidays.len(), 11);
            prop_assert!(holidays.iter().all(|h| h.date.year() == year));
            prop_assert!(holidays.windows(2).all(|w| w[0] <= w[1]));
            let by_name = |name: &str| holidays.iter().find(|h| h.name_de == name).unwrap().date;
            prop_assert_eq!(by_name("Karfreitag").weekday(), Weekday::Friday);
            prop_assert_eq!(by_name("Ostermontag").weekday(), Weekday::Monday);
            prop_assert_eq!(by_name("Christi Himmelfahrt").weekday(), Weekday::Thursday);
            prop_assert_eq!(by_name("Pfingstmontag").weekday(), Weekday::Monday);
            prop_assert_eq!(by_name("Fronleichnam").weekday(), Weekday::Thursday);
        }
    }
}
