//! Which fingers the desk asks for, and what it records per hand (domain.md §2.4: flat prints of the
//! left and right index finger; instead thumb, middle or ring finger; none if medically impossible;
//! none under 6). Whether prints are taken at all is `schalter_application::rules::fingerprints`.

use schalter_application::rules::Fingerprints;
use serde::{Deserialize, Serialize};

use super::{Digit, Finger, FingerCapture, Hand};
use crate::DeviceError;

/// Per hand: the index finger first, then the substitutes in the order §2.4 names them.
pub const FINGER_ORDER: [Digit; 4] = [Digit::Index, Digit::Thumb, Digit::Middle, Digit::Ring];

const HANDS: [Hand; 2] = [Hand::Left, Hand::Right];

/// What the desk must ask for one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "plan", rename_all = "snake_case")]
pub enum FingerprintPlan {
    /// No prints: under 6, or a document without a chip (`because` says which).
    NotRequired { because: Fingerprints },
    /// One flat print per hand, left hand first; per hand the fingers in the order to try.
    Capture { left: [Finger; 4], right: [Finger; 4] },
}

/// The plan for what the rules derived. The age is already in `Fingerprints` (`rules::derive` computes
/// it from the birth date, conservatively for a partial one), so it is not asked for again here.
pub fn fingerprint_plan(rule: Fingerprints) -> FingerprintPlan {
    match rule {
        Fingerprints::Required => FingerprintPlan::Capture {
            left: FINGER_ORDER.map(|d| Finger::of(Hand::Left, d)),
            right: FINGER_ORDER.map(|d| Finger::of(Hand::Right, d)),
        },
        Fingerprints::NotUnder6 | Fingerprints::NoChip => FingerprintPlan::NotRequired { because: rule },
    }
}

impl FingerprintPlan {
    /// The fingers to try for `hand`, in order; empty when no prints are required.
    pub fn fingers(&self, hand: Hand) -> &[Finger] {
        match self {
            FingerprintPlan::NotRequired { .. } => &[],
            FingerprintPlan::Capture { left, .. } if hand == Hand::Left => left,
            FingerprintPlan::Capture { right, .. } => right,
        }
    }

    pub fn start(self) -> FingerprintProgress {
        FingerprintProgress::new(self)
    }
}

/// What is recorded for one hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FingerprintOutcome {
    Captured {
        finger: Finger,
        quality: u8,
    },
    /// Medically impossible, recorded by the clerk's confirmation ([`FingerprintProgress::confirm_not_possible`]).
    NotPossible,
    /// Under 6 or no chip.
    NotRequired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FingerprintOutcomes {
    pub left: FingerprintOutcome,
    pub right: FingerprintOutcome,
}

/// What the desk does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum NextStep {
    /// Ask the applicant for this finger and hand the result to [`FingerprintProgress::record`].
    Capture {
        finger: Finger,
    },
    /// Every finger of this hand was not possible: the clerk confirms that prints of this hand are
    /// medically impossible.
    ConfirmNotPossible {
        hand: Hand,
    },
    Done {
        outcomes: FingerprintOutcomes,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HandState {
    /// Asking for `FINGER_ORDER[i]`.
    Asking(usize),
    /// All four fingers were not possible; waiting for the clerk's confirmation.
    Exhausted,
    Settled(FingerprintOutcome),
}

/// The plan worked through: per hand the finger asked now, and in the end one outcome per hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerprintProgress {
    left: HandState,
    right: HandState,
}

impl FingerprintProgress {
    pub fn new(plan: FingerprintPlan) -> Self {
        let start = match plan {
            FingerprintPlan::NotRequired { .. } => HandState::Settled(FingerprintOutcome::NotRequired),
            FingerprintPlan::Capture { .. } => HandState::Asking(0),
        };
        FingerprintProgress { left: start, right: start }
    }

    fn state(&self, hand: Hand) -> HandState {
        match hand {
            Hand::Left => self.left,
            Hand::Right => self.right,
        }
    }

    fn set(&mut self, hand: Hand, state: HandState) {
        match hand {
            Hand::Left => self.left = state,
            Hand::Right => self.right = state,
        }
    }

    /// The finger asked for `hand` now, if that hand is still open.
    pub fn asked(&self, hand: Hand) -> Option<Finger> {
        match self.state(hand) {
            HandState::Asking(i) => Some(Finger::of(hand, FINGER_ORDER[i])),
            _ => None,
        }
    }

    /// The left hand until it is settled, then the right one.
    pub fn next_step(&self) -> NextStep {
        for hand in HANDS {
            match self.state(hand) {
                HandState::Asking(_) => return NextStep::Capture { finger: self.asked(hand).expect("asking") },
                HandState::Exhausted => return NextStep::ConfirmNotPossible { hand },
                HandState::Settled(_) => {}
            }
        }
        NextStep::Done { outcomes: self.outcomes().expect("both hands settled") }
    }

    /// Records what the reader gave for `finger`. `Captured` settles the hand; `NotPossible` moves on to
    /// the next substitute (after the ring finger the clerk is asked to confirm). A new capture of the
    /// finger already captured replaces it (a second try for a better quality). Anything else — a finger
    /// not asked, a hand already settled — is `device_finger_unexpected` and changes nothing.
    pub fn record(&mut self, finger: Finger, capture: &FingerCapture) -> Result<(), DeviceError> {
        let hand = finger.hand();
        let unexpected = |reason: String| Err(DeviceError::FingerUnexpected { reason });
        match (self.state(hand), capture) {
            (HandState::Asking(i), _) if FINGER_ORDER[i] != finger.digit() => {
                unexpected(format!("{} is asked, not {}", Finger::of(hand, FINGER_ORDER[i]).key(), finger.key()))
            }
            (HandState::Asking(_), FingerCapture::Captured { quality, .. }) => {
                self.set(hand, HandState::Settled(FingerprintOutcome::Captured { finger, quality: *quality }));
                Ok(())
            }
            (HandState::Asking(i), FingerCapture::NotPossible) => {
                self.set(
                    hand,
                    if i + 1 < FINGER_ORDER.len() { HandState::Asking(i + 1) } else { HandState::Exhausted },
                );
                Ok(())
            }
            (
                HandState::Settled(FingerprintOutcome::Captured { finger: done, .. }),
                FingerCapture::Captured { quality, .. },
            ) if done == finger => {
                self.set(hand, HandState::Settled(FingerprintOutcome::Captured { finger, quality: *quality }));
                Ok(())
            }
            (HandState::Exhausted, _) => unexpected(format!("no finger of the {hand:?} hand was possible; confirm")),
            (HandState::Settled(outcome), _) => unexpected(format!("{hand:?} hand already recorded as {outcome:?}")),
        }
    }

    /// The clerk confirms that prints of `hand` are medically impossible — after every finger was not
    /// possible, or at once when the clerk sees it (a hand in a cast, no fingers). Not for a hand
    /// already captured or not required.
    pub fn confirm_not_possible(&mut self, hand: Hand) -> Result<(), DeviceError> {
        match self.state(hand) {
            HandState::Asking(_) | HandState::Exhausted => {
                self.set(hand, HandState::Settled(FingerprintOutcome::NotPossible));
                Ok(())
            }
            HandState::Settled(outcome) => {
                Err(DeviceError::FingerUnexpected { reason: format!("{hand:?} hand already recorded as {outcome:?}") })
            }
        }
    }

    pub fn outcome(&self, hand: Hand) -> Option<FingerprintOutcome> {
        match self.state(hand) {
            HandState::Settled(outcome) => Some(outcome),
            _ => None,
        }
    }

    /// Both hands' outcomes once both are settled.
    pub fn outcomes(&self) -> Option<FingerprintOutcomes> {
        Some(FingerprintOutcomes { left: self.outcome(Hand::Left)?, right: self.outcome(Hand::Right)? })
    }
}
