//! The appointment configuration as data: offices with their opening hours, desks and services,
//! pop-up offices with their dates, special days (the extended Wednesdays), and the release rules.
//! Read from TOML (`AppointmentConfig::parse`), checked once, then only typed values travel.
//! Düsseldorf's configuration is `duesseldorf.toml` beside this crate's sources.

use std::collections::HashSet;

use schalter_domain::OfficeId;
use serde::Deserialize;
use time::{Date, Duration, Time, Weekday};

use crate::error::AppointmentError;

/// Düsseldorf's configuration (offices, hours, the release rules of the city's practice).
pub const DUESSELDORF_TOML: &str = include_str!("duesseldorf.toml");

/// A service's id as the configuration and the booking API name it: `personalausweis`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceId(String);

impl ServiceId {
    pub fn parse(raw: &str) -> Result<Self, AppointmentError> {
        let ok = (1..=40).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(AppointmentError::UnknownService)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a citizen can book: its names and how long it takes at the desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub id: ServiceId,
    pub name_de: String,
    pub name_en: String,
    pub minutes: u16,
}

/// Permanent offices have weekly hours; a pop-up office opens only on its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficeKind {
    ServiceCentre,
    Buergerbuero,
    PopUp,
}

impl OfficeKind {
    pub fn key(self) -> &'static str {
        match self {
            Self::ServiceCentre => "service_centre",
            Self::Buergerbuero => "buergerbuero",
            Self::PopUp => "pop_up",
        }
    }
}

/// Opening and closing time of one day, German local time; `open < close`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    pub open: Time,
    pub close: Time,
}

impl Hours {
    fn new(open: Time, close: Time, what: &str) -> Result<Self, AppointmentError> {
        if open < close {
            Ok(Self { open, close })
        } else {
            Err(invalid(format!("{what}: die Öffnung muss vor dem Schluss liegen")))
        }
    }

    /// Whether `[start, end)` lies inside these hours.
    pub fn covers(&self, start: Time, end: Time) -> bool {
        self.open <= start && end <= self.close
    }
}

/// One office that takes appointments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Office {
    pub id: OfficeId,
    pub name: String,
    pub address: String,
    pub kind: OfficeKind,
    /// The length of one slot; a service takes as many consecutive slots at one desk as it needs.
    pub slot: Duration,
    /// Desks whose slots are booked online.
    pub desks: u16,
    /// Of those, the last ones whose slots are held back for the same-day release.
    pub same_day_desks: u16,
    pub services: Vec<ServiceId>,
    /// Monday first; a permanent office's weekly hours (closed on NRW public holidays).
    pub weekly: [Option<Hours>; 7],
    /// A pop-up office's days.
    pub dates: Vec<(Date, Hours)>,
}

impl Office {
    pub fn offers(&self, service: &ServiceId) -> bool {
        self.services.contains(service)
    }

    /// The office's usual hours on `date`: the weekly table (not on a public holiday) or the pop-up's date.
    pub fn regular_hours(&self, date: Date) -> Option<Hours> {
        match self.kind {
            OfficeKind::PopUp => self.dates.iter().find(|(day, _)| *day == date).map(|(_, hours)| *hours),
            OfficeKind::ServiceCentre | OfficeKind::Buergerbuero => {
                if schalter_pickup::public_holiday_nrw(date).is_some() {
                    return None;
                }
                self.weekly[usize::from(date.weekday().number_days_from_monday())]
            }
        }
    }

    /// How many consecutive slots `service` takes here (at least one).
    pub fn units_for(&self, service: &Service) -> u16 {
        let slot = self.slot.whole_minutes().max(1) as u16;
        service.minutes.div_ceil(slot).max(1)
    }
}

/// From when the slots a special day adds (beyond the regular hours) can be booked: the given
/// weekday before the day, at the given time ("from the Monday before at 09:00").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReleaseBefore {
    pub weekday: Weekday,
    pub at: Time,
}

impl ReleaseBefore {
    /// The last `weekday` strictly before `date`.
    pub fn date_for(&self, date: Date) -> Date {
        let mut day = date.previous_day().unwrap_or(date);
        while day.weekday() != self.weekday {
            day = day.previous_day().unwrap_or(day);
        }
        day
    }
}

/// What a special day changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayChange {
    Closed,
    /// Open until `close`; from `open`, or from the usual opening when `None`.
    Hours {
        open: Option<Time>,
        close: Time,
    },
}

/// A day with other hours than usual at some or all permanent offices (an extended Wednesday).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialDay {
    pub date: Date,
    pub change: DayChange,
    /// The offices it applies to; empty: every permanent office.
    pub offices: Vec<OfficeId>,
    /// When the added slots are released; `None`: like every other slot.
    pub extra_bookable_from: Option<ReleaseBefore>,
}

impl SpecialDay {
    pub fn applies_to(&self, office: &Office) -> bool {
        office.kind != OfficeKind::PopUp && (self.offices.is_empty() || self.offices.contains(&office.id))
    }
}

/// When slots become visible and bookable. Evaluated by [`crate::release`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRules {
    /// A day's appointments are published this many days before it…
    pub advance_days: u16,
    /// …at this local time ("next week's appointments daily at 09:00").
    pub advance_at: Time,
    /// Monday first: when the same-day remainder is published on the day itself; `None`: with the others.
    pub same_day_at: [Option<Time>; 7],
    /// A cancelled slot stays out of circulation this long, so slots cannot be traded.
    pub cancelled_quarantine: Duration,
    /// Booking closes this long before a slot starts.
    pub booking_lead: Duration,
}

/// The whole configuration, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentConfig {
    pub release: ReleaseRules,
    pub services: Vec<Service>,
    pub offices: Vec<Office>,
    pub special_days: Vec<SpecialDay>,
}

impl AppointmentConfig {
    /// Düsseldorf's configuration; it is part of the build, so it is checked by the tests.
    pub fn duesseldorf() -> Self {
        Self::parse(DUESSELDORF_TOML).expect("duesseldorf.toml is valid")
    }

    pub fn parse(toml_text: &str) -> Result<Self, AppointmentError> {
        let raw: raw::Config =
            toml::from_str(toml_text).map_err(|error| AppointmentError::ConfigSyntax(error.message().to_owned()))?;
        raw.check()
    }

    pub fn office(&self, id: &str) -> Option<&Office> {
        self.offices.iter().find(|office| office.id.as_str() == id)
    }

    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|service| service.id.as_str() == id)
    }

    /// The special day of `office` on `date`, if any.
    pub fn special_day(&self, office: &Office, date: Date) -> Option<&SpecialDay> {
        self.special_days.iter().find(|day| day.date == date && day.applies_to(office))
    }

    /// The hours `office` is open on `date`: a special day's, else the regular ones.
    pub fn hours_on(&self, office: &Office, date: Date) -> Option<Hours> {
        let regular = office.regular_hours(date);
        match self.special_day(office, date).map(|day| day.change) {
            None => regular,
            Some(DayChange::Closed) => None,
            Some(DayChange::Hours { open, close }) => {
                let open = open.or(regular.map(|hours| hours.open))?;
                (open < close).then_some(Hours { open, close })
            }
        }
    }
}

fn invalid(text: String) -> AppointmentError {
    AppointmentError::InvalidConfig(text)
}

/// The TOML shape; nothing outside this module sees it unchecked.
mod raw {
    use super::*;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Config {
        release: Release,
        services: Vec<RawService>,
        offices: Vec<RawOffice>,
        #[serde(default)]
        special_days: Vec<RawSpecialDay>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Release {
        advance_days: u16,
        advance_at: String,
        #[serde(default)]
        same_day: Vec<RawSameDay>,
        cancelled_quarantine_minutes: u32,
        booking_lead_minutes: u32,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawSameDay {
        weekday: String,
        at: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawService {
        id: String,
        name_de: String,
        name_en: String,
        minutes: u16,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawOffice {
        id: String,
        name: String,
        address: String,
        kind: OfficeKind,
        slot_minutes: u16,
        desks: u16,
        #[serde(default)]
        same_day_desks: u16,
        services: Vec<String>,
        #[serde(default)]
        hours: Vec<RawWeekly>,
        #[serde(default)]
        open_on: Vec<RawDate>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawWeekly {
        weekday: String,
        open: String,
        close: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawDate {
        date: String,
        open: String,
        close: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawSpecialDay {
        date: String,
        #[serde(default)]
        closed: bool,
        open: Option<String>,
        close: Option<String>,
        #[serde(default)]
        offices: Vec<String>,
        extra_bookable_from: Option<RawBefore>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawBefore {
        weekday: String,
        at: String,
    }

    fn time(raw: &str, what: &str) -> Result<Time, AppointmentError> {
        let format = time::macros::format_description!("[hour]:[minute]");
        Time::parse(raw, &format).map_err(|_| invalid(format!("{what}: „{raw}“ ist keine Uhrzeit HH:MM")))
    }

    fn date(raw: &str, what: &str) -> Result<Date, AppointmentError> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        Date::parse(raw, &format).map_err(|_| invalid(format!("{what}: „{raw}“ ist kein Datum JJJJ-MM-TT")))
    }

    fn weekday(raw: &str, what: &str) -> Result<Weekday, AppointmentError> {
        Ok(match raw {
            "monday" => Weekday::Monday,
            "tuesday" => Weekday::Tuesday,
            "wednesday" => Weekday::Wednesday,
            "thursday" => Weekday::Thursday,
            "friday" => Weekday::Friday,
            "saturday" => Weekday::Saturday,
            "sunday" => Weekday::Sunday,
            _ => return Err(invalid(format!("{what}: „{raw}“ ist kein Wochentag (monday … sunday)"))),
        })
    }

    fn office_id(raw: &str, what: &str) -> Result<OfficeId, AppointmentError> {
        OfficeId::parse(raw).map_err(|_| invalid(format!("{what}: „{raw}“ ist keine Dienststellen-Kennung")))
    }

    fn text(raw: String, what: &str) -> Result<String, AppointmentError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.chars().count() > 120 {
            return Err(invalid(format!("{what}: 1 bis 120 Zeichen")));
        }
        Ok(trimmed.to_owned())
    }

    impl Config {
        pub(super) fn check(self) -> Result<AppointmentConfig, AppointmentError> {
            let release = self.release.check()?;
            let mut services = Vec::new();
            for raw in self.services {
                let id = ServiceId::parse(&raw.id)
                    .map_err(|_| invalid(format!("Dienstleistung „{}“: Kennung aus a–z, 0–9, _ und -", raw.id)))?;
                if !(5..=240).contains(&raw.minutes) {
                    return Err(invalid(format!("Dienstleistung {}: 5 bis 240 Minuten", raw.id)));
                }
                if services.iter().any(|s: &Service| s.id == id) {
                    return Err(invalid(format!("Dienstleistung {} doppelt", raw.id)));
                }
                let what = format!("Dienstleistung {}", raw.id);
                services.push(Service {
                    id,
                    name_de: text(raw.name_de, &what)?,
                    name_en: text(raw.name_en, &what)?,
                    minutes: raw.minutes,
                });
            }
            let mut offices: Vec<Office> = Vec::new();
            for raw in self.offices {
                let office = raw.check(&services)?;
                if offices.iter().any(|o| o.id == office.id) {
                    return Err(invalid(format!("Standort {} doppelt", office.id.as_str())));
                }
                offices.push(office);
            }
            let mut special_days = Vec::new();
            for raw in self.special_days {
                special_days.push(raw.check(&offices)?);
            }
            Ok(AppointmentConfig { release, services, offices, special_days })
        }
    }

    impl Release {
        fn check(self) -> Result<ReleaseRules, AppointmentError> {
            if !(1..=90).contains(&self.advance_days) {
                return Err(invalid("release.advance_days: 1 bis 90".into()));
            }
            let mut same_day_at = [None; 7];
            for raw in &self.same_day {
                let day = weekday(&raw.weekday, "release.same_day")?;
                let slot = &mut same_day_at[usize::from(day.number_days_from_monday())];
                if slot.is_some() {
                    return Err(invalid(format!("release.same_day: {} doppelt", raw.weekday)));
                }
                *slot = Some(time(&raw.at, "release.same_day")?);
            }
            if self.cancelled_quarantine_minutes > 24 * 60 || self.booking_lead_minutes > 24 * 60 {
                return Err(invalid("release: Sperrzeit und Vorlauf höchstens 24 Stunden".into()));
            }
            Ok(ReleaseRules {
                advance_days: self.advance_days,
                advance_at: time(&self.advance_at, "release.advance_at")?,
                same_day_at,
                cancelled_quarantine: Duration::minutes(self.cancelled_quarantine_minutes.into()),
                booking_lead: Duration::minutes(self.booking_lead_minutes.into()),
            })
        }
    }

    impl RawOffice {
        fn check(self, services: &[Service]) -> Result<Office, AppointmentError> {
            let id = office_id(&self.id, "Standort")?;
            let what = format!("Standort {}", self.id);
            if !(5..=60).contains(&self.slot_minutes) {
                return Err(invalid(format!("{what}: slot_minutes 5 bis 60")));
            }
            if !(1..=500).contains(&self.desks) || self.same_day_desks > self.desks {
                return Err(invalid(format!("{what}: desks 1 bis 500, same_day_desks höchstens desks")));
            }
            let mut offered = Vec::new();
            for raw in &self.services {
                let known = services.iter().find(|s| s.id.as_str() == raw.as_str());
                let Some(service) = known else {
                    return Err(invalid(format!("{what}: unbekannte Dienstleistung {raw}")));
                };
                offered.push(service.id.clone());
            }
            let mut weekly = [None; 7];
            for raw in &self.hours {
                let day = weekday(&raw.weekday, &what)?;
                let slot = &mut weekly[usize::from(day.number_days_from_monday())];
                if slot.is_some() {
                    return Err(invalid(format!("{what}: {} doppelt", raw.weekday)));
                }
                *slot = Some(Hours::new(time(&raw.open, &what)?, time(&raw.close, &what)?, &what)?);
            }
            let mut dates = Vec::new();
            let mut seen = HashSet::new();
            for raw in &self.open_on {
                let day = date(&raw.date, &what)?;
                if !seen.insert(day) {
                    return Err(invalid(format!("{what}: {} doppelt", raw.date)));
                }
                dates.push((day, Hours::new(time(&raw.open, &what)?, time(&raw.close, &what)?, &what)?));
            }
            let pop_up = self.kind == OfficeKind::PopUp;
            if pop_up && (dates.is_empty() || !self.hours.is_empty()) {
                return Err(invalid(format!("{what}: ein Pop-up-Büro hat open_on-Tage und keine Wochenzeiten")));
            }
            if !pop_up && (self.hours.is_empty() || !dates.is_empty()) {
                return Err(invalid(format!(
                    "{what}: ein festes Büro hat Wochenzeiten (hours) und keine open_on-Tage"
                )));
            }
            Ok(Office {
                id,
                name: text(self.name, &what)?,
                address: text(self.address, &what)?,
                kind: self.kind,
                slot: Duration::minutes(self.slot_minutes.into()),
                desks: self.desks,
                same_day_desks: self.same_day_desks,
                services: offered,
                weekly,
                dates,
            })
        }
    }

    impl RawSpecialDay {
        fn check(self, offices: &[Office]) -> Result<SpecialDay, AppointmentError> {
            let what = format!("Sondertag {}", self.date);
            let day = date(&self.date, &what)?;
            let change = match (self.closed, self.open, self.close) {
                (true, None, None) => DayChange::Closed,
                (false, None, Some(close)) => DayChange::Hours { open: None, close: time(&close, &what)? },
                (false, Some(open), Some(close)) => {
                    let hours = Hours::new(time(&open, &what)?, time(&close, &what)?, &what)?;
                    DayChange::Hours { open: Some(hours.open), close: hours.close }
                }
                _ => return Err(invalid(format!("{what}: entweder closed = true oder close (und open)"))),
            };
            let mut ids = Vec::new();
            for raw in &self.offices {
                let id = office_id(raw, &what)?;
                if !offices.iter().any(|o| o.id == id && o.kind != OfficeKind::PopUp) {
                    return Err(invalid(format!("{what}: kein festes Büro {raw}")));
                }
                ids.push(id);
            }
            let extra_bookable_from = match self.extra_bookable_from {
                None => None,
                Some(raw) => Some(ReleaseBefore { weekday: weekday(&raw.weekday, &what)?, at: time(&raw.at, &what)? }),
            };
            Ok(SpecialDay { date: day, change, offices: ids, extra_bookable_from })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, time};

    #[test]
    fn duesseldorf_reads_with_its_offices_and_pop_ups() {
        let config = AppointmentConfig::duesseldorf();
        let centre = config.office("05111000_01").expect("the Dienstleistungszentrum");
        assert_eq!(centre.kind, OfficeKind::ServiceCentre);
        let thursday = centre.regular_hours(date!(2025 - 06 - 12)).expect("open on Thursdays");
        assert_eq!((thursday.open, thursday.close), (time!(07:30), time!(18:00)));
        let pop_ups: Vec<&str> =
            config.offices.iter().filter(|o| o.kind == OfficeKind::PopUp).map(|o| o.name.as_str()).collect();
        assert_eq!(pop_ups.len(), 4, "{pop_ups:?}");
        assert!(pop_ups.iter().any(|name| name.contains("Rheinblick 741")), "{pop_ups:?}");
        let aquazoo = config.offices.iter().find(|o| o.name.contains("Aquazoo")).unwrap();
        assert!(aquazoo.regular_hours(date!(2025 - 06 - 02)).is_some());
        assert!(aquazoo.regular_hours(date!(2025 - 06 - 03)).is_none(), "a pop-up opens only on its date");
        // Whit Monday 2025 (9 June) is a public holiday in NRW: the permanent offices are closed.
        assert!(centre.regular_hours(date!(2025 - 06 - 09)).is_none());
        assert!(centre.regular_hours(date!(2025 - 06 - 10)).is_some());
    }

    #[test]
    fn the_extended_wednesdays_open_until_six_at_every_permanent_office() {
        let config = AppointmentConfig::duesseldorf();
        for office in config.offices.iter().filter(|o| o.kind != OfficeKind::PopUp) {
            for day in [date!(2025 - 06 - 18), date!(2025 - 07 - 02)] {
                let hours = config.hours_on(office, day).expect("open");
                assert_eq!(hours.close, time!(18:00), "{} on {day}", office.name);
            }
            assert_ne!(config.hours_on(office, date!(2025 - 06 - 25)).unwrap().close, time!(18:00));
        }
    }

    #[test]
    fn wrong_configurations_are_refused_with_what_is_wrong() {
        let valid = DUESSELDORF_TOML;
        assert!(AppointmentConfig::parse(valid).is_ok(), "the valid case passes");
        let cases = [
            ("advance_days = 7", "advance_days = 0", "advance_days"),
            ("advance_at = \"09:00\"", "advance_at = \"9 Uhr\"", "Uhrzeit"),
            ("slot_minutes = 15", "slot_minutes = 2", "slot_minutes"),
            ("weekday = \"monday\", open = \"07:30\"", "weekday = \"montag\", open = \"07:30\"", "Wochentag"),
            ("close = \"18:00\"", "close = \"07:00\"", "Öffnung"),
            ("date = \"2025-06-02\"", "date = \"2025-02-30\"", "Datum"),
        ];
        for (from, to, expected) in cases {
            assert!(valid.contains(from), "the fixture has {from}");
            let broken = valid.replacen(from, to, 1);
            match AppointmentConfig::parse(&broken) {
                Err(AppointmentError::InvalidConfig(text)) => assert!(text.contains(expected), "{to}: {text}"),
                other => panic!("{to}: {other:?}"),
            }
        }
        let unknown = valid.replacen("\"personalausweis\", ", "\"kinderreisepass\", ", 1);
        assert!(
            matches!(AppointmentConfig::parse(&unknown), Err(AppointmentError::InvalidConfig(t)) if t.contains("kinderreisepass"))
        );
        let typo = valid.replacen("advance_days", "advanced_days", 1);
        assert!(matches!(AppointmentConfig::parse(&typo), Err(AppointmentError::ConfigSyntax(_))));
    }

    #[test]
    fn a_service_takes_whole_slots() {
        let config = AppointmentConfig::duesseldorf();
        let centre = config.office("05111000_01").unwrap();
        let id_card = config.service("personalausweis").unwrap();
        let both = config.service("personalausweis-und-reisepass").unwrap();
        assert_eq!(centre.units_for(id_card), 1);
        assert_eq!(centre.units_for(both), 2);
    }

    #[test]
    fn the_monday_before_a_wednesday_is_two_days_earlier() {
        let rule = ReleaseBefore { weekday: Weekday::Monday, at: time!(09:00) };
        assert_eq!(rule.date_for(date!(2025 - 06 - 18)), date!(2025 - 06 - 16));
        assert_eq!(rule.date_for(date!(2025 - 06 - 16)), date!(2025 - 06 - 09), "strictly before");
    }
}
