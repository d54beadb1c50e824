//! Passwords: Argon2id with its default parameters (19 MiB, two passes), stored as PHC strings.
//!
//! Every hash runs on a few threads of its own ([`hashers`], one per core) that keep Argon2's
//! working memory from one hash to the next. Allocated afresh for each hash on whatever thread
//! asked, the 19 MiB blocks fragmented glibc's heaps: a server measured 1 GB resident after 300
//! logins eight at a time (10 GB after a thousand phones logged in), where with the memory kept
//! it stays at a few tens of MB. A burst of logins (a township's cadres at eight in the morning)
//! queues here, one hash a core at most, rather than spreading over the blocking pool's hundreds
//! of threads.

use std::cell::RefCell;
use std::sync::LazyLock;

use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;

/// The threads that hash, one per core.
fn hashers() -> &'static rayon::ThreadPool {
    static POOL: LazyLock<rayon::ThreadPool> = LazyLock::new(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(std::thread::available_parallelism().map_or(2, |n| n.get()))
            .thread_name(|i| format!("argon2-{i}"))
            // A hash that panicked fails its caller (its answer is never sent), not the process:
            // without a handler rayon aborts.
            .panic_handler(|_| tracing::error!("a password hash panicked"))
            .build()
            .expect("the password threads start")
    });
    &POOL
}

thread_local! {
    /// Argon2's working memory on this hashing thread, kept for the next hash.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// The raw Argon2 output of `password` and `salt` under `argon`, into `out`, with this thread's
/// kept memory (call on a [`hashers`] thread).
fn argon2_into(argon: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> bool {
    MEMORY.with_borrow_mut(|memory| {
        let blocks = argon.params().block_count();
        if memory.len() < blocks {
            memory.resize(blocks, Block::new());
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks]).is_ok()
    })
}

/// Hashes a password with Argon2id and a random salt (PHC string), on a hashing thread.
pub fn hash_password(password: &str) -> String {
    hashers().install(|| hash_here(password))
}

/// Whether `password` matches the PHC string `hash`, checked on a hashing thread.
pub fn verify_password(password: &str, hash: &str) -> bool {
    hashers().install(|| verify_here(password, hash))
}

/// Runs `f` on a hashing thread, waiting without holding a thread of the runtime; `None` if it
/// panicked.
async fn on_hashers<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    hashers().spawn(move || {
        let _ = tx.send(f());
    });
    rx.await.ok()
}

/// [`verify_password`] for a request handler. `stored` is the account's hash; `None` (no such
/// account) checks against a decoy, so that a wrong username takes as long to refuse as a wrong
/// password.
pub async fn verify_password_queued(password: String, stored: Option<String>) -> bool {
    on_hashers(move || verify_here(&password, stored.as_deref().unwrap_or(decoy_hash())))
        .await
        .unwrap_or(false)
}

/// [`hash_password`] for a request handler.
pub async fn hash_password_queued(password: String) -> String {
    on_hashers(move || hash_here(&password)).await.expect("a password hash panicked")
}

/// The decoy [`verify_password_queued`] checks a password of no account against, hashed once
/// (on a hashing thread, where it is first needed).
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_here("not-a-real-password"))
}

fn hash_here(password: &str) -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).expect("16 bytes make a valid salt");
    let argon = Argon2::default();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    assert!(argon2_into(&argon, password.as_bytes(), &bytes, &mut out), "Argon2 hashes");
    PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::default().into()),
        params: ParamsString::try_from(argon.params()).expect("the default parameters print"),
        salt: Some(Salt::from(&salt)),
        hash: Some(Output::new(&out).expect("a 32-byte output")),
    }
    .to_string()
}

fn verify_here(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let (Ok(algorithm), Ok(params)) =
        (Algorithm::try_from(parsed.algorithm), Params::try_from(&parsed))
    else {
        return false;
    };
    let version = parsed.version.map_or(Ok(Version::default()), Version::try_from);
    let Ok(version) = version else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    // `Output`'s equality is constant-time.
    argon2_into(&argon, password.as_bytes(), salt, &mut out)
        && Output::new(&out).is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use argon2::PasswordVerifier;

    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only_and_reads_as_the_library_s() {
        let hash = hash_password("correct horse");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct hors", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        // The library's own verifier agrees, both ways.
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse", &parsed).is_ok());
        let theirs = argon2::PasswordHasher::hash_password(
            &Argon2::default(),
            b"battery staple",
            &SaltString::encode_b64(b"0123456789abcdef").unwrap(),
        )
        .unwrap()
        .to_string();
        assert!(verify_password("battery staple", &theirs));
        assert!(!verify_password("battery stapler", &theirs));
    }

    #[tokio::test]
    async fn handlers_hash_and_verify_off_the_runtime() {
        let hash = hash_password_queued("秘密口令123".into()).await;
        assert!(verify_password_queued("秘密口令123".into(), Some(hash.clone())).await);
        assert!(!verify_password_queued("秘密口令12".into(), Some(hash)).await);
        assert!(!verify_password_queued("秘密口令123".into(), None).await, "no account");
    }
}
