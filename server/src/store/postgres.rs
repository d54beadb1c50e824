//! The PostgreSQL backend, for a province: several stateless server processes share one
//! cluster. The sync `postgres` client (the same code as `tokio-postgres`, blocking) with an
//! `r2d2` pool: the sync rules are written once against the synchronous [`Tx`] trait and run in
//! `spawn_blocking`, whatever the backend, so PostgreSQL needs no second copy of them.
//!
//! **`server_seq` across processes.** Every write transaction first takes one transaction-level
//! advisory lock, so writers are serialised across all processes, exactly as SQLite's single
//! writer is; `server_seq` is then `MAX + 1` inside that transaction. A transaction holding seq
//! N commits before the next writer can even read the maximum, so commits happen in seq order
//! and a pull (`server_seq > cursor`) can never see N+1 without N: no cursor skips a late
//! commit, and none sees a change twice. The price is one writer at a time cluster-wide, which
//! the benchmark shows is far above a province's load; sharding the log per county is the path
//! beyond.

use std::str::FromStr;

use minqing_shared::ids::{
    CadreId, ConcernId, DeviceId, HouseholdId, OpId, UnitId, VillageId, VisitId,
};
use minqing_shared::org::{Role, Standing, UnitKind};
use minqing_shared::sync::merge::{ConcernEvent, ConcernState, HouseholdState};
use minqing_shared::sync::{Change, Op};
use minqing_shared::visit::Visit;
use postgres::types::ToSql;
use postgres::{NoTls, Row, Transaction};
use r2d2_postgres::PostgresConnectionManager;

use super::postgres_admin as admin;
use super::postgres_office as office;
use super::postgres_schema::MIGRATIONS;
use super::{
    Account, AssignmentOverride, AuditEntry, AuditQuery, AuditRow, CadreRow, DeviceAuth, DeviceRow,
    EvaluationNote, LogEntry, OfficeSession, QuarantineEntry, Scope, StoreError, StoreResult, Tx,
    UnitRow, VillageRow, VisitFact,
};
use minqing_shared::sync::op::RecordType;

/// The advisory lock every writer takes (an arbitrary constant: "民情" in GB2312 bytes).
const WRITE_LOCK: i64 = 0xC3F1_C7E9;

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

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

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
        let manager = PostgresConnectionManager::new(config, NoTls);
        let pool = r2d2::Pool::builder().max_size(8).build(manager)?;
        let store = Self { pool: Some(pool) };
        store.migrate()?;
        Ok(store)
    }

    fn pool(&self) -> &Pool {
        self.pool.as_ref().expect("the pool lives as long as the store")
    }

    fn migrate(&self) -> StoreResult<()> {
        let mut conn = self.pool().get()?;
        let mut tx = conn.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)",
        )?;
        let done: i64 =
            tx.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?.get(0);
        if done as usize > MIGRATIONS.len() {
            return Err(StoreError::Database(format!(
                "the database is at schema {done}, newer than this server"
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(done as usize) {
            tx.batch_execute(sql)?;
            tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[&(i as i64 + 1)])?;
            tracing::info!(version = i + 1, "applied PostgreSQL migration");
        }
        tx.commit()?;
        Ok(())
    }

    /// Runs `f` in a read-only, repeatable-read transaction.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.pool().get().map_err(StoreError::from)?;
        let tx = conn
            .build_transaction()
            .read_only(true)
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .start()
            .map_err(StoreError::from)?;
        let mut pg = PgTx(tx);
        let out = f(&mut pg)?;
        pg.0.commit().map_err(StoreError::from)?;
        Ok(out)
    }

    /// Runs `f` in a write transaction holding the cluster-wide writer lock.
    pub fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.pool().get().map_err(StoreError::from)?;
        let mut tx = conn.transaction().map_err(StoreError::from)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK]).map_err(StoreError::from)?;
        let mut pg = PgTx(tx);
        let out = f(&mut pg)?;
        pg.0.commit().map_err(StoreError::from)?;
        Ok(out)
    }
}

struct PgTx<'a>(Transaction<'a>);

fn parse<T: FromStr>(s: &str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| StoreError::Corrupt(format!("{s:?}: {e}")))
}

fn code<T>(s: &str, from: fn(&str) -> Option<T>) -> StoreResult<T> {
    from(s).ok_or_else(|| StoreError::Corrupt(format!("unknown code {s:?}")))
}

const CADRE_COLUMNS: &str = "id, username, name, unit_id, role, phone, title, villages";

fn cadre_row(r: &Row) -> StoreResult<CadreRow> {
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
        Ok(self.0.query_opt(sql, params)?)
    }

    fn exec(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<u64> {
        Ok(self.0.execute(sql, params)?)
    }
}

impl Tx for PgTx<'_> {
    fn set_password(&mut self, cadre: CadreId, hash: &str, must_change: bool) -> StoreResult<()> {
        admin::set_password(&mut self.0, cadre, hash, must_change)
    }
    fn must_change_password(&mut self, cadre: CadreId) -> StoreResult<bool> {
        admin::must_change_password(&mut self.0, cadre)
    }
    fn set_disabled(&mut self, cadre: CadreId, disabled: bool) -> StoreResult<()> {
        admin::set_disabled(&mut self.0, cadre, disabled)
    }
    fn devices(&mut self, cadre: Option<CadreId>) -> StoreResult<Vec<DeviceRow>> {
        admin::devices(&mut self.0, cadre)
    }
    fn insert_audit(&mut self, entry: &AuditEntry) -> StoreResult<()> {
        admin::insert_audit(&mut self.0, entry)
    }
    fn audit_entries(&mut self, query: &AuditQuery) -> StoreResult<Vec<AuditRow>> {
        admin::audit_entries(&mut self.0, query)
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
        self.exec(
            "INSERT INTO cadres (id, username, name, unit_id, role, phone, title, villages, password_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9, ''))
             ON CONFLICT (id) DO UPDATE SET username = $2, name = $3, unit_id = $4, role = $5,
               phone = $6, title = $7, villages = $8,
               password_hash = COALESCE($9, cadres.password_hash)",
            &[
                &c.id.to_string(),
                &c.username,
                &c.name,
                &c.unit_id.to_string(),
                &c.role.code(),
                &c.phone,
                &c.title,
                &serde_json::to_string(&c.villages)?,
                &password_hash,
            ],
        )?;
        Ok(())
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

    fn insert_device(
        &mut self,
        device: DeviceId,
        cadre: CadreId,
        name: &str,
        token_hash: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        self.exec(
            "INSERT INTO devices (id, cadre_id, name, token_hash, created_ms) VALUES ($1, $2, $3, $4, $5)",
            &[&device.to_string(), &cadre.to_string(), &name, &token_hash, &now_ms],
        )?;
        Ok(())
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
        self.opt(
            "SELECT d.id, d.cadre_id, c.role, c.unit_id, u.kind, d.revoked_ms IS NOT NULL, c.disabled
             FROM devices d JOIN cadres c ON c.id = d.cadre_id JOIN units u ON u.id = c.unit_id
             WHERE d.token_hash = $1",
            &[&token_hash],
        )?
        .map(|r| {
            Ok(DeviceAuth {
                device_id: parse(r.get::<_, &str>(0))?,
                cadre_id: parse(r.get::<_, &str>(1))?,
                role: code(r.get(2), Role::from_code)?,
                unit_id: parse(r.get::<_, &str>(3))?,
                unit_kind: code(r.get(4), UnitKind::from_code)?,
                revoked: r.get(5),
                disabled: r.get(6),
            })
        })
        .transpose()
    }

    fn revoke_device(&mut self, device: DeviceId, now_ms: i64) -> StoreResult<bool> {
        let n = self.exec(
            "UPDATE devices SET revoked_ms = $2 WHERE id = $1 AND revoked_ms IS NULL",
            &[&device.to_string(), &now_ms],
        )?;
        Ok(n == 1)
    }

    fn touch_device(&mut self, device: DeviceId, now_ms: i64) -> StoreResult<()> {
        self.exec(
            "UPDATE devices SET last_seen_ms = $2 WHERE id = $1",
            &[&device.to_string(), &now_ms],
        )?;
        Ok(())
    }

    fn high_water(&mut self, device: DeviceId) -> StoreResult<u64> {
        Ok(self
            .opt("SELECT high_water FROM devices WHERE id = $1", &[&device.to_string()])?
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

    fn append_op(&mut self, entry: &LogEntry<'_>, now_ms: i64) -> StoreResult<u64> {
        let op = entry.op;
        // Safe only because every writer holds WRITE_LOCK (see the module docs).
        let row = self.0.query_one(
            "INSERT INTO ops (server_seq, op_id, device_id, device_seq, record_type, record_id, household_id, unit_id, body, received_ms)
             SELECT COALESCE(MAX(server_seq), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM ops
             RETURNING server_seq",
            &[
                &op.op_id.to_string(),
                &op.device_id.to_string(),
                &(op.device_seq as i64),
                &op.record_type().code(),
                &op.record_id.to_string(),
                &entry.household_id.map(|h| h.to_string()),
                &entry.unit_id.map(|u| u.to_string()),
                &serde_json::to_string(op)?,
                &now_ms,
            ],
        )?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn quarantined(
        &mut self,
        device: DeviceId,
        seq: u64,
    ) -> StoreResult<Option<(Option<OpId>, String, String)>> {
        self.opt(
            "SELECT op_id, error, message FROM quarantine WHERE device_id = $1 AND device_seq = $2
             ORDER BY id DESC LIMIT 1",
            &[&device.to_string(), &(seq as i64)],
        )?
        .map(|r| {
            let op: Option<&str> = r.get(0);
            Ok((op.map(parse).transpose()?, r.get(1), r.get(2)))
        })
        .transpose()
    }

    fn quarantine(&mut self, q: &QuarantineEntry<'_>, now_ms: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO quarantine (device_id, device_seq, op_id, raw, error, message, received_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &q.device_id.to_string(),
                &(q.device_seq as i64),
                &q.op_id.map(|o| o.to_string()),
                &q.raw,
                &q.error,
                &q.message,
                &now_ms,
            ],
        )?;
        Ok(())
    }

    fn changes_since(
        &mut self,
        scope: Scope,
        cursor: u64,
        limit: u32,
        except: Option<DeviceId>,
    ) -> StoreResult<Vec<Change>> {
        let (filter, who): (&str, Vec<String>) = match scope {
            Scope::Cadre { cadre, unit } => (
                "AND (household_id IN (SELECT id FROM households WHERE cadre_id = $4)
                  OR (record_type = 'cadre' AND record_id = $4)
                  OR (record_type = 'unit' AND record_id = $5)
                  OR (record_type = 'village' AND record_id IN
                      (SELECT jsonb_array_elements_text(villages::jsonb) FROM cadres WHERE id = $4)))",
                vec![cadre.to_string(), unit.to_string()],
            ),
            Scope::Unit(unit) => (
                "AND (household_id IN (SELECT h.id FROM households h
                      LEFT JOIN villages v ON v.id = h.village_id
                      LEFT JOIN cadres c ON c.id = h.cadre_id
                      WHERE v.township_id = $4 OR c.unit_id = $4)
                  OR unit_id = $4
                  OR (record_type = 'unit' AND record_id = $4)
                  OR (record_type = 'village' AND record_id IN (SELECT id FROM villages WHERE township_id = $4))
                  OR (record_type = 'cadre' AND record_id IN (SELECT id FROM cadres WHERE unit_id = $4)))",
                vec![unit.to_string()],
            ),
            Scope::County => ("", vec![]),
        };
        let sql = format!(
            "SELECT server_seq, body FROM ops WHERE server_seq > $1 AND device_id != $3 {filter}
             ORDER BY server_seq LIMIT $2"
        );
        let cursor = cursor as i64;
        let limit = i64::from(limit);
        let except = except.map(|d| d.to_string()).unwrap_or_default();
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&cursor, &limit, &except];
        params.extend(who.iter().map(|w| w as &(dyn ToSql + Sync)));
        self.0
            .query(&sql, &params)?
            .iter()
            .map(|r| {
                Ok(Change {
                    server_seq: r.get::<_, i64>(0) as u64,
                    op: serde_json::from_str::<Op>(r.get(1))?,
                })
            })
            .collect()
    }

    fn last_seq(&mut self) -> StoreResult<u64> {
        Ok(self.0.query_one("SELECT COALESCE(MAX(server_seq), 0) FROM ops", &[])?.get::<_, i64>(0)
            as u64)
    }

    fn last_hlc(&mut self, device: DeviceId) -> StoreResult<Option<minqing_shared::sync::Hlc>> {
        self.opt(
            "SELECT body FROM ops WHERE device_id = $1 ORDER BY device_seq DESC LIMIT 1",
            &[&device.to_string()],
        )?
        .map(|r| Ok(serde_json::from_str::<Op>(r.get(0))?.hlc))
        .transpose()
    }

    fn household(&mut self, id: HouseholdId) -> StoreResult<Option<HouseholdState>> {
        self.opt("SELECT state FROM households WHERE id = $1", &[&id.to_string()])?
            .map(|r| Ok(serde_json::from_str(r.get(0))?))
            .transpose()
    }

    fn put_household(&mut self, s: &HouseholdState) -> StoreResult<()> {
        self.exec(
            "INSERT INTO households (id, village_id, cadre_id, head_name, status, deleted, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET village_id = $2, cadre_id = $3, head_name = $4,
               status = $5, deleted = $6, state = $7",
            &[
                &s.id.to_string(),
                &s.village_id.value.map(|v| v.to_string()),
                &s.cadre_id.value.map(|c| c.to_string()),
                &s.head_name.value,
                &s.status.value.code(),
                &s.deleted.value,
                &serde_json::to_string(s)?,
            ],
        )?;
        Ok(())
    }

    fn visit_exists(&mut self, id: VisitId) -> StoreResult<bool> {
        Ok(self.opt("SELECT 1 FROM visits WHERE id = $1", &[&id.to_string()])?.is_some())
    }

    fn insert_visit(&mut self, v: &Visit) -> StoreResult<()> {
        self.exec(
            "INSERT INTO visits (id, household_id, cadre_id, visited_ms, mode, body) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &v.id.to_string(),
                &v.household_id.to_string(),
                &v.cadre_id.to_string(),
                &v.visited_at.timestamp_millis(),
                &v.mode.code(),
                &serde_json::to_string(v)?,
            ],
        )?;
        Ok(())
    }

    fn visit_owner(&mut self, id: VisitId) -> StoreResult<Option<(HouseholdId, CadreId)>> {
        self.opt("SELECT household_id, cadre_id FROM visits WHERE id = $1", &[&id.to_string()])?
            .map(|r| Ok((parse(r.get::<_, &str>(0))?, parse(r.get::<_, &str>(1))?)))
            .transpose()
    }

    fn concern_events(&mut self, id: ConcernId) -> StoreResult<Vec<ConcernEvent>> {
        self.0
            .query("SELECT event FROM concern_events WHERE concern_id = $1", &[&id.to_string()])?
            .iter()
            .map(|r| Ok(serde_json::from_str(r.get(0))?))
            .collect()
    }

    fn insert_concern_event(&mut self, concern: ConcernId, e: &ConcernEvent) -> StoreResult<()> {
        self.exec(
            "INSERT INTO concern_events (op_id, concern_id, event) VALUES ($1, $2, $3)",
            &[&e.op_id.to_string(), &concern.to_string(), &serde_json::to_string(e)?],
        )?;
        Ok(())
    }

    fn concern(&mut self, id: ConcernId) -> StoreResult<Option<ConcernState>> {
        self.opt("SELECT state FROM concerns WHERE id = $1", &[&id.to_string()])?
            .map(|r| Ok(serde_json::from_str(r.get(0))?))
            .transpose()
    }

    fn put_concern(&mut self, s: &ConcernState) -> StoreResult<()> {
        self.exec(
            "INSERT INTO concerns (id, household_id, category, status, raised_ms, deadline, on_ledger, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (id) DO UPDATE SET household_id = $2, category = $3, status = $4,
               raised_ms = $5, deadline = $6, on_ledger = $7, state = $8",
            &[
                &s.id.to_string(),
                &s.household_id.map(|h| h.to_string()),
                &s.category.map(|c| c.code()),
                &s.status.map(|c| c.code()),
                &s.raised_at.map(|t| t.timestamp_millis()),
                &s.decision.as_ref().map(|d| d.deadline.to_string()),
                &s.on_ledger(),
                &serde_json::to_string(s)?,
            ],
        )?;
        Ok(())
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
        office::all_units(&mut self.0)
    }
    fn all_villages(&mut self) -> StoreResult<Vec<VillageRow>> {
        office::all_villages(&mut self.0)
    }
    fn all_cadres(&mut self) -> StoreResult<Vec<CadreRow>> {
        office::all_cadres(&mut self.0)
    }
    fn all_households(&mut self) -> StoreResult<Vec<HouseholdState>> {
        office::all_households(&mut self.0)
    }
    fn all_concerns(&mut self) -> StoreResult<Vec<ConcernState>> {
        office::all_concerns(&mut self.0)
    }
    fn visit_facts(&mut self, from_ms: i64, to_ms: i64) -> StoreResult<Vec<VisitFact>> {
        office::visit_facts(&mut self.0, from_ms, to_ms)
    }
    fn last_in_person_visits(&mut self) -> StoreResult<Vec<(HouseholdId, i64)>> {
        office::last_in_person_visits(&mut self.0)
    }
    fn household_visits(&mut self, id: HouseholdId) -> StoreResult<Vec<Visit>> {
        office::household_visits(&mut self.0, id)
    }
    fn ops_of_type(&mut self, record_type: RecordType) -> StoreResult<Vec<Change>> {
        office::ops_of_type(&mut self.0, record_type)
    }
    fn insert_office_session(&mut self, session: &OfficeSession) -> StoreResult<()> {
        office::insert_office_session(&mut self.0, session)
    }
    fn office_session(&mut self, id_hash: &str) -> StoreResult<Option<OfficeSession>> {
        office::office_session(&mut self.0, id_hash)
    }
    fn touch_office_session(&mut self, id_hash: &str, now_ms: i64) -> StoreResult<()> {
        office::touch_office_session(&mut self.0, id_hash, now_ms)
    }
    fn delete_office_session(&mut self, id_hash: &str, idle_before_ms: i64) -> StoreResult<()> {
        office::delete_office_session(&mut self.0, id_hash, idle_before_ms)
    }
    fn insert_evaluation_note(&mut self, note: &EvaluationNote) -> StoreResult<()> {
        office::insert_evaluation_note(&mut self.0, note)
    }
    fn evaluation_notes(&mut self, period: &str) -> StoreResult<Vec<EvaluationNote>> {
        office::evaluation_notes(&mut self.0, period)
    }
    fn assignment_overrides(&mut self) -> StoreResult<Vec<AssignmentOverride>> {
        office::assignment_overrides(&mut self.0)
    }
    fn put_assignment_override(&mut self, o: &AssignmentOverride) -> StoreResult<()> {
        office::put_assignment_override(&mut self.0, o)
    }
}
