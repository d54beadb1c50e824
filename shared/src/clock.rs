//! The one place the system reads the time. Everything that needs "now" or "today" (China time)
//! asks a [`Clock`] it was given: the real one in production, a shifted one in tests, so a test
//! runs on the day it names whatever day it is run on — Monday 00:30, the 3rd at 23:59, New
//! Year's Eve.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::china_date;

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> DateTime<Utc>;

    /// Now, in milliseconds since the epoch.
    fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }

    /// Today in China (UTC+8).
    fn today(&self) -> NaiveDate {
        china_date(self.now())
    }
}

/// A clock shared by everything that needs one.
pub type SharedClock = Arc<dyn Clock>;

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // The one place the time is read.
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system's clock shifted by a settable offset: it runs at the real pace from whatever
/// instant it was set to, so timeouts and clocks that must move still move. Clones share the
/// offset; another process can follow it from [`offset_ms`](Self::offset_ms).
#[derive(Clone, Debug, Default)]
pub struct ShiftedClock {
    offset_ms: Arc<AtomicI64>,
}

impl ShiftedClock {
    /// A clock that reads `at` now.
    pub fn at(at: DateTime<Utc>) -> Self {
        let clock = Self::default();
        clock.set(at);
        clock
    }

    /// A clock `offset_ms` ahead of the system's (behind, if negative).
    pub fn with_offset(offset_ms: i64) -> Self {
        Self { offset_ms: Arc::new(AtomicI64::new(offset_ms)) }
    }

    /// Sets the clock to read `at` now.
    pub fn set(&self, at: DateTime<Utc>) {
        let offset = at.timestamp_millis() - SystemClock.now_ms();
        self.offset_ms.store(offset, Ordering::SeqCst);
    }

    /// Moves the clock on (or back) by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_ms.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }

    /// How far it is ahead of the system's clock.
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::SeqCst)
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        let ms = SystemClock.now_ms() + self.offset_ms();
        DateTime::from_timestamp_millis(ms).unwrap_or_default()
    }
}

/// The instant a China wall-clock time names (`2026-11-25 12:00` China is 04:00 UTC).
pub fn china_time(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    use chrono::TimeZone;
    crate::calendar::china()
        .with_ymd_and_hms(year, month, day, hour, minute, 0)
        .single()
        .expect("a valid China time")
        .with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_reads_the_time_it_was_set_to_and_runs_on() {
        let noon = china_time(2026, 11, 25, 12, 0);
        let clock = ShiftedClock::at(noon);
        let read = clock.now();
        assert!((read - noon).num_milliseconds().abs() < 1000, "{read}");
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
        clock.advance(chrono::Duration::hours(12));
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 11, 26).unwrap());
        let follower = ShiftedClock::with_offset(clock.offset_ms());
        assert!((follower.now() - clock.now()).num_milliseconds().abs() < 1000);
    }
}
