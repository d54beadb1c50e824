//! How PostgreSQL numbers ops across server processes, and the advisory locks it takes.
//!
//! Writers run in parallel (READ COMMITTED) and commit their ops with no `server_seq`: a pull
//! (`server_seq > cursor`) does not see them yet. Right after its commit, a writer that appended
//! numbers them in a short transaction of its own: it takes one transaction-level advisory lock,
//! numbers *every* committed unnumbered op `MAX + 1 …` in one statement, and commits, which
//! releases the lock. Numbering transactions run one at a time, each after the last committed,
//! so seqs are handed out in order of those commits, and a pull can never see N+1 without N — no
//! cursor skips a late commit, none sees a change twice.
//!
//! Why after the commit, not just before it: the lock is held until the commit is on disk, and
//! a commit waits for its WAL flush (a few milliseconds). Numbered inside each writer's
//! transaction, every write's flush ran one after another under the lock — the cluster's write
//! rate was one flush at a time. Now the writers' own commits flush in parallel (PostgreSQL
//! groups them), and one numbering transaction numbers the ops of every writer that committed
//! while it waited for the lock; those writers then find nothing left, and a transaction that
//! changed nothing commits without a flush.
//!
//! Within one server process the numberings are grouped ([`Numberer`]): a writer that committed
//! waits for the next numbering to *start* after its commit, and only one runs at a time, so
//! one numbering covers every writer of the process that committed while the last one ran
//! (under load, a handful of numberings a second instead of one per push).
//!
//! A numbering that fails (its connection dropped) is tried again on another connection, twice.
//! If it still fails, the writer's ops stay committed and unnumbered and the writer gets an
//! error although its change is stored: its phone sends again, the ops are found stored and
//! acknowledged, and finding them numbers whatever is left; so does the next numbering anywhere,
//! and a server starting.

use std::sync::{Condvar, Mutex};

use r2d2::PooledConnection;

use super::statements::{PgConn, PgManager};
use crate::store::{Section, StoreError, StoreResult};

/// The advisory lock a writer takes to number its ops (an arbitrary constant: "民情" in GB2312
/// bytes), and migrations take to run one at a time.
pub(super) const WRITE_LOCK: i64 = 0xC3F1_C7E9;

/// Numbers every committed op without a number, after every numbered one, under the lock: one
/// transaction in one round trip, the `UPDATE`'s snapshot taken after the lock is held (READ
/// COMMITTED), so it sees every number handed out before.
static NUMBER_OPS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "BEGIN;
         SELECT pg_advisory_xact_lock({WRITE_LOCK});
         UPDATE ops SET server_seq = top.max + fresh.n
         FROM (SELECT COALESCE(MAX(server_seq), 0) AS max FROM ops) AS top,
              (SELECT id, row_number() OVER (ORDER BY id) AS n
               FROM ops WHERE server_seq IS NULL) AS fresh
         WHERE ops.id = fresh.id;
         COMMIT"
    )
});

/// Numbers the committed ops that have no number yet (call after a commit that appended ops, and
/// when a server starts). Outside any transaction: it is one of its own; if it fails half-way
/// the connection is rolled back, so it goes back to the pool clean.
pub(super) fn number_ops(conn: &mut PgConn) -> StoreResult<()> {
    if let Err(e) = conn.batch_execute(&NUMBER_OPS) {
        let _ = conn.batch_execute("ROLLBACK");
        return Err(e.into());
    }
    Ok(())
}

/// Numberings tried, each on a connection of its own, before a write that committed says its
/// ops could not be numbered (the change is stored; the phone sends again and its resent ops
/// are numbered then).
const NUMBERING_ATTEMPTS: usize = 3;

/// Groups one process's numberings: at most one runs at a time, and each covers every writer
/// that committed before it started.
#[derive(Debug, Default)]
pub(super) struct Numberer {
    state: Mutex<Runs>,
    done: Condvar,
}

#[derive(Debug, Default)]
struct Runs {
    /// Numberings started so far; the latest is running if `running`.
    started: u64,
    running: bool,
    /// The latest numbering finished, and why it failed, if it did.
    finished: u64,
    failure: Option<String>,
}

impl Numberer {
    /// Sees this process's ops committed so far numbered: waits for a numbering that started
    /// after now, running it if none is running — on `conn`, which goes back to `pool` while
    /// this waits.
    pub(super) fn after_commit(
        &self,
        conn: PooledConnection<PgManager>,
        pool: &r2d2::Pool<PgManager>,
    ) -> StoreResult<()> {
        let mut conn = Some(conn);
        let mut runs = self.state.lock().unwrap_or_else(|p| p.into_inner());
        // The running numbering may have started before the commit: the next one did not.
        let target = runs.started + 1;
        loop {
            if runs.finished >= target {
                return runs.failure.clone().map_or(Ok(()), |e| Err(StoreError::Database(e)));
            }
            if runs.running {
                conn = None;
                runs = self.done.wait(runs).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            runs.started += 1;
            runs.running = true;
            let run = runs.started;
            drop(runs);
            let mut failure = None;
            for attempt in 1..=NUMBERING_ATTEMPTS {
                let mut held = match conn.take() {
                    Some(c) => Ok(c),
                    None => pool.get().map_err(StoreError::from),
                };
                failure = match &mut held {
                    Ok(c) => number_ops(c).err().map(|e| e.to_string()),
                    Err(e) => Some(e.to_string()),
                };
                if failure.is_none() {
                    break;
                }
                tracing::warn!(attempt, error = failure.as_deref(), "numbering ops failed");
                // Its connection may be the trouble: the next attempt takes another.
                drop(held);
            }
            runs = self.state.lock().unwrap_or_else(|p| p.into_inner());
            runs.running = false;
            runs.finished = run;
            runs.failure = failure;
            self.done.notify_all();
        }
    }
}

/// The advisory lock of a section: keys of their own, apart from [`WRITE_LOCK`].
pub(super) fn section_lock(section: Section) -> i64 {
    match section {
        Section::MonthlyReports => WRITE_LOCK + 1,
        Section::Roster => WRITE_LOCK + 2,
    }
}
