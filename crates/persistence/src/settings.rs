//! Values the server keeps for itself (its generated signing secret, for one).

use broadsheet_domain::time::Timestamp;
use diesel::prelude::*;

use crate::StoreError;
use crate::db::AnyConnection;
use crate::db::sql_types::DbTime;
use crate::schema::settings;
use crate::secrets::{Keyring, Unreadable, place};

/// The token-signing secret generated when none is configured.
pub const JWT_SECRET: &str = "jwt_secret";

/// The settings that are secrets: sealed with the master key when there is one.
pub const SECRETS: &[&str] = &[JWT_SECRET];

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

/// Like [`get_or_insert`], for a secret: `make()` is stored sealed with the keyring's master
/// key (if it has one), and what is stored is returned opened.
pub fn get_or_insert_secret(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    key: &str,
    now: Timestamp,
    make: impl FnOnce() -> String,
) -> Result<String, StoreError> {
    let place = place::setting(key);
    let unreadable = |error| {
        StoreError::internal(Unreadable {
            place: place.clone(),
            error,
        })
    };
    let stored = match get(conn, key)? {
        Some(stored) => stored,
        None => {
            let sealed = keyring.seal(&place, &make()).map_err(unreadable)?;
            get_or_insert(conn, key, now, || sealed)?
        }
    };
    keyring.open(&place, &stored).map_err(unreadable)
}
