//! Password hashing and checking, on a small pool of its own.
//!
//! argon2 is slow on purpose (tens of milliseconds of CPU and 19 MiB each). Done inside a
//! database transaction it held the write lock (on SQLite, every writer waited behind every
//! sign-in); done on an HTTP worker it stalled that worker's other requests. Here it runs on
//! the blocking pool, outside any transaction, at most one per core at a time: a burst of
//! sign-ins queues here, and everything else goes on.

use std::sync::LazyLock;

use broadsheet_domain::author::{Password, PasswordHash};
use tokio::sync::Semaphore;

static SLOTS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    Semaphore::new(cores.clamp(1, 4))
});

/// Runs `work` (which hashes or checks a password) in one of the pool's slots.
pub async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    // The semaphore is never closed: acquiring cannot fail.
    let _slot = SLOTS.acquire().await.ok();
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(join) => std::panic::resume_unwind(join.into_panic()),
    }
}

/// Whether `password` matches `hash`.
pub async fn verify(hash: PasswordHash, password: String) -> bool {
    run(move || hash.verify(&password)).await
}

/// The hash of a valid password.
pub async fn hash(password: Password) -> PasswordHash {
    run(move || password.hash()).await
}
