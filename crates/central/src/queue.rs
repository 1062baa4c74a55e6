//! The counter queue's mutations (`queue.*`, issue 11) at the central: each is applied inside the
//! push's transaction with the rules of `schalter_appointments::queue`, on the ticket's row locked
//! first, so of two desks calling one ticket the second finds it called and is rejected
//! (`queue_ticket_taken`). Every change goes into the feed as a `queue_ticket` for the office's
//! desks. A walk-in's ticket is made by its `queue.check_in` (the desk's UUIDv7 as id); an
//! appointment's check-in marks its booking `checked_in` in the same transaction. Numbers count
//! per office, German day and kind from locked counter rows.
//!
//! Also the call display's read: number and place of today's calls, no names.

use schalter_appointments::queue::{
    self as rules, Place, QueueAction, QueueError, QueueTicket, TicketKind, TicketState,
};
use schalter_domain::OfficeId;
use schalter_wire::queue::{
    CallDisplay, DisplayedCall, QueueCheckIn, QueueFinish, QueueForward, QueueServe, QueueStep, QueueTicketChange,
    CALL_DISPLAY_MAX_CALLS, QUEUE_CALL, QUEUE_CHECK_IN, QUEUE_FINISH, QUEUE_FORWARD, QUEUE_MISSED, QUEUE_PARK,
    QUEUE_RECALL, QUEUE_RESUME, QUEUE_SERVE, QUEUE_TICKET_ENTITY,
};
use schalter_wire::ApiError;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::AnyConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::queue::{self as sql, TicketRow};
use crate::db::{applications::clerk_office, feed};
use crate::{CentralError, Db};

/// A rejection of a queue mutation, as the desk shows it.
fn rejected(error: QueueError) -> ApiError {
    ApiError { code: error.code().to_owned(), message: error.to_string() }
}

fn invalid_payload() -> ApiError {
    let error = CentralError::InvalidPayload;
    ApiError { code: error.code().to_owned(), message: error.to_string() }
}

fn parse<T: DeserializeOwned>(payload: &Value) -> Result<T, ApiError> {
    serde_json::from_value(payload.clone()).map_err(|_| invalid_payload())
}

/// The German civil day of `at` (unix seconds), `YYYY-MM-DD`.
pub fn german_day(at: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp(at).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    schalter_pickup::local_time::german_date(at).to_string()
}

/// Applies one `queue.*` mutation of `author`: `Ok(Ok)` the ticket after it, `Ok(Err)` a business
/// rejection, `Err` fails the push.
pub(crate) async fn apply(
    connection: &mut AnyConnection,
    now: i64,
    author: Uuid,
    kind: &str,
    payload: &Value,
) -> Result<Result<QueueTicketChange, ApiError>, CentralError> {
    let office_id =
        clerk_office(connection, author).await?.ok_or_else(|| CentralError::Internal("author unknown".into()))?;
    let (ticket_id, place, action, link) = match kind {
        QUEUE_CHECK_IN => {
            let check_in = match parse::<QueueCheckIn>(payload) {
                Ok(check_in) => check_in,
                Err(error) => return Ok(Err(error)),
            };
            return check_in_ticket(connection, now, author, &office_id, &check_in).await;
        }
        QUEUE_CALL | QUEUE_RECALL | QUEUE_MISSED | QUEUE_PARK | QUEUE_RESUME => {
            let step = match parse::<QueueStep>(payload) {
                Ok(step) => step,
                Err(error) => return Ok(Err(error)),
            };
            let action = match kind {
                QUEUE_CALL => QueueAction::Call,
                QUEUE_RECALL => QueueAction::Recall,
                QUEUE_MISSED => QueueAction::Missed,
                QUEUE_PARK => QueueAction::Park,
                _ => QueueAction::Resume,
            };
            (step.ticket_id, step.place, action, Link::None)
        }
        QUEUE_SERVE => {
            let serve = match parse::<QueueServe>(payload) {
                Ok(serve) => serve,
                Err(error) => return Ok(Err(error)),
            };
            (serve.ticket_id, serve.place, QueueAction::Serve, Link::Visit(serve.visit_id))
        }
        QUEUE_FORWARD => {
            let forward = match parse::<QueueForward>(payload) {
                Ok(forward) => forward,
                Err(error) => return Ok(Err(error)),
            };
            let to_place = match forward.to_place.as_deref().map(Place::parse).transpose() {
                Ok(to_place) => to_place,
                Err(error) => return Ok(Err(rejected(error))),
            };
            let action = QueueAction::Forward { to_place, to_service_id: forward.to_service_id };
            (forward.ticket_id, forward.place, action, Link::None)
        }
        QUEUE_FINISH => {
            let finish = match parse::<QueueFinish>(payload) {
                Ok(finish) => finish,
                Err(error) => return Ok(Err(error)),
            };
            (finish.ticket_id, finish.place, QueueAction::Finish, Link::Application(finish.application_id))
        }
        _ => return Ok(Err(invalid_payload())),
    };
    let place = match Place::parse(&place) {
        Ok(place) => place,
        Err(error) => return Ok(Err(rejected(error))),
    };
    let Some(row) = sql::lock(connection, &ticket_id.to_string()).await? else {
        return Ok(Err(rejected(QueueError::UnknownTicket)));
    };
    if row.office_id != office_id {
        return Ok(Err(rejected(QueueError::UnknownTicket)));
    }
    let ticket = rules_ticket(&row)?;
    let next = match rules::apply(&ticket, &action, &place, now) {
        Ok(next) => next,
        Err(error) => {
            tracing::info!(ticket_id = %ticket_id, action = action.name(), code = error.code(), "queue action refused");
            return Ok(Err(rejected(error)));
        }
    };
    let mut updated = with_rules(&row, &next);
    match link {
        Link::None => {}
        Link::Visit(visit) => updated.visit_id = Some(visit.to_string()),
        Link::Application(Some(application)) => updated.application_id = Some(application.to_string()),
        Link::Application(None) => {}
    }
    sql::update(connection, &updated, now, &author.to_string()).await?;
    let change = announce(connection, &updated, now).await?;
    tracing::info!(ticket_id = %ticket_id, action = action.name(), state = next.state.key(), "queue ticket changed");
    Ok(Ok(change))
}

/// What an action links to the ticket besides its state.
enum Link {
    None,
    Visit(Uuid),
    Application(Option<Uuid>),
}

async fn check_in_ticket(
    connection: &mut AnyConnection,
    now: i64,
    author: Uuid,
    office_id: &str,
    check_in: &QueueCheckIn,
) -> Result<Result<QueueTicketChange, ApiError>, CentralError> {
    let Some(kind) = TicketKind::parse(&check_in.kind) else {
        return Ok(Err(invalid_payload()));
    };
    let id = check_in.ticket_id.to_string();
    // A missed customer back at the front desk: the same ticket waits again.
    if let Some(row) = sql::lock(connection, &id).await? {
        if row.office_id != office_id || row.kind != kind.key() {
            return Ok(Err(rejected(QueueError::AlreadyCheckedIn)));
        }
        let ticket = rules_ticket(&row)?;
        if ticket.state != TicketState::Missed {
            return Ok(Err(rejected(QueueError::AlreadyCheckedIn)));
        }
        let place = Place::parse("Tresen").map_err(|_| CentralError::Internal("place".into()))?;
        let next = match rules::apply(&ticket, &QueueAction::CheckIn, &place, now) {
            Ok(next) => next,
            Err(error) => return Ok(Err(rejected(error))),
        };
        let updated = with_rules(&row, &next);
        sql::update(connection, &updated, now, &author.to_string()).await?;
        return announce(connection, &updated, now).await.map(Ok);
    }
    let day = german_day(now);
    let (service_id, due_at, booking_id) = match kind {
        TicketKind::WalkIn => {
            let Some(service_id) = check_in.service_id.clone() else {
                return Ok(Err(rejected(QueueError::InvalidService)));
            };
            if check_in.booking_id.is_some() {
                return Ok(Err(invalid_payload()));
            }
            (service_id, None, None)
        }
        TicketKind::Appointment => {
            let Some(booking_id) = check_in.booking_id.clone() else {
                return Ok(Err(rejected(QueueError::UnknownBooking)));
            };
            if booking_id.is_empty() || booking_id.len() > 100 {
                return Ok(Err(rejected(QueueError::UnknownBooking)));
            }
            if sql::ticket_of_booking(connection, &booking_id).await?.is_some() {
                return Ok(Err(rejected(QueueError::AlreadyCheckedIn)));
            }
            let Some(booking) = sql::booking(connection, &booking_id).await? else {
                return Ok(Err(rejected(QueueError::UnknownBooking)));
            };
            if booking.office_id != office_id || booking.state == "cancelled" || german_day(booking.starts_at) != day {
                return Ok(Err(rejected(QueueError::UnknownBooking)));
            }
            if let Err(error) = rules::check_service_id(&booking.service_id) {
                return Ok(Err(rejected(error)));
            }
            if !sql::mark_checked_in(connection, &booking_id).await? {
                return Ok(Err(rejected(QueueError::AlreadyCheckedIn)));
            }
            (booking.service_id, Some(booking.starts_at), Some(booking_id))
        }
    };
    let ticket = match QueueTicket::check_in(0, kind, &service_id, due_at, now) {
        Ok(ticket) => ticket,
        Err(error) => return Ok(Err(rejected(error))),
    };
    let number = sql::next_number(connection, office_id, &day, kind.key()).await?;
    let number = u32::try_from(number).map_err(|_| CentralError::Internal("queue number out of range".into()))?;
    let ticket = QueueTicket { number, ..ticket };
    let row = TicketRow {
        id: id.clone(),
        office_id: office_id.to_owned(),
        day,
        kind: kind.key().to_owned(),
        number: i64::from(number),
        display_number: ticket.display_number(),
        service_id,
        booking_id,
        state: ticket.state.key().to_owned(),
        call_count: 0,
        place: None,
        due_at,
        arrived_at: now,
        called_at: None,
        finished_at: None,
        visit_id: None,
        application_id: None,
    };
    sql::insert(connection, &row, now, &author.to_string()).await?;
    let change = announce(connection, &row, now).await?;
    tracing::info!(ticket_id = %id, kind = kind.key(), number, "queue ticket checked in");
    Ok(Ok(change))
}

/// The stored row as the rules see it.
fn rules_ticket(row: &TicketRow) -> Result<QueueTicket, CentralError> {
    let corrupt = || CentralError::Internal("malformed queue ticket in database".into());
    Ok(QueueTicket {
        number: u32::try_from(row.number).map_err(|_| corrupt())?,
        kind: TicketKind::parse(&row.kind).ok_or_else(corrupt)?,
        service_id: row.service_id.clone(),
        state: TicketState::parse(&row.state).ok_or_else(corrupt)?,
        call_count: u32::try_from(row.call_count).map_err(|_| corrupt())?,
        place: row.place.as_deref().map(Place::parse).transpose().map_err(|_| corrupt())?,
        due_at: row.due_at,
        arrived_at: row.arrived_at,
        called_at: row.called_at,
        finished_at: row.finished_at,
    })
}

fn with_rules(row: &TicketRow, ticket: &QueueTicket) -> TicketRow {
    TicketRow {
        service_id: ticket.service_id.clone(),
        state: ticket.state.key().to_owned(),
        call_count: i64::from(ticket.call_count),
        place: ticket.place.as_ref().map(|place| place.as_str().to_owned()),
        arrived_at: ticket.arrived_at,
        called_at: ticket.called_at,
        finished_at: ticket.finished_at,
        ..row.clone()
    }
}

fn instant(at: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(at).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The wire shape of a stored ticket.
pub fn change_of(row: &TicketRow) -> Result<QueueTicketChange, CentralError> {
    let corrupt = || CentralError::Internal("malformed queue ticket in database".into());
    let uuid = |text: &Option<String>| text.as_deref().map(Uuid::parse_str).transpose().map_err(|_| corrupt());
    Ok(QueueTicketChange {
        id: Uuid::parse_str(&row.id).map_err(|_| corrupt())?,
        office_id: row.office_id.clone(),
        day: row.day.clone(),
        number: u32::try_from(row.number).map_err(|_| corrupt())?,
        display_number: row.display_number.clone(),
        kind: row.kind.clone(),
        service_id: row.service_id.clone(),
        booking_id: row.booking_id.clone(),
        state: row.state.clone(),
        call_count: u32::try_from(row.call_count).map_err(|_| corrupt())?,
        place: row.place.clone(),
        due_at: row.due_at.map(instant),
        arrived_at: instant(row.arrived_at),
        called_at: row.called_at.map(instant),
        finished_at: row.finished_at.map(instant),
        visit_id: uuid(&row.visit_id)?,
        application_id: uuid(&row.application_id)?,
    })
}

/// Tells the office's desks (only them) through the feed, in the transaction of the change.
async fn announce(
    connection: &mut AnyConnection,
    row: &TicketRow,
    now: i64,
) -> Result<QueueTicketChange, CentralError> {
    let change = change_of(row)?;
    let data = serde_json::to_value(&change).map_err(|e| CentralError::Internal(e.to_string()))?;
    feed::append_for_office(connection, &row.office_id, QUEUE_TICKET_ENTITY, &row.id, Some(&data), now).await?;
    Ok(change)
}

/// The call display of `office_id` at `now`: today's latest calls, number and place only.
pub async fn call_display(db: &Db, office_id: &OfficeId, now: i64) -> Result<CallDisplay, CentralError> {
    if !db.office_exists(office_id).await? {
        return Err(CentralError::UnknownOffice(office_id.to_string()));
    }
    let calls = db
        .recent_calls(office_id.as_str(), &german_day(now), CALL_DISPLAY_MAX_CALLS)
        .await?
        .into_iter()
        .map(|call| DisplayedCall {
            display_number: call.display_number,
            place: call.place,
            called_at: instant(call.called_at),
            call_count: u32::try_from(call.call_count).unwrap_or(0),
        })
        .collect();
    Ok(CallDisplay { office_id: office_id.to_string(), calls })
}
