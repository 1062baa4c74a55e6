//! The box terminal's sessions at the central (issue 10): each input of a terminal drives the pure
//! `schalter_pickup::PickupFlow` one step, in one transaction that first locks the box's row (all
//! terminals of a box are serialised), takes a token from the terminal's rate limit (stored in the
//! database, so several central instances share it) for every phone number, PIN and birth date, reads
//! the pickup afresh (a clerk may have handed it out meanwhile; another terminal may have counted a
//! wrong PIN), stores the next state with every record its effects call for, and only then answers with
//! the device commands. A power cut anywhere resumes from a recorded state.
//!
//! An unknown phone number takes the same path as a known one: the same lookup, one keyed hash
//! (`PinHasher::verify_unknown`), one write, the same screens; and the handler pads the answers to
//! citizen inputs to a fixed floor ([`BoxTerminalConfig::answer_floor`]), so their timing says nothing.

use std::num::NonZeroU32;
use std::time::Duration;

use schalter_application::{Application, ApplicationStatus, MobileNumber};
use schalter_pickup::{
    Alarm, Attempts, AuditEvent, CompartmentId, Effect, EndReason, Event, LockState, OpeningHours, PickupDeadline,
    PickupFacts, PickupFlow, PickupId, PickupPin, PinHash, Screen, TerminalRateLimit, ThirdFactor,
};
use schalter_wire::pickup::{DeviceCommand, SessionAnswer, TerminalInput, TerminalScreen};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::applications::change_status;
use crate::db::box_session::{self as sql, PickupRow, SessionRow};
use crate::db::pickup::lock_box;
use crate::pickup::PickupKeys;
use crate::{CentralError, Db};

/// How the central treats its terminals.
#[derive(Debug, Clone, Copy)]
pub struct BoxTerminalConfig {
    /// Phone numbers, PINs and birth dates one terminal may send per minute.
    pub attempts_per_minute: NonZeroU32,
    /// Answers to phone numbers, PINs and birth dates take at least this long, known number or not.
    pub answer_floor: Duration,
}

impl Default for BoxTerminalConfig {
    fn default() -> Self {
        Self { attempts_per_minute: TerminalRateLimit::DEFAULT_PER_MINUTE, answer_floor: Duration::from_millis(150) }
    }
}

/// The terminal a request comes from (its certificate) and its box.
pub struct Terminal<'a> {
    pub fingerprint: &'a str,
    pub box_id: &'a str,
    pub mode: &'a str,
}

impl Terminal<'_> {
    fn hours(&self) -> OpeningHours {
        let mode = match self.mode {
            "around_the_clock" => schalter_pickup::BoxMode::AroundTheClock,
            _ => schalter_pickup::BoxMode::ServiceHours,
        };
        OpeningHours::duesseldorf_service_centre().with_mode(mode)
    }

    fn audit_label(&self) -> String {
        format!("box:{}", self.box_id)
    }
}

fn instant(now: i64) -> Result<OffsetDateTime, CentralError> {
    OffsetDateTime::from_unix_timestamp(now).map_err(|e| CentralError::Internal(e.to_string()))
}

fn internal(what: &str) -> impl FnOnce(serde_json::Error) -> CentralError + '_ {
    move |_| CentralError::Internal(format!("malformed {what} in database"))
}

/// Starts a session at the terminal, or brings back the one a power cut left between "open" and
/// "closed" (with the compartment to check). An unfinished session before "open" ends as interrupted;
/// its device commands (a held old document given back) come with the new session's answer.
pub async fn start(db: &Db, now: i64, terminal: &Terminal<'_>) -> Result<SessionAnswer, CentralError> {
    let at = instant(now)?;
    let mut tx = db.begin().await?;
    lock_box(&mut tx, terminal.box_id).await?;
    let mut commands = Vec::new();
    for mut session in sql::unfinished_sessions(&mut tx, terminal.fingerprint).await? {
        let flow: PickupFlow = serde_json::from_str(&session.flow).map_err(internal("box session"))?;
        if let PickupFlow::Opening { pickup, .. } | PickupFlow::DoorOpen { pickup, .. } = &flow {
            let answer = answer(&session.id, &flow, Vec::new(), Some(pickup.compartment.0))?;
            tx.commit().await?;
            return Ok(answer);
        }
        let (next, effects) = match flow.step(Event::PowerRestored { door_open_seen: false, compartment_empty: false })
        {
            Ok((next, effects)) if next.is_finished() => (next, effects),
            _ => (PickupFlow::Ended { reason: EndReason::Interrupted }, Vec::new()),
        };
        commands.extend(match apply(&mut tx, terminal, now, &effects).await {
            Ok(commands) | Err(Applied::NotLoaded { commands }) => commands,
            Err(Applied::Failed(error)) => return Err(error),
        });
        session.flow = serde_json::to_string(&next).map_err(|e| CentralError::Internal(e.to_string()))?;
        session.finished = true;
        sql::update_session(&mut tx, &session, now).await?;
    }
    let flow = PickupFlow::start(&terminal.hours(), at)?;
    let session = SessionRow {
        id: Uuid::now_v7().to_string(),
        terminal: terminal.fingerprint.to_owned(),
        flow: serde_json::to_string(&flow).map_err(|e| CentralError::Internal(e.to_string()))?,
        candidates: "[]".to_owned(),
        finished: false,
    };
    sql::insert_session(&mut tx, &session, terminal.box_id, now).await?;
    tx.commit().await?;
    answer(&session.id, &flow, commands, None)
}

/// Whether the input is one the rate limit counts (what a guesser would repeat).
fn is_attempt(input: &TerminalInput) -> bool {
    matches!(input, TerminalInput::PhoneNumber { .. } | TerminalInput::Pin { .. } | TerminalInput::BirthDate { .. })
}

/// Whether the handler pads the answer to the floor.
pub fn answer_is_padded(input: &TerminalInput) -> bool {
    is_attempt(input)
}

/// Applies one input of the terminal to its session (see the module documentation).
pub async fn input(
    db: &Db,
    keys: &PickupKeys,
    config: &BoxTerminalConfig,
    now: i64,
    terminal: &Terminal<'_>,
    session_id: Uuid,
    input: TerminalInput,
) -> Result<SessionAnswer, CentralError> {
    let at = instant(now)?;
    let mut tx = db.begin().await?;
    lock_box(&mut tx, terminal.box_id).await?;
    if is_attempt(&input) {
        take_token(&mut tx, terminal.fingerprint, config.attempts_per_minute, at).await?;
    }
    let session = sql::session(&mut tx, &session_id.to_string()).await?;
    let mut session = session.filter(|s| s.terminal == terminal.fingerprint).ok_or(CentralError::BoxSessionUnknown)?;
    let flow: PickupFlow = serde_json::from_str(&session.flow).map_err(internal("box session"))?;
    let late_door =
        matches!(flow, PickupFlow::Done { door_closed: false, .. }) && matches!(input, TerminalInput::DoorClosed);
    if session.finished && !late_door {
        return Err(CentralError::BoxSessionFinished);
    }
    let mut candidates: Vec<String> = serde_json::from_str(&session.candidates).map_err(internal("candidates"))?;

    // A malformed PIN or birth date is refused, but its token stays taken.
    let refused = match &input {
        TerminalInput::Pin { pin } => PickupPin::parse(pin).err().map(CentralError::from),
        TerminalInput::BirthDate { date } => parse_date(date).err(),
        TerminalInput::SlotRead { serial } if serial.chars().count() > 32 => Some(CentralError::InvalidRequest),
        _ => None,
    };
    if let Some(error) = refused {
        tx.commit().await?;
        return Err(error);
    }

    let (next, effects) = match refreshed(&mut tx, &flow).await? {
        Refreshed::Gone { next, effects } => (next, effects),
        Refreshed::Flow(flow) => {
            let (flow, event, extra_wrong) =
                event_for(&mut tx, keys, terminal, flow, &mut candidates, input, at).await?;
            let (next, effects) = flow.step(event)?;
            if !extra_wrong.is_empty() && effects.iter().any(|e| matches!(e, Effect::WrongPinRecorded { .. })) {
                record_wrong_for_candidates(&mut tx, terminal, now, &extra_wrong).await?;
            }
            if matches!(next, PickupFlow::Ended { .. } | PickupFlow::Done { .. }) {
                candidates.clear();
            }
            (next, effects)
        }
    };
    let (next, commands) = match apply(&mut tx, terminal, now, &effects).await {
        Ok(commands) => (next, commands),
        Err(Applied::NotLoaded { mut commands }) => {
            // Nothing opens; a document the reader holds goes back.
            if matches!(next, PickupFlow::Opening { old_document_held: true, .. }) {
                commands.push(DeviceCommand::ReturnOldDocument);
            }
            (PickupFlow::Ended { reason: EndReason::NoLongerAvailable }, commands)
        }
        Err(Applied::Failed(error)) => return Err(error),
    };
    session.flow = serde_json::to_string(&next).map_err(|e| CentralError::Internal(e.to_string()))?;
    session.candidates = serde_json::to_string(&candidates).map_err(|e| CentralError::Internal(e.to_string()))?;
    session.finished = next.is_finished();
    sql::update_session(&mut tx, &session, now).await?;
    tx.commit().await?;
    answer(&session.id, &next, commands, None)
}

async fn take_token(
    tx: &mut sqlx::AnyConnection,
    terminal: &str,
    per_minute: NonZeroU32,
    at: OffsetDateTime,
) -> Result<(), CentralError> {
    let (available, refilled_at) = sql::rate_bucket(tx, terminal).await?.ok_or(CentralError::NotABox)?;
    let mut bucket = if available < 0 {
        TerminalRateLimit::new(per_minute, at)
    } else {
        let refilled_at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(refilled_at))
            .map_err(|e| CentralError::Internal(e.to_string()))?;
        TerminalRateLimit::restore(per_minute, u32::try_from(available).unwrap_or(0), refilled_at)
    };
    let taken = bucket.try_acquire(at);
    let (available, refilled_at) = bucket.stored();
    let nanos = i64::try_from(refilled_at.unix_timestamp_nanos()).map_err(|e| CentralError::Internal(e.to_string()))?;
    sql::store_rate_bucket(tx, terminal, i64::from(available), nanos).await?;
    if let Err(limited) = taken {
        tracing::warn!(terminal, "box terminal rate limited");
        return Err(limited.into());
    }
    Ok(())
}

fn parse_date(raw: &str) -> Result<time::Date, CentralError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw.trim(), &format).map_err(|_| CentralError::BoxInvalidBirthDate)
}

/// What a stored pickup row says as the flow's facts; `None` when it no longer concerns a PIN (handed
/// out, PIN revoked).
fn facts(row: &PickupRow) -> Result<Option<PickupFacts>, CentralError> {
    if !matches!(row.state.as_str(), "waiting" | "locked" | "expired") || row.pin_hash.is_empty() {
        return Ok(None);
    }
    let application: Application = serde_json::from_str(&row.application).map_err(internal("application"))?;
    let applicant = application.applicant();
    let Ok(third_factor) = ThirdFactor::for_application(applicant.current_document.as_ref(), &applicant.date_of_birth)
    else {
        return Ok(None);
    };
    let id = Uuid::parse_str(&row.application_id).map_err(|_| CentralError::Internal("malformed uuid".into()))?;
    let wrong = u8::try_from(row.wrong_answers).unwrap_or(u8::MAX).min(schalter_pickup::MAX_WRONG_PINS);
    // A locked row is locked whatever its count says (a supervisor's clear resets both).
    let wrong = if row.state == "locked" { schalter_pickup::MAX_WRONG_PINS } else { wrong };
    let attempts = Attempts::from_count(wrong)?;
    // An expired pickup: the deadline says so, so the flow answers "at the counter" after a right PIN.
    let deadline = PickupDeadline::stored(instant(row.loaded_at)?, instant(row.expires_at)?);
    let compartment = CompartmentId(u32::try_from(row.compartment).unwrap_or(u32::MAX));
    Ok(PickupFacts::new(
        PickupId::from_uuid(id),
        compartment,
        application.document_kind(),
        third_factor,
        attempts,
        deadline,
    )
    .ok())
}

enum Refreshed {
    Flow(PickupFlow),
    /// The document left the box since the session read it: end before anything opens.
    Gone {
        next: PickupFlow,
        effects: Vec<Effect>,
    },
}

/// The flow with its facts read again from the database.
async fn refreshed(tx: &mut sqlx::AnyConnection, flow: &PickupFlow) -> Result<Refreshed, CentralError> {
    use PickupFlow as F;
    let facts_of = |pickup: &PickupFacts| pickup.pickup.as_uuid().to_string();
    Ok(match flow {
        F::Pin { pickup: Some(pickup), wrong_in_session } => {
            let fresh = match sql::pickup(tx, &facts_of(pickup)).await? {
                Some(row) => facts(&row)?,
                None => None,
            };
            Refreshed::Flow(F::Pin { pickup: fresh, wrong_in_session: *wrong_in_session })
        }
        F::OldDocument { pickup, .. } | F::BirthDate { pickup, .. } | F::PinLetter { pickup, .. } => {
            let row = sql::pickup(tx, &facts_of(pickup)).await?;
            let fresh = match &row {
                Some(row) if row.state == "waiting" => facts(row)?,
                _ => None,
            };
            match fresh {
                None => {
                    let mut effects = Vec::new();
                    if let F::PinLetter { old_document_held: true, .. } = flow {
                        effects.push(Effect::ReturnOldDocument { pickup: pickup.pickup });
                    }
                    Refreshed::Gone { next: F::Ended { reason: EndReason::NoLongerAvailable }, effects }
                }
                Some(fresh) => Refreshed::Flow(match flow {
                    F::OldDocument { mismatches, .. } => F::OldDocument { pickup: fresh, mismatches: *mismatches },
                    F::BirthDate { wrong_in_session, .. } => {
                        F::BirthDate { pickup: fresh, wrong_in_session: *wrong_in_session }
                    }
                    F::PinLetter { old_document_held, .. } => {
                        F::PinLetter { pickup: fresh, old_document_held: *old_document_held }
                    }
                    _ => unreachable!("matched above"),
                }),
            }
        }
        other => Refreshed::Flow(other.clone()),
    })
}

/// The flow event for an input: the phone lookup, the PIN check against every pickup behind the number.
/// Returns the flow to step (its facts may switch to the pickup the PIN belongs to) and the other
/// pickups behind the number, which a wrong PIN counts against too.
async fn event_for(
    tx: &mut sqlx::AnyConnection,
    keys: &PickupKeys,
    terminal: &Terminal<'_>,
    flow: PickupFlow,
    candidates: &mut Vec<String>,
    input: TerminalInput,
    at: OffsetDateTime,
) -> Result<(PickupFlow, Event, Vec<String>), CentralError> {
    let hasher = &keys.pin_hasher;
    let event = match input {
        TerminalInput::PhoneNumber { number } => {
            // An invalid number runs the same query and finds nothing.
            let mobile = MobileNumber::parse(&number).map(|m| m.as_str().to_owned()).unwrap_or_default();
            let rows = sql::pickups_for_mobile(tx, terminal.box_id, &mobile).await?;
            let mut known = Vec::new();
            for row in &rows {
                if let Some(facts) = facts(row)? {
                    known.push(facts);
                }
            }
            let mut known = known.into_iter();
            let first = known.next();
            *candidates = known.map(|f| f.pickup.as_uuid().to_string()).collect();
            Event::PhoneEntered { pickup: first }
        }
        TerminalInput::Pin { pin } => {
            let pin = PickupPin::parse(&pin)?;
            let PickupFlow::Pin { pickup, wrong_in_session } = flow else {
                return Ok((flow, Event::PinEntered { correct: false, at }, Vec::new()));
            };
            let correct_for = |facts: &PickupFacts, hash: &str| {
                PinHash::parse_hex(hash).map(|hash| hasher.verify(&pin, facts.pickup, &hash)).unwrap_or(false)
            };
            let Some(primary) = pickup else {
                hasher.verify_unknown(&pin);
                return Ok((
                    PickupFlow::Pin { pickup: None, wrong_in_session },
                    Event::PinEntered { correct: false, at },
                    Vec::new(),
                ));
            };
            let primary_row = sql::pickup(tx, &primary.pickup.as_uuid().to_string()).await?;
            let primary_correct = primary_row.as_ref().is_some_and(|row| correct_for(&primary, &row.pin_hash));
            if primary_correct {
                return Ok((
                    PickupFlow::Pin { pickup: Some(primary), wrong_in_session },
                    Event::PinEntered { correct: true, at },
                    Vec::new(),
                ));
            }
            // A family's pickups behind one number: the PIN says which one is meant.
            let mut others = Vec::new();
            for id in candidates.iter() {
                let Some(row) = sql::pickup(tx, id).await? else { continue };
                let Some(facts) = facts(&row)? else { continue };
                if correct_for(&facts, &row.pin_hash) {
                    let rest =
                        candidates.iter().filter(|c| *c != id).cloned().chain([primary.pickup.as_uuid().to_string()]);
                    let rest: Vec<String> = rest.collect();
                    *candidates = rest;
                    return Ok((
                        PickupFlow::Pin { pickup: Some(facts), wrong_in_session },
                        Event::PinEntered { correct: true, at },
                        Vec::new(),
                    ));
                }
                others.push(id.clone());
            }
            return Ok((
                PickupFlow::Pin { pickup: Some(primary), wrong_in_session },
                Event::PinEntered { correct: false, at },
                others,
            ));
        }
        TerminalInput::BirthDate { date } => Event::BirthDateEntered { date: parse_date(&date)? },
        TerminalInput::PinLetterConfirmed => Event::PinLetterConfirmed,
        TerminalInput::Cancel => Event::Cancelled,
        TerminalInput::SlotRead { serial } => Event::SlotRead { serial },
        TerminalInput::SlotJam => Event::SlotJam,
        TerminalInput::CompartmentOpened => Event::CompartmentOpened,
        TerminalInput::DoorClosed => Event::DoorClosed,
        TerminalInput::DoorTimeout => Event::DoorTimeout,
        TerminalInput::PowerRestored { door_open_seen, compartment_empty } => {
            Event::PowerRestored { door_open_seen, compartment_empty }
        }
        TerminalInput::SensorsRead { door_open_seen, compartment_empty } => {
            Event::SensorsRead { door_open_seen, compartment_empty }
        }
    };
    Ok((flow, event, Vec::new()))
}

/// A wrong PIN for a number with several pickups counts against each of them.
async fn record_wrong_for_candidates(
    tx: &mut sqlx::AnyConnection,
    terminal: &Terminal<'_>,
    now: i64,
    candidates: &[String],
) -> Result<(), CentralError> {
    for id in candidates {
        let Some(row) = sql::pickup(tx, id).await? else { continue };
        let Some(facts) = facts(&row)? else { continue };
        if facts.attempts.is_locked() {
            continue;
        }
        let (attempts, lock) = facts.attempts.record_wrong();
        sql::set_wrong_answers(tx, id, attempts.count()).await?;
        if lock == LockState::Locked {
            sql::set_pickup_state(tx, id, "locked").await?;
            sql::set_compartment_state(tx, terminal.box_id, row.compartment, "locked", now).await?;
            audit(tx, terminal, now, "pickup_locked", Some(id)).await?;
        }
    }
    Ok(())
}

enum Applied {
    /// The compartment to open is not loaded any more (the transaction's records so far stand, the
    /// session ends); these commands still go out.
    NotLoaded {
        commands: Vec<DeviceCommand>,
    },
    Failed(CentralError),
}

impl From<CentralError> for Applied {
    fn from(error: CentralError) -> Self {
        Applied::Failed(error)
    }
}

async fn audit(
    tx: &mut sqlx::AnyConnection,
    terminal: &Terminal<'_>,
    now: i64,
    action: &str,
    subject: Option<&str>,
) -> Result<(), CentralError> {
    let label = terminal.audit_label();
    let entry =
        crate::db::AuditEntry { at: now, occurred_at: None, clerk_id: None, desk: Some(&label), action, subject };
    crate::db::insert_audit(tx, &entry).await
}

/// Records the effects in order; returns the device commands.
async fn apply(
    tx: &mut sqlx::AnyConnection,
    terminal: &Terminal<'_>,
    now: i64,
    effects: &[Effect],
) -> Result<Vec<DeviceCommand>, Applied> {
    use Effect as E;
    let id = |pickup: &PickupId| pickup.as_uuid().to_string();
    let number = |compartment: &CompartmentId| i64::from(compartment.0);
    let mut commands = Vec::new();
    for effect in effects {
        match effect {
            E::WrongPinRecorded { pickup, attempts } | E::WrongBirthDateRecorded { pickup, attempts } => {
                sql::set_wrong_answers(tx, &id(pickup), attempts.count()).await?;
            }
            E::PickupLocked { pickup, compartment } => {
                sql::set_pickup_state(tx, &id(pickup), "locked").await?;
                sql::set_compartment_state(tx, terminal.box_id, number(compartment), "locked", now).await?;
                audit(tx, terminal, now, "pickup_locked", Some(&id(pickup))).await?;
                tracing::warn!(
                    box_id = terminal.box_id,
                    compartment = compartment.0,
                    "pickup locked after wrong answers"
                );
            }
            E::PinLetterConfirmed { pickup } => {
                audit(tx, terminal, now, "pickup_pin_letter_confirmed", Some(&id(pickup))).await?;
            }
            E::OpenCompartment { compartment } => {
                if !sql::open_loaded_compartment(tx, terminal.box_id, number(compartment), now).await? {
                    return Err(Applied::NotLoaded { commands });
                }
                commands.push(DeviceCommand::OpenCompartment { compartment: compartment.0 });
            }
            // Already marked opened when the command went out.
            E::CompartmentOpened { .. } => {}
            E::HandoutRecorded { pickup, .. } => {
                sql::set_pickup_state(tx, &id(pickup), "handed_out").await?;
                if let Some(row) = crate::db::producer::status_row(tx, &id(pickup), false).await? {
                    change_status(tx, &row, ApplicationStatus::HandedOut, None, now).await?;
                }
                audit(tx, terminal, now, "pickup_handed_out_at_box", Some(&id(pickup))).await?;
                tracing::info!(box_id = terminal.box_id, "document handed out at the box");
            }
            E::OldDocumentDestroyed { pickup } => {
                audit(tx, terminal, now, "pickup_old_document_destroyed", Some(&id(pickup))).await?;
                commands.push(DeviceCommand::DestroyOldDocument);
            }
            E::ReturnOldDocument { .. } => commands.push(DeviceCommand::ReturnOldDocument),
            E::PinRevoked { pickup } => sql::revoke_pin(tx, &id(pickup)).await?,
            E::CompartmentFreed { compartment } => {
                sql::set_compartment_state(tx, terminal.box_id, number(compartment), "free", now).await?;
            }
            E::CompartmentUnconfirmed { compartment } => {
                sql::set_compartment_state(tx, terminal.box_id, number(compartment), "opened", now).await?;
            }
            E::CompartmentBackToLoaded { compartment } => {
                sql::set_compartment_state(tx, terminal.box_id, number(compartment), "loaded", now).await?;
            }
            E::Alarm(alarm) => {
                let (action, compartment) = match alarm {
                    Alarm::DoorLeftOpen { compartment } => ("box_alarm_door_left_open", Some(compartment)),
                    Alarm::SlotJam => ("box_alarm_slot_jam", None),
                    Alarm::PowerCut { compartment, .. } => ("box_alarm_power_cut", Some(compartment)),
                    Alarm::CompartmentDidNotReport { compartment } => {
                        ("box_alarm_compartment_did_not_report", Some(compartment))
                    }
                };
                let subject = compartment.map(|c| format!("{}/{}", terminal.box_id, c.0));
                audit(tx, terminal, now, action, subject.as_deref()).await?;
                tracing::warn!(box_id = terminal.box_id, alarm = action, "box alarm");
            }
            E::Audit { pickup, event } => {
                let action = match event {
                    AuditEvent::WrongPinUnknownNumber => "box_wrong_pin_unknown_number",
                    AuditEvent::PinOnLockedPickup => "box_pin_on_locked_pickup",
                    AuditEvent::ExpiredPickupTried => "box_expired_pickup_tried",
                    AuditEvent::OldDocumentMismatch => "box_old_document_mismatch",
                    AuditEvent::SlotJam => "box_slot_jam",
                    AuditEvent::DoorClosedLate => "box_door_closed_late",
                };
                audit(tx, terminal, now, action, pickup.as_ref().map(id).as_deref()).await?;
            }
        }
    }
    Ok(commands)
}

fn answer(
    session_id: &str,
    flow: &PickupFlow,
    commands: Vec<DeviceCommand>,
    check_compartment: Option<u32>,
) -> Result<SessionAnswer, CentralError> {
    let session_id = Uuid::parse_str(session_id).map_err(|_| CentralError::Internal("malformed session id".into()))?;
    Ok(SessionAnswer { session_id, screen: screen(flow.screen()), commands, check_compartment })
}

fn screen(screen: Screen) -> TerminalScreen {
    match screen {
        Screen::EnterPhoneNumber => TerminalScreen::EnterPhoneNumber,
        Screen::EnterPin { wrong_before } => TerminalScreen::EnterPin { wrong_before },
        Screen::InsertOldDocument { returned_before } => TerminalScreen::InsertOldDocument { returned_before },
        Screen::EnterBirthDate { wrong_before } => TerminalScreen::EnterBirthDate { wrong_before },
        Screen::ConfirmPinLetter => TerminalScreen::ConfirmPinLetter,
        Screen::PleaseWait => TerminalScreen::PleaseWait,
        Screen::TakeDocument { compartment } => TerminalScreen::TakeDocument { compartment: compartment.0 },
        Screen::ThankYou => TerminalScreen::ThankYou,
        Screen::Ended { reason } => TerminalScreen::Ended {
            reason: serde_json::to_value(reason).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            to_counter: reason.sends_to_counter(),
        },
    }
}
