//! Counting failed attempts (sign-ins, password checks) per key in the database, so that every
//! replica sees the same count. A run of failures lasts while each comes within `window` of
//! the one before; the caller decides what a count means (see `auth::session` in the api
//! crate for the delays).

use broadsheet_domain::time::Timestamp;
use chrono::TimeDelta;
use diesel::dsl::case_when;
use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::StoreError;
use crate::db::sql_types::DbTime;
use crate::db::{AnyConnection, MultiBackend, on_inner};
use crate::schema::login_throttle;

/// The run of failures of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    /// How many, in a row, each within the window of the one before.
    pub count: i64,
    /// When the last one was.
    pub last: Option<Timestamp>,
}

/// A `login_throttle` row, without its key.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = login_throttle, check_for_backend(MultiBackend))]
struct RunRow {
    failures: i32,
    window_started_at: DbTime,
    last_failed_at: Option<DbTime>,
}

/// The current run of failures of `key` (none if the last was longer than `window` ago).
pub fn failures(
    conn: &mut AnyConnection,
    key: &str,
    now: Timestamp,
    window: TimeDelta,
) -> Result<Failures, StoreError> {
    let row: Option<RunRow> = login_throttle::table
        .find(key)
        .select(RunRow::as_select())
        .first(conn)
        .optional()?;
    Ok(match row {
        Some(run) => {
            let last = run.last_failed_at.unwrap_or(run.window_started_at).0;
            if last + window > now {
                Failures {
                    count: i64::from(run.failures),
                    last: Some(last),
                }
            } else {
                Failures::default()
            }
        }
        None => Failures::default(),
    })
}

/// Counts one more failure for `key`, in one statement (an upsert: two replicas recording at
/// once both count, and neither fails); returns the new run.
pub fn record_failure(
    conn: &mut AnyConnection,
    key: &str,
    now: Timestamp,
    window: TimeDelta,
) -> Result<Failures, StoreError> {
    let cutoff = DbTime(now - window);
    let at = DbTime(now);
    let count: i32 = on_inner!(conn, |c| {
        diesel::insert_into(login_throttle::table)
            .values((
                login_throttle::key.eq(key),
                login_throttle::failures.eq(1),
                login_throttle::window_started_at.eq(at),
                login_throttle::last_failed_at.eq(Some(at)),
            ))
            .on_conflict(login_throttle::key)
            .do_update()
            .set((
                // A run goes on while failures come within the window of the last one.
                login_throttle::failures.eq(case_when(
                    login_throttle::last_failed_at.gt(cutoff),
                    login_throttle::failures + 1,
                )
                .otherwise(1)),
                login_throttle::window_started_at.eq(case_when(
                    login_throttle::last_failed_at.gt(cutoff),
                    login_throttle::window_started_at,
                )
                .otherwise(excluded(login_throttle::window_started_at))),
                login_throttle::last_failed_at.eq(excluded(login_throttle::last_failed_at)),
            ))
            .returning(login_throttle::failures)
            .get_result(c)
    })?;
    Ok(Failures {
        count: i64::from(count),
        last: Some(now),
    })
}

/// Forgets the failures of `key` (after a success).
pub fn clear(conn: &mut AnyConnection, key: &str) -> Result<(), StoreError> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}

/// Deletes the runs whose last failure was before `before` (call it with a time a window's
/// length ago: those runs have ended, and count for nothing). A run still going, however long
/// ago it started, stays. Returns how many rows went.
pub fn prune(conn: &mut AnyConnection, before: Timestamp) -> Result<usize, StoreError> {
    let before = DbTime(before);
    Ok(diesel::delete(
        login_throttle::table.filter(
            login_throttle::last_failed_at
                .lt(before)
                .or(login_throttle::last_failed_at
                    .is_null()
                    .and(login_throttle::window_started_at.lt(before))),
        ),
    )
    .execute(conn)?)
}
