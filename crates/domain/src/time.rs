//! Instants. Broadsheet stores and compares UTC instants at microsecond precision, the
//! finest both PostgreSQL and our SQLite encoding keep, so a value reads back exactly as it
//! was written.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// A point in time, in UTC.
pub type Timestamp = DateTime<Utc>;

/// The current instant, truncated to microseconds.
pub fn now() -> Timestamp {
    truncate(Utc::now())
}

/// `t` truncated to whole microseconds.
pub fn truncate(t: Timestamp) -> Timestamp {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    #[test]
    fn now_has_no_sub_microsecond_part() {
        assert_eq!(now().nanosecond() % 1_000, 0);
    }
}
