//! The phone's local store: SQLite (bundled) at an absolute path resolved after launch. Every
//! change writes its record and its outbox op in one transaction, so a crash cannot split them;
//! a screen says "saved" only after the commit returns.

mod apply;
mod outbox;
mod photos;
mod queries;
mod reminders;
mod retime;
pub mod schema;
mod write;

use std::path::Path;
use std::sync::Mutex;

use minqing_shared::ids::{CadreId, DeviceId};
use minqing_shared::sync::op::CadreBody;
use minqing_shared::sync::{HlcClock, LoginResponse};
use rusqlite::{Connection, OptionalExtension, params};

pub use apply::apply_op;
pub use outbox::stamp_and_apply;
pub use photos::{PhotoState, PhotoView, TakenPhoto};
pub use queries::*;
pub use reminders::{DeadlineReminder, OfficeNews, Reminders};
pub use write::*;

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored row could not be read back.
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// Nobody is logged in on this phone.
    #[error("not logged in")]
    NotLoggedIn,
    /// The input is not acceptable (shown next to the form).
    #[error("{0}")]
    Invalid(String),
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

/// The result of a store call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The account logged in on this phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The server's base URL.
    pub server_url: String,
    /// The device token.
    pub token: String,
    /// This device.
    pub device_id: DeviceId,
    /// The cadre.
    pub cadre_id: CadreId,
    /// The cadre's profile.
    pub cadre: CadreBody,
    /// The last `device_seq` used.
    pub last_seq: u64,
    /// The device's clock.
    pub clock: HlcClock,
    /// The pull cursor.
    pub cursor: u64,
}

/// The phone's database.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    /// Bumped by every committed write: the browser build saves a snapshot when it moved.
    generation: std::sync::atomic::AtomicU64,
}

/// One connection keyed at a time: SQLCipher sets up its crypto provider on first use, and two
/// threads keying their first connections together were seen to fail ("an error occurred with
/// PRAGMA key") in the tests.
static KEYING: Mutex<()> = Mutex::new(());

/// Opens the file at `path` (in clear, or with SQLCipher's raw `key`, `x'…'`), in WAL mode with full
/// syncs, created and upgraded to the current schema.
fn connect(path: &Path, key: Option<&str>) -> Result<Connection> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Invalid(e.to_string()))?;
    }
    let mut conn = Connection::open(path)?;
    if let Some(key) = key {
        // First, before anything reads the file; a wrong key fails at the first read.
        let _one = KEYING.lock().unwrap_or_else(|p| p.into_inner());
        conn.pragma_update(None, "key", key)?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
    }
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let from = schema::init(&mut conn)?;
    refold_if_older(&conn, from)?;
    Ok(conn)
}

/// The first bytes of an SQLite file in clear (an encrypted one starts with random bytes).
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

impl Store {
    /// Opens (creating and upgrading) the database at `path`, in clear: the previous app's
    /// database before it is encrypted, and tests. The app opens its database with
    /// [`Store::open_encrypted`] (see `crate::vault`).
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self::over(connect(path, None)?))
    }

    /// Opens (creating and upgrading) the database at `path`, encrypted with `key` (SQLCipher,
    /// the key given raw: no derivation on top of the random key). A wrong key fails here.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn open_encrypted(path: &Path, key: &crate::keys::DataKey) -> Result<Self> {
        Ok(Self::over(connect(path, Some(key.sqlcipher_literal().as_str()))?))
    }

    /// Whether `path` holds a database in clear (the previous app's); false when there is none.
    pub fn is_plain(path: &Path) -> Result<bool> {
        let mut head = [0u8; 16];
        match std::fs::File::open(path) {
            Ok(mut f) => {
                use std::io::Read;
                let n = f.read(&mut head).map_err(|e| StoreError::Invalid(e.to_string()))?;
                Ok(n == 16 && &head == PLAIN_HEADER)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StoreError::Invalid(e.to_string())),
        }
    }

    /// Encrypts this store's database (in clear, at `path`) in place with `key`: every table
    /// copied into a new encrypted file (SQLCipher's `sqlcipher_export`), which then replaces
    /// the old one and its journal; the store goes on over it. Nothing is lost: the copy is
    /// whole before the old file goes.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn encrypt_in_place(&self, path: &Path, key: &crate::keys::DataKey) -> Result<()> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let tmp = path.with_extension("db-encrypting");
        let _ = std::fs::remove_file(&tmp);
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let target = tmp.to_str().ok_or_else(|| StoreError::Invalid("path".into()))?;
        let keying = KEYING.lock().unwrap_or_else(|p| p.into_inner());
        conn.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            params![target, key.sqlcipher_literal().as_str()],
        )?;
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        conn.execute_batch(&format!("PRAGMA encrypted.user_version = {version}"))?;
        conn.execute_batch("DETACH DATABASE encrypted")?;
        drop(keying);
        // Close the file in clear, put the encrypted one in its place, open that.
        *conn = Connection::open_in_memory()?;
        let io = |e: std::io::Error| StoreError::Invalid(e.to_string());
        for journal in ["db-wal", "db-shm"] {
            match std::fs::remove_file(path.with_extension(journal)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
                _ => {}
            }
        }
        std::fs::rename(&tmp, path).map_err(io)?;
        *conn = connect(path, Some(key.sqlcipher_literal().as_str()))?;
        Ok(())
    }

    /// Empties the store and lets go of its file: every table, then the connection itself (the
    /// vault deletes the files after).
    pub fn erase(&self) -> Result<()> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let tables: Vec<String> = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let tx = conn.transaction()?;
        for table in &tables {
            tx.execute(&format!("DELETE FROM \"{table}\""), [])?;
        }
        tx.commit()?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        *conn = Connection::open_in_memory()?;
        schema::init(&mut conn)?;
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Opens a database in memory holding `image` (a [`Store::snapshot`]; empty when `None`),
    /// creating and upgrading it: the browser build keeps the snapshot in IndexedDB.
    pub fn open_image(image: Option<&[u8]>) -> Result<Self> {
        let mut conn = Connection::open_in_memory()?;
        if let Some(image) = image {
            conn.deserialize_read_exact(
                rusqlite::MAIN_DB,
                std::io::Cursor::new(image),
                image.len(),
                false,
            )?;
        }
        let from = schema::init(&mut conn)?;
        refold_if_older(&conn, from)?;
        Ok(Self::over(conn))
    }

    fn over(conn: Connection) -> Self {
        Self { conn: Mutex::new(conn), generation: std::sync::atomic::AtomicU64::new(0) }
    }

    /// The whole database as bytes (SQLite's own file format).
    pub fn snapshot(&self) -> Result<Vec<u8>> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        Ok(conn.serialize(rusqlite::MAIN_DB)?.to_vec())
    }

    /// How many writes were committed since the store was opened.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Runs `f` over the connection (reads see committed data only).
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&conn)
    }

    /// Runs `f` in one transaction, committed (durably) before this returns `Ok`.
    pub fn write<T>(&self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(out)
    }

    /// The account, if someone logged in.
    pub fn account(&self) -> Result<Option<Account>> {
        self.read(load_account)
    }

    /// Stores a successful login. A different account than before starts from an empty store.
    pub fn save_login(&self, server_url: &str, login: &LoginResponse, local_ms: i64) -> Result<()> {
        self.write(|tx| {
            let previous = load_account(tx)?;
            let other_account = previous.as_ref().is_some_and(|p| {
                p.cadre_id != login.cadre.id || p.server_url.trim_end_matches('/') != server_url.trim_end_matches('/')
            });
            if other_account {
                let pending: i64 = tx.query_row("SELECT COUNT(*) FROM outbox WHERE acked = 0", [], |r| r.get(0))?;
                if pending > 0 {
                    return Err(StoreError::Invalid(format!(
                        "{pending} records of the previous account are not sent yet: sync them before another account logs in"
                    )));
                }
                for table in [
                    "outbox", "units", "villages", "households", "visits", "amendments",
                    "concern_events", "concerns", "rejections", "sync_log",
                ] {
                    tx.execute(&format!("DELETE FROM {table}"), [])?;
                }
            }
            // The clock never goes back, even across logins; only the offset is new.
            let mut clock = match &previous {
                Some(p) if !other_account => p.clock,
                _ => HlcClock::new(),
            };
            clock.observe_server_time(login.server_time, local_ms);
            // A new device starts its own seq; what the old device left unsent is re-stamped.
            // Another account (or server) starts from an empty store and cursor 0.
            tx.execute(
                "INSERT INTO account (id, server_url, token, device_id, cadre_id, cadre, last_seq, clock, cursor)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, 0, ?6, 0)
                 ON CONFLICT (id) DO UPDATE SET server_url = ?1, token = ?2, device_id = ?3,
                   cadre_id = ?4, cadre = ?5, clock = ?6,
                   cursor = CASE WHEN ?7 THEN 0 ELSE cursor END",
                params![
                    server_url,
                    login.token,
                    login.device_id.to_string(),
                    login.cadre.id.to_string(),
                    serde_json::to_string(&login.cadre.profile)?,
                    serde_json::to_string(&clock)?,
                    other_account,
                ],
            )?;
            outbox::restamp_pending(tx, login.device_id)?;
            Ok(())
        })
    }

    /// Replaces the token (the server gave a new one after a password change).
    pub fn set_token(&self, token: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("UPDATE account SET token = ?1", [token])?;
            Ok(())
        })
    }

    /// Forgets the token (the data stays until another account logs in).
    pub fn log_out(&self) -> Result<()> {
        self.write(|tx| {
            tx.execute("UPDATE account SET token = ''", [])?;
            Ok(())
        })
    }

    /// A setting.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.read(|c| setting_in(c, key))
    }

    /// Sets a setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| set_setting_in(tx, key, value))
    }
}

/// A setting, read inside a transaction of the caller's.
pub(crate) fn setting_in(c: &Connection, key: &str) -> Result<Option<String>> {
    Ok(c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

/// Folds every concern again from its events when the database was made by an app that stored
/// less of the fold (`schema::needs_refold`).
fn refold_if_older(conn: &Connection, version: i64) -> Result<()> {
    if !schema::needs_refold(version) {
        return Ok(());
    }
    let ids: Vec<String> = conn
        .prepare("SELECT DISTINCT concern_id FROM concern_events")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in ids {
        apply::refold_concern(conn, parse(&id)?)?;
    }
    Ok(())
}

/// Sets a setting inside a transaction of the caller's.
pub(crate) fn set_setting_in(c: &Connection, key: &str, value: &str) -> Result<()> {
    c.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
        params![key, value],
    )?;
    Ok(())
}

pub(crate) fn parse<T: std::str::FromStr>(s: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| StoreError::Corrupt(format!("{s:?}: {e}")))
}

pub(crate) fn load_account(c: &Connection) -> Result<Option<Account>> {
    let row = c
        .query_row(
            "SELECT server_url, token, device_id, cadre_id, cadre, last_seq, clock, cursor FROM account",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, i64>(7)?,
                ))
            },
        )
        .optional()?;
    row.map(|(server_url, token, device, cadre_id, cadre, last_seq, clock, cursor)| {
        Ok(Account {
            server_url,
            token,
            device_id: parse(&device)?,
            cadre_id: parse(&cadre_id)?,
            cadre: serde_json::from_str(&cadre)?,
            last_seq: last_seq as u64,
            clock: serde_json::from_str(&clock)?,
            cursor: cursor as u64,
        })
    })
    .transpose()
}
