/// When a clerk's session ends. A counter desk is left unattended for a moment often
/// enough that sessions must lapse after a short idle time; a shift still should not need
/// more than one password entry per idle period. Times are Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle_seconds: i64,
    pub absolute_seconds: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle_seconds: 30 * 60, absolute_seconds: 10 * 60 * 60 }
    }
}

impl SessionPolicy {
    /// Expiry of a session created at `created_at`, last used at `used_at`.
    pub fn expires_at(&self, created_at: i64, used_at: i64) -> i64 {
        (used_at + self.idle_seconds).min(self.absolute_expires_at(created_at))
    }

    pub fn absolute_expires_at(&self, created_at: i64) -> i64 {
        created_at + self.absolute_seconds
    }

    pub fn is_live(&self, expires_at: i64, now: i64) -> bool {
        now < expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_extends_the_session_up_to_the_absolute_limit() {
        let policy = SessionPolicy { idle_seconds: 100, absolute_seconds: 250 };
        assert_eq!(policy.expires_at(0, 0), 100);
        assert_eq!(policy.expires_at(0, 90), 190);
        assert_eq!(policy.expires_at(0, 200), 250);
        assert!(policy.is_live(100, 99));
        assert!(!policy.is_live(100, 100));
    }
}

/// How repeated wrong passwords lock an account for a while: slows guessing at an
/// unattended desk without needing an administrator for an ordinary typo streak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    pub max_failures: i64,
    pub lock_seconds: i64,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self { max_failures: 5, lock_seconds: 5 * 60 }
    }
}

impl LoginThrottle {
    /// What to do with an attempt that has already been counted: `reserved` is the attempt's
    /// number since the last success or lapsed lock, counted atomically *before* the password
    /// is checked, so parallel attempts cannot all see the same old count. Only the first
    /// `max_failures` are checked; the one that reaches the limit locks if it fails.
    pub fn verdict(&self, reserved: i64) -> AttemptVerdict {
        if reserved > self.max_failures {
            AttemptVerdict::Refuse
        } else {
            AttemptVerdict::Evaluate { locks_on_failure: reserved >= self.max_failures }
        }
    }
}

/// The answer to a counted login attempt, see [`LoginThrottle::verdict`] and [`DeskThrottle::verdict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptVerdict {
    /// Check the password; if it is wrong and `locks_on_failure`, the answer is "locked".
    Evaluate { locks_on_failure: bool },
    /// Do not check the password at all: the limit is already spent.
    Refuse,
}

/// How many failed logins one desk (one client certificate) may make, across all user
/// names, before it has to wait: stops a desk from spraying guesses over many accounts,
/// which the per-account lock alone cannot see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeskThrottle {
    pub max_failures: i64,
    /// Length of the window that starts with a desk's first failure.
    pub window_seconds: i64,
}

impl Default for DeskThrottle {
    fn default() -> Self {
        Self { max_failures: 20, window_seconds: 5 * 60 }
    }
}

impl DeskThrottle {
    /// `reserved`: the attempt's number in the current window, counted before the check.
    pub fn verdict(&self, reserved: i64) -> AttemptVerdict {
        if reserved > self.max_failures {
            AttemptVerdict::Refuse
        } else {
            AttemptVerdict::Evaluate { locks_on_failure: false }
        }
    }
}

#[cfg(test)]
mod throttle_tests {
    use super::*;

    #[test]
    fn only_the_first_reserved_attempts_are_checked_and_the_last_of_them_locks() {
        let throttle = LoginThrottle { max_failures: 5, lock_seconds: 60 };
        for reserved in 1..5 {
            assert_eq!(throttle.verdict(reserved), AttemptVerdict::Evaluate { locks_on_failure: false });
        }
        assert_eq!(throttle.verdict(5), AttemptVerdict::Evaluate { locks_on_failure: true });
        assert_eq!(throttle.verdict(6), AttemptVerdict::Refuse);
        assert_eq!(throttle.verdict(40), AttemptVerdict::Refuse);
    }

    #[test]
    fn a_desk_gets_twenty_failures_per_window() {
        let desk = DeskThrottle::default();
        assert_eq!(desk.verdict(20), AttemptVerdict::Evaluate { locks_on_failure: false });
        assert_eq!(desk.verdict(21), AttemptVerdict::Refuse);
    }
}
