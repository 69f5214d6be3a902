//! API keys: content keys for partners (read-only, rate-limited) and integration keys that
//! act as a staff account.

use broadsheet_domain::author::Role;
use broadsheet_domain::ids::{ApiKeyId, AuthorId};
use broadsheet_domain::time::Timestamp;
use diesel::prelude::*;

use crate::StoreError;
use crate::db::sql_types::DbTime;
use crate::db::stored::Stored;
use crate::db::stored::TextEnum as _;
use crate::db::{AnyConnection, MultiBackend};
use crate::schema::{api_keys, users};
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
    /// The stored and shown spelling: `content` or `integration`.
    pub fn as_str(self) -> &'static str {
        self.as_text()
    }
}

/// A stored key, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Row id.
    pub id: ApiKeyId,
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

/// An `api_keys` row, without its hash or secret.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = api_keys, check_for_backend(MultiBackend))]
struct KeyRow {
    id: i64,
    kind: Stored<KeyKind>,
    name: String,
    key_id: Option<String>,
    user_id: Option<i64>,
    rate_limit: i32,
    created_at: DbTime,
    revoked_at: Option<DbTime>,
    last_used_at: Option<DbTime>,
}

impl From<KeyRow> for ApiKey {
    fn from(r: KeyRow) -> Self {
        ApiKey {
            id: ApiKeyId(r.id),
            kind: r.kind.0,
            name: r.name,
            key_id: r.key_id,
            user: r.user_id.map(AuthorId),
            rate_limit: u32::try_from(r.rate_limit).unwrap_or(0),
            created_at: r.created_at.0,
            revoked_at: r.revoked_at.map(|t| t.0),
            last_used_at: r.last_used_at.map(|t| t.0),
        }
    }
}

/// An integration key's row with its stored (maybe sealed) secret.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = api_keys, check_for_backend(MultiBackend))]
struct IntegrationRow {
    #[diesel(embed)]
    key: KeyRow,
    secret: Option<String>,
}

fn select() -> diesel::dsl::AsSelect<KeyRow, MultiBackend> {
    KeyRow::as_select()
}

/// The columns of [`KeyRow`] for a `RETURNING` clause.
fn returned() -> <KeyRow as Selectable<MultiBackend>>::SelectExpression {
    <KeyRow as Selectable<MultiBackend>>::construct_selection()
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
            api_keys::kind.eq(Stored(KeyKind::Content)),
            api_keys::name.eq(name),
            api_keys::key_hash.eq(key_hash),
            api_keys::rate_limit.eq(limit(rate_limit)),
            api_keys::created_at.eq(DbTime(now)),
        ))
        .returning(returned())
        .get_result(conn)?;
    Ok(ApiKey::from(row))
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
            api_keys::kind.eq(Stored(KeyKind::Integration)),
            api_keys::name.eq(name),
            api_keys::key_id.eq(key_id),
            api_keys::secret.eq(secret),
            api_keys::user_id.eq(user.0),
            api_keys::rate_limit.eq(limit(rate_limit)),
            api_keys::created_at.eq(DbTime(now)),
        ))
        .returning(returned())
        .get_result(conn)?;
    Ok(ApiKey::from(row))
}

/// The live content key with this hash.
pub fn content_key(conn: &mut AnyConnection, key_hash: &str) -> Result<Option<ApiKey>, StoreError> {
    Ok(api_keys::table
        .filter(api_keys::key_hash.eq(key_hash))
        .filter(api_keys::revoked_at.is_null())
        .select(select())
        .first::<KeyRow>(conn)
        .optional()?
        .map(ApiKey::from))
}

/// An integration key with its signing secret (hex), opened from its sealed form.
#[derive(Clone)]
pub struct IntegrationKey {
    /// The key.
    pub key: ApiKey,
    /// Its signing secret, in hex.
    pub secret: String,
}

/// Never the secret.
impl std::fmt::Debug for IntegrationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntegrationKey")
            .field("key", &self.key)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// The live integration key with this public id, and its secret (opened with the keyring;
/// one that does not open is an internal error).
pub fn integration_key(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    key_id: &str,
) -> Result<Option<IntegrationKey>, StoreError> {
    let found: Option<IntegrationRow> = api_keys::table
        .filter(api_keys::key_id.eq(key_id))
        .filter(api_keys::revoked_at.is_null())
        .select(IntegrationRow::as_select())
        .first(conn)
        .optional()?;
    let Some(IntegrationRow {
        key: row,
        secret: Some(stored),
    }) = found
    else {
        return Ok(None);
    };
    let place = place::api_key(key_id);
    let secret = keyring
        .open(&place, &stored)
        .map_err(|error| StoreError::internal(Unreadable { place, error }))?;
    Ok(Some(IntegrationKey {
        key: ApiKey::from(row),
        secret,
    }))
}

/// Every key, newest first.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<ApiKey>, StoreError> {
    Ok(api_keys::table
        .order(api_keys::id.desc())
        .select(select())
        .load::<KeyRow>(conn)?
        .into_iter()
        .map(ApiKey::from)
        .collect())
}

/// A key as operators see it: with the role an integration key acts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyWithRole {
    /// The key, without its secret.
    pub key: ApiKey,
    /// For an integration key, the role of the account it acts as.
    pub role: Option<Role>,
}

/// A key's row with the role of the account it acts as.
#[derive(Debug, Queryable)]
struct KeyRoleRow {
    key: KeyRow,
    role: Option<Stored<Role>>,
}

/// Every key with its role, newest first, in one statement.
pub fn list_with_roles(conn: &mut AnyConnection) -> Result<Vec<KeyWithRole>, StoreError> {
    let rows: Vec<KeyRoleRow> = api_keys::table
        .left_join(users::table.on(users::id.nullable().eq(api_keys::user_id)))
        .order(api_keys::id.desc())
        .select((select(), users::role.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| KeyWithRole {
            key: ApiKey::from(r.key),
            role: r.role.map(|role| role.0),
        })
        .collect())
}

/// Revokes a key; it stops working at once. A key revoked before keeps the time it was first
/// revoked: that is when it stopped working.
pub fn revoke(
    conn: &mut AnyConnection,
    id: ApiKeyId,
    now: Timestamp,
) -> Result<ApiKey, StoreError> {
    let revoked = diesel::update(
        api_keys::table
            .find(id.0)
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(DbTime(now)))
    .returning(returned())
    .get_result::<KeyRow>(conn)
    .optional()?;
    if let Some(row) = revoked {
        return Ok(ApiKey::from(row));
    }
    // Nothing updated: revoked before (a revocation is never undone), or no such key.
    api_keys::table
        .find(id.0)
        .select(select())
        .first::<KeyRow>(conn)
        .optional()?
        .map(ApiKey::from)
        .ok_or_else(|| StoreError::not_found("key"))
}

/// Records that the key was used.
pub fn touch(conn: &mut AnyConnection, id: ApiKeyId, now: Timestamp) -> Result<(), StoreError> {
    diesel::update(api_keys::table.find(id.0))
        .set(api_keys::last_used_at.eq(DbTime(now)))
        .execute(conn)?;
    Ok(())
}
