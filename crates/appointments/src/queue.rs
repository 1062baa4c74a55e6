//! The counter queue's rules (issue 11, "The desk"), after ZMS (eappointment): a ticket per
//! checked-in appointment or walk-in, its states (waiting, called, serving, parked, missed,
//! finished), the call count with its maximum (`CALL_COUNT_MAX`, ZMS `callCountMax`), the desk's
//! place (≤ 8 characters, shown on the call display), which ticket a desk calls next, and the
//! display number (`T 017`, `W 012`, counted per office and day and kind).
//!
//! Pure: every function takes the instant it judges (unix seconds); no clock reads, no I/O. The
//! desk applies an action to its own copy (offline too) and sends it as a mutation; the central
//! applies the same rules to its copy, so a ticket another desk already called is refused there.

use serde::{Deserialize, Serialize};

/// Calls without the customer appearing before the ticket is `missed` (ZMS `callCountMax`).
pub const CALL_COUNT_MAX: u32 = 3;

/// A ticket whose call went unanswered waits this long before it may be called again, so that
/// "call next" does not call the same absent customer at once.
pub const MISSED_CALL_PAUSE_SECONDS: i64 = 120;

/// Longest place name (ZMS workstation `name`: ≤ 8 characters on the call display).
pub const PLACE_MAX_CHARS: usize = 8;

/// Longest service id accepted.
pub const SERVICE_ID_MAX_CHARS: usize = 64;

/// Every way a queue action is refused. German text for the clerk, stable `code()`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("Der Platz muss 1 bis 8 Zeichen lang sein (z. B. „Platz 3“) und darf keine Steuerzeichen enthalten.")]
    InvalidPlace,
    #[error("Die Dienstleistung fehlt oder ist ungültig.")]
    InvalidService,
    #[error("Diese Wartenummer wurde bereits an einem anderen Platz aufgerufen.")]
    TicketTaken,
    #[error("Diese Wartenummer wird an einem anderen Platz bearbeitet.")]
    NotYourTicket,
    #[error("Diese Wartenummer wurde bereits {max} Mal aufgerufen; bitte als nicht erschienen markieren.", max = CALL_COUNT_MAX)]
    CallLimitReached,
    #[error("Das ist im aktuellen Zustand der Wartenummer ({state}) nicht möglich.", state = .0.label_de())]
    InvalidTransition(TicketState),
    #[error("Bitte einen Platz oder eine Dienstleistung angeben, wohin weitergeleitet wird.")]
    ForwardTargetMissing,
    #[error("Eine Weiterleitung an den eigenen Platz ist nicht möglich.")]
    ForwardToSelf,
    #[error("Niemand wartet auf einen Aufruf.")]
    NobodyWaiting,
    #[error("Diese Wartenummer ist unbekannt.")]
    UnknownTicket,
    #[error("Dieser Termin ist unbekannt, abgesagt oder nicht für heute in dieser Dienststelle.")]
    UnknownBooking,
    #[error("Dieser Termin ist bereits angemeldet.")]
    AlreadyCheckedIn,
}

impl QueueError {
    pub fn code(&self) -> &'static str {
        match self {
            QueueError::InvalidPlace => "queue_invalid_place",
            QueueError::InvalidService => "queue_invalid_service",
            QueueError::TicketTaken => "queue_ticket_taken",
            QueueError::NotYourTicket => "queue_not_your_ticket",
            QueueError::CallLimitReached => "queue_call_limit",
            QueueError::InvalidTransition(_) => "queue_invalid_transition",
            QueueError::ForwardTargetMissing => "queue_forward_target_missing",
            QueueError::ForwardToSelf => "queue_forward_to_self",
            QueueError::NobodyWaiting => "queue_nobody_waiting",
            QueueError::UnknownTicket => "queue_unknown_ticket",
            QueueError::UnknownBooking => "queue_unknown_booking",
            QueueError::AlreadyCheckedIn => "queue_already_checked_in",
        }
    }

    /// Every code, for the desk's `ERROR_CODES` check.
    pub const CODES: &'static [&'static str] = &[
        "queue_invalid_place",
        "queue_invalid_service",
        "queue_ticket_taken",
        "queue_not_your_ticket",
        "queue_call_limit",
        "queue_invalid_transition",
        "queue_forward_target_missing",
        "queue_forward_to_self",
        "queue_nobody_waiting",
        "queue_unknown_ticket",
        "queue_unknown_booking",
        "queue_already_checked_in",
    ];
}

/// The desk's place as the call display shows it ("Platz 3", "Tresen"): 1–8 characters after
/// trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Place(String);

impl Place {
    pub fn parse(text: &str) -> Result<Self, QueueError> {
        let trimmed = text.trim();
        let chars = trimmed.chars().count();
        if chars == 0 || chars > PLACE_MAX_CHARS || trimmed.chars().any(char::is_control) {
            return Err(QueueError::InvalidPlace);
        }
        Ok(Place(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Place {
    type Error = QueueError;
    fn try_from(text: String) -> Result<Self, QueueError> {
        Place::parse(&text)
    }
}

impl From<Place> for String {
    fn from(place: Place) -> String {
        place.0
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A service id (the appointment service's key, e.g. `personalausweis`): 1–64 characters of
/// letters, digits, `-`, `_`, `.`.
pub fn check_service_id(id: &str) -> Result<(), QueueError> {
    let ok = !id.is_empty()
        && id.len() <= SERVICE_ID_MAX_CHARS
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(QueueError::InvalidService)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    /// A booked appointment, checked in at the front desk.
    Appointment,
    /// A customer without an appointment.
    WalkIn,
}

impl TicketKind {
    pub fn key(self) -> &'static str {
        match self {
            TicketKind::Appointment => "appointment",
            TicketKind::WalkIn => "walk_in",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        match key {
            "appointment" => Some(TicketKind::Appointment),
            "walk_in" => Some(TicketKind::WalkIn),
            _ => None,
        }
    }

    /// The letter before the number on the call display.
    pub fn prefix(self) -> char {
        match self {
            TicketKind::Appointment => 'T',
            TicketKind::WalkIn => 'W',
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// Checked in, waiting to be called (ZMS `queued`).
    Waiting,
    /// Called to a place; the customer is on the way (ZMS `called`).
    Called,
    /// At the place (ZMS `processing`).
    Serving,
    /// Put aside while the customer fetches something; resumed at a place (ZMS `parked`).
    Parked,
    /// Called `CALL_COUNT_MAX` times without appearing (ZMS `missed`); a new check-in brings it back.
    Missed,
    /// Done (ZMS `finished`).
    Finished,
}

impl TicketState {
    pub fn key(self) -> &'static str {
        match self {
            TicketState::Waiting => "waiting",
            TicketState::Called => "called",
            TicketState::Serving => "serving",
            TicketState::Parked => "parked",
            TicketState::Missed => "missed",
            TicketState::Finished => "finished",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        [
            TicketState::Waiting,
            TicketState::Called,
            TicketState::Serving,
            TicketState::Parked,
            TicketState::Missed,
            TicketState::Finished,
        ]
        .into_iter()
        .find(|state| state.key() == key)
    }

    pub fn label_de(self) -> &'static str {
        match self {
            TicketState::Waiting => "wartet",
            TicketState::Called => "aufgerufen",
            TicketState::Serving => "in Bearbeitung",
            TicketState::Parked => "geparkt",
            TicketState::Missed => "nicht erschienen",
            TicketState::Finished => "abgeschlossen",
        }
    }

    /// At a place right now: the clerk there is still busy with it.
    pub fn is_at_place(self) -> bool {
        matches!(self, TicketState::Called | TicketState::Serving)
    }
}

/// The display number: kind letter, a space, the day's number with at least three digits
/// (`T 017`, `W 012`, `W 1204`). Numbers count per office, day and kind.
pub fn display_number(kind: TicketKind, number: u32) -> String {
    format!("{} {:03}", kind.prefix(), number)
}

/// One customer in the queue. Times are unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueTicket {
    /// The day's number of its kind (0 until the central gave one to a ticket made offline).
    pub number: u32,
    pub kind: TicketKind,
    pub service_id: String,
    pub state: TicketState,
    /// Calls since the last check-in, forward or resume.
    pub call_count: u32,
    /// Where it is called or served; after a forward, the place it waits for (if one was named).
    pub place: Option<Place>,
    /// The appointment's start; `None` for a walk-in.
    pub due_at: Option<i64>,
    /// Check-in (a new check-in after `missed` starts it again).
    pub arrived_at: i64,
    pub called_at: Option<i64>,
    pub finished_at: Option<i64>,
}

impl QueueTicket {
    /// A customer checked in now: an appointment (with its start) or a walk-in.
    pub fn check_in(
        number: u32,
        kind: TicketKind,
        service_id: &str,
        due_at: Option<i64>,
        now: i64,
    ) -> Result<Self, QueueError> {
        check_service_id(service_id)?;
        let due_at = match kind {
            TicketKind::Appointment => due_at,
            TicketKind::WalkIn => None,
        };
        Ok(QueueTicket {
            number,
            kind,
            service_id: service_id.to_owned(),
            state: TicketState::Waiting,
            call_count: 0,
            place: None,
            due_at,
            arrived_at: now,
            called_at: None,
            finished_at: None,
        })
    }

    pub fn display_number(&self) -> String {
        display_number(self.kind, self.number)
    }

    /// Whether `place` may call it now: waiting, not forwarded to another place, and not inside
    /// the pause after an unanswered call.
    pub fn callable_by(&self, place: &Place, now: i64) -> bool {
        self.state == TicketState::Waiting
            && self.place.as_ref().is_none_or(|target| target == place)
            && (self.call_count == 0 || self.called_at.is_none_or(|at| now - at >= MISSED_CALL_PAUSE_SECONDS))
    }
}

/// What a clerk does with a ticket. The acting place is passed beside it to [`apply`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum QueueAction {
    /// A `missed` customer came back: waiting again, calls counted from 0.
    CheckIn,
    /// Calls a waiting ticket to the acting place.
    Call,
    /// Calls it again (same place), at most `CALL_COUNT_MAX` calls in all.
    Recall,
    /// The customer did not appear on this call: back to waiting (called again after a pause), or
    /// `missed` after `CALL_COUNT_MAX` calls.
    Missed,
    /// The customer appeared at the place.
    Serve,
    /// Put aside (customer fetches a photo, a document).
    Park,
    /// A parked customer is served again at the acting place.
    Resume,
    /// To another place and/or service: waiting again (for that place only, if one is named).
    Forward { to_place: Option<Place>, to_service_id: Option<String> },
    /// Done.
    Finish,
}

impl QueueAction {
    pub fn name(&self) -> &'static str {
        match self {
            QueueAction::CheckIn => "check_in",
            QueueAction::Call => "call",
            QueueAction::Recall => "recall",
            QueueAction::Missed => "missed",
            QueueAction::Serve => "serve",
            QueueAction::Park => "park",
            QueueAction::Resume => "resume",
            QueueAction::Forward { .. } => "forward",
            QueueAction::Finish => "finish",
        }
    }
}

/// Applies `action`, done at `place` at `now`, to `ticket`: the ticket after it, or why not.
pub fn apply(ticket: &QueueTicket, action: &QueueAction, place: &Place, now: i64) -> Result<QueueTicket, QueueError> {
    use TicketState::*;
    let mut next = ticket.clone();
    let here = ticket.place.as_ref() == Some(place);
    let refuse = || Err(QueueError::InvalidTransition(ticket.state));
    // Actions on a ticket that is at a place are for that place's clerk only.
    let own = |next: &QueueTicket| -> Result<(), QueueError> {
        if here {
            Ok(())
        } else if next.state.is_at_place() {
            Err(QueueError::NotYourTicket)
        } else {
            Err(QueueError::InvalidTransition(next.state))
        }
    };
    match action {
        QueueAction::CheckIn => {
            if ticket.state != Missed {
                return refuse();
            }
            next.state = Waiting;
            next.call_count = 0;
            next.place = None;
            next.arrived_at = now;
            next.called_at = None;
        }
        QueueAction::Call => match ticket.state {
            Waiting => {
                if ticket.place.as_ref().is_some_and(|target| target != place) {
                    return Err(QueueError::NotYourTicket);
                }
                next.state = Called;
                next.call_count = ticket.call_count.saturating_add(1);
                next.place = Some(place.clone());
                next.called_at = Some(now);
            }
            Called | Serving if !here => return Err(QueueError::TicketTaken),
            _ => return refuse(),
        },
        QueueAction::Recall => {
            own(ticket)?;
            if ticket.state != Called {
                return refuse();
            }
            if ticket.call_count >= CALL_COUNT_MAX {
                return Err(QueueError::CallLimitReached);
            }
            next.call_count += 1;
            next.called_at = Some(now);
        }
        QueueAction::Missed => {
            own(ticket)?;
            if ticket.state != Called {
                return refuse();
            }
            if ticket.call_count >= CALL_COUNT_MAX {
                next.state = Missed;
            } else {
                next.state = Waiting;
            }
            next.place = None;
        }
        QueueAction::Serve => {
            own(ticket)?;
            if ticket.state != Called {
                return refuse();
            }
            next.state = Serving;
        }
        QueueAction::Park => {
            own(ticket)?;
            if ticket.state != Serving {
                return refuse();
            }
            next.state = Parked;
        }
        QueueAction::Resume => {
            if ticket.state != Parked {
                return refuse();
            }
            next.state = Serving;
            next.place = Some(place.clone());
            next.call_count = 0;
        }
        QueueAction::Forward { to_place, to_service_id } => {
            own(ticket)?;
            if ticket.state != Serving && ticket.state != Called {
                return refuse();
            }
            if to_place.is_none() && to_service_id.is_none() {
                return Err(QueueError::ForwardTargetMissing);
            }
            if to_place.as_ref() == Some(place) {
                return Err(QueueError::ForwardToSelf);
            }
            if let Some(service) = to_service_id {
                check_service_id(service)?;
                next.service_id = service.clone();
            }
            next.state = Waiting;
            next.place = to_place.clone();
            next.call_count = 0;
            next.called_at = None;
        }
        QueueAction::Finish => {
            own(ticket)?;
            if ticket.state != Serving && ticket.state != Called {
                return refuse();
            }
            next.state = Finished;
            next.finished_at = Some(now);
        }
    }
    Ok(next)
}

/// The order in which waiting tickets are called: appointments whose time has come, by their
/// time; then walk-ins (and appointments forwarded or back after a missed call) by arrival; then
/// appointments checked in before their time, by their time. Ties by number.
fn call_rank(ticket: &QueueTicket, now: i64) -> (u8, i64, u32) {
    match ticket.due_at {
        Some(due) if due <= now => (0, due, ticket.number),
        Some(due) => (2, due, ticket.number),
        None => (1, ticket.arrived_at, ticket.number),
    }
}

/// The ticket `place` calls next (its index in `tickets`), or `None` when nobody callable waits.
/// Parked, missed, finished and called tickets are never chosen, nor tickets forwarded to
/// another place, nor a ticket within [`MISSED_CALL_PAUSE_SECONDS`] of an unanswered call.
pub fn next_to_call(tickets: &[QueueTicket], place: &Place, now: i64) -> Option<usize> {
    tickets
        .iter()
        .enumerate()
        .filter(|(_, ticket)| ticket.callable_by(place, now))
        .min_by_key(|(_, ticket)| call_rank(ticket, now))
        .map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_750_000_000;

    fn place(name: &str) -> Place {
        Place::parse(name).unwrap()
    }

    fn walk_in(number: u32, arrived_at: i64) -> QueueTicket {
        QueueTicket::check_in(number, TicketKind::WalkIn, "personalausweis", None, arrived_at).unwrap()
    }

    fn appointment(number: u32, due_at: i64, arrived_at: i64) -> QueueTicket {
        QueueTicket::check_in(number, TicketKind::Appointment, "reisepass", Some(due_at), arrived_at).unwrap()
    }

    fn step(ticket: &QueueTicket, action: QueueAction, at: &str) -> Result<QueueTicket, QueueError> {
        apply(ticket, &action, &place(at), NOW)
    }

    #[test]
    fn places_are_one_to_eight_characters() {
        assert_eq!(place(" Platz 3 ").as_str(), "Platz 3");
        assert_eq!(place("Tresen").as_str(), "Tresen");
        assert_eq!(place("Büro 12ä").as_str(), "Büro 12ä");
        for bad in ["", "   ", "Platz 123", "a\nb", "\u{7}"] {
            assert_eq!(Place::parse(bad), Err(QueueError::InvalidPlace), "{bad:?}");
        }
        assert!(Place::try_from("Platz 12345".to_owned()).is_err());
        assert_eq!(String::from(place("Platz 3")), "Platz 3");
    }

    #[test]
    fn display_numbers_carry_the_kind_and_three_digits() {
        assert_eq!(display_number(TicketKind::Appointment, 17), "T 017");
        assert_eq!(display_number(TicketKind::WalkIn, 12), "W 012");
        assert_eq!(display_number(TicketKind::WalkIn, 1204), "W 1204");
        assert_eq!(walk_in(5, NOW).display_number(), "W 005");
    }

    #[test]
    fn check_in_needs_a_service_and_forgets_a_walk_ins_time() {
        assert_eq!(
            QueueTicket::check_in(1, TicketKind::WalkIn, "", None, NOW).unwrap_err(),
            QueueError::InvalidService
        );
        assert_eq!(
            QueueTicket::check_in(1, TicketKind::WalkIn, "pass port", None, NOW).unwrap_err(),
            QueueError::InvalidService
        );
        let ticket = QueueTicket::check_in(1, TicketKind::WalkIn, "reisepass", Some(NOW), NOW).unwrap();
        assert_eq!(ticket.due_at, None);
        assert_eq!(ticket.state, TicketState::Waiting);
        assert_eq!(appointment(1, NOW + 60, NOW).due_at, Some(NOW + 60));
    }

    #[test]
    fn a_call_takes_a_waiting_ticket_to_the_place() {
        let called = step(&walk_in(1, NOW - 60), QueueAction::Call, "Platz 3").unwrap();
        assert_eq!(called.state, TicketState::Called);
        assert_eq!(called.call_count, 1);
        assert_eq!(called.place, Some(place("Platz 3")));
        assert_eq!(called.called_at, Some(NOW));
    }

    #[test]
    fn a_ticket_called_by_another_place_is_taken() {
        let called = step(&walk_in(1, NOW), QueueAction::Call, "Platz 3").unwrap();
        assert_eq!(step(&called, QueueAction::Call, "Platz 4"), Err(QueueError::TicketTaken));
        let serving = step(&called, QueueAction::Serve, "Platz 3").unwrap();
        assert_eq!(step(&serving, QueueAction::Call, "Platz 4"), Err(QueueError::TicketTaken));
        // The own place calling again is a recall, not a call.
        assert_eq!(step(&called, QueueAction::Call, "Platz 3").unwrap_err().code(), "queue_invalid_transition");
        for other in [QueueAction::Recall, QueueAction::Missed, QueueAction::Serve, QueueAction::Finish] {
            assert_eq!(step(&called, other, "Platz 4"), Err(QueueError::NotYourTicket));
        }
    }

    #[test]
    fn recalls_up_to_the_maximum_then_missed() {
        let mut ticket = step(&walk_in(1, NOW), QueueAction::Call, "Platz 3").unwrap();
        for expected in 2..=CALL_COUNT_MAX {
            ticket = step(&ticket, QueueAction::Recall, "Platz 3").unwrap();
            assert_eq!(ticket.call_count, expected);
        }
        assert_eq!(step(&ticket, QueueAction::Recall, "Platz 3"), Err(QueueError::CallLimitReached));
        let missed = step(&ticket, QueueAction::Missed, "Platz 3").unwrap();
        assert_eq!(missed.state, TicketState::Missed);
        assert_eq!(missed.place, None);
        // Missed is out of the queue until the customer checks in again.
        assert_eq!(next_to_call(std::slice::from_ref(&missed), &place("Platz 3"), NOW + 10_000), None);
        let back = step(&missed, QueueAction::CheckIn, "Tresen").unwrap();
        assert_eq!((back.state, back.call_count, back.arrived_at), (TicketState::Waiting, 0, NOW));
    }

    #[test]
    fn an_unanswered_call_below_the_maximum_waits_again_after_a_pause() {
        let called = step(&walk_in(1, NOW - 600), QueueAction::Call, "Platz 3").unwrap();
        let waiting = step(&called, QueueAction::Missed, "Platz 3").unwrap();
        assert_eq!((waiting.state, waiting.call_count), (TicketState::Waiting, 1));
        let tickets = [waiting.clone()];
        assert_eq!(next_to_call(&tickets, &place("Platz 3"), NOW + MISSED_CALL_PAUSE_SECONDS - 1), None);
        assert_eq!(next_to_call(&tickets, &place("Platz 3"), NOW + MISSED_CALL_PAUSE_SECONDS), Some(0));
        let again = apply(&waiting, &QueueAction::Call, &place("Platz 5"), NOW + 200).unwrap();
        assert_eq!(again.call_count, 2, "the calls count on");
    }

    #[test]
    fn park_and_resume_at_another_place() {
        let serving =
            step(&step(&walk_in(1, NOW), QueueAction::Call, "Platz 3").unwrap(), QueueAction::Serve, "Platz 3")
                .unwrap();
        assert_eq!(
            step(&step(&walk_in(2, NOW), QueueAction::Call, "Platz 3").unwrap(), QueueAction::Park, "Platz 3")
                .unwrap_err()
                .code(),
            "queue_invalid_transition",
            "only a customer being served is parked"
        );
        let parked = step(&serving, QueueAction::Park, "Platz 3").unwrap();
        assert_eq!(parked.state, TicketState::Parked);
        assert_eq!(next_to_call(std::slice::from_ref(&parked), &place("Platz 3"), NOW), None);
        let resumed = step(&parked, QueueAction::Resume, "Platz 4").unwrap();
        assert_eq!((resumed.state, resumed.place.clone()), (TicketState::Serving, Some(place("Platz 4"))));
        assert_eq!(step(&serving, QueueAction::Resume, "Platz 3").unwrap_err().code(), "queue_invalid_transition");
    }

    #[test]
    fn forward_to_a_place_or_service() {
        let serving =
            step(&step(&walk_in(1, NOW), QueueAction::Call, "Platz 3").unwrap(), QueueAction::Serve, "Platz 3")
                .unwrap();
        let none = QueueAction::Forward { to_place: None, to_service_id: None };
        assert_eq!(step(&serving, none, "Platz 3"), Err(QueueError::ForwardTargetMissing));
        let to_self = QueueAction::Forward { to_place: Some(place("Platz 3")), to_service_id: None };
        assert_eq!(step(&serving, to_self, "Platz 3"), Err(QueueError::ForwardToSelf));
        let bad_service = QueueAction::Forward { to_place: None, to_service_id: Some("a b".into()) };
        assert_eq!(step(&serving, bad_service, "Platz 3"), Err(QueueError::InvalidService));

        let to_7 = QueueAction::Forward { to_place: Some(place("Platz 7")), to_service_id: None };
        let forwarded = step(&serving, to_7, "Platz 3").unwrap();
        assert_eq!((forwarded.state, forwarded.call_count), (TicketState::Waiting, 0));
        let tickets = [forwarded.clone()];
        assert_eq!(next_to_call(&tickets, &place("Platz 3"), NOW), None, "waits for Platz 7 only");
        assert_eq!(next_to_call(&tickets, &place("Platz 7"), NOW), Some(0));
        assert_eq!(step(&forwarded, QueueAction::Call, "Platz 3"), Err(QueueError::NotYourTicket));
        assert!(step(&forwarded, QueueAction::Call, "Platz 7").is_ok());

        let to_service = QueueAction::Forward { to_place: None, to_service_id: Some("meldebescheinigung".into()) };
        let elsewhere = step(&serving, to_service, "Platz 3").unwrap();
        assert_eq!((elsewhere.service_id.as_str(), elsewhere.place.clone()), ("meldebescheinigung", None));
        assert_eq!(next_to_call(&[elsewhere], &place("Platz 3"), NOW), Some(0));
    }

    #[test]
    fn finish_from_serving_or_called_and_then_nothing() {
        let called = step(&walk_in(1, NOW), QueueAction::Call, "Platz 3").unwrap();
        let finished = step(&called, QueueAction::Finish, "Platz 3").unwrap();
        assert_eq!((finished.state, finished.finished_at), (TicketState::Finished, Some(NOW)));
        let serving = step(&called, QueueAction::Serve, "Platz 3").unwrap();
        assert_eq!(step(&serving, QueueAction::Finish, "Platz 3").unwrap().state, TicketState::Finished);
        for action in [
            QueueAction::Call,
            QueueAction::Recall,
            QueueAction::Park,
            QueueAction::Resume,
            QueueAction::Finish,
            QueueAction::CheckIn,
        ] {
            assert!(step(&finished, action, "Platz 3").is_err());
        }
        assert_eq!(
            step(&walk_in(2, NOW), QueueAction::Finish, "Platz 3").unwrap_err().code(),
            "queue_invalid_transition"
        );
        assert_eq!(
            step(&walk_in(2, NOW), QueueAction::CheckIn, "Platz 3").unwrap_err().code(),
            "queue_invalid_transition"
        );
    }

    #[test]
    fn due_appointments_first_then_walk_ins_then_early_appointments() {
        let tickets = vec![
            walk_in(1, NOW - 900),
            appointment(1, NOW + 600, NOW - 1200), // early
            walk_in(2, NOW - 1000),
            appointment(2, NOW - 60, NOW - 30),
            appointment(3, NOW - 300, NOW - 10),
        ];
        let at = place("Platz 1");
        let mut order = Vec::new();
        let mut left = tickets.clone();
        while let Some(index) = next_to_call(&left, &at, NOW) {
            order.push(left.remove(index).display_number());
        }
        assert_eq!(order, ["T 003", "T 002", "W 002", "W 001", "T 001"]);
        // At its time, the early appointment goes before the walk-ins.
        assert_eq!(next_to_call(&tickets[..3], &at, NOW), Some(2));
        assert_eq!(next_to_call(&tickets[..3], &at, NOW + 600), Some(1));
    }

    #[test]
    fn nobody_callable_gives_none() {
        let at = place("Platz 1");
        assert_eq!(next_to_call(&[], &at, NOW), None);
        let called = step(&walk_in(1, NOW), QueueAction::Call, "Platz 2").unwrap();
        assert_eq!(next_to_call(&[called], &at, NOW), None);
        assert_eq!(next_to_call(&[walk_in(2, NOW)], &at, NOW), Some(0));
    }

    #[test]
    fn codes_are_listed_and_prefixed() {
        let all = [
            QueueError::InvalidPlace,
            QueueError::InvalidService,
            QueueError::TicketTaken,
            QueueError::NotYourTicket,
            QueueError::CallLimitReached,
            QueueError::InvalidTransition(TicketState::Waiting),
            QueueError::ForwardTargetMissing,
            QueueError::ForwardToSelf,
            QueueError::NobodyWaiting,
            QueueError::UnknownTicket,
            QueueError::UnknownBooking,
            QueueError::AlreadyCheckedIn,
        ];
        assert_eq!(all.len(), QueueError::CODES.len());
        for error in all {
            assert!(error.code().starts_with("queue_"));
            assert!(QueueError::CODES.contains(&error.code()), "{}", error.code());
            assert!(!error.to_string().is_empty());
        }
        assert!(QueueError::InvalidTransition(TicketState::Parked).to_string().contains("geparkt"));
        for state in ["waiting", "called", "serving", "parked", "missed", "finished"] {
            assert_eq!(TicketState::parse(state).unwrap().key(), state);
        }
        assert_eq!(TicketKind::parse("walk_in"), Some(TicketKind::WalkIn));
        assert_eq!(TicketKind::parse("x"), None);
    }

    fn any_action() -> impl Strategy<Value = (QueueAction, usize)> {
        let action = prop_oneof![
            Just(QueueAction::CheckIn),
            Just(QueueAction::Call),
            Just(QueueAction::Recall),
            Just(QueueAction::Missed),
            Just(QueueAction::Serve),
            Just(QueueAction::Park),
            Just(QueueAction::Resume),
            Just(QueueAction::Finish),
            (0usize..3, proptest::bool::ANY).prop_map(|(to, service)| QueueAction::Forward {
                to_place: (to < 2).then(|| place(["Platz 1", "Platz 2"][to])),
                to_service_id: service.then(|| "reisepass".to_owned()),
            }),
        ];
        (action, 0usize..2)
    }

    proptest! {
        /// Whatever the clerks of two places do in whatever order: the call count never passes the
        /// maximum, a ticket at a place always names it, a finished ticket stays finished, only the
        /// place holding a ticket moves it on (except resume and check-in), and a refused action
        /// leaves the ticket as it was (apply is pure).
        #[test]
        fn any_sequence_keeps_the_invariants(actions in proptest::collection::vec(any_action(), 0..40)) {
            let places = [place("Platz 1"), place("Platz 2")];
            let mut ticket = walk_in(1, NOW);
            let mut now = NOW;
            for (action, who) in actions {
                now += 150;
                let before = ticket.clone();
                match apply(&ticket, &action, &places[who], now) {
                    Ok(next) => {
                        prop_assert!(before.state != TicketState::Finished);
                        if before.state.is_at_place() && !matches!(action, QueueAction::Call) {
                            prop_assert_eq!(before.place.as_ref(), Some(&places[who]));
                        }
                        if next.state == TicketState::Finished {
                            prop_assert_eq!(next.finished_at, Some(now));
                        }
                        ticket = next;
                    }
                    Err(error) => {
                        prop_assert!(error.code().starts_with("queue_"));
                        prop_assert_eq!(&ticket, &before);
                    }
                }
                prop_assert!(ticket.call_count <= CALL_COUNT_MAX);
                if ticket.state.is_at_place() {
                    prop_assert!(ticket.place.is_some());
                }
                if ticket.state == TicketState::Missed {
                    prop_assert_eq!(ticket.call_count, CALL_COUNT_MAX);
                }
            }
        }

        /// The chosen ticket is callable and none callable ranks before it.
        #[test]
        fn next_to_call_picks_the_first_callable(
            specs in proptest::collection::vec((proptest::bool::ANY, -2000i64..2000, 0i64..3000, 0usize..6), 0..12)
        ) {
            let at = place("Platz 1");
            let states = [TicketState::Waiting, TicketState::Called, TicketState::Serving, TicketState::Parked, TicketState::Missed, TicketState::Finished];
            let tickets: Vec<QueueTicket> = specs.iter().enumerate().map(|(i, (appt, due, arrived, state))| {
                let mut ticket = if *appt { appointment(i as u32, NOW + due, NOW - arrived) } else { walk_in(i as u32, NOW - arrived) };
                ticket.state = states[*state];
                if ticket.state.is_at_place() { ticket.place = Some(place("Platz 2")); }
                ticket
            }).collect();
            match next_to_call(&tickets, &at, NOW) {
                None => prop_assert!(tickets.iter().all(|t| !t.callable_by(&at, NOW))),
                Some(index) => {
                    let chosen = &tickets[index];
                    prop_assert_eq!(chosen.state, TicketState::Waiting);
                    prop_assert!(apply(chosen, &QueueAction::Call, &at, NOW).is_ok());
                    for other in tickets.iter().filter(|t| t.callable_by(&at, NOW)) {
                        prop_assert!(call_rank(chosen, NOW) <= call_rank(other, NOW));
                    }
                }
            }
        }
    }
}
