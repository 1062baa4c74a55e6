//! The box terminal's steps as a pure state machine (issue 10; domain.md §4.1–§4.3): mobile number →
//! SMS PIN → the old document into the slot reader, or the birth date when the application recorded
//! none → for an ID card the confirmation of the PIN letter → the compartment opens → the door closes
//! → handout recorded, old document destroyed, PIN revoked.
//!
//! The central holds the state (it is serde) and feeds it events: the citizen's inputs (the PIN
//! already checked by [`crate::PinHasher`]) and the box's device reports. [`PickupFlow::step`] returns
//! the next state together with every [`Effect`] to record. **The caller stores the effects and the
//! next state in one transaction, and only then carries out device commands**
//! ([`Effect::OpenCompartment`], [`Effect::ReturnOldDocument`], [`Effect::OldDocumentDestroyed`]):
//! so the state recorded before the door is told to open is `Opening`, and a power cut at any point
//! resumes from a recorded state without losing a record.
//!
//! The answers the terminal shows ([`PickupFlow::screen`]) are the same for an unknown number, a
//! locked pickup and a wrong PIN: up to [`crate::MAX_WRONG_PINS`] tries per session, then "please go
//! to the counter". What the pickup's state is (locked, expired) is only revealed after a correct PIN.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use schalter_application::{CurrentDocument, DateOfBirth, DocumentKind, SerialNumber};

use crate::{Attempts, CompartmentId, LockState, PickupDeadline, PickupError, PickupId, MAX_WRONG_PINS};

/// Documents that do not match in the slot reader, per session, before the citizen is sent to the
/// counter (our choice: one more try for someone who inserted the wrong card first). A mismatch is
/// given back and audited; it does not count against the PIN lock (a physical document cannot be
/// guessed).
pub const MAX_DOCUMENT_TRIES: u8 = 2;

/// The third factor the box checks after phone number and PIN (domain.md §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ThirdFactor {
    /// The application's current document: its serial must match what the slot reader reads; it is
    /// then drawn in and destroyed with the handout.
    OldDocument { document: CurrentDocument },
    /// No current document recorded: the birth date, typed at the terminal.
    BirthDate {
        #[serde(with = "schalter_application::dates::iso_date")]
        date: Date,
    },
}

impl ThirdFactor {
    /// The factor an application gives. A partial birth date (`XX`) cannot be checked: without an old
    /// document such a pickup is refused for the box ([`PickupError::NoThirdFactor`], our choice).
    pub fn for_application(current: Option<&CurrentDocument>, birth: &DateOfBirth) -> Result<Self, PickupError> {
        match current {
            Some(document) => Ok(ThirdFactor::OldDocument { document: document.clone() }),
            None => birth.exact().map(|date| ThirdFactor::BirthDate { date }).ok_or(PickupError::NoThirdFactor),
        }
    }
}

/// What the central knows about the pickup a phone number leads to, handed to the flow with
/// [`Event::PhoneEntered`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickupFacts {
    pub pickup: PickupId,
    pub compartment: CompartmentId,
    pub document: DocumentKind,
    pub third_factor: ThirdFactor,
    /// Wrong answers so far (over the pickup's life, not this session).
    pub attempts: Attempts,
    pub deadline: PickupDeadline,
}

impl PickupFacts {
    /// Refuses temporary documents: they are issued on the spot and never reach the box.
    pub fn new(
        pickup: PickupId,
        compartment: CompartmentId,
        document: DocumentKind,
        third_factor: ThirdFactor,
        attempts: Attempts,
        deadline: PickupDeadline,
    ) -> Result<Self, PickupError> {
        if document.is_temporary() {
            return Err(PickupError::NotForTheBox);
        }
        Ok(Self { pickup, compartment, document, third_factor, attempts, deadline })
    }

    /// The PIN letter step: only for the Personalausweis (domain.md §4.2, §4.3: the citizen confirms
    /// having received the PIN letter).
    fn needs_pin_letter(&self) -> bool {
        self.document.is_id_card()
    }
}

/// Why a session ended without a handout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// Three wrong PINs in this session, for a known number, an unknown one or a locked pickup alike.
    TooManyWrongPins,
    /// A wrong birth date locked the pickup (the PIN was right, so this may be said).
    Locked,
    /// The PIN was right but the pickup period is over: the document is at the counter.
    Expired,
    /// [`MAX_DOCUMENT_TRIES`] documents that are not the application's current one.
    OldDocumentMismatch,
    /// The slot reader jammed: the old document stays in it, the pickup stays loaded.
    SlotJam,
    /// A power cut after the door was told to open, and the document is still in the compartment:
    /// back to Loaded, the PIN still valid.
    NotTakenAfterPowerCut,
    /// The citizen cancelled (or the terminal's idle timeout) before the compartment opened.
    Cancelled,
    /// A power cut before the compartment was told to open: nothing happened.
    Interrupted,
    /// The document left the box meanwhile (handed out at the counter, taken back, or being handed out
    /// at another terminal of the box): the central ends the session before anything opens.
    NoLongerAvailable,
    /// The compartment was told to open, never reported open, and its sensors say the document is still
    /// inside: the box is faulty, the document goes to the counter (staff were alarmed).
    CompartmentDidNotOpen,
}

impl EndReason {
    /// Whether the terminal sends the citizen to the counter (otherwise they may start again).
    pub fn sends_to_counter(self) -> bool {
        !matches!(self, EndReason::Cancelled | EndReason::Interrupted | EndReason::NotTakenAfterPowerCut)
    }
}

/// The terminal's state. Serialise it to record it; the `Opening` state is recorded before the
/// compartment is told to open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum PickupFlow {
    /// Waiting for a mobile number.
    PhoneNumber,
    /// Waiting for the SMS PIN. `pickup` is `None` for a number without a pickup; the terminal
    /// cannot tell.
    Pin { pickup: Option<PickupFacts>, wrong_in_session: u8 },
    /// Waiting for the old document in the slot reader.
    OldDocument { pickup: PickupFacts, mismatches: u8 },
    /// Waiting for the birth date.
    BirthDate { pickup: PickupFacts, wrong_in_session: u8 },
    /// Waiting for the confirmation of the PIN letter (ID cards). `old_document_held`: the slot
    /// reader holds the matched old document.
    PinLetter { pickup: PickupFacts, old_document_held: bool },
    /// The compartment has been told to open; no report yet.
    Opening { pickup: PickupFacts, old_document_held: bool },
    /// The compartment reported open; waiting for the door to close.
    DoorOpen { pickup: PickupFacts, old_document_held: bool },
    /// Handed out. `door_closed` is false after a door timeout or a power cut: the compartment stays
    /// Opened until a clerk checks it.
    Done { pickup: PickupId, compartment: CompartmentId, door_closed: bool },
    /// Over without a handout.
    Ended { reason: EndReason },
}

/// An input or device report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The citizen typed a mobile number; the central looked it up (`None`: no pickup for it).
    PhoneEntered { pickup: Option<PickupFacts> },
    /// The citizen typed a PIN; the central checked it with [`crate::PinHasher::verify`] (or
    /// [`crate::PinHasher::verify_unknown`]) at `at`.
    PinEntered {
        correct: bool,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The slot reader read a document's serial (the raw text it read).
    SlotRead { serial: String },
    /// The slot reader jammed with the document inside.
    SlotJam,
    /// The citizen typed a birth date.
    BirthDateEntered {
        #[serde(with = "schalter_application::dates::iso_date")]
        date: Date,
    },
    /// The citizen confirmed having received the PIN letter (in text form, domain.md §4.3).
    PinLetterConfirmed,
    /// The compartment's lock reported the door open.
    CompartmentOpened,
    /// The door sensor reported the door closed.
    DoorClosed,
    /// The timer the central runs ran out: in `Opening` no open report came, in `DoorOpen` the door
    /// was not closed.
    DoorTimeout,
    /// The terminal came back after a power cut and read its sensors: whether the door had been seen
    /// open since the open command, and whether the compartment is empty now.
    PowerRestored { door_open_seen: bool, compartment_empty: bool },
    /// The citizen pressed cancel, or the terminal's idle timeout before the compartment opened.
    Cancelled,
    /// After a [`Event::DoorTimeout`] in `Opening`, the terminal read the compartment's sensors: the
    /// session is decided by them instead of waiting for a report that will not come.
    SensorsRead { door_open_seen: bool, compartment_empty: bool },
}

/// An alarm for the staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "alarm", rename_all = "snake_case")]
pub enum Alarm {
    /// The door was not closed within the timeout after a handout.
    DoorLeftOpen { compartment: CompartmentId },
    /// The slot reader jammed; an old document is stuck in it.
    SlotJam,
    /// A power cut between "open" and "closed"; staff check the compartment (and the reader).
    PowerCut { compartment: CompartmentId, door_open_seen: bool, compartment_empty: bool },
    /// The compartment was told to open and did not report within the timeout.
    CompartmentDidNotReport { compartment: CompartmentId },
}

/// What is audited besides the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditEvent {
    /// A PIN for a number without a pickup.
    WrongPinUnknownNumber,
    /// A PIN for a locked pickup (not checked, not counted).
    PinOnLockedPickup,
    /// The right PIN for a pickup whose period is over.
    ExpiredPickupTried,
    /// A document in the slot reader that is not the application's current one.
    OldDocumentMismatch,
    /// The slot reader jammed.
    SlotJam,
    /// The door closed after the timeout (the compartment stays unconfirmed until a clerk checks).
    DoorClosedLate,
}

/// What the central records or does, in this order, in the transaction that stores the next state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Store the pickup's new count of wrong answers.
    WrongPinRecorded {
        pickup: PickupId,
        attempts: Attempts,
    },
    WrongBirthDateRecorded {
        pickup: PickupId,
        attempts: Attempts,
    },
    /// The pickup is locked until a supervisor clears it; its compartment becomes Locked.
    PickupLocked {
        pickup: PickupId,
        compartment: CompartmentId,
    },
    /// The confirmation of the PIN letter, as the handover's evidence (domain.md §4.3).
    PinLetterConfirmed {
        pickup: PickupId,
    },
    /// Device command, after the `Opening` state is stored: open the compartment.
    OpenCompartment {
        compartment: CompartmentId,
    },
    /// The compartment becomes Opened.
    CompartmentOpened {
        compartment: CompartmentId,
    },
    /// The document is handed out (application status "handed out").
    HandoutRecorded {
        pickup: PickupId,
        compartment: CompartmentId,
    },
    /// The old document is recorded as destroyed; device command: the reader draws it in.
    OldDocumentDestroyed {
        pickup: PickupId,
    },
    /// Device command: the slot reader gives the old document back.
    ReturnOldDocument {
        pickup: PickupId,
    },
    /// The PIN hash is deleted: the PIN is never usable again.
    PinRevoked {
        pickup: PickupId,
    },
    /// The compartment is Free again.
    CompartmentFreed {
        compartment: CompartmentId,
    },
    /// The compartment stays Opened (unconfirmed) until a clerk checks it.
    CompartmentUnconfirmed {
        compartment: CompartmentId,
    },
    /// The compartment is Loaded again; the pickup and its PIN stay as they were.
    CompartmentBackToLoaded {
        compartment: CompartmentId,
    },
    Alarm(Alarm),
    Audit {
        pickup: Option<PickupId>,
        event: AuditEvent,
    },
}

/// What the terminal shows in a state; the same for known and unknown numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "screen", rename_all = "snake_case")]
pub enum Screen {
    EnterPhoneNumber,
    /// `wrong_before`: wrong PINs in this session so far.
    EnterPin {
        wrong_before: u8,
    },
    /// `returned_before`: documents given back in this session so far.
    InsertOldDocument {
        returned_before: u8,
    },
    EnterBirthDate {
        wrong_before: u8,
    },
    ConfirmPinLetter,
    PleaseWait,
    TakeDocument {
        compartment: CompartmentId,
    },
    ThankYou,
    Ended {
        reason: EndReason,
    },
}

type Step = (PickupFlow, Vec<Effect>);

impl PickupFlow {
    /// A new session, if the box is open at `now`.
    pub fn start(hours: &crate::OpeningHours, now: OffsetDateTime) -> Result<Self, PickupError> {
        hours.check_open(now)?;
        Ok(PickupFlow::PhoneNumber)
    }

    /// The next state and what to record, or [`PickupError::UnexpectedEvent`] (the state stays).
    pub fn step(&self, event: Event) -> Result<Step, PickupError> {
        use PickupFlow as F;
        let unexpected = || PickupError::UnexpectedEvent { state: self.name(), event: event.name() };
        let step = match (self, &event) {
            (F::PhoneNumber, Event::PhoneEntered { pickup }) => {
                (F::Pin { pickup: pickup.clone(), wrong_in_session: 0 }, vec![])
            }
            (F::PhoneNumber, Event::PowerRestored { .. }) => (F::PhoneNumber, vec![]),

            (F::Pin { pickup, wrong_in_session }, &Event::PinEntered { correct, at }) => {
                pin_entered(pickup.as_ref(), *wrong_in_session, correct, at)
            }

            (F::OldDocument { pickup, mismatches }, Event::SlotRead { serial }) => {
                let ThirdFactor::OldDocument { document } = &pickup.third_factor else { return Err(unexpected()) };
                if same_document(document, serial) {
                    after_third_factor(pickup.clone(), true, vec![])
                } else {
                    let effects = vec![
                        Effect::ReturnOldDocument { pickup: pickup.pickup },
                        audit(pickup, AuditEvent::OldDocumentMismatch),
                    ];
                    let mismatches = mismatches + 1;
                    if mismatches >= MAX_DOCUMENT_TRIES {
                        (F::Ended { reason: EndReason::OldDocumentMismatch }, effects)
                    } else {
                        (F::OldDocument { pickup: pickup.clone(), mismatches }, effects)
                    }
                }
            }
            (F::OldDocument { pickup, .. }, Event::SlotJam) => (
                F::Ended { reason: EndReason::SlotJam },
                vec![Effect::Alarm(Alarm::SlotJam), audit(pickup, AuditEvent::SlotJam)],
            ),

            (F::BirthDate { pickup, wrong_in_session }, Event::BirthDateEntered { date }) => {
                let ThirdFactor::BirthDate { date: expected } = pickup.third_factor else { return Err(unexpected()) };
                if *date == expected {
                    after_third_factor(pickup.clone(), false, vec![])
                } else {
                    let (attempts, lock) = pickup.attempts.record_wrong();
                    let mut effects = vec![Effect::WrongBirthDateRecorded { pickup: pickup.pickup, attempts }];
                    let pickup = PickupFacts { attempts, ..pickup.clone() };
                    if lock == LockState::Locked {
                        effects.push(Effect::PickupLocked { pickup: pickup.pickup, compartment: pickup.compartment });
                        (F::Ended { reason: EndReason::Locked }, effects)
                    } else {
                        (F::BirthDate { pickup, wrong_in_session: wrong_in_session + 1 }, effects)
                    }
                }
            }

            (F::PinLetter { pickup, old_document_held }, Event::PinLetterConfirmed) => {
                open(pickup.clone(), *old_document_held, vec![Effect::PinLetterConfirmed { pickup: pickup.pickup }])
            }

            // Before the compartment is told to open, cancelling or a power cut just ends the session.
            (
                F::Pin { .. } | F::OldDocument { .. } | F::BirthDate { .. } | F::PinLetter { .. },
                Event::Cancelled | Event::PowerRestored { .. },
            )
            | (F::PhoneNumber, Event::Cancelled) => {
                let reason =
                    if matches!(event, Event::Cancelled) { EndReason::Cancelled } else { EndReason::Interrupted };
                let effects = match self {
                    F::PinLetter { pickup, old_document_held: true } => {
                        vec![Effect::ReturnOldDocument { pickup: pickup.pickup }]
                    }
                    _ => vec![],
                };
                (F::Ended { reason }, effects)
            }

            (F::Opening { pickup, old_document_held }, Event::CompartmentOpened) => (
                F::DoorOpen { pickup: pickup.clone(), old_document_held: *old_document_held },
                vec![Effect::CompartmentOpened { compartment: pickup.compartment }],
            ),
            // No open report in time: nothing is assumed; staff are called and the state stays, so a
            // late report or the sensors after a restart decide.
            (F::Opening { pickup, .. }, Event::DoorTimeout) => {
                (self.clone(), vec![Effect::Alarm(Alarm::CompartmentDidNotReport { compartment: pickup.compartment })])
            }
            (F::DoorOpen { .. }, Event::CompartmentOpened) => (self.clone(), vec![]),
            // The open report did not come in time; the sensors decide (the alarm went out with the timeout).
            (F::Opening { pickup, old_document_held }, &Event::SensorsRead { compartment_empty, .. }) => {
                if compartment_empty {
                    handout(
                        pickup,
                        *old_document_held,
                        false,
                        vec![Effect::CompartmentUnconfirmed { compartment: pickup.compartment }],
                    )
                } else {
                    let mut effects = vec![Effect::CompartmentBackToLoaded { compartment: pickup.compartment }];
                    if *old_document_held {
                        effects.push(Effect::ReturnOldDocument { pickup: pickup.pickup });
                    }
                    (F::Ended { reason: EndReason::CompartmentDidNotOpen }, effects)
                }
            }

            (F::DoorOpen { pickup, old_document_held }, Event::DoorClosed) => handout(
                pickup,
                *old_document_held,
                true,
                vec![Effect::CompartmentFreed { compartment: pickup.compartment }],
            ),
            // The door opened after three factors: the citizen took the document. The record is made,
            // staff are called, the compartment stays Opened until a clerk checks it.
            (F::DoorOpen { pickup, old_document_held }, Event::DoorTimeout) => handout(
                pickup,
                *old_document_held,
                false,
                vec![
                    Effect::CompartmentUnconfirmed { compartment: pickup.compartment },
                    Effect::Alarm(Alarm::DoorLeftOpen { compartment: pickup.compartment }),
                ],
            ),

            // A power cut between "open" and "closed": resume from the recorded state by the sensors.
            (
                F::Opening { pickup, old_document_held } | F::DoorOpen { pickup, old_document_held },
                &Event::PowerRestored { door_open_seen, compartment_empty },
            ) => {
                let alarm = Effect::Alarm(Alarm::PowerCut {
                    compartment: pickup.compartment,
                    door_open_seen,
                    compartment_empty,
                });
                if compartment_empty {
                    handout(
                        pickup,
                        *old_document_held,
                        false,
                        vec![Effect::CompartmentUnconfirmed { compartment: pickup.compartment }, alarm],
                    )
                } else {
                    let mut effects = vec![Effect::CompartmentBackToLoaded { compartment: pickup.compartment }];
                    if *old_document_held {
                        effects.push(Effect::ReturnOldDocument { pickup: pickup.pickup });
                    }
                    effects.push(alarm);
                    (F::Ended { reason: EndReason::NotTakenAfterPowerCut }, effects)
                }
            }

            (&F::Done { pickup, compartment, door_closed: false }, Event::DoorClosed) => (
                F::Done { pickup, compartment, door_closed: true },
                vec![Effect::Audit { pickup: Some(pickup), event: AuditEvent::DoorClosedLate }],
            ),
            (F::Done { door_closed: true, .. }, Event::DoorClosed)
            | (F::Done { .. } | F::Ended { .. }, Event::PowerRestored { .. }) => (self.clone(), vec![]),

            _ => return Err(unexpected()),
        };
        Ok(step)
    }

    /// What the terminal shows now.
    pub fn screen(&self) -> Screen {
        match self {
            PickupFlow::PhoneNumber => Screen::EnterPhoneNumber,
            PickupFlow::Pin { wrong_in_session, .. } => Screen::EnterPin { wrong_before: *wrong_in_session },
            PickupFlow::OldDocument { mismatches, .. } => Screen::InsertOldDocument { returned_before: *mismatches },
            PickupFlow::BirthDate { wrong_in_session, .. } => {
                Screen::EnterBirthDate { wrong_before: *wrong_in_session }
            }
            PickupFlow::PinLetter { .. } => Screen::ConfirmPinLetter,
            PickupFlow::Opening { .. } => Screen::PleaseWait,
            PickupFlow::DoorOpen { pickup, .. } => Screen::TakeDocument { compartment: pickup.compartment },
            PickupFlow::Done { .. } => Screen::ThankYou,
            PickupFlow::Ended { reason } => Screen::Ended { reason: *reason },
        }
    }

    /// Whether the session is over (a new one starts with [`PickupFlow::start`]).
    pub fn is_finished(&self) -> bool {
        matches!(self, PickupFlow::Done { .. } | PickupFlow::Ended { .. })
    }

    /// The state's serde name.
    pub fn name(&self) -> &'static str {
        match self {
            PickupFlow::PhoneNumber => "phone_number",
            PickupFlow::Pin { .. } => "pin",
            PickupFlow::OldDocument { .. } => "old_document",
            PickupFlow::BirthDate { .. } => "birth_date",
            PickupFlow::PinLetter { .. } => "pin_letter",
            PickupFlow::Opening { .. } => "opening",
            PickupFlow::DoorOpen { .. } => "door_open",
            PickupFlow::Done { .. } => "done",
            PickupFlow::Ended { .. } => "ended",
        }
    }
}

impl Event {
    /// The event's serde name.
    pub fn name(&self) -> &'static str {
        match self {
            Event::PhoneEntered { .. } => "phone_entered",
            Event::PinEntered { .. } => "pin_entered",
            Event::SlotRead { .. } => "slot_read",
            Event::SlotJam => "slot_jam",
            Event::BirthDateEntered { .. } => "birth_date_entered",
            Event::PinLetterConfirmed => "pin_letter_confirmed",
            Event::CompartmentOpened => "compartment_opened",
            Event::DoorClosed => "door_closed",
            Event::DoorTimeout => "door_timeout",
            Event::PowerRestored { .. } => "power_restored",
            Event::Cancelled => "cancelled",
            Event::SensorsRead { .. } => "sensors_read",
        }
    }
}

fn audit(pickup: &PickupFacts, event: AuditEvent) -> Effect {
    Effect::Audit { pickup: Some(pickup.pickup), event }
}

/// A PIN in the `Pin` state. Unknown numbers and locked pickups take the same path as a wrong PIN,
/// so the terminal's answers do not tell them apart.
fn pin_entered(pickup: Option<&PickupFacts>, wrong_in_session: u8, correct: bool, at: OffsetDateTime) -> Step {
    let (pickup, effects) = match pickup {
        None => (None, vec![Effect::Audit { pickup: None, event: AuditEvent::WrongPinUnknownNumber }]),
        Some(facts) if facts.attempts.is_locked() => {
            (Some(facts.clone()), vec![audit(facts, AuditEvent::PinOnLockedPickup)])
        }
        Some(facts) if correct => {
            if facts.deadline.is_expired(at) {
                return (
                    PickupFlow::Ended { reason: EndReason::Expired },
                    vec![audit(facts, AuditEvent::ExpiredPickupTried)],
                );
            }
            return match facts.third_factor {
                ThirdFactor::OldDocument { .. } => {
                    (PickupFlow::OldDocument { pickup: facts.clone(), mismatches: 0 }, vec![])
                }
                ThirdFactor::BirthDate { .. } => {
                    (PickupFlow::BirthDate { pickup: facts.clone(), wrong_in_session: 0 }, vec![])
                }
            };
        }
        Some(facts) => {
            let (attempts, lock) = facts.attempts.record_wrong();
            let mut effects = vec![Effect::WrongPinRecorded { pickup: facts.pickup, attempts }];
            if lock == LockState::Locked {
                effects.push(Effect::PickupLocked { pickup: facts.pickup, compartment: facts.compartment });
            }
            (Some(PickupFacts { attempts, ..facts.clone() }), effects)
        }
    };
    let wrong_in_session = wrong_in_session + 1;
    if wrong_in_session >= MAX_WRONG_PINS {
        (PickupFlow::Ended { reason: EndReason::TooManyWrongPins }, effects)
    } else {
        (PickupFlow::Pin { pickup, wrong_in_session }, effects)
    }
}

/// The third factor passed: the PIN letter for ID cards, otherwise open.
fn after_third_factor(pickup: PickupFacts, old_document_held: bool, effects: Vec<Effect>) -> Step {
    if pickup.needs_pin_letter() {
        (PickupFlow::PinLetter { pickup, old_document_held }, effects)
    } else {
        open(pickup, old_document_held, effects)
    }
}

/// Into `Opening`, with the command to open as the last effect.
fn open(pickup: PickupFacts, old_document_held: bool, mut effects: Vec<Effect>) -> Step {
    effects.push(Effect::OpenCompartment { compartment: pickup.compartment });
    (PickupFlow::Opening { pickup, old_document_held }, effects)
}

/// The handout's records, always together: handout, old document destroyed (if the reader holds
/// one), PIN revoked; then what happens to the compartment.
fn handout(pickup: &PickupFacts, old_document_held: bool, door_closed: bool, compartment: Vec<Effect>) -> Step {
    let mut effects = vec![Effect::HandoutRecorded { pickup: pickup.pickup, compartment: pickup.compartment }];
    if old_document_held {
        effects.push(Effect::OldDocumentDestroyed { pickup: pickup.pickup });
    }
    effects.push(Effect::PinRevoked { pickup: pickup.pickup });
    effects.extend(compartment);
    (PickupFlow::Done { pickup: pickup.pickup, compartment: pickup.compartment, door_closed }, effects)
}

/// Whether the slot reader's text is the serial of `expected`: read with the expected kind's rules
/// (a typed O is a 0), compared without the check digit (readers and the application may or may not
/// carry it).
fn same_document(expected: &CurrentDocument, read: &str) -> bool {
    let Ok(read) = SerialNumber::parse(read, expected.kind) else { return false };
    let body = |serial: &SerialNumber| -> String { serial.as_str().chars().take(9).collect() };
    body(&read) == body(&expected.serial)
}

#[cfg(test)]
mod tests;
