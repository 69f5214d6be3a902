//! Sign-in sessions: refresh tokens, stored only as hashes.
//!
//! A refresh token is used once: using it gives a new one of the same family. Using a token
//! that was already used means it was copied, so the whole family is revoked and whoever
//! holds any of its tokens must sign in again.

use broadsheet_domain::ids::AuthorId;
use broadsheet_domain::time::Timestamp;
use diesel::prelude::*;

use crate::StoreError;
use crate::db::sql_types::DbTime;
use crate::db::{AnyConnection, MultiBackend};
use crate::schema::refresh_tokens;

/// What using a refresh token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was good; a new one (given as `new_hash`) replaces it.
    Rotated(AuthorId),
    /// The token had been used before: its family is now revoked.
    Reused,
    /// No such token, or it is expired or revoked.
    Invalid,
}

/// Stores a new refresh token.
pub fn create(
    conn: &mut AnyConnection,
    user: AuthorId,
    token_hash: &str,
    family: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::user_id.eq(user.0),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::family.eq(family),
            refresh_tokens::created_at.eq(DbTime(now)),
            refresh_tokens::expires_at.eq(DbTime(expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// What rotating a refresh token checks of its row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens, check_for_backend(MultiBackend))]
struct TokenRow {
    user_id: i64,
    family: String,
    expires_at: DbTime,
    used_at: Option<DbTime>,
    revoked_at: Option<DbTime>,
}

/// Uses the token with hash `old_hash`: on success it is marked used and `new_hash` takes
/// its place in the family.
pub fn rotate(
    conn: &mut AnyConnection,
    old_hash: &str,
    new_hash: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<Rotation, StoreError> {
    conn.transaction(|c| {
        let row: Option<TokenRow> = refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(old_hash))
            .select(TokenRow::as_select())
            .first(c)
            .optional()?;
        let Some(TokenRow {
            user_id: user,
            family,
            expires_at: expires,
            used_at,
            revoked_at,
        }) = row
        else {
            return Ok(Rotation::Invalid);
        };
        if revoked_at.is_some() || expires.0 <= now {
            return Ok(Rotation::Invalid);
        }
        if used_at.is_some() {
            revoke_family(c, &family, now)?;
            return Ok(Rotation::Reused);
        }
        // Marked used only if nobody used it in the meantime.
        let marked = diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::token_hash.eq(old_hash))
                .filter(refresh_tokens::used_at.is_null()),
        )
        .set(refresh_tokens::used_at.eq(DbTime(now)))
        .execute(c)?;
        if marked == 0 {
            revoke_family(c, &family, now)?;
            return Ok(Rotation::Reused);
        }
        create(c, AuthorId(user), new_hash, &family, now, expires_at)?;
        Ok(Rotation::Rotated(AuthorId(user)))
    })
}

fn revoke_family(c: &mut AnyConnection, family: &str, now: Timestamp) -> Result<(), StoreError> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(DbTime(now)))
    .execute(c)?;
    Ok(())
}

/// Signs out the session the token belongs to (its whole family). Returns whether there
/// was such a token.
pub fn revoke(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let family: Option<String> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(refresh_tokens::family)
        .first(conn)
        .optional()?;
    match family {
        Some(family) => {
            revoke_family(conn, &family, now)?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Signs the user out everywhere (a password change, a deactivation).
pub fn revoke_all(
    conn: &mut AnyConnection,
    user: AuthorId,
    now: Timestamp,
) -> Result<(), StoreError> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user.0))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(DbTime(now)))
    .execute(conn)?;
    Ok(())
}

/// Deletes up to `batch` refresh tokens that can no longer be used: expired by `now`, or
/// revoked. (A used token stays until it expires: using it again must still revoke its
/// family.) Returns how many went.
pub fn prune(conn: &mut AnyConnection, now: Timestamp, batch: usize) -> Result<usize, StoreError> {
    let dead: Vec<i64> = refresh_tokens::table
        .filter(
            refresh_tokens::expires_at
                .le(DbTime(now))
                .or(refresh_tokens::revoked_at.is_not_null()),
        )
        .select(refresh_tokens::id)
        .limit(i64::try_from(batch).unwrap_or(i64::MAX))
        .load(conn)?;
    if dead.is_empty() {
        return Ok(0);
    }
    Ok(
        diesel::delete(refresh_tokens::table.filter(refresh_tokens::id.eq_any(dead)))
            .execute(conn)?,
    )
}
