//! The phone's data key and how it is kept: a random 256-bit key encrypts the database (and the
//! photos in it); it is never stored in clear, only *wrapped* — encrypted with a key derived
//! (Argon2id) from the cadre's password, and, for daily use, from a 6-digit PIN. Both unlock
//! offline. After [`MAX_PIN_FAILURES`] wrong PINs the PIN's wrap is deleted: only the password
//! opens the phone then (and a copy of the file taken afterwards cannot be guessed by PIN). No
//! record is ever destroyed by wrong PINs.
//!
//! The key file (`minqing.keys`, JSON) sits beside the database; it holds salts, the wrapped
//! keys and the count of wrong PINs, nothing an attacker can use without the password or PIN.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

/// Wrong PINs before the PIN stops working.
pub const MAX_PIN_FAILURES: u32 = 5;

/// Digits of a PIN.
pub const PIN_DIGITS: usize = 6;

/// The database's key: 32 random bytes, wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey([u8; 32]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl Drop for DataKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl DataKey {
    /// A new random key.
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        rand::fill(&mut key);
        DataKey(key)
    }

    /// The key as SQLCipher's raw-key literal, `x'…'` (no key derivation on top).
    pub fn sqlcipher_literal(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex(&self.0)))
    }

    /// The key's bytes (to encrypt the browser's saved database).
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Argon2id's cost, kept with each wrap so a later app can raise it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    /// Memory, KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Cost {
    /// For the password and the PIN alike: 64 MiB, 3 passes — about a second on a mid-range
    /// phone, so that guessing a million PINs from a copied file takes that many seconds of a
    /// phone-class core each.
    pub const PHONE: Cost = Cost { m_kib: 64 * 1024, t: 3, p: 1 };
}

/// The data key encrypted with a key derived from a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wrapped {
    /// Argon2id salt (hex).
    pub salt: String,
    /// XChaCha20-Poly1305 nonce (hex).
    pub nonce: String,
    /// The encrypted key with its tag (hex).
    pub sealed: String,
    /// The derivation's cost.
    pub cost: Cost,
}

/// Why a secret did not open the key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The password or PIN is wrong (the wrap's tag did not verify).
    #[error("密码或PIN不正确（wrong password or PIN）")]
    Wrong,
    /// Too many wrong PINs: only the password opens the phone now.
    #[error("PIN已停用，请输入登录密码（the PIN is disabled; use the password）")]
    PinDisabled,
    /// No PIN was set.
    #[error("尚未设置PIN（no PIN set）")]
    NoPin,
    /// A PIN is six digits.
    #[error("PIN须为6位数字（a PIN is six digits）")]
    BadPin,
    /// The file is damaged.
    #[error("密钥文件损坏（the key file is damaged）: {0}")]
    Damaged(String),
}

fn unhex(s: &str) -> Result<Vec<u8>, KeyError> {
    if s.len() % 2 != 0 {
        return Err(KeyError::Damaged("odd hex".into()));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| KeyError::Damaged(e.to_string())))
        .collect()
}

fn derive(secret: &str, salt: &[u8], cost: Cost) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let params = Params::new(cost.m_kib, cost.t, cost.p, Some(32))
        .map_err(|e| KeyError::Damaged(e.to_string()))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(secret.as_bytes(), salt, out.as_mut())
        .map_err(|e| KeyError::Damaged(e.to_string()))?;
    Ok(out)
}

impl Wrapped {
    /// `key` wrapped with `secret` at `cost`.
    pub fn seal(key: &DataKey, secret: &str, cost: Cost) -> Self {
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 24];
        rand::fill(&mut salt);
        rand::fill(&mut nonce);
        let kek = derive(secret, &salt, cost).expect("valid built-in cost");
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), key.0.as_slice())
            .expect("encrypting 32 bytes cannot fail");
        Wrapped { salt: hex(&salt), nonce: hex(&nonce), sealed: hex(&sealed), cost }
    }

    /// The key, if `secret` is the one it was wrapped with.
    pub fn open(&self, secret: &str) -> Result<DataKey, KeyError> {
        let kek = derive(secret, &unhex(&self.salt)?, self.cost)?;
        let nonce = unhex(&self.nonce)?;
        if nonce.len() != 24 {
            return Err(KeyError::Damaged("nonce".into()));
        }
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let mut plain = Zeroizing::new(
            cipher
                .decrypt(XNonce::from_slice(&nonce), unhex(&self.sealed)?.as_slice())
                .map_err(|_| KeyError::Wrong)?,
        );
        let bytes: [u8; 32] =
            plain.as_slice().try_into().map_err(|_| KeyError::Damaged("key length".into()))?;
        plain.zeroize();
        Ok(DataKey(bytes))
    }
}

/// What the key file holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFile {
    /// The data key wrapped by the cadre's password.
    pub by_password: Option<Wrapped>,
    /// The data key wrapped by the PIN (deleted after too many wrong PINs).
    pub by_pin: Option<Wrapped>,
    /// Wrong PINs since the last unlock.
    #[serde(default)]
    pub pin_failures: u32,
}

/// Whether `pin` is six digits.
pub fn valid_pin(pin: &str) -> bool {
    pin.len() == PIN_DIGITS && pin.bytes().all(|b| b.is_ascii_digit())
}

impl KeyFile {
    /// A key file for `key`, wrapped by `password`.
    pub fn new(key: &DataKey, password: &str, cost: Cost) -> Self {
        KeyFile {
            by_password: Some(Wrapped::seal(key, password, cost)),
            by_pin: None,
            pin_failures: 0,
        }
    }

    /// Sets (or changes) the PIN; the wrong-PIN count starts again.
    pub fn set_pin(&mut self, key: &DataKey, pin: &str, cost: Cost) -> Result<(), KeyError> {
        if !valid_pin(pin) {
            return Err(KeyError::BadPin);
        }
        self.by_pin = Some(Wrapped::seal(key, pin, cost));
        self.pin_failures = 0;
        Ok(())
    }

    /// Wraps the key again by a new password (after a change of password).
    pub fn set_password(&mut self, key: &DataKey, password: &str, cost: Cost) {
        self.by_password = Some(Wrapped::seal(key, password, cost));
    }

    /// Whether the PIN can open the phone now.
    pub fn pin_usable(&self) -> bool {
        self.by_pin.is_some() && self.pin_failures < MAX_PIN_FAILURES
    }

    /// Opens with the PIN. A wrong one is counted (the caller saves the file either way); at the
    /// last allowed failure the PIN's wrap is deleted.
    pub fn unlock_with_pin(&mut self, pin: &str) -> Result<DataKey, KeyError> {
        let Some(wrapped) = &self.by_pin else {
            return Err(if self.pin_failures >= MAX_PIN_FAILURES {
                KeyError::PinDisabled
            } else {
                KeyError::NoPin
            });
        };
        match wrapped.open(pin) {
            Ok(key) => {
                self.pin_failures = 0;
                Ok(key)
            }
            Err(KeyError::Wrong) => {
                self.pin_failures += 1;
                if self.pin_failures >= MAX_PIN_FAILURES {
                    self.by_pin = None;
                    return Err(KeyError::PinDisabled);
                }
                Err(KeyError::Wrong)
            }
            Err(e) => Err(e),
        }
    }

    /// Opens with the password (always possible); the wrong-PIN count starts again.
    pub fn unlock_with_password(&mut self, password: &str) -> Result<DataKey, KeyError> {
        let wrapped =
            self.by_password.as_ref().ok_or(KeyError::Damaged("no password wrap".into()))?;
        let key = wrapped.open(password)?;
        self.pin_failures = 0;
        Ok(key)
    }

    /// Wrong PINs left before the PIN stops working.
    pub fn pin_tries_left(&self) -> u32 {
        MAX_PIN_FAILURES.saturating_sub(self.pin_failures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap enough for tests; the phone uses [`Cost::PHONE`].
    const TEST: Cost = Cost { m_kib: 64, t: 1, p: 1 };

    #[test]
    fn the_password_and_the_pin_open_the_same_key_and_nothing_else_does() {
        let key = DataKey::random();
        let mut file = KeyFile::new(&key, "mima-1234", TEST);
        file.set_pin(&key, "246810", TEST).unwrap();
        assert_eq!(file.unlock_with_pin("246810").unwrap(), key);
        assert_eq!(file.unlock_with_password("mima-1234").unwrap(), key);
        assert_eq!(file.unlock_with_password("mima-12345"), Err(KeyError::Wrong));
        let json = serde_json::to_string(&file).unwrap();
        assert!(!json.contains(&hex(&key.0)), "the key is never in the file in clear");
        assert_eq!(file.set_pin(&key, "12345", TEST), Err(KeyError::BadPin));
        assert_eq!(file.set_pin(&key, "12345a", TEST), Err(KeyError::BadPin));
    }

    #[test]
    fn five_wrong_pins_disable_the_pin_and_the_password_still_opens() {
        let key = DataKey::random();
        let mut file = KeyFile::new(&key, "mima-1234", TEST);
        file.set_pin(&key, "246810", TEST).unwrap();
        for left in (1..MAX_PIN_FAILURES).rev() {
            assert_eq!(file.unlock_with_pin("000000"), Err(KeyError::Wrong));
            assert_eq!(file.pin_tries_left(), left);
        }
        assert_eq!(file.unlock_with_pin("000000"), Err(KeyError::PinDisabled));
        assert!(file.by_pin.is_none(), "the PIN's wrap is gone");
        assert_eq!(
            file.unlock_with_pin("246810"),
            Err(KeyError::PinDisabled),
            "even the right PIN"
        );
        assert_eq!(file.unlock_with_password("mima-1234").unwrap(), key);
        file.set_pin(&key, "135790", TEST).unwrap();
        assert_eq!(file.unlock_with_pin("135790").unwrap(), key, "a new PIN after the password");
    }

    #[test]
    fn a_right_pin_resets_the_count() {
        let key = DataKey::random();
        let mut file = KeyFile::new(&key, "pw-abcdefg", TEST);
        file.set_pin(&key, "111111", TEST).unwrap();
        for _ in 0..MAX_PIN_FAILURES - 1 {
            let _ = file.unlock_with_pin("222222");
        }
        assert!(file.unlock_with_pin("111111").is_ok());
        assert_eq!(file.pin_tries_left(), MAX_PIN_FAILURES);
    }
}
