//! A real server for a story: in-process on 127.0.0.1:0, or as a child process that can be
//! stopped and started again over the same database file.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use minqing_server::AppState;
use minqing_server::store::{StoreError, Tx};
use minqing_shared::clock::SharedClock;
use minqing_shared::ids::{CadreId, UnitId};

use crate::County;
use crate::sql::{Sql, fresh_database, off_runtime};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// An in-process server over a database of its own (a temporary SQLite file, or a fresh
/// PostgreSQL database with `MINQING_TEST_POSTGRES`). Stops when dropped.
#[derive(Debug)]
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The server's state (its database), for seeding and checking.
    pub state: AppState,
    /// The database URL.
    pub db_url: String,
    dir: TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Starts a server over a new, empty database, on the stories' clock.
    pub async fn start() -> Self {
        Self::start_with_clock(crate::clock::shared()).await
    }

    /// Starts a server over a new, empty database, on `clock` (the system's, for a walk-through
    /// of the docs that stamps with `date`).
    pub async fn start_with_clock(clock: SharedClock) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_url = fresh_database(dir.path());
        Self::start_on_with_clock(dir, db_url, clock).await
    }

    /// Starts a server over the database at `db_url` (created if missing).
    pub async fn start_on(dir: TempDir, db_url: String) -> Self {
        Self::start_on_with_clock(dir, db_url, crate::clock::shared()).await
    }

    /// [`TestServer::start_on`] on `clock`.
    pub async fn start_on_with_clock(dir: TempDir, db_url: String, clock: SharedClock) -> Self {
        let state =
            minqing_server::open_state_with_clock(&db_url, clock).await.expect("open database");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(minqing_server::serve_on(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        Self {
            url: format!("http://{addr}"),
            state,
            db_url,
            dir,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// A scratch folder of the story's.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Plain SQL on the server's database, for checks.
    pub fn sql(&self) -> Sql {
        Sql::open(&self.db_url)
    }

    /// Seeds the small test county.
    pub fn county(&self) -> County {
        let db = self.state.db().clone();
        off_runtime(move || County::seed(&db)).expect("seed the county")
    }

    /// Adds a county department with its office account `username` (see
    /// [`crate::county::add_department`]).
    pub fn department(&self, county: &County, name: &str, username: &str) -> (UnitId, CadreId) {
        let (db, county, name, username) =
            (self.state.db().clone(), county.clone(), name.to_owned(), username.to_owned());
        off_runtime(move || crate::county::add_department(&db, &county, &name, &username))
            .expect("add the department")
    }

    /// Runs a write transaction on the server's database, off the async runtime.
    pub fn write<T: Send>(&self, f: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError> + Send) -> T {
        let db = self.state.db().clone();
        off_runtime(move || db.write(f)).expect("write")
    }

    /// Stops the server gracefully and hands back its folder, to start again over it.
    pub async fn stop(mut self) -> TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server ran");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        std::mem::replace(&mut self.dir, dir)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The server as a child process (`minqing-server serve`), killed when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    child: Child,
}

impl ServerProcess {
    /// Starts `binary serve --db DB_URL --listen 127.0.0.1:0` and waits until it listens.
    pub fn start(binary: &str, db_url: &str) -> Self {
        Self::start_on(binary, db_url, "127.0.0.1:0")
    }

    /// As [`start`](Self::start), on a given address.
    pub fn start_on(binary: &str, db_url: &str, listen: &str) -> Self {
        let mut child = Command::new(binary)
            .args(["serve", "--db", db_url, "--listen", listen])
            .env("MINQING_LOG", "warn")
            .env(crate::clock::OFFSET_ENV, crate::clock::clock().offset_ms().to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server process");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("minqing-server listening on http://") {
                    let _ = tx.send(addr.trim().to_owned());
                }
            }
        });
        let addr: SocketAddr = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server printed its address")
            .parse()
            .expect("an address");
        Self { url: format!("http://{addr}"), child }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Asks the server to stop (SIGTERM) and waits up to 10 s for it to exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return self.child.wait().expect("wait");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens the state of the database at `url` off the async runtime (for seeding before a server
/// process starts).
pub fn open_db(url: &str) -> minqing_server::store::Db {
    let url = url.to_owned();
    off_runtime(move || minqing_server::store::Db::open(&url)).expect("open the database")
}
