//! The SQLite backend: rusqlite (bundled), WAL, a busy timeout, one writer connection whose
//! queued writes share transactions, and a few reader connections for pulls and pages. What only
//! SQLite does is here: opening and migrating the file, binding `$N` parameters by position,
//! writes grouped into shared transactions (`writer.rs`) and the pull-scope query (`scope.rs`).
//! Ops are numbered as they go in: `server_seq` is the table's `AUTOINCREMENT` key, assigned by
//! the one writer inside its transaction, so a cursor never skips a late commit.

mod checkpointer;
mod schema;
mod scope;
mod writer;

pub use writer::WriterLoad;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, TryLockError};

use minqing_shared::ids::DeviceId;
use minqing_shared::sync::Change;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::sql::{Conn, Row, Value};
use super::{Scope, Section, StoreError, StoreResult};

const READERS: usize = 4;

/// Prepared statements kept per connection (the office's filters build a few at run time).
const STATEMENT_CACHE: usize = 256;

/// How much of the database file each connection asks to map (SQLite caps it at its compiled
/// maximum, 2 GiB; pages past it are read into the page cache).
const MMAP_BYTES: i64 = 16 << 30;

/// Each reader connection's page cache, in KiB.
const PAGE_CACHE_KIB: i64 = 32 * 1024;

/// The writer's page cache, in KiB: small. At each commit SQLite drops the cached pages past the
/// database's end, scanning the cache's whole page table, which a 32 MiB cache made large:
/// `perf` found 13 % of the server's time there during `minqing-bench sync`, and with this cache
/// the writer's commits took about half the time (four runs paired with 32 MiB: 442–853 ms of
/// commits against 766–2,385 ms, 93–150 ms of writer time per 1,000 ops against 110–225). The
/// writer reads the file through the memory map like the readers; its cache mostly holds the
/// pages the open transaction changed, and a large transaction spills to the WAL (the demo
/// county built in the same time within the machine's noise).
const WRITER_CACHE_KIB: i64 = 2 * 1024;

/// A SQLite database file.
#[derive(Debug)]
pub struct SqliteStore {
    writer: writer::Writer,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Dropped after the writer: the writer's last commit may still ask for a checkpoint.
    _checkpointer: checkpointer::Checkpointer,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        let busy = matches!(
            e.sqlite_error_code(),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        );
        if busy { StoreError::Busy(e.to_string()) } else { StoreError::Database(e.to_string()) }
    }
}

fn configure(conn: &Connection) -> StoreResult<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Pages are read through a memory map of the file (shared by every connection through the
    // OS's page cache) rather than copied in by a system call each; the office's counts group
    // in memory.
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // A cached statement keeps its plan whatever is bound to it. Without this, SQLite marks a
    // parameter compared with an indexed column (the pull's cursor, a `LIMIT`) as one whose
    // value may change the plan, and parses and plans the statement again whenever a new value
    // is bound: every pull was prepared anew.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
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
        writer.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
        schema::migrate(&mut writer)?;
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
        let checkpoints = Connection::open(path)?;
        configure(&checkpoints)?;
        let checkpointer = checkpointer::Checkpointer::start(&mut writer, checkpoints)?;
        Ok(Self {
            writer: writer::Writer::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            _checkpointer: checkpointer,
        })
    }

    /// Runs `f` in a read transaction on one of the reader connections.
    ///
    /// A free reader if there is one (a quick token lookup must not queue behind a long page on
    /// its turn's connection while another is idle), else the next in turn.
    pub fn read<T>(&self, f: impl FnOnce(&mut dyn Conn) -> T) -> StoreResult<T> {
        let n = self.readers.len();
        let first = self.next_reader.fetch_add(1, Ordering::Relaxed) % n;
        let free = (0..n).find_map(|k| match self.readers[(first + k) % n].try_lock() {
            Ok(conn) => Some(conn),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        });
        let mut conn =
            free.unwrap_or_else(|| self.readers[first].lock().unwrap_or_else(|p| p.into_inner()));
        let tx = conn.transaction()?;
        let out = f(&mut SqliteConn(&tx));
        tx.finish()?;
        Ok(out)
    }

    /// Runs `f` in a write transaction, its work kept if `keep` says so; returns once that
    /// work is committed (in a transaction it may share with the writes queued beside it, see
    /// `writer.rs`).
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> T,
        keep: impl FnOnce(&T) -> bool,
    ) -> StoreResult<T> {
        self.writer.write(|conn| f(&mut SqliteConn(conn)), keep)
    }

    /// How long the one writer has been held and committing since the store opened.
    pub fn writer_load(&self) -> writer::WriterLoad {
        self.writer.load()
    }

    /// Moves the WAL into the database file and truncates it (after a large transaction).
    pub fn checkpoint(&self) -> StoreResult<()> {
        let held = self.writer.alone()?;
        // Busy while the checkpoint thread is at work (SQLite then skips, and says so in the
        // row's first column): try again for a while.
        for _ in 0..100 {
            let busy: i64 =
                held.conn().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
            if busy == 0 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Ok(())
    }

    /// Writes a consistent copy of the database to `dest` (online backup).
    pub fn backup_to(&self, dest: &str) -> StoreResult<()> {
        let held = self.writer.alone()?;
        held.conn().execute("VACUUM INTO ?1", [dest])?;
        Ok(())
    }
}

/// One transaction on SQLite.
struct SqliteConn<'a>(&'a Connection);

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(n) => ToSqlOutput::Borrowed(ValueRef::Integer(*n)),
            Value::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*b))),
            Value::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

/// `sql` with each `$N` written `?N`. SQLite gives `?N` the index N, so values bind by
/// position; a `$N` is a name, and finding a parameter's name is a scan of the statement's
/// names (quadratic in a multi-row insert's hundreds of parameters).
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let before_digit = chars.peek().is_some_and(char::is_ascii_digit);
        out.push(if c == '$' && before_digit { '?' } else { c });
    }
    out
}

/// Binds `params` to `stmt`, prepared from [`numbered`] SQL: `?N` takes `params[N - 1]`.
fn bind(stmt: &mut rusqlite::CachedStatement<'_>, params: &[Value]) -> StoreResult<()> {
    let count = stmt.parameter_count();
    if count > params.len() {
        return Err(StoreError::Database(format!(
            "the statement has {count} parameters, {} given",
            params.len()
        )));
    }
    for (i, value) in params.iter().take(count).enumerate() {
        stmt.raw_bind_parameter(i + 1, value)?;
    }
    Ok(())
}

fn value(v: ValueRef<'_>) -> StoreResult<Value> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Int(n),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(
            String::from_utf8(t.to_vec()).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        ),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    })
}

impl Conn for SqliteConn<'_> {
    fn query(&mut self, sql: &str, params: &[Value]) -> StoreResult<Vec<Row>> {
        let mut stmt = self.0.prepare_cached(&numbered(sql))?;
        bind(&mut stmt, params)?;
        let columns = stmt.column_count();
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let row = (0..columns).map(|i| value(r.get_ref(i)?)).collect::<StoreResult<_>>()?;
            out.push(Row(row));
        }
        Ok(out)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> StoreResult<u64> {
        let mut stmt = self.0.prepare_cached(&numbered(sql))?;
        bind(&mut stmt, params)?;
        Ok(stmt.raw_execute()? as u64)
    }

    /// One row a statement, the statement prepared once. A multi-row `INSERT` in a transaction
    /// makes SQLite keep a statement journal (a copy of each page the statement touches, to undo
    /// the statement alone should a later row fail) that a one-row statement does not need; and
    /// with no round trips to save, stepping a prepared statement per row costs no more.
    fn insert_rows(
        &mut self,
        head: &str,
        columns: usize,
        tail: &str,
        rows: &[Vec<Value>],
    ) -> StoreResult<()> {
        let sql = format!("{head} VALUES ({}) {tail}", super::sql::placeholders(1, columns));
        let mut stmt = self.0.prepare_cached(&numbered(&sql))?;
        for row in rows {
            bind(&mut stmt, row)?;
            stmt.raw_execute()?;
        }
        Ok(())
    }

    fn lock_rows(&self, _alias: &str) -> String {
        String::new()
    }

    fn number_after_commit(&mut self) {}

    fn exclusive(&mut self, _section: Section) -> StoreResult<()> {
        // One writer holds the whole database for the transaction.
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
    use super::*;

    #[test]
    fn parameters_bind_by_their_number_whatever_their_order() {
        assert_eq!(numbered("SELECT $2, $10 WHERE a = '$.b'"), "SELECT ?2, ?10 WHERE a = '$.b'");
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("b.db").to_str().unwrap()).unwrap();
        let rows = store
            .read(|c| c.query("SELECT $3, $1, $3 || $2", &[Value::Int(1), "b".into(), "c".into()]))
            .unwrap()
            .unwrap();
        assert_eq!(rows[0].text(0).unwrap(), "c");
        assert_eq!(rows[0].int(1).unwrap(), 1);
        assert_eq!(rows[0].text(2).unwrap(), "cb");
        let too_few = store.read(|c| c.query("SELECT $1, $2", &[Value::Int(1)])).unwrap();
        assert!(too_few.is_err());
    }
}
