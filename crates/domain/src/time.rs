//! Instants. Broadsheet stores and compares UTC instants at microsecond precision, the
//! finest both PostgreSQL and our SQLite encoding keep, so a value reads back exactly as it
//! was written.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use crate::ValidationError;

/// A point in time, in UTC.
pub type Timestamp = DateTime<Utc>;

/// The earliest instant a value may name: 0000-01-01T00:00:00Z. SQLite's fixed-width text
/// orders only four-digit years, and PostgreSQL refuses years before 4713 BC outright, so an
/// instant outside years 0 to 9999 (what RFC 3339, and so GraphQL's `DateTime`, can write)
/// could only compare wrongly or fail.
pub const MIN_STORED: Timestamp = match DateTime::from_timestamp(-62_167_219_200, 0) {
    Some(t) => t,
    None => DateTime::<Utc>::MIN_UTC,
};

/// The latest instant a value may name: 9999-12-31T23:59:59.999999Z (see [`MIN_STORED`]).
pub const MAX_STORED: Timestamp = match DateTime::from_timestamp(253_402_300_799, 999_999_000) {
    Some(t) => t,
    None => DateTime::<Utc>::MAX_UTC,
};

/// Whether `t` is within [`MIN_STORED`] and [`MAX_STORED`].
pub fn storable(t: Timestamp) -> bool {
    (MIN_STORED..=MAX_STORED).contains(&t)
}

/// `t`, or an error about `field` when it is not [`storable`].
pub fn check_storable(field: &'static str, t: Timestamp) -> Result<Timestamp, ValidationError> {
    if storable(t) {
        Ok(t)
    } else {
        Err(ValidationError::new(
            field,
            "must be between the years 0 and 9999",
        ))
    }
}

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
    use chrono::{Datelike as _, Timelike};

    #[test]
    fn the_stored_range_is_four_digit_years() {
        assert_eq!(
            (MIN_STORED.year(), MIN_STORED.month(), MIN_STORED.day()),
            (0, 1, 1)
        );
        assert_eq!(MIN_STORED.num_seconds_from_midnight(), 0);
        assert_eq!(MAX_STORED.to_rfc3339(), "9999-12-31T23:59:59.999999+00:00");
    }

    #[test]
    fn now_has_no_sub_microsecond_part() {
        assert_eq!(now().nanosecond() % 1_000, 0);
    }
}
