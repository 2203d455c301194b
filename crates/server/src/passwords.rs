//! Passwords: argon2 hashes computed on a few dedicated threads with reused working memory, so
//! that a flood of sign-ins costs bounded memory and CPU; a decoy hash for unknown accounts, so
//! that their answers take as long as a known account's.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use crate::error::AppError;

thread_local! {
    /// argon2's working memory (about 19 MiB), kept by each thread that hashes and used again
    /// for every hash it computes. Allocated afresh for each hash, the allocator kept most of it
    /// per thread and hash: 20 hashes left 150 MiB behind, and a flood of them gigabytes.
    static ARGON2_MEMORY: std::cell::RefCell<Vec<argon2::Block>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs argon2 with `params` on this thread's kept working memory.
fn argon2_into(
    argon: &Argon2<'_>,
    params: &argon2::Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    ARGON2_MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        let needed = params.block_count();
        if memory.len() < needed {
            memory.resize(needed, argon2::Block::default());
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut memory[..needed])
    })
}

fn hashing_failed(e: impl std::fmt::Display) -> AppError {
    AppError::Other(anyhow::anyhow!("hashing a password: {e}"))
}

/// A new password's hash, as a PHC string (argon2id with the crate's recommended parameters).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(hashing_failed)?;
    let mut raw_salt = [0u8; 64];
    let raw_salt = salt.decode_b64(&mut raw_salt).map_err(hashing_failed)?;
    let params = argon2::Params::default();
    let argon = Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params.clone(),
    );
    let mut out = [0u8; argon2::Params::DEFAULT_OUTPUT_LEN];
    argon2_into(&argon, &params, password.as_bytes(), raw_salt, &mut out)
        .map_err(hashing_failed)?;
    let hash = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(argon2::Version::V0x13.into()),
        params: argon2::password_hash::ParamsString::try_from(&params).map_err(hashing_failed)?,
        salt: Some(salt.as_salt()),
        hash: Some(argon2::password_hash::Output::new(&out).map_err(hashing_failed)?),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches a stored PHC string (compared in constant time).
pub fn verify_password(password: &str, hash: &str) -> bool {
    let check = || -> Option<bool> {
        let parsed = PasswordHash::new(hash).ok()?;
        let algorithm = argon2::Algorithm::try_from(parsed.algorithm).ok()?;
        let version = parsed
            .version
            .map(argon2::Version::try_from)
            .transpose()
            .ok()?
            .unwrap_or_default();
        let params = argon2::Params::try_from(&parsed).ok()?;
        let expected = parsed.hash?;
        let mut raw_salt = [0u8; 64];
        let raw_salt = parsed.salt?.decode_b64(&mut raw_salt).ok()?;
        let argon = Argon2::new(algorithm, version, params.clone());
        let mut out = vec![0u8; expected.len()];
        argon2_into(&argon, &params, password.as_bytes(), raw_salt, &mut out).ok()?;
        // `Output`'s equality is constant-time.
        Some(argon2::password_hash::Output::new(&out).ok()? == expected)
    };
    check().unwrap_or(false)
}

/// A hash no password matches, checked when the account is unknown (or has no password) so
/// that the answer takes as long as for a known one.
static DECOY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut random = [0u8; 32];
    rand::rng().fill_bytes(&mut random);
    hash_password(&URL_SAFE_NO_PAD.encode(random)).unwrap_or_default()
});

/// Where password hashes are computed: argon2 takes about 19 MiB and tens of milliseconds of a
/// core for each. They run on `workers` threads of their own, started once: at most that many
/// run at once, and the memory they take stays with those threads (a fresh thread per hash
/// would leave 19 MiB behind in each thread's allocator arena). At most `queue` wait; anyone
/// beyond that, or waiting longer than [`PasswordPool::MAX_WAIT`], is turned away with 503 and
/// `Retry-After`. A flood of sign-ins or resets costs bounded memory and leaves the rest of the
/// server its cores.
pub struct PasswordPool {
    running: std::sync::Arc<tokio::sync::Semaphore>,
    waiting: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    queue: usize,
    jobs: std::sync::mpsc::Sender<HashJob>,
}

/// Work for a hashing thread.
type HashJob = Box<dyn FnOnce() + Send>;

/// Starts `workers` threads that run hashing jobs until the pool is dropped.
fn hashing_threads(workers: usize) -> std::sync::mpsc::Sender<HashJob> {
    let (jobs, queue) = std::sync::mpsc::channel::<HashJob>();
    let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
    for n in 0..workers {
        let queue = std::sync::Arc::clone(&queue);
        let started = std::thread::Builder::new()
            .name(format!("passwords-{n}"))
            .spawn(move || {
                loop {
                    let job = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match job {
                        // A panicking hash costs its own request, not the thread.
                        Ok(job) => {
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                        Err(_) => return,
                    }
                }
            });
        if let Err(e) = started {
            tracing::error!(error = %e, "could not start a password hashing thread");
        }
    }
    jobs
}

/// Counts one waiter for as long as it waits (dropped with a request given up on, too).
struct Waiting(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl PasswordPool {
    /// The longest a hash waits for a worker.
    pub const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

    /// One worker per core and a queue of four per worker (the server's default).
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self::new(cores, 4 * cores)
    }

    pub fn new(workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        Self {
            running: std::sync::Arc::new(tokio::sync::Semaphore::new(workers)),
            waiting: std::sync::Arc::default(),
            queue,
            jobs: hashing_threads(workers),
        }
    }

    fn busy() -> AppError {
        AppError::client(
            bellhop_proto::ErrorCode::Unavailable,
            "the server is busy checking passwords; try again in a moment",
        )
    }

    /// Runs `work` on a hashing thread once one is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        use std::sync::atomic::Ordering;
        let waiters = self.waiting.fetch_add(1, Ordering::SeqCst);
        let waiting = Waiting(std::sync::Arc::clone(&self.waiting));
        if waiters >= self.queue {
            return Err(Self::busy());
        }
        let permit = tokio::time::timeout(
            Self::MAX_WAIT,
            std::sync::Arc::clone(&self.running).acquire_owned(),
        )
        .await
        .map_err(|_| Self::busy())?
        .map_err(|_| Self::busy())?;
        drop(waiting);
        let (done, result) = tokio::sync::oneshot::channel();
        let job: HashJob = Box::new(move || {
            let _permit = permit;
            let _ = done.send(work());
        });
        self.jobs.send(job).map_err(|_| {
            AppError::Other(anyhow::anyhow!("the password hashing threads stopped"))
        })?;
        result
            .await
            .map_err(|e| AppError::Other(anyhow::anyhow!("a password hash stopped: {e}")))
    }

    /// A new password's hash.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || hash_password(&password)).await?
    }

    /// Whether `password` matches `hash`; with no hash, the decoy is checked (and fails), so
    /// the answer takes as long either way.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, AppError> {
        self.run(move || match hash {
            Some(hash) => verify_password(&password, &hash),
            None => {
                verify_password(&password, &DECOY_HASH);
                false
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_password_pool_turns_callers_away_instead_of_queueing_them() -> anyhow::Result<()>
    {
        let pool = std::sync::Arc::new(PasswordPool::new(1, 1));
        let (started, began) = tokio::sync::oneshot::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let busy = {
            let pool = std::sync::Arc::clone(&pool);
            tokio::spawn(async move {
                pool.run(move || {
                    let _ = started.send(());
                    let _ = released.recv();
                })
                .await
            })
        };
        began.await?;
        // The one worker is busy: a second caller waits in the queue of one...
        let queued = {
            let pool = std::sync::Arc::clone(&pool);
            tokio::spawn(async move { pool.run(|| 2).await })
        };
        while pool.waiting.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        // ...and a third is turned away at once.
        let refused = pool.run(|| 3).await;
        assert!(
            matches!(
                &refused,
                Err(AppError::Client {
                    code: bellhop_proto::ErrorCode::Unavailable,
                    ..
                })
            ),
            "{refused:?}"
        );
        release.send(())?;
        busy.await??;
        assert_eq!(
            queued.await??,
            2,
            "the queued one ran once the worker was free"
        );
        assert!(
            !pool.verify("x".into(), None).await?,
            "the decoy matches nothing"
        );
        Ok(())
    }

    #[test]
    fn a_password_verifies_only_against_its_own_hash() -> Result<(), AppError> {
        let hash = hash_password("correct horse")?;
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        // A hash made by the crate's own hasher (as the demo world's were) verifies too.
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::encode_b64(b"sixteen bytes!!!").map_err(hashing_failed)?;
        let theirs = Argon2::default()
            .hash_password(b"battery staple", &salt)
            .map_err(hashing_failed)?
            .to_string();
        assert!(verify_password("battery staple", &theirs));
        assert!(!verify_password("battery stapler", &theirs));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        Ok(())
    }
}
