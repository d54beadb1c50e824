//! The SQLite backend: rusqlite (bundled), WAL, a busy timeout, one writer connection behind a
//! mutex (so `server_seq` is assigned by a single writer inside its transaction) and a few
//! reader connections for pulls and pages.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use minqing_shared::ids::{
    CadreId, ConcernId, DeviceId, HouseholdId, OpId, UnitId, VillageId, VisitId,
};
use minqing_shared::org::{Role, Standing, UnitKind};
use minqing_shared::sync::Change;
use minqing_shared::sync::merge::{ConcernEvent, ConcernState, HouseholdState};
use minqing_shared::visit::Visit;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params};

use super::sqlite_admin as admin;
use super::sqlite_log;
use super::sqlite_office as office;
use super::sqlite_schema::MIGRATIONS;
use super::sqlite_state;
use super::{
    Account, AssignmentOverride, AuditEntry, AuditQuery, AuditRow, CadreRow, DeviceAuth, DeviceRow,
    EvaluationNote, LogEntry, NewDevice, OfficeSession, QuarantineEntry, Scope, StoreError,
    StoreResult, Tx, UnitRow, VillageRow, VisitFact,
};
use super::{code, parse};
use minqing_shared::sync::op::RecordType;

const READERS: usize = 4;

/// A SQLite database file.
#[derive(Debug)]
pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

fn configure(conn: &Connection) -> StoreResult<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(())
}

/// Brings a database up to the latest migration.
fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let version: usize =
        conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    if version > MIGRATIONS.len() {
        return Err(StoreError::Database(format!(
            "the database is at schema {version}, newer than this server ({})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "applied SQLite migration");
    }
    Ok(())
}

impl SqliteStore {
    /// Opens the file at `path`, creating and migrating it as needed.
    pub fn open(path: &str) -> StoreResult<Self> {
        if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(e.to_string()))?;
        }
        let mut writer = Connection::open(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        // A large transaction (the demo county) must not leave a WAL of its size behind.
        writer.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        configure(&writer)?;
        migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let conn = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure(&conn)?;
                Ok(Mutex::new(conn))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Self { writer: Mutex::new(writer), readers, next_reader: AtomicUsize::new(0) })
    }

    /// Runs `f` in a read transaction on one of the reader connections.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, E>,
    ) -> Result<T, E> {
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        let mut conn = self.readers[i].lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction().map_err(StoreError::from)?;
        let out = f(&mut SqliteTx(&tx))?;
        tx.finish().map_err(StoreError::from)?;
        Ok(out)
    }

    /// Runs `f` in a write transaction (`BEGIN IMMEDIATE`), committed if it returns `Ok`.
    pub fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let out = f(&mut SqliteTx(&tx))?;
        tx.commit().map_err(StoreError::from)?;
        Ok(out)
    }

    /// Moves the WAL into the database file and truncates it (after a large transaction).
    pub fn checkpoint(&self) -> StoreResult<()> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Writes a consistent copy of the database to `dest` (online backup).
    pub fn backup_to(&self, dest: &str) -> StoreResult<()> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        conn.execute("VACUUM INTO ?1", params![dest])?;
        Ok(())
    }
}

struct SqliteTx<'a>(&'a Connection);

/// A cadre row's text columns, in `CADRE_COLUMNS` order.
pub(super) type CadreColumns = (String, String, String, String, String, String, String, String);

pub(super) fn cadre_from_row(r: &Row<'_>) -> rusqlite::Result<CadreColumns> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
}

pub(super) fn cadre_row(t: CadreColumns) -> StoreResult<CadreRow> {
    let (id, username, name, unit_id, role, phone, title, villages) = t;
    Ok(CadreRow {
        id: parse(&id)?,
        username,
        name,
        unit_id: parse(&unit_id)?,
        role: code(&role, Role::from_code)?,
        phone,
        title,
        villages: serde_json::from_str(&villages)?,
    })
}

pub(super) const CADRE_COLUMNS: &str = "id, username, name, unit_id, role, phone, title, villages";

impl Tx for SqliteTx<'_> {
    fn set_password(&mut self, cadre: CadreId, hash: &str, must_change: bool) -> StoreResult<()> {
        admin::set_password(self.0, cadre, hash, must_change)
    }

    fn replace_password(
        &mut self,
        cadre: CadreId,
        verified: &str,
        hash: &str,
    ) -> StoreResult<bool> {
        admin::replace_password(self.0, cadre, verified, hash)
    }
    fn must_change_password(&mut self, cadre: CadreId) -> StoreResult<bool> {
        admin::must_change_password(self.0, cadre)
    }
    fn set_disabled(&mut self, cadre: CadreId, disabled: bool) -> StoreResult<()> {
        admin::set_disabled(self.0, cadre, disabled)
    }
    fn all_accounts(&mut self) -> StoreResult<Vec<super::AccountRow>> {
        admin::all_accounts(self.0)
    }
    fn devices(&mut self, cadre: Option<CadreId>) -> StoreResult<Vec<DeviceRow>> {
        admin::devices(self.0, cadre)
    }
    fn insert_audit(&mut self, entry: &AuditEntry) -> StoreResult<()> {
        admin::insert_audit(self.0, entry)
    }
    fn audit_entries(&mut self, query: &AuditQuery) -> StoreResult<Vec<AuditRow>> {
        admin::audit_entries(self.0, query)
    }

    fn account_by_username(&mut self, username: &str) -> StoreResult<Option<Account>> {
        let row = self
            .0
            .query_row(
                &format!("SELECT {CADRE_COLUMNS}, password_hash, disabled FROM cadres WHERE username = ?1"),
                params![username],
                |r| Ok((cadre_from_row(r)?, r.get::<_, String>(8)?, r.get::<_, bool>(9)?)),
            )
            .optional()?;
        row.map(|(c, password_hash, disabled)| {
            Ok(Account { cadre: cadre_row(c)?, password_hash, disabled })
        })
        .transpose()
    }

    fn cadre(&mut self, id: CadreId) -> StoreResult<Option<CadreRow>> {
        let row = self
            .0
            .query_row(
                &format!("SELECT {CADRE_COLUMNS} FROM cadres WHERE id = ?1"),
                params![id.to_string()],
                cadre_from_row,
            )
            .optional()?;
        row.map(cadre_row).transpose()
    }

    fn put_cadre(&mut self, c: &CadreRow, password_hash: Option<&str>) -> StoreResult<()> {
        self.0.execute(
            "INSERT INTO cadres (id, username, name, unit_id, role, phone, title, villages, password_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, COALESCE(?9, ''))
             ON CONFLICT (id) DO UPDATE SET username = ?2, name = ?3, unit_id = ?4, role = ?5,
               phone = ?6, title = ?7, villages = ?8,
               password_hash = COALESCE(?9, password_hash)",
            params![
                c.id.to_string(),
                c.username,
                c.name,
                c.unit_id.to_string(),
                c.role.code(),
                c.phone,
                c.title,
                serde_json::to_string(&c.villages)?,
                password_hash,
            ],
        )?;
        Ok(())
    }

    fn unit(&mut self, id: UnitId) -> StoreResult<Option<UnitRow>> {
        let row = self
            .0
            .query_row("SELECT name, kind FROM units WHERE id = ?1", params![id.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .optional()?;
        row.map(|(name, kind)| Ok(UnitRow { id, name, kind: code(&kind, UnitKind::from_code)? }))
            .transpose()
    }

    fn put_unit(&mut self, u: &UnitRow) -> StoreResult<()> {
        self.0.execute(
            "INSERT INTO units (id, name, kind) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET name = ?2, kind = ?3",
            params![u.id.to_string(), u.name, u.kind.code()],
        )?;
        Ok(())
    }

    fn village(&mut self, id: VillageId) -> StoreResult<Option<VillageRow>> {
        let row = self
            .0
            .query_row(
                "SELECT name, township_id, population, standing FROM villages WHERE id = ?1",
                params![id.to_string()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(name, township, population, standing)| {
            Ok(VillageRow {
                id,
                name,
                township_id: parse(&township)?,
                population: population as u32,
                standing: code(&standing, Standing::from_code)?,
            })
        })
        .transpose()
    }

    fn put_village(&mut self, v: &VillageRow) -> StoreResult<()> {
        self.0.execute(
            "INSERT INTO villages (id, name, township_id, population, standing) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET name = ?2, township_id = ?3, population = ?4, standing = ?5",
            params![v.id.to_string(), v.name, v.township_id.to_string(), v.population, v.standing.code()],
        )?;
        Ok(())
    }

    fn insert_device(&mut self, device: &NewDevice<'_>, now_ms: i64) -> StoreResult<()> {
        sqlite_log::insert_device(self.0, device, now_ms)
    }

    fn insert_server_device(
        &mut self,
        device: DeviceId,
        name: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        sqlite_log::insert_server_device(self.0, device, name, now_ms)
    }

    fn device_by_token_hash(&mut self, token_hash: &str) -> StoreResult<Option<DeviceAuth>> {
        sqlite_log::device_by_token_hash(self.0, token_hash)
    }

    fn revoke_device(&mut self, device: DeviceId, now_ms: i64) -> StoreResult<bool> {
        sqlite_log::revoke_device(self.0, device, now_ms)
    }

    fn touch_device(
        &mut self,
        device: DeviceId,
        now_ms: i64,
        app_version: Option<&str>,
    ) -> StoreResult<()> {
        sqlite_log::touch_device(self.0, device, now_ms, app_version)
    }

    fn high_water(&mut self, device: DeviceId) -> StoreResult<u64> {
        sqlite_log::high_water(self.0, device)
    }

    fn set_high_water(&mut self, device: DeviceId, seq: u64) -> StoreResult<()> {
        sqlite_log::set_high_water(self.0, device, seq)
    }

    fn op_exists(&mut self, op_id: OpId) -> StoreResult<bool> {
        sqlite_log::op_exists(self.0, op_id)
    }

    fn append_op(&mut self, entry: &LogEntry<'_>, now_ms: i64) -> StoreResult<()> {
        sqlite_log::append_op(self.0, entry, now_ms)
    }

    fn quarantined(
        &mut self,
        device: DeviceId,
        seq: u64,
    ) -> StoreResult<Option<(Option<OpId>, String, String)>> {
        sqlite_log::quarantined(self.0, device, seq)
    }

    fn quarantine(&mut self, q: &QuarantineEntry<'_>, now_ms: i64) -> StoreResult<()> {
        sqlite_log::quarantine(self.0, q, now_ms)
    }

    fn changes_since(
        &mut self,
        scope: Scope,
        cursor: u64,
        limit: u32,
        except: Option<DeviceId>,
    ) -> StoreResult<Vec<Change>> {
        sqlite_log::changes_since(self.0, scope, cursor, limit, except)
    }

    fn household_history(
        &mut self,
        household: HouseholdId,
        through: u64,
    ) -> StoreResult<Vec<Change>> {
        sqlite_log::household_history(self.0, household, through)
    }

    fn last_seq(&mut self) -> StoreResult<u64> {
        sqlite_log::last_seq(self.0)
    }

    fn last_hlc(&mut self, device: DeviceId) -> StoreResult<Option<minqing_shared::sync::Hlc>> {
        sqlite_log::last_hlc(self.0, device)
    }

    fn household(&mut self, id: HouseholdId) -> StoreResult<Option<HouseholdState>> {
        sqlite_state::household(self.0, id)
    }

    fn put_household(&mut self, s: &HouseholdState) -> StoreResult<()> {
        sqlite_state::put_household(self.0, s)
    }

    fn visit_exists(&mut self, id: VisitId) -> StoreResult<bool> {
        sqlite_state::visit_exists(self.0, id)
    }

    fn insert_visit(&mut self, v: &Visit) -> StoreResult<()> {
        sqlite_state::insert_visit(self.0, v)
    }

    fn visit_owner(&mut self, id: VisitId) -> StoreResult<Option<(HouseholdId, CadreId)>> {
        sqlite_state::visit_owner(self.0, id)
    }

    fn concern_events(&mut self, id: ConcernId) -> StoreResult<Vec<ConcernEvent>> {
        sqlite_state::concern_events(self.0, id)
    }

    fn insert_concern_event(&mut self, concern: ConcernId, e: &ConcernEvent) -> StoreResult<()> {
        sqlite_state::insert_concern_event(self.0, concern, e)
    }

    fn concern(&mut self, id: ConcernId) -> StoreResult<Option<ConcernState>> {
        sqlite_state::concern(self.0, id)
    }

    fn put_concern(&mut self, s: &ConcernState) -> StoreResult<()> {
        sqlite_state::put_concern(self.0, s)
    }

    fn meta(&mut self, key: &str) -> StoreResult<Option<String>> {
        Ok(self
            .0
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| r.get(0))
            .optional()?)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.0.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }

    fn all_units(&mut self) -> StoreResult<Vec<UnitRow>> {
        office::all_units(self.0)
    }
    fn all_villages(&mut self) -> StoreResult<Vec<VillageRow>> {
        office::all_villages(self.0)
    }
    fn all_cadres(&mut self) -> StoreResult<Vec<CadreRow>> {
        office::all_cadres(self.0)
    }
    fn all_households(&mut self) -> StoreResult<Vec<HouseholdState>> {
        office::all_households(self.0)
    }
    fn all_concerns(&mut self) -> StoreResult<Vec<ConcernState>> {
        office::all_concerns(self.0)
    }
    fn visit_facts(&mut self, from_ms: i64, to_ms: i64) -> StoreResult<Vec<VisitFact>> {
        office::visit_facts(self.0, from_ms, to_ms)
    }
    fn last_in_person_visits(&mut self) -> StoreResult<Vec<(HouseholdId, i64)>> {
        office::last_in_person_visits(self.0)
    }
    fn household_visits(&mut self, id: HouseholdId) -> StoreResult<Vec<Visit>> {
        office::household_visits(self.0, id)
    }
    fn ops_of_type(&mut self, record_type: RecordType) -> StoreResult<Vec<Change>> {
        office::ops_of_type(self.0, record_type)
    }
    fn insert_office_session(&mut self, session: &OfficeSession) -> StoreResult<()> {
        office::insert_office_session(self.0, session)
    }
    fn office_session(&mut self, id_hash: &str) -> StoreResult<Option<OfficeSession>> {
        office::office_session(self.0, id_hash)
    }
    fn touch_office_session(&mut self, id_hash: &str, now_ms: i64) -> StoreResult<()> {
        office::touch_office_session(self.0, id_hash, now_ms)
    }
    fn delete_office_session(&mut self, id_hash: &str, idle_before_ms: i64) -> StoreResult<()> {
        office::delete_office_session(self.0, id_hash, idle_before_ms)
    }
    fn insert_evaluation_note(&mut self, note: &EvaluationNote) -> StoreResult<()> {
        office::insert_evaluation_note(self.0, note)
    }
    fn evaluation_notes(&mut self, period: &str) -> StoreResult<Vec<EvaluationNote>> {
        office::evaluation_notes(self.0, period)
    }
    fn assignment_overrides(&mut self) -> StoreResult<Vec<AssignmentOverride>> {
        office::assignment_overrides(self.0)
    }
    fn put_assignment_override(&mut self, o: &AssignmentOverride) -> StoreResult<()> {
        office::put_assignment_override(self.0, o)
    }
}
