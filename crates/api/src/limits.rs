//! What the rate limits share: governor (GCRA, keyed, concurrent) telling the time by our
//! injected clock, and how long a refused client is told to wait.

use std::hash::Hash;
use std::time::Duration;

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
