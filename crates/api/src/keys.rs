//! Partner keys: checking a content key, and holding each key to its requests a minute.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use broadsheet_domain::clock::Clock;
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::Store;
use broadsheet_persistence::keys::{self, ApiKey};
use governor::{NotUntil, Quota};

use crate::limits::{self, ByClock, KeyedLimiter, Refused, Shared};

/// Why a key was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyRefusal {
    /// Not 26 hex characters, unknown, or revoked.
    Invalid,
    /// Over its limit; try again after this many seconds.
    Limited(u64),
    /// The database could not say.
    Unavailable,
}

/// Holds each key to its requests a minute (GCRA: a key's whole minute's worth at once, then
/// one request every minute / limit), in each process. On PostgreSQL the replicas also share
/// each key's limit: every clock minute, a key gets at most its limit across all of them. A
/// replica claims a twentieth of the limit at a time from the database ([`Shared`]) and
/// spends it in memory, so a check is a database write once per chunk; a chunk a replica
/// has not spent by the minute's end is lost, so with R replicas sharing a key's traffic the
/// key may be refused up to (R - 1) / 20 of its limit early (the documented tolerance).
///
/// It also remembers content keys as last read, for [`KEY_TTL`]: without that, a partner's
/// every request would cost a database read before the response cache is even asked. Revoking
/// a key through this process forgets them all at once ([`RateLimiter::forget_keys`]); a key
/// revoked by another replica or by the CLI stops working within [`KEY_TTL`].
pub struct RateLimiter {
    /// Tells when a key read has lapsed.
    clock: Clock,
    /// The same clock, for governor.
    ticks: ByClock,
    /// One keyed limiter per limit in use, since a governor limiter has one quota: a key
    /// whose limit is changed is counted by the limiter of its new limit from then on.
    by_limit: RwLock<HashMap<NonZeroU32, KeyedLimiter<i64>>>,
    /// Lets a key's use be recorded once a minute at most.
    uses: KeyedLimiter<i64>,
    /// Requests counted, to prune now and then.
    checks: AtomicU64,
    lookups: Mutex<Lookups>,
    /// Each key's limit as the replicas share it (PostgreSQL only; see above).
    shared: Shared<i64>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let limits = self.by_limit.read().map_or(0, |l| l.len());
        f.debug_struct("RateLimiter")
            .field("limits_in_use", &limits)
            .finish_non_exhaustive()
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new(Clock::system())
    }
}

/// Content keys as presented (`None`: no live key is that), with when they were read. Kept by
/// the key itself rather than its hash, so that a request whose key was read less than
/// [`KEY_TTL`] ago costs no SHA-256 (a tenth of a cached answer); like the requests that
/// carry them, they stay in memory and never reach a log (no `Debug`).
#[derive(Default)]
struct Lookups {
    keys: HashMap<String, (Timestamp, Option<ApiKey>)>,
    /// Moves on every [`RateLimiter::forget_keys`]: a lookup that started before it is not kept.
    generation: u64,
}

/// What a key's limit is counted over.
const WINDOW: Duration = Duration::from_secs(60);

/// How long a content key read from the database is trusted.
pub const KEY_TTL: Duration = Duration::from_secs(1);

/// The most lookups remembered (unknown keys included); past it, they are all dropped.
const MAX_LOOKUPS: usize = 10_000;

/// How often the limiters forget keys that are back to a full allowance (and drop limits
/// no key uses any more), so that memory follows the keys in use.
const PRUNE_EVERY: u64 = 4096;

/// How long `since` was before `now` (nothing if it is later: a clock set back).
fn elapsed(since: Timestamp, now: Timestamp) -> Duration {
    (now - since).to_std().unwrap_or(Duration::ZERO)
}

/// `limit` requests a minute, all of them at once if a key has been idle for a minute.
fn quota(limit: NonZeroU32) -> Quota {
    Quota::per_minute(limit).allow_burst(limit)
}

impl RateLimiter {
    /// A limiter telling the time by `clock`.
    pub fn new(clock: Clock) -> Self {
        let ticks = ByClock(clock.clone());
        Self {
            uses: limits::keyed(quota(NonZeroU32::MIN), &ticks),
            shared: Shared::new(clock.clone(), false),
            clock,
            ticks,
            by_limit: RwLock::default(),
            checks: AtomicU64::new(0),
            lookups: Mutex::default(),
        }
    }

    /// Counts a request of `key`; `Err(seconds)` when it is over its limit. `Ok(true)` when
    /// the key's use has not been recorded for a minute: a good moment to record it.
    fn admit(&self, key: &ApiKey) -> Result<bool, u64> {
        // No key is made with a limit of 0 (the service refuses it); one set so in the
        // database lets nothing through (governor has no quota of zero).
        let Some(limit) = NonZeroU32::new(key.rate_limit) else {
            return Err(WINDOW.as_secs());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.prune();
        }
        self.check(limit, key.id.0)
            .map_err(|not_until| limits::retry_after(&not_until, &self.ticks))?;
        Ok(self.uses.check_key(&key.id.0).is_ok())
    }

    /// Counts a request of key `id` against the limiter of `limit`, made on first use.
    fn check(&self, limit: NonZeroU32, id: i64) -> Result<(), NotUntil<Duration>> {
        // The lock is held while checking, so that `prune` never drops a limiter that is
        // counting a request.
        {
            let limiters = self.by_limit.read().unwrap_or_else(|p| p.into_inner());
            if let Some(limiter) = limiters.get(&limit) {
                return limiter.check_key(&id);
            }
        }
        let mut limiters = self.by_limit.write().unwrap_or_else(|p| p.into_inner());
        limiters
            .entry(limit)
            .or_insert_with(|| limits::keyed(quota(limit), &self.ticks))
            .check_key(&id)
    }

    /// Forgets keys whose allowance is full again (they count as new ones), and the limiters
    /// left with none.
    fn prune(&self) {
        self.uses.retain_recent();
        let mut limiters = self.by_limit.write().unwrap_or_else(|p| p.into_inner());
        limiters.retain(|_, limiter| {
            limiter.retain_recent();
            !limiter.is_empty()
        });
    }

    /// The key `presented` as read less than [`KEY_TTL`] ago, and the generation to
    /// [`remember`](Self::remember) a new reading under.
    fn remembered(&self, presented: &str) -> Result<Option<ApiKey>, u64> {
        let lookups = self.lookups.lock().unwrap_or_else(|p| p.into_inner());
        match lookups.keys.get(presented) {
            Some((read, found)) if elapsed(*read, self.clock.now()) < KEY_TTL => Ok(found.clone()),
            _ => Err(lookups.generation),
        }
    }

    fn remember(&self, presented: &str, found: Option<ApiKey>, generation: u64, read: Timestamp) {
        let mut lookups = self.lookups.lock().unwrap_or_else(|p| p.into_inner());
        if lookups.generation != generation {
            return;
        }
        if lookups.keys.len() >= MAX_LOOKUPS {
            lookups.keys.clear();
        }
        lookups.keys.insert(presented.to_owned(), (read, found));
    }

    /// Forgets every key read: call after revoking one, so it stops working at once.
    pub fn forget_keys(&self) {
        let mut lookups = self.lookups.lock().unwrap_or_else(|p| p.into_inner());
        lookups.generation += 1;
        lookups.keys.clear();
    }
}

pub use broadsheet_service::keys::{hash, well_formed};

/// Checks a content key and counts the request against its limit.
pub async fn admit(store: &Store, limiter: &RateLimiter, key: &str) -> Result<ApiKey, KeyRefusal> {
    if !well_formed(key) {
        return Err(KeyRefusal::Invalid);
    }
    let found = match limiter.remembered(key) {
        Ok(found) => found,
        Err(generation) => {
            let read = limiter.clock.now();
            let lookup = hash(key);
            let found = store
                .read(move |c| keys::content_key(c, &lookup))
                .await
                .map_err(|_| KeyRefusal::Unavailable)?;
            limiter.remember(key, found.clone(), generation, read);
            found
        }
    }
    .ok_or(KeyRefusal::Invalid)?;
    admit_key(store, limiter, &found).await?;
    Ok(found)
}

/// Counts a request of a known, live key against its limit, and records its use.
pub async fn admit_key(
    store: &Store,
    limiter: &RateLimiter,
    key: &ApiKey,
) -> Result<(), KeyRefusal> {
    let record_use = limiter.admit(key).map_err(KeyRefusal::Limited)?;
    let id = key.id.0;
    limiter
        .shared
        .admit(store, id, || format!("key:{id}"), key.rate_limit)
        .await
        .map_err(|refused| match refused {
            Refused::Limited(seconds) => KeyRefusal::Limited(seconds),
            Refused::Unavailable => KeyRefusal::Unavailable,
        })?;
    if record_use {
        let id = key.id;
        // Recorded once a minute at most: a write per request would cost more than the read.
        let now = limiter.clock.now();
        if let Err(error) = store.write(move |c| keys::touch(c, id, now)).await {
            tracing::warn!(%error, "could not record key use");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use broadsheet_domain::time::now;
    use chrono::TimeDelta;

    use super::*;

    fn key(limit: u32) -> ApiKey {
        ApiKey {
            id: broadsheet_domain::ids::ApiKeyId(1),
            kind: keys::KeyKind::Content,
            name: "p".into(),
            key_id: None,
            user: None,
            rate_limit: limit,
            created_at: now(),
            revoked_at: None,
            last_used_at: None,
        }
    }

    fn key_with(id: i64, limit: u32) -> ApiKey {
        ApiKey {
            id: broadsheet_domain::ids::ApiKeyId(id),
            ..key(limit)
        }
    }

    #[test]
    fn limits_per_minute() {
        let clock = Clock::manual(now());
        let limiter = RateLimiter::new(clock.clone());
        // Three a minute: all three at once, then one every twenty seconds.
        let k = key(3);
        assert_eq!(limiter.admit(&k), Ok(true), "the first use is recorded");
        assert_eq!(limiter.admit(&k), Ok(false));
        assert_eq!(limiter.admit(&k), Ok(false));
        assert_eq!(limiter.admit(&k), Err(20));
        clock.advance(TimeDelta::milliseconds(5_500));
        assert_eq!(limiter.admit(&k), Err(15), "rounded up");
        clock.advance(TimeDelta::milliseconds(14_500));
        assert_eq!(limiter.admit(&k), Ok(false), "one more, twenty seconds on");
        assert_eq!(limiter.admit(&k), Err(20));
        // Another key has its own allowance.
        assert_eq!(limiter.admit(&key_with(2, 3)), Ok(true));
        // A minute's rest: the whole allowance again, and the use recorded again.
        clock.advance(TimeDelta::minutes(1));
        assert_eq!(limiter.admit(&k), Ok(true));
        assert_eq!(limiter.admit(&k), Ok(false));
        assert_eq!(limiter.admit(&k), Ok(false));
        assert!(limiter.admit(&k).is_err());
        // A limit of 0 (only the database could hold one) lets nothing through.
        assert_eq!(limiter.admit(&key_with(3, 0)), Err(60));
    }

    #[test]
    fn a_changed_limit_applies_at_once() {
        let clock = Clock::manual(now());
        let limiter = RateLimiter::new(clock.clone());
        for _ in 0..2 {
            assert!(limiter.admit(&key(2)).is_ok());
        }
        assert_eq!(limiter.admit(&key(2)), Err(30));
        // Raised: counted under the new limit.
        assert_eq!(limiter.admit(&key(600)), Ok(false));
        // Lowered to one a minute: one request, then a minute's wait.
        assert_eq!(limiter.admit(&key(1)), Ok(false));
        assert_eq!(limiter.admit(&key(1)), Err(60));
    }

    #[test]
    fn pruning_forgets_keys_back_at_a_full_allowance() {
        let clock = Clock::manual(now());
        let limiter = RateLimiter::new(clock.clone());
        assert!(limiter.admit(&key_with(1, 3)).is_ok());
        assert!(limiter.admit(&key_with(2, 4)).is_ok());
        let in_use = |l: &RateLimiter| l.by_limit.read().map(|m| m.len()).unwrap_or(0);
        limiter.prune();
        assert_eq!(in_use(&limiter), 2, "both still counting");
        // (governor keeps a key one replenishment past a full allowance; the record of use
        // is replenished once a minute.)
        clock.advance(TimeDelta::minutes(2));
        limiter.prune();
        assert_eq!(in_use(&limiter), 0);
        assert!(limiter.uses.is_empty());
        // Forgotten keys start afresh.
        assert_eq!(limiter.admit(&key_with(1, 3)), Ok(true));
        assert_eq!(in_use(&limiter), 1);
    }

    #[test]
    fn keys_are_remembered_briefly_and_forgotten_on_revocation() {
        let clock = Clock::manual(now());
        let limiter = RateLimiter::new(clock.clone());
        let generation = limiter.remembered("h").expect_err("nothing read yet");
        limiter.remember("h", Some(key(3)), generation, clock.now());
        assert_eq!(
            limiter.remembered("h").ok().flatten().map(|k| k.id.0),
            Some(1)
        );
        // A revocation forgets everything, and a reading that started before it is not kept.
        let before = limiter.remembered("other").expect_err("unknown");
        limiter.forget_keys();
        assert!(limiter.remembered("h").is_err());
        limiter.remember("other", Some(key(3)), before, clock.now());
        assert!(limiter.remembered("other").is_err());
        // A reading lapses after KEY_TTL: the key is read again.
        let generation = limiter.remembered("old").expect_err("unknown");
        limiter.remember("old", None, generation, clock.now());
        let ttl = TimeDelta::from_std(KEY_TTL).expect("short");
        clock.advance(ttl - TimeDelta::microseconds(1));
        assert_eq!(limiter.remembered("old"), Ok(None));
        clock.advance(TimeDelta::microseconds(1));
        assert!(limiter.remembered("old").is_err());
    }

    #[test]
    fn key_shape() {
        assert!(well_formed("0123456789abcdef0123456789"));
        assert!(!well_formed("0123456789ABCDEF0123456789"));
        assert!(!well_formed("0123456789abcdef012345678"));
        assert!(!well_formed("0123456789abcdef012345678g"));
    }
}
