//! The state every handler shares.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use minqing_shared::clock::{SharedClock, SystemClock};
use minqing_shared::ids::DeviceId;
use minqing_shared::sync::HlcClock;

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::store::{Db, StoreError, Tx};
use crate::sync::ServerDevice;
use crate::throttle::LoginThrottle;

const SERVER_DEVICE_KEY: &str = "server_device_id";

/// Shared, cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    db: Db,
    /// The one clock every handler reads "now" and "today" from.
    clock: SharedClock,
    metrics: Metrics,
    server_device: ServerDevice,
    /// When this process last wrote each device's `last_seen`, so a pull writes at most once a
    /// minute per device instead of on every page.
    seen: std::sync::Mutex<std::collections::HashMap<DeviceId, Instant>>,
    /// Failed logins, per account and per address (in memory, per process).
    login_throttle: LoginThrottle,
    /// What the server believes of the network around it; set once at start.
    perimeter: std::sync::OnceLock<Perimeter>,
    /// Where the web app's files are (`--web-dir`); set once at start.
    web_dir: std::sync::OnceLock<std::path::PathBuf>,
}

/// What the server believes of the network around it (`serve`'s flags).
#[derive(Clone, Debug, Default)]
pub struct Perimeter {
    /// The proxies (addresses or networks) whose `X-Forwarded-For` names the client
    /// (`--trusted-proxy`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The bearer token that opens `/metrics` to a request that is not straight from loopback
    /// (`--metrics-token`).
    pub metrics_token: Option<String>,
}

/// How often a device's `last_seen` is written at most.
const SEEN_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

impl AppState {
    /// State over an open database, on the system's clock; registers the server's own device on
    /// first use.
    pub fn new(db: Db) -> Result<Self, StoreError> {
        Self::with_clock(db, Arc::new(SystemClock))
    }

    /// State over an open database, reading the time from `clock`.
    pub fn with_clock(db: Db, clock: SharedClock) -> Result<Self, StoreError> {
        let shared = db.is_shared();
        let now_ms = clock.now_ms();
        let id = db.write(|tx| server_device_id(tx, shared, now_ms))?;
        // The clock goes on from the device's last op, even if the system clock went back.
        let mut hlc = HlcClock::new();
        if let Some(last) = db.read(|tx| tx.last_hlc(id))? {
            hlc.observe(last);
        }
        let last = db.read(|tx| tx.last_seq())?;
        tracing::info!(backend = db.backend(), server_device = %id, last_seq = last, "database ready");
        hlc.tick(now_ms);
        Ok(Self(Arc::new(Inner {
            db,
            clock,
            metrics: Metrics::default(),
            server_device: ServerDevice { id, clock: std::sync::Mutex::new(hlc) },
            seen: std::sync::Mutex::new(std::collections::HashMap::new()),
            login_throttle: LoginThrottle::default(),
            perimeter: std::sync::OnceLock::new(),
            web_dir: std::sync::OnceLock::new(),
        })))
    }

    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.0.clock
    }

    /// Now.
    pub fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }

    /// Now, in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.0.clock.now_ms()
    }

    /// Today in China.
    pub fn today(&self) -> NaiveDate {
        self.0.clock.today()
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.0.db
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// Failed logins, per account and per address; shared by the API and office logins.
    pub fn login_throttle(&self) -> &LoginThrottle {
        &self.0.login_throttle
    }

    /// What the server believes of the network around it: nothing unless
    /// [`AppState::set_perimeter`] was called.
    pub fn perimeter(&self) -> &Perimeter {
        static NONE: Perimeter = Perimeter { trusted_proxies: Vec::new(), metrics_token: None };
        self.0.perimeter.get().unwrap_or(&NONE)
    }

    /// Sets what the server believes of the network (at start, once; a second call is
    /// ignored).
    pub fn set_perimeter(&self, perimeter: Perimeter) {
        let _ = self.0.perimeter.set(perimeter);
    }

    /// Where the web app's files are, if the server was told (`--web-dir`).
    pub fn web_dir(&self) -> Option<&std::path::Path> {
        self.0.web_dir.get().map(std::path::PathBuf::as_path)
    }

    /// Serves the web app from `dir` (at start, once; a second call is ignored).
    pub fn set_web_dir(&self, dir: std::path::PathBuf) {
        let _ = self.0.web_dir.set(dir);
    }

    /// The server's own device.
    pub fn server_device(&self) -> &ServerDevice {
        &self.0.server_device
    }

    /// Whether `device`'s last sync time is due to be written (at most once a minute per
    /// device); if so, counts it as written now.
    pub fn seen_due(&self, device: DeviceId) -> bool {
        let mut seen = self.0.seen.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let due = seen.get(&device).is_none_or(|t| now.duration_since(*t) >= SEEN_EVERY);
        if due {
            seen.insert(device, now);
        }
        due
    }

    /// Notes that `device`'s last sync time was just written (a push writes it): the pull that
    /// follows in the same sync need not write it again.
    pub fn seen_written(&self, device: DeviceId) {
        let mut seen = self.0.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.insert(device, Instant::now());
    }

    /// Runs a read off the async runtime, timed under `call`.
    pub async fn read<T: Send + 'static>(
        &self,
        call: &'static str,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let (state, span) = (self.clone(), tracing::Span::current());
        tokio::task::spawn_blocking(move || {
            let _request = span.enter();
            let start = Instant::now();
            let out = state.db().read(f);
            state.metrics().db(call, start.elapsed());
            out
        })
        .await?
    }

    /// Runs a write transaction off the async runtime, timed under `call`. `f` runs again if
    /// the transaction collided with another (see [`Db::write`]).
    pub async fn write<T: Send + 'static>(
        &self,
        call: &'static str,
        mut f: impl FnMut(&mut Tx<'_>, &AppState) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let (state, span) = (self.clone(), tracing::Span::current());
        tokio::task::spawn_blocking(move || {
            let _request = span.enter();
            let start = Instant::now();
            let out = state.db().write(|tx| f(tx, &state));
            state.metrics().db(call, start.elapsed());
            out
        })
        .await?
    }
}

/// The device that stamps this process's office actions. With SQLite (one process) it is kept
/// across restarts; with a shared database every process gets its own, so that no two processes
/// ever stamp one device's ops with clocks of their own.
fn server_device_id(tx: &mut Tx<'_>, shared: bool, now_ms: i64) -> Result<DeviceId, StoreError> {
    if !shared {
        if let Some(id) = tx.meta(SERVER_DEVICE_KEY)? {
            return id.parse().map_err(|e| StoreError::Corrupt(format!("server device id: {e}")));
        }
    }
    let id = DeviceId::new();
    let name = format!("server {}", std::process::id());
    tx.insert_server_device(id, &name, now_ms)?;
    if !shared {
        tx.set_meta(SERVER_DEVICE_KEY, &id.to_string())?;
    }
    Ok(id)
}
