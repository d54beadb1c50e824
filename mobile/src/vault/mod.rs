//! The phone's data at rest: the encrypted database and the key file beside it (see
//! [`crate::keys`]). The vault decides at start what the app must ask for:
//!
//! - nothing on this phone yet: a new key, a new encrypted database; the key is wrapped by the
//!   password at the first login, then the cadre sets a PIN;
//! - a database of the previous app, in clear: the cadre gives the password and a PIN once, and
//!   the database is encrypted in place, outbox and all;
//! - otherwise: the PIN (or the password, always) before anything is shown.
//!
//! Erasing (a remote wipe, a phone handed over) deletes the key file first — without it the
//! database is noise — then the database and its journal.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::keys::{Cost, DataKey, KeyError, KeyFile};
use crate::store::{Store, StoreError};

/// What the app must do before it shows the cadre's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opening {
    /// The store is open; a password will wrap its key at the first login.
    Fresh,
    /// The store of the previous app is open, in clear: ask for the password and a PIN, then
    /// encrypt it in place.
    Plain,
    /// Ask for the PIN or the password.
    Locked,
}

/// The data folder's database and key file.
#[derive(Debug)]
pub struct Vault {
    dir: PathBuf,
    /// The key while the app is unlocked and not yet wrapped (a fresh phone before its login).
    unwrapped: Mutex<Option<DataKey>>,
    /// The key file as last read or written.
    file: Mutex<Option<KeyFile>>,
    /// The open store is the previous app's, in clear, until [`Vault::encrypt`].
    plain: std::sync::atomic::AtomicBool,
    cost: Cost,
}

/// One vault is one folder's: two are the same when they are the same object (the screens
/// compare their props).
impl PartialEq for Vault {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// Why the vault could not open or change.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The secret was wrong, the PIN disabled …
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The files.
    #[error("文件读写失败（file error）: {0}")]
    Io(String),
}

impl From<std::io::Error> for VaultError {
    fn from(e: std::io::Error) -> Self {
        VaultError::Io(e.to_string())
    }
}

const DB: &str = "minqing.db";
const KEYS: &str = "minqing.keys";

impl Vault {
    /// The vault of `dir`, deriving keys at `cost` ([`Cost::PHONE`] on a phone).
    pub fn new(dir: &Path, cost: Cost) -> Self {
        Vault {
            dir: dir.to_owned(),
            unwrapped: Mutex::new(None),
            file: Mutex::new(None),
            plain: std::sync::atomic::AtomicBool::new(false),
            cost,
        }
    }

    /// The database's path.
    pub fn db_path(&self) -> PathBuf {
        self.dir.join(DB)
    }

    fn keys_path(&self) -> PathBuf {
        self.dir.join(KEYS)
    }

    /// Looks at the folder: what opening needs; opens the store when no secret is needed.
    pub fn open(&self) -> Result<(Opening, Option<Store>), VaultError> {
        std::fs::create_dir_all(&self.dir)?;
        if let Some(file) = self.read_file()? {
            if file.by_password.is_some() {
                *self.file.lock().unwrap_or_else(|p| p.into_inner()) = Some(file);
                return Ok((Opening::Locked, None));
            }
        }
        if Store::is_plain(&self.db_path())? {
            let store = Store::open(&self.db_path())?;
            if store.account()?.is_some() {
                self.plain.store(true, std::sync::atomic::Ordering::SeqCst);
                return Ok((Opening::Plain, Some(store)));
            }
            // The previous app, never logged in: nothing to keep.
            drop(store);
        }
        // Nothing, or a database whose key was never wrapped (the app closed before the first
        // login): it holds no records, so it starts again.
        self.remove_files()?;
        let key = DataKey::random();
        let store = Store::open_encrypted(&self.db_path(), &key)?;
        *self.unwrapped.lock().unwrap_or_else(|p| p.into_inner()) = Some(key);
        Ok((Opening::Fresh, Some(store)))
    }

    fn read_file(&self) -> Result<Option<KeyFile>, VaultError> {
        match std::fs::read(self.keys_path()) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| VaultError::Key(KeyError::Damaged(e.to_string()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes the key file (to a new file, then renamed over the old: never half written).
    fn save(&self, file: &KeyFile) -> Result<(), VaultError> {
        let tmp = self.dir.join(format!("{KEYS}.new"));
        let json = serde_json::to_vec(file).map_err(|e| VaultError::Io(e.to_string()))?;
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, self.keys_path())?;
        *self.file.lock().unwrap_or_else(|p| p.into_inner()) = Some(file.clone());
        Ok(())
    }

    /// The first login's password wraps the fresh key; the key stays in memory for the PIN.
    pub fn seal_with_password(&self, password: &str) -> Result<(), VaultError> {
        let guard = self.unwrapped.lock().unwrap_or_else(|p| p.into_inner());
        let Some(key) = guard.as_ref() else { return Ok(()) };
        let mut file = self.current().unwrap_or_default();
        file.set_password(key, password, self.cost);
        self.save(&file)
    }

    fn current(&self) -> Option<KeyFile> {
        self.file.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Whether the open store is the previous app's, in clear, still to be encrypted.
    pub fn is_plain(&self) -> bool {
        self.plain.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Whether the cadre still has to set a PIN (unlocked, no PIN yet).
    pub fn needs_pin(&self) -> bool {
        self.current().is_some_and(|f| f.by_pin.is_none())
            && self.unwrapped.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// Sets the PIN (the key must be in memory: just unlocked or just sealed).
    pub fn set_pin(&self, pin: &str) -> Result<(), VaultError> {
        let guard = self.unwrapped.lock().unwrap_or_else(|p| p.into_inner());
        let key = guard.as_ref().ok_or(KeyError::NoPin)?;
        let mut file = self.current().ok_or(KeyError::NoPin)?;
        file.set_pin(key, pin, self.cost)?;
        self.save(&file)
    }

    /// Opens with the PIN; a wrong PIN is counted in the file.
    pub fn unlock_with_pin(&self, pin: &str) -> Result<Store, VaultError> {
        let mut file = self.current().ok_or(KeyError::NoPin)?;
        let opened = file.unlock_with_pin(pin);
        self.save(&file)?;
        let store = self.opened(opened?)?;
        tracing::info!("unlocked with the PIN");
        Ok(store)
    }

    /// Opens with the password (always possible).
    pub fn unlock_with_password(&self, password: &str) -> Result<Store, VaultError> {
        let mut file = self.current().ok_or(KeyError::NoPin)?;
        let opened = file.unlock_with_password(password);
        if opened.is_ok() {
            self.save(&file)?;
        }
        let store = self.opened(opened?)?;
        tracing::info!("unlocked with the password");
        Ok(store)
    }

    /// Checks the PIN or password again (the app locked itself while open) without reopening.
    pub fn check(&self, secret: &str, is_pin: bool) -> Result<(), VaultError> {
        let mut file = self.current().ok_or(KeyError::NoPin)?;
        let opened =
            if is_pin { file.unlock_with_pin(secret) } else { file.unlock_with_password(secret) };
        self.save(&file)?;
        opened.map(|_| ()).map_err(Into::into)
    }

    /// Wrong PINs left, and whether the PIN works at all.
    pub fn pin_state(&self) -> (bool, u32) {
        let file = self.current().unwrap_or_default();
        (file.pin_usable(), file.pin_tries_left())
    }

    fn opened(&self, key: DataKey) -> Result<Store, VaultError> {
        let store = Store::open_encrypted(&self.db_path(), &key)?;
        *self.unwrapped.lock().unwrap_or_else(|p| p.into_inner()) = Some(key);
        Ok(store)
    }

    /// The previous app's database, encrypted in place under a new key wrapped by `password`
    /// and `pin`; every record (the outbox too) kept. `store` is the open plain store: it goes
    /// on over the encrypted file.
    pub fn encrypt(&self, store: &Store, password: &str, pin: &str) -> Result<(), VaultError> {
        if !crate::keys::valid_pin(pin) {
            return Err(KeyError::BadPin.into());
        }
        let key = DataKey::random();
        store.encrypt_in_place(&self.db_path(), &key)?;
        let mut file = KeyFile::new(&key, password, self.cost);
        file.set_pin(&key, pin, self.cost)?;
        self.save(&file)?;
        *self.unwrapped.lock().unwrap_or_else(|p| p.into_inner()) = Some(key);
        self.plain.store(false, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Erases this phone's data: the key file first (the database is unreadable without it),
    /// then the database and its journal. `store` is emptied first so nothing lingers in pages
    /// a reader still holds.
    pub fn erase(&self, store: &Store) -> Result<(), VaultError> {
        let _ = std::fs::remove_file(self.keys_path());
        *self.file.lock().unwrap_or_else(|p| p.into_inner()) = None;
        *self.unwrapped.lock().unwrap_or_else(|p| p.into_inner()) = None;
        store.erase()?;
        self.remove_files()
    }

    fn remove_files(&self) -> Result<(), VaultError> {
        for name in [KEYS, DB, "minqing.db-wal", "minqing.db-shm"] {
            match std::fs::remove_file(self.dir.join(name)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}
