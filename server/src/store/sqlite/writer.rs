//! The one writer connection, and writes grouped into shared transactions (group commit).
//!
//! SQLite has one writer at a time, and a commit costs the same whether it carries one push or
//! forty: it writes every page the transaction touched to the WAL (the log's and indexes' last
//! pages, shared by every push) and, now and then, checkpoints. So writes that queue for the
//! writer share a transaction: each runs in a savepoint of its own (released if it keeps its
//! work, rolled back to if not, so a failed write never undoes another's), and the last one
//! in the queue commits for all. A write returns only once the transaction holding its work has
//! committed, and every write of a transaction whose commit failed gets the error: nothing is
//! acknowledged that is not stored. A group ends when nobody is waiting, or at
//! [`MAX_MEMBERS`] writes, or after [`MAX_AGE`], so a steady stream of writes still commits.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::store::{StoreError, StoreResult};

/// At most this many writes share a transaction.
const MAX_MEMBERS: usize = 64;

/// A group older than this commits with the write that finds it so.
const MAX_AGE: Duration = Duration::from_millis(50);

/// How many failed groups are remembered for their members to read.
const FAILURES_KEPT: usize = 4096;

/// The transaction writes are adding to.
#[derive(Debug)]
struct Group {
    id: u64,
    members: usize,
    began: Instant,
}

/// The writer connection and its open group, if any.
#[derive(Debug)]
struct Slot {
    conn: Connection,
    open: Option<Group>,
    next_id: u64,
}

/// How groups ended: every group up to `ended` has, and `failed` names those whose commit did
/// not happen.
#[derive(Debug, Default)]
struct Ended {
    ended: u64,
    failed: BTreeMap<u64, Failure>,
}

/// Why a group's commit did not happen.
#[derive(Clone, Debug)]
struct Failure {
    why: String,
    /// The database was busy: the members' writes may be tried again as they are.
    busy: bool,
}

impl Failure {
    fn of(e: &StoreError) -> Self {
        Self { why: e.to_string(), busy: e.is_retryable() }
    }

    /// The error each member of the group gets: busy stays busy, so it is tried again.
    fn error(&self) -> StoreError {
        let why = format!("commit failed: {}", self.why);
        if self.busy { StoreError::Busy(why) } else { StoreError::Database(why) }
    }
}

/// How long the writer has been held and committing since the store opened: the one writer is
/// SQLite's ceiling (every write of the server passes through it, one at a time), so its time
/// per op is the figure that bounds the sync rate (`minqing-bench sync` prints it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterLoad {
    /// Time the connection was held by a write or a maintenance task.
    pub held: Duration,
    /// Of which, committing groups, whether the commit succeeded or not (SQLite writing the WAL,
    /// and checkpointing when it is due).
    pub committing: Duration,
    /// Groups committed.
    pub commits: u64,
}

/// [`WriterLoad`]'s counters, in nanoseconds.
#[derive(Debug, Default)]
struct LoadCounters {
    held_ns: AtomicU64,
    committing_ns: AtomicU64,
    commits: AtomicU64,
}

/// The one writer connection.
#[derive(Debug)]
pub(super) struct Writer {
    slot: Mutex<Slot>,
    /// Writes waiting for the connection: while there are some, the group stays open for them.
    waiting: AtomicUsize,
    ended: Mutex<Ended>,
    ended_changed: Condvar,
    load: LoadCounters,
}

/// The connection held by one write (or by a maintenance task, with no group open).
pub(super) struct Held<'a> {
    writer: &'a Writer,
    slot: MutexGuard<'a, Slot>,
    since: Instant,
}

impl Writer {
    pub(super) fn new(conn: Connection) -> Self {
        Self {
            slot: Mutex::new(Slot { conn, open: None, next_id: 1 }),
            waiting: AtomicUsize::new(0),
            ended: Mutex::new(Ended::default()),
            ended_changed: Condvar::new(),
            load: LoadCounters::default(),
        }
    }

    /// How long the writer has been held and committing so far.
    pub(super) fn load(&self) -> WriterLoad {
        let ns = |c: &AtomicU64| Duration::from_nanos(c.load(Ordering::Relaxed));
        WriterLoad {
            held: ns(&self.load.held_ns),
            committing: ns(&self.load.committing_ns),
            commits: self.load.commits.load(Ordering::Relaxed),
        }
    }

    fn hold(&self) -> Held<'_> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        Held { writer: self, slot, since: Instant::now() }
    }

    /// The connection alone, any open group committed first: for a checkpoint or a backup.
    pub(super) fn alone(&self) -> StoreResult<Held<'_>> {
        let mut held = self.hold();
        held.end_group()?;
        Ok(held)
    }

    /// Runs `f` in a transaction shared with the writes queued beside it, in a savepoint of its
    /// own, kept if `keep` says so; returns once the work is committed.
    pub(super) fn write<T>(
        &self,
        f: impl FnOnce(&Connection) -> T,
        keep: impl FnOnce(&T) -> bool,
    ) -> StoreResult<T> {
        let mut held = self.hold();
        let group = held.join()?;
        if let Err(e) = held.slot.conn.execute_batch("SAVEPOINT write") {
            // Nothing of this write is in the transaction: commit it for those who wrote in it
            // (they may be waiting for this write to end the group).
            let _ = held.end_group();
            return Err(e.into());
        }
        let out = f(&held.slot.conn);
        let kept = keep(&out);
        let settled = if kept {
            held.slot.conn.execute_batch("RELEASE write")
        } else {
            held.slot.conn.execute_batch("ROLLBACK TO write; RELEASE write")
        };
        if let Err(e) = settled {
            // The savepoint could not be settled: the transaction is in doubt, end it unkept.
            held.abandon_group(&e.to_string());
            return Err(e.into());
        }
        if !kept {
            // Nothing of it is in the transaction: whether that commits does not concern it
            // (the members are told).
            if !held.group_may_stay_open() {
                let _ = held.end_group();
            }
            return Ok(out);
        }
        if held.group_may_stay_open() {
            // The next write in the queue goes on with the transaction; wait for its end.
            drop(held);
            return self.wait_for(group).map(|()| out);
        }
        held.end_group().map(|()| out)
    }

    /// Waits until group `id` has ended: `Ok` if it committed.
    fn wait_for(&self, id: u64) -> StoreResult<()> {
        let ended = self.ended.lock().unwrap_or_else(|p| p.into_inner());
        let ended = self
            .ended_changed
            .wait_while(ended, |e| e.ended < id)
            .unwrap_or_else(|p| p.into_inner());
        ended.failed.get(&id).map_or(Ok(()), |f| Err(f.error()))
    }

    fn note_ended(&self, id: u64, failure: Option<Failure>) {
        let mut ended = self.ended.lock().unwrap_or_else(|p| p.into_inner());
        ended.ended = ended.ended.max(id);
        if let Some(failure) = failure {
            ended.failed.insert(id, failure);
        }
        // Kept by count, not by age: a member that wakes late still finds its group's failure
        // (only thousands of failures since would push it out).
        while ended.failed.len() > FAILURES_KEPT {
            ended.failed.pop_first();
        }
        drop(ended);
        self.ended_changed.notify_all();
    }
}

impl Held<'_> {
    /// The connection, for maintenance outside any group.
    pub(super) fn conn(&self) -> &Connection {
        &self.slot.conn
    }

    /// Joins the open group, or begins one: its id.
    fn join(&mut self) -> StoreResult<u64> {
        if let Some(group) = &mut self.slot.open {
            group.members += 1;
            return Ok(group.id);
        }
        if !self.slot.conn.is_autocommit() {
            // A rollback that failed left a transaction open: nothing of it was kept.
            let _ = self.slot.conn.execute_batch("ROLLBACK");
        }
        self.slot.conn.execute_batch("BEGIN IMMEDIATE")?;
        let id = self.slot.next_id;
        self.slot.next_id += 1;
        self.slot.open = Some(Group { id, members: 1, began: Instant::now() });
        Ok(id)
    }

    /// Whether the group may stay open for a write that is waiting.
    fn group_may_stay_open(&self) -> bool {
        let Some(group) = &self.slot.open else { return false };
        self.writer.waiting.load(Ordering::SeqCst) > 0
            && group.members < MAX_MEMBERS
            && group.began.elapsed() < MAX_AGE
    }

    /// Commits the open group, if any, and tells its members.
    fn end_group(&mut self) -> StoreResult<()> {
        let Some(group) = self.slot.open.take() else { return Ok(()) };
        let began = Instant::now();
        let committed = self.slot.conn.execute_batch("COMMIT");
        let load = &self.writer.load;
        load.committing_ns.fetch_add(nanos(began.elapsed()), Ordering::Relaxed);
        match committed {
            Ok(()) => {
                load.commits.fetch_add(1, Ordering::Relaxed);
                self.writer.note_ended(group.id, None);
                Ok(())
            }
            Err(e) => {
                let _ = self.slot.conn.execute_batch("ROLLBACK");
                let e = StoreError::from(e);
                self.writer.note_ended(group.id, Some(Failure::of(&e)));
                Err(e)
            }
        }
    }

    /// Rolls the open group back: every member's work is lost, and each is told so.
    fn abandon_group(&mut self, why: &str) {
        if let Some(group) = self.slot.open.take() {
            if !self.slot.conn.is_autocommit() {
                let _ = self.slot.conn.execute_batch("ROLLBACK");
            }
            self.writer.note_ended(group.id, Some(Failure { why: why.to_owned(), busy: false }));
        }
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.writer.load.held_ns.fetch_add(nanos(self.since.elapsed()), Ordering::Relaxed);
        // A write that panicked leaves its savepoint open in a transaction others wrote in:
        // the whole group is rolled back and its members told, rather than committed by the
        // next write with half of it done.
        if std::thread::panicking() {
            self.abandon_group("a write panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};

    use super::*;

    fn writer(dir: &tempfile::TempDir) -> (Writer, Connection) {
        let path = dir.path().join("w.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)").unwrap();
        let reader = Connection::open(&path).unwrap();
        (Writer::new(conn), reader)
    }

    fn stored(reader: &Connection) -> Vec<i64> {
        let mut stmt = reader.prepare("SELECT n FROM t ORDER BY n").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn queued_writes_share_transactions_and_a_refused_one_undoes_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, reader) = writer(&dir);
        let writer = Arc::new(writer);
        let start = Arc::new(Barrier::new(40));
        let threads: Vec<_> = (0..40i64)
            .map(|n| {
                let (writer, start) = (writer.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    writer.write(
                        |c| {
                            c.execute("INSERT INTO t (n) VALUES (?1)", [n]).unwrap();
                            // Every seventh write is refused after writing.
                            n % 7 != 0
                        },
                        |keep| *keep,
                    )
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap().unwrap();
        }
        let want: Vec<i64> = (0..40).filter(|n| n % 7 != 0).collect();
        assert_eq!(stored(&reader), want);
        let groups = writer.slot.lock().unwrap().next_id - 1;
        assert!(groups < 40, "40 writes in {groups} transactions");
        // The load account saw each commit, inside the time the writer was held.
        let load = writer.load();
        assert_eq!(load.commits, groups);
        assert!(load.committing > Duration::ZERO && load.committing < load.held, "{load:?}");
    }

    #[test]
    fn a_write_returns_only_once_its_work_is_committed() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, reader) = writer(&dir);
        let writer = Arc::new(writer);
        let threads: Vec<_> = (0..20i64)
            .map(|n| {
                let writer = writer.clone();
                let path = dir.path().join("w.db");
                std::thread::spawn(move || {
                    writer
                        .write(
                            |c| c.execute("INSERT INTO t (n) VALUES (?1)", [n]).unwrap(),
                            |_| true,
                        )
                        .unwrap();
                    // Read from another connection: what was acknowledged is there.
                    let other = Connection::open(path).unwrap();
                    let seen: i64 = other
                        .query_row("SELECT COUNT(*) FROM t WHERE n = ?1", [n], |r| r.get(0))
                        .unwrap();
                    assert_eq!(seen, 1, "write {n} acknowledged before its commit");
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(stored(&reader).len(), 20);
    }

    #[test]
    fn a_panicking_write_fails_its_whole_group_and_nothing_is_left_half_done() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, reader) = writer(&dir);
        let writer = Arc::new(writer);
        // The first write holds the group open by seeing the second one wait.
        let (entered, go) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
        let first = {
            let (writer, entered, go) = (writer.clone(), entered.clone(), go.clone());
            std::thread::spawn(move || {
                writer.write(
                    |c| {
                        c.execute("INSERT INTO t (n) VALUES (1)", []).unwrap();
                        entered.wait();
                        go.wait();
                        // Give the second write time to queue behind this one.
                        while writer.waiting.load(Ordering::SeqCst) == 0 {
                            std::thread::yield_now();
                        }
                    },
                    |_| true,
                )
            })
        };
        entered.wait();
        let second = {
            let writer = writer.clone();
            std::thread::spawn(move || {
                writer.write(
                    |c| {
                        c.execute("INSERT INTO t (n) VALUES (2)", []).unwrap();
                        panic!("a bug in a write");
                    },
                    |_: &()| true,
                )
            })
        };
        go.wait();
        let first = first.join().unwrap();
        assert!(second.join().is_err(), "the second write panicked");
        assert!(first.is_err(), "the first write's group was rolled back: {first:?}");
        assert_eq!(stored(&reader), Vec::<i64>::new());
        // The writer still works.
        writer.write(|c| c.execute("INSERT INTO t (n) VALUES (3)", []).unwrap(), |_| true).unwrap();
        assert_eq!(stored(&reader), vec![3]);
    }
}
