//! Storage: one data-access trait ([`Tx`]) with a module per backend, chosen once from the
//! database URL. Every read or write is a closure over a transaction (`read(|tx| …)`,
//! `write(|tx| …)`): a write is one transaction, committed when the closure returns `Ok`.
//!
//! The trait is synchronous on purpose: the sync rules (scope, merge, quarantine) are written
//! once against it and run inside `spawn_blocking`, whatever the backend.

pub mod admin;
pub mod office;
pub mod postgres;
mod postgres_admin;
mod postgres_conn;
mod postgres_log;
mod postgres_office;
mod postgres_schema;
mod postgres_state;
pub mod sqlite;
mod sqlite_admin;
mod sqlite_log;
mod sqlite_office;
mod sqlite_schema;
mod sqlite_state;

use std::sync::Arc;

use minqing_shared::ids::{
    CadreId, ConcernId, DeviceId, HouseholdId, OpId, UnitId, VillageId, VisitId,
};
use minqing_shared::org::{Role, Standing, UnitKind};
use minqing_shared::sync::merge::{ConcernEvent, ConcernState, HouseholdState};
use minqing_shared::sync::op::RecordType;
use minqing_shared::sync::{Change, Op};
use minqing_shared::visit::Visit;

pub use admin::{
    AccountRow, AuditAction, AuditEntry, AuditQuery, AuditRow, DeviceRow, NewDevice, Section,
};
pub use office::{AssignmentOverride, EvaluationNote, NoteKind, OfficeSession, VisitFact};

/// A storage failure. Its text is logged, never sent to a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database said no.
    #[error("database: {0}")]
    Database(String),
    /// Stored data could not be read back.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The database URL is not one we know.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
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

/// An account, as login needs it.
#[derive(Clone, Debug)]
pub struct Account {
    /// The cadre.
    pub cadre: CadreRow,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Disabled accounts cannot log in.
    pub disabled: bool,
}

/// A cadre as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CadreRow {
    /// Id.
    pub id: CadreId,
    /// Login name.
    pub username: String,
    /// Full name.
    pub name: String,
    /// Unit.
    pub unit_id: UnitId,
    /// Role.
    pub role: Role,
    /// Mobile.
    pub phone: String,
    /// Title.
    pub title: String,
    /// Contact villages.
    pub villages: Vec<VillageId>,
}

/// A unit as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitRow {
    /// Id.
    pub id: UnitId,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: UnitKind,
}

/// A village as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VillageRow {
    /// Id.
    pub id: VillageId,
    /// Name.
    pub name: String,
    /// Township.
    pub township_id: UnitId,
    /// Population.
    pub population: u32,
    /// Standing.
    pub standing: Standing,
}

/// Who a device token belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceAuth {
    /// The device.
    pub device_id: DeviceId,
    /// Its cadre.
    pub cadre_id: CadreId,
    /// The cadre's role.
    pub role: Role,
    /// The cadre's unit.
    pub unit_id: UnitId,
    /// The cadre's unit's kind.
    pub unit_kind: UnitKind,
    /// Set once the device is revoked (lost phone).
    pub revoked: bool,
    /// Set once the account is disabled.
    pub disabled: bool,
}

/// Whose changes a pull returns, computed from the token, never sent by the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// A cadre: their households and everything about them, their villages, unit and profile.
    Cadre {
        /// The cadre.
        cadre: CadreId,
        /// The cadre's unit.
        unit: UnitId,
    },
    /// An office: every household of its township's villages or linked to its cadres.
    Unit(UnitId),
    /// The Organization Department and administrators: the county.
    County,
}

/// An op as it goes into the log, with the columns scope is computed from.
#[derive(Clone, Debug)]
pub struct LogEntry<'a> {
    /// The op.
    pub op: &'a Op,
    /// The household it is about, if any.
    pub household_id: Option<HouseholdId>,
    /// The unit it is addressed to, if any (reports, unit profiles).
    pub unit_id: Option<UnitId>,
}

/// An op refused and kept aside.
#[derive(Clone, Debug)]
pub struct QuarantineEntry<'a> {
    /// Sending device.
    pub device_id: DeviceId,
    /// Its seq.
    pub device_seq: u64,
    /// Its id, if readable.
    pub op_id: Option<OpId>,
    /// The op as received.
    pub raw: &'a str,
    /// Stable code.
    pub error: &'a str,
    /// Reason.
    pub message: &'a str,
}

/// The data-access trait every backend implements, over one open transaction.
pub trait Tx {
    // --- accounts and devices
    /// An account by login name.
    fn account_by_username(&mut self, username: &str) -> StoreResult<Option<Account>>;
    /// A cadre by id.
    fn cadre(&mut self, id: CadreId) -> StoreResult<Option<CadreRow>>;
    /// Creates or replaces a cadre (and its login, if `password_hash` is given).
    fn put_cadre(&mut self, cadre: &CadreRow, password_hash: Option<&str>) -> StoreResult<()>;
    /// A unit by id.
    fn unit(&mut self, id: UnitId) -> StoreResult<Option<UnitRow>>;
    /// Creates or replaces a unit.
    fn put_unit(&mut self, unit: &UnitRow) -> StoreResult<()>;
    /// A village by id.
    fn village(&mut self, id: VillageId) -> StoreResult<Option<VillageRow>>;
    /// Creates or replaces a village.
    fn put_village(&mut self, village: &VillageRow) -> StoreResult<()>;
    /// Registers a device with the hash of its token and the app version it reported.
    fn insert_device(&mut self, device: &NewDevice<'_>, now_ms: i64) -> StoreResult<()>;
    /// Registers the server's own device, which stamps office actions.
    fn insert_server_device(
        &mut self,
        device: DeviceId,
        name: &str,
        now_ms: i64,
    ) -> StoreResult<()>;
    /// The device a token hash belongs to.
    fn device_by_token_hash(&mut self, token_hash: &str) -> StoreResult<Option<DeviceAuth>>;
    /// Marks a device as lost: its token stops working at once.
    fn revoke_device(&mut self, device: DeviceId, now_ms: i64) -> StoreResult<bool>;
    /// Records that a device was seen, with the app version it reported (kept when `None`).
    fn touch_device(
        &mut self,
        device: DeviceId,
        now_ms: i64,
        app_version: Option<&str>,
    ) -> StoreResult<()>;
    /// The last seq stored for a device (0 if none).
    fn high_water(&mut self, device: DeviceId) -> StoreResult<u64>;
    /// Moves a device's high-water mark.
    fn set_high_water(&mut self, device: DeviceId, seq: u64) -> StoreResult<()>;

    // --- the log
    /// Whether an op id is already in the log.
    fn op_exists(&mut self, op_id: OpId) -> StoreResult<bool>;
    /// Appends an op. Its `server_seq` is assigned before the transaction commits, in commit
    /// order (SQLite: at once, by the one writer; PostgreSQL: at the end, under the writers'
    /// lock — see `postgres.rs`).
    fn append_op(&mut self, entry: &LogEntry<'_>, now_ms: i64) -> StoreResult<()>;
    /// Keeps a refused op aside.
    fn quarantine(&mut self, entry: &QuarantineEntry<'_>, now_ms: i64) -> StoreResult<()>;
    /// The refusal kept for a device's seq, if it was refused: `(op_id, error, message)`.
    fn quarantined(
        &mut self,
        device: DeviceId,
        seq: u64,
    ) -> StoreResult<Option<(Option<OpId>, String, String)>>;
    /// Changes in `scope` after `cursor`, at most `limit`, in order, leaving out the ops that
    /// `except` made (a phone has its own changes already).
    fn changes_since(
        &mut self,
        scope: Scope,
        cursor: u64,
        limit: u32,
        except: Option<DeviceId>,
    ) -> StoreResult<Vec<Change>>;
    /// Every change of one household (profile, visits, concerns) up to `through`, in order.
    fn household_history(
        &mut self,
        household: HouseholdId,
        through: u64,
    ) -> StoreResult<Vec<Change>>;
    /// The highest `server_seq`.
    fn last_seq(&mut self) -> StoreResult<u64>;
    /// The clock of the last op `device` logged, if any.
    fn last_hlc(&mut self, device: DeviceId) -> StoreResult<Option<minqing_shared::sync::Hlc>>;

    // --- merged state
    /// A household's merged state.
    fn household(&mut self, id: HouseholdId) -> StoreResult<Option<HouseholdState>>;
    /// Stores a household's merged state.
    fn put_household(&mut self, state: &HouseholdState) -> StoreResult<()>;
    /// Whether a visit exists.
    fn visit_exists(&mut self, id: VisitId) -> StoreResult<bool>;
    /// Stores a visit.
    fn insert_visit(&mut self, visit: &Visit) -> StoreResult<()>;
    /// A visit's household and cadre.
    fn visit_owner(&mut self, id: VisitId) -> StoreResult<Option<(HouseholdId, CadreId)>>;
    /// Every event of a concern.
    fn concern_events(&mut self, id: ConcernId) -> StoreResult<Vec<ConcernEvent>>;
    /// Appends a concern event.
    fn insert_concern_event(&mut self, concern: ConcernId, event: &ConcernEvent)
    -> StoreResult<()>;
    /// A concern's folded state.
    fn concern(&mut self, id: ConcernId) -> StoreResult<Option<ConcernState>>;
    /// Stores a concern's folded state.
    fn put_concern(&mut self, state: &ConcernState) -> StoreResult<()>;

    // --- server settings
    /// A value from the settings table.
    fn meta(&mut self, key: &str) -> StoreResult<Option<String>>;
    /// Sets a value in the settings table.
    fn set_meta(&mut self, key: &str, value: &str) -> StoreResult<()>;

    // --- administration: accounts, devices, the audit log (`admin.rs`)
    /// Sets an account's password hash and whether it must be changed at the next login; ends
    /// the account's office sessions (a reset password opens nothing the old one had opened).
    fn set_password(&mut self, cadre: CadreId, hash: &str, must_change: bool) -> StoreResult<()>;
    /// The account's own change: sets `hash` (to keep) only if the stored hash is still
    /// `verified`, the one its current password was checked against — a reset in between wins.
    /// Ends its office sessions. Whether it changed.
    fn replace_password(&mut self, cadre: CadreId, verified: &str, hash: &str)
    -> StoreResult<bool>;
    /// Whether the account must change its password before a phone may log in.
    fn must_change_password(&mut self, cadre: CadreId) -> StoreResult<bool>;
    /// Disables or enables an account; disabling ends its office sessions.
    fn set_disabled(&mut self, cadre: CadreId, disabled: bool) -> StoreResult<()>;
    /// Every account, with whether it is disabled and must change its password, by login name.
    fn all_accounts(&mut self) -> StoreResult<Vec<AccountRow>>;
    /// Devices, of one account or of all (servers' own devices included), by login name.
    fn devices(&mut self, cadre: Option<CadreId>) -> StoreResult<Vec<DeviceRow>>;
    /// Appends a line to the audit log.
    fn insert_audit(&mut self, entry: &AuditEntry) -> StoreResult<()>;
    /// Lines of the audit log, newest first.
    fn audit_entries(&mut self, query: &AuditQuery) -> StoreResult<Vec<AuditRow>>;

    // --- the office pages (a backend without them cannot serve /office)
    /// Every unit.
    fn all_units(&mut self) -> StoreResult<Vec<UnitRow>> {
        Err(unsupported("all_units"))
    }
    /// Every village.
    fn all_villages(&mut self) -> StoreResult<Vec<VillageRow>> {
        Err(unsupported("all_villages"))
    }
    /// Every cadre (accounts of every role).
    fn all_cadres(&mut self) -> StoreResult<Vec<CadreRow>> {
        Err(unsupported("all_cadres"))
    }
    /// Every household's merged state, tombstones included.
    fn all_households(&mut self) -> StoreResult<Vec<HouseholdState>> {
        Err(unsupported("all_households"))
    }
    /// Every concern's folded state.
    fn all_concerns(&mut self) -> StoreResult<Vec<ConcernState>> {
        Err(unsupported("all_concerns"))
    }
    /// Visits with `from_ms <= visited_ms < to_ms`, without their text.
    fn visit_facts(&mut self, from_ms: i64, to_ms: i64) -> StoreResult<Vec<VisitFact>> {
        let _ = (from_ms, to_ms);
        Err(unsupported("visit_facts"))
    }
    /// The time of each household's latest in-person visit.
    fn last_in_person_visits(&mut self) -> StoreResult<Vec<(HouseholdId, i64)>> {
        Err(unsupported("last_in_person_visits"))
    }
    /// A household's visits, newest first.
    fn household_visits(&mut self, id: HouseholdId) -> StoreResult<Vec<Visit>> {
        let _ = id;
        Err(unsupported("household_visits"))
    }
    /// Every op of one record type, in log order.
    fn ops_of_type(&mut self, record_type: RecordType) -> StoreResult<Vec<Change>> {
        let _ = record_type;
        Err(unsupported("ops_of_type"))
    }
    /// Stores a new office session.
    fn insert_office_session(&mut self, session: &OfficeSession) -> StoreResult<()> {
        let _ = session;
        Err(unsupported("insert_office_session"))
    }
    /// Holds `section` exclusively until the transaction ends, for a write that decides from
    /// what it read and changes nothing it could lock (a monthly report's state is the latest of
    /// its ops; a roster import plans from everything it read). SQLite has one writer anyway.
    fn exclusive(&mut self, section: Section) -> StoreResult<()> {
        let _ = section;
        Ok(())
    }
    /// An office session by the hash of its id.
    fn office_session(&mut self, id_hash: &str) -> StoreResult<Option<OfficeSession>> {
        let _ = id_hash;
        Err(unsupported("office_session"))
    }
    /// Marks an office session as used now.
    fn touch_office_session(&mut self, id_hash: &str, now_ms: i64) -> StoreResult<()> {
        let _ = (id_hash, now_ms);
        Err(unsupported("touch_office_session"))
    }
    /// Ends an office session, and every session idle since before `idle_before_ms`.
    fn delete_office_session(&mut self, id_hash: &str, idle_before_ms: i64) -> StoreResult<()> {
        let _ = (id_hash, idle_before_ms);
        Err(unsupported("delete_office_session"))
    }
    /// Records a reward or criticism.
    fn insert_evaluation_note(&mut self, note: &EvaluationNote) -> StoreResult<()> {
        let _ = note;
        Err(unsupported("insert_evaluation_note"))
    }
    /// The rewards and criticisms of a period, oldest first.
    fn evaluation_notes(&mut self, period: &str) -> StoreResult<Vec<EvaluationNote>> {
        let _ = period;
        Err(unsupported("evaluation_notes"))
    }
    /// Every override of an assignment warning.
    fn assignment_overrides(&mut self) -> StoreResult<Vec<AssignmentOverride>> {
        Err(unsupported("assignment_overrides"))
    }
    /// Records (or replaces) the override of one warning.
    fn put_assignment_override(&mut self, o: &AssignmentOverride) -> StoreResult<()> {
        let _ = o;
        Err(unsupported("put_assignment_override"))
    }
}

fn unsupported(what: &str) -> StoreError {
    StoreError::Database(format!("{what} is not available on this storage backend"))
}

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
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            return Ok(Db::Sqlite(Arc::new(sqlite::SqliteStore::open(path)?)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Db::Postgres(Arc::new(postgres::PgStore::open(url)?)));
        }
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }

    /// Runs `f` in a read transaction.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, E>,
    ) -> Result<T, E> {
        match self {
            Db::Sqlite(s) => s.read(f),
            Db::Postgres(p) => p.read(f),
        }
    }

    /// Runs `f` in a write transaction, committed if it returns `Ok`.
    pub fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, E>,
    ) -> Result<T, E> {
        match self {
            Db::Sqlite(s) => s.write(f),
            Db::Postgres(p) => p.write(f),
        }
    }

    /// Shrinks the write-ahead log after a large transaction (SQLite; PostgreSQL manages its own).
    pub fn checkpoint(&self) -> StoreResult<()> {
        match self {
            Db::Sqlite(s) => s.checkpoint(),
            Db::Postgres(_) => Ok(()),
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

    /// Whether several server processes may share this database (each then needs a device of
    /// its own for office actions).
    pub fn is_shared(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }
}
