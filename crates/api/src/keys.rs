//! Partner keys: checking a content key, and holding each key to its requests a minute.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use broadsheet_domain::clock::Clock;
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::Store;
use broadsheet_persistence::keys::{self, ApiKey};

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

/// Per-key request counts in one-minute windows, per process. (Behind a load balancer each
/// replica counts on its own, so a key's real limit is its limit times the replicas.)
///
/// It also remembers content keys as last read, for [`KEY_TTL`]: without that, a partner's
/// every request would cost a database read before the response cache is even asked. Revoking
/// a key through this process forgets them all at once ([`RateLimiter::forget_keys`]); a key
/// revoked by another replica or by the CLI stops working within [`KEY_TTL`].
#[derive(Debug, Default)]
pub struct RateLimiter {
    /// Tells when a window ends and when a key read has lapsed.
    clock: Clock,
    windows: Mutex<HashMap<i64, (Timestamp, u32)>>,
    lookups: Mutex<Lookups>,
}

/// Content keys by hash (`None`: no live key has it), with when they were read.
#[derive(Debug, Default)]
struct Lookups {
    keys: HashMap<String, (Timestamp, Option<ApiKey>)>,
    /// Moves on every [`RateLimiter::forget_keys`]: a lookup that started before it is not kept.
    generation: u64,
}

const WINDOW: Duration = Duration::from_secs(60);

/// How long a content key read from the database is trusted.
pub const KEY_TTL: Duration = Duration::from_secs(1);

/// The most lookups remembered (unknown keys included); past it, they are all dropped.
const MAX_LOOKUPS: usize = 10_000;

/// How long `since` was before `now` (nothing if it is later: a clock set back).
fn elapsed(since: Timestamp, now: Timestamp) -> Duration {
    (now - since).to_std().unwrap_or(Duration::ZERO)
}

impl RateLimiter {
    /// A limiter telling the time by `clock`.
    pub fn new(clock: Clock) -> Self {
        Self {
            clock,
            windows: Mutex::default(),
            lookups: Mutex::default(),
        }
    }

    /// Counts a request of `key`; `Err(seconds)` when it is over its limit. The first request
    /// of each window returns `Ok(true)`: a good moment to record that the key was used.
    fn admit(&self, key: &ApiKey) -> Result<bool, u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let now = self.clock.now();
        let entry = windows.entry(key.id.0).or_insert((now, 0));
        let fresh = elapsed(entry.0, now) >= WINDOW || entry.1 == 0;
        if elapsed(entry.0, now) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= key.rate_limit {
            let left = WINDOW.saturating_sub(elapsed(entry.0, now));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(fresh)
    }

    /// The key with this hash as read less than [`KEY_TTL`] ago, and the generation to
    /// [`remember`](Self::remember) a new reading under.
    fn remembered(&self, hash: &str) -> Result<Option<ApiKey>, u64> {
        let lookups = self.lookups.lock().unwrap_or_else(|p| p.into_inner());
        match lookups.keys.get(hash) {
            Some((read, found)) if elapsed(*read, self.clock.now()) < KEY_TTL => Ok(found.clone()),
            _ => Err(lookups.generation),
        }
    }

    fn remember(&self, hash: String, found: Option<ApiKey>, generation: u64, read: Timestamp) {
        let mut lookups = self.lookups.lock().unwrap_or_else(|p| p.into_inner());
        if lookups.generation != generation {
            return;
        }
        if lookups.keys.len() >= MAX_LOOKUPS {
            lookups.keys.clear();
        }
        lookups.keys.insert(hash, (read, found));
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
    let hash = hash(key);
    let found = match limiter.remembered(&hash) {
        Ok(found) => found,
        Err(generation) => {
            let read = limiter.clock.now();
            let lookup = hash.clone();
            let found = store
                .read(move |c| keys::content_key(c, &lookup))
                .await
                .map_err(|_| KeyRefusal::Unavailable)?;
            limiter.remember(hash, found.clone(), generation, read);
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
    let first_in_window = limiter.admit(key).map_err(KeyRefusal::Limited)?;
    if first_in_window {
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

    #[test]
    fn limits_per_minute() {
        let clock = Clock::manual(now());
        let limiter = RateLimiter::new(clock.clone());
        let k = key(3);
        assert_eq!(limiter.admit(&k), Ok(true));
        assert_eq!(limiter.admit(&k), Ok(false));
        clock.advance(TimeDelta::seconds(20));
        assert_eq!(limiter.admit(&k), Ok(false));
        assert_eq!(limiter.admit(&k), Err(40));
        clock.advance(TimeDelta::seconds(40));
        assert_eq!(limiter.admit(&k), Ok(true), "a new window");
    }

    #[test]
    fn keys_are_remembered_briefly_and_forgotten_on_revocation() {
        let clock = Clock::manual(now());
        let limiter = RateLimiter::new(clock.clone());
        let generation = limiter.remembered("h").expect_err("nothing read yet");
        limiter.remember("h".into(), Some(key(3)), generation, clock.now());
        assert_eq!(
            limiter.remembered("h").ok().flatten().map(|k| k.id.0),
            Some(1)
        );
        // A revocation forgets everything, and a reading that started before it is not kept.
        let before = limiter.remembered("other").expect_err("unknown");
        limiter.forget_keys();
        assert!(limiter.remembered("h").is_err());
        limiter.remember("other".into(), Some(key(3)), before, clock.now());
        assert!(limiter.remembered("other").is_err());
        // A reading lapses after KEY_TTL: the key is read again.
        let generation = limiter.remembered("old").expect_err("unknown");
        limiter.remember("old".into(), None, generation, clock.now());
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
