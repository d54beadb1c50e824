//! A phone's or desktop's data folder: the SQLCipher database `minqing.db` (and its journal)
//! and the key file `minqing.keys` beside it.

use std::path::{Path, PathBuf};

use super::VaultError;
use crate::keys::{DataKey, KeyError, KeyFile};
use crate::store::Store;

const DB: &str = "minqing.db";
const KEYS: &str = "minqing.keys";

/// The folder.
#[derive(Debug)]
pub struct Folder {
    dir: PathBuf,
}

impl Folder {
    /// The data folder `dir`.
    pub fn new(dir: &Path) -> Self {
        Folder { dir: dir.to_owned() }
    }

    /// The database's path.
    pub fn db_path(&self) -> PathBuf {
        self.dir.join(DB)
    }

    fn keys_path(&self) -> PathBuf {
        self.dir.join(KEYS)
    }

    pub(super) fn read_keys(&self) -> Result<Option<KeyFile>, VaultError> {
        std::fs::create_dir_all(&self.dir)?;
        match std::fs::read(self.keys_path()) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| VaultError::Key(KeyError::Damaged(e.to_string()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes the key file (to a new file, then renamed over the old: never half written).
    pub(super) fn write_keys(&self, file: &KeyFile) -> Result<(), VaultError> {
        let tmp = self.dir.join(format!("{KEYS}.new"));
        let json = serde_json::to_vec(file).map_err(|e| VaultError::Io(e.to_string()))?;
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, self.keys_path())?;
        Ok(())
    }

    /// The previous app's database in clear, if it has an account (one never logged in holds
    /// nothing to keep).
    pub(super) fn plain_store(&self) -> Result<Option<Store>, VaultError> {
        if !Store::is_plain(&self.db_path())? {
            return Ok(None);
        }
        let store = Store::open(&self.db_path())?;
        Ok(store.account()?.is_some().then_some(store))
    }

    /// A new encrypted database under `key`, whatever was there before gone.
    pub(super) fn create(&self, key: &DataKey) -> Result<Store, VaultError> {
        self.remove_all()?;
        Ok(Store::open_encrypted(&self.db_path(), key)?)
    }

    pub(super) fn open_with(&self, key: &DataKey) -> Result<Store, VaultError> {
        Ok(Store::open_encrypted(&self.db_path(), key)?)
    }

    pub(super) fn encrypt(&self, store: &Store, key: &DataKey) -> Result<(), VaultError> {
        Ok(store.encrypt_in_place(&self.db_path(), key)?)
    }

    pub(super) fn forget_keys(&self) -> Result<(), VaultError> {
        self.remove(KEYS)
    }

    pub(super) fn remove_all(&self) -> Result<(), VaultError> {
        for name in [KEYS, DB, "minqing.db-wal", "minqing.db-shm"] {
            self.remove(name)?;
        }
        Ok(())
    }

    fn remove(&self, name: &str) -> Result<(), VaultError> {
        match std::fs::remove_file(self.dir.join(name)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
