//! The driver against a scripted fake central: what it sends, in which order, and when.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use schalter_wire::pickup::{BoxStatus, DeviceCommand, SessionAnswer, TerminalInput, TerminalScreen};
use uuid::Uuid;

use super::*;
use crate::devices::{DoorHandle, SimulatedCompartments, SimulatedSlotReader, SlotHandle};

const SESSION: Uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001);
const NEXT_SESSION: Uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0002);

#[derive(Clone, Default)]
struct FakeCentral {
    answers: Arc<Mutex<VecDeque<Result<SessionAnswer, TerminalError>>>>,
    /// `None` for a `start`, the input otherwise.
    received: Arc<Mutex<Vec<Option<TerminalInput>>>>,
}

impl FakeCentral {
    fn then(&self, screen: TerminalScreen, commands: Vec<DeviceCommand>) -> &Self {
        self.then_in(SESSION, screen, commands, None)
    }

    fn then_in(&self, id: Uuid, screen: TerminalScreen, commands: Vec<DeviceCommand>, check: Option<u32>) -> &Self {
        let answer = SessionAnswer { session_id: id, screen, commands, check_compartment: check };
        self.answers.lock().unwrap().push_back(Ok(answer));
        self
    }

    fn then_fail(&self, error: TerminalError) -> &Self {
        self.answers.lock().unwrap().push_back(Err(error));
        self
    }

    fn next(&self, received: Option<TerminalInput>) -> Result<SessionAnswer, TerminalError> {
        self.received.lock().unwrap().push(received);
        self.answers.lock().unwrap().pop_front().expect("the fake central has no answer scripted")
    }

    fn received(&self) -> Vec<Option<TerminalInput>> {
        std::mem::take(&mut self.received.lock().unwrap())
    }
}

impl BoxCentral for FakeCentral {
    async fn status(&self) -> Result<BoxStatus, TerminalError> {
        Ok(BoxStatus {
            box_id: "B1".into(),
            name: "Willi-Becker-Allee".into(),
            mode: "service_hours".into(),
            open: true,
        })
    }
    async fn start(&self) -> Result<SessionAnswer, TerminalError> {
        self.next(None)
    }
    async fn input(&self, session: Uuid, input: &TerminalInput) -> Result<SessionAnswer, TerminalError> {
        assert!(session == SESSION || session == NEXT_SESSION, "unknown session {session}");
        self.next(Some(input.clone()))
    }
}

struct Rig {
    central: FakeCentral,
    terminal: Terminal<FakeCentral>,
    slot: SlotHandle,
    doors: DoorHandle,
    clock: Clock,
}

fn rig() -> Rig {
    let central = FakeCentral::default();
    let (reader, slot) = SimulatedSlotReader::new();
    let (compartments, doors) = SimulatedCompartments::new();
    let timers = Timers { idle: Duration::from_secs(60), door: Duration::from_secs(120) };
    let clock = Clock::manual();
    let terminal = Terminal::new(central.clone(), Box::new(reader), Box::new(compartments), timers, clock.clone());
    Rig { central, terminal, slot, doors, clock }
}

fn sent(input: TerminalInput) -> Option<TerminalInput> {
    Some(input)
}

/// Starts and gets to the door: phone, PIN, old document read, PIN letter, compartment 7 open.
async fn to_take_document(r: &mut Rig) {
    r.central
        .then(TerminalScreen::EnterPhoneNumber, vec![])
        .then(TerminalScreen::EnterPin { wrong_before: 0 }, vec![])
        .then(TerminalScreen::InsertOldDocument { returned_before: 0 }, vec![])
        .then(TerminalScreen::ConfirmPinLetter, vec![])
        .then(TerminalScreen::PleaseWait, vec![DeviceCommand::OpenCompartment { compartment: 7 }])
        .then(TerminalScreen::TakeDocument { compartment: 7 }, vec![]);
    r.terminal.begin().await.unwrap();
    r.terminal.input(CitizenInput::PhoneNumber { number: "0171 2345678".into() }).await.unwrap();
    r.terminal.input(CitizenInput::Pin { pin: "482913".into() }).await.unwrap();
    assert!(!r.terminal.tick().await.unwrap(), "nothing in the slot yet");
    r.slot.insert("T22000129");
    assert!(r.terminal.tick().await.unwrap());
    r.terminal.input(CitizenInput::PinLetterConfirmed).await.unwrap();
    assert_eq!(r.terminal.view().screen, Some(TerminalScreen::TakeDocument { compartment: 7 }));
    assert_eq!(
        r.central.received(),
        vec![
            None,
            sent(TerminalInput::PhoneNumber { number: "0171 2345678".into() }),
            sent(TerminalInput::Pin { pin: "482913".into() }),
            sent(TerminalInput::SlotRead { serial: "T22000129".into() }),
            sent(TerminalInput::PinLetterConfirmed),
            sent(TerminalInput::CompartmentOpened),
        ]
    );
    assert_eq!(r.doors.opened(), vec![7]);
}

#[tokio::test]
async fn a_pickup_with_the_old_document_opens_the_door_and_destroys_the_document_once_closed() {
    let mut r = rig();
    to_take_document(&mut r).await;
    // The door stands open: nothing to report.
    assert!(!r.terminal.tick().await.unwrap());
    assert!(r.central.received().is_empty());
    r.central.then(TerminalScreen::ThankYou, vec![DeviceCommand::DestroyOldDocument]);
    assert_eq!(r.doors.take_and_close(), vec![7]);
    assert!(r.terminal.tick().await.unwrap());
    assert_eq!(r.central.received(), vec![sent(TerminalInput::DoorClosed)]);
    assert_eq!(r.terminal.view().screen, Some(TerminalScreen::ThankYou));
    assert_eq!(r.slot.counts(), (0, 1), "drawn in once, never given back");
    assert!(r.terminal.view().old_document_drawn_in);
    // "Thank you" stays a while, then the welcome screen; no more calls.
    r.clock.advance(FINAL_SCREEN - Duration::from_secs(1));
    assert!(!r.terminal.tick().await.unwrap());
    r.clock.advance(Duration::from_secs(1));
    assert!(r.terminal.tick().await.unwrap());
    assert_eq!(r.terminal.view().screen, None);
    assert!(r.central.received().is_empty());
}

#[tokio::test]
async fn a_door_left_open_is_reported_once_the_door_time_is_over_not_before() {
    let mut r = rig();
    to_take_document(&mut r).await;
    r.clock.advance(Duration::from_secs(119));
    assert!(!r.terminal.tick().await.unwrap());
    assert!(r.central.received().is_empty(), "still within the door time");
    // The central records the handout (the door opened after three factors) and calls staff.
    r.central.then(TerminalScreen::ThankYou, vec![DeviceCommand::DestroyOldDocument]);
    r.clock.advance(Duration::from_secs(1));
    r.terminal.tick().await.unwrap();
    assert_eq!(r.central.received(), vec![sent(TerminalInput::DoorTimeout)], "no idle cancel while the door is open");
    assert_eq!(r.terminal.view().screen, Some(TerminalScreen::ThankYou));
    assert_eq!(r.slot.counts(), (0, 1));
}

#[tokio::test]
async fn a_door_closed_without_having_been_opened_is_not_a_handout() {
    let mut r = rig();
    to_take_document(&mut r).await;
    // The board reports the door closed and never open since the command (the lock did not
    // release after all): that is no "closed after taking".
    r.doors.set(7, false, false, false);
    assert!(!r.terminal.tick().await.unwrap(), "neither the driver nor the board saw the door open");
    assert!(r.central.received().is_empty());
}

#[tokio::test]
async fn an_idle_citizen_is_cancelled_after_the_idle_time_and_a_touch_restarts_it() {
    let mut r = rig();
    r.central.then(TerminalScreen::EnterPhoneNumber, vec![]).then(TerminalScreen::EnterPin { wrong_before: 0 }, vec![]);
    r.terminal.begin().await.unwrap();
    r.terminal.input(CitizenInput::PhoneNumber { number: "0171 2345678".into() }).await.unwrap();
    r.clock.advance(Duration::from_secs(59));
    assert!(!r.terminal.tick().await.unwrap());
    r.terminal.touch();
    r.clock.advance(Duration::from_secs(59));
    assert!(!r.terminal.tick().await.unwrap(), "the touch started the idle time again");
    assert_eq!(r.central.received().len(), 2);
    r.central.then(TerminalScreen::Ended { reason: "cancelled".into(), to_counter: false }, vec![]);
    r.clock.advance(Duration::from_secs(1));
    assert!(r.terminal.tick().await.unwrap());
    assert_eq!(r.central.received(), vec![sent(TerminalInput::Cancel)]);
}

#[tokio::test]
async fn a_jammed_slot_is_reported_and_a_mismatch_gives_the_document_back() {
    let mut r = rig();
    r.central
        .then(TerminalScreen::EnterPhoneNumber, vec![])
        .then(TerminalScreen::EnterPin { wrong_before: 0 }, vec![])
        .then(TerminalScreen::InsertOldDocument { returned_before: 0 }, vec![])
        .then(TerminalScreen::InsertOldDocument { returned_before: 1 }, vec![DeviceCommand::ReturnOldDocument])
        .then(TerminalScreen::Ended { reason: "slot_jam".into(), to_counter: true }, vec![]);
    r.terminal.begin().await.unwrap();
    r.terminal.input(CitizenInput::PhoneNumber { number: "0171 2345678".into() }).await.unwrap();
    r.terminal.input(CitizenInput::Pin { pin: "482913".into() }).await.unwrap();
    r.slot.insert("X99999999");
    r.terminal.tick().await.unwrap();
    assert_eq!(r.slot.counts(), (1, 0), "the wrong document was given back");
    r.slot.jam();
    r.terminal.tick().await.unwrap();
    let received = r.central.received();
    assert_eq!(
        received[3..],
        [sent(TerminalInput::SlotRead { serial: "X99999999".into() }), sent(TerminalInput::SlotJam)]
    );
    assert_eq!(r.terminal.view().screen, Some(TerminalScreen::Ended { reason: "slot_jam".into(), to_counter: true }));
}

#[tokio::test]
async fn the_birth_date_goes_out_as_an_iso_date_and_an_impossible_one_not_at_all() {
    let mut r = rig();
    r.central
        .then(TerminalScreen::EnterPhoneNumber, vec![])
        .then(TerminalScreen::EnterPin { wrong_before: 0 }, vec![])
        .then(TerminalScreen::EnterBirthDate { wrong_before: 0 }, vec![])
        .then(TerminalScreen::PleaseWait, vec![DeviceCommand::OpenCompartment { compartment: 3 }])
        .then(TerminalScreen::TakeDocument { compartment: 3 }, vec![]);
    r.terminal.begin().await.unwrap();
    r.terminal.input(CitizenInput::PhoneNumber { number: "+49 171 2345678".into() }).await.unwrap();
    r.terminal.input(CitizenInput::Pin { pin: "482913".into() }).await.unwrap();
    let error = r.terminal.input(CitizenInput::BirthDate { date: "31.02.1964".into() }).await.unwrap_err();
    assert_eq!(error.code(), "birth_date_invalid");
    assert_eq!(r.terminal.view().error.as_deref(), Some("birth_date_invalid"));
    assert_eq!(r.central.received().len(), 3, "the impossible date did not go out");
    r.terminal.input(CitizenInput::BirthDate { date: "12.08.1964".into() }).await.unwrap();
    assert_eq!(
        r.central.received(),
        vec![sent(TerminalInput::BirthDate { date: "1964-08-12".into() }), sent(TerminalInput::CompartmentOpened)]
    );
    assert_eq!(r.terminal.view().error, None);
    assert!(r.doors.is_open(3));
    r.central.then(TerminalScreen::ThankYou, vec![]);
    r.doors.take_and_close();
    r.terminal.tick().await.unwrap();
    assert_eq!(r.terminal.view().screen, Some(TerminalScreen::ThankYou));
    assert!(!r.terminal.view().old_document_drawn_in, "there was none");
}

#[test]
fn birth_dates_are_checked_against_the_calendar() {
    assert_eq!(birth_date_to_iso("29.02.2000").unwrap(), "2000-02-29");
    for wrong in ["29.02.1900", "1.8.1964", "12-08-1964", "00.08.1964", "12.13.1964", "12.08.1850", "", "12.08.19644"] {
        assert!(birth_date_to_iso(wrong).is_err(), "{wrong:?}");
    }
}

#[tokio::test]
async fn inputs_that_do_not_fit_the_screen_are_refused_without_a_call() {
    let mut r = rig();
    assert_eq!(
        r.terminal.input(CitizenInput::Pin { pin: "482913".into() }).await.unwrap_err().code(),
        "terminal_no_session"
    );
    r.central.then(TerminalScreen::EnterPhoneNumber, vec![]);
    r.terminal.begin().await.unwrap();
    let wrong = r.terminal.input(CitizenInput::Pin { pin: "482913".into() }).await.unwrap_err();
    assert_eq!(wrong.code(), "terminal_wrong_step");
    let wrong = r.terminal.input(CitizenInput::PinLetterConfirmed).await.unwrap_err();
    assert_eq!(wrong.code(), "terminal_wrong_step");
    assert_eq!(r.central.received(), vec![None], "only the start went out");
    // The valid input on this screen does go out.
    r.central.then(TerminalScreen::EnterPin { wrong_before: 0 }, vec![]);
    r.terminal.input(CitizenInput::PhoneNumber { number: "0171 2345678".into() }).await.unwrap();
    assert_eq!(r.central.received().len(), 1);
}

#[tokio::test]
async fn a_cancel_after_the_door_opened_is_refused() {
    let mut r = rig();
    to_take_document(&mut r).await;
    assert_eq!(r.terminal.input(CitizenInput::Cancel).await.unwrap_err().code(), "terminal_wrong_step");
    assert!(r.central.received().is_empty());
}

#[tokio::test]
async fn a_rate_limited_or_closed_answer_shows_the_centrals_code_and_leaves_the_screen() {
    let mut r = rig();
    r.central.then_fail(TerminalError::Refused {
        status: 403,
        code: "pickup_box_closed".into(),
        message: "geschlossen".into(),
    });
    assert_eq!(r.terminal.begin().await.unwrap_err().code(), "pickup_box_closed");
    let closed = TerminalView {
        screen: None,
        error: Some("pickup_box_closed".into()),
        box_open: Some(false),
        old_document_drawn_in: false,
    };
    assert_eq!(r.terminal.view(), closed, "the welcome screen says closed until the status says open again");
    r.terminal.refresh_status().await.unwrap();
    assert_eq!(r.terminal.view().box_open, Some(true));
    r.central.then(TerminalScreen::EnterPhoneNumber, vec![]).then_fail(TerminalError::Refused {
        status: 429,
        code: "pickup_terminal_rate_limited".into(),
        message: "Bitte warten".into(),
    });
    r.terminal.begin().await.unwrap();
    let phone = CitizenInput::PhoneNumber { number: "0171 2345678".into() };
    assert!(r.terminal.input(phone.clone()).await.is_err());
    assert_eq!(r.terminal.view().screen, Some(TerminalScreen::EnterPhoneNumber));
    assert_eq!(r.terminal.view().error.as_deref(), Some("pickup_terminal_rate_limited"));
    r.central.then(TerminalScreen::EnterPin { wrong_before: 0 }, vec![]);
    r.terminal.input(phone).await.unwrap();
    assert_eq!(r.terminal.view().error, None, "the next answer clears it");
}

#[tokio::test]
async fn a_door_report_lost_to_the_network_is_sent_again_at_the_next_tick() {
    let mut r = rig();
    to_take_document(&mut r).await;
    r.doors.take_and_close();
    r.central.then_fail(TerminalError::Unreachable).then(TerminalScreen::ThankYou, vec![]);
    assert!(r.terminal.tick().await.is_err());
    assert_eq!(r.terminal.view().error.as_deref(), Some("central_unreachable"));
    r.terminal.tick().await.unwrap();
    assert_eq!(r.central.received(), vec![sent(TerminalInput::DoorClosed), sent(TerminalInput::DoorClosed)]);
    assert_eq!(r.terminal.view().screen, Some(TerminalScreen::ThankYou));
}

#[tokio::test]
async fn a_lock_that_does_not_open_is_reported_as_a_door_timeout_at_once() {
    let mut r = rig();
    r.doors.break_lock();
    r.central
        .then(TerminalScreen::EnterPhoneNumber, vec![])
        .then(TerminalScreen::EnterPin { wrong_before: 0 }, vec![])
        .then(TerminalScreen::EnterBirthDate { wrong_before: 0 }, vec![])
        .then(TerminalScreen::PleaseWait, vec![DeviceCommand::OpenCompartment { compartment: 3 }])
        // The central keeps the state (staff are called) until the sensors decide.
        .then(TerminalScreen::PleaseWait, vec![])
        .then(TerminalScreen::Ended { reason: "compartment_did_not_open".into(), to_counter: true }, vec![]);
    r.terminal.begin().await.unwrap();
    r.terminal.input(CitizenInput::PhoneNumber { number: "0171 2345678".into() }).await.unwrap();
    r.terminal.input(CitizenInput::Pin { pin: "482913".into() }).await.unwrap();
    r.terminal.input(CitizenInput::BirthDate { date: "12.08.1964".into() }).await.unwrap();
    let received = r.central.received();
    assert_eq!(
        received[received.len() - 2..],
        [
            sent(TerminalInput::DoorTimeout),
            sent(TerminalInput::SensorsRead { door_open_seen: false, compartment_empty: false })
        ]
    );
    assert!(r.doors.opened().is_empty());
    assert!(matches!(r.terminal.view().screen, Some(TerminalScreen::Ended { .. })), "not 'please wait' for ever");
    // Nothing more is sent: no second timeout, no idle cancel; the welcome screen comes back.
    r.clock.advance(Duration::from_secs(600));
    r.terminal.tick().await.unwrap();
    assert!(r.central.received().is_empty());
    assert_eq!(r.terminal.view().screen, None);
}

#[tokio::test]
async fn after_a_power_cut_the_cut_session_is_resolved_from_the_sensors_before_a_fresh_one() {
    let mut r = rig();
    // Before the cut, compartment 5 had been told to open; the citizen took the document and closed it.
    r.doors.set(5, false, true, true);
    r.central
        .then_in(SESSION, TerminalScreen::PleaseWait, vec![], Some(5))
        .then_in(SESSION, TerminalScreen::ThankYou, vec![DeviceCommand::DestroyOldDocument], None)
        .then_in(NEXT_SESSION, TerminalScreen::EnterPhoneNumber, vec![], None);
    r.slot.insert("T22000129");
    r.terminal.begin().await.unwrap();
    assert_eq!(
        r.central.received(),
        vec![None, sent(TerminalInput::PowerRestored { door_open_seen: true, compartment_empty: true }), None]
    );
    assert_eq!(r.terminal.view().screen, Some(TerminalScreen::EnterPhoneNumber), "the next citizen starts fresh");
    assert_eq!(r.slot.counts(), (0, 1));
    // The fresh session is the one the inputs go to.
    r.central.then_in(NEXT_SESSION, TerminalScreen::EnterPin { wrong_before: 0 }, vec![], None);
    r.terminal.input(CitizenInput::PhoneNumber { number: "0171 2345678".into() }).await.unwrap();
}

#[tokio::test]
async fn a_compartment_never_opened_before_the_cut_reports_so() {
    let mut r = rig();
    r.central
        .then_in(SESSION, TerminalScreen::PleaseWait, vec![], Some(5))
        .then_in(SESSION, TerminalScreen::Ended { reason: "interrupted".into(), to_counter: true }, vec![], None)
        .then_in(NEXT_SESSION, TerminalScreen::EnterPhoneNumber, vec![], None);
    r.terminal.begin().await.unwrap();
    assert_eq!(
        r.central.received()[1],
        sent(TerminalInput::PowerRestored { door_open_seen: false, compartment_empty: false })
    );
}
