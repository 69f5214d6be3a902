//! Values the server keeps for itself (its generated signing secret, for one).

use broadsheet_domain::time::Timestamp;
use diesel::prelude::*;

use crate::StoreError;
use crate::db::AnyConnection;
use crate::db::sql_types::DbTime;
use crate::schema::settings;

/// The value of `key`, if set.
pub fn get(conn: &mut AnyConnection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()?)
}

/// The value of `key`; if it has none, `make()` is stored and returned. When two processes
/// race, both end up with the value stored first.
pub fn get_or_insert(
    conn: &mut AnyConnection,
    key: &str,
    now: Timestamp,
    make: impl FnOnce() -> String,
) -> Result<String, StoreError> {
    if let Some(value) = get(conn, key)? {
        return Ok(value);
    }
    let inserted = diesel::insert_into(settings::table)
        .values((
            settings::key.eq(key),
            settings::value.eq(make()),
            settings::updated_at.eq(DbTime(now)),
        ))
        .execute(conn);
    match inserted {
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => get(conn, key)?.ok_or_else(|| StoreError::internal("setting vanished")),
        Err(e) => Err(e.into()),
    }
}
