//! The slots an office offers on a day, generated from its hours, desks and the special days, each
//! with the instant the release rules publish it.

use schalter_domain::OfficeId;
use time::{Date, OffsetDateTime, Time};

use crate::config::{AppointmentConfig, Office};
use crate::release::{german_instant, Contingent};

/// One slot of one desk: what the central stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotPlan {
    pub office_id: OfficeId,
    /// 1 … the office's desks.
    pub desk: u16,
    pub date: Date,
    pub local_start: Time,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub contingent: Contingent,
    pub release_at: OffsetDateTime,
}

impl SlotPlan {
    /// A stable id, so generating a day twice adds nothing: `05111000_01-20250618-1300-07`.
    pub fn id(&self) -> String {
        format!(
            "{}-{:04}{:02}{:02}-{:02}{:02}-{:02}",
            self.office_id.as_str(),
            self.date.year(),
            u8::from(self.date.month()),
            self.date.day(),
            self.local_start.hour(),
            self.local_start.minute(),
            self.desk
        )
    }
}

/// Every slot `office` has on `date` (German local date); none when it is closed.
///
/// The last `same_day_desks` desks hold the same-day remainder, except slots that start before that
/// release could be booked (on a day whose remainder comes at 09:00, the 08:00 slots): those go with
/// the weekly release. On a special day with its own release, the slots beyond the usual hours are
/// released by that rule.
pub fn slots_on(config: &AppointmentConfig, office: &Office, date: Date) -> Vec<SlotPlan> {
    let Some(hours) = config.hours_on(office, date) else { return Vec::new() };
    let regular = office.regular_hours(date);
    let extra_rule = config.special_day(office, date).and_then(|day| day.extra_bookable_from);
    let rules = &config.release;
    let same_day_release = rules.release_at(date, Contingent::SameDay);
    let mut slots = Vec::new();
    for desk in 1..=office.desks {
        let held_back = desk > office.desks - office.same_day_desks;
        let mut start = hours.open;
        loop {
            // `Time + Duration` wraps at midnight; a slot never crosses it.
            let end = start + office.slot;
            if end <= start || end > hours.close {
                break;
            }
            let starts_at = german_instant(date, start);
            let beyond_usual = !regular.is_some_and(|usual| usual.covers(start, end));
            let contingent = match extra_rule {
                Some(rule) if beyond_usual => Contingent::Extra(rule),
                _ if held_back && starts_at - rules.booking_lead > same_day_release => Contingent::SameDay,
                _ => Contingent::Advance,
            };
            slots.push(SlotPlan {
                office_id: office.id.clone(),
                desk,
                date,
                local_start: start,
                starts_at,
                ends_at: german_instant(date, end),
                contingent,
                release_at: rules.release_at(date, contingent),
            });
            start = end;
        }
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::OfficeKind;
    use crate::release::{Availability, SlotFacts};
    use time::macros::{date, datetime, time};

    fn config() -> AppointmentConfig {
        AppointmentConfig::duesseldorf()
    }

    fn bookable_at(config: &AppointmentConfig, slots: &[SlotPlan], now: OffsetDateTime) -> usize {
        slots
            .iter()
            .filter(|slot| {
                let facts = SlotFacts {
                    starts_at: slot.starts_at,
                    release_at: slot.release_at,
                    booked: false,
                    free_from: slot.release_at,
                };
                config.release.availability(&facts, now) == Availability::Bookable
            })
            .count()
    }

    #[test]
    fn a_day_of_the_service_centre_has_its_grid_and_stable_ids() {
        let config = config();
        let centre = config.office("05111000_01").unwrap();
        // Thursday 12 June 2025: 07:30–18:00 is 42 quarter hours at 20 desks.
        let slots = slots_on(&config, centre, date!(2025 - 06 - 12));
        assert_eq!(slots.len(), 42 * 20);
        assert_eq!(slots[0].id(), "05111000_01-20250612-0730-01");
        assert_eq!(slots[0].starts_at, datetime!(2025-06-12 05:30 UTC));
        assert_eq!(slots, slots_on(&config, centre, date!(2025 - 06 - 12)), "generated twice, the same");
        assert!(slots_on(&config, centre, date!(2025 - 06 - 14)).is_empty(), "closed on Saturdays");
    }

    #[test]
    fn on_a_weekly_release_day_only_the_week_ahead_appears_at_nine() {
        let config = config();
        let centre = config.office("05111000_01").unwrap();
        let thursday = slots_on(&config, centre, date!(2025 - 06 - 12));
        let advance = thursday.iter().filter(|s| s.contingent == Contingent::Advance).count();
        let same_day = thursday.iter().filter(|s| s.contingent == Contingent::SameDay).count();
        assert!(same_day > 0 && advance > same_day, "{advance} / {same_day}");
        // Thursday 5 June, 08:59 local: nothing of the 12th; 09:00: the weekly part, not the remainder.
        assert_eq!(bookable_at(&config, &thursday, datetime!(2025-06-05 08:59 +2)), 0);
        assert_eq!(bookable_at(&config, &thursday, datetime!(2025-06-05 09:00 +2)), advance);
        // On the 12th itself at 09:00 (a Thursday: remainder at 09:00) the held-back slots come.
        let at_nine = datetime!(2025-06-12 09:00 +2);
        let remainder: Vec<_> =
            thursday.iter().filter(|s| s.contingent == Contingent::SameDay && s.release_at == at_nine).collect();
        assert_eq!(remainder.len(), same_day);
        assert!(remainder.iter().all(|s| s.starts_at - config.release.booking_lead > at_nine));
    }

    #[test]
    fn the_same_day_remainder_is_released_at_seven_on_a_monday() {
        let config = config();
        let gerresheim = config.office("05111000_03").unwrap();
        let monday = slots_on(&config, gerresheim, date!(2025 - 06 - 16));
        let before = bookable_at(&config, &monday, datetime!(2025-06-16 06:59 +2));
        let after = bookable_at(&config, &monday, datetime!(2025-06-16 07:00 +2));
        let held_back = monday.iter().filter(|s| s.contingent == Contingent::SameDay).count();
        assert!(held_back > 0);
        assert_eq!(after - before, held_back);
    }

    #[test]
    fn the_extended_wednesdays_add_over_2100_appointments_bookable_from_the_monday_before() {
        let config = config();
        let permanent: Vec<_> = config.offices.iter().filter(|o| o.kind != OfficeKind::PopUp).collect();
        let mut added = 0;
        for (day, monday) in
            [(date!(2025 - 06 - 18), date!(2025 - 06 - 16)), (date!(2025 - 07 - 02), date!(2025 - 06 - 30))]
        {
            let mut extra = Vec::new();
            for office in &permanent {
                let slots = slots_on(&config, office, day);
                assert!(slots.iter().any(|s| s.local_start == time!(17:45)), "{} open until 18:00", office.name);
                extra.extend(slots.into_iter().filter(|s| matches!(s.contingent, Contingent::Extra(_))));
            }
            let nine = release_instant(monday, time!(09:00));
            assert!(extra.iter().all(|s| s.release_at == nine && s.local_start >= time!(13:00)));
            assert_eq!(bookable_at(&config, &extra, nine - time::Duration::SECOND), 0, "not before Monday 09:00");
            assert_eq!(bookable_at(&config, &extra, nine), extra.len(), "all of them from Monday 09:00");
            added += extra.len();
        }
        assert!(added > 2100, "{added}");
    }

    fn release_instant(date: Date, at: Time) -> OffsetDateTime {
        german_instant(date, at)
    }

    #[test]
    fn pop_up_offices_open_on_their_dates_only() {
        let config = config();
        let expected = [
            ("Rheinblick 741", date!(2025 - 05 - 05)),
            ("Aquazoo", date!(2025 - 06 - 02)),
            ("Münstertherme", date!(2025 - 06 - 24)),
            ("Schifffahrtsmuseum im Schlossturm", date!(2025 - 06 - 26)),
        ];
        for (name, day) in expected {
            let office = config.offices.iter().find(|o| o.name.contains(name)).expect(name);
            let slots = slots_on(&config, office, day);
            assert!(!slots.is_empty(), "{name} on {day}");
            assert!(slots_on(&config, office, day.next_day().unwrap()).is_empty(), "{name} the day after");
            // Released like every day: a week before at 09:00.
            let release = release_instant(day - time::Duration::days(7), time!(09:00));
            assert!(slots.iter().all(|s| s.release_at == release), "{name}");
            assert_eq!(bookable_at(&config, &slots, release - time::Duration::SECOND), 0);
            assert_eq!(bookable_at(&config, &slots, release), slots.len());
        }
    }
}
