use super::*;
use crate::{BoxMode, OpeningHours, PickupDays};
use proptest::prelude::*;
use schalter_application::{icao_check_digit, CurrentDocumentKind};
use time::macros::{date, datetime};
use uuid::Uuid;

const PICKUP: PickupId = PickupId::from_uuid(Uuid::from_u128(0x0196_0000_0000_7000_8000_0000_0000_0001));
const COMPARTMENT: CompartmentId = CompartmentId(17);
const SERIAL: &str = "L01X00T47";
const BIRTH: Date = date!(1990 - 07 - 14);
/// Loaded Monday 4 May 2026, 10:00; last pickup day Thursday 14 May.
const LOADED: OffsetDateTime = datetime!(2026-05-04 10:00 +2);
const DURING: OffsetDateTime = datetime!(2026-05-06 09:00 +2);
const AFTER: OffsetDateTime = datetime!(2026-05-15 09:00 +2);

fn old_id_card() -> CurrentDocument {
    CurrentDocument {
        kind: CurrentDocumentKind::IdCard,
        serial: SerialNumber::parse(SERIAL, CurrentDocumentKind::IdCard).unwrap(),
    }
}

fn facts(document: DocumentKind, third_factor: ThirdFactor, wrong_before: u8) -> PickupFacts {
    PickupFacts::new(
        PICKUP,
        COMPARTMENT,
        document,
        third_factor,
        Attempts::from_count(wrong_before).unwrap(),
        PickupDeadline::new(LOADED, PickupDays::DEFAULT),
    )
    .unwrap()
}

/// A new ID card; the applicant holds the old one.
fn id_card(wrong_before: u8) -> PickupFacts {
    facts(DocumentKind::IdCard, ThirdFactor::OldDocument { document: old_id_card() }, wrong_before)
}

/// A passport; the application recorded no current document.
fn passport(wrong_before: u8) -> PickupFacts {
    facts(DocumentKind::Passport32, ThirdFactor::BirthDate { date: BIRTH }, wrong_before)
}

fn pin(correct: bool) -> Event {
    Event::PinEntered { correct, at: DURING }
}

fn slot(serial: &str) -> Event {
    Event::SlotRead { serial: serial.to_owned() }
}

fn ok(flow: &PickupFlow, event: Event) -> (PickupFlow, Vec<Effect>) {
    let name = event.name();
    flow.step(event).unwrap_or_else(|e| panic!("{} + {name}: {e}", flow.name()))
}

/// Runs `events` from `flow`; every state on the way and all effects in order.
fn run(flow: PickupFlow, events: Vec<Event>) -> (Vec<PickupFlow>, Vec<Effect>) {
    let mut states = vec![flow];
    let mut effects = Vec::new();
    for event in events {
        let (next, more) = ok(states.last().unwrap(), event);
        states.push(next);
        effects.extend(more);
    }
    (states, effects)
}

fn through_pin(facts: PickupFacts) -> PickupFlow {
    let (flow, _) = ok(&PickupFlow::PhoneNumber, Event::PhoneEntered { pickup: Some(facts) });
    let (flow, effects) = ok(&flow, pin(true));
    assert!(effects.is_empty());
    flow
}

/// The ID card pickup recorded in `Opening`, the old document held by the reader.
fn opening_id_card() -> PickupFlow {
    let (states, _) = run(through_pin(id_card(0)), vec![slot(SERIAL), Event::PinLetterConfirmed]);
    let flow = states.last().unwrap().clone();
    assert_eq!(flow.name(), "opening");
    flow
}

fn handout_effects(old_document: bool) -> Vec<Effect> {
    let mut effects = vec![Effect::HandoutRecorded { pickup: PICKUP, compartment: COMPARTMENT }];
    if old_document {
        effects.push(Effect::OldDocumentDestroyed { pickup: PICKUP });
    }
    effects.push(Effect::PinRevoked { pickup: PICKUP });
    effects
}

#[test]
fn an_id_card_with_the_old_one_in_the_slot() {
    let check = icao_check_digit(SERIAL);
    let (states, _) = run(
        PickupFlow::PhoneNumber,
        vec![
            Event::PhoneEntered { pickup: Some(id_card(0)) },
            pin(true),
            // The reader reads the serial with its check digit and a letter O for the 0.
            slot(&format!("L O1X00T47{check}")),
            Event::PinLetterConfirmed,
            Event::CompartmentOpened,
            Event::DoorClosed,
        ],
    );
    let names: Vec<&str> = states.iter().map(PickupFlow::name).collect();
    assert_eq!(names, ["phone_number", "pin", "old_document", "pin_letter", "opening", "door_open", "done"]);
    let screens: Vec<Screen> = states.iter().map(PickupFlow::screen).collect();
    assert_eq!(
        screens,
        [
            Screen::EnterPhoneNumber,
            Screen::EnterPin { wrong_before: 0 },
            Screen::InsertOldDocument { returned_before: 0 },
            Screen::ConfirmPinLetter,
            Screen::PleaseWait,
            Screen::TakeDocument { compartment: COMPARTMENT },
            Screen::ThankYou,
        ]
    );
    // Each step's effects, so that none is recorded late.
    let pin_letter = states[3].clone();
    assert_eq!(
        ok(&pin_letter, Event::PinLetterConfirmed).1,
        vec![Effect::PinLetterConfirmed { pickup: PICKUP }, Effect::OpenCompartment { compartment: COMPARTMENT }]
    );
    assert_eq!(
        ok(&states[4], Event::CompartmentOpened).1,
        vec![Effect::CompartmentOpened { compartment: COMPARTMENT }]
    );
    let mut closed = handout_effects(true);
    closed.push(Effect::CompartmentFreed { compartment: COMPARTMENT });
    assert_eq!(ok(&states[5], Event::DoorClosed).1, closed);
    assert_eq!(states[6], PickupFlow::Done { pickup: PICKUP, compartment: COMPARTMENT, door_closed: true });
    assert!(states[6].is_finished());
}

#[test]
fn a_passport_with_the_birth_date_needs_no_pin_letter() {
    let (states, effects) = run(
        PickupFlow::PhoneNumber,
        vec![
            Event::PhoneEntered { pickup: Some(passport(0)) },
            pin(true),
            Event::BirthDateEntered { date: BIRTH },
            Event::CompartmentOpened,
            Event::DoorClosed,
        ],
    );
    let names: Vec<&str> = states.iter().map(PickupFlow::name).collect();
    assert_eq!(names, ["phone_number", "pin", "birth_date", "opening", "door_open", "done"]);
    let mut expected = vec![
        Effect::OpenCompartment { compartment: COMPARTMENT },
        Effect::CompartmentOpened { compartment: COMPARTMENT },
    ];
    expected.extend(handout_effects(false));
    expected.push(Effect::CompartmentFreed { compartment: COMPARTMENT });
    assert_eq!(effects, expected);
    // A passport holder with an old passport inserts it, and gets no PIN letter step either.
    let old_passport = CurrentDocument {
        kind: CurrentDocumentKind::Passport,
        serial: SerialNumber::parse("C01X00T47", CurrentDocumentKind::Passport).unwrap(),
    };
    let flow = through_pin(facts(DocumentKind::Passport48, ThirdFactor::OldDocument { document: old_passport }, 0));
    assert_eq!(ok(&flow, slot("C01X00T47")).0.name(), "opening");
}

#[test]
fn unknown_numbers_and_locked_pickups_answer_like_wrong_pins() {
    let sessions = [None, Some(id_card(0)), Some(id_card(2)), Some(id_card(3)), Some(passport(1))];
    let mut all_screens = Vec::new();
    for pickup in sessions.clone() {
        let (states, _) =
            run(PickupFlow::PhoneNumber, vec![Event::PhoneEntered { pickup }, pin(false), pin(false), pin(false)]);
        all_screens.push(states.iter().map(PickupFlow::screen).collect::<Vec<_>>());
    }
    let expected = vec![
        Screen::EnterPhoneNumber,
        Screen::EnterPin { wrong_before: 0 },
        Screen::EnterPin { wrong_before: 1 },
        Screen::EnterPin { wrong_before: 2 },
        Screen::Ended { reason: EndReason::TooManyWrongPins },
    ];
    for screens in &all_screens {
        assert_eq!(screens, &expected);
    }
    assert!(EndReason::TooManyWrongPins.sends_to_counter());
    // A locked pickup answers a correct PIN like a wrong one too: nothing is revealed, nothing counted.
    let (states, effects) = run(
        PickupFlow::PhoneNumber,
        vec![Event::PhoneEntered { pickup: Some(id_card(3)) }, pin(true), pin(true), pin(true)],
    );
    assert_eq!(states.iter().map(PickupFlow::screen).collect::<Vec<_>>(), expected);
    assert_eq!(effects, vec![Effect::Audit { pickup: Some(PICKUP), event: AuditEvent::PinOnLockedPickup }; 3]);
    // What the central records differs, of course.
    let (_, unknown) = run(PickupFlow::PhoneNumber, vec![Event::PhoneEntered { pickup: None }, pin(true)]);
    assert_eq!(unknown, vec![Effect::Audit { pickup: None, event: AuditEvent::WrongPinUnknownNumber }]);
}

#[test]
fn three_wrong_pins_per_pickup_lock_it_across_sessions() {
    // Session 1: two wrong, then the citizen gives up.
    let (_, effects) = run(
        PickupFlow::PhoneNumber,
        vec![Event::PhoneEntered { pickup: Some(id_card(0)) }, pin(false), pin(false), Event::Cancelled],
    );
    let one = Attempts::from_count(1).unwrap();
    let two = Attempts::from_count(2).unwrap();
    assert_eq!(
        effects,
        vec![
            Effect::WrongPinRecorded { pickup: PICKUP, attempts: one },
            Effect::WrongPinRecorded { pickup: PICKUP, attempts: two },
        ]
    );
    // Session 2 (the central stored 2): the next wrong one locks, a correct PIN afterwards does not open.
    let (states, effects) =
        run(PickupFlow::PhoneNumber, vec![Event::PhoneEntered { pickup: Some(id_card(2)) }, pin(false), pin(true)]);
    let three = Attempts::from_count(3).unwrap();
    assert_eq!(
        effects,
        vec![
            Effect::WrongPinRecorded { pickup: PICKUP, attempts: three },
            Effect::PickupLocked { pickup: PICKUP, compartment: COMPARTMENT },
            Effect::Audit { pickup: Some(PICKUP), event: AuditEvent::PinOnLockedPickup },
        ]
    );
    assert_eq!(states.last().unwrap().screen(), Screen::EnterPin { wrong_before: 2 });
    // A correct PIN does not reset the count: 1 before, right PIN, the count stays in the facts.
    let flow = through_pin(id_card(1));
    let PickupFlow::OldDocument { pickup, .. } = &flow else { panic!("{flow:?}") };
    assert_eq!(pickup.attempts.count(), 1);
    // A supervisor clears: the same PIN works again.
    let cleared = PickupFacts { attempts: three.clear_by_supervisor(), ..id_card(0) };
    assert_eq!(through_pin(cleared).name(), "old_document");
}

#[test]
fn an_expired_pickup_is_revealed_only_to_the_right_pin() {
    let start = |pickup| ok(&PickupFlow::PhoneNumber, Event::PhoneEntered { pickup: Some(pickup) }).0;
    let flow = start(id_card(0));
    let (next, effects) = ok(&flow, Event::PinEntered { correct: true, at: AFTER });
    assert_eq!(next, PickupFlow::Ended { reason: EndReason::Expired });
    assert_eq!(effects, vec![Effect::Audit { pickup: Some(PICKUP), event: AuditEvent::ExpiredPickupTried }]);
    assert!(EndReason::Expired.sends_to_counter());
    // The last second of the last day still counts; midnight does not.
    let last_second = datetime!(2026-05-14 23:59:59 +2);
    assert_eq!(ok(&flow, Event::PinEntered { correct: true, at: last_second }).0.name(), "old_document");
    let midnight = datetime!(2026-05-15 00:00 +2);
    assert_eq!(ok(&flow, Event::PinEntered { correct: true, at: midnight }).0.name(), "ended");
    // A wrong PIN on an expired pickup is a wrong PIN like any other.
    let (next, _) = ok(&flow, Event::PinEntered { correct: false, at: AFTER });
    assert_eq!(next.screen(), Screen::EnterPin { wrong_before: 1 });
}

#[test]
fn door_not_closed_after_the_timeout() {
    let door_open = ok(&opening_id_card(), Event::CompartmentOpened).0;
    let (done, effects) = ok(&door_open, Event::DoorTimeout);
    let mut expected = handout_effects(true);
    expected.push(Effect::CompartmentUnconfirmed { compartment: COMPARTMENT });
    expected.push(Effect::Alarm(Alarm::DoorLeftOpen { compartment: COMPARTMENT }));
    assert_eq!(effects, expected);
    assert_eq!(done, PickupFlow::Done { pickup: PICKUP, compartment: COMPARTMENT, door_closed: false });
    assert_eq!(done.screen(), Screen::ThankYou);
    // The door closes later: audited; the compartment stays unconfirmed until a clerk checks it.
    let (closed, effects) = ok(&done, Event::DoorClosed);
    assert_eq!(effects, vec![Effect::Audit { pickup: Some(PICKUP), event: AuditEvent::DoorClosedLate }]);
    assert_eq!(closed, PickupFlow::Done { pickup: PICKUP, compartment: COMPARTMENT, door_closed: true });
    assert_eq!(ok(&closed, Event::DoorClosed), (closed.clone(), vec![]), "a repeated report changes nothing");
    assert!(closed.step(Event::DoorTimeout).is_err());
}

#[test]
fn a_compartment_that_never_reports_open_is_decided_by_its_sensors() {
    let opening = opening_id_card();
    let (still, effects) = ok(&opening, Event::DoorTimeout);
    assert_eq!(still, opening, "the timeout alone decides nothing");
    assert_eq!(effects, vec![Effect::Alarm(Alarm::CompartmentDidNotReport { compartment: COMPARTMENT })]);
    // The document is still inside: back to loaded, the old document given back, to the counter.
    let (ended, effects) = ok(&still, Event::SensorsRead { door_open_seen: false, compartment_empty: false });
    assert_eq!(ended, PickupFlow::Ended { reason: EndReason::CompartmentDidNotOpen });
    assert!(EndReason::CompartmentDidNotOpen.sends_to_counter());
    assert_eq!(
        effects,
        vec![
            Effect::CompartmentBackToLoaded { compartment: COMPARTMENT },
            Effect::ReturnOldDocument { pickup: PICKUP }
        ]
    );
    // The lock opened without reporting and the citizen took the document: handed out, unconfirmed.
    let (done, effects) = ok(&still, Event::SensorsRead { door_open_seen: true, compartment_empty: true });
    assert_eq!(done, PickupFlow::Done { pickup: PICKUP, compartment: COMPARTMENT, door_closed: false });
    let mut expected = handout_effects(true);
    expected.push(Effect::CompartmentUnconfirmed { compartment: COMPARTMENT });
    assert_eq!(effects, expected);
    // Only in `Opening`.
    let door_open = ok(&opening, Event::CompartmentOpened).0;
    assert!(door_open.step(Event::SensorsRead { door_open_seen: true, compartment_empty: true }).is_err());
}

#[test]
fn slot_jam_sends_to_the_counter_and_keeps_the_pickup_loaded() {
    let flow = through_pin(id_card(0));
    let (ended, effects) = ok(&flow, Event::SlotJam);
    assert_eq!(ended, PickupFlow::Ended { reason: EndReason::SlotJam });
    assert_eq!(
        effects,
        vec![Effect::Alarm(Alarm::SlotJam), Effect::Audit { pickup: Some(PICKUP), event: AuditEvent::SlotJam }]
    );
    // No opening, no handout, no change to the compartment or the PIN: it stays loaded.
    assert!(ended.screen() == Screen::Ended { reason: EndReason::SlotJam } && EndReason::SlotJam.sends_to_counter());
    // After a first document was given back, a jam is still a jam.
    let (second_try, _) = ok(&flow, slot("T22000129"));
    assert_eq!(ok(&second_try, Event::SlotJam).0, PickupFlow::Ended { reason: EndReason::SlotJam });
}

#[test]
fn power_cut_between_open_and_closed_resumes_from_the_recorded_state() {
    // The central recorded `Opening` (serde), then the power went. Restart: read it back.
    let recorded = serde_json::to_string(&opening_id_card()).unwrap();
    let resumed: PickupFlow = serde_json::from_str(&recorded).unwrap();
    assert_eq!(resumed, opening_id_card());

    // The compartment is empty: the citizen took the document.
    let (done, effects) = ok(&resumed, Event::PowerRestored { door_open_seen: true, compartment_empty: true });
    let mut expected = handout_effects(true);
    expected.push(Effect::CompartmentUnconfirmed { compartment: COMPARTMENT });
    expected.push(Effect::Alarm(Alarm::PowerCut {
        compartment: COMPARTMENT,
        door_open_seen: true,
        compartment_empty: true,
    }));
    assert_eq!(effects, expected);
    assert_eq!(done, PickupFlow::Done { pickup: PICKUP, compartment: COMPARTMENT, door_closed: false });

    // Not empty: back to Loaded, the old document given back, the PIN still valid (not revoked).
    let (ended, effects) = ok(&resumed, Event::PowerRestored { door_open_seen: false, compartment_empty: false });
    assert_eq!(ended, PickupFlow::Ended { reason: EndReason::NotTakenAfterPowerCut });
    assert_eq!(
        effects,
        vec![
            Effect::CompartmentBackToLoaded { compartment: COMPARTMENT },
            Effect::ReturnOldDocument { pickup: PICKUP },
            Effect::Alarm(Alarm::PowerCut {
                compartment: COMPARTMENT,
                door_open_seen: false,
                compartment_empty: false
            }),
        ]
    );
    assert!(!EndReason::NotTakenAfterPowerCut.sends_to_counter(), "the citizen may try again");
    assert!(!effects.iter().any(|e| matches!(e, Effect::PinRevoked { .. } | Effect::WrongPinRecorded { .. })));
    // The same pickup opens again in a new session with the same PIN.
    assert_eq!(through_pin(id_card(0)).name(), "old_document");

    // Recorded `DoorOpen` (the open report came before the cut): the same rule.
    let door_open = ok(&resumed, Event::CompartmentOpened).0;
    let (_, effects) = ok(&door_open, Event::PowerRestored { door_open_seen: true, compartment_empty: false });
    assert_eq!(effects[0], Effect::CompartmentBackToLoaded { compartment: COMPARTMENT });
    let (done, effects) = ok(&door_open, Event::PowerRestored { door_open_seen: true, compartment_empty: true });
    assert_eq!(effects[..3], handout_effects(true)[..]);
    assert!(done.is_finished());
    // Birth-date pickups hold no old document: nothing to destroy or give back.
    let (states, _) = run(through_pin(passport(0)), vec![Event::BirthDateEntered { date: BIRTH }]);
    let opening = states.last().unwrap();
    let (_, effects) = ok(opening, Event::PowerRestored { door_open_seen: true, compartment_empty: true });
    assert_eq!(effects[..2], handout_effects(false)[..]);
    let (_, effects) = ok(opening, Event::PowerRestored { door_open_seen: false, compartment_empty: false });
    assert!(!effects.iter().any(|e| matches!(e, Effect::ReturnOldDocument { .. })));
}

#[test]
fn no_open_report_in_time_changes_nothing_but_calls_staff() {
    let opening = opening_id_card();
    let (still, effects) = ok(&opening, Event::DoorTimeout);
    assert_eq!(still, opening);
    assert_eq!(effects, vec![Effect::Alarm(Alarm::CompartmentDidNotReport { compartment: COMPARTMENT })]);
    // The late report continues the flow.
    assert_eq!(ok(&still, Event::CompartmentOpened).0.name(), "door_open");
    // Once the door was told to open, the citizen cannot cancel.
    assert_eq!(
        opening.step(Event::Cancelled),
        Err(PickupError::UnexpectedEvent { state: "opening", event: "cancelled" })
    );
}

#[test]
fn a_wrong_old_document_is_given_back_once_then_the_counter() {
    let flow = through_pin(id_card(0));
    let (again, effects) = ok(&flow, slot("T22000129"));
    assert_eq!(again.screen(), Screen::InsertOldDocument { returned_before: 1 });
    assert_eq!(
        effects,
        vec![
            Effect::ReturnOldDocument { pickup: PICKUP },
            Effect::Audit { pickup: Some(PICKUP), event: AuditEvent::OldDocumentMismatch },
        ]
    );
    // Unreadable text is a mismatch, not an error; the wrong check digit too.
    let wrong_check = format!("{SERIAL}{}", (icao_check_digit(SERIAL) + 1) % 10);
    let (ended, _) = ok(&again, slot(&wrong_check));
    assert_eq!(ended, PickupFlow::Ended { reason: EndReason::OldDocumentMismatch });
    assert_eq!(ok(&flow, slot("###")).0.name(), "old_document");
    // The right one after a wrong one.
    assert_eq!(ok(&again, slot(SERIAL)).0.name(), "pin_letter");
    // Mismatches do not count against the PIN lock.
    let PickupFlow::OldDocument { pickup, .. } = &again else { panic!() };
    assert_eq!(pickup.attempts.count(), 0);
}

#[test]
fn wrong_birth_dates_count_towards_the_lock() {
    let flow = through_pin(passport(1));
    let (again, effects) = ok(&flow, Event::BirthDateEntered { date: date!(1990 - 07 - 15) });
    assert_eq!(
        effects,
        vec![Effect::WrongBirthDateRecorded { pickup: PICKUP, attempts: Attempts::from_count(2).unwrap() }]
    );
    assert_eq!(again.screen(), Screen::EnterBirthDate { wrong_before: 1 });
    let (ended, effects) = ok(&again, Event::BirthDateEntered { date: date!(1991 - 07 - 14) });
    assert_eq!(ended, PickupFlow::Ended { reason: EndReason::Locked });
    assert_eq!(effects[1], Effect::PickupLocked { pickup: PICKUP, compartment: COMPARTMENT });
    assert_eq!(ok(&again, Event::BirthDateEntered { date: BIRTH }).0.name(), "opening");
}

#[test]
fn cancelling_or_a_power_cut_before_opening_gives_the_old_document_back() {
    let pin_letter = ok(&through_pin(id_card(0)), slot(SERIAL)).0;
    assert_eq!(pin_letter.name(), "pin_letter");
    let (ended, effects) = ok(&pin_letter, Event::Cancelled);
    assert_eq!(ended, PickupFlow::Ended { reason: EndReason::Cancelled });
    assert_eq!(effects, vec![Effect::ReturnOldDocument { pickup: PICKUP }]);
    let (ended, effects) = ok(&pin_letter, Event::PowerRestored { door_open_seen: false, compartment_empty: false });
    assert_eq!(ended, PickupFlow::Ended { reason: EndReason::Interrupted });
    assert_eq!(effects, vec![Effect::ReturnOldDocument { pickup: PICKUP }]);
    for flow in [PickupFlow::PhoneNumber, through_pin(id_card(0)), through_pin(passport(0))] {
        let (ended, effects) = ok(&flow, Event::Cancelled);
        assert_eq!((ended, effects), (PickupFlow::Ended { reason: EndReason::Cancelled }, vec![]));
    }
    let (same, effects) =
        ok(&PickupFlow::PhoneNumber, Event::PowerRestored { door_open_seen: false, compartment_empty: false });
    assert_eq!((same, effects), (PickupFlow::PhoneNumber, vec![]));
}

#[test]
fn a_session_starts_only_in_opening_hours() {
    let hours = OpeningHours::duesseldorf_service_centre();
    assert_eq!(PickupFlow::start(&hours, datetime!(2026-05-06 09:00 +2)), Ok(PickupFlow::PhoneNumber));
    assert_eq!(PickupFlow::start(&hours, datetime!(2026-05-06 13:00 +2)), Err(PickupError::BoxClosed));
    assert_eq!(PickupFlow::start(&hours, datetime!(2026-05-14 09:00 +2)), Err(PickupError::BoxClosed), "Himmelfahrt");
    let always = hours.with_mode(BoxMode::AroundTheClock);
    assert_eq!(PickupFlow::start(&always, datetime!(2026-05-14 03:00 +2)), Ok(PickupFlow::PhoneNumber));
}

#[test]
fn events_out_of_order_are_refused_and_leave_the_state() {
    let flow = through_pin(id_card(0));
    let before = flow.clone();
    assert_eq!(
        flow.step(Event::DoorClosed),
        Err(PickupError::UnexpectedEvent { state: "old_document", event: "door_closed" })
    );
    assert_eq!(flow, before);
    assert_eq!(flow.step(Event::BirthDateEntered { date: BIRTH }).unwrap_err().code(), "pickup_unexpected_event");
    assert!(PickupFlow::PhoneNumber.step(pin(true)).is_err());
    assert!(PickupFlow::PhoneNumber.step(Event::CompartmentOpened).is_err());
    assert!(through_pin(passport(0)).step(slot(SERIAL)).is_err());
    let ended = PickupFlow::Ended { reason: EndReason::Cancelled };
    assert!(ended.step(Event::PhoneEntered { pickup: None }).is_err(), "a new session starts anew");
}

#[test]
fn third_factor_and_facts_from_the_application() {
    let birth = DateOfBirth::parse("1990-07-14").unwrap();
    assert_eq!(ThirdFactor::for_application(None, &birth), Ok(ThirdFactor::BirthDate { date: BIRTH }));
    assert_eq!(
        ThirdFactor::for_application(Some(&old_id_card()), &birth),
        Ok(ThirdFactor::OldDocument { document: old_id_card() })
    );
    let partial = DateOfBirth::parse("1990-XX-XX").unwrap();
    assert_eq!(ThirdFactor::for_application(None, &partial), Err(PickupError::NoThirdFactor));
    assert!(ThirdFactor::for_application(Some(&old_id_card()), &partial).is_ok());
    let deadline = PickupDeadline::new(LOADED, PickupDays::DEFAULT);
    for kind in DocumentKind::ALL {
        let made = PickupFacts::new(
            PICKUP,
            COMPARTMENT,
            kind,
            ThirdFactor::BirthDate { date: BIRTH },
            Attempts::new(),
            deadline,
        );
        assert_eq!(made.is_err(), kind.is_temporary(), "{kind:?}");
    }
    assert_eq!(
        PickupFacts::new(
            PICKUP,
            COMPARTMENT,
            DocumentKind::TemporaryIdCard,
            ThirdFactor::BirthDate { date: BIRTH },
            Attempts::new(),
            deadline
        ),
        Err(PickupError::NotForTheBox)
    );
}

#[test]
fn states_events_and_effects_have_stable_serde_shapes() {
    let json = serde_json::to_value(Effect::Alarm(Alarm::DoorLeftOpen { compartment: COMPARTMENT })).unwrap();
    assert_eq!(json, serde_json::json!({"effect": "alarm", "alarm": "door_left_open", "compartment": 17}));
    let json = serde_json::to_value(Effect::Audit { pickup: None, event: AuditEvent::WrongPinUnknownNumber }).unwrap();
    assert_eq!(json, serde_json::json!({"effect": "audit", "pickup": null, "event": "wrong_pin_unknown_number"}));
    let json =
        serde_json::to_value(Effect::WrongPinRecorded { pickup: PICKUP, attempts: Attempts::from_count(2).unwrap() })
            .unwrap();
    assert_eq!(json["attempts"], 2);
    assert_eq!(json["pickup"], "01960000-0000-7000-8000-000000000001");
    let json = serde_json::to_value(through_pin(passport(0))).unwrap();
    assert_eq!(json["step"], "birth_date");
    assert_eq!(json["pickup"]["third_factor"], serde_json::json!({"kind": "birth_date", "date": "1990-07-14"}));
    let event: Event = serde_json::from_value(
        serde_json::json!({"event": "pin_entered", "correct": true, "at": "2026-05-06T09:00:00+02:00"}),
    )
    .unwrap();
    assert_eq!(event, pin(true));
    // Every state's serde tag is its name().
    let (states, _) = run(
        PickupFlow::PhoneNumber,
        vec![
            Event::PhoneEntered { pickup: Some(id_card(0)) },
            pin(true),
            slot(SERIAL),
            Event::PinLetterConfirmed,
            Event::CompartmentOpened,
            Event::DoorClosed,
        ],
    );
    for state in states.iter().chain([&PickupFlow::Ended { reason: EndReason::SlotJam }, &through_pin(passport(0))]) {
        let json = serde_json::to_value(state).unwrap();
        assert_eq!(json["step"], state.name());
        assert_eq!(&serde_json::from_value::<PickupFlow>(json).unwrap(), state);
    }
}

// ---- property: no record is lost, whatever the order of inputs and device reports ----

fn event() -> impl Strategy<Value = Event> {
    let facts =
        prop_oneof![Just(None), (0u8..=3).prop_map(|n| Some(id_card(n))), (0u8..=3).prop_map(|n| Some(passport(n))),];
    prop_oneof![
        facts.prop_map(|pickup| Event::PhoneEntered { pickup }),
        (any::<bool>(), any::<bool>())
            .prop_map(|(correct, late)| Event::PinEntered { correct, at: if late { AFTER } else { DURING } }),
        prop::sample::select(vec![SERIAL, "T22000129", "L01X00T478"]).prop_map(slot),
        Just(Event::SlotJam),
        prop::sample::select(vec![BIRTH, date!(1990 - 07 - 15)]).prop_map(|date| Event::BirthDateEntered { date }),
        Just(Event::PinLetterConfirmed),
        Just(Event::CompartmentOpened),
        Just(Event::DoorClosed),
        Just(Event::DoorTimeout),
        (any::<bool>(), any::<bool>())
            .prop_map(|(door_open_seen, compartment_empty)| Event::PowerRestored { door_open_seen, compartment_empty }),
        Just(Event::Cancelled),
    ]
}

/// An event that fits `flow` most of the time, so that random runs reach the late steps often.
fn plausible(flow: &PickupFlow, selector: u8) -> Event {
    let power = Event::PowerRestored { door_open_seen: selector & 1 == 1, compartment_empty: selector & 2 == 2 };
    match flow {
        PickupFlow::PhoneNumber => Event::PhoneEntered {
            pickup: match selector % 5 {
                0 => None,
                1 => Some(id_card(selector / 5 % 4)),
                2 => Some(passport(selector / 5 % 4)),
                3 => Some(id_card(0)),
                _ => Some(passport(0)),
            },
        },
        PickupFlow::Pin { .. } => Event::PinEntered {
            correct: !selector.is_multiple_of(3),
            at: if selector.is_multiple_of(11) { AFTER } else { DURING },
        },
        PickupFlow::OldDocument { .. } => match selector % 7 {
            0 => slot("T22000129"),
            1 => Event::SlotJam,
            2 => Event::Cancelled,
            _ => slot(SERIAL),
        },
        PickupFlow::BirthDate { .. } => match selector % 6 {
            0 => Event::BirthDateEntered { date: date!(1990 - 07 - 15) },
            1 => Event::Cancelled,
            _ => Event::BirthDateEntered { date: BIRTH },
        },
        PickupFlow::PinLetter { .. } => match selector % 7 {
            0 => Event::Cancelled,
            1 => power,
            _ => Event::PinLetterConfirmed,
        },
        PickupFlow::Opening { .. } => match selector % 5 {
            0 => Event::DoorTimeout,
            1 => power,
            _ => Event::CompartmentOpened,
        },
        PickupFlow::DoorOpen { .. } => match selector % 4 {
            0 => Event::DoorTimeout,
            1 => power,
            _ => Event::DoorClosed,
        },
        PickupFlow::Done { .. } | PickupFlow::Ended { .. } => {
            if selector.is_multiple_of(2) {
                Event::DoorClosed
            } else {
                power
            }
        }
    }
}

fn count(effects: &[Effect], wanted: fn(&Effect) -> bool) -> usize {
    effects.iter().filter(|e| wanted(e)).count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_session_ends_with_its_records(
        steps in proptest::collection::vec((any::<u8>(), any::<u8>(), event()), 0..40),
    ) {
        let mut flow = PickupFlow::PhoneNumber;
        let mut all: Vec<Effect> = Vec::new();
        let mut held = false;
        let mut opened = false;
        let mut passed_pin_letter_or_not_needed = false;
        for (mix, selector, random) in steps {
            let event = if mix.is_multiple_of(4) { random } else { plausible(&flow, selector) };
            let before = flow.clone();
            let Ok((next, effects)) = flow.step(event.clone()) else { continue };
            // A handout comes only from an opened compartment, with all its records in the same step.
            if count(&effects, |e| matches!(e, Effect::HandoutRecorded { .. })) > 0 {
                prop_assert!(matches!(before, PickupFlow::Opening { .. } | PickupFlow::DoorOpen { .. }), "{before:?}");
                prop_assert_eq!(count(&effects, |e| matches!(e, Effect::PinRevoked { .. })), 1);
                prop_assert_eq!(count(&effects, |e| matches!(e, Effect::OldDocumentDestroyed { .. })), usize::from(held));
                prop_assert!(matches!(next, PickupFlow::Done { .. }), "{:?}", next);
            }
            if count(&effects, |e| matches!(e, Effect::OpenCompartment { .. })) > 0 {
                let PickupFlow::Opening { pickup, .. } = &next else { panic!("{next:?}") };
                prop_assert!(!pickup.attempts.is_locked());
                prop_assert!(!pickup.deadline.is_expired(DURING));
                passed_pin_letter_or_not_needed = !pickup.document.is_id_card()
                    || matches!(event, Event::PinLetterConfirmed);
                opened = true;
            }
            if let PickupFlow::PinLetter { old_document_held: true, .. } | PickupFlow::Opening { old_document_held: true, .. } = next {
                held = true;
            }
            if count(&effects, |e| matches!(e, Effect::OldDocumentDestroyed { .. } | Effect::ReturnOldDocument { .. })) > 0
                && matches!(before, PickupFlow::PinLetter { .. } | PickupFlow::Opening { .. } | PickupFlow::DoorOpen { .. })
            {
                held = false;
            }
            all.extend(effects);
            flow = next;
        }
        let handouts = count(&all, |e| matches!(e, Effect::HandoutRecorded { .. }));
        let back = count(&all, |e| matches!(e, Effect::CompartmentBackToLoaded { .. }));
        prop_assert!(handouts <= 1);
        prop_assert!(count(&all, |e| matches!(e, Effect::OpenCompartment { .. })) <= 1, "opened twice");
        prop_assert!(handouts + back <= 1, "handed out or back to loaded, never both");
        if opened {
            prop_assert!(passed_pin_letter_or_not_needed, "an ID card opens only after the PIN letter");
            if flow.is_finished() {
                prop_assert_eq!(handouts + back, 1, "an opened compartment ends handed out or loaded again");
            }
        } else {
            prop_assert_eq!(handouts + back, 0);
            prop_assert_eq!(count(&all, |e| matches!(e, Effect::PinRevoked { .. })), 0, "the PIN stays valid");
        }
        // The old document is never left without a record once the session is over.
        if flow.is_finished() && !matches!(flow, PickupFlow::Ended { reason: EndReason::SlotJam }) {
            prop_assert!(!held, "held old document neither destroyed nor returned");
        }
    }
}
