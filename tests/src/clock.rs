//! The stories' clock: one per test process, shared by its servers (in-process, and as child
//! processes through [`OFFSET_ENV`]), its phones and its checks. It starts on a Wednesday noon in
//! China, far from a week's, a month's or a quarter's turn, whatever day the suite runs on; a
//! story about a turn sets it (in a test binary of its own, since the clock is the process's).

use std::sync::{Arc, LazyLock};

use chrono::{DateTime, NaiveDate, Utc};
use minqing_shared::clock::{Clock, SharedClock, ShiftedClock, china_time};

/// The variable a server process reads its clock's offset from (milliseconds ahead of the
/// system's clock).
pub const OFFSET_ENV: &str = "MINQING_TEST_CLOCK_OFFSET_MS";

/// Where every story's clock starts: Wednesday 25 November 2026, 12:00 China time.
pub fn wednesday_noon() -> DateTime<Utc> {
    china_time(2026, 11, 25, 12, 0)
}

static CLOCK: LazyLock<ShiftedClock> = LazyLock::new(|| ShiftedClock::at(wednesday_noon()));

/// The process's clock.
pub fn clock() -> &'static ShiftedClock {
    &CLOCK
}

/// The process's clock, to hand to a server or a phone.
pub fn shared() -> SharedClock {
    Arc::new(CLOCK.clone())
}

/// Now, on the stories' clock.
pub fn now() -> DateTime<Utc> {
    CLOCK.now()
}

/// Now in milliseconds, on the stories' clock.
pub fn now_ms() -> i64 {
    CLOCK.now_ms()
}

/// Today in China, on the stories' clock.
pub fn today() -> NaiveDate {
    CLOCK.today()
}
