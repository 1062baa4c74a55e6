use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The time source, in Unix seconds. Tests move a manual clock to cross expiry limits
/// instead of sleeping.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn manual(start: i64) -> Self {
        Clock::Manual(Arc::new(AtomicI64::new(start)))
    }

    pub fn now(&self) -> i64 {
        match self {
            Clock::System => time::OffsetDateTime::now_utc().unix_timestamp(),
            Clock::Manual(at) => at.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock on; the system clock cannot be moved and ignores this.
    pub fn advance(&self, seconds: i64) {
        if let Clock::Manual(at) = self {
            at.fetch_add(seconds, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let clock = Clock::manual(1000);
        let shared = clock.clone();
        clock.advance(5);
        assert_eq!(shared.now(), 1005);
        Clock::System.advance(1_000_000);
        assert!(Clock::System.now() < 1005 + 10_000_000_000);
    }
}
