//! Rate limits shared by replicas: how much of a limit's clock minute the replicas have
//! claimed between them. A replica claims a chunk of a limit at a time and spends it in
//! memory, so that a limit check is a database write once per chunk, not per request; the
//! claims are counted in one upsert, so two replicas claiming at once both count and neither
//! fails, and together they are never granted more than the limit in a window.

use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::StoreError;
use crate::db::{AnyConnection, on_inner};
use crate::schema::rate_windows;

/// Claims up to `chunk` requests of `bucket`'s window `window_start` (clock minutes since the
/// epoch, say), whose limit is `limit`; returns how many were granted (0 when the window's
/// limit is spent). The first claim of a window also deletes the bucket's earlier windows.
pub fn claim(
    conn: &mut AnyConnection,
    bucket: &str,
    window_start: i64,
    chunk: u32,
    limit: u32,
) -> Result<u32, StoreError> {
    let chunk = i64::from(chunk.max(1));
    // Claims are counted whole, granted or not: what was granted follows from the count
    // before this claim.
    let claimed: i64 = on_inner!(conn, |c| {
        diesel::insert_into(rate_windows::table)
            .values((
                rate_windows::bucket.eq(bucket),
                rate_windows::window_start.eq(window_start),
                rate_windows::used.eq(chunk),
            ))
            .on_conflict((rate_windows::bucket, rate_windows::window_start))
            .do_update()
            .set(rate_windows::used.eq(rate_windows::used + excluded(rate_windows::used)))
            .returning(rate_windows::used)
            .get_result(c)
    })?;
    if claimed == chunk {
        diesel::delete(
            rate_windows::table
                .filter(rate_windows::bucket.eq(bucket))
                .filter(rate_windows::window_start.lt(window_start)),
        )
        .execute(conn)?;
    }
    let before = claimed - chunk;
    let granted = (i64::from(limit) - before).clamp(0, chunk);
    Ok(u32::try_from(granted).unwrap_or(0))
}

/// Deletes the windows before `window_start` (a bucket's old windows otherwise go only when
/// it claims again); returns how many went.
pub fn prune(conn: &mut AnyConnection, window_start: i64) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(rate_windows::table.filter(rate_windows::window_start.lt(window_start)))
            .execute(conn)?,
    )
}
