//! When the box may be used: a weekly table of opening intervals in German local time, closed on NRW
//! public holidays, or around the clock once the office has moved it into a room with its own
//! entrance (domain.md §4.1: "initially during opening hours; planned up to 24/7").

use serde::{Deserialize, Serialize};
use time::macros::time;
use time::{OffsetDateTime, Time, Weekday};

use crate::holidays::public_holiday_nrw;
use crate::local_time::to_german_local;
use crate::PickupError;

/// One opening interval of a day, `[opens, closes)` in German local time: open at `opens`, closed
/// from `closes` on (16:00 closes at 16:00:00, 15:59:59 is still open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Interval {
    pub opens: Time,
    pub closes: Time,
}

impl Interval {
    pub const fn new(opens: Time, closes: Time) -> Self {
        Self { opens, closes }
    }

    pub fn contains(&self, at: Time) -> bool {
        self.opens <= at && at < self.closes
    }
}

/// A weekday's intervals, as one row of a schedule table.
pub type ScheduleRow<'a> = (Weekday, &'a [Interval]);

/// Düsseldorf, Dienstleistungszentrum Willi-Becker-Allee 7 (issue 10): Monday and Tuesday
/// 07:30–16:00, Wednesday and Friday 07:30–13:00, Thursday 07:30–18:00; Saturday and Sunday closed.
pub const DUESSELDORF_SERVICE_CENTRE: &[ScheduleRow<'static>] = &[
    (Weekday::Monday, &[Interval::new(time!(7:30), time!(16:00))]),
    (Weekday::Tuesday, &[Interval::new(time!(7:30), time!(16:00))]),
    (Weekday::Wednesday, &[Interval::new(time!(7:30), time!(13:00))]),
    (Weekday::Thursday, &[Interval::new(time!(7:30), time!(18:00))]),
    (Weekday::Friday, &[Interval::new(time!(7:30), time!(13:00))]),
];

/// How the office runs its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoxMode {
    /// Only within the weekly table, and never on an NRW public holiday (the box stands inside the
    /// service centre, which is locked then).
    ServiceHours,
    /// Always, holidays included: the box is in a separate room with its own entrance.
    AroundTheClock,
}

/// The weekly table plus the mode. A weekday missing from the table is closed all day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawOpeningHours")]
pub struct OpeningHours {
    /// Monday first; each day's intervals sorted and disjoint.
    week: [Vec<Interval>; 7],
    mode: BoxMode,
}

/// The serde shape, checked like a table on the way in.
#[derive(Deserialize)]
struct RawOpeningHours {
    week: [Vec<Interval>; 7],
    mode: BoxMode,
}

impl TryFrom<RawOpeningHours> for OpeningHours {
    type Error = PickupError;
    fn try_from(raw: RawOpeningHours) -> Result<Self, Self::Error> {
        let mut week: [Vec<Interval>; 7] = Default::default();
        for (day, intervals) in week.iter_mut().zip(raw.week) {
            *day = checked_day(intervals)?;
        }
        Ok(Self { week, mode: raw.mode })
    }
}

/// A day's intervals sorted; refused when one is empty or reversed or two overlap.
fn checked_day(mut day: Vec<Interval>) -> Result<Vec<Interval>, PickupError> {
    if day.iter().any(|interval| interval.opens >= interval.closes) {
        return Err(PickupError::InvalidOpeningHours("ein Zeitraum endet nicht nach seinem Beginn"));
    }
    day.sort_by_key(|interval| interval.opens);
    if day.windows(2).any(|pair| pair[0].closes > pair[1].opens) {
        return Err(PickupError::InvalidOpeningHours("Zeiträume eines Tages überschneiden sich"));
    }
    Ok(day)
}

impl OpeningHours {
    /// Builds the hours from a table. Refused: a weekday listed twice, an empty or reversed interval,
    /// intervals of one day that overlap (touching ones are fine).
    pub fn from_table(table: &[ScheduleRow<'_>], mode: BoxMode) -> Result<Self, PickupError> {
        let mut week: [Vec<Interval>; 7] = Default::default();
        let mut seen = [false; 7];
        for &(weekday, intervals) in table {
            let index = usize::from(weekday.number_days_from_monday());
            if std::mem::replace(&mut seen[index], true) {
                return Err(PickupError::InvalidOpeningHours("ein Wochentag steht zweimal in der Tabelle"));
            }
            week[index] = checked_day(intervals.to_vec())?;
        }
        Ok(Self { week, mode })
    }

    /// [`DUESSELDORF_SERVICE_CENTRE`] in service-hours mode.
    pub fn duesseldorf_service_centre() -> Self {
        Self::from_table(DUESSELDORF_SERVICE_CENTRE, BoxMode::ServiceHours).expect("the Düsseldorf table is valid")
    }

    /// The same table in another mode (the office switching to around the clock and back).
    pub fn with_mode(self, mode: BoxMode) -> Self {
        Self { mode, ..self }
    }

    pub fn mode(&self) -> BoxMode {
        self.mode
    }

    /// The intervals of `weekday` (empty: closed).
    pub fn intervals(&self, weekday: Weekday) -> &[Interval] {
        &self.week[usize::from(weekday.number_days_from_monday())]
    }

    /// Whether the box may be used at the instant `at`, judged in German local time.
    pub fn is_open(&self, at: OffsetDateTime) -> bool {
        match self.mode {
            BoxMode::AroundTheClock => true,
            BoxMode::ServiceHours => {
                let local = to_german_local(at);
                public_holiday_nrw(local.date()).is_none()
                    && self.intervals(local.weekday()).iter().any(|interval| interval.contains(local.time()))
            }
        }
    }

    /// [`OpeningHours::is_open`] as a check: [`PickupError::BoxClosed`] when closed.
    pub fn check_open(&self, at: OffsetDateTime) -> Result<(), PickupError> {
        if self.is_open(at) {
            Ok(())
        } else {
            Err(PickupError::BoxClosed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local_time::from_german_local;
    use proptest::prelude::*;
    use time::macros::{date, datetime};
    use time::{Date, PrimitiveDateTime};

    fn local(date: Date, at: Time) -> OffsetDateTime {
        from_german_local(PrimitiveDateTime::new(date, at)).expect("not in the skipped hour")
    }

    fn open_at(date: Date, at: Time) -> bool {
        OpeningHours::duesseldorf_service_centre().is_open(local(date, at))
    }

    #[test]
    fn the_duesseldorf_table_edges_on_an_ordinary_week() {
        // Week of 2026-03-09 (no holiday): Monday 9 … Sunday 15 March, winter time.
        let expected = [
            (date!(2026 - 03 - 09), time!(16:00)),
            (date!(2026 - 03 - 10), time!(16:00)),
            (date!(2026 - 03 - 11), time!(13:00)),
            (date!(2026 - 03 - 12), time!(18:00)),
            (date!(2026 - 03 - 13), time!(13:00)),
        ];
        for (day, closes) in expected {
            let one_minute_before = closes - time::Duration::MINUTE;
            assert!(!open_at(day, time!(7:29)), "{day} 07:29");
            assert!(!open_at(day, time!(7:29:59)), "{day} 07:29:59");
            assert!(open_at(day, time!(7:30)), "{day} 07:30");
            assert!(open_at(day, one_minute_before), "{day} {one_minute_before}");
            assert!(open_at(day, closes - time::Duration::SECOND), "{day} last second");
            assert!(!open_at(day, closes), "{day} {closes}");
            assert!(!open_at(day, time!(0:00)) && !open_at(day, time!(23:59)));
        }
        assert!(open_at(date!(2026 - 03 - 09), time!(15:59)));
        assert!(!open_at(date!(2026 - 03 - 09), time!(16:00)));
        assert!(open_at(date!(2026 - 03 - 12), time!(17:59)), "Thursday is long");
        assert!(!open_at(date!(2026 - 03 - 11), time!(13:00)), "Wednesday is short");
        for weekend in [date!(2026 - 03 - 14), date!(2026 - 03 - 15)] {
            assert!(!open_at(weekend, time!(10:00)), "{weekend}");
        }
    }

    #[test]
    fn opening_is_judged_in_local_time_on_the_dst_switch_days() {
        let hours = OpeningHours::duesseldorf_service_centre();
        // Friday before the March switch (CET): 07:30 is 06:30 UTC.
        assert!(!hours.is_open(datetime!(2026-03-27 06:29:59 UTC)));
        assert!(hours.is_open(datetime!(2026-03-27 06:30 UTC)));
        // Monday after it (CEST): 07:30 is 05:30 UTC, 16:00 is 14:00 UTC.
        assert!(!hours.is_open(datetime!(2026-03-30 05:29:59 UTC)));
        assert!(hours.is_open(datetime!(2026-03-30 05:30 UTC)));
        assert!(hours.is_open(datetime!(2026-03-30 13:59:59 UTC)));
        assert!(!hours.is_open(datetime!(2026-03-30 14:00 UTC)));
        // Friday before the October switch (CEST, short day): 13:00 is 11:00 UTC.
        assert!(hours.is_open(datetime!(2026-10-23 10:59:59 UTC)));
        assert!(!hours.is_open(datetime!(2026-10-23 11:00 UTC)));
        // Monday after it (CET): 07:30 is 06:30 UTC.
        assert!(!hours.is_open(datetime!(2026-10-26 06:29 UTC)));
        assert!(hours.is_open(datetime!(2026-10-26 06:30 UTC)));
        // The switch Sundays themselves: closed in service hours, open around the clock even in the
        // skipped and the repeated hour.
        let always = hours.clone().with_mode(BoxMode::AroundTheClock);
        for at in [
            datetime!(2026-03-29 00:59:59 UTC),
            datetime!(2026-03-29 01:00 UTC),
            datetime!(2026-10-25 00:30 UTC),
            datetime!(2026-10-25 01:30 UTC),
        ] {
            assert!(!hours.is_open(at), "{at}");
            assert!(always.is_open(at), "{at}");
        }
        // An offset other than UTC gives the same answer for the same instant.
        assert!(hours.is_open(datetime!(2026-03-30 07:30 +2)));
        assert!(!hours.is_open(datetime!(2026-03-30 01:29:59 -4)));
    }

    #[test]
    fn closed_on_a_weekday_holiday_unless_around_the_clock() {
        let hours = OpeningHours::duesseldorf_service_centre();
        let always = hours.clone().with_mode(BoxMode::AroundTheClock);
        // Fronleichnam 2026 is a Thursday (07:30–18:00 otherwise); Karfreitag a Friday, Ostermontag
        // and Pfingstmontag Mondays, Christi Himmelfahrt a Thursday, 1 May a Friday.
        for holiday in [
            date!(2026 - 06 - 04),
            date!(2026 - 04 - 03),
            date!(2026 - 04 - 06),
            date!(2026 - 05 - 14),
            date!(2026 - 05 - 25),
            date!(2026 - 05 - 01),
            date!(2026 - 12 - 25),
        ] {
            assert!(!hours.is_open(local(holiday, time!(10:00))), "{holiday}");
            assert!(always.is_open(local(holiday, time!(10:00))), "{holiday}");
            assert_eq!(hours.check_open(local(holiday, time!(10:00))), Err(PickupError::BoxClosed));
        }
        // The days around Fronleichnam are ordinary.
        assert!(hours.is_open(local(date!(2026 - 06 - 03), time!(10:00))));
        assert!(hours.is_open(local(date!(2026 - 06 - 05), time!(10:00))));
        assert_eq!(hours.check_open(local(date!(2026 - 06 - 05), time!(10:00))), Ok(()));
        // The holiday starts at local midnight: 22:00 UTC the evening before in summer.
        let always_thursday = OpeningHours::from_table(
            &[
                (Weekday::Wednesday, &[Interval::new(time!(0:00), time!(23:59:59))]),
                (Weekday::Thursday, &[Interval::new(time!(0:00), time!(23:59:59))]),
            ],
            BoxMode::ServiceHours,
        )
        .unwrap();
        assert!(always_thursday.is_open(datetime!(2026-06-03 21:59 UTC)));
        assert!(!always_thursday.is_open(datetime!(2026-06-03 22:00 UTC)));
    }

    #[test]
    fn tables_that_cannot_be_meant_are_refused() {
        let refused =
            |table: &[ScheduleRow<'_>]| OpeningHours::from_table(table, BoxMode::ServiceHours).unwrap_err().code();
        assert_eq!(refused(&[(Weekday::Monday, &[]), (Weekday::Monday, &[])]), "pickup_invalid_opening_hours");
        assert_eq!(
            refused(&[(Weekday::Monday, &[Interval::new(time!(9:00), time!(9:00))])]),
            "pickup_invalid_opening_hours"
        );
        assert_eq!(
            refused(&[(Weekday::Monday, &[Interval::new(time!(10:00), time!(9:00))])]),
            "pickup_invalid_opening_hours"
        );
        assert_eq!(
            refused(&[(
                Weekday::Monday,
                &[Interval::new(time!(8:00), time!(12:00)), Interval::new(time!(11:00), time!(15:00))]
            )]),
            "pickup_invalid_opening_hours"
        );
        // A lunch break is fine, in any order; touching intervals too.
        let split = OpeningHours::from_table(
            &[(
                Weekday::Monday,
                &[Interval::new(time!(14:00), time!(18:00)), Interval::new(time!(8:00), time!(12:00))],
            )],
            BoxMode::ServiceHours,
        )
        .unwrap();
        assert_eq!(split.intervals(Weekday::Monday)[0].opens, time!(8:00));
        assert!(split.is_open(local(date!(2026 - 03 - 09), time!(11:59))));
        assert!(!split.is_open(local(date!(2026 - 03 - 09), time!(12:30))));
        assert!(split.is_open(local(date!(2026 - 03 - 09), time!(14:00))));
        assert!(OpeningHours::from_table(
            &[(
                Weekday::Monday,
                &[Interval::new(time!(8:00), time!(12:00)), Interval::new(time!(12:00), time!(13:00))]
            )],
            BoxMode::ServiceHours
        )
        .is_ok());
        assert!(split.intervals(Weekday::Sunday).is_empty());
    }

    #[test]
    fn the_table_is_data() {
        let hours = OpeningHours::duesseldorf_service_centre();
        assert_eq!(hours.mode(), BoxMode::ServiceHours);
        assert_eq!(hours.intervals(Weekday::Thursday), &[Interval::new(time!(7:30), time!(18:00))]);
        assert!(hours.intervals(Weekday::Saturday).is_empty());
        let mut json = serde_json::to_value(&hours).unwrap();
        assert_eq!(serde_json::from_value::<OpeningHours>(json.clone()).unwrap(), hours);
        // What comes in through serde is checked like a table.
        json["week"][0] = serde_json::to_value([Interval::new(time!(9:00), time!(8:00))]).unwrap();
        assert!(serde_json::from_value::<OpeningHours>(json).is_err());
    }

    proptest! {
        #[test]
        fn service_hours_are_a_subset_of_the_table_and_never_on_holidays(seconds in 1_735_689_600i64..1_893_456_000) {
            let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap();
            let hours = OpeningHours::duesseldorf_service_centre();
            let local = to_german_local(at);
            if hours.is_open(at) {
                prop_assert!(public_holiday_nrw(local.date()).is_none());
                prop_assert!(!matches!(local.weekday(), Weekday::Saturday | Weekday::Sunday));
                prop_assert!(local.time() >= time!(7:30) && local.time() < time!(18:00));
            }
            prop_assert!(hours.with_mode(BoxMode::AroundTheClock).is_open(at));
        }
    }
}
