//! One sync: push the outbox in batches (a few hundred ops or ~32 KB each), then pull pages
//! into the store. Nothing is marked synced that the server did not acknowledge; refused ops
//! are kept with the server's reason; the pull cursor moves only with the applied page.

use std::sync::Arc;
use std::time::Duration;

use minqing_shared::clock::{SharedClock, SystemClock};
use minqing_shared::photo::{MAX_UPLOAD_BYTES, PhotoRefusal};
use minqing_shared::sync::wire::{EraseOrder, WIPE_REQUESTED};
use minqing_shared::sync::{ChangePasswordRequest, ErrorBody, HistoryResponse, PushRequest};
use rand::Rng;

use super::{Transport, TransportError};
use crate::store::{Store, StoreError};

/// Most ops in one push.
pub const PUSH_MAX_OPS: usize = 200;
/// About the most JSON bytes in one push (before compression).
pub const PUSH_MAX_BYTES: usize = 32 * 1024;
/// Changes asked for in one pull.
pub const PULL_LIMIT: u32 = 500;

/// What one sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Ops acknowledged.
    pub pushed: u64,
    /// Ops refused by the server.
    pub rejected: u64,
    /// Changes pulled.
    pub pulled: u64,
    /// HTTP requests made.
    pub requests: u32,
    /// Photos the server now has.
    pub photos_sent: u64,
    /// Photos the server refused.
    pub photos_refused: u64,
    /// The Organization Department ordered this phone erased, and it is to be done now: a wipe
    /// at once (nothing was sent), a retirement once everything was sent (see
    /// `Services::sync_once`).
    pub erase: Option<EraseOrder>,
}

/// Whether the server refused the phone because it is ordered wiped.
fn is_wipe(e: &TransportError) -> bool {
    matches!(e, TransportError::Server { status: 403, body } if body.error == WIPE_REQUESTED)
}

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Nobody is logged in.
    #[error("not logged in")]
    NotLoggedIn,
    /// The server refused this device (revoked or invalid token): log in again.
    #[error("{0}")]
    LoggedOut(String),
    /// The network or the server failed; try again later.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// Whether trying again later may help.
    pub fn is_transient(&self) -> bool {
        matches!(self, SyncError::Transport(TransportError::Offline(_)))
            || matches!(self, SyncError::Transport(TransportError::Server { status, .. }) if *status >= 500)
    }
}

/// Drives sync for one store over one transport.
pub struct SyncEngine<T> {
    store: Arc<Store>,
    transport: T,
    /// The device's clock (it may be wrong: the store corrects it by the offset it learns from
    /// the server).
    clock: SharedClock,
    /// One sync or login at a time: a login re-stamps the outbox, which a sync in flight must
    /// not see half-done.
    gate: tokio::sync::Mutex<()>,
}

impl<T> std::fmt::Debug for SyncEngine<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncEngine").field("store", &self.store).finish_non_exhaustive()
    }
}

impl<T: Transport> SyncEngine<T> {
    /// An engine for `store`, on the system clock.
    pub fn new(store: Arc<Store>, transport: T) -> Self {
        Self { store, transport, clock: Arc::new(SystemClock), gate: tokio::sync::Mutex::new(()) }
    }

    /// The same engine reading another clock (the stories' clock; a phone whose clock is
    /// wrong).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The device's clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The device's wall-clock time now, in ms.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Logs in online and stores the device token.
    pub async fn login(
        &self,
        server_url: &str,
        username: &str,
        password: &str,
        device_name: &str,
    ) -> Result<(), SyncError> {
        let _one_at_a_time = self.gate.lock().await;
        let sent = self.now_ms();
        let login = self.transport.login(server_url, username, password, device_name).await?;
        self.store.save_login(server_url, &login, sent)?;
        Ok(())
    }

    /// Sets a new password online (required after an office reset or import, before logging
    /// in). Stores nothing: log in with the new password next.
    pub async fn change_password(
        &self,
        server_url: &str,
        username: &str,
        old_password: &str,
        new_password: &str,
    ) -> Result<(), SyncError> {
        let req = ChangePasswordRequest {
            username: username.to_owned(),
            old_password: old_password.to_owned(),
            new_password: new_password.to_owned(),
        };
        // A logged-in phone sends its token: the change ends every sign-in of the account but
        // this phone's, which gets a new token.
        let token = self
            .store
            .account()?
            .filter(|a| a.server_url == server_url && !a.token.is_empty())
            .map(|a| a.token);
        let answer = self.transport.change_password(server_url, token.as_deref(), &req).await?;
        if let Some(new) = answer.token {
            self.store.set_token(&new)?;
        }
        Ok(())
    }

    /// Pushes everything pending, then pulls everything new. Records the outcome in the store.
    pub async fn sync_once(&self) -> Result<SyncReport, SyncError> {
        let _one_at_a_time = self.gate.lock().await;
        let result = self.run().await;
        let error = match &result {
            Ok(_) => None,
            Err(e) => Some(e.to_string()),
        };
        self.store.record_sync(self.now_ms(), error.as_deref())?;
        result
    }

    async fn run(&self) -> Result<SyncReport, SyncError> {
        let account = self.store.account()?.ok_or(SyncError::NotLoggedIn)?;
        if account.token.is_empty() {
            return Err(SyncError::NotLoggedIn);
        }
        // A phone ordered wiped is refused by its first request (nothing of it is taken): it
        // erases at once. One ordered retired hears it in the pull's answer: it erases once
        // everything is sent.
        let mut report = match self.exchange(&account, SyncReport::default()).await {
            Err(SyncError::Transport(e)) if is_wipe(&e) => {
                return Ok(SyncReport { erase: Some(EraseOrder::Wipe), ..SyncReport::default() });
            }
            other => other?,
        };
        if report.erase == Some(EraseOrder::Retire)
            && (self.store.pending_count()? > 0 || !self.store.photos_to_send()?.is_empty())
        {
            report.erase = None;
        }
        Ok(report)
    }

    /// The push, the pull, the households' histories and the photos.
    async fn exchange(
        &self,
        account: &crate::store::Account,
        mut report: SyncReport,
    ) -> Result<SyncReport, SyncError> {
        let refused = |e: TransportError| match e {
            TransportError::Server { status: 401, body } => SyncError::LoggedOut(body.message),
            other => SyncError::Transport(other),
        };
        let mut last_gap = None;
        loop {
            let ops = self.store.pending_ops(PUSH_MAX_OPS, PUSH_MAX_BYTES)?;
            if ops.is_empty() {
                break;
            }
            let req = PushRequest { device_id: account.device_id, ops };
            report.requests += 1;
            match self.transport.push(&account.server_url, &account.token, &req).await {
                Ok(resp) => {
                    let before = self.store.pending_count()?;
                    // The server's time first: a refusal for a fast clock is corrected by it.
                    self.store.observe_server_time(resp.server_time, self.now_ms())?;
                    let copies = self.store.acknowledge(
                        resp.acked_through,
                        &resp.rejected,
                        self.now_ms(),
                        resp.server_time,
                    )?;
                    let after = self.store.pending_count()?.saturating_sub(copies);
                    report.pushed += before.saturating_sub(after);
                    report.rejected += (resp.rejected.len() as u64).saturating_sub(copies);
                    if after >= before {
                        // The server took nothing: stop rather than loop.
                        break;
                    }
                }
                Err(TransportError::Server { status: 409, body })
                    if body.expected_seq.is_some() =>
                {
                    // The server has everything before `expected`; continue from there — unless
                    // this phone no longer holds that op (the same answer twice), which only a
                    // server restored from an old backup can cause: stop and say so.
                    let expected = body.expected_seq.unwrap_or(1);
                    if last_gap == Some(expected) {
                        let body = ErrorBody {
                            message: format!(
                                "the server has lost this phone's records from number {expected} on; ask the administrator"
                            ),
                            ..body
                        };
                        return Err(SyncError::Transport(TransportError::Server {
                            status: 409,
                            body,
                        }));
                    }
                    last_gap = Some(expected);
                    self.store.reset_acks_from(expected)?;
                }
                Err(e) => return Err(refused(e)),
            }
        }
        let mut cursor = account.cursor;
        // A first sync brings every household's whole history; later ones may bring a household
        // just given to this cadre, whose earlier history is behind the cursor.
        let note_new_households = account.cursor > 0;
        loop {
            report.requests += 1;
            let page = self
                .transport
                .pull(&account.server_url, &account.token, cursor, PULL_LIMIT)
                .await
                .map_err(refused)?;
            self.store.apply_pull(&page, self.now_ms(), note_new_households)?;
            report.pulled += page.changes.len() as u64;
            report.erase = report.erase.or(page.erase);
            cursor = page.next_cursor;
            if !page.has_more {
                break;
            }
        }
        for (household, through) in self.store.pending_histories()? {
            // Page by page, applied together once whole (the household is one cadre's: its
            // history is small, and a phone must not show half of it as all of it).
            let url = &account.server_url;
            let mut history = HistoryResponse::default();
            loop {
                report.requests += 1;
                let after = history.changes.last().map_or(0, |c| c.server_seq);
                match self.transport.history(url, &account.token, household, after, through).await {
                    Ok(page) => {
                        let more = page.has_more && !page.changes.is_empty();
                        history.changes.extend(page.changes);
                        history.server_time = page.server_time;
                        if !more {
                            break;
                        }
                    }
                    // Given to someone else again meanwhile: nothing of it is this phone's any more.
                    Err(TransportError::Server { status: 404, .. }) => {
                        history = HistoryResponse::default();
                        break;
                    }
                    Err(e) => return Err(refused(e)),
                }
            }
            self.store.apply_history(household, &history, self.now_ms())?;
            report.pulled += history.changes.len() as u64;
        }
        self.send_photos(account, &mut report).await?;
        Ok(report)
    }

    /// Sends the photos still on the phone, after the ops that name them, each in its own
    /// requests: asks how much the server holds, then sends the rest. A photo the server refuses
    /// is marked so and the others go on; one whose record the server does not have yet waits.
    async fn send_photos(
        &self,
        account: &crate::store::Account,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let (url, token) = (&account.server_url, &account.token);
        for (id, jpeg) in self.store.photos_to_send()? {
            let length = jpeg.len() as u64;
            if length > MAX_UPLOAD_BYTES {
                // The server would refuse it (the app never makes one so large): not sent.
                self.store.photo_refused(&id, PhotoRefusal::TooLarge)?;
                report.photos_refused += 1;
                continue;
            }
            report.requests += 1;
            let answer = match self.transport.photo_status(url, token, &id).await {
                Ok(held) if held.complete => Ok(held),
                Ok(held) => {
                    let offset = held.received.min(length);
                    let rest = jpeg[offset as usize..].to_vec();
                    report.requests += 1;
                    self.transport.upload_photo(url, token, &id, offset, length, rest).await
                }
                Err(e) => Err(e),
            };
            match answer {
                Ok(held) if held.complete => {
                    self.store.photo_sent(&id)?;
                    report.photos_sent += 1;
                }
                // The server kept a part: the rest goes next time.
                Ok(_) => {}
                Err(TransportError::Server { status, body }) if status < 500 && status != 401 => {
                    if let Some(why) = PhotoRefusal::from_code(&body.error) {
                        self.store.photo_refused(&id, why)?;
                        report.photos_refused += 1;
                    }
                    // Otherwise (its record not there yet, another offset): next time.
                }
                Err(TransportError::Server { status: 401, body }) => {
                    return Err(SyncError::LoggedOut(body.message));
                }
                Err(e) => return Err(SyncError::Transport(e)),
            }
        }
        Ok(())
    }
}

/// Exponential backoff with full jitter, for retrying while the app is open.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    /// The first delay.
    pub base: Duration,
    /// The longest delay.
    pub max: Duration,
    /// Failures in a row.
    pub failures: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { base: Duration::from_secs(5), max: Duration::from_secs(15 * 60), failures: 0 }
    }
}

impl Backoff {
    /// The wait before the next attempt: the regular interval after a success, otherwise a
    /// random delay up to `base · 2^failures`, capped at `max`.
    pub fn next_delay(&self, interval: Duration) -> Duration {
        if self.failures == 0 {
            return interval;
        }
        let cap = self.base.saturating_mul(1 << self.failures.min(16)).min(self.max);
        let ms = rand::rng().random_range(cap.as_millis() as u64 / 2..=cap.as_millis() as u64);
        Duration::from_millis(ms)
    }

    /// Records an attempt's outcome.
    pub fn record(&mut self, ok: bool) {
        self.failures = if ok { 0 } else { self.failures.saturating_add(1) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_resets_on_success() {
        let interval = Duration::from_secs(60);
        let mut b = Backoff::default();
        assert_eq!(b.next_delay(interval), interval);
        let mut last_cap = Duration::ZERO;
        for failures in 1..=10 {
            b.record(false);
            let cap = b.base.saturating_mul(1 << failures).min(b.max);
            let d = b.next_delay(interval);
            assert!(d <= cap && d >= cap / 2, "{failures}: {d:?} vs {cap:?}");
            assert!(cap >= last_cap);
            last_cap = cap;
        }
        assert_eq!(last_cap, b.max);
        b.record(true);
        assert_eq!(b.next_delay(interval), interval);
    }
}
