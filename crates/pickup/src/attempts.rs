//! Guessing limits: at most [`MAX_WRONG_PINS`] wrong answers per pickup, then locked until a
//! supervisor clears it; and a token bucket per terminal that the central holds.

use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::PickupError;

/// Wrong answers a pickup takes before it locks (issue 10).
pub const MAX_WRONG_PINS: u8 = 3;

/// The wrong answers counted against one pickup over its whole life in the box: a correct PIN does
/// not reset the count ("at most 3 wrong PINs per pickup"), only a supervisor does. A wrong birth
/// date counts too (see [`crate::PickupFlow`]): it is a secret a guesser could try as well. Stored
/// by the central as a small number (serde: the count).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Attempts {
    wrong: u8,
}

/// What a wrong answer left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "lock")]
pub enum LockState {
    /// Still usable; `remaining` more wrong answers lock it.
    Open { remaining: u8 },
    /// Locked: no PIN opens it until a supervisor clears it.
    Locked,
}

impl Attempts {
    pub const fn new() -> Self {
        Self { wrong: 0 }
    }

    /// A count as stored; above [`MAX_WRONG_PINS`] it cannot have been written by this crate.
    pub fn from_count(wrong: u8) -> Result<Self, PickupError> {
        if wrong <= MAX_WRONG_PINS {
            Ok(Self { wrong })
        } else {
            Err(PickupError::InvalidAttempts { max: MAX_WRONG_PINS })
        }
    }

    pub fn count(self) -> u8 {
        self.wrong
    }

    pub fn is_locked(self) -> bool {
        self.wrong >= MAX_WRONG_PINS
    }

    pub fn state(self) -> LockState {
        if self.is_locked() {
            LockState::Locked
        } else {
            LockState::Open { remaining: MAX_WRONG_PINS - self.wrong }
        }
    }

    /// One more wrong answer. On a locked pickup nothing changes (it stays locked).
    pub fn record_wrong(self) -> (Attempts, LockState) {
        let next = Self { wrong: (self.wrong + 1).min(MAX_WRONG_PINS) };
        (next, next.state())
    }

    /// A supervisor (the central checks the role) has looked at the pickup and unlocks it: the count
    /// starts again from zero. The PIN stays the same.
    pub fn clear_by_supervisor(self) -> Attempts {
        Self::new()
    }
}

impl TryFrom<u8> for Attempts {
    type Error = PickupError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::from_count(value)
    }
}

impl From<Attempts> for u8 {
    fn from(value: Attempts) -> Self {
        value.wrong
    }
}

/// A token bucket per terminal: `per_minute` attempts at once, refilled by one every
/// `60 s / per_minute`. The central keeps one per box terminal and takes a token for every phone
/// number and every PIN the terminal sends, known number or not, so one terminal cannot try numbers
/// or PINs faster than that. Pure: every call takes `now`; a clock that goes back refills nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalRateLimit {
    capacity: u32,
    available: u32,
    /// Up to when the refill has been counted.
    refilled_at: OffsetDateTime,
}

impl TerminalRateLimit {
    /// Our choice: a citizen needs two or three inputs a minute; ten leaves room for typing errors.
    pub const DEFAULT_PER_MINUTE: NonZeroU32 = NonZeroU32::new(10).expect("10 is not zero");

    /// A full bucket at `now`.
    pub fn new(per_minute: NonZeroU32, now: OffsetDateTime) -> Self {
        Self { capacity: per_minute.get(), available: per_minute.get(), refilled_at: now }
    }

    /// A bucket as stored: `available` tokens counted up to `refilled_at` (more than the capacity
    /// is cut to it, so a lowered limit takes effect at once).
    pub fn restore(per_minute: NonZeroU32, available: u32, refilled_at: OffsetDateTime) -> Self {
        Self { capacity: per_minute.get(), available: available.min(per_minute.get()), refilled_at }
    }

    /// What to store: the tokens left and up to when the refill has been counted.
    pub fn stored(&self) -> (u32, OffsetDateTime) {
        (self.available, self.refilled_at)
    }

    /// The time one token takes to come back.
    pub fn interval(&self) -> Duration {
        Duration::MINUTE / self.capacity
    }

    fn refill(&mut self, now: OffsetDateTime) {
        let elapsed = now - self.refilled_at;
        if elapsed <= Duration::ZERO {
            return;
        }
        let interval = self.interval().whole_nanoseconds().max(1);
        let whole = elapsed.whole_nanoseconds() / interval;
        let room = u128::from(self.capacity - self.available);
        if (whole as u128) >= room {
            self.available = self.capacity;
            self.refilled_at = now;
        } else {
            self.available += whole as u32;
            self.refilled_at += Duration::nanoseconds((whole * interval) as i64);
        }
    }

    /// Tokens left at `now`.
    pub fn available(&mut self, now: OffsetDateTime) -> u32 {
        self.refill(now);
        self.available
    }

    /// Takes one token, or says how long until the next one.
    pub fn try_acquire(&mut self, now: OffsetDateTime) -> Result<(), PickupError> {
        self.refill(now);
        if self.available > 0 {
            self.available -= 1;
            return Ok(());
        }
        let wait = self.interval() - (now - self.refilled_at).max(Duration::ZERO);
        let seconds = wait.whole_seconds() + i64::from(wait.subsec_nanoseconds() > 0);
        Err(PickupError::TerminalRateLimited { retry_after_seconds: seconds.max(1) as u64 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn a_stored_bucket_goes_on_where_it_stopped() {
        let per_minute = NonZeroU32::new(2).unwrap();
        let start = datetime!(2026-12-01 10:00 UTC);
        let mut limit = TerminalRateLimit::new(per_minute, start);
        limit.try_acquire(start).unwrap();
        limit.try_acquire(start).unwrap();
        let (available, refilled_at) = limit.stored();
        let mut restored = TerminalRateLimit::restore(per_minute, available, refilled_at);
        assert!(restored.try_acquire(start).is_err(), "the stored bucket is empty");
        restored.try_acquire(start + Duration::seconds(30)).unwrap();
        // A bucket stored under a higher limit is cut to the new one.
        assert_eq!(TerminalRateLimit::restore(per_minute, 50, start).available(start), 2);
    }

    #[test]
    fn three_wrong_answers_lock_until_a_supervisor_clears() {
        let attempts = Attempts::new();
        assert_eq!(attempts.state(), LockState::Open { remaining: 3 });
        let (attempts, state) = attempts.record_wrong();
        assert_eq!(state, LockState::Open { remaining: 2 });
        let (attempts, state) = attempts.record_wrong();
        assert_eq!(state, LockState::Open { remaining: 1 });
        let (attempts, state) = attempts.record_wrong();
        assert_eq!(state, LockState::Locked);
        assert!(attempts.is_locked());
        let (attempts, state) = attempts.record_wrong();
        assert_eq!((attempts.count(), state), (3, LockState::Locked), "saturates");
        let cleared = attempts.clear_by_supervisor();
        assert_eq!(cleared, Attempts::new());
        assert!(!cleared.is_locked());
    }

    #[test]
    fn stored_counts_round_trip_and_impossible_ones_are_refused() {
        for count in 0..=3 {
            let attempts = Attempts::from_count(count).unwrap();
            assert_eq!(serde_json::to_value(attempts).unwrap(), serde_json::json!(count));
            assert_eq!(serde_json::from_value::<Attempts>(serde_json::json!(count)).unwrap(), attempts);
        }
        assert_eq!(Attempts::from_count(4).unwrap_err().code(), "pickup_invalid_attempts");
        assert!(serde_json::from_value::<Attempts>(serde_json::json!(4)).is_err());
    }

    #[test]
    fn the_bucket_allows_a_burst_then_one_per_interval() {
        let start = datetime!(2026-05-04 08:00 UTC);
        let mut limit = TerminalRateLimit::new(NonZeroU32::new(6).unwrap(), start);
        assert_eq!(limit.interval(), Duration::seconds(10));
        for _ in 0..6 {
            assert_eq!(limit.try_acquire(start), Ok(()));
        }
        assert_eq!(limit.try_acquire(start), Err(PickupError::TerminalRateLimited { retry_after_seconds: 10 }));
        assert_eq!(
            limit.try_acquire(start + Duration::seconds(3)),
            Err(PickupError::TerminalRateLimited { retry_after_seconds: 7 })
        );
        assert_eq!(
            limit.try_acquire(start + Duration::milliseconds(9_500)),
            Err(PickupError::TerminalRateLimited { retry_after_seconds: 1 })
        );
        assert_eq!(limit.try_acquire(start + Duration::seconds(10)), Ok(()));
        assert_eq!(limit.available(start + Duration::seconds(10)), 0);
        // Refills count from the last one, not from the last call: the next comes at 20 s.
        assert_eq!(limit.available(start + Duration::seconds(19)), 0);
        assert_eq!(limit.available(start + Duration::seconds(20)), 1);
        // A long pause fills the bucket, never beyond its size.
        assert_eq!(limit.available(start + Duration::hours(3)), 6);
        // A clock that jumps back refills nothing and does not panic.
        assert_eq!(limit.try_acquire(start), Ok(()));
        assert_eq!(limit.available(start - Duration::hours(1)), 5);
        assert_eq!(TerminalRateLimit::DEFAULT_PER_MINUTE.get(), 10);
    }

    proptest! {
        /// Over any stretch of time, at most the bucket plus one token per interval is granted, and
        /// a caller who waits an interval between calls is never refused.
        #[test]
        fn never_more_than_the_bucket_plus_the_refill(
            per_minute in 1u32..=30,
            gaps_ms in proptest::collection::vec(0i64..20_000, 1..200),
        ) {
            let start = datetime!(2026-05-04 08:00 UTC);
            let mut limit = TerminalRateLimit::new(NonZeroU32::new(per_minute).unwrap(), start);
            let interval = limit.interval();
            let mut now = start;
            let mut granted = 0i64;
            for gap in gaps_ms {
                now += Duration::milliseconds(gap);
                if limit.try_acquire(now).is_ok() {
                    granted += 1;
                }
                let refills = ((now - start).whole_nanoseconds() / interval.whole_nanoseconds()) as i64;
                prop_assert!(granted <= i64::from(per_minute) + refills);
            }
            let mut patient = TerminalRateLimit::new(NonZeroU32::new(per_minute).unwrap(), start);
            for step in 0..50 {
                prop_assert!(patient.try_acquire(start + interval * step).is_ok());
            }
        }
    }
}
