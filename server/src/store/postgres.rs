//! The PostgreSQL backend, for a province: several stateless server processes share one
//! cluster. The sync `postgres` client (the same code as `tokio-postgres`, blocking) with an
//! `r2d2` pool: the sync rules are written once against the synchronous [`Tx`] trait and run in
//! `spawn_blocking`, whatever the backend, so PostgreSQL needs no second copy of them.
//!
//! **`server_seq` across processes.** Writers run in parallel (READ COMMITTED) and append
//! their ops with no `server_seq`. Just before commit, a writer that appended takes one
//! transaction-level advisory lock, numbers its ops `MAX + 1 …` in one statement, and commits,
//! which releases the lock. So seqs are handed out in commit order: the next writer can read
//! the maximum only after this one committed, and a pull (`server_seq > cursor`, which never
//! sees an unnumbered row) can never see N+1 without N — no cursor skips a late commit, none
//! sees a change twice. Only the numbering and the commit are serialised cluster-wide, not the
//! checks and merges; an earlier design held the lock for the whole transaction and, with a
//! dozen round trips per op inside it, merged only ~700 ops/s (docs/BENCHMARKS.md).
//!
//! **Read-modify-write without the global lock.** What a write reads in order to change it is
//! read `FOR UPDATE` in a write transaction: a device's high-water mark (so two copies of one
//! push run one after the other, and the second finds the ops already stored), a household's
//! merged state, and a concern's row before its event log is read and folded. A second writer
//! of the same row waits, then reads the committed version (READ COMMITTED takes a new snapshot
//! for each statement). Rows are always taken in one order — the device, then a household,
//! then its concern (reading a concern's events for a write locks its household first; office
//! writes take the server device first) — so two writers deadlock
//! only on two households taken in opposite orders by batches of several ops; PostgreSQL then
//! fails one, whose whole push rolls back and is sent again by the phone. Writes that decide
//! from what they read but lock no row of it (a monthly report's state, a roster import) hold
//! a section of their own ([`Tx::exclusive`]).

use std::str::FromStr;

use minqing_shared::ids::{
    CadreId, ConcernId, DeviceId, HouseholdId, OpId, UnitId, VillageId, VisitId,
};
use minqing_shared::org::{Role, Standing, UnitKind};
use minqing_shared::sync::Change;
use minqing_shared::sync::merge::{ConcernEvent, ConcernState, HouseholdState};
use minqing_shared::visit::Visit;
use postgres::types::ToSql;
use postgres::{NoTls, Row};
use r2d2_postgres::PostgresConnectionManager;

use super::postgres_admin as admin;
use super::postgres_conn::{CachedTx, PgManager};
use super::postgres_log;
use super::postgres_office as office;
use super::postgres_schema::migrate;
use super::postgres_state;
use super::{
    Account, AssignmentOverride, AuditEntry, AuditQuery, AuditRow, CadreRow, DeviceAuth, DeviceRow,
    EvaluationNote, LogEntry, NewDevice, OfficeSession, QuarantineEntry, Scope, Section,
    StoreError, StoreResult, Tx, UnitRow, VillageRow, VisitFact,
};
use super::{code, parse};
use minqing_shared::sync::op::RecordType;

/// The advisory lock a writer takes to number its ops (an arbitrary constant: "民情" in GB2312
/// bytes), and migrations take to run one at a time.
const WRITE_LOCK: i64 = 0xC3F1_C7E9;

/// Numbers this transaction's ops after everything committed before it, under the lock: two
/// statements in one round trip, the second with a snapshot taken after the lock is held, in
/// which the only unnumbered ops are this transaction's own (every committed one is numbered).
static NUMBER_OPS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT pg_advisory_xact_lock({WRITE_LOCK});
         UPDATE ops SET server_seq = top.max + fresh.n
         FROM (SELECT COALESCE(MAX(server_seq), 0) AS max FROM ops) AS top,
              (SELECT id, row_number() OVER (ORDER BY id) AS n
               FROM ops WHERE server_seq IS NULL) AS fresh
         WHERE ops.id = fresh.id"
    )
});

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

type Pool = r2d2::Pool<PgManager>;

/// A PostgreSQL database.
#[derive(Debug)]
pub struct PgStore {
    /// Always `Some` until dropped.
    pool: Option<Pool>,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // The blocking client closes its connections with a runtime of its own, which must not
        // happen on an async runtime's thread: close them on a thread of their own.
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

impl PgStore {
    /// Connects to `url` and brings the schema up to date.
    pub fn open(url: &str) -> StoreResult<Self> {
        let config = postgres::Config::from_str(url).map_err(StoreError::from)?;
        let manager = PgManager(PostgresConnectionManager::new(config, NoTls));
        let pool = r2d2::Pool::builder().max_size(8).build(manager)?;
        let store = Self { pool: Some(pool) };
        migrate(&mut *store.pool().get()?, WRITE_LOCK)?;
        Ok(store)
    }

    fn pool(&self) -> &Pool {
        self.pool.as_ref().expect("the pool lives as long as the store")
    }

    /// Runs `f` in a read-only, repeatable-read transaction.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.pool().get().map_err(StoreError::from)?;
        let tx = conn.read().map_err(StoreError::from)?;
        let mut pg = PgTx { tx, writing: false, appended: false };
        let out = f(&mut pg)?;
        pg.tx.commit().map_err(StoreError::from)?;
        Ok(out)
    }

    /// Runs `f` in a write transaction; numbers its ops, if any, just before commit (see the
    /// module docs).
    pub fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.pool().get().map_err(StoreError::from)?;
        let tx = conn.write().map_err(StoreError::from)?;
        let mut pg = PgTx { tx, writing: true, appended: false };
        let out = f(&mut pg)?;
        if pg.appended {
            pg.tx.batch_execute(&NUMBER_OPS).map_err(StoreError::from)?;
        }
        pg.tx.commit().map_err(StoreError::from)?;
        Ok(out)
    }
}

struct PgTx<'a> {
    tx: CachedTx<'a>,
    /// A write transaction: what it reads to change is locked (`FOR UPDATE`).
    writing: bool,
    /// It appended ops, to be numbered before commit.
    appended: bool,
}

pub(super) const CADRE_COLUMNS: &str = "id, username, name, unit_id, role, phone, title, villages";

pub(super) fn cadre_row(r: &Row) -> StoreResult<CadreRow> {
    Ok(CadreRow {
        id: parse(r.get::<_, &str>(0))?,
        username: r.get(1),
        name: r.get(2),
        unit_id: parse(r.get::<_, &str>(3))?,
        role: code(r.get(4), Role::from_code)?,
        phone: r.get(5),
        title: r.get(6),
        villages: serde_json::from_str(r.get(7))?,
    })
}

impl PgTx<'_> {
    fn opt(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<Option<Row>> {
        Ok(self.tx.query_opt(sql, params)?)
    }

    fn exec(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<u64> {
        Ok(self.tx.execute(sql, params)?)
    }
}

impl Tx for PgTx<'_> {
    fn set_password(&mut self, cadre: CadreId, hash: &str, must_change: bool) -> StoreResult<()> {
        admin::set_password(&mut self.tx, cadre, hash, must_change)
    }

    fn replace_password(
        &mut self,
        cadre: CadreId,
        verified: &str,
        hash: &str,
    ) -> StoreResult<bool> {
        admin::replace_password(&mut self.tx, cadre, verified, hash)
    }
    fn must_change_password(&mut self, cadre: CadreId) -> StoreResult<bool> {
        admin::must_change_password(&mut self.tx, cadre)
    }
    fn set_disabled(&mut self, cadre: CadreId, disabled: bool) -> StoreResult<()> {
        admin::set_disabled(&mut self.tx, cadre, disabled)
    }
    fn all_accounts(&mut self) -> StoreResult<Vec<super::AccountRow>> {
        admin::all_accounts(&mut self.tx)
    }
    fn devices(&mut self, cadre: Option<CadreId>) -> StoreResult<Vec<DeviceRow>> {
        admin::devices(&mut self.tx, cadre)
    }
    fn insert_audit(&mut self, entry: &AuditEntry) -> StoreResult<()> {
        admin::insert_audit(&mut self.tx, entry)
    }
    fn audit_entries(&mut self, query: &AuditQuery) -> StoreResult<Vec<AuditRow>> {
        admin::audit_entries(&mut self.tx, query)
    }

    fn account_by_username(&mut self, username: &str) -> StoreResult<Option<Account>> {
        let sql = format!(
            "SELECT {CADRE_COLUMNS}, password_hash, disabled FROM cadres WHERE username = $1"
        );
        self.opt(&sql, &[&username])?
            .map(|r| {
                Ok(Account { cadre: cadre_row(&r)?, password_hash: r.get(8), disabled: r.get(9) })
            })
            .transpose()
    }

    fn cadre(&mut self, id: CadreId) -> StoreResult<Option<CadreRow>> {
        let sql = format!("SELECT {CADRE_COLUMNS} FROM cadres WHERE id = $1");
        self.opt(&sql, &[&id.to_string()])?.map(|r| cadre_row(&r)).transpose()
    }

    fn put_cadre(&mut self, c: &CadreRow, password_hash: Option<&str>) -> StoreResult<()> {
        admin::put_cadre(&mut self.tx, c, password_hash)
    }

    fn unit(&mut self, id: UnitId) -> StoreResult<Option<UnitRow>> {
        self.opt("SELECT name, kind FROM units WHERE id = $1", &[&id.to_string()])?
            .map(|r| Ok(UnitRow { id, name: r.get(0), kind: code(r.get(1), UnitKind::from_code)? }))
            .transpose()
    }

    fn put_unit(&mut self, u: &UnitRow) -> StoreResult<()> {
        self.exec(
            "INSERT INTO units (id, name, kind) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET name = $2, kind = $3",
            &[&u.id.to_string(), &u.name, &u.kind.code()],
        )?;
        Ok(())
    }

    fn village(&mut self, id: VillageId) -> StoreResult<Option<VillageRow>> {
        self.opt(
            "SELECT name, township_id, population, standing FROM villages WHERE id = $1",
            &[&id.to_string()],
        )?
        .map(|r| {
            Ok(VillageRow {
                id,
                name: r.get(0),
                township_id: parse(r.get::<_, &str>(1))?,
                population: r.get::<_, i64>(2) as u32,
                standing: code(r.get(3), Standing::from_code)?,
            })
        })
        .transpose()
    }

    fn put_village(&mut self, v: &VillageRow) -> StoreResult<()> {
        self.exec(
            "INSERT INTO villages (id, name, township_id, population, standing) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET name = $2, township_id = $3, population = $4, standing = $5",
            &[&v.id.to_string(), &v.name, &v.township_id.to_string(), &i64::from(v.population), &v.standing.code()],
        )?;
        Ok(())
    }

    fn insert_device(&mut self, d: &NewDevice<'_>, now_ms: i64) -> StoreResult<()> {
        postgres_log::insert_device(&mut self.tx, d, now_ms)
    }

    fn insert_server_device(
        &mut self,
        device: DeviceId,
        name: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        self.exec(
            "INSERT INTO devices (id, name, created_ms) VALUES ($1, $2, $3)",
            &[&device.to_string(), &name, &now_ms],
        )?;
        Ok(())
    }

    fn device_by_token_hash(&mut self, token_hash: &str) -> StoreResult<Option<DeviceAuth>> {
        postgres_log::device_by_token_hash(&mut self.tx, token_hash)
    }

    fn revoke_device(&mut self, device: DeviceId, now_ms: i64) -> StoreResult<bool> {
        let n = self.exec(
            "UPDATE devices SET revoked_ms = $2 WHERE id = $1 AND revoked_ms IS NULL",
            &[&device.to_string(), &now_ms],
        )?;
        Ok(n == 1)
    }

    fn touch_device(
        &mut self,
        device: DeviceId,
        now_ms: i64,
        app_version: Option<&str>,
    ) -> StoreResult<()> {
        self.exec(
            "UPDATE devices SET last_seen_ms = $2, app_version = COALESCE($3, app_version) \
             WHERE id = $1",
            &[&device.to_string(), &now_ms, &app_version],
        )?;
        Ok(())
    }

    fn high_water(&mut self, device: DeviceId) -> StoreResult<u64> {
        Ok(self
            .opt(
                if self.writing {
                    "SELECT high_water FROM devices WHERE id = $1 FOR UPDATE"
                } else {
                    "SELECT high_water FROM devices WHERE id = $1"
                },
                &[&device.to_string()],
            )?
            .map_or(0, |r| r.get::<_, i64>(0) as u64))
    }

    fn set_high_water(&mut self, device: DeviceId, seq: u64) -> StoreResult<()> {
        self.exec(
            "UPDATE devices SET high_water = $2 WHERE id = $1",
            &[&device.to_string(), &(seq as i64)],
        )?;
        Ok(())
    }

    fn op_exists(&mut self, op_id: OpId) -> StoreResult<bool> {
        Ok(self.opt("SELECT 1 FROM ops WHERE op_id = $1", &[&op_id.to_string()])?.is_some())
    }

    fn append_op(&mut self, entry: &LogEntry<'_>, now_ms: i64) -> StoreResult<()> {
        self.appended = true;
        postgres_log::append_op(&mut self.tx, entry, now_ms)
    }

    fn quarantined(
        &mut self,
        device: DeviceId,
        seq: u64,
    ) -> StoreResult<Option<(Option<OpId>, String, String)>> {
        postgres_log::quarantined(&mut self.tx, device, seq)
    }

    fn quarantine(&mut self, q: &QuarantineEntry<'_>, now_ms: i64) -> StoreResult<()> {
        postgres_log::quarantine(&mut self.tx, q, now_ms)
    }

    fn changes_since(
        &mut self,
        scope: Scope,
        cursor: u64,
        limit: u32,
        except: Option<DeviceId>,
    ) -> StoreResult<Vec<Change>> {
        postgres_log::changes_since(&mut self.tx, scope, cursor, limit, except)
    }

    fn household_history(
        &mut self,
        household: HouseholdId,
        through: u64,
    ) -> StoreResult<Vec<Change>> {
        postgres_log::household_history(&mut self.tx, household, through)
    }

    fn last_seq(&mut self) -> StoreResult<u64> {
        Ok(self.tx.query_one("SELECT COALESCE(MAX(server_seq), 0) FROM ops", &[])?.get::<_, i64>(0)
            as u64)
    }

    fn last_hlc(&mut self, device: DeviceId) -> StoreResult<Option<minqing_shared::sync::Hlc>> {
        postgres_log::last_hlc(&mut self.tx, device)
    }

    fn household(&mut self, id: HouseholdId) -> StoreResult<Option<HouseholdState>> {
        postgres_state::household(&mut self.tx, id, self.writing)
    }

    fn put_household(&mut self, s: &HouseholdState) -> StoreResult<()> {
        postgres_state::put_household(&mut self.tx, s)
    }

    fn visit_exists(&mut self, id: VisitId) -> StoreResult<bool> {
        postgres_state::visit_exists(&mut self.tx, id)
    }

    fn insert_visit(&mut self, v: &Visit) -> StoreResult<()> {
        postgres_state::insert_visit(&mut self.tx, v)
    }

    fn visit_owner(&mut self, id: VisitId) -> StoreResult<Option<(HouseholdId, CadreId)>> {
        postgres_state::visit_owner(&mut self.tx, id)
    }

    fn concern_events(&mut self, id: ConcernId) -> StoreResult<Vec<ConcernEvent>> {
        postgres_state::concern_events(&mut self.tx, id, self.writing)
    }

    fn insert_concern_event(&mut self, concern: ConcernId, e: &ConcernEvent) -> StoreResult<()> {
        postgres_state::insert_concern_event(&mut self.tx, concern, e)
    }

    fn concern(&mut self, id: ConcernId) -> StoreResult<Option<ConcernState>> {
        postgres_state::concern(&mut self.tx, id)
    }

    fn put_concern(&mut self, s: &ConcernState) -> StoreResult<()> {
        postgres_state::put_concern(&mut self.tx, s)
    }

    fn meta(&mut self, key: &str) -> StoreResult<Option<String>> {
        Ok(self.opt("SELECT value FROM meta WHERE key = $1", &[&key])?.map(|r| r.get(0)))
    }

    fn set_meta(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.exec(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
            &[&key, &value],
        )?;
        Ok(())
    }
    fn all_units(&mut self) -> StoreResult<Vec<UnitRow>> {
        office::all_units(&mut self.tx)
    }
    fn all_villages(&mut self) -> StoreResult<Vec<VillageRow>> {
        office::all_villages(&mut self.tx)
    }
    fn all_cadres(&mut self) -> StoreResult<Vec<CadreRow>> {
        office::all_cadres(&mut self.tx)
    }
    fn all_households(&mut self) -> StoreResult<Vec<HouseholdState>> {
        office::all_households(&mut self.tx)
    }
    fn all_concerns(&mut self) -> StoreResult<Vec<ConcernState>> {
        office::all_concerns(&mut self.tx)
    }
    fn visit_facts(&mut self, from_ms: i64, to_ms: i64) -> StoreResult<Vec<VisitFact>> {
        office::visit_facts(&mut self.tx, from_ms, to_ms)
    }
    fn last_in_person_visits(&mut self) -> StoreResult<Vec<(HouseholdId, i64)>> {
        office::last_in_person_visits(&mut self.tx)
    }
    fn household_visits(&mut self, id: HouseholdId) -> StoreResult<Vec<Visit>> {
        office::household_visits(&mut self.tx, id)
    }
    fn ops_of_type(&mut self, record_type: RecordType) -> StoreResult<Vec<Change>> {
        office::ops_of_type(&mut self.tx, record_type)
    }
    fn insert_office_session(&mut self, session: &OfficeSession) -> StoreResult<()> {
        office::insert_office_session(&mut self.tx, session)
    }
    fn office_session(&mut self, id_hash: &str) -> StoreResult<Option<OfficeSession>> {
        office::office_session(&mut self.tx, id_hash)
    }
    fn touch_office_session(&mut self, id_hash: &str, now_ms: i64) -> StoreResult<()> {
        office::touch_office_session(&mut self.tx, id_hash, now_ms)
    }
    fn exclusive(&mut self, section: Section) -> StoreResult<()> {
        // Keys of their own, apart from WRITE_LOCK ("民情" + 1, + 2).
        let key = match section {
            Section::MonthlyReports => WRITE_LOCK + 1,
            Section::Roster => WRITE_LOCK + 2,
        };
        self.exec("SELECT pg_advisory_xact_lock($1)", &[&key])?;
        Ok(())
    }

    fn delete_office_session(&mut self, id_hash: &str, idle_before_ms: i64) -> StoreResult<()> {
        office::delete_office_session(&mut self.tx, id_hash, idle_before_ms)
    }
    fn insert_evaluation_note(&mut self, note: &EvaluationNote) -> StoreResult<()> {
        office::insert_evaluation_note(&mut self.tx, note)
    }
    fn evaluation_notes(&mut self, period: &str) -> StoreResult<Vec<EvaluationNote>> {
        office::evaluation_notes(&mut self.tx, period)
    }
    fn assignment_overrides(&mut self) -> StoreResult<Vec<AssignmentOverride>> {
        office::assignment_overrides(&mut self.tx)
    }
    fn put_assignment_override(&mut self, o: &AssignmentOverride) -> StoreResult<()> {
        office::put_assignment_override(&mut self.tx, o)
    }
}
