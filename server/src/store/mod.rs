//! Storage: one transaction type ([`Tx`]) whose statements are written once for both backends,
//! over a thin per-backend adapter ([`sql::Conn`]) chosen once from the database URL. Every read
//! or write is a closure over a transaction (`read(|tx| …)`, `write(|tx| …)`): a write is one
//! transaction, committed when the closure returns `Ok`, and tried again when the database
//! says two writers collided (a deadlock, a serialization failure, a busy file).
//!
//! The methods of [`Tx`] live one file per area of the data:
//! - `log.rs` — the op log: devices' high-water marks, appending, quarantine, pull pages;
//! - `state.rs` — the merged state: households, visits, concern events and folded concerns;
//! - `photos.rs` — photos, their uploads under way, and the records that name them;
//! - `org.rs` — units, villages, cadres and their accounts, devices and tokens;
//! - `admin.rs` — passwords, the account list, the audit log;
//! - `bookkeeping.rs` — what only the office keeps: sessions, evaluation notes, overrides;
//! - `office/` — the office pages' scoped reads and figures;
//! - `decode.rs` — every row decoded once, into `shared`'s domain types.
//!
//! `sqlite/` and `postgres/` hold only what truly differs: migrations, binding, row locks,
//! numbering ops, exclusive sections and the pull-scope query. The transaction is synchronous on
//! purpose: the sync rules run inside `spawn_blocking`, whatever the backend.

mod admin;
mod bookkeeping;
mod decode;
mod derived;
mod log;
mod notifications;
mod office;
mod org;
mod photos;
pub mod postgres;
pub mod sql;
pub mod sqlite;
mod state;

use std::sync::Arc;
use std::time::Duration;

use postgres::Plans;
use sql::{Conn, Row, Value};

pub use admin::{AccountRow, AuditAction, AuditEntry, AuditQuery, AuditRow};
pub use bookkeeping::{AssignmentOverride, EvaluationNote, NoteKind, OfficeSession};
pub use log::{LogEntry, QuarantineEntry, Quarantined, ReportsOf};
pub use notifications::{Notification, SendStatus};
pub use office::{
    ConcernFacts, ConcernFilter, ConcernList, ConcernRow, ContactRow, CoverageRow, HouseholdFilter,
    HouseholdRow, MonthFacts, MonthRows, OverdueRow, ScoreRow,
};
pub use org::{Account, DeviceAuth, DeviceRow, NewDevice};
pub use photos::{PartialUpload, PhotoRef};
pub use state::PLACE_DOUBT_KEY;

/// A storage failure. Its text is logged, never sent to a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database said no.
    #[error("database: {0}")]
    Database(String),
    /// Two writers collided or the file was busy (a deadlock, a serialization failure, a lock
    /// timeout): the same write may succeed if tried again.
    #[error("database busy: {0}")]
    Busy(String),
    /// Stored data could not be read back.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The database URL is not one we know.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
}

impl StoreError {
    /// Whether the write that failed may be tried again as it is.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Busy(_))
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

/// The result of a storage call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Reads a stored id or number back.
pub(crate) fn parse<T: std::str::FromStr>(s: &str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| StoreError::Corrupt(format!("{s:?}: {e}")))
}

/// Reads a stored enum code back (`from` is the enum's `from_code`).
pub(crate) fn code<T>(s: &str, from: fn(&str) -> Option<T>) -> StoreResult<T> {
    from(s).ok_or_else(|| StoreError::Corrupt(format!("unknown code {s:?}")))
}

pub use minqing_shared::scope::Scope;

/// A part of the data that some writes decide about as a whole, held exclusively until the
/// transaction ends: a write that decides from what it read but changes nothing it could lock.
/// SQLite has one writer anyway; PostgreSQL takes an advisory lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// The monthly reports (their state is the latest op of each).
    MonthlyReports,
    /// The roster: units, villages, cadres and households as an import plans them.
    Roster,
}

/// One open transaction: every statement of the store is a method of this type (one file per
/// area), written once over the backend's adapter.
pub struct Tx<'c> {
    conn: &'c mut dyn Conn,
    /// A statement failed in a way that trying the whole write again may cure.
    retryable: bool,
}

impl std::fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx").finish_non_exhaustive()
    }
}

impl<'c> Tx<'c> {
    fn new(conn: &'c mut dyn Conn) -> Self {
        Self { conn, retryable: false }
    }

    fn noted<T>(&mut self, r: StoreResult<T>) -> StoreResult<T> {
        if r.as_ref().is_err_and(StoreError::is_retryable) {
            self.retryable = true;
        }
        r
    }

    /// Every row of `sql`.
    pub(crate) fn query(&mut self, sql: &str, params: &[Value]) -> StoreResult<Vec<Row>> {
        let start = std::time::Instant::now();
        let r = self.conn.query(sql, params);
        timed(sql, start);
        self.noted(r)
    }

    /// The first row of `sql`, if any.
    pub(crate) fn query_opt(&mut self, sql: &str, params: &[Value]) -> StoreResult<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// The one row of `sql`.
    pub(crate) fn query_one(&mut self, sql: &str, params: &[Value]) -> StoreResult<Row> {
        self.query_opt(sql, params)?
            .ok_or_else(|| StoreError::Corrupt(format!("no row from {sql:?}")))
    }

    /// Runs `sql`; the number of rows it changed.
    pub(crate) fn execute(&mut self, sql: &str, params: &[Value]) -> StoreResult<u64> {
        let start = std::time::Instant::now();
        let r = self.conn.execute(sql, params);
        timed(sql, start);
        self.noted(r)
    }

    /// Inserts `rows` (each `columns` values long) with `head` (`INSERT INTO t (a, b)`) and
    /// `tail` (an `ON CONFLICT …` clause, or empty), as the backend does it best.
    pub(crate) fn insert_rows(
        &mut self,
        head: &str,
        columns: usize,
        tail: &str,
        rows: &[Vec<Value>],
    ) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        // A row of the wrong length is a bug: neither backend pads or cuts it.
        if let Some(wrong) = rows.iter().find(|r| r.len() != columns) {
            return Err(StoreError::Database(format!(
                "a row of {} values for {columns} columns: {head}",
                wrong.len()
            )));
        }
        let start = std::time::Instant::now();
        let r = self.conn.insert_rows(head, columns, tail, rows);
        timed(head, start);
        self.noted(r)
    }

    /// The clause that locks, for the rest of a write, the rows of `alias` a `SELECT` reads.
    pub(crate) fn lock_rows(&self, alias: &str) -> String {
        self.conn.lock_rows(alias)
    }

    /// Holds `section` exclusively until the transaction ends.
    pub fn exclusive(&mut self, section: Section) -> StoreResult<()> {
        let r = self.conn.exclusive(section);
        self.noted(r)
    }
}

/// A statement slower than this is logged as a warning (every statement's time is logged at
/// the `trace` level of `minqing_server::store`).
const SLOW_STATEMENT: std::time::Duration = std::time::Duration::from_millis(200);

/// Logs how long `sql`, started at `start`, took.
fn timed(sql: &str, start: std::time::Instant) {
    let took = start.elapsed();
    let ms = took.as_secs_f64() * 1000.0;
    if took >= SLOW_STATEMENT {
        tracing::warn!(ms, sql, "slow statement");
    } else {
        tracing::trace!(ms, sql, "statement");
    }
}

/// How often a write that collided with another is tried in all.
const WRITE_ATTEMPTS: u32 = 5;

/// The database, whichever backend.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite, the embedded default.
    Sqlite(Arc<sqlite::SqliteStore>),
    /// PostgreSQL, for several server processes over one cluster.
    Postgres(Arc<postgres::PgStore>),
}

impl Db {
    /// Opens (and migrates) the database named by `url`.
    pub fn open(url: &str) -> StoreResult<Self> {
        let db = if let Some(path) =
            url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))
        {
            Db::Sqlite(Arc::new(sqlite::SqliteStore::open(path)?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Db::Postgres(Arc::new(postgres::PgStore::open(url)?))
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        derived::bring_up_to_date(&db)?;
        Ok(db)
    }

    /// Runs `f` in a read transaction (one snapshot for the whole read).
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.read_with(Plans::Kept, f)
    }

    /// [`Db::read`] for reads whose statements cost very different amounts for different
    /// values (one department's households or a county's, a week or a year: the office pages).
    /// PostgreSQL plans each statement for the values it runs with, where it would soon reuse
    /// one plan made without them (a year's concerns of a county in a city of ten read through
    /// the whole city's concerns of the year: 500 ms, against 51 ms planned for its values).
    /// SQLite plans without the values either way.
    pub fn read_planned_per_run<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.read_with(Plans::PerRun, f)
    }

    fn read_with<T, E: From<StoreError>>(
        &self,
        plans: Plans,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let run = |conn: &mut dyn Conn| f(&mut Tx::new(conn));
        match self {
            Db::Sqlite(s) => s.read(run)?,
            Db::Postgres(p) => p.read(run, plans)?,
        }
    }

    /// Runs `f` in a write transaction, committed if it returns `Ok`. When two writers
    /// collided (a deadlock, a busy file), the transaction is rolled back and `f` runs again, a
    /// few times, after a short random pause.
    pub fn write<T, E: From<StoreError>>(
        &self,
        mut f: impl FnMut(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut attempt = 1;
        loop {
            let mut retryable = false;
            let run = |conn: &mut dyn Conn| {
                let mut tx = Tx::new(conn);
                let out = f(&mut tx);
                retryable = tx.retryable;
                out
            };
            let keep = |out: &Result<T, E>| out.is_ok();
            let outcome = match self {
                Db::Sqlite(s) => s.write(run, keep),
                Db::Postgres(p) => p.write(run, keep),
            };
            let again = match &outcome {
                Err(e) => e.is_retryable(),
                Ok(Err(_)) => retryable,
                Ok(Ok(_)) => false,
            };
            if !again || attempt >= WRITE_ATTEMPTS {
                return outcome?;
            }
            tracing::warn!(attempt, "a write collided with another; trying it again");
            std::thread::sleep(Duration::from_millis(
                rand::random_range(5..50) * u64::from(attempt),
            ));
            attempt += 1;
        }
    }

    /// Settles the database after a large write (the demo county, a roster import, a seeded
    /// benchmark): SQLite moves the write-ahead log into the file and truncates it; PostgreSQL
    /// refreshes the planner's statistics (`ANALYZE`), without which each pooled connection
    /// keeps plans made for the tables as they were before (see `postgres/mod.rs`).
    pub fn after_bulk_write(&self) -> StoreResult<()> {
        match self {
            Db::Sqlite(s) => s.checkpoint(),
            Db::Postgres(p) => p.analyze(),
        }
    }

    /// Writes a consistent copy of the database to `dest` while it is in use.
    pub fn backup_to(&self, dest: &str) -> StoreResult<()> {
        match self {
            Db::Sqlite(s) => s.backup_to(dest),
            Db::Postgres(_) => Err(StoreError::Database(
                "back up PostgreSQL with pg_dump (see docs/DEPLOY.md)".into(),
            )),
        }
    }

    /// A short name of the backend, for logs and metrics.
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// How long SQLite's one writer has been held and committing since the store opened (none
    /// on PostgreSQL, whose writers run side by side).
    pub fn writer_load(&self) -> Option<sqlite::WriterLoad> {
        match self {
            Db::Sqlite(store) => Some(store.writer_load()),
            Db::Postgres(_) => None,
        }
    }

    /// Whether several server processes may share this database (each then needs a device of
    /// its own for office actions).
    pub fn is_shared(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }
}
