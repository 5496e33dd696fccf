//! The time source. Expiry checks and cache ages read it instead of the system clock, so tests
//! move time forward instead of sleeping (STYLE.md rule 6).

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where the validator gets "now" from.
pub trait Clock: Debug + Send + Sync {
    fn now(&self) -> SystemTime;
}

/// The system's wall clock; the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told to; for tests of expiry and cache refresh.
#[derive(Debug)]
pub struct ManualClock {
    millis_since_epoch: AtomicU64,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: SystemTime) -> Self {
        Self {
            millis_since_epoch: AtomicU64::new(millis(start)),
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.millis_since_epoch.fetch_add(by, Ordering::SeqCst);
    }

    /// Sets the clock to `to`.
    pub fn set(&self, to: SystemTime) {
        self.millis_since_epoch.store(millis(to), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.millis_since_epoch.load(Ordering::SeqCst))
    }
}

fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Seconds since the Unix epoch, the unit of JWT `NumericDate` (RFC 7519 §2).
pub(crate) fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}
