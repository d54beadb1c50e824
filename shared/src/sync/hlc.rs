//! A hybrid logical clock: 48 bits of wall-clock milliseconds and a 16-bit counter, packed in a
//! `u64` so it orders as an integer. Ties between devices are broken by the device id
//! ([`Stamp`]). A phone's wall clock is corrected by the server's time sent in every response
//! (`HlcClock::observe`), so a phone whose clock is a day off still stamps sensibly.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::DeviceId;

const COUNTER_BITS: u32 = 16;
const COUNTER_MAX: u64 = (1 << COUNTER_BITS) - 1;
const MS_MAX: u64 = (1 << 48) - 1;

/// A hybrid logical clock value.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Hlc(pub u64);

impl Hlc {
    /// The value for a wall-clock time with counter 0.
    pub fn from_ms(ms: i64) -> Self {
        Hlc((ms.clamp(0, MS_MAX as i64) as u64) << COUNTER_BITS)
    }

    /// The wall-clock part, ms since the Unix epoch.
    pub fn ms(self) -> i64 {
        (self.0 >> COUNTER_BITS) as i64
    }

    /// The wall-clock part as an instant: when the op was recorded, on its device's
    /// (corrected) clock.
    pub fn time(self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(self.ms()).unwrap_or_default()
    }

    /// The logical counter.
    pub fn counter(self) -> u16 {
        (self.0 & COUNTER_MAX) as u16
    }

    /// The same value moved by `delta_ms` on the wall-clock part, its counter kept (so values
    /// moved together keep their order).
    pub fn shifted(self, delta_ms: i64) -> Self {
        let ms = self.ms().saturating_add(delta_ms).clamp(0, MS_MAX as i64) as u64;
        Hlc::pack(ms, self.counter() as u64)
    }

    fn pack(ms: u64, counter: u64) -> Self {
        Hlc((ms.min(MS_MAX) << COUNTER_BITS) | counter)
    }

    /// The next value after `self` given the physical time `now_ms`.
    fn advance(self, floor_ms: u64) -> Self {
        let ms = self.ms() as u64;
        if floor_ms > ms {
            Hlc::pack(floor_ms, 0)
        } else if self.counter() as u64 == COUNTER_MAX {
            // The counter is exhausted within one millisecond: borrow the next millisecond.
            Hlc::pack(ms + 1, 0)
        } else {
            Hlc(self.0 + 1)
        }
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.ms(), self.counter())
    }
}

/// A total order over every change made anywhere: the clock value, then the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Stamp {
    /// The clock value.
    pub hlc: Hlc,
    /// The device that made the change; breaks ties.
    pub device: DeviceId,
}

/// A device's clock. It never goes backwards, follows any later time it observes, and applies an
/// offset learned from the server to the local wall clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HlcClock {
    /// The last value issued or observed.
    pub last: Hlc,
    /// Server time minus local time, in ms, as last measured.
    pub offset_ms: i64,
}

impl HlcClock {
    /// A clock that has issued nothing and knows no offset.
    pub fn new() -> Self {
        Self::default()
    }

    /// The corrected physical time for a local wall-clock reading.
    pub fn corrected_ms(&self, local_ms: i64) -> i64 {
        local_ms.saturating_add(self.offset_ms)
    }

    /// A new value for a local change made at local wall-clock time `local_ms`.
    pub fn tick(&mut self, local_ms: i64) -> Hlc {
        let floor = self.corrected_ms(local_ms).max(0) as u64;
        self.last = self.last.advance(floor);
        self.last
    }

    /// Takes in a value seen from elsewhere (a pulled change), so later local values sort after it.
    pub fn observe(&mut self, remote: Hlc) {
        if remote > self.last {
            self.last = remote;
        }
    }

    /// Takes in the server's time from a response received at local time `local_ms`: sets the
    /// offset and observes the server's time.
    ///
    /// A clock found more than [`MAX_CLOCK_AHEAD_MS`](super::MAX_CLOCK_AHEAD_MS) ahead of the
    /// server (it stamped while the phone's wall clock ran fast) is brought back to the server's
    /// time: otherwise every later change would carry the wrong time until the real time caught
    /// up. The changes it stamped meanwhile are corrected by the outbox, not here.
    pub fn observe_server_time(&mut self, server_ms: i64, local_ms: i64) {
        self.offset_ms = server_ms.saturating_sub(local_ms);
        if self.last.ms() > server_ms.saturating_add(super::MAX_CLOCK_AHEAD_MS) {
            self.last = Hlc::from_ms(server_ms);
        }
        self.observe(Hlc::from_ms(server_ms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_ms_and_counter_in_order() {
        let a = Hlc::from_ms(1_700_000_000_000);
        assert_eq!(a.ms(), 1_700_000_000_000);
        assert_eq!(a.counter(), 0);
        assert!(Hlc(a.0 + 1) > a);
        assert!(Hlc::from_ms(1_700_000_000_001) > Hlc(a.0 + 500));
    }

    #[test]
    fn tick_is_strictly_increasing_even_when_the_wall_clock_goes_back() {
        let mut clock = HlcClock::new();
        let a = clock.tick(1_000_000);
        let b = clock.tick(1_000_000);
        let c = clock.tick(999_000);
        let d = clock.tick(1_000_500);
        assert!(a < b && b < c && c < d, "{a} {b} {c} {d}");
        assert_eq!(d, Hlc::from_ms(1_000_500));
    }

    #[test]
    fn counter_overflow_borrows_the_next_millisecond() {
        let mut clock = HlcClock { last: Hlc::pack(5, COUNTER_MAX), offset_ms: 0 };
        let next = clock.tick(5);
        assert_eq!((next.ms(), next.counter()), (6, 0));
    }

    #[test]
    fn a_fast_phone_follows_the_server_time() {
        let day = 86_400_000;
        let server_now = 1_800_000_000_000;
        let mut phone = HlcClock::new();
        // The phone's clock is a day fast; the server's answer tells it so.
        phone.observe_server_time(server_now, server_now + day);
        let stamp = phone.tick(server_now + day + 10);
        assert_eq!(stamp.ms(), server_now + 10);
    }

    #[test]
    fn a_clock_that_stamped_while_running_fast_comes_back_to_the_server_time() {
        let day = 86_400_000;
        let server_now = 1_800_000_000_000;
        let mut phone = HlcClock::new();
        phone.observe_server_time(server_now, server_now);
        // The phone's clock jumps a day ahead; it stamps offline.
        let wrong = phone.tick(server_now + day);
        assert_eq!(wrong.ms(), server_now + day);
        // Back in signal, the server's time shows it a day fast.
        phone.observe_server_time(server_now + 60_000, server_now + day + 60_000);
        let next = phone.tick(server_now + day + 61_000);
        assert_eq!(next.ms(), server_now + 61_000);
        assert_eq!(wrong.shifted(-day), Hlc::from_ms(server_now));
        assert_eq!(Hlc::pack(10, 3).shifted(5), Hlc::pack(15, 3));
    }

    #[test]
    fn observing_a_later_remote_value_orders_local_changes_after_it() {
        let mut clock = HlcClock::new();
        clock.tick(1_000);
        let remote = Hlc::pack(9_000, 7);
        clock.observe(remote);
        assert!(clock.tick(1_001) > remote);
    }
}
