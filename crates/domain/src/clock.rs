//! The one source of "now".
//!
//! Everything that decides by the time (what is live, what is due, when a token or a cache
//! entry expires) asks a [`Clock`] handed down from startup instead of the system. Production
//! runs on [`Clock::system`]; tests build a [`Clock::manual`] and move it forward with
//! [`Clock::advance`], so they never sleep to wait for time to pass.

use std::fmt;
use std::sync::{Arc, Mutex};

use chrono::TimeDelta;

use crate::time::{Timestamp, truncate};

/// A source of the current instant, cheap to clone and share.
#[derive(Clone)]
pub struct Clock(Source);

#[derive(Clone)]
enum Source {
    System,
    Manual(Arc<Mutex<Timestamp>>),
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Self(Source::System)
    }

    /// A clock that stands at `at` until moved with [`advance`](Self::advance) or
    /// [`set`](Self::set); its clones move with it.
    pub fn manual(at: Timestamp) -> Self {
        Self(Source::Manual(Arc::new(Mutex::new(truncate(at)))))
    }

    /// The current instant, truncated to microseconds (what the database keeps).
    pub fn now(&self) -> Timestamp {
        match &self.0 {
            Source::System => crate::time::now(),
            Source::Manual(at) => *at.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    /// Whether this is a manual clock (tests).
    pub fn is_manual(&self) -> bool {
        matches!(self.0, Source::Manual(_))
    }

    /// Moves a manual clock forward by `by`; the system clock moves by itself and ignores it.
    pub fn advance(&self, by: TimeDelta) {
        if let Source::Manual(at) = &self.0 {
            let mut at = at.lock().unwrap_or_else(|p| p.into_inner());
            *at = truncate(*at + by);
        }
    }

    /// Sets a manual clock to `to`; the system clock ignores it.
    pub fn set(&self, to: Timestamp) {
        if let Source::Manual(at) = &self.0 {
            *at.lock().unwrap_or_else(|p| p.into_inner()) = truncate(to);
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::System => f.write_str("Clock::system"),
            Source::Manual(_) => write!(f, "Clock::manual({})", self.now()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone as _, Utc};

    #[test]
    fn a_manual_clock_moves_only_when_told_and_its_clones_with_it() {
        let start = Utc
            .with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
            .single()
            .expect("valid");
        let clock = Clock::manual(start);
        let clone = clock.clone();
        assert_eq!(clock.now(), start);
        clock.advance(TimeDelta::minutes(5));
        assert_eq!(clone.now(), start + TimeDelta::minutes(5));
        clone.set(start);
        assert_eq!(clock.now(), start);
    }

    #[test]
    fn the_system_clock_follows_the_system() {
        let clock = Clock::system();
        let before = crate::time::now();
        clock.advance(TimeDelta::days(1));
        let read = clock.now();
        assert!(read >= before && read <= crate::time::now());
    }
}
