//! The server binary, built inside this crate so that its stories can start, kill and restart a
//! real server process (`CARGO_BIN_EXE_minqing-test-server`). It runs on the stories' clock: the
//! offset the starting story passes in `MINQING_TEST_CLOCK_OFFSET_MS`.

use std::sync::Arc;

use minqing_shared::clock::{ShiftedClock, SystemClock};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match std::env::var(minqing_tests::clock::OFFSET_ENV).ok().and_then(|v| v.parse().ok()) {
        Some(offset) => {
            minqing_server::main_entry_with_clock(Arc::new(ShiftedClock::with_offset(offset))).await
        }
        None => minqing_server::main_entry_with_clock(Arc::new(SystemClock)).await,
    }
}
