//! The loop of a background task (the scheduler, the webhook worker, the cache's refresher,
//! maintenance): a pass, then a wait of its interval, again and again; and a way to make it
//! run a pass now and to know when that pass is done.
//!
//! Tests move a manual [`Clock`](broadsheet_domain::clock::Clock) forward and then call
//! [`Pulse::run_now`]: the task runs with the new time at once, and the test goes on when
//! the pass has finished, instead of sleeping through the interval and hoping it ran.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, watch};

/// One background task's loop control, cheap to clone: the task holds one clone, whoever
/// wants to wake it another.
#[derive(Debug, Clone)]
pub struct Pulse(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    /// Wakes the task from its wait.
    wake: Notify,
    /// Moves on every [`Pulse::run_now`]: the number of the latest request for a pass.
    requested: AtomicU64,
    /// The request number the latest finished pass had seen when it began.
    finished: watch::Sender<u64>,
}

/// A pass under way, begun with [`Pulse::begin`]; hand it back to [`Pulse::finish`].
#[derive(Debug)]
#[must_use = "hand it to Pulse::finish when the pass is done"]
pub struct Pass(u64);

impl Default for Pulse {
    fn default() -> Self {
        Self(Arc::new(Inner {
            wake: Notify::new(),
            requested: AtomicU64::new(0),
            finished: watch::Sender::new(0),
        }))
    }
}

impl Pulse {
    /// A pulse for a new task.
    pub fn new() -> Self {
        Self::default()
    }

    /// Called by the task as a pass begins: it answers every request made until now.
    pub fn begin(&self) -> Pass {
        Pass(self.0.requested.load(Ordering::SeqCst))
    }

    /// Called by the task when the pass has finished (whether or not it succeeded).
    pub fn finish(&self, pass: Pass) {
        self.0.finished.send_if_modified(|seen| {
            let moved = pass.0 > *seen;
            *seen = (*seen).max(pass.0);
            moved
        });
    }

    /// The task's wait between passes: `interval`, or less if woken.
    pub async fn wait(&self, interval: Duration) {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = self.0.wake.notified() => {}
        }
    }

    /// Makes the task run a pass now (or as soon as the one under way ends), without waiting
    /// for it. Callable from any thread.
    pub fn wake(&self) {
        self.0.requested.fetch_add(1, Ordering::SeqCst);
        self.0.wake.notify_one();
    }

    /// Makes the task run a pass now (or as soon as the one under way ends), and returns
    /// once a pass that began after this call has finished. Never returns if the task is not
    /// running.
    pub async fn run_now(&self) {
        let mut finished = self.0.finished.subscribe();
        let request = self.0.requested.fetch_add(1, Ordering::SeqCst) + 1;
        // A pass under way began before the request: the stored permit makes the task's
        // next wait end at once, and that next pass answers it.
        self.0.wake.notify_one();
        // The sender lives as long as `self`: this cannot fail.
        let _ = finished.wait_for(|seen| *seen >= request).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use tokio::sync::Semaphore;

    use super::*;

    /// Lets every other task run as far as it can.
    async fn settle() {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
    }

    /// A pass already under way when `run_now` is called does not answer it: the next one
    /// does, and starts at once.
    #[tokio::test]
    async fn run_now_waits_for_a_pass_begun_after_it() {
        let (pulse, passes, gate) = (
            Pulse::new(),
            Arc::new(AtomicUsize::new(0)),
            Arc::new(Semaphore::new(0)),
        );
        // Each pass waits at the gate; between passes, an hour.
        let task = tokio::spawn({
            let (pulse, passes, gate) = (pulse.clone(), Arc::clone(&passes), Arc::clone(&gate));
            async move {
                loop {
                    let pass = pulse.begin();
                    gate.acquire().await.expect("open").forget();
                    passes.fetch_add(1, Ordering::SeqCst);
                    pulse.finish(pass);
                    pulse.wait(Duration::from_secs(3600)).await;
                }
            }
        });
        settle().await;
        let asked = tokio::spawn({
            let pulse = pulse.clone();
            async move { pulse.run_now().await }
        });
        settle().await;
        gate.add_permits(1);
        settle().await;
        assert_eq!(passes.load(Ordering::SeqCst), 1);
        assert!(!asked.is_finished(), "answered by a pass begun before it");
        gate.add_permits(1);
        asked.await.expect("answered");
        assert_eq!(passes.load(Ordering::SeqCst), 2);
        task.abort();
    }
}
