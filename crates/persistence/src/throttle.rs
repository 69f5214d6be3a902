//! Counting failed sign-ins per key (an account, an address) in a window of time, in the
//! database, so that every replica sees the same count.

use broadsheet_domain::time::Timestamp;
use chrono::TimeDelta;
use diesel::prelude::*;

use crate::StoreError;
use crate::db::AnyConnection;
use crate::db::sql_types::DbTime;
use crate::schema::login_throttle;

/// Failures counted for `key` in the window ending `now`.
pub fn failures(
    conn: &mut AnyConnection,
    key: &str,
    now: Timestamp,
    window: TimeDelta,
) -> Result<i64, StoreError> {
    let row: Option<(i32, DbTime)> = login_throttle::table
        .find(key)
        .select((login_throttle::failures, login_throttle::window_started_at))
        .first(conn)
        .optional()?;
    Ok(match row {
        Some((n, started)) if started.0 + window > now => i64::from(n),
        _ => 0,
    })
}

/// Counts one more failure for `key`; returns the count in the current window.
pub fn record_failure(
    conn: &mut AnyConnection,
    key: &str,
    now: Timestamp,
    window: TimeDelta,
) -> Result<i64, StoreError> {
    conn.transaction(|c| {
        let current = failures(c, key, now, window)?;
        diesel::delete(login_throttle::table.find(key)).execute(c)?;
        let (count, started) = if current == 0 {
            (1, now)
        } else {
            let started: DbTime = login_throttle::table
                .find(key)
                .select(login_throttle::window_started_at)
                .first(c)
                .optional()?
                .unwrap_or(DbTime(now));
            (current + 1, started.0)
        };
        diesel::insert_into(login_throttle::table)
            .values((
                login_throttle::key.eq(key),
                login_throttle::failures.eq(i32::try_from(count).unwrap_or(i32::MAX)),
                login_throttle::window_started_at.eq(DbTime(started)),
            ))
            .execute(c)?;
        Ok(count)
    })
}

/// Forgets the failures of `key` (after a successful sign-in).
pub fn clear(conn: &mut AnyConnection, key: &str) -> Result<(), StoreError> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}

/// Deletes the failures counted in windows that started before `before` (call it with a time
/// a window's length ago: those windows have ended, and count for nothing). Returns how many
/// rows went.
pub fn prune(conn: &mut AnyConnection, before: Timestamp) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        login_throttle::table.filter(login_throttle::window_started_at.lt(DbTime(before))),
    )
    .execute(conn)?)
}
