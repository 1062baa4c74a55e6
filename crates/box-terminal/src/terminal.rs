//! The terminal driver: holds the current session, sends the citizen's inputs, carries out the
//! central's device commands in order, turns device reports into inputs, and runs the terminal's
//! own timers (idle cancel, door timeout). The central decides every step; the driver never does.
//!
//! The window calls [`Terminal::begin`], [`Terminal::input`] and [`Terminal::finish`] for the
//! citizen's touches and [`Terminal::tick`] a few times a second for the devices and the timers.
//! Logs carry screen names and error codes only: never a phone number, PIN, birth date or serial.

use schalter_wire::pickup::{BoxStatus, DeviceCommand, SessionAnswer, TerminalInput, TerminalScreen};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

use crate::devices::{CompartmentController, SlotEvent, SlotReader};
use crate::{BoxCentral, TerminalError, Timers};

/// How long "thank you" or an ended session stays on screen before the welcome screen comes back.
pub const FINAL_SCREEN: Duration = Duration::from_secs(20);
/// Sessions cut by power cuts resolved in one [`Terminal::begin`] before giving up.
const MAX_RESUMED: usize = 3;

/// What the citizen can type or touch (the devices' reports come from the devices, never from the window).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum CitizenInput {
    PhoneNumber {
        number: String,
    },
    Pin {
        pin: String,
    },
    /// As typed on the pad: `TT.MM.JJJJ`.
    BirthDate {
        date: String,
    },
    PinLetterConfirmed,
    Cancel,
}

/// What the window shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerminalView {
    /// `None`: the welcome screen, no session.
    pub screen: Option<TerminalScreen>,
    /// The code of the last failure (cleared by the next answer of the central).
    pub error: Option<String>,
    /// Whether the box may be used now, as the central last said (`None`: not asked yet).
    pub box_open: Option<bool>,
    /// The slot reader drew the old document in for destruction in this session ("thank you" says so).
    pub old_document_drawn_in: bool,
}

/// The driver's time: the system's monotonic clock, or a manual one the tests move.
#[derive(Clone, Default)]
pub struct Clock(Option<Arc<Mutex<Instant>>>);

impl Clock {
    pub fn system() -> Self {
        Clock(None)
    }

    pub fn manual() -> Self {
        Clock(Some(Arc::new(Mutex::new(Instant::now()))))
    }

    pub fn now(&self) -> Instant {
        match &self.0 {
            None => Instant::now(),
            Some(at) => *at.lock().unwrap(),
        }
    }

    /// Moves a manual clock on (a system clock moves by itself).
    pub fn advance(&self, by: Duration) {
        if let Some(at) = &self.0 {
            *at.lock().unwrap() += by;
        }
    }
}

struct DoorWatch {
    compartment: u32,
    deadline: Instant,
    seen_open: bool,
    /// `DoorTimeout` went out for this opening: never twice (the central may keep the screen).
    timeout_reported: bool,
}

pub struct Terminal<C> {
    central: C,
    slot: Box<dyn SlotReader>,
    compartments: Box<dyn CompartmentController>,
    timers: Timers,
    clock: Clock,
    session: Option<Uuid>,
    screen: Option<TerminalScreen>,
    error: Option<String>,
    box_open: Option<bool>,
    old_document_drawn_in: bool,
    last_touch: Instant,
    door: Option<DoorWatch>,
    finished_at: Option<Instant>,
    /// A device report the central has not taken yet (network down): sent again first.
    unsent_report: Option<TerminalInput>,
}

fn screen_name(screen: &TerminalScreen) -> &'static str {
    match screen {
        TerminalScreen::EnterPhoneNumber => "enter_phone_number",
        TerminalScreen::EnterPin { .. } => "enter_pin",
        TerminalScreen::InsertOldDocument { .. } => "insert_old_document",
        TerminalScreen::EnterBirthDate { .. } => "enter_birth_date",
        TerminalScreen::ConfirmPinLetter => "confirm_pin_letter",
        TerminalScreen::PleaseWait => "please_wait",
        TerminalScreen::TakeDocument { .. } => "take_document",
        TerminalScreen::ThankYou => "thank_you",
        TerminalScreen::Ended { .. } => "ended",
    }
}

fn is_final(screen: &TerminalScreen) -> bool {
    matches!(screen, TerminalScreen::ThankYou | TerminalScreen::Ended { .. })
}

/// Screens where the citizen is typing or choosing: an idle timeout cancels, "Abbrechen" may.
fn is_citizen_step(screen: &TerminalScreen) -> bool {
    matches!(
        screen,
        TerminalScreen::EnterPhoneNumber
            | TerminalScreen::EnterPin { .. }
            | TerminalScreen::InsertOldDocument { .. }
            | TerminalScreen::EnterBirthDate { .. }
            | TerminalScreen::ConfirmPinLetter
    )
}

/// `TT.MM.JJJJ` → `YYYY-MM-DD`, only for a real calendar date.
pub fn birth_date_to_iso(typed: &str) -> Result<String, TerminalError> {
    let parts: Vec<&str> = typed.trim().split('.').collect();
    let [day, month, year] = parts.as_slice() else { return Err(TerminalError::BirthDateInvalid) };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(day, 2) || !digits(month, 2) || !digits(year, 4) {
        return Err(TerminalError::BirthDateInvalid);
    }
    let (day, month, year): (u8, u8, i32) = (day.parse().unwrap(), month.parse().unwrap(), year.parse().unwrap());
    let month = time::Month::try_from(month).map_err(|_| TerminalError::BirthDateInvalid)?;
    let date = time::Date::from_calendar_date(year, month, day).map_err(|_| TerminalError::BirthDateInvalid)?;
    if !(1900..=2100).contains(&year) {
        return Err(TerminalError::BirthDateInvalid);
    }
    Ok(format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day()))
}

impl<C: BoxCentral> Terminal<C> {
    pub fn new(
        central: C,
        slot: Box<dyn SlotReader>,
        compartments: Box<dyn CompartmentController>,
        timers: Timers,
        clock: Clock,
    ) -> Self {
        let last_touch = clock.now();
        Self {
            central,
            slot,
            compartments,
            timers,
            clock,
            session: None,
            screen: None,
            error: None,
            box_open: None,
            old_document_drawn_in: false,
            last_touch,
            door: None,
            finished_at: None,
            unsent_report: None,
        }
    }

    pub fn view(&self) -> TerminalView {
        TerminalView {
            screen: self.screen.clone(),
            error: self.error.clone(),
            box_open: self.box_open,
            old_document_drawn_in: self.old_document_drawn_in,
        }
    }

    /// The central's status of this box (shown on the welcome screen).
    pub async fn refresh_status(&mut self) -> Result<BoxStatus, TerminalError> {
        let status = self.central.status().await.inspect_err(|e| self.fail(e))?;
        self.box_open = Some(status.open);
        Ok(status)
    }

    /// The citizen touched the screen: the idle time starts again.
    pub fn touch(&mut self) {
        self.last_touch = self.clock.now();
    }

    /// Starts a session (the citizen touched "Start"). A session the central hands back because a
    /// power cut interrupted it is resolved first with the compartment's sensors, then a fresh one
    /// starts.
    pub async fn begin(&mut self) -> Result<(), TerminalError> {
        self.touch();
        if self.screen.as_ref().is_some_and(|s| !is_final(s)) {
            return Ok(());
        }
        let result = self.begin_inner().await;
        if let Err(error) = &result {
            self.fail(error);
        }
        result
    }

    async fn begin_inner(&mut self) -> Result<(), TerminalError> {
        let mut answer = self.central.start().await?;
        for _ in 0..MAX_RESUMED {
            let Some(compartment) = answer.check_compartment else { break };
            let sensors = self.compartments.sensors(compartment)?;
            tracing::info!(compartment, "session cut by a power cut: reporting the compartment's sensors");
            self.session = Some(answer.session_id);
            let report = TerminalInput::PowerRestored {
                door_open_seen: sensors.opened_since_command || !sensors.door_closed,
                compartment_empty: sensors.empty,
            };
            self.send(report).await?;
            if self.screen.as_ref().is_some_and(|s| !is_final(s)) {
                return Ok(());
            }
            answer = self.central.start().await?;
        }
        if let Some(follow_up) = self.apply(answer) {
            self.send(follow_up).await?;
        }
        Ok(())
    }

    /// One input of the citizen, checked against the screen before it goes to the central.
    pub async fn input(&mut self, input: CitizenInput) -> Result<(), TerminalError> {
        self.touch();
        let result = self.input_inner(input).await;
        if let Err(error) = &result {
            self.fail(error);
        }
        result
    }

    async fn input_inner(&mut self, input: CitizenInput) -> Result<(), TerminalError> {
        let Some(screen) = self.screen.clone() else { return Err(TerminalError::NoSession) };
        if is_final(&screen) {
            if input == CitizenInput::Cancel {
                self.finish();
                return Ok(());
            }
            return Err(TerminalError::NoSession);
        }
        let wire = match (input, &screen) {
            (CitizenInput::PhoneNumber { number }, TerminalScreen::EnterPhoneNumber) => {
                TerminalInput::PhoneNumber { number }
            }
            (CitizenInput::Pin { pin }, TerminalScreen::EnterPin { .. }) => TerminalInput::Pin { pin },
            (CitizenInput::BirthDate { date }, TerminalScreen::EnterBirthDate { .. }) => {
                TerminalInput::BirthDate { date: birth_date_to_iso(&date)? }
            }
            (CitizenInput::PinLetterConfirmed, TerminalScreen::ConfirmPinLetter) => TerminalInput::PinLetterConfirmed,
            (CitizenInput::Cancel, screen) if is_citizen_step(screen) => TerminalInput::Cancel,
            _ => return Err(TerminalError::WrongStep),
        };
        self.send(wire).await
    }

    /// Back to the welcome screen after "thank you" or an ended session.
    pub fn finish(&mut self) {
        if self.screen.as_ref().is_some_and(is_final) {
            self.screen = None;
            self.error = None;
            self.finished_at = None;
        }
    }

    /// The devices and the timers: call a few times a second. Whether the view changed.
    pub async fn tick(&mut self) -> Result<bool, TerminalError> {
        let before = self.view();
        let result = self.tick_inner().await;
        if let Err(error) = &result {
            self.fail(error);
        }
        result.map(|()| self.view() != before)
    }

    async fn tick_inner(&mut self) -> Result<(), TerminalError> {
        if let Some(report) = self.unsent_report.take() {
            return self.send(report).await;
        }
        let Some(screen) = self.screen.clone() else { return Ok(()) };
        let now = self.clock.now();
        if is_final(&screen) {
            if self.finished_at.is_some_and(|at| now >= at + FINAL_SCREEN) {
                self.finish();
            }
            return Ok(());
        }
        if let TerminalScreen::InsertOldDocument { .. } = screen {
            match self.slot.poll()? {
                Some(SlotEvent::Read { serial }) => return self.send(TerminalInput::SlotRead { serial }).await,
                Some(SlotEvent::Jammed) => return self.send(TerminalInput::SlotJam).await,
                None => {}
            }
        }
        if let Some(door) = &mut self.door {
            let sensors = self.compartments.sensors(door.compartment)?;
            door.seen_open |= !sensors.door_closed || sensors.opened_since_command;
            let taking = matches!(screen, TerminalScreen::TakeDocument { .. });
            if taking && sensors.door_closed && door.seen_open {
                return self.send(TerminalInput::DoorClosed).await;
            }
            if now >= door.deadline && !door.timeout_reported {
                door.timeout_reported = true;
                tracing::warn!(compartment = door.compartment, "door timeout");
                return self.send(TerminalInput::DoorTimeout).await;
            }
            return Ok(());
        }
        if is_citizen_step(&screen) && now >= self.last_touch + self.timers.idle {
            tracing::info!(screen = screen_name(&screen), "idle timeout: cancelling the session");
            return self.send(TerminalInput::Cancel).await;
        }
        Ok(())
    }

    /// Sends `input` and every report that carrying out the answers' commands produces.
    async fn send(&mut self, input: TerminalInput) -> Result<(), TerminalError> {
        let mut next = Some(input);
        while let Some(input) = next.take() {
            let session = self.session.ok_or(TerminalError::NoSession)?;
            let answer = match self.central.input(session, &input).await {
                Ok(answer) => answer,
                Err(error) => {
                    let device_report = !matches!(
                        input,
                        TerminalInput::PhoneNumber { .. }
                            | TerminalInput::Pin { .. }
                            | TerminalInput::BirthDate { .. }
                            | TerminalInput::PinLetterConfirmed
                            | TerminalInput::Cancel
                    );
                    let retry = matches!(error, TerminalError::Unreachable | TerminalError::UnexpectedAnswer(500..))
                        || error.code() == "pickup_terminal_rate_limited";
                    if device_report && retry {
                        self.unsent_report = Some(input);
                    }
                    return Err(error);
                }
            };
            tracing::info!(input = input.name(), screen = screen_name(&answer.screen), "answer");
            let timed_out_opening = input == TerminalInput::DoorTimeout && answer.screen == TerminalScreen::PleaseWait;
            next = self.apply(answer);
            // The lock never reported open: its sensors decide, instead of "please wait" for ever.
            if timed_out_opening && next.is_none() {
                if let Some(door) = &self.door {
                    let sensors = self.compartments.sensors(door.compartment)?;
                    next = Some(TerminalInput::SensorsRead {
                        door_open_seen: door.seen_open || sensors.opened_since_command || !sensors.door_closed,
                        compartment_empty: sensors.empty,
                    });
                }
            }
        }
        Ok(())
    }

    /// Takes the central's answer and carries out its commands in order; the report that follows
    /// from them, if any.
    fn apply(&mut self, answer: SessionAnswer) -> Option<TerminalInput> {
        if self.session != Some(answer.session_id) {
            self.old_document_drawn_in = false;
        }
        self.session = Some(answer.session_id);
        self.error = None;
        let mut report = None;
        for command in &answer.commands {
            match *command {
                DeviceCommand::OpenCompartment { compartment } => {
                    let deadline = self.clock.now() + self.timers.door;
                    let opened = self.compartments.open(compartment);
                    if let Err(error) = &opened {
                        tracing::error!(compartment, code = error.code(), %error, "compartment did not open");
                    }
                    self.door =
                        Some(DoorWatch { compartment, deadline, seen_open: false, timeout_reported: opened.is_err() });
                    report = Some(match opened {
                        Ok(()) => TerminalInput::CompartmentOpened,
                        Err(_) => TerminalInput::DoorTimeout,
                    });
                }
                DeviceCommand::ReturnOldDocument => {
                    if let Err(error) = self.slot.return_document() {
                        tracing::error!(code = error.code(), %error, "slot reader did not give the document back");
                    }
                }
                DeviceCommand::DestroyOldDocument => match self.slot.destroy_document() {
                    Ok(()) => self.old_document_drawn_in = true,
                    Err(error) => {
                        tracing::error!(code = error.code(), %error, "slot reader did not draw the document in")
                    }
                },
            }
        }
        if let TerminalScreen::TakeDocument { compartment } = answer.screen {
            if self.door.as_ref().is_none_or(|d| d.compartment != compartment) {
                let deadline = self.clock.now() + self.timers.door;
                self.door = Some(DoorWatch { compartment, deadline, seen_open: false, timeout_reported: false });
            }
        }
        if !matches!(answer.screen, TerminalScreen::TakeDocument { .. } | TerminalScreen::PleaseWait) {
            self.door = None;
        }
        if is_final(&answer.screen) {
            self.session = None;
            self.finished_at = Some(self.clock.now());
        }
        if is_citizen_step(&answer.screen) {
            self.touch();
        }
        self.screen = Some(answer.screen);
        report
    }

    fn fail(&mut self, error: &TerminalError) {
        tracing::warn!(code = error.code(), "terminal error");
        if error.code() == "pickup_box_closed" {
            self.box_open = Some(false);
        }
        self.error = Some(error.code().to_owned());
    }
}

#[cfg(test)]
mod tests;
