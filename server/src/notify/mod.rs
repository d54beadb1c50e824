//! The notifier 提醒通知: once a day, from the configured hour (China time), each unit's digest
//! of what its office should act on ([`digest`]) goes out through the channels configured for it
//! ([`config`]) — DingTalk and WeCom group robots, a generic webhook, an SMS gateway. Each send
//! is recorded (通知记录), retried with a doubling wait when the far end fails, and never made
//! twice for the same unit, channel and day, across restarts and across servers on one database.

pub mod channel;
pub mod config;
pub mod digest;

use chrono::Timelike;
use minqing_shared::calendar::{china, china_date};

use crate::state::AppState;
use crate::store::{Notification, StoreError};
pub use config::NotifyConfig;
pub use digest::Digest;

/// How long a claimed send is held for its attempt before another may try it.
const LEASE_MS: i64 = 2 * 60 * 1000;

/// The longest wait between two attempts.
const MAX_WAIT_MS: i64 = 60 * 60 * 1000;

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Round {
    /// Digests made (one per unit and channel).
    pub made: usize,
    /// Sends that went out.
    pub sent: usize,
    /// Attempts that failed (to be tried again, or given up).
    pub failed: usize,
}

/// One round: makes today's digests if the hour has come, then sends what is due.
pub async fn run_once(
    state: &AppState,
    config: &NotifyConfig,
    http: &reqwest::Client,
) -> Result<Round, StoreError> {
    let mut round = Round::default();
    let now = state.now();
    if now.with_timezone(&china()).hour() >= config.hour {
        round.made = make_digests(state, config).await?;
    }
    let now_ms = state.now_ms();
    let due = blocking(state, move |s| s.db().read(|tx| tx.due_notifications(now_ms))).await?;
    for n in due {
        let Some(channel) = config.channels.iter().find(|c| c.name == n.channel) else {
            continue; // a channel taken out of the file: its sends wait for it
        };
        let claimed = {
            let n = n.clone();
            blocking(state, move |s| {
                s.db().write(|tx| tx.claim_notification(&n, now_ms, now_ms + LEASE_MS))
            })
            .await?
        };
        if !claimed {
            continue;
        }
        let attempt = n.attempts + 1;
        let outcome = match serde_json::from_str::<Digest>(&n.items) {
            Ok(d) => channel::send(http, channel, &d, state.now_ms()).await,
            Err(e) => Err(format!("stored digest unreadable: {e}")),
        };
        let at = state.now_ms();
        let next = match &outcome {
            Ok(()) => None,
            Err(_) if attempt >= config.attempts => None,
            Err(_) => Some(at + wait_ms(config.retry_secs, attempt)),
        };
        match &outcome {
            Ok(()) => {
                round.sent += 1;
                tracing::info!(unit = %n.unit, channel = %n.channel, day = %n.day, attempt, "notification sent");
            }
            Err(e) => {
                round.failed += 1;
                tracing::warn!(unit = %n.unit, channel = %n.channel, day = %n.day, attempt, error = %e, gave_up = next.is_none(), "notification failed");
            }
        }
        let error = outcome.err();
        blocking(state, move |s| {
            s.db().write(|tx| tx.finish_notification(&n, error.as_deref(), next, at))
        })
        .await?;
    }
    Ok(round)
}

/// The wait before attempt `attempt + 1`: `retry_secs`, doubling each time, at most an hour.
pub fn wait_ms(retry_secs: u64, attempt: u32) -> i64 {
    let base = (retry_secs as i64).saturating_mul(1000);
    base.saturating_mul(1_i64 << attempt.saturating_sub(1).min(20)).min(MAX_WAIT_MS)
}

/// Makes today's digest of each unit a channel carries, where none was made yet.
async fn make_digests(state: &AppState, config: &NotifyConfig) -> Result<usize, StoreError> {
    let config = config.clone();
    blocking(state, move |s| {
        let now_ms = s.now_ms();
        let day = china_date(s.now());
        let key = day.to_string();
        let (units, made_today) = s
            .db()
            .read(|tx| Ok::<_, StoreError>((tx.all_units()?, tx.notifications_of_day(&key)?)))?;
        let mut made = 0;
        for unit in units {
            let missing: Vec<&config::Channel> = config
                .channels
                .iter()
                .filter(|c| c.carries(&unit.name))
                .filter(|c| !made_today.contains(&(unit.id, c.name.clone())))
                .collect();
            if missing.is_empty() {
                continue;
            }
            // The office's own reads, from one unit's to a county's: planned for their values.
            let digest = s.db().read_planned_per_run(|tx| digest::digest(tx, &unit, day))?;
            if digest.sections.is_empty() {
                continue; // nothing to remind of: nothing sent, and looked at again next round
            }
            let items = serde_json::to_string(&digest)?;
            let body = digest.markdown();
            for c in missing {
                let n = Notification {
                    day: key.clone(),
                    unit: unit.id,
                    channel: c.name.clone(),
                    items: items.clone(),
                    body: body.clone(),
                    status: crate::store::SendStatus::Pending,
                    attempts: 0,
                    last_error: None,
                    next_try_ms: Some(now_ms),
                    created_ms: now_ms,
                    sent_ms: None,
                };
                if s.db().write(|tx| tx.insert_notification(&n))? {
                    made += 1;
                }
            }
        }
        Ok(made)
    })
    .await
}

async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&AppState) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || f(&state))
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
}

/// Runs the notifier every `config.every_secs` until the process ends; a failed round is
/// logged and the next one goes on.
pub fn spawn(state: AppState, config: NotifyConfig) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let http = match reqwest::Client::builder().timeout(channel::TIMEOUT).build() {
            Ok(http) => http,
            Err(e) => {
                tracing::error!(error = %e, "the notifier could not start its HTTP client");
                return;
            }
        };
        tracing::info!(channels = config.channels.len(), hour = config.hour, "notifier started");
        let mut every = tokio::time::interval(std::time::Duration::from_secs(config.every_secs));
        loop {
            every.tick().await;
            if let Err(e) = run_once(&state, &config, &http).await {
                tracing::warn!(error = %e, "notifier round failed");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_wait_doubles_up_to_an_hour() {
        let waits: Vec<i64> = (1..=8).map(|a| super::wait_ms(60, a) / 1000).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(super::wait_ms(0, 3), 0, "tests retry at once");
    }
}
