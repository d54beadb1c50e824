//! The phone's data at rest: the encrypted database and its key file (see [`crate::keys`]). The
//! vault decides at start what the app must ask for:
//!
//! - nothing on this phone yet: a new key, a new encrypted database; the key is wrapped by the
//!   password at the first login, then the cadre sets a PIN;
//! - a database of the previous app, in clear: the cadre gives the password and a PIN once, and
//!   the database is encrypted in place, outbox and all;
//! - otherwise: the PIN (or the password, always) before anything is shown.
//!
//! Where the bytes live is the [`Shelf`]'s: a folder on a phone or desktop ([`folder`]: an
//! SQLCipher database and `minqing.keys`), or, in a browser, a database image sealed whole under
//! the same key and kept with the key file in IndexedDB ([`image`]).
//!
//! Erasing (a remote wipe, a phone handed over) deletes the key file first — without it the
//! database is noise — then the database and its journal.

#[cfg(not(target_arch = "wasm32"))]
pub mod folder;
pub mod image;

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

/// Where the database and the key file are kept.
#[derive(Debug)]
pub enum Shelf {
    /// A folder: an SQLCipher database and `minqing.keys` (phones, desktops).
    #[cfg(not(target_arch = "wasm32"))]
    Folder(folder::Folder),
    /// A database image sealed whole, and the key file, saved by the platform (browsers).
    Image(Box<image::Image>),
}

impl Shelf {
    fn read_keys(&self) -> Result<Option<KeyFile>, VaultError> {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            Shelf::Folder(f) => f.read_keys(),
            Shelf::Image(i) => Ok(i.read_keys()),
        }
    }

    fn write_keys(&self, file: &KeyFile) -> Result<(), VaultError> {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            Shelf::Folder(f) => f.write_keys(file),
            Shelf::Image(i) => {
                i.write_keys(file);
                Ok(())
            }
        }
    }

    fn plain_store(&self) -> Result<Option<Store>, VaultError> {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            Shelf::Folder(f) => f.plain_store(),
            Shelf::Image(i) => i.plain_store(),
        }
    }

    fn create(&self, key: &DataKey) -> Result<Store, VaultError> {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            Shelf::Folder(f) => f.create(key),
            Shelf::Image(i) => i.create(key),
        }
    }

    fn open_with(&self, key: &DataKey) -> Result<Store, VaultError> {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            Shelf::Folder(f) => f.open_with(key),
            Shelf::Image(i) => i.open_with(key),
        }
    }

    fn encrypt(&self, store: &Store, key: &DataKey) -> Result<(), VaultError> {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            Shelf::Folder(f) => f.encrypt(store, key),
            Shelf::Image(i) => {
                let _ = store;
                i.encrypt(key);
                Ok(())
            }
        }
    }

    fn forget_keys(&self) -> Result<(), VaultError> {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            Shelf::Folder(f) => f.forget_keys(),
            Shelf::Image(i) => {
                i.forget_keys();
                Ok(())
            }
        }
    }

    fn remove_all(&self) -> Result<(), VaultError> {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            Shelf::Folder(f) => f.remove_all(),
            Shelf::Image(i) => {
                i.remove_all();
                Ok(())
            }
        }
    }
}

/// The database and its keys.
#[derive(Debug)]
pub struct Vault {
    shelf: Shelf,
    /// The key while the app is unlocked and not yet wrapped (a fresh phone before its login).
    unwrapped: Mutex<Option<DataKey>>,
    /// The key file as last read or written.
    file: Mutex<Option<KeyFile>>,
    /// The open store is the previous app's, in clear, until [`Vault::encrypt`].
    plain: std::sync::atomic::AtomicBool,
    cost: Cost,
}

/// One vault is one phone's: two are the same when they are the same object (the screens
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
    /// The files (or the browser's storage).
    #[error("文件读写失败（file error）: {0}")]
    Io(String),
}

impl From<std::io::Error> for VaultError {
    fn from(e: std::io::Error) -> Self {
        VaultError::Io(e.to_string())
    }
}

impl Vault {
    /// The vault of the folder `dir` (a phone or desktop), deriving keys at `cost`
    /// ([`Cost::PHONE`] in the app).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn new(dir: &std::path::Path, cost: Cost) -> Self {
        Self::on(Shelf::Folder(folder::Folder::new(dir)), cost)
    }

    /// The vault over `shelf`.
    pub fn on(shelf: Shelf, cost: Cost) -> Self {
        Vault {
            shelf,
            unwrapped: Mutex::new(None),
            file: Mutex::new(None),
            plain: std::sync::atomic::AtomicBool::new(false),
            cost,
        }
    }

    /// The database's path (a folder's vault).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn db_path(&self) -> std::path::PathBuf {
        match &self.shelf {
            Shelf::Folder(f) => f.db_path(),
            Shelf::Image(_) => std::path::PathBuf::new(),
        }
    }

    /// The browser's image shelf, if that is where this vault keeps its data.
    pub fn image(&self) -> Option<&image::Image> {
        match &self.shelf {
            Shelf::Image(i) => Some(i),
            #[cfg(not(target_arch = "wasm32"))]
            Shelf::Folder(_) => None,
        }
    }

    /// Looks at the shelf: what opening needs; opens the store when no secret is needed.
    pub fn open(&self) -> Result<(Opening, Option<Store>), VaultError> {
        if let Some(file) = self.shelf.read_keys()? {
            if file.by_password.is_some() {
                *self.file.lock().unwrap_or_else(|p| p.into_inner()) = Some(file);
                return Ok((Opening::Locked, None));
            }
        }
        if let Some(store) = self.shelf.plain_store()? {
            self.plain.store(true, std::sync::atomic::Ordering::SeqCst);
            return Ok((Opening::Plain, Some(store)));
        }
        // Nothing, or a database whose key was never wrapped (the app closed before the first
        // login): it holds no records, so it starts again.
        let key = DataKey::random();
        let store = self.shelf.create(&key)?;
        *self.unwrapped.lock().unwrap_or_else(|p| p.into_inner()) = Some(key);
        Ok((Opening::Fresh, Some(store)))
    }

    fn save(&self, file: &KeyFile) -> Result<(), VaultError> {
        self.shelf.write_keys(file)?;
        *self.file.lock().unwrap_or_else(|p| p.into_inner()) = Some(file.clone());
        Ok(())
    }

    /// Makes the key file's last change durable before the app goes on: at once on a phone
    /// (each change is written as it is made); in a browser, the key file is put in IndexedDB
    /// and this returns once the browser committed it (a wrong PIN is counted before it is
    /// told).
    pub async fn flush(&self) -> Result<(), VaultError> {
        #[cfg(target_arch = "wasm32")]
        if let Some(saved) = self.image() {
            let (change, version) = saved.keys_to_save()?;
            if change != image::KeysChange::Same {
                crate::web::save_keys(change).await.map_err(VaultError::Io)?;
                saved.saved(version);
            }
        }
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
        let store = self.shelf.open_with(&key)?;
        *self.unwrapped.lock().unwrap_or_else(|p| p.into_inner()) = Some(key);
        Ok(store)
    }

    /// The previous app's database, encrypted in place under a new key wrapped by `password`
    /// and `pin`; every record (the outbox too) kept. `store` is the open plain store: it goes
    /// on over the encrypted database.
    pub fn encrypt(&self, store: &Store, password: &str, pin: &str) -> Result<(), VaultError> {
        if !crate::keys::valid_pin(pin) {
            return Err(KeyError::BadPin.into());
        }
        // The key file first (its derivations take seconds), written right after the database
        // is encrypted: no moment of an encrypted database without its key file.
        let key = DataKey::random();
        let mut file = KeyFile::new(&key, password, self.cost);
        file.set_pin(&key, pin, self.cost)?;
        self.shelf.encrypt(store, &key)?;
        self.save(&file)?;
        *self.unwrapped.lock().unwrap_or_else(|p| p.into_inner()) = Some(key);
        self.plain.store(false, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Starts this phone over when the cadre forgot both the PIN and the password: the key file
    /// goes (the records it locked cannot be read by anyone), and a new empty store is opened
    /// for a new login, after which the server sends back every record it holds.
    pub fn start_over(&self) -> Result<Store, VaultError> {
        self.shelf.forget_keys()?;
        *self.file.lock().unwrap_or_else(|p| p.into_inner()) = None;
        let key = DataKey::random();
        let store = self.shelf.create(&key)?;
        *self.unwrapped.lock().unwrap_or_else(|p| p.into_inner()) = Some(key);
        self.plain.store(false, std::sync::atomic::Ordering::SeqCst);
        tracing::warn!("the phone was started over: its previous records are unreadable");
        Ok(store)
    }

    /// Erases this phone's data: the key file first (the database is unreadable without it),
    /// then the database and its journal. `store` is emptied first so nothing lingers in pages
    /// a reader still holds.
    pub fn erase(&self, store: &Store) -> Result<(), VaultError> {
        if let Err(e) = self.shelf.forget_keys() {
            // Go on emptying the database; deleting everything at the end tries the keys again.
            tracing::warn!(error = %e, "the key file could not be deleted first");
        }
        *self.file.lock().unwrap_or_else(|p| p.into_inner()) = None;
        *self.unwrapped.lock().unwrap_or_else(|p| p.into_inner()) = None;
        store.erase()?;
        self.shelf.remove_all()
    }
}
