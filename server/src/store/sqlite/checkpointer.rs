//! Checkpoints beside the writer. By default SQLite checkpoints inside the commit that finds the
//! WAL past 1,000 pages: the writer — every write of the server — waits while the WAL is copied
//! into the database file and synced (half of the commits' time under `minqing-bench sync`).
//! Here the writer only hears the WAL's size after each commit (SQLite's WAL hook), and a thread
//! with a connection of its own runs a passive checkpoint, which blocks neither the writer nor
//! the readers.
//!
//! The WAL starts over from its beginning only when a write transaction begins after a complete
//! checkpoint. The thread's checkpoints complete while the writer is inside its next group (under
//! load a group begins as soon as the last one commits), so on their own they never let it start
//! over, and the WAL would grow for as long as writes never pause (session 9 saw 74 MB after
//! 96 MiB written back to back). So once the WAL holds [`RESTART_PAGES`], the writer checkpoints
//! at commit itself, as SQLite would: the thread has copied nearly all of it by then, the rest is
//! quick, and the next group starts the WAL over.

use std::ffi::c_int;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use rusqlite::Connection;
use rusqlite::hooks::Wal;

use crate::store::{StoreError, StoreResult};

/// A checkpoint is asked for once the WAL holds this many pages (SQLite's own threshold).
const CHECKPOINT_PAGES: c_int = 1_000;

/// Past this many pages in the WAL the writer checkpoints at commit itself, and the WAL starts
/// over (16 MiB of 4 KiB pages).
const RESTART_PAGES: c_int = 4 * CHECKPOINT_PAGES;

/// What the writer asks of the checkpointing thread.
#[derive(Debug, Default)]
struct Asked {
    checkpoint: bool,
    stop: bool,
}

#[derive(Debug, Default)]
struct Shared {
    asked: Mutex<Asked>,
    changed: Condvar,
    /// Checkpoints run by the thread.
    done: AtomicU64,
}

impl Shared {
    fn ask(&self, f: impl FnOnce(&mut Asked)) {
        f(&mut self.asked.lock().unwrap_or_else(|p| p.into_inner()));
        self.changed.notify_one();
    }
}

/// The checkpointing thread; stopped when dropped.
#[derive(Debug)]
pub(super) struct Checkpointer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing `conn`'s database (a connection of its own, configured) and hooks
    /// `writer`'s commits to it.
    pub(super) fn start(writer: &mut Connection, conn: Connection) -> StoreResult<Self> {
        // A connection that has read nothing yet does not know the file is in WAL mode, and its
        // checkpoints do nothing.
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Database(format!("checkpoints need WAL mode, not {mode}")));
        }
        let shared = Arc::new(Shared::default());
        let asking = shared.clone();
        writer.wal_hook(Some(move |wal: &mut Wal, pages: c_int| {
            if pages >= RESTART_PAGES {
                // Never an error from here: SQLite would report it as the commit's, though the
                // commit happened. Busy (the thread is checkpointing) is tried again next commit.
                if let Err(e) = wal.checkpoint() {
                    if e.sqlite_error_code() != Some(rusqlite::ErrorCode::DatabaseBusy) {
                        tracing::warn!(error = %e, "a checkpoint at commit failed");
                    }
                }
            } else if pages >= CHECKPOINT_PAGES {
                asking.ask(|a| a.checkpoint = true);
            }
            Ok(())
        }))?;
        // After the hook: a store that failed to open leaves no thread behind.
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("sqlite-checkpoint".into())
                .spawn(move || run(&shared, &conn))
                .map_err(|e| StoreError::Database(format!("checkpoint thread: {e}")))?
        };
        Ok(Self { shared, thread: Some(thread) })
    }
}

fn run(shared: &Shared, conn: &Connection) {
    loop {
        {
            let asked = shared.asked.lock().unwrap_or_else(|p| p.into_inner());
            let mut asked = shared
                .changed
                .wait_while(asked, |a| !a.checkpoint && !a.stop)
                .unwrap_or_else(|p| p.into_inner());
            if asked.stop {
                return;
            }
            asked.checkpoint = false;
        }
        // Passive: copies what no reader still needs, waits for nobody. A busy checkpointer
        // (the writer's own, fallen behind) is no error: the next commit asks again.
        match conn.wal_checkpoint_v2(None::<&str>, rusqlite::wal::CheckpointMode::PASSIVE) {
            Ok(_) => {
                shared.done.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => {}
            Err(e) => tracing::warn!(error = %e, "a checkpoint failed"),
        }
    }
}

#[cfg(test)]
impl Checkpointer {
    /// Checkpoints the thread has run.
    pub(super) fn done(&self) -> u64 {
        self.shared.done.load(Ordering::Relaxed)
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.shared.ask(|a| a.stop = true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database of one table in WAL mode, its writer connection and its checkpointer.
    fn database(dir: &tempfile::TempDir) -> (std::path::PathBuf, Connection, Checkpointer) {
        let path = dir.path().join("c.db");
        let mut writer = Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        writer.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY, pad BLOB)").unwrap();
        let checkpointer =
            Checkpointer::start(&mut writer, Connection::open(&path).unwrap()).unwrap();
        (path, writer, checkpointer)
    }

    /// Writes `transactions` transactions of forty rows of about a page each, from `first`.
    fn write_pages(writer: &mut Connection, first: i64, transactions: i64) {
        for i in first..first + transactions {
            let tx = writer.transaction().unwrap();
            for n in 0..40 {
                tx.execute("INSERT INTO t (n, pad) VALUES (?1, zeroblob(4000))", [i * 40 + n])
                    .unwrap();
            }
            tx.commit().unwrap();
        }
    }

    #[test]
    fn the_wal_is_checkpointed_beside_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let (path, mut writer, checkpointer) = database(&dir);
        // Past 1,000 pages of WAL.
        write_pages(&mut writer, 0, 40);
        // The checkpoint thread copied the WAL's pages into the database file, and the WAL
        // started again from its beginning.
        let start = std::time::Instant::now();
        let file_len = || std::fs::metadata(&path).unwrap().len();
        while file_len() < 1_000 * 4096 && start.elapsed() < std::time::Duration::from_secs(10) {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(file_len() >= 1_000 * 4096, "database file {} bytes", file_len());
        assert!(checkpointer.done() >= 1);
        let wal_pages: i64 =
            writer.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1)).unwrap();
        assert!(wal_pages < 1_600, "{wal_pages} pages in the WAL");
    }

    #[test]
    fn the_wal_starts_over_while_writes_never_pause() {
        let dir = tempfile::tempdir().unwrap();
        let (path, mut writer, _checkpointer) = database(&dir);
        // A reader reading now and then, as the pulls do (with a reader that never pauses, the WAL
        // never starts over, whoever checkpoints: SQLite's own checkpoints too).
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader = {
            let (path, stop) = (path.clone(), stop.clone());
            std::thread::spawn(move || {
                let conn = Connection::open(path).unwrap();
                while !stop.load(Ordering::Relaxed) {
                    let _: i64 =
                        conn.query_row("SELECT MAX(n) FROM t", [], |r| r.get(0)).unwrap_or(0);
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
            })
        };
        // 12,000 pages (48 MiB) written back to back.
        write_pages(&mut writer, 0, 300);
        stop.store(true, Ordering::Relaxed);
        reader.join().unwrap();
        let wal = std::fs::metadata(dir.path().join("c.db-wal")).unwrap().len();
        // A WAL frame is a page and its 24-byte header, after the file's 32-byte header. The
        // writer checkpoints once past RESTART_PAGES, but the WAL starts over only at a write
        // after a checkpoint the reader did not hold back: some writes (40 pages each) later,
        // more on a busy machine (4,197 frames seen under the whole suite's load). Without the
        // writer's checkpoint the WAL holds all 12,000 pages (53 MB).
        let most = u64::try_from(RESTART_PAGES + 1_000).unwrap() * (4096 + 24) + 32;
        assert!(wal <= most, "the WAL grew to {wal} bytes (at most {most} expected)");
    }
}
