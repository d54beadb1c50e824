//! The browser's data at rest. A browser has no SQLCipher: the app's database lives in memory and
//! is saved whole, as an *image* (SQLite's file format), to IndexedDB after each change. Here
//! that image is sealed with the data key (XChaCha20-Poly1305, a fresh random nonce each save,
//! the header bound in as associated data), and the key file — the same [`KeyFile`] as a phone's
//! — is kept beside it. What is kept reads as noise without the password or the PIN, and a
//! changed byte fails to open rather than yielding altered records.
//!
//! The shelf holds what the browser loaded and what is to be saved; the platform does the
//! saving (`crate::web`, one IndexedDB transaction for the image and the key file).

use std::sync::Mutex;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use super::VaultError;
use crate::keys::{DataKey, KeyError, KeyFile};
use crate::store::Store;

/// The first bytes of a sealed image (its format's name and version).
pub const MAGIC: &[u8; 8] = b"MQSEAL01";
const NONCE: usize = 24;

/// `plain` sealed under `key`: the magic, a random nonce, the ciphertext and its tag.
pub fn seal(key: &DataKey, plain: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE];
    rand::fill(&mut nonce);
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: MAGIC })
        .expect("an image fits XChaCha20-Poly1305");
    let mut out = Vec::with_capacity(MAGIC.len() + NONCE + sealed.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// Whether `bytes` are a sealed image.
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// The image sealed in `bytes`, if `key` is the one it was sealed with and no byte changed.
pub fn unseal(key: &DataKey, bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    if !is_sealed(bytes) || bytes.len() < MAGIC.len() + NONCE {
        return Err(KeyError::Damaged("not a sealed image".into()));
    }
    let (nonce, sealed) = bytes[MAGIC.len()..].split_at(NONCE);
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: MAGIC })
        .map(Zeroizing::new)
        .map_err(|_| KeyError::Damaged("the saved database does not open with its key".into()))
}

/// What the platform writes next.
#[derive(Debug, PartialEq, Eq)]
pub enum Saving {
    /// The image (sealed once a key wraps it), and the key file's change (`keys_version` to
    /// report back with [`Image::saved`]).
    Put { image: Vec<u8>, keys: KeysChange, keys_version: u64 },
    /// Everything deleted (the phone was erased as ordered).
    Erase,
}

/// What becomes of the saved key file.
#[derive(Debug, PartialEq, Eq)]
pub enum KeysChange {
    /// Unchanged since it was last saved.
    Same,
    /// Written (JSON).
    Write(String),
    /// Deleted (the cadre started this phone over).
    Delete,
}

/// The loaded image and key file, and what changed since.
#[derive(Debug, Default)]
pub struct Image {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The key file as the vault last wrote it.
    keys: Option<KeyFile>,
    /// Bumped at each change of the key file; `saved` is the last one the platform stored.
    keys_version: u64,
    keys_saved: u64,
    /// The image as loaded (sealed, or the previous app's in clear) until the store opens it.
    loaded: Option<Vec<u8>>,
    /// The key images are sealed with (none while the previous app's store is still in clear).
    key: Option<DataKey>,
    /// Whether the image last saved was sealed with `key`, so the key file may be saved alone
    /// (false after a new key, until an image sealed with it is saved).
    image_matches_key: bool,
    /// The open store is the previous app's, in clear: the only image ever saved unsealed.
    plain: bool,
    erased: bool,
}

impl Image {
    /// What the browser had saved: the image and the key file (JSON), each if any.
    pub fn loaded(image: Option<Vec<u8>>, keys: Option<&str>) -> Result<Self, VaultError> {
        let keys = keys
            .map(serde_json::from_str::<KeyFile>)
            .transpose()
            .map_err(|e| VaultError::Key(KeyError::Damaged(e.to_string())))?;
        let state = State { keys, loaded: image, image_matches_key: true, ..State::default() };
        Ok(Image { state: Mutex::new(state) })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn read_keys(&self) -> Option<KeyFile> {
        self.state().keys.clone()
    }

    pub(super) fn write_keys(&self, file: &KeyFile) {
        let mut state = self.state();
        state.keys = Some(file.clone());
        state.keys_version += 1;
    }

    /// The previous app's image in clear, if it has an account.
    pub(super) fn plain_store(&self) -> Result<Option<Store>, VaultError> {
        let mut state = self.state();
        let Some(image) = state.loaded.as_deref().filter(|i| !is_sealed(i)) else {
            return Ok(None);
        };
        let store = Store::open_image(Some(image))?;
        let kept = store.account()?.is_some().then_some(store);
        state.plain = kept.is_some();
        Ok(kept)
    }

    /// A new empty store sealed under `key`; whatever was loaded, and any key file, not kept.
    pub(super) fn create(&self, key: &DataKey) -> Result<Store, VaultError> {
        let mut state = self.state();
        state.loaded = None;
        state.key = Some(key.clone());
        state.image_matches_key = false;
        state.plain = false;
        state.erased = false;
        if state.keys.take().is_some() {
            state.keys_version += 1;
        }
        Ok(Store::open_image(None)?)
    }

    /// The loaded image opened with `key`.
    pub(super) fn open_with(&self, key: &DataKey) -> Result<Store, VaultError> {
        let mut state = self.state();
        let store = match state.loaded.as_deref() {
            Some(bytes) if is_sealed(bytes) => Store::open_image(Some(&unseal(key, bytes)?))?,
            other => Store::open_image(other)?,
        };
        state.loaded = None;
        state.key = Some(key.clone());
        state.image_matches_key = true;
        Ok(store)
    }

    /// Images are sealed under `key` from now on.
    pub(super) fn encrypt(&self, key: &DataKey) {
        let mut state = self.state();
        state.key = Some(key.clone());
        state.image_matches_key = false;
        state.plain = false;
    }

    pub(super) fn forget_keys(&self) {
        let mut state = self.state();
        state.keys = None;
        state.keys_version += 1;
        state.key = None;
    }

    pub(super) fn remove_all(&self) {
        let mut state = self.state();
        *state = State { erased: true, ..State::default() };
    }

    /// Whether the key file changed since it was last saved.
    pub fn keys_unsaved(&self) -> bool {
        let state = self.state();
        state.keys_version > state.keys_saved
    }

    /// What to write for the store's `snapshot`: sealed when a key wraps it.
    pub fn to_save(&self, snapshot: &[u8]) -> Result<Saving, VaultError> {
        let state = self.state();
        if state.erased {
            return Ok(Saving::Erase);
        }
        let image = match &state.key {
            Some(key) => seal(key, snapshot),
            // Only the previous app's image, until it is encrypted, is ever saved in clear.
            None if state.plain => snapshot.to_vec(),
            None => {
                return Err(VaultError::Io(
                    "没有数据密钥，不保存（no data key: not saved）".into(),
                ));
            }
        };
        Ok(Saving::Put { image, keys: keys_change(&state)?, keys_version: state.keys_version })
    }

    /// The key file's change alone, with its version for [`Image::saved`] — none while the
    /// saved image is sealed with another key than the one the key file now wraps (a new key
    /// is saved with its first image, never before it).
    pub fn keys_to_save(&self) -> Result<(KeysChange, u64), VaultError> {
        let state = self.state();
        if !state.image_matches_key {
            return Ok((KeysChange::Same, state.keys_saved));
        }
        Ok((keys_change(&state)?, state.keys_version))
    }

    /// The platform stored what [`Image::to_save`] or [`Image::keys_to_save`] gave, with the key
    /// file as of `keys_version`.
    pub fn saved(&self, keys_version: u64) {
        let mut state = self.state();
        state.keys_saved = state.keys_saved.max(keys_version);
    }

    /// The platform stored an image from [`Image::to_save`] (sealed with the current key).
    pub fn image_saved(&self, keys_version: u64) {
        self.saved(keys_version);
        self.state().image_matches_key = true;
    }
}

fn keys_change(state: &State) -> Result<KeysChange, VaultError> {
    if state.keys_version == state.keys_saved {
        return Ok(KeysChange::Same);
    }
    Ok(match &state.keys {
        Some(file) => KeysChange::Write(
            serde_json::to_string(file).map_err(|e| VaultError::Io(e.to_string()))?,
        ),
        None => KeysChange::Delete,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_image_opens_with_its_key_only_and_any_changed_byte_fails() {
        let key = DataKey::random();
        let plain = b"SQLite format 3\0 and some rows".to_vec();
        let sealed = seal(&key, &plain);
        assert!(is_sealed(&sealed));
        assert!(!sealed.windows(6).any(|w| w == b"SQLite"), "nothing in clear");
        assert_eq!(unseal(&key, &sealed).unwrap().as_slice(), plain.as_slice());
        assert_ne!(seal(&key, &plain), sealed, "a fresh nonce each time");
        assert!(unseal(&DataKey::random(), &sealed).is_err(), "another key");
        for at in [0, MAGIC.len(), MAGIC.len() + NONCE, sealed.len() - 1] {
            let mut changed = sealed.clone();
            changed[at] ^= 1;
            assert!(unseal(&key, &changed).is_err(), "byte {at} changed");
        }
    }
}
