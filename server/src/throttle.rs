//! Login protection: repeated failed logins are throttled per account and per address.
//!
//! The counts live in memory, per server process: a restart forgets them, and with several
//! processes behind a load balancer each counts its own failures (so an attacker gets at most
//! `processes × limit` tries per window). That is acceptable for a county's phones and offices;
//! a shared table would be the next step. The API login (`POST /api/v1/auth/login`, and
//! `change-password`) uses [`LoginThrottle`]; the office login can use the same type.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per account within [`WINDOW`].
pub const ACCOUNT_FAILURES: usize = 5;
/// Failures allowed per address within [`WINDOW`] (higher: an office shares one address).
pub const ADDRESS_FAILURES: usize = 20;
/// How long failures count.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Keys kept before old ones are swept.
const SWEEP_AT: usize = 10_000;

/// Failures per key within a sliding window.
#[derive(Debug)]
struct Counter {
    max: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Counter {
    fn new(max: usize, window: Duration) -> Self {
        Self { max, window, failures: Mutex::new(HashMap::new()) }
    }

    /// How long `key` must wait, if it has used up its failures.
    fn wait(&self, key: &str, now: Instant) -> Option<Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let list = map.get_mut(key)?;
        while list.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            list.pop_front();
        }
        if list.len() < self.max {
            return None;
        }
        // Free again when the oldest failure that keeps it at the limit leaves the window.
        let oldest = list[list.len() - self.max];
        Some(self.window.saturating_sub(now.duration_since(oldest)))
    }

    fn fail(&self, key: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= SWEEP_AT {
            let window = self.window;
            map.retain(|_, l| l.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let list = map.entry(key.to_owned()).or_default();
        list.push_back(now);
        while list.len() > self.max {
            list.pop_front();
        }
    }

    fn clear(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

/// Throttles logins: after [`ACCOUNT_FAILURES`] failures for one account, or
/// [`ADDRESS_FAILURES`] from one address, within [`WINDOW`], further attempts are refused
/// (even with the right password) until the oldest failure leaves the window.
#[derive(Debug)]
pub struct LoginThrottle {
    account: Counter,
    address: Counter,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(ACCOUNT_FAILURES, ADDRESS_FAILURES, WINDOW)
    }
}

impl LoginThrottle {
    /// A throttle with its own limits.
    pub fn new(per_account: usize, per_address: usize, window: Duration) -> Self {
        Self {
            account: Counter::new(per_account, window),
            address: Counter::new(per_address, window),
        }
    }

    /// `Err(wait)` if `username` or `address` must wait before trying again.
    pub fn check(&self, username: &str, address: &str) -> Result<(), Duration> {
        self.check_at(username, address, Instant::now())
    }

    /// Counts a failed attempt.
    pub fn failed(&self, username: &str, address: &str) {
        self.failed_at(username, address, Instant::now());
    }

    /// Forgets an account's failures after it logged in (the address's stay counted).
    pub fn succeeded(&self, username: &str) {
        self.account.clear(&username.to_lowercase());
    }

    fn check_at(&self, username: &str, address: &str, now: Instant) -> Result<(), Duration> {
        let wait =
            [self.account.wait(&username.to_lowercase(), now), self.address.wait(address, now)];
        match wait.into_iter().flatten().max() {
            Some(w) => Err(w),
            None => Ok(()),
        }
    }

    fn failed_at(&self, username: &str, address: &str, now: Instant) {
        self.account.fail(&username.to_lowercase(), now);
        self.address.fail(address, now);
    }
}

/// The refusal's message for a person: how long to wait, in whole minutes.
pub fn wait_message(wait: Duration) -> String {
    let minutes = wait.as_secs().div_ceil(60).max(1);
    format!(
        "登录失败次数过多，请{minutes}分钟后再试 (too many failed logins; try again in {minutes} min)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_attempt_waits_until_the_first_failure_leaves_the_window() {
        let t = LoginThrottle::default();
        let start = Instant::now();
        for i in 0..5 {
            assert!(t.check_at("wang", "10.0.0.1", start).is_ok(), "attempt {}", i + 1);
            t.failed_at("wang", "10.0.0.1", start + Duration::from_secs(i));
        }
        let wait = t.check_at("wang", "10.0.0.1", start + Duration::from_secs(5)).unwrap_err();
        assert_eq!(wait, WINDOW - Duration::from_secs(5));
        assert!(wait_message(wait).contains("15"));
        assert!(t.check_at("wang", "10.0.0.1", start + WINDOW).is_ok());
        // Another account from the same address is not held up by wang's failures.
        assert!(t.check_at("li", "10.0.0.1", start + Duration::from_secs(5)).is_ok());
    }

    #[test]
    fn an_address_trying_many_accounts_is_throttled() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..ADDRESS_FAILURES {
            t.failed_at(&format!("user{i}"), "10.0.0.2", now);
        }
        assert!(t.check_at("someone", "10.0.0.2", now).is_err());
        assert!(t.check_at("someone", "10.0.0.3", now).is_ok());
    }

    #[test]
    fn a_success_forgets_the_account_s_failures() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..4 {
            t.failed_at("Wang", "a", now);
        }
        t.succeeded("wang");
        t.failed_at("wang", "a", now);
        assert!(t.check_at("wang", "a", now).is_ok());
    }
}
