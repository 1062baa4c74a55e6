//! The counter queue at the desk (issue 11, »Warteschlange«): today's appointments of the office (the pulled
//! `appointment` entity) and tickets (the pulled `queue_ticket` entity), check-in of a walk-in or an appointment,
//! call next (chosen here by `schalter_appointments::queue::next_to_call`; confirmed when this place still has
//! someone), recall, missed, serve (linked to the desk's visit), park, resume, forward, finish (with the
//! application captured in the visit). Each action is applied to the local copy by the queue rules and written with
//! its `queue.*` mutation in one `StoreTx`, so it works offline from the last pull; a sync round follows at once,
//! and a rejection (another desk called the ticket first) puts the ticket back as it was and reaches the clerk as
//! the central's `{code, message}`. Logs carry ticket ids and states, never names.

use schalter_appointments::queue::{self as rules, Place, QueueAction, QueueTicket, TicketKind, TicketState};
use schalter_store::{DeskStore, MutationState, NewMutation};
use schalter_wire::appointments::AppointmentChange;
use schalter_wire::queue::{
    QueueCheckIn, QueueFinish, QueueForward, QueueServe, QueueStep, QueueTicketChange, QUEUE_CALL, QUEUE_CHECK_IN,
    QUEUE_FINISH, QUEUE_FORWARD, QUEUE_MISSED, QUEUE_PARK, QUEUE_RECALL, QUEUE_RESUME, QUEUE_SERVE,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;
use uuid::Uuid;

use crate::application::{office_date, APPLICATION_RECORD};
use crate::{CentralApi, Desk, DeskError};

/// Local records: the desk's copy of a ticket, and a pulled appointment.
pub(crate) const TICKET_RECORD: &str = "queue_ticket";
pub(crate) const APPOINTMENT_RECORD: &str = "appointment";

/// The desk's copy of a ticket; while a local action waits for the central, the state before it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LocalTicket {
    ticket: QueueTicketChange,
    #[serde(default)]
    pending_seq: Option<i64>,
    #[serde(default)]
    before: Option<QueueTicketChange>,
}

/// A ticket as the »Warteschlange« screen shows it. `kind`: `appointment` or `walk_in`; `state`: `waiting`,
/// `called`, `serving`, `parked`, `missed`, `finished`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct QueueTicketView {
    pub id: String,
    /// `W 012`; `W …` until the central numbered a ticket made offline.
    pub display_number: String,
    pub kind: String,
    pub service_id: String,
    pub state: String,
    pub call_count: u32,
    pub place: Option<String>,
    /// The appointment's time, `HH:MM` German time.
    pub due_time: Option<String>,
    /// `HH:MM` German time of the check-in.
    pub arrived_time: String,
    /// The appointment's family name (from the pulled booking); none for a walk-in.
    pub family_name: Option<String>,
    pub booking_id: Option<String>,
    /// A local action not yet confirmed by the central.
    pub pending: bool,
}

/// A booked appointment of today not yet checked in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct QueueAppointmentView {
    pub booking_id: String,
    /// `HH:MM` German time.
    pub time: String,
    pub family_name: String,
    pub service_id: String,
}

/// The »Warteschlange« screen: this desk's place, whom it serves now, the office's tickets of today (waiting
/// first, in call order) and today's appointments not checked in yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct QueueView {
    pub place: String,
    pub current: Option<QueueTicketView>,
    pub tickets: Vec<QueueTicketView>,
    pub appointments: Vec<QueueAppointmentView>,
}

/// The desk's place: desk.toml `[queue] place`, or `P ` and the last four characters of the device id.
pub fn resolve_place(configured: Option<&str>, device_id: &str) -> Result<Place, DeskError> {
    match configured {
        Some(place) => Ok(Place::parse(place)?),
        None => {
            let tail: String = device_id.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
            Ok(Place::parse(&format!("P {}", tail.to_uppercase()))?)
        }
    }
}

fn hh_mm(at: OffsetDateTime) -> String {
    let local = at.to_offset(schalter_pickup::local_time::german_offset(at));
    format!("{:02}:{:02}", local.hour(), local.minute())
}

fn view(local: &LocalTicket, appointments: &[AppointmentChange]) -> QueueTicketView {
    let ticket = &local.ticket;
    let family_name = ticket
        .booking_id
        .as_ref()
        .and_then(|id| appointments.iter().find(|a| &a.id == id))
        .map(|a| a.family_name.clone());
    QueueTicketView {
        id: ticket.id.to_string(),
        display_number: ticket.display_number.clone(),
        kind: ticket.kind.clone(),
        service_id: ticket.service_id.clone(),
        state: ticket.state.clone(),
        call_count: ticket.call_count,
        place: ticket.place.clone(),
        due_time: ticket.due_at.map(hh_mm),
        arrived_time: hh_mm(ticket.arrived_at),
        family_name,
        booking_id: ticket.booking_id.clone(),
        pending: local.pending_seq.is_some(),
    }
}

fn to_rules(ticket: &QueueTicketChange) -> Result<QueueTicket, DeskError> {
    let corrupt = || DeskError::Config("Wartenummer".into());
    Ok(QueueTicket {
        number: ticket.number,
        kind: TicketKind::parse(&ticket.kind).ok_or_else(corrupt)?,
        service_id: ticket.service_id.clone(),
        state: TicketState::parse(&ticket.state).ok_or_else(corrupt)?,
        call_count: ticket.call_count,
        place: ticket.place.as_deref().map(Place::parse).transpose()?,
        due_at: ticket.due_at.map(OffsetDateTime::unix_timestamp),
        arrived_at: ticket.arrived_at.unix_timestamp(),
        called_at: ticket.called_at.map(OffsetDateTime::unix_timestamp),
        finished_at: ticket.finished_at.map(OffsetDateTime::unix_timestamp),
    })
}

fn instant(at: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(at).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn with_rules(ticket: &QueueTicketChange, next: &QueueTicket) -> QueueTicketChange {
    QueueTicketChange {
        service_id: next.service_id.clone(),
        state: next.state.key().to_owned(),
        call_count: next.call_count,
        place: next.place.as_ref().map(|p| p.as_str().to_owned()),
        arrived_at: instant(next.arrived_at),
        called_at: next.called_at.map(instant),
        finished_at: next.finished_at.map(instant),
        ..ticket.clone()
    }
}

async fn local_tickets(store: &DeskStore) -> Result<Vec<LocalTicket>, DeskError> {
    Ok(store
        .records(TICKET_RECORD)
        .await?
        .into_iter()
        .filter_map(|(_, data)| serde_json::from_value::<LocalTicket>(data).ok())
        .collect())
}

async fn local_ticket(store: &DeskStore, id: &str) -> Result<Option<LocalTicket>, DeskError> {
    Ok(store.get_record(TICKET_RECORD, id).await?.and_then(|data| serde_json::from_value(data).ok()))
}

async fn appointments(store: &DeskStore) -> Result<Vec<AppointmentChange>, DeskError> {
    Ok(store
        .records(APPOINTMENT_RECORD)
        .await?
        .into_iter()
        .filter_map(|(_, data)| serde_json::from_value::<AppointmentChange>(data).ok())
        .collect())
}

/// A pulled `queue_ticket`: the central's state replaces the desk's copy.
pub(crate) async fn record_pulled_ticket(store: &DeskStore, ticket: &QueueTicketChange) -> Result<(), DeskError> {
    let local = LocalTicket { ticket: ticket.clone(), pending_seq: None, before: None };
    put(store, &local).await
}

/// A pulled `appointment` (the appointment half's feed entity), kept for today's list and the names.
pub(crate) async fn record_pulled_appointment(
    store: &DeskStore,
    appointment: &AppointmentChange,
) -> Result<(), DeskError> {
    let data = serde_json::to_value(appointment).map_err(|_| DeskError::Config("Termin".into()))?;
    let mut tx = store.transaction().await?;
    tx.put_record(APPOINTMENT_RECORD, &appointment.id, &data, &[], OffsetDateTime::now_utc()).await?;
    tx.commit().await?;
    Ok(())
}

async fn put(store: &DeskStore, local: &LocalTicket) -> Result<(), DeskError> {
    let data = serde_json::to_value(local).map_err(|_| DeskError::Config("Wartenummer".into()))?;
    let mut tx = store.transaction().await?;
    tx.put_record(TICKET_RECORD, &local.ticket.id.to_string(), &data, &[], OffsetDateTime::now_utc()).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes the ticket's new local state with its mutation in one store transaction.
async fn write(
    store: &DeskStore,
    before: Option<QueueTicketChange>,
    after: QueueTicketChange,
    kind: &str,
    payload: serde_json::Value,
    clerk_id: Uuid,
    now: OffsetDateTime,
) -> Result<i64, DeskError> {
    let mut tx = store.transaction().await?;
    let at = tx.push_mutation(&NewMutation { kind: kind.to_owned(), payload, occurred_at: now, clerk_id }).await?;
    let local = LocalTicket { ticket: after, pending_seq: Some(at.seq), before };
    let data = serde_json::to_value(&local).map_err(|_| DeskError::Config("Wartenummer".into()))?;
    tx.put_record(TICKET_RECORD, &local.ticket.id.to_string(), &data, &[], now).await?;
    tx.commit().await?;
    Ok(at.seq)
}

fn is_today(ticket: &QueueTicketChange, office_id: &str, now: OffsetDateTime) -> bool {
    ticket.office_id == office_id && ticket.day == office_date(now).to_string()
}

fn payload<T: Serialize>(value: &T) -> Result<serde_json::Value, DeskError> {
    serde_json::to_value(value).map_err(|_| DeskError::Config("Warteschlange".into()))
}

impl<C: CentralApi> Desk<C> {
    fn queue_office(&self) -> Result<String, DeskError> {
        self.current_session().map(|s| s.office_id).ok_or(DeskError::NotLoggedIn)
    }

    /// This desk's place (desk.toml `[queue] place`, else derived from the device id).
    pub fn queue_place(&self, configured: Option<&str>) -> Result<Place, DeskError> {
        let (store, ..) = self.queue_access()?;
        resolve_place(configured, store.device_id())
    }

    /// Today's queue of the office as this desk knows it (offline: from the last pull and its own actions).
    pub async fn queue_today(&self, configured_place: Option<&str>) -> Result<QueueView, DeskError> {
        let (store, _, _, now) = self.queue_access()?;
        let place = resolve_place(configured_place, store.device_id())?;
        let office_id = self.queue_office()?;
        let appointments = appointments(&store).await?;
        let mut tickets: Vec<LocalTicket> =
            local_tickets(&store).await?.into_iter().filter(|t| is_today(&t.ticket, &office_id, now)).collect();
        let rules_tickets: Vec<Option<QueueTicket>> = tickets.iter().map(|t| to_rules(&t.ticket).ok()).collect();
        let at = now.unix_timestamp();
        // Waiting ones in call order, then those at a place, then parked, missed, finished.
        let rank = |t: &LocalTicket, r: &Option<QueueTicket>| -> (u8, i64) {
            let state = TicketState::parse(&t.ticket.state);
            let order = match state {
                Some(TicketState::Called | TicketState::Serving) => 0,
                Some(TicketState::Waiting) => 1,
                Some(TicketState::Parked) => 2,
                Some(TicketState::Missed) => 3,
                _ => 4,
            };
            let key = r
                .as_ref()
                .map(|r| match r.due_at {
                    Some(due) if due <= at => due - 1_000_000_000,
                    Some(due) => due + 1_000_000_000,
                    None => r.arrived_at,
                })
                .unwrap_or_default();
            (order, key)
        };
        let mut ranked: Vec<(usize, (u8, i64))> =
            tickets.iter().zip(&rules_tickets).enumerate().map(|(i, (t, r))| (i, rank(t, r))).collect();
        ranked.sort_by_key(|(_, key)| *key);
        let order: Vec<usize> = ranked.into_iter().map(|(i, _)| i).collect();
        let sorted: Vec<LocalTicket> = order.iter().map(|&i| tickets[i].clone()).collect();
        tickets = sorted;
        let current = tickets
            .iter()
            .find(|t| {
                t.ticket.place.as_deref() == Some(place.as_str())
                    && TicketState::parse(&t.ticket.state).is_some_and(TicketState::is_at_place)
            })
            .map(|t| view(t, &appointments));
        let checked_in: Vec<&str> = tickets.iter().filter_map(|t| t.ticket.booking_id.as_deref()).collect();
        let today = office_date(now);
        let mut open: Vec<(OffsetDateTime, QueueAppointmentView)> = appointments
            .iter()
            .filter(|a| a.office_id == office_id && a.state == "booked" && !checked_in.contains(&a.id.as_str()))
            .filter_map(|a| {
                let starts = a.starts_at;
                (office_date(starts) == today).then(|| {
                    let view = QueueAppointmentView {
                        booking_id: a.id.clone(),
                        time: hh_mm(starts),
                        family_name: a.family_name.clone(),
                        service_id: a.service_id.clone(),
                    };
                    (starts, view)
                })
            })
            .collect();
        open.sort_by_key(|(starts, _)| *starts);
        Ok(QueueView {
            place: place.to_string(),
            current,
            tickets: tickets.iter().map(|t| view(t, &appointments)).collect(),
            appointments: open.into_iter().map(|(_, v)| v).collect(),
        })
    }

    /// A walk-in for `service_id` gets a ticket (numbered by the central with the next sync).
    pub async fn queue_check_in_walk_in(&self, service_id: &str) -> Result<QueueTicketView, DeskError> {
        self.queue_check_in(TicketKind::WalkIn, Some(service_id.trim()), None).await
    }

    /// A booked appointment of today is checked in (the booking becomes `checked_in` at the central).
    pub async fn queue_check_in_appointment(&self, booking_id: &str) -> Result<QueueTicketView, DeskError> {
        self.queue_check_in(TicketKind::Appointment, None, Some(booking_id.trim())).await
    }

    /// The citizen shows the booking code (`K7QX-M2PA`; case, spaces and dashes do not matter): the office's
    /// pulled booking with its hash is checked in, without asking the central.
    pub async fn queue_check_in_code(&self, code: &str) -> Result<QueueTicketView, DeskError> {
        let (store, ..) = self.queue_access()?;
        let office_id = self.queue_office()?;
        let hash =
            schalter_appointments::BookingCode::parse(code).map_err(|_| rules::QueueError::UnknownBooking)?.hash();
        let booking = appointments(&store)
            .await?
            .into_iter()
            .find(|a| a.office_id == office_id && a.code_hash == hash)
            .ok_or(rules::QueueError::UnknownBooking)?;
        let has_ticket =
            local_tickets(&store).await?.iter().any(|t| t.ticket.booking_id.as_deref() == Some(&booking.id));
        if booking.state == "checked_in" || has_ticket {
            return Err(rules::QueueError::AlreadyCheckedIn.into());
        }
        self.queue_check_in_appointment(&booking.id).await
    }

    async fn queue_check_in(
        &self,
        kind: TicketKind,
        service_id: Option<&str>,
        booking_id: Option<&str>,
    ) -> Result<QueueTicketView, DeskError> {
        let (store, clerk_id, _, now) = self.queue_access()?;
        let office_id = self.queue_office()?;
        let appointments = appointments(&store).await?;
        let (service, due_at) = match (kind, booking_id) {
            (TicketKind::Appointment, Some(booking_id)) => {
                let booking = appointments
                    .iter()
                    .find(|a| a.id == booking_id && a.state == "booked")
                    .ok_or(rules::QueueError::UnknownBooking)?;
                (booking.service_id.clone(), Some(booking.starts_at.unix_timestamp()))
            }
            _ => (service_id.unwrap_or_default().to_owned(), None),
        };
        let ticket = QueueTicket::check_in(0, kind, &service, due_at, now.unix_timestamp())?;
        let id = Uuid::now_v7();
        let change = QueueTicketChange {
            id,
            office_id,
            day: office_date(now).to_string(),
            number: 0,
            display_number: format!("{} …", kind.prefix()),
            kind: kind.key().to_owned(),
            service_id: service.clone(),
            booking_id: booking_id.map(str::to_owned),
            state: ticket.state.key().to_owned(),
            call_count: 0,
            place: None,
            due_at: due_at.map(instant),
            arrived_at: now,
            called_at: None,
            finished_at: None,
            visit_id: None,
            application_id: None,
        };
        let body = QueueCheckIn {
            ticket_id: id,
            kind: kind.key().to_owned(),
            service_id: (kind == TicketKind::WalkIn).then_some(service),
            booking_id: booking_id.map(str::to_owned),
        };
        let seq = write(&store, None, change, QUEUE_CHECK_IN, payload(&body)?, clerk_id, now).await?;
        tracing::info!(ticket_id = %id, kind = kind.key(), "queue check-in written");
        self.queue_settle(&store, &id.to_string(), seq).await
    }

    /// Calls the next customer to this place. When the place still has someone (called or being served), only
    /// with `confirmed`: the one served is parked, the one called counts as not appeared.
    pub async fn queue_call_next(
        &self,
        configured_place: Option<&str>,
        confirmed: bool,
    ) -> Result<QueueTicketView, DeskError> {
        let (store, _, _, now) = self.queue_access()?;
        let place = resolve_place(configured_place, store.device_id())?;
        let office_id = self.queue_office()?;
        let tickets: Vec<LocalTicket> =
            local_tickets(&store).await?.into_iter().filter(|t| is_today(&t.ticket, &office_id, now)).collect();
        if let Some(current) = tickets.iter().find(|t| {
            t.ticket.place.as_deref() == Some(place.as_str())
                && TicketState::parse(&t.ticket.state).is_some_and(TicketState::is_at_place)
        }) {
            if !confirmed {
                return Err(DeskError::QueueStillServing);
            }
            let action = if current.ticket.state == TicketState::Serving.key() { "park" } else { "missed" };
            self.queue_act(configured_place, &current.ticket.id.to_string(), action, None, None).await?;
        }
        let tickets: Vec<LocalTicket> =
            local_tickets(&store).await?.into_iter().filter(|t| is_today(&t.ticket, &office_id, now)).collect();
        let candidates: Vec<(usize, QueueTicket)> =
            tickets.iter().enumerate().filter_map(|(i, t)| to_rules(&t.ticket).ok().map(|r| (i, r))).collect();
        let rule_tickets: Vec<QueueTicket> = candidates.iter().map(|(_, r)| r.clone()).collect();
        let next =
            rules::next_to_call(&rule_tickets, &place, now.unix_timestamp()).ok_or(rules::QueueError::NobodyWaiting)?;
        let ticket_id = tickets[candidates[next].0].ticket.id.to_string();
        self.queue_act(configured_place, &ticket_id, "call", None, None).await
    }

    /// One action on a ticket at this place: `call`, `recall`, `missed`, `serve`, `park`, `resume`, `forward`
    /// (to `to_place` and/or `to_service_id`), `finish`.
    pub async fn queue_act(
        &self,
        configured_place: Option<&str>,
        ticket_id: &str,
        action: &str,
        to_place: Option<&str>,
        to_service_id: Option<&str>,
    ) -> Result<QueueTicketView, DeskError> {
        let (store, clerk_id, visit_id, now) = self.queue_access()?;
        let place = resolve_place(configured_place, store.device_id())?;
        let local = local_ticket(&store, ticket_id).await?.ok_or(rules::QueueError::UnknownTicket)?;
        let id = local.ticket.id;
        let step = || QueueStep { ticket_id: id, place: place.to_string() };
        let (rule_action, kind, body) = match action {
            "call" => (QueueAction::Call, QUEUE_CALL, payload(&step())?),
            "recall" => (QueueAction::Recall, QUEUE_RECALL, payload(&step())?),
            "missed" => (QueueAction::Missed, QUEUE_MISSED, payload(&step())?),
            "park" => (QueueAction::Park, QUEUE_PARK, payload(&step())?),
            "resume" => (QueueAction::Resume, QUEUE_RESUME, payload(&step())?),
            "serve" => (
                QueueAction::Serve,
                QUEUE_SERVE,
                payload(&QueueServe { ticket_id: id, place: place.to_string(), visit_id })?,
            ),
            "forward" => {
                let to_place = to_place.map(str::trim).filter(|p| !p.is_empty()).map(Place::parse).transpose()?;
                let to_service_id = to_service_id.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
                let body = QueueForward {
                    ticket_id: id,
                    place: place.to_string(),
                    to_place: to_place.as_ref().map(Place::to_string),
                    to_service_id: to_service_id.clone(),
                };
                (QueueAction::Forward { to_place, to_service_id }, QUEUE_FORWARD, payload(&body)?)
            }
            "finish" => {
                let application_id = application_of_visit(&store, visit_id).await?;
                let body = QueueFinish { ticket_id: id, place: place.to_string(), application_id };
                (QueueAction::Finish, QUEUE_FINISH, payload(&body)?)
            }
            _ => return Err(DeskError::Config("Aktion der Warteschlange".into())),
        };
        let next = rules::apply(&to_rules(&local.ticket)?, &rule_action, &place, now.unix_timestamp())?;
        let mut after = with_rules(&local.ticket, &next);
        if action == "serve" {
            after.visit_id = Some(visit_id);
        }
        let before = local.before.clone().or(Some(local.ticket.clone()));
        let seq = write(&store, before, after, kind, body, clerk_id, now).await?;
        tracing::info!(ticket_id = %id, action, "queue action written");
        self.queue_settle(&store, ticket_id, seq).await
    }

    /// Sends at once; a rejection puts the ticket back as it was and is the clerk's error. Offline: the local state.
    async fn queue_settle(&self, store: &DeskStore, ticket_id: &str, seq: i64) -> Result<QueueTicketView, DeskError> {
        if let Err(error) = self.sync_round().await {
            tracing::info!(code = error.code(), "queue: sync round after the action failed; it stays pending");
        }
        let appointments = appointments(store).await?;
        let local = local_ticket(store, ticket_id).await?.ok_or(rules::QueueError::UnknownTicket)?;
        match store.mutation(seq).await?.map(|m| m.state) {
            Some(MutationState::Rejected { code, message }) => {
                if local.pending_seq == Some(seq) {
                    match local.before.clone() {
                        Some(before) => {
                            put(store, &LocalTicket { ticket: before, pending_seq: None, before: None }).await?
                        }
                        None => {
                            let mut tx = store.transaction().await?;
                            tx.put_record(
                                TICKET_RECORD,
                                ticket_id,
                                &serde_json::json!({ "rejected": code }),
                                &[],
                                OffsetDateTime::now_utc(),
                            )
                            .await?;
                            tx.commit().await?;
                        }
                    }
                }
                Err(DeskError::Central { code, message })
            }
            Some(
                MutationState::Applied { response: Some(response) }
                | MutationState::Replayed { response: Some(response) },
            ) => {
                if let Ok(ticket) = serde_json::from_value::<QueueTicketChange>(response) {
                    if local.pending_seq.is_none_or(|pending| pending <= seq) {
                        let settled = LocalTicket { ticket, pending_seq: None, before: None };
                        put(store, &settled).await?;
                        return Ok(view(&settled, &appointments));
                    }
                }
                Ok(view(&local, &appointments))
            }
            _ => Ok(view(&local, &appointments)),
        }
    }
}

/// The application captured in this visit (the latest), if any.
async fn application_of_visit(store: &DeskStore, visit_id: Uuid) -> Result<Option<Uuid>, DeskError> {
    let visit = visit_id.to_string();
    Ok(store.records(APPLICATION_RECORD).await?.into_iter().find_map(|(id, data)| {
        (data["submitted"]["visit_id"].as_str() == Some(visit.as_str())).then(|| id.parse().ok()).flatten()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::format_description::well_known::Rfc3339;

    #[test]
    fn the_place_is_configured_or_derived_from_the_device() {
        assert_eq!(resolve_place(Some("Platz 3"), "desk-x").unwrap().as_str(), "Platz 3");
        assert_eq!(resolve_place(Some("Platz 123"), "desk-x").unwrap_err().code(), "queue_invalid_place");
        assert_eq!(resolve_place(None, "desk-0190c5a2-7e4b-7c3d-9f00-2a1b3c4d5e6f").unwrap().as_str(), "P 5E6F");
    }

    #[test]
    fn times_are_german() {
        let winter = OffsetDateTime::parse("2027-01-15T08:30:00Z", &Rfc3339).unwrap();
        assert_eq!(hh_mm(winter), "09:30");
        let summer = OffsetDateTime::parse("2026-06-18T07:05:00Z", &Rfc3339).unwrap();
        assert_eq!(hh_mm(summer), "09:05");
    }
}
