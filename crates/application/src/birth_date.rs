use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::dates::last_day_of_month;
use crate::{Field, FieldError, FieldErrorKind};

/// A date of birth, possibly partial: the order format (XhD, domain.md §3.2) writes an unknown day or
/// month as `XX` (`2000-12-XX`, `2000-XX-XX`); the year is mandatory. An unknown month with a known
/// day does not occur.
///
/// Rules that ask "is the applicant at least N?" use [`DateOfBirth::assumed_for_age`], the *latest*
/// possible birth date, so that nobody gets a right (eID, direct delivery, the 10-year validity, acting
/// without a custodian) before they may possibly have it. The other side of the same choice: the
/// applicant is protected as a child (no fingerprints, no signature, custodian) as long as they might
/// be one, and pays the lower under-24 fee.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DateOfBirth {
    year: i32,
    month: Option<Month>,
    day: Option<u8>,
}

impl DateOfBirth {
    /// domain.md names no lower bound; older years are typing errors.
    pub const EARLIEST_YEAR: i32 = 1890;

    /// `YYYY-MM-DD` (the order format) or `TT.MM.JJJJ` (how clerks type it), with `XX` for an unknown
    /// day or month.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let error = |kind| FieldError::new(Field::DateOfBirth, kind);
        let value = raw.trim();
        if value.is_empty() {
            return Err(error(FieldErrorKind::Required));
        }
        let parts: Vec<&str> =
            if value.contains('.') { value.split('.').rev().collect() } else { value.split('-').collect() };
        let [year, month, day] = parts.as_slice() else {
            return Err(error(FieldErrorKind::InvalidFormat));
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error(FieldErrorKind::InvalidFormat));
        }
        let number = |part: &str| -> Result<Option<u8>, FieldError> {
            if part.eq_ignore_ascii_case("xx") {
                Ok(None)
            } else if part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit()) {
                Ok(Some(part.parse().expect("two digits")))
            } else {
                Err(error(FieldErrorKind::InvalidFormat))
            }
        };
        let year: i32 = year.parse().expect("four digits");
        let (month, day) = (number(month)?, number(day)?);
        if year < Self::EARLIEST_YEAR {
            return Err(error(FieldErrorKind::YearTooEarly { min: Self::EARLIEST_YEAR }));
        }
        let month = match month {
            None if day.is_some() => return Err(error(FieldErrorKind::DayWithoutMonth)),
            None => None,
            Some(m) => Some(Month::try_from(m).map_err(|_| error(FieldErrorKind::NoSuchDate))?),
        };
        if let (Some(month), Some(day)) = (month, day) {
            Date::from_calendar_date(year, month, day).map_err(|_| error(FieldErrorKind::NoSuchDate))?;
        }
        Ok(Self { year, month, day })
    }

    pub fn from_date(date: Date) -> Self {
        Self { year: date.year(), month: Some(date.month()), day: Some(date.day()) }
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn month(&self) -> Option<u8> {
        self.month.map(|m| m as u8)
    }

    pub fn day(&self) -> Option<u8> {
        self.day
    }

    /// The full date when day and month are known.
    pub fn exact(&self) -> Option<Date> {
        Date::from_calendar_date(self.year, self.month?, self.day?).ok()
    }

    pub fn earliest_possible(&self) -> Date {
        match (self.month, self.day) {
            (Some(month), Some(day)) => Date::from_calendar_date(self.year, month, day).expect("checked by parse"),
            (Some(month), None) => Date::from_calendar_date(self.year, month, 1).expect("the first exists"),
            (None, _) => Date::from_calendar_date(self.year, Month::January, 1).expect("1 January exists"),
        }
    }

    pub fn latest_possible(&self) -> Date {
        match (self.month, self.day) {
            (Some(month), Some(day)) => Date::from_calendar_date(self.year, month, day).expect("checked by parse"),
            (Some(month), None) => last_day_of_month(self.year, month),
            (None, _) => Date::from_calendar_date(self.year, Month::December, 31).expect("31 December exists"),
        }
    }

    /// The birth date the age rules assume on `on`: the latest possible one, but not after `on`
    /// (someone who applies has been born).
    pub fn assumed_for_age(&self, on: Date) -> Date {
        self.latest_possible().min(on)
    }

    /// Whether the applicant cannot have been born yet on `on`.
    pub fn is_after(&self, on: Date) -> bool {
        self.earliest_possible() > on
    }

    /// `TT.MM.JJJJ` with `XX`, for receipts and the screen.
    pub fn german(&self) -> String {
        format!("{}.{}.{:04}", two(self.day), two(self.month()), self.year)
    }
}

fn two(part: Option<u8>) -> String {
    part.map_or_else(|| "XX".into(), |n| format!("{n:02}"))
}

impl fmt::Display for DateOfBirth {
    /// The order format `YYYY-MM-DD` with `XX`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{}-{}", self.year, two(self.month()), two(self.day))
    }
}

impl fmt::Debug for DateOfBirth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DateOfBirth(…)")
    }
}

impl TryFrom<String> for DateOfBirth {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DateOfBirth> for String {
    fn from(value: DateOfBirth) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn kind(raw: &str) -> FieldErrorKind {
        let error = DateOfBirth::parse(raw).unwrap_err();
        assert_eq!(error.field, Field::DateOfBirth);
        error.kind
    }

    #[test]
    fn parses_full_and_partial_dates_in_both_notations() {
        let full = DateOfBirth::parse("1964-08-12").unwrap();
        assert_eq!(full.exact(), Some(date!(1964 - 08 - 12)));
        assert_eq!(DateOfBirth::parse("12.08.1964").unwrap(), full);
        assert_eq!(full.to_string(), "1964-08-12");
        assert_eq!(full.german(), "12.08.1964");

        let no_day = DateOfBirth::parse("2000-12-XX").unwrap();
        assert_eq!((no_day.month(), no_day.day()), (Some(12), None));
        assert_eq!(DateOfBirth::parse("xx.12.2000").unwrap(), no_day);
        assert_eq!(no_day.to_string(), "2000-12-XX");
        assert_eq!(no_day.exact(), None);

        let no_month = DateOfBirth::parse("2000-XX-XX").unwrap();
        assert_eq!(no_month.german(), "XX.XX.2000");
        assert_eq!(DateOfBirth::parse("2000-xx-xx").unwrap(), no_month);
    }

    #[test]
    fn refuses_what_cannot_be_a_birth_date() {
        assert_eq!(kind(""), FieldErrorKind::Required);
        assert_eq!(kind("1964-8-12"), FieldErrorKind::InvalidFormat);
        assert_eq!(kind("64-08-12"), FieldErrorKind::InvalidFormat);
        assert_eq!(kind("1964/08/12"), FieldErrorKind::InvalidFormat);
        assert_eq!(kind("1964-08-12-01"), FieldErrorKind::InvalidFormat);
        assert_eq!(kind("XXXX-08-12"), FieldErrorKind::InvalidFormat);
        assert_eq!(kind("1964-08-1a"), FieldErrorKind::InvalidFormat);
        assert_eq!(kind("2001-02-29"), FieldErrorKind::NoSuchDate);
        assert_eq!(kind("2000-13-XX"), FieldErrorKind::NoSuchDate);
        assert_eq!(kind("2000-00-01"), FieldErrorKind::NoSuchDate);
        assert_eq!(kind("2000-04-31"), FieldErrorKind::NoSuchDate);
        assert_eq!(kind("2000-XX-15"), FieldErrorKind::DayWithoutMonth);
        assert_eq!(kind("1889-12-31"), FieldErrorKind::YearTooEarly { min: 1890 });
        assert!(DateOfBirth::parse("2000-02-29").is_ok());
        assert!(DateOfBirth::parse("1890-01-01").is_ok());
    }

    #[test]
    fn unknown_parts_span_their_whole_range() {
        let no_day = DateOfBirth::parse("2024-02-XX").unwrap();
        assert_eq!(no_day.earliest_possible(), date!(2024 - 02 - 01));
        assert_eq!(no_day.latest_possible(), date!(2024 - 02 - 29));
        let no_month = DateOfBirth::parse("2009-XX-XX").unwrap();
        assert_eq!(no_month.earliest_possible(), date!(2009 - 01 - 01));
        assert_eq!(no_month.latest_possible(), date!(2009 - 12 - 31));
        // Applying in the birth year: the assumed birth is not after the application.
        assert_eq!(
            DateOfBirth::parse("2025-XX-XX").unwrap().assumed_for_age(date!(2025 - 03 - 01)),
            date!(2025 - 03 - 01)
        );
        assert!(DateOfBirth::parse("2025-03-02").unwrap().is_after(date!(2025 - 03 - 01)));
        assert!(!DateOfBirth::parse("2025-XX-XX").unwrap().is_after(date!(2025 - 03 - 01)));
    }

    #[test]
    fn debug_hides_the_date() {
        assert_eq!(format!("{:?}", DateOfBirth::parse("1964-08-12").unwrap()), "DateOfBirth(…)");
    }

    fn any_birth() -> impl Strategy<Value = DateOfBirth> {
        (1890i32..2030, 1u16..=366, 0u8..3).prop_map(|(year, ordinal, unknown)| {
            let date = Date::from_ordinal_date(year, ordinal.min(time::util::days_in_year(year))).unwrap();
            let mut birth = DateOfBirth::from_date(date);
            if unknown >= 1 {
                birth.day = None;
            }
            if unknown == 2 {
                birth.month = None;
            }
            birth
        })
    }

    proptest! {
        #[test]
        fn display_reparses_to_itself(birth in any_birth()) {
            prop_assert_eq!(DateOfBirth::parse(&birth.to_string()).unwrap(), birth);
            prop_assert_eq!(DateOfBirth::parse(&birth.german()).unwrap(), birth);
            let json = serde_json::to_string(&birth).unwrap();
            prop_assert_eq!(serde_json::from_str::<DateOfBirth>(&json).unwrap(), birth);
        }

        #[test]
        fn latest_is_never_before_earliest(birth in any_birth()) {
            prop_assert!(birth.earliest_possible() <= birth.latest_possible());
            prop_assert_eq!(birth.exact().is_some(), birth.earliest_possible() == birth.latest_possible());
        }

        #[test]
        fn arbitrary_text_never_panics(raw in "\\PC{0,20}") {
            let _ = DateOfBirth::parse(&raw);
        }
    }
}
