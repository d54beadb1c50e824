//! What the screens call: the store and the sync engine, shared through the UI's context. The
//! background loop lives here, free of any UI, so it can be tested on its own.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use minqing_shared::calendar::china_date;
use minqing_shared::clock::{SharedClock, SystemClock};
use std::time::Duration;

use tokio::sync::Notify;

use crate::location::Locator;
use crate::notify::Notifier;
use crate::photo::Camera;
use crate::store::{Store, StoreError};
use crate::sync::{Backoff, HttpTransport, SyncEngine, SyncError, SyncReport, Transport};

/// How often the app syncs while open and online.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// The app's data folder: `MINQING_DATA_DIR` if set, else the platform's app-data folder.
/// Always absolute, resolved after launch.
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MINQING_DATA_DIR") {
        return absolute(PathBuf::from(dir));
    }
    if cfg!(target_os = "android") {
        // The app's private files folder (package id in Dioxus.toml).
        return PathBuf::from("/data/data/cn.minqing.app/files");
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir);
    absolute(base.join("minqing"))
}

fn absolute(p: PathBuf) -> PathBuf {
    std::path::absolute(&p).unwrap_or(p)
}

/// One step of the background loop, for the UI to show.
#[derive(Debug)]
pub enum SyncEvent {
    /// A sync began.
    Started,
    /// A sync ended.
    Finished(Result<SyncReport, SyncError>),
}

/// The store, the engine and the loop's doorbell.
#[derive(Debug)]
pub struct Services<T = HttpTransport> {
    engine: SyncEngine<T>,
    kick: Notify,
    /// The store's write generation last made durable by [`Services::persist`].
    persisted: std::sync::atomic::AtomicU64,
    /// Where the visit form's location fix comes from.
    locator: Locator,
    /// Where the forms' photos come from.
    camera: Camera,
    /// Where the morning reminder goes.
    notifier: Notifier,
    /// The encrypted database's keys (the app's; none in the screen tests and the browser).
    vault: Option<Arc<crate::vault::Vault>>,
    /// Set once the phone erased itself as ordered: the app starts again from the login.
    erased: std::sync::atomic::AtomicBool,
}

impl Services<HttpTransport> {
    /// The app's services over its opened `store`, whose keys `vault` keeps, with the real
    /// network, and the platform's position, camera and notifications.
    pub fn for_app(store: Arc<Store>, vault: Arc<crate::vault::Vault>) -> Arc<Self> {
        let services = Self::new(store, HttpTransport::default())
            .with_locator(Locator::from_env())
            .with_camera(Camera::from_env())
            .with_notifier(Notifier::Platform)
            .with_vault(vault);
        Arc::new(services)
    }
}

impl<T: Transport> Services<T> {
    /// Services over `store` and `transport`, on the device's clock.
    pub fn new(store: Arc<Store>, transport: T) -> Self {
        Self::with_clock(store, transport, Arc::new(SystemClock))
    }

    /// Services over `store` and `transport`, reading the time from `clock`.
    pub fn with_clock(store: Arc<Store>, transport: T, clock: SharedClock) -> Self {
        Self {
            engine: SyncEngine::new(store, transport).with_clock(clock),
            kick: Notify::new(),
            persisted: std::sync::atomic::AtomicU64::new(0),
            locator: Locator::Fixed(Err(minqing_shared::visit::NoFix::Unavailable)),
            camera: Camera::Picker,
            notifier: Notifier::Off,
            vault: None,
            erased: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The same services keeping the database's keys in `vault`.
    pub fn with_vault(mut self, vault: Arc<crate::vault::Vault>) -> Self {
        self.vault = Some(vault);
        self
    }

    /// The vault, if the database is encrypted.
    pub fn vault(&self) -> Option<&Arc<crate::vault::Vault>> {
        self.vault.as_ref()
    }

    /// Whether the phone erased itself as ordered (the app shows 本机数据已擦除).
    pub fn erased(&self) -> bool {
        self.erased.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// One sync; when the Organization Department ordered this phone erased, erases it (a
    /// wipe at once; a retirement once all was sent) and reports it to the server.
    pub async fn sync_once(&self) -> Result<SyncReport, SyncError> {
        let account = self.store().account()?;
        let report = self.engine.sync_once().await?;
        let (Some(order), Some(account)) = (report.erase, account) else { return Ok(report) };
        tracing::warn!(?order, "erasing this phone as ordered");
        match &self.vault {
            Some(vault) => {
                vault.erase(self.store()).map_err(|e| StoreError::Invalid(e.to_string()))?
            }
            None => self.store().erase()?,
        }
        self.erased.store(true, std::sync::atomic::Ordering::SeqCst);
        self.persist().await?;
        // Reported with the token it had: the server ends it there.
        let reported =
            self.engine.transport().report_erased(&account.server_url, &account.token).await;
        if let Err(e) = reported {
            tracing::warn!(error = %e, "the erasure could not be reported; the server sees the order as heard");
        }
        Ok(report)
    }

    /// The same services showing the morning reminder through `notifier`.
    pub fn with_notifier(mut self, notifier: Notifier) -> Self {
        self.notifier = notifier;
        self
    }

    /// The morning reminder's text, once a day from 08:00 China time on a day with households
    /// still due (in the cadre's language); `None` otherwise, or when it was given already.
    pub fn morning_reminder(&self) -> Result<Option<String>, StoreError> {
        if !minqing_shared::reminders::is_morning_or_later(self.real_now()) {
            return Ok(None);
        }
        if self.store().account()?.is_none_or(|a| a.token.is_empty()) {
            return Ok(None);
        }
        let today = self.today();
        let reminders = self.store().reminders(today, i64::MAX)?;
        if reminders.due.is_empty() || !self.store().take_morning_notification(today)? {
            return Ok(None);
        }
        let lang = crate::i18n::lang_from_setting(
            self.store().setting(crate::i18n::LANG_SETTING)?.as_deref(),
        );
        Ok(Some(crate::i18n::due_this_week(lang, reminders.due.len(), reminders.days_left)))
    }

    /// The same services taking photos from `camera`.
    pub fn with_camera(mut self, camera: Camera) -> Self {
        self.camera = camera;
        self
    }

    /// Where photos come from.
    pub fn camera(&self) -> &Camera {
        &self.camera
    }

    /// The same services taking location fixes from `locator` (the platform's in the app; none
    /// by default, as in the screen tests).
    pub fn with_locator(mut self, locator: Locator) -> Self {
        self.locator = locator;
        self
    }

    /// Where location fixes come from.
    pub fn locator(&self) -> &Locator {
        &self.locator
    }

    /// Now, on the device's clock (the store corrects what it saves by the server's offset).
    pub fn now(&self) -> DateTime<Utc> {
        self.engine.clock().now()
    }

    /// Today in China, on the device's clock corrected by the offset learned from the server:
    /// the day the office sees.
    pub fn today(&self) -> NaiveDate {
        china_date(self.real_now())
    }

    /// Now, on the device's clock corrected by the offset learned from the server: the time the
    /// screens show and the visit form offers.
    pub fn real_now(&self) -> DateTime<Utc> {
        let offset = self.store().account().ok().flatten().map_or(0, |a| a.clock.offset_ms);
        self.now() + chrono::Duration::milliseconds(offset)
    }

    /// The local store.
    pub fn store(&self) -> &Store {
        self.engine.store()
    }

    /// The engine.
    pub fn engine(&self) -> &SyncEngine<T> {
        &self.engine
    }

    /// Logs in online.
    pub async fn login(
        &self,
        server_url: &str,
        username: &str,
        password: &str,
    ) -> Result<(), SyncError> {
        let device = format!("{}的手机", username.trim());
        self.engine.login(server_url.trim(), username.trim(), password, &device).await?;
        // The server knows the password right: it wraps the database's key from now on.
        if let Some(vault) = self.vault.as_ref().filter(|v| !v.is_plain()) {
            vault.seal_with_password(password).map_err(|e| StoreError::Invalid(e.to_string()))?;
        }
        self.persist().await?;
        self.request_sync();
        Ok(())
    }

    /// Changes the account's password online; the database's key is wrapped by the new one
    /// from then on (the old one no longer opens the phone).
    pub async fn change_password(
        &self,
        server_url: &str,
        username: &str,
        old: &str,
        new: &str,
    ) -> Result<(), SyncError> {
        self.engine.change_password(server_url, username, old, new).await?;
        if let Some(vault) = &self.vault {
            vault.seal_with_password(new).map_err(|e| StoreError::Invalid(e.to_string()))?;
        }
        self.persist().await?;
        Ok(())
    }

    /// Makes every committed write durable. On a phone or desktop each commit already is (an
    /// SQLite file, `synchronous=FULL`); in a browser the database lives in memory and this
    /// saves its image, sealed, with the key file when it changed, to IndexedDB, returning once
    /// the browser committed it.
    pub async fn persist(&self) -> Result<(), StoreError> {
        use std::sync::atomic::Ordering;
        let generation = self.store().generation();
        let image = self.vault.as_ref().and_then(|v| v.image());
        let keys_unsaved = image.is_some_and(|i| i.keys_unsaved());
        if generation == self.persisted.load(Ordering::SeqCst) && !keys_unsaved {
            return Ok(());
        }
        #[cfg(target_arch = "wasm32")]
        if let Some(image) = image {
            let invalid = |e: crate::vault::VaultError| StoreError::Invalid(e.to_string());
            let saving = image.to_save(&self.store().snapshot()?).map_err(invalid)?;
            let sealed_as_of = match &saving {
                crate::vault::image::Saving::Put { keys_version, .. } => Some(*keys_version),
                crate::vault::image::Saving::Erase => None,
            };
            crate::web::save(saving).await.map_err(StoreError::Invalid)?;
            if let Some(keys_version) = sealed_as_of {
                image.image_saved(keys_version);
            }
        }
        self.persisted.fetch_max(generation, Ordering::SeqCst);
        Ok(())
    }

    /// Asks the background loop to sync now (after a save, on resume, "sync now").
    pub fn request_sync(&self) {
        self.kick.notify_one();
    }

    /// The background loop: syncs at start, when asked, and on a timer — the regular interval
    /// after a success, exponential backoff with jitter after a failure. Runs until dropped.
    pub async fn run_background(&self, mut on_event: impl FnMut(SyncEvent)) {
        let mut backoff = Backoff::default();
        loop {
            let logged_in =
                self.store().account().ok().flatten().is_some_and(|a| !a.token.is_empty());
            if logged_in {
                on_event(SyncEvent::Started);
                let result = self.sync_once().await;
                let result = match (result, self.persist().await) {
                    (Ok(_), Err(e)) => Err(SyncError::from(e)),
                    (result, _) => result,
                };
                backoff.record(result.is_ok());
                on_event(SyncEvent::Finished(result));
                if let Ok(Some(text)) = self.morning_reminder() {
                    let shown = self.notifier.show("民情通 提醒", &text).await;
                    tracing::info!(?shown, "the morning reminder");
                }
            }
            let wait = backoff.next_delay(SYNC_INTERVAL);
            tokio::select! {
                _ = self.kick.notified() => {}
                _ = crate::platform::sleep(wait) => {}
            }
        }
    }
}
