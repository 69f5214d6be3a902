//! One build at a time per missing response: when many clients ask for the same response
//! while it is not cached (it has just been invalidated by a write, or the server has just
//! started), the first builds it and the others wait for it and are answered from the cache,
//! instead of each running the same queries (a "thundering herd": 32 clients on a just-changed
//! home page made 32 identical builds, every one slower for sharing the database with the
//! rest).
//!
//! A waiter waits once, and at most [`MAX_WAIT`]: when the build it waited for kept nothing
//! (an answer that cannot be cached, an error, a write meanwhile), it builds on its own at
//! once, as every client did before, rather than queueing behind the next one. So an answer
//! that is never cached is never built one client at a time.
//!
//! The lanes live in a map of the builds in progress, not in the cache: a miss costs one
//! insertion and one removal; a hit, nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The longest a client waits for another's build of the same response before building it
/// itself. A build is bounded by the request deadline anyway; this only bounds a stuck one.
pub const MAX_WAIT: Duration = Duration::from_secs(10);

/// The builds in progress, by cache key.
#[derive(Debug, Default)]
pub(super) struct Flights {
    lanes: Arc<Mutex<HashMap<Box<str>, Lane>>>,
}

/// One build in progress: locked by its builder until the build ends.
type Lane = Arc<tokio::sync::Mutex<()>>;

/// Held by the client building a response: while it is held, others asking for the same key
/// wait. Dropped when the build ends, kept or not (with the ticket that carries it).
#[derive(Debug)]
pub struct Flight {
    key: Box<str>,
    lane: Lane,
    lanes: Arc<Mutex<HashMap<Box<str>, Lane>>>,
    /// Released last (fields drop in order): the lane leaves the map before waiters wake.
    _building: tokio::sync::OwnedMutexGuard<()>,
}

/// What [`Flights::join`] found.
#[derive(Debug)]
pub(super) enum Joined {
    /// No build of the key was in progress: this client builds it.
    Lead(Flight),
    /// Another client's build ended (or took longer than [`MAX_WAIT`]): look again.
    Waited,
}

impl Flights {
    fn lanes(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Lane>> {
        self.lanes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Leads the build of `key`, or waits for the one in progress to end.
    pub async fn join(&self, key: &str) -> Joined {
        let lane = {
            let mut lanes = self.lanes();
            match lanes.get(key) {
                Some(lane) => Arc::clone(lane),
                None => {
                    let lane = Lane::default();
                    let Ok(building) = Arc::clone(&lane).try_lock_owned() else {
                        // A new lane's lock is free; were it not, build without leading.
                        return Joined::Waited;
                    };
                    lanes.insert(key.into(), Arc::clone(&lane));
                    return Joined::Lead(Flight {
                        key: key.into(),
                        lane,
                        lanes: Arc::clone(&self.lanes),
                        _building: building,
                    });
                }
            }
        };
        // Ended, or stuck: either way, look again (and build alone if still missing).
        let ended = tokio::time::timeout(MAX_WAIT, lane.lock()).await;
        if ended.is_err() {
            tracing::debug!("waited {MAX_WAIT:?} for another build of a response; building it");
        }
        Joined::Waited
    }

    /// How many builds are in progress.
    #[cfg(test)]
    pub fn in_progress(&self) -> usize {
        self.lanes().len()
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        let mut lanes = self.lanes.lock().unwrap_or_else(|p| p.into_inner());
        if lanes
            .get(&*self.key)
            .is_some_and(|lane| Arc::ptr_eq(lane, &self.lane))
        {
            lanes.remove(&*self.key);
        }
    }
}
