//! Login protection: failed logins are counted per account *from one address*, per address, and
//! per account from every address, each within a sliding window.
//!
//! - [`PAIR_FAILURES`] failures for one account from one address stop that address trying that
//!   account; another address (the cadre's own phone) still logs in with the right password.
//! - [`ADDRESS_FAILURES`] failures from one address stop it trying any account (higher: an
//!   office's computers share one address).
//! - [`ACCOUNT_FAILURES`] failures for one account from every address together stop everyone
//!   trying it: a cap on guessing from many addresses, which one address cannot reach alone.
//!
//! An attempt is counted as a failure *before* the password is checked ([`LoginThrottle::begin`]
//! checks and counts under one lock) and taken back if it succeeds, so a burst of concurrent
//! attempts gets no more tries than the same attempts one after another.
//!
//! The address is the client's real one (see [`crate::auth::ClientAddr`]: `X-Forwarded-For` only
//! from a configured proxy). The counts live in memory, per server process: a restart forgets
//! them, and each process behind a load balancer counts its own.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed for one account from one address within [`WINDOW`].
pub const PAIR_FAILURES: usize = 5;
/// Failures allowed from one address, any accounts, within [`WINDOW`].
pub const ADDRESS_FAILURES: usize = 20;
/// Failures allowed for one account, from every address together, within [`WINDOW`].
pub const ACCOUNT_FAILURES: usize = 100;
/// How long failures count.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Keys kept per counter before old ones are swept.
const SWEEP_AT: usize = 10_000;

/// Failures per key within a sliding window.
#[derive(Debug)]
struct Counter {
    max: usize,
    failures: HashMap<String, VecDeque<Instant>>,
}

impl Counter {
    fn new(max: usize) -> Self {
        Self { max, failures: HashMap::new() }
    }

    /// How long `key` must wait, if it has used up its failures.
    fn wait(&mut self, key: &str, now: Instant) -> Option<Duration> {
        let list = self.failures.get_mut(key)?;
        while list.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            list.pop_front();
        }
        if list.len() < self.max {
            return None;
        }
        // Free again when the oldest failure that keeps it at the limit leaves the window.
        let oldest = list[list.len() - self.max];
        Some(WINDOW.saturating_sub(now.duration_since(oldest)))
    }

    fn fail(&mut self, key: &str, now: Instant) {
        if self.failures.len() >= SWEEP_AT {
            self.failures.retain(|_, l| l.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        let list = self.failures.entry(key.to_owned()).or_default();
        list.push_back(now);
        while list.len() > self.max {
            list.pop_front();
        }
    }

    /// Takes back one failure counted at `at`.
    fn forget(&mut self, key: &str, at: Instant) {
        if let Some(list) = self.failures.get_mut(key)
            && let Some(i) = list.iter().position(|t| *t == at)
        {
            list.remove(i);
        }
    }

    fn clear(&mut self, key: &str) {
        self.failures.remove(key);
    }
}

#[derive(Debug)]
struct Counters {
    pair: Counter,
    address: Counter,
    account: Counter,
}

/// Throttles logins; see the module's documentation.
#[derive(Debug)]
pub struct LoginThrottle {
    counters: Mutex<Counters>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(PAIR_FAILURES, ADDRESS_FAILURES, ACCOUNT_FAILURES)
    }
}

/// An attempt under way, counted as a failure until [`Attempt::succeeded`] takes it back.
#[derive(Debug)]
#[must_use = "an attempt stays a failure unless it succeeded"]
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    account: String,
    address: String,
    at: Instant,
}

impl Attempt<'_> {
    /// The password was right: the attempt is not a failure, and the account's failures from
    /// this address are forgotten (those from elsewhere and the address's stay counted).
    pub fn succeeded(self) {
        let mut c = self.throttle.lock();
        c.pair.clear(&pair_key(&self.account, &self.address));
        c.address.forget(&self.address, self.at);
        c.account.forget(&self.account, self.at);
    }
}

fn pair_key(account: &str, address: &str) -> String {
    format!("{account}\n{address}")
}

impl LoginThrottle {
    /// A throttle with its own limits (per account and address, per address, per account).
    pub fn new(per_pair: usize, per_address: usize, per_account: usize) -> Self {
        Self {
            counters: Mutex::new(Counters {
                pair: Counter::new(per_pair),
                address: Counter::new(per_address),
                account: Counter::new(per_account),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counters> {
        self.counters.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts an attempt to log in to `username` from `address`: `Err(wait)` if either must wait,
    /// else the attempt, already counted as a failure.
    pub fn begin(&self, username: &str, address: &str) -> Result<Attempt<'_>, Duration> {
        self.begin_at(username, address, Instant::now())
    }

    fn begin_at(
        &self,
        username: &str,
        address: &str,
        now: Instant,
    ) -> Result<Attempt<'_>, Duration> {
        let account = username.trim().to_lowercase();
        let pair = pair_key(&account, address);
        let mut c = self.lock();
        let waits =
            [c.pair.wait(&pair, now), c.address.wait(address, now), c.account.wait(&account, now)];
        if let Some(wait) = waits.into_iter().flatten().max() {
            return Err(wait);
        }
        c.pair.fail(&pair, now);
        c.address.fail(address, now);
        c.account.fail(&account, now);
        Ok(Attempt { throttle: self, account, address: address.to_owned(), at: now })
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

    fn fail(t: &LoginThrottle, user: &str, address: &str, now: Instant) {
        drop(t.begin_at(user, address, now).expect("may try"));
    }

    #[test]
    fn the_sixth_attempt_waits_until_the_first_failure_leaves_the_window() {
        let t = LoginThrottle::default();
        let start = Instant::now();
        for i in 0..5 {
            fail(&t, "wang", "10.0.0.1", start + Duration::from_secs(i));
        }
        let wait = t.begin_at("wang", "10.0.0.1", start + Duration::from_secs(5)).unwrap_err();
        assert_eq!(wait, WINDOW - Duration::from_secs(5));
        assert!(wait_message(wait).contains("15"));
        assert!(t.begin_at("wang", "10.0.0.1", start + WINDOW).is_ok());
        // Another account from the same address is not held up by wang's failures …
        assert!(t.begin_at("li", "10.0.0.1", start + Duration::from_secs(5)).is_ok());
        // … nor wang from another address.
        assert!(t.begin_at("Wang", "10.0.0.9", start + Duration::from_secs(5)).is_ok());
    }

    #[test]
    fn an_address_trying_many_accounts_is_throttled_and_no_other_address() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..ADDRESS_FAILURES {
            fail(&t, &format!("user{i}"), "10.0.0.2", now);
        }
        assert!(t.begin_at("someone", "10.0.0.2", now).is_err());
        assert!(t.begin_at("someone", "10.0.0.3", now).is_ok());
    }

    #[test]
    fn many_addresses_guessing_one_account_stop_at_the_account_s_cap() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..ACCOUNT_FAILURES {
            fail(&t, "wang", &format!("10.1.{}.{}", i / 250, i % 250), now);
        }
        assert!(t.begin_at("wang", "10.9.9.9", now).is_err());
        assert!(t.begin_at("li", "10.9.9.9", now).is_ok());
    }

    #[test]
    fn attempts_under_way_count_so_a_burst_gets_no_extra_tries() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        // Thirteen attempts begun before any has finished: five may try.
        let begun: Vec<_> = (0..13).map(|_| t.begin_at("wang", "a", now)).collect();
        assert_eq!(begun.iter().filter(|a| a.is_ok()).count(), PAIR_FAILURES);
    }

    #[test]
    fn a_success_is_not_a_failure_and_forgets_the_account_s_failures_from_there() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..4 {
            fail(&t, "Wang", "a", now);
        }
        t.begin_at("wang", "a", now).unwrap().succeeded();
        for _ in 0..4 {
            fail(&t, "wang", "a", now);
        }
        assert!(t.begin_at("wang", "a", now).is_ok());
    }
}
