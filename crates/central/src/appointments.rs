//! Appointments at the central (issue 11): the configuration ([`schalter_appointments::AppointmentConfig`])
//! written into the database, the slots generated ahead with their release instants, the public booking
//! API's logic (free slots, book, cancel) and the publication of bookings into the offices' feeds.
//!
//! A slot is taken by one UPDATE that succeeds only while it is free and released (`db::appointments::take_slots`),
//! so no rush books it twice, across instances too; the booking row follows in the next statement. Each
//! commits on its own (a rush costs one statement per attempt that finds its time taken); a slot whose
//! booking row never came (the process killed between the two) is freed by `release_unconfirmed_slots`
//! after a minute. The booking code is made here, shown once, and stored only as its SHA-256. Bookings reach the desks through
//! the change feed by a publisher that runs behind the feed's lock every few seconds, so the rush itself
//! never waits on that lock.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use schalter_application::dates::{format_iso, parse_iso};
use schalter_appointments::{
    german_instant, AppointmentConfig, Availability, BookingCode, FamilyName, Office, Service, SlotFacts,
};
use schalter_wire::appointments::{
    BookingConfirmation, BookingRequest, CancelRequest, CancelledBooking, FreeSlot, FreeSlots, PublicDirectory,
    PublicOffice, PublicService, SlotQuery, MAX_QUERY_DAYS,
};
use time::{Date, Duration, OffsetDateTime, Time};
use uuid::Uuid;

use crate::db::appointments::{self as sql, BookingRow};
use crate::{CentralError, Db};

/// What the public side of the central needs: the configuration and the per-address rate limit.
#[derive(Clone)]
pub struct AppointmentService {
    pub config: Arc<AppointmentConfig>,
    pub rate_limit: Arc<PublicRateLimit>,
}

impl AppointmentService {
    pub fn new(config: AppointmentConfig, requests_per_minute: Option<u32>) -> Self {
        Self { config: Arc::new(config), rate_limit: Arc::new(PublicRateLimit::new(requests_per_minute)) }
    }
}

/// Offices in the configuration's order with their services.
pub fn directory(config: &AppointmentConfig) -> PublicDirectory {
    PublicDirectory {
        services: config
            .services
            .iter()
            .map(|service| PublicService {
                id: service.id.as_str().to_owned(),
                name_de: service.name_de.clone(),
                name_en: service.name_en.clone(),
                minutes: service.minutes,
            })
            .collect(),
        offices: config
            .offices
            .iter()
            .map(|office| PublicOffice {
                id: office.id.as_str().to_owned(),
                name: office.name.clone(),
                address: office.address.clone(),
                kind: office.kind.key().to_owned(),
                services: office.services.iter().map(|s| s.as_str().to_owned()).collect(),
                open_on: office.dates.iter().map(|(date, _)| format_iso(*date)).collect(),
            })
            .collect(),
    }
}

fn office_and_service<'c>(
    config: &'c AppointmentConfig,
    office: &str,
    service: &str,
) -> Result<(&'c Office, &'c Service), CentralError> {
    let office = config.office(office).ok_or(schalter_appointments::AppointmentError::UnknownOffice)?;
    let service = config
        .service(service)
        .filter(|service| office.offers(&service.id))
        .ok_or(schalter_appointments::AppointmentError::UnknownService)?;
    Ok((office, service))
}

/// The start times `service` can be booked at in `office` at `now`: runs of free, released slots at one
/// desk long enough for the service, booking still open; one entry per start time, its desk chosen at
/// random among the free ones, so a rush of clients does not all reach for the same desk's slot.
pub async fn free_slots(
    db: &Db,
    config: &AppointmentConfig,
    query: &SlotQuery,
    now: OffsetDateTime,
) -> Result<FreeSlots, CentralError> {
    let (office, service) = office_and_service(config, &query.office, &query.service)?;
    let today = schalter_pickup::local_time::german_date(now);
    let from = match &query.from {
        Some(raw) => parse_iso(raw).ok_or(CentralError::InvalidRequest)?,
        None => today,
    };
    let days = query.days.unwrap_or(14);
    if !(1..=MAX_QUERY_DAYS).contains(&days) {
        return Err(CentralError::InvalidRequest);
    }
    let until = from.checked_add(Duration::days(days.into())).ok_or(CentralError::InvalidRequest)?;
    let open_after = (now + config.release.booking_lead).unix_timestamp();
    let rows = db
        .free_slots(
            office.id.as_str(),
            german_instant(from, Time::MIDNIGHT).unix_timestamp().max(open_after + 1),
            german_instant(until, Time::MIDNIGHT).unix_timestamp(),
            now.unix_timestamp(),
        )
        .await?;
    let units = usize::from(office.units_for(service));
    let mut by_start: HashMap<i64, Vec<&sql::FreeSlotRow>> = HashMap::new();
    let mut index = 0;
    while index < rows.len() {
        let run_end = index + units;
        let run = rows.get(index..run_end);
        let fits = run.is_some_and(|run| {
            run.windows(2).all(|pair| pair[0].desk == pair[1].desk && pair[0].ends_at == pair[1].starts_at)
        });
        if fits {
            by_start.entry(rows[index].starts_at).or_default().push(&rows[index]);
        }
        index += 1;
    }
    let mut starts: Vec<i64> = by_start.keys().copied().collect();
    starts.sort_unstable();
    let slot_seconds = office.slot.whole_seconds();
    let mut slots = Vec::with_capacity(starts.len());
    for start in starts {
        let candidates = &by_start[&start];
        let chosen = candidates[rand::random::<usize>() % candidates.len()];
        let local = schalter_pickup::local_time::to_german_local(unix(start)?);
        slots.push(FreeSlot {
            slot_id: chosen.id.clone(),
            date: format_iso(local.date()),
            time: hhmm(local.time()),
            starts_at: unix(start)?,
            ends_at: unix(start + units as i64 * slot_seconds)?,
        });
    }
    Ok(FreeSlots { office_id: office.id.as_str().to_owned(), service_id: service.id.as_str().to_owned(), slots })
}

/// A slot id read back (`SlotPlan::id`): the office, its desk and its start, checked against the configuration.
struct SlotAddress<'c> {
    office: &'c Office,
    desk: i64,
    starts_at: OffsetDateTime,
}

fn parse_slot_id<'c>(config: &'c AppointmentConfig, id: &str) -> Option<SlotAddress<'c>> {
    let mut parts = id.rsplitn(4, '-');
    let desk: u16 = parts.next()?.parse().ok()?;
    let hhmm = parts.next()?;
    let yyyymmdd = parts.next()?;
    let office = config.office(parts.next()?)?;
    let digits = |part: &str, length: usize| part.len() == length && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(hhmm, 4) || !digits(yyyymmdd, 8) || !(1..=office.desks).contains(&desk) {
        return None;
    }
    let time = Time::from_hms(hhmm[..2].parse().ok()?, hhmm[2..].parse().ok()?, 0).ok()?;
    let month = time::Month::try_from(yyyymmdd[4..6].parse::<u8>().ok()?).ok()?;
    let date = Date::from_calendar_date(yyyymmdd[..4].parse().ok()?, month, yyyymmdd[6..].parse().ok()?).ok()?;
    let hours = config.hours_on(office, date)?;
    let offset = time - hours.open;
    let on_the_grid = offset.whole_seconds() % office.slot.whole_seconds() == 0;
    if time < hours.open || time + office.slot > hours.close || !on_the_grid {
        return None;
    }
    Some(SlotAddress { office, desk: i64::from(desk), starts_at: german_instant(date, time) })
}

/// Other desks tried for one start time when the chosen one was taken a moment ago.
const DESKS_TRIED: usize = 4;

/// Fresh codes tried when one exists already (each time a chance of about one in a trillion per booking held).
const CODE_TRIES: usize = 5;

/// Books `request` at `now`: the requested slot, or, if someone was faster, the same time at another free
/// desk of the office; `slot_taken` when the time is gone.
pub async fn book(
    db: &Db,
    config: &AppointmentConfig,
    request: &BookingRequest,
    now: OffsetDateTime,
) -> Result<BookingConfirmation, CentralError> {
    let family_name = FamilyName::parse(&request.family_name)?;
    let address = parse_slot_id(config, &request.slot_id).ok_or(CentralError::SlotUnknown)?;
    let (office, service) = office_and_service(config, address.office.id.as_str(), &request.service_id)?;
    // Closed for booking at `now`: too close to the start. The release and quarantine are the UPDATE's.
    let facts = SlotFacts { starts_at: address.starts_at, release_at: now, booked: false, free_from: now };
    if config.release.availability(&facts, now) != Availability::Bookable {
        return Err(CentralError::SlotTaken);
    }
    let units = i64::from(office.units_for(service));
    let slot_seconds = office.slot.whole_seconds();
    let starts_at = address.starts_at.unix_timestamp();
    let booking_id = Uuid::now_v7().to_string();
    let office_id = office.id.as_str();
    let now_seconds = now.unix_timestamp();
    let mut connection = db.acquire().await?;
    if db.backend() == crate::db::Backend::Postgres && units == 1 {
        return book_one_on_postgres(&mut connection, office, service, &family_name, &address, booking_id, now).await;
    }
    let mut desk = None;
    if sql::take_slots(
        &mut connection,
        &booking_id,
        office_id,
        address.desk,
        starts_at,
        units,
        slot_seconds,
        now_seconds,
    )
    .await?
    {
        desk = Some(address.desk);
    } else {
        // Someone was faster at this desk: the same time at another one (their order changes from call to call).
        let others = sql::free_desks_at(&mut connection, office_id, starts_at, now_seconds).await?;
        for other in others.into_iter().filter(|other| *other != address.desk).take(DESKS_TRIED) {
            if sql::take_slots(
                &mut connection,
                &booking_id,
                office_id,
                other,
                starts_at,
                units,
                slot_seconds,
                now_seconds,
            )
            .await?
            {
                desk = Some(other);
                break;
            }
        }
    }
    let Some(desk) = desk else { return Err(CentralError::SlotTaken) };
    let mut booking = new_booking(booking_id, office, service, &family_name, starts_at, units);
    for _ in 0..CODE_TRIES {
        let code = BookingCode::generate();
        booking.code_hash = code.hash();
        if sql::insert_booking(&mut connection, &booking, desk, now_seconds).await? {
            return Ok(confirmation(office, &address, &booking, &code));
        }
    }
    sql::give_back_slots(&mut connection, &booking.id).await?;
    Err(CentralError::Internal("no unused booking code after several tries".into()))
}

/// [`book`] on PostgreSQL for a one-slot service: one statement takes a free slot of the time and writes the booking.
async fn book_one_on_postgres(
    connection: &mut sqlx::AnyConnection,
    office: &Office,
    service: &Service,
    family_name: &FamilyName,
    address: &SlotAddress<'_>,
    booking_id: String,
    now: OffsetDateTime,
) -> Result<BookingConfirmation, CentralError> {
    let starts_at = address.starts_at.unix_timestamp();
    let mut booking = new_booking(booking_id, office, service, family_name, starts_at, 1);
    for _ in 0..CODE_TRIES {
        let code = BookingCode::generate();
        booking.code_hash = code.hash();
        match sql::take_one_and_book(connection, &booking, address.desk, now.unix_timestamp()).await {
            Ok(Some(_desk)) => return Ok(confirmation(office, address, &booking, &code)),
            Ok(None) => return Err(CentralError::SlotTaken),
            Err(error) if sql::is_code_taken(&error) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(CentralError::Internal("no unused booking code after several tries".into()))
}

/// A booking of `units` slots from `starts_at`; its code hash is set when a code is made.
fn new_booking(
    id: String,
    office: &Office,
    service: &Service,
    family_name: &FamilyName,
    starts_at: i64,
    units: i64,
) -> BookingRow {
    BookingRow {
        id,
        code_hash: String::new(),
        office_id: office.id.as_str().to_owned(),
        service_id: service.id.as_str().to_owned(),
        starts_at,
        ends_at: starts_at + units * office.slot.whole_seconds(),
        family_name: family_name.as_str().to_owned(),
        state: "booked".into(),
        version: 1,
    }
}

fn confirmation(
    office: &Office,
    address: &SlotAddress<'_>,
    booking: &BookingRow,
    code: &BookingCode,
) -> BookingConfirmation {
    tracing::info!(office = office.id.as_str(), service = booking.service_id.as_str(), "appointment booked");
    let local = schalter_pickup::local_time::to_german_local(address.starts_at);
    BookingConfirmation {
        booking_code: code.display(),
        office_id: booking.office_id.clone(),
        office_name: office.name.clone(),
        office_address: office.address.clone(),
        service_id: booking.service_id.clone(),
        date: format_iso(local.date()),
        time: hhmm(local.time()),
        starts_at: address.starts_at.to_offset(time::UtcOffset::UTC),
        ends_at: (address.starts_at + time::Duration::seconds(booking.ends_at - booking.starts_at))
            .to_offset(time::UtcOffset::UTC),
    }
}

/// Cancels the open booking with the code in `request`; its slots circulate again after the quarantine.
pub async fn cancel(
    db: &Db,
    config: &AppointmentConfig,
    request: &CancelRequest,
    now: OffsetDateTime,
) -> Result<CancelledBooking, CentralError> {
    let code = BookingCode::parse(&request.booking_code)?;
    let mut tx = db.begin().await?;
    let free_from = config.release.free_again_at(now).unix_timestamp();
    let Some(row) = sql::cancel(&mut tx, &code.hash(), now.unix_timestamp(), free_from).await? else {
        tx.rollback().await?;
        return Err(CentralError::BookingNotFound);
    };
    if row.starts_at <= now.unix_timestamp() {
        tx.rollback().await?;
        return Err(CentralError::BookingTooLate);
    }
    tx.commit().await?;
    tracing::info!(office = row.office_id.as_str(), "appointment cancelled");
    let local = schalter_pickup::local_time::to_german_local(unix(row.starts_at)?);
    let office_name = config.office(&row.office_id).map(|office| office.name.clone()).unwrap_or_default();
    Ok(CancelledBooking { office_name, date: format_iso(local.date()), time: hhmm(local.time()) })
}

/// Generates the slots of every office for the days from `today` on that the release rules can publish
/// (`advance_days` ahead, and the Monday-before rule of special days), skipping days already generated.
pub async fn generate_slots(db: &Db, config: &AppointmentConfig, today: Date) -> Result<u64, CentralError> {
    let days = i64::from(config.release.advance_days) + 2;
    let mut inserted = 0;
    for office in &config.offices {
        for offset in 0..days {
            let Some(date) = today.checked_add(Duration::days(offset)) else { continue };
            let from = german_instant(date, Time::MIDNIGHT).unix_timestamp();
            let to = from + 26 * 3600;
            if db.has_slots_between(office.id.as_str(), from, to).await? {
                continue;
            }
            let slots = schalter_appointments::slots_on(config, office, date);
            if !slots.is_empty() {
                inserted += db.insert_slots(&slots).await?;
            }
        }
    }
    Ok(inserted)
}

/// Requests per address and minute on the public listener; `None`: no limit (benchmarks behind one address).
pub struct PublicRateLimit {
    per_minute: Option<u32>,
    buckets: Mutex<HashMap<IpAddr, (f64, OffsetDateTime)>>,
}

/// Addresses remembered at most; beyond, the full buckets are forgotten first.
const MAX_TRACKED_ADDRESSES: usize = 100_000;

impl PublicRateLimit {
    pub fn new(per_minute: Option<u32>) -> Self {
        Self { per_minute: per_minute.filter(|n| *n > 0), buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request's token for `address` at `now`, or says how many seconds to wait.
    pub fn check(&self, address: IpAddr, now: OffsetDateTime) -> Result<(), CentralError> {
        let Some(per_minute) = self.per_minute else { return Ok(()) };
        let capacity = f64::from(per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_TRACKED_ADDRESSES {
            buckets.retain(|_, (tokens, at)| *tokens + (now - *at).as_seconds_f64() * per_second < capacity);
        }
        let (tokens, at) = buckets.entry(address).or_insert((capacity, now));
        let refilled = (*tokens + (now - *at).as_seconds_f64().max(0.0) * per_second).min(capacity);
        if refilled < 1.0 {
            *tokens = refilled;
            *at = now;
            let wait = ((1.0 - refilled) / per_second).ceil().max(1.0) as u64;
            return Err(CentralError::PublicRateLimited { retry_after_seconds: wait });
        }
        *tokens = refilled - 1.0;
        *at = now;
        Ok(())
    }
}

fn unix(seconds: i64) -> Result<OffsetDateTime, CentralError> {
    OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| CentralError::Internal("slot time out of range".into()))
}

fn hhmm(time: Time) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_rate_limit_refills_per_address() {
        let limit = PublicRateLimit::new(Some(2));
        let at = datetime!(2025-06-16 07:00 UTC);
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limit.check(one, at).is_ok() && limit.check(one, at).is_ok(), "the burst passes");
        let refused = limit.check(one, at).unwrap_err();
        assert!(matches!(refused, CentralError::PublicRateLimited { retry_after_seconds: 30 }), "{refused:?}");
        assert!(limit.check(other, at).is_ok(), "another address has its own");
        assert!(limit.check(one, at + Duration::seconds(30)).is_ok(), "one token back after 30 s");
        assert!(PublicRateLimit::new(None).check(one, at).is_ok());
    }

    #[test]
    fn slot_ids_are_read_back_only_on_the_grid() {
        let config = AppointmentConfig::duesseldorf();
        let office = config.office("05111000_01").unwrap();
        let slot = schalter_appointments::slots_on(&config, office, time::macros::date!(2025 - 06 - 12))[45].clone();
        let address = parse_slot_id(&config, &slot.id()).expect("a generated id reads back");
        assert_eq!((address.desk, address.starts_at), (i64::from(slot.desk), slot.starts_at));
        for wrong in [
            "05111000_01-20250612-0737-01", // off the grid
            "05111000_01-20250612-0730-21", // no desk 21
            "05111000_01-20250614-0730-01", // a Saturday
            "05111000_01-20250612-1800-01", // after closing
            "05111000_99-20250612-0730-01",
            "05111000_01-2025061-0730-01",
            "05111000_01-20250612-€5-01", // four bytes, not four digits: no slicing inside a character
            "05111000_01-2025-612-0730-01",
            "05111000_01-20250612-+730-01",
            "",
        ] {
            assert!(parse_slot_id(&config, wrong).is_none(), "{wrong}");
        }
    }
}
