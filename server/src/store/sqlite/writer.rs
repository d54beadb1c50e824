//! The one writer connection, and writes grouped into shared transactions (group commit).
//!
//! SQLite has one writer at a time, and a commit costs the same whether it carries one push or
//! forty: it writes every page the transaction touched to the WAL (the log's and indexes' last
//! pages, shared by every push) and, now and then, checkpoints. So writes that queue for the
//! writer share a transaction, and the last one in the queue commits for all. A write returns
//! only once the transaction holding its work has committed, and every write of a transaction
//! whose commit failed gets the error: nothing is acknowledged that is not stored. A group ends
//! when nobody is waiting, or at [`MAX_MEMBERS`] writes, or after [`MAX_AGE`], so a steady
//! stream of writes still commits.
//!
//! A write that does not keep its work (it failed, or refused) after changing rows can only be
//! undone with the whole transaction: the group is rolled back and the other writes in it are
//! told to try again ([`StoreError::Busy`], which `Db::write` does). Writes check before they
//! write (a push checks every op against its working set, then writes it in a few statements),
//! so this is rare; a write that changed nothing leaves the group as it is. (Each write used to
//! run in a savepoint of its own instead: SQLite then copies every page the write touches, that
//! an earlier write of the group touched too, into a sub-journal — a tenth of the writer's time
//! under load, spent for the rare write that fails.)

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

    /// Runs `f` in a transaction shared with the writes queued beside it, kept if `keep` says so
    /// (see the module's comment for a write not kept); returns once the work is committed.
    pub(super) fn write<T>(
        &self,
        f: impl FnOnce(&Connection) -> T,
        keep: impl FnOnce(&T) -> bool,
    ) -> StoreResult<T> {
        let mut held = self.hold();
        let group = held.join()?;
        let changes_before = held.slot.conn.total_changes();
        let out = f(&held.slot.conn);
        let kept = keep(&out);
        // SQLite rolls a transaction back itself on some errors (a full disk, an I/O error).
        let ended_by_sqlite = held.slot.conn.is_autocommit();
        let undo = !kept && held.slot.conn.total_changes() != changes_before;
        if ended_by_sqlite || undo {
            // Undone for another's sake, the members' writes may be tried again as they are; a
            // transaction SQLite ended itself (a full disk) is the database's error.
            let failure = if ended_by_sqlite {
                Failure { why: "SQLite ended the transaction after an error".into(), busy: false }
            } else {
                Failure { why: "a write that shared the transaction was undone".into(), busy: true }
            };
            held.abandon_group(&failure);
            return if kept { Err(failure.error()) } else { Ok(out) };
        }
        if !kept {
            // It changed nothing: whether the group commits does not concern it.
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

    /// Rolls the open group back: every member's work is lost, and each is told why.
    fn abandon_group(&mut self, failure: &Failure) {
        if let Some(group) = self.slot.open.take() {
            if !self.slot.conn.is_autocommit() {
                let _ = self.slot.conn.execute_batch("ROLLBACK");
            }
            self.writer.note_ended(group.id, Some(failure.clone()));
        }
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.writer.load.held_ns.fetch_add(nanos(self.since.elapsed()), Ordering::Relaxed);
        // A write that panicked leaves its work half done in a transaction others wrote in:
        // the whole group is rolled back and its members told, rather than committed by the
        // next write.
        if std::thread::panicking() {
            self.abandon_group(&Failure { why: "a write panicked".to_owned(), busy: false });
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

    /// Writes `n` (refused after writing if `refuse`, refused before writing if `refuse_early`),
    /// trying again while the writer says busy, as `Db::write` does: the attempts it took.
    fn write_n(writer: &Writer, n: i64, refuse: bool, refuse_early: bool) -> u32 {
        for attempt in 1..=100 {
            let out = writer.write(
                |c| {
                    if refuse_early {
                        return false;
                    }
                    c.execute("INSERT INTO t (n) VALUES (?1)", [n]).unwrap();
                    !refuse
                },
                |keep| *keep,
            );
            match out {
                Ok(_) => return attempt,
                Err(StoreError::Busy(_)) => continue,
                Err(e) => panic!("write {n}: {e}"),
            }
        }
        panic!("write {n} was never done");
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
                    // Every seventh write is refused after writing, every eleventh before.
                    write_n(&writer, n, n % 7 == 0, n % 11 == 0)
                })
            })
            .collect();
        let attempts: Vec<u32> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let want: Vec<i64> = (0..40).filter(|n| n % 7 != 0 && n % 11 != 0).collect();
        assert_eq!(stored(&reader), want);
        // The 31 kept writes shared transactions, some of them after a try or two more.
        let load = writer.load();
        assert!(load.commits < 31, "31 writes in {} transactions ({attempts:?})", load.commits);
        // The load account saw each commit, inside the time the writer was held.
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

    /// Two writes in one group: the first inserts 1 and keeps the group open until the second,
    /// `second`, is queued behind it; their results.
    fn two_writes(
        writer: &Arc<Writer>,
        second: impl FnOnce(&Connection) -> bool + Send + 'static,
    ) -> (StoreResult<()>, std::thread::Result<StoreResult<bool>>) {
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
            std::thread::spawn(move || writer.write(second, |keep| *keep))
        };
        go.wait();
        (first.join().unwrap(), second.join())
    }

    #[test]
    fn a_panicking_write_fails_its_whole_group_and_nothing_is_left_half_done() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, reader) = writer(&dir);
        let writer = Arc::new(writer);
        let (first, second) = two_writes(&writer, |c| {
            c.execute("INSERT INTO t (n) VALUES (2)", []).unwrap();
            panic!("a bug in a write");
        });
        assert!(second.is_err(), "the second write panicked");
        assert!(first.is_err(), "the first write's group was rolled back: {first:?}");
        assert_eq!(stored(&reader), Vec::<i64>::new());
        // The writer still works.
        writer.write(|c| c.execute("INSERT INTO t (n) VALUES (3)", []).unwrap(), |_| true).unwrap();
        assert_eq!(stored(&reader), vec![3]);
    }

    #[test]
    fn a_write_refused_after_writing_has_its_group_tried_again() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, reader) = writer(&dir);
        let writer = Arc::new(writer);
        let (first, second) = two_writes(&writer, |c| {
            c.execute("INSERT INTO t (n) VALUES (2)", []).unwrap();
            false
        });
        assert!(!second.unwrap().unwrap(), "the second write refused");
        assert!(matches!(first, Err(StoreError::Busy(_))), "{first:?}");
        assert_eq!(stored(&reader), Vec::<i64>::new());
        assert_eq!(writer.load().commits, 0);
    }

    #[test]
    fn a_write_refused_before_writing_leaves_its_group_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, reader) = writer(&dir);
        let writer = Arc::new(writer);
        let (first, second) = two_writes(&writer, |c| {
            // A read is not a change.
            let _: i64 = c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)).unwrap();
            false
        });
        assert!(!second.unwrap().unwrap(), "the second write refused");
        first.unwrap();
        assert_eq!(stored(&reader), vec![1]);
    }
}
