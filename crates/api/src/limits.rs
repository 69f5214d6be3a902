//! What the rate limits share: governor (GCRA, keyed, concurrent) telling the time by our
//! injected clock, how long a refused client is told to wait, and limits shared by the
//! replicas on one PostgreSQL database ([`Shared`]).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Duration;

use broadsheet_persistence::Store;
use broadsheet_persistence::db::Backend;
use broadsheet_persistence::rate_windows;

use broadsheet_domain::clock::Clock;
use chrono::DateTime;
use governor::NotUntil;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;

/// Our clock as governor reads it (the time since the Unix epoch), so that limits move with
/// the injected clock, a manual one in tests, like everything else that tells the time.
#[derive(Debug, Clone)]
pub(crate) struct ByClock(pub(crate) Clock);

impl governor::clock::Clock for ByClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        (self.0.now() - DateTime::UNIX_EPOCH)
            .to_std()
            .unwrap_or(Duration::ZERO)
    }
}

/// A keyed GCRA limiter on our clock.
pub(crate) type KeyedLimiter<K> =
    governor::RateLimiter<K, DefaultKeyedStateStore<K>, ByClock, NoOpMiddleware<Duration>>;

/// A keyed limiter of `quota`, on `clock`.
pub(crate) fn keyed<K: Hash + Eq + Clone>(
    quota: governor::Quota,
    clock: &ByClock,
) -> KeyedLimiter<K> {
    governor::RateLimiter::dashmap_with_clock(quota, clock.clone())
}

/// `Retry-After` for a refusal: the wait until a request would conform, in whole seconds
/// rounded up, and at least one (`Retry-After: 0` would invite an immediate retry).
pub(crate) fn retry_after(not_until: &NotUntil<Duration>, clock: &ByClock) -> u64 {
    use governor::clock::Clock as _;
    let wait = not_until.wait_time_from(clock.now());
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// A replica claims a shared limit this many parts at a time (see [`Shared`]).
const SHARE_CHUNKS: u32 = 20;

/// The most clients a [`Shared`] remembers; past it, those of earlier minutes are dropped.
const MAX_SHARED: usize = 10_000;

/// A limit in requests a clock minute that the replicas on one PostgreSQL database share
/// (on SQLite one process serves the file, and this admits everything: the process's own
/// limiter counts alone). A replica claims a twentieth of a client's limit at a time from the
/// database ([`rate_windows`]: one upsert, and claims are never granted past the limit in a
/// minute) and spends it in memory, so a check is a write once per chunk; once it finds the
/// minute spent it refuses locally until the next one, with no more writes. A chunk a replica
/// has not spent by the minute's end is lost. With `free_first`, each replica admits a
/// client's first chunk of each minute without claiming it: clients that make few requests
/// (most readers) never cost a write, and a client may then get up to R/20 of its limit more
/// than the limit behind R replicas.
pub(crate) struct Shared<K> {
    clock: Clock,
    free_first: bool,
    allowances: Mutex<HashMap<K, Allowance>>,
}

/// A replica's part of a client's shared limit in one clock minute.
#[derive(Debug, Clone, Copy)]
struct Allowance {
    window: i64,
    left: u32,
    spent: bool,
}

/// Why [`Shared::admit`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The minute's limit is spent: retry after this many seconds.
    Limited(u64),
    /// The database could not say.
    Unavailable,
}

impl<K: Hash + Eq + Copy> Shared<K> {
    pub(crate) fn new(clock: Clock, free_first: bool) -> Self {
        Self {
            clock,
            free_first,
            allowances: Mutex::default(),
        }
    }

    /// Counts a request of `client` (its bucket in the database named by `bucket`) against
    /// `limit` requests a minute shared by the replicas.
    pub(crate) async fn admit(
        &self,
        store: &Store,
        client: K,
        bucket: impl FnOnce() -> String,
        limit: u32,
    ) -> Result<(), Refused> {
        if store.backend() != Backend::Postgres {
            return Ok(());
        }
        let now = self.clock.now().timestamp();
        let window = now.div_euclid(60);
        let until_next = u64::try_from(60 - now.rem_euclid(60)).unwrap_or(60).max(1);
        let chunk = (limit / SHARE_CHUNKS).max(1);
        let fresh = Allowance {
            window,
            left: if self.free_first { chunk } else { 0 },
            spent: false,
        };
        {
            let mut allowances = self.lock();
            if allowances.len() >= MAX_SHARED {
                allowances.retain(|_, a| a.window == window);
            }
            let allowance = allowances.entry(client).or_insert(fresh);
            if allowance.window != window {
                *allowance = fresh;
            }
            if allowance.spent {
                return Err(Refused::Limited(until_next));
            }
            if allowance.left > 0 {
                allowance.left -= 1;
                return Ok(());
            }
        }
        let bucket = bucket();
        let granted = store
            .write(move |c| rate_windows::claim(c, &bucket, window, chunk, limit))
            .await
            .map_err(|_| Refused::Unavailable)?;
        let mut allowances = self.lock();
        let allowance = allowances.entry(client).or_insert(fresh);
        if allowance.window != window {
            *allowance = fresh;
        }
        if granted == 0 {
            allowance.spent = true;
            return Err(Refused::Limited(until_next));
        }
        allowance.left += granted - 1;
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Allowance>> {
        self.allowances.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use chrono::TimeDelta;

    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let clock = Clock::manual(broadsheet_domain::time::now());
        let by = ByClock(clock.clone());
        // One request every 20 seconds, no burst.
        let quota = governor::Quota::per_minute(NonZeroU32::new(3).expect("3"))
            .allow_burst(NonZeroU32::MIN);
        let limiter = keyed::<u8>(quota, &by);
        assert!(limiter.check_key(&1).is_ok());
        let refused = limiter.check_key(&1).expect_err("too soon");
        assert_eq!(retry_after(&refused, &by), 20);
        clock.advance(TimeDelta::milliseconds(19_500));
        let refused = limiter.check_key(&1).expect_err("still too soon");
        assert_eq!(retry_after(&refused, &by), 1, "half a second is one");
        clock.advance(TimeDelta::milliseconds(500));
        assert!(limiter.check_key(&1).is_ok());
    }
}
