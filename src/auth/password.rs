//! Password hashing with argon2id, off the async executor and on a bounded number of
//! threads: each hash takes ~20 MiB and tens of milliseconds of a core, so a flood of
//! sign-ins must queue here (briefly) rather than take every core and blocking thread.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use tokio::sync::Semaphore;

/// Longest a hash waits for a slot before the caller is told to come back.
const MAX_WAIT: Duration = Duration::from_secs(3);

/// Why a password could not be checked or hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every slot is taken and the queue is full (or moved too slowly).
    #[error("the service is busy checking passwords; try again in a second")]
    Busy,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// At most `slots` hashes at once, and at most `queue` waiting for one.
pub struct HashPool {
    slots: Semaphore,
    waiting: AtomicUsize,
    queue: usize,
}

impl HashPool {
    /// A pool of `slots` (0: one less than the CPU count, at least 1, so a core is left
    /// for everything else) with `queue` places to wait.
    pub fn new(slots: usize, queue: usize) -> HashPool {
        let slots = if slots > 0 {
            slots
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
        };
        HashPool {
            slots: Semaphore::new(slots),
            waiting: AtomicUsize::new(0),
            queue,
        }
    }

    /// A PHC-format argon2id hash of `password`.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
        })
        .await
    }

    /// Whether `password` matches the stored `phc` hash.
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, HashError> {
        self.run(move || {
            let parsed = PasswordHash::new(&phc)
                .map_err(|e| anyhow::anyhow!("stored password hash is malformed: {e}"))?;
            Ok(Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok())
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = match self.slots.try_acquire() {
            Ok(permit) => permit,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.queue {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(HashError::Busy);
                }
                let waited = tokio::time::timeout(MAX_WAIT, self.slots.acquire()).await;
                self.waiting.fetch_sub(1, Ordering::AcqRel);
                match waited {
                    Ok(Ok(permit)) => permit,
                    // Timed out, or the semaphore was closed (it never is).
                    _ => return Err(HashError::Busy),
                }
            }
        };
        let result = tokio::task::spawn_blocking(work)
            .await
            .context("password hashing task")?;
        drop(permit);
        Ok(result?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_is_refused_at_once() {
        let pool = std::sync::Arc::new(HashPool::new(1, 1));
        let hash = pool.hash("a password".into()).await.expect("hashes");
        assert!(pool
            .verify("a password".into(), hash.clone())
            .await
            .unwrap());
        assert!(!pool.verify("another".into(), hash.clone()).await.unwrap());
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let (pool, hash) = (pool.clone(), hash.clone());
                tokio::spawn(async move { pool.verify("x".into(), hash).await })
            })
            .collect();
        let mut busy = 0;
        for task in tasks {
            if matches!(task.await.unwrap(), Err(HashError::Busy)) {
                busy += 1;
            }
        }
        assert!(
            busy >= 2,
            "one runs, one waits, the rest are refused ({busy} refused)"
        );
    }
}
