//! Checkpoints off the writer's path. SQLite's automatic checkpoint runs inside the commit that
//! crosses its threshold: the writer copies the WAL into the database file and waits for the
//! disk (`fsync`) while every other write queues behind it. Here the writer only counts the
//! WAL's pages as it commits (a WAL hook) and wakes a thread of its own, which checkpoints
//! through its own connection in `PASSIVE` mode — beside the writer, never blocking it. The
//! next write after a complete checkpoint starts the WAL over, as with the automatic one.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use rusqlite::Connection;
use rusqlite::wal::CheckpointMode;

use crate::store::StoreResult;

/// Pages in the WAL past which a checkpoint is run (SQLite's own default).
const CHECKPOINT_PAGES: i32 = 1000;

/// What the writer and the checkpointing thread share.
#[derive(Debug, Default)]
struct Shared {
    /// Pages in the WAL at the writer's last commit.
    pages: AtomicI32,
    stop: AtomicBool,
    wake: Mutex<()>,
    woken: Condvar,
}

impl Shared {
    fn due(&self) -> bool {
        self.pages.load(Ordering::SeqCst) >= CHECKPOINT_PAGES
    }
}

/// The thread that checkpoints the WAL; stopped when dropped.
#[derive(Debug)]
pub(super) struct Checkpointer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Turns `writer`'s automatic checkpoints off and runs them on a thread of its own over
    /// `conn`, a second read-write connection to the same file.
    pub(super) fn start(writer: &mut Connection, conn: Connection) -> StoreResult<Self> {
        let shared = Arc::new(Shared::default());
        let hook = shared.clone();
        // Replaces SQLite's automatic checkpoint (itself a WAL hook).
        writer.wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, pages: i32| {
            hook.pages.store(pages, Ordering::SeqCst);
            if pages >= CHECKPOINT_PAGES {
                // Under the lock, so the thread cannot miss it between its check and its wait.
                let _guard = hook.wake.lock().unwrap_or_else(|p| p.into_inner());
                hook.woken.notify_one();
            }
            Ok(())
        }))?;
        let run = shared.clone();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run_checkpoints(&run, &conn))
            .map_err(|e| crate::store::StoreError::Database(e.to_string()))?;
        Ok(Self { shared, thread: Some(thread) })
    }
}

fn run_checkpoints(shared: &Shared, conn: &Connection) {
    loop {
        let guard = shared.wake.lock().unwrap_or_else(|p| p.into_inner());
        let guard = shared
            .woken
            .wait_while(guard, |()| !shared.due() && !shared.stop.load(Ordering::SeqCst))
            .unwrap_or_else(|p| p.into_inner());
        drop(guard);
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        shared.pages.store(0, Ordering::SeqCst);
        if let Err(e) = conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
            tracing::warn!(error = %e, "WAL checkpoint failed; the next one tries again");
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        {
            let _guard = self.shared.wake.lock().unwrap_or_else(|p| p.into_inner());
            self.shared.woken.notify_all();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::store::sql::Value;
    use crate::store::sqlite::SqliteStore;

    #[test]
    fn the_wal_reaches_the_database_file_without_the_writer_checkpointing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let store = SqliteStore::open(path.to_str().unwrap()).unwrap();
        let size = || std::fs::metadata(&path).unwrap().len();
        let before = size();
        store.write(|c| c.execute("CREATE TABLE blobs (b BLOB)", &[]).unwrap(), |_| true).unwrap();
        // 16 MiB in 64 commits: some 4,000 pages, four times the threshold.
        for _ in 0..64 {
            let blob = Value::Bytes(vec![7; 256 * 1024]);
            store
                .write(
                    |c| c.execute("INSERT INTO blobs (b) VALUES ($1)", &[blob]).unwrap(),
                    |_| true,
                )
                .unwrap();
        }
        // Pages reach the database file only by a checkpoint; the writer runs none itself.
        let deadline = Instant::now() + Duration::from_secs(10);
        while size() < before + 12 * 1024 * 1024 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(size() >= before + 12 * 1024 * 1024, "database file {} bytes", size());
    }
}
