//! The PostgreSQL backend, for a province: several stateless server processes share one
//! cluster. The sync `postgres` client (the same code as `tokio-postgres`, blocking) with an
//! `r2d2` pool, each connection keeping its prepared statements (`statements.rs`). What only
//! PostgreSQL does is here: migrations under an advisory lock, row locks, numbering ops at
//! commit (`numbering.rs`), sections held by advisory locks, and the pull-scope query
//! (`scope.rs`).
//!
//! **Why the blocking client.** The sync rules run inside `spawn_blocking` against one
//! synchronous transaction type, whatever the backend. The cost PostgreSQL paid was round trips,
//! not threads: a push now reads what it needs in a few set-wise statements and writes in
//! multi-row ones (`sync/working_set.rs`, `Tx::insert_rows`), so a push of twenty ops is about
//! two dozen round trips in all, where it was a dozen per op. An async client would add pipelining inside a transaction,
//! not fewer statements; see docs/BENCHMARKS.md for what this gives.
//!
//! **Read-modify-write without a global lock.** What a write reads in order to change it is
//! read `FOR UPDATE` in a write transaction: a device's high-water mark (so two copies of one
//! push run one after the other, and the second finds the ops already stored), then the
//! households the push touches, all in one statement in id order, then the events of their
//! concerns (a concern's events are written only by a writer holding its household). Every
//! writer takes rows in that order, so two pushes cannot deadlock on households; if PostgreSQL
//! still reports a deadlock or a serialization failure, the write is retried (`Db::write`).
//! Writes that decide from what they read but lock no row of it (a monthly report's state, a
//! roster import) hold a section of their own ([`Section`]).

mod numbering;
mod schema;
mod scope;
mod statements;

use std::str::FromStr;

use minqing_shared::ids::DeviceId;
use minqing_shared::sync::Change;
use postgres::NoTls;
use postgres::error::SqlState;
use r2d2_postgres::PostgresConnectionManager;

use super::sql::{Conn, Row, Value};
use super::{Scope, Section, StoreError, StoreResult};
use statements::{CachedTx, PgManager};

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        let retry = [SqlState::T_R_DEADLOCK_DETECTED, SqlState::T_R_SERIALIZATION_FAILURE];
        if e.code().is_some_and(|c| retry.contains(c)) {
            StoreError::Busy(e.to_string())
        } else {
            StoreError::Database(e.to_string())
        }
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

type Pool = r2d2::Pool<PgManager>;

/// Whether a read's prepared statements run on the plans PostgreSQL keeps for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plans {
    /// PostgreSQL's choice: after five runs, one generic plan if it seems no worse. Right for
    /// statements whose cost hardly depends on their values (a pull, a token).
    Kept,
    /// Planned for the values of each run (`plan_cache_mode = force_custom_plan`), and not
    /// compiled (`jit = off`): a plan costly enough to be compiled runs tens of milliseconds
    /// here, and compiling it took 12 of a 114 ms statement (the city's year of visited weeks).
    PerRun,
}

/// Connections kept open by one server process.
const POOL_SIZE: u32 = 8;

/// A PostgreSQL database.
#[derive(Debug)]
pub struct PgStore {
    /// Always `Some` until dropped.
    pool: Option<Pool>,
    numberer: numbering::Numberer,
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
        Self::open_config(postgres::Config::from_str(url).map_err(StoreError::from)?)
    }

    /// [`PgStore::open`] of a parsed URL.
    fn open_config(config: postgres::Config) -> StoreResult<Self> {
        let manager = PgManager(PostgresConnectionManager::new(config, NoTls));
        let pool = r2d2::Pool::builder().max_size(POOL_SIZE).build(manager)?;
        let store = Self { pool: Some(pool), numberer: numbering::Numberer::default() };
        let mut conn = store.pool().get()?;
        schema::migrate(&mut conn, numbering::WRITE_LOCK)?;
        // Ops a server stopped before numbering (see `numbering.rs`).
        numbering::number_ops(&mut conn)?;
        drop(conn);
        Ok(store)
    }

    fn pool(&self) -> &Pool {
        self.pool.as_ref().expect("the pool lives as long as the store")
    }

    /// Refreshes the planner's statistics of every table. After a large write they describe
    /// the tables as they were, and the plans each connection keeps for its prepared
    /// statements follow them until autovacuum's own `ANALYZE` comes round (a minute or more):
    /// a pull planned on an empty log walked it, 8 ms a pull instead of 0.46 ms under
    /// `minqing-bench sync`'s load (3,552 ops/s against 5,144). `ANALYZE` also drops those plans.
    pub fn analyze(&self) -> StoreResult<()> {
        self.pool().get()?.batch_execute("ANALYZE")?;
        Ok(())
    }

    /// Runs `f` in a read-only, repeatable-read transaction: one snapshot for the whole read.
    pub fn read<T>(&self, f: impl FnOnce(&mut dyn Conn) -> T, plans: Plans) -> StoreResult<T> {
        let mut conn = self.pool().get()?;
        let mut pg = PgConn { tx: conn.read()?, writing: false, to_number: false };
        if plans == Plans::PerRun {
            pg.tx.batch_execute(
                "SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL jit = off",
            )?;
        }
        let out = f(&mut pg);
        pg.tx.commit()?;
        Ok(out)
    }

    /// Runs `f` in a write transaction (READ COMMITTED), committed if `keep` says so; numbers
    /// its ops, if any, right after the commit (see `numbering.rs`).
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> T,
        keep: impl FnOnce(&T) -> bool,
    ) -> StoreResult<T> {
        let mut conn = self.pool().get()?;
        let (out, to_number) = {
            let mut pg = PgConn { tx: conn.write()?, writing: true, to_number: false };
            let out = f(&mut pg);
            if !keep(&out) {
                return Ok(out); // rolled back as the transaction drops
            }
            pg.tx.commit()?;
            (out, pg.to_number)
        };
        if to_number {
            self.numberer.after_commit(conn, self.pool())?;
        }
        Ok(out)
    }
}

/// One transaction on PostgreSQL.
struct PgConn<'a> {
    tx: CachedTx<'a>,
    /// A write transaction: what it reads to change is locked.
    writing: bool,
    /// It appended ops, or met ops already stored: number what is left after commit.
    to_number: bool,
}

fn params(values: &[Value]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn postgres::types::ToSql + Sync)).collect()
}

impl Conn for PgConn<'_> {
    fn query(&mut self, sql: &str, values: &[Value]) -> StoreResult<Vec<Row>> {
        self.tx.query(sql, &params(values))?.iter().map(statements::row).collect()
    }

    fn execute(&mut self, sql: &str, values: &[Value]) -> StoreResult<u64> {
        Ok(self.tx.execute(sql, &params(values))?)
    }

    /// All the rows in one statement: each column's values as one array, `unnest`ed in order
    /// (`WITH ORDINALITY`, so ops get their ids in the order sent), where chunks of 64, 16, 4
    /// and 1 rows took a push's 25 ops four statements. The arrays' element types are the
    /// columns' own, as PostgreSQL gives them to the one-row statement. (`Tx::insert_rows` has
    /// checked every row holds `columns` values.)
    fn insert_rows(
        &mut self,
        head: &str,
        columns: usize,
        tail: &str,
        rows: &[Vec<Value>],
    ) -> StoreResult<()> {
        let one_row = format!("{head} VALUES ({})", crate::store::sql::placeholders(1, columns));
        let types = self.tx.parameter_types(&one_row)?;
        let arrays: Vec<String> =
            types.iter().enumerate().map(|(i, t)| format!("${}::{}[]", i + 1, t.name())).collect();
        let names: Vec<String> = (1..=columns).map(|i| format!("c{i}")).collect();
        let sql = format!(
            "{head} SELECT {names} FROM unnest({arrays}) WITH ORDINALITY AS u({names}, n)
             ORDER BY n {tail}",
            names = names.join(", "),
            arrays = arrays.join(", "),
        );
        // Each column's values, borrowed from the rows (a push's bodies are not copied).
        let values: Vec<Vec<&Value>> =
            (0..columns).map(|c| rows.iter().map(|r| &r[c]).collect()).collect();
        let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
            values.iter().map(|v| v as &(dyn postgres::types::ToSql + Sync)).collect();
        self.tx.execute(&sql, &params)?;
        Ok(())
    }

    fn lock_rows(&self, alias: &str) -> String {
        if self.writing { format!("FOR UPDATE OF {alias}") } else { String::new() }
    }

    fn number_after_commit(&mut self) {
        self.to_number = true;
    }

    fn exclusive(&mut self, section: Section) -> StoreResult<()> {
        let key = numbering::section_lock(section);
        self.tx.execute("SELECT pg_advisory_xact_lock($1)", &[&key])?;
        Ok(())
    }

    fn changes_in_scope(
        &mut self,
        scope: Scope,
        cursor: u64,
        limit: u32,
        except: Option<DeviceId>,
    ) -> StoreResult<Vec<Change>> {
        scope::changes(self, scope, cursor, limit, except)
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;
    use std::sync::Barrier;

    use super::{POOL_SIZE, PgStore, Plans};

    /// A database of its own on the cluster `MINQING_TEST_POSTGRES` names, dropped at the end
    /// (a failed assertion included).
    struct Scratch {
        admin: postgres::Client,
        name: String,
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            let _ = self.admin.batch_execute(&sql);
        }
    }

    /// `plan_cache_mode` and `jit` as a read of `plans` sees them, read by each of the pool's
    /// connections at once (so every one of them is checked).
    fn settings_on_every_connection(store: &PgStore, plans: Plans) -> Vec<(String, String)> {
        let all_out = Barrier::new(POOL_SIZE as usize);
        std::thread::scope(|s| {
            let readers: Vec<_> = (0..POOL_SIZE)
                .map(|_| {
                    s.spawn(|| {
                        let read = |conn: &mut dyn super::Conn| {
                            all_out.wait();
                            let sql = "SELECT current_setting('plan_cache_mode'), \
                                       current_setting('jit')";
                            conn.query(sql, &[]).unwrap().remove(0)
                        };
                        let row = store.read(read, plans).unwrap();
                        (row.text(0).unwrap(), row.text(1).unwrap())
                    })
                })
                .collect();
            readers.into_iter().map(|r| r.join().unwrap()).collect()
        })
    }

    /// The office's reads plan each statement for its values and are not compiled; the other
    /// reads, on the same pooled connections afterwards, see the database's own settings.
    #[test]
    fn only_reads_planned_per_run_are_planned_for_their_values() {
        let Some(url) = std::env::var("MINQING_TEST_POSTGRES").ok().filter(|u| !u.is_empty())
        else {
            println!("SKIPPED: set MINQING_TEST_POSTGRES to run this on PostgreSQL");
            return;
        };
        let name = format!("minqing_t_{}", uuid::Uuid::now_v7().simple());
        let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let _scratch = Scratch { admin, name: name.clone() };
        let mut config = postgres::Config::from_str(&url).unwrap();
        config.dbname(&name);
        let store = PgStore::open_config(config).unwrap();
        let defaults = settings_on_every_connection(&store, Plans::Kept);
        assert_eq!(defaults.len(), POOL_SIZE as usize);
        assert!(defaults.iter().all(|d| d.0 != "force_custom_plan"), "{defaults:?}");
        let per_run = settings_on_every_connection(&store, Plans::PerRun);
        assert!(per_run.iter().all(|s| s.0 == "force_custom_plan" && s.1 == "off"), "{per_run:?}");
        assert_eq!(settings_on_every_connection(&store, Plans::Kept), defaults);
        drop(store);
    }
}
