//! The engine's notion of time: now (for the store's timestamps) and sleeping (for backoff). A manual clock lets
//! tests check backoff without waiting.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;

pub type Sleep<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
    fn sleep(&self, duration: Duration) -> Sleep<'_>;
}

/// The wall clock and tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    fn sleep(&self, duration: Duration) -> Sleep<'_> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that moves only when told, or when someone sleeps on it (the sleep returns at once and moves the
/// clock by its duration). Records every sleep, so tests can assert the backoff.
#[derive(Debug, Clone)]
pub struct ManualClock {
    inner: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    now: OffsetDateTime,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        Self { inner: Arc::new(Mutex::new(ManualState { now: start, sleeps: Vec::new() })) }
    }

    pub fn advance(&self, by: Duration) {
        self.inner.lock().expect("clock lock").now += by;
    }

    /// Every sleep so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.inner.lock().expect("clock lock").sleeps.clone()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        self.inner.lock().expect("clock lock").now
    }

    fn sleep(&self, duration: Duration) -> Sleep<'_> {
        {
            let mut state = self.inner.lock().expect("clock lock");
            state.now += duration;
            state.sleeps.push(duration);
        }
        Box::pin(std::future::ready(()))
    }
}
