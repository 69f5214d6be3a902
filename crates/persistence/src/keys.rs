//! API keys: content keys for partners (read-only, rate-limited) and integration keys that
//! act as a staff account.

use broadsheet_domain::ids::AuthorId;
use broadsheet_domain::time::Timestamp;
use diesel::prelude::*;

use crate::StoreError;
use crate::db::AnyConnection;
use crate::db::sql_types::DbTime;
use crate::schema::api_keys;
use crate::secrets::{Keyring, Unreadable, place};

/// The two kinds of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Read-only, sent as `?key=` (Ghost's Content API key).
    Content,
    /// `{id}:{secret}`, signs short-lived tokens, acts as a staff account.
    Integration,
}

impl KeyKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Content => "content",
            Self::Integration => "integration",
        }
    }
}

/// A stored key, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Row id.
    pub id: i64,
    /// Content or integration.
    pub kind: KeyKind,
    /// Whose it is ("Partner Times").
    pub name: String,
    /// For integration keys, the public half (`kid`).
    pub key_id: Option<String>,
    /// For integration keys, the account it acts as.
    pub user: Option<AuthorId>,
    /// Requests a minute.
    pub rate_limit: u32,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
    /// When it was last used (recorded at most once a minute).
    pub last_used_at: Option<Timestamp>,
}

type KeyRow = (
    i64,
    String,
    String,
    Option<String>,
    Option<i64>,
    i32,
    DbTime,
    Option<DbTime>,
    Option<DbTime>,
);

const COLUMNS: (
    api_keys::id,
    api_keys::kind,
    api_keys::name,
    api_keys::key_id,
    api_keys::user_id,
    api_keys::rate_limit,
    api_keys::created_at,
    api_keys::revoked_at,
    api_keys::last_used_at,
) = (
    api_keys::id,
    api_keys::kind,
    api_keys::name,
    api_keys::key_id,
    api_keys::user_id,
    api_keys::rate_limit,
    api_keys::created_at,
    api_keys::revoked_at,
    api_keys::last_used_at,
);

fn key(
    (id, kind, name, key_id, user, rate_limit, created_at, revoked_at, last_used_at): KeyRow,
) -> ApiKey {
    ApiKey {
        id,
        kind: if kind == "integration" {
            KeyKind::Integration
        } else {
            KeyKind::Content
        },
        name,
        key_id,
        user: user.map(AuthorId),
        rate_limit: u32::try_from(rate_limit).unwrap_or(0),
        created_at: created_at.0,
        revoked_at: revoked_at.map(|t| t.0),
        last_used_at: last_used_at.map(|t| t.0),
    }
}

fn limit(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Stores a content key by the hash of its value.
pub fn create_content(
    conn: &mut AnyConnection,
    name: &str,
    key_hash: &str,
    rate_limit: u32,
    now: Timestamp,
) -> Result<ApiKey, StoreError> {
    let row: KeyRow = diesel::insert_into(api_keys::table)
        .values((
            api_keys::kind.eq(KeyKind::Content.as_str()),
            api_keys::name.eq(name),
            api_keys::key_hash.eq(key_hash),
            api_keys::rate_limit.eq(limit(rate_limit)),
            api_keys::created_at.eq(DbTime(now)),
        ))
        .returning(COLUMNS)
        .get_result(conn)?;
    Ok(key(row))
}

/// Stores an integration key acting as `user`, its secret sealed with the keyring's master
/// key if it has one.
#[allow(clippy::too_many_arguments)]
pub fn create_integration(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    name: &str,
    key_id: &str,
    secret: &str,
    user: AuthorId,
    rate_limit: u32,
    now: Timestamp,
) -> Result<ApiKey, StoreError> {
    let place = place::api_key(key_id);
    let secret = keyring
        .seal(&place, secret)
        .map_err(|error| StoreError::internal(Unreadable { place, error }))?;
    let row: KeyRow = diesel::insert_into(api_keys::table)
        .values((
            api_keys::kind.eq(KeyKind::Integration.as_str()),
            api_keys::name.eq(name),
            api_keys::key_id.eq(key_id),
            api_keys::secret.eq(secret),
            api_keys::user_id.eq(user.0),
            api_keys::rate_limit.eq(limit(rate_limit)),
            api_keys::created_at.eq(DbTime(now)),
        ))
        .returning(COLUMNS)
        .get_result(conn)?;
    Ok(key(row))
}

/// The live content key with this hash.
pub fn content_key(conn: &mut AnyConnection, key_hash: &str) -> Result<Option<ApiKey>, StoreError> {
    Ok(api_keys::table
        .filter(api_keys::key_hash.eq(key_hash))
        .filter(api_keys::revoked_at.is_null())
        .select(COLUMNS)
        .first::<KeyRow>(conn)
        .optional()?
        .map(key))
}

/// The live integration key with this public id, and its secret (opened with the keyring;
/// one that does not open is an internal error).
pub fn integration_key(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    key_id: &str,
) -> Result<Option<(ApiKey, String)>, StoreError> {
    let found: Option<(KeyRow, Option<String>)> = api_keys::table
        .filter(api_keys::key_id.eq(key_id))
        .filter(api_keys::revoked_at.is_null())
        .select((COLUMNS, api_keys::secret))
        .first(conn)
        .optional()?;
    let Some((row, Some(stored))) = found else {
        return Ok(None);
    };
    let place = place::api_key(key_id);
    let secret = keyring
        .open(&place, &stored)
        .map_err(|error| StoreError::internal(Unreadable { place, error }))?;
    Ok(Some((key(row), secret)))
}

/// Every key, newest first.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<ApiKey>, StoreError> {
    Ok(api_keys::table
        .order(api_keys::id.desc())
        .select(COLUMNS)
        .load::<KeyRow>(conn)?
        .into_iter()
        .map(key)
        .collect())
}

/// Revokes a key; it stops working at once.
pub fn revoke(conn: &mut AnyConnection, id: i64, now: Timestamp) -> Result<ApiKey, StoreError> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::revoked_at.eq(DbTime(now)))
        .returning(COLUMNS)
        .get_result::<KeyRow>(conn)
        .optional()?
        .map(key)
        .ok_or_else(|| StoreError::not_found("key"))
}

/// Records that the key was used.
pub fn touch(conn: &mut AnyConnection, id: i64, now: Timestamp) -> Result<(), StoreError> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(DbTime(now)))
        .execute(conn)?;
    Ok(())
}
