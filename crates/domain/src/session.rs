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
    /// The failure count and lock after one more failure.
    pub fn after_failure(&self, failures_before: i64, now: i64) -> (i64, Option<i64>) {
        let failures = failures_before + 1;
        if failures >= self.max_failures {
            (0, Some(now + self.lock_seconds))
        } else {
            (failures, None)
        }
    }

    pub fn is_locked(&self, locked_until: Option<i64>, now: i64) -> bool {
        locked_until.is_some_and(|until| now < until)
    }
}

#[cfg(test)]
mod throttle_tests {
    use super::*;

    #[test]
    fn the_fifth_failure_locks_and_the_lock_lapses() {
        let throttle = LoginThrottle { max_failures: 5, lock_seconds: 60 };
        let mut failures = 0;
        for _ in 0..4 {
            let (next, lock) = throttle.after_failure(failures, 1000);
            assert_eq!(lock, None);
            failures = next;
        }
        let (after, lock) = throttle.after_failure(failures, 1000);
        assert_eq!((after, lock), (0, Some(1060)));
        assert!(throttle.is_locked(lock, 1059));
        assert!(!throttle.is_locked(lock, 1060));
    }
}
