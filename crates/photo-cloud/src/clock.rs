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

    pub fn advance(&self, seconds: i64) {
        if let Clock::Manual(at) = self {
            at.fetch_add(seconds, Ordering::SeqCst);
        }
    }
}
