//! Signing in and out: passwords checked with argon2 off the async threads, failures
//! throttled per account and per address, refresh tokens rotated on every use.

use std::net::IpAddr;
use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use broadsheet_domain::author::{Email, Password, PasswordHash, User};
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::sessions::{self, Rotation};
use broadsheet_persistence::{Store, StoreError, throttle, users};
use chrono::TimeDelta;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use super::JwtConfig;
use crate::graphql::error::{ApiError, ApiResult};

/// Failures allowed per account in [`WINDOW`].
const ACCOUNT_LIMIT: i64 = 5;
/// Failures allowed per client address in [`WINDOW`].
const ADDRESS_LIMIT: i64 = 20;
/// The window failures are counted in; rows of windows that ended longer ago than this are
/// pruned.
pub const WINDOW: TimeDelta = TimeDelta::minutes(15);

/// Checked against when there is no such user, so that an unknown email takes as long to
/// refuse as a wrong password and reveals nothing.
static DECOY: LazyLock<Option<PasswordHash>> = LazyLock::new(|| {
    let mut noise = [0u8; 24];
    rand::rng().fill_bytes(&mut noise);
    Password::parse(&URL_SAFE_NO_PAD.encode(noise))
        .map(|p| p.hash())
        .ok()
});

/// A signed-in session's credentials.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// The JWT to send as `Authorization: Bearer`.
    pub access_token: String,
    /// When it expires.
    pub access_expires_at: Timestamp,
    /// The token to get a new access token with, once.
    pub refresh_token: String,
    /// When it expires.
    pub refresh_expires_at: Timestamp,
    /// Who signed in.
    pub user: User,
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a refresh token.
pub fn hash(token: &str) -> String {
    crate::hex::encode(&Sha256::digest(token.as_bytes()))
}

enum Outcome {
    Limited,
    Refused,
    Accepted(Box<User>, String),
}

/// Signs in with email and password.
pub async fn login(
    store: &Store,
    jwt: &JwtConfig,
    email: &str,
    password: &str,
    address: Option<IpAddr>,
    now: Timestamp,
) -> ApiResult<Tokens> {
    let invalid = ApiError::Unauthenticated("invalid email or password");
    // A malformed address is a wrong address: same answer, same time.
    let email = Email::parse(email).ok();
    let account_key = format!("account:{}", email.as_ref().map_or("", Email::as_str));
    let address_key = address.map(|a| format!("address:{a}"));
    let password = password.to_owned();
    let (refresh, family) = (new_refresh_token(), uuid::Uuid::new_v4().to_string());
    let refresh_hash = hash(&refresh);
    let refresh_expires_at = now + jwt.refresh_ttl;
    let outcome = store
        .write(move |c| {
            let limited = throttle::failures(c, &account_key, now, WINDOW)? >= ACCOUNT_LIMIT
                || match &address_key {
                    Some(key) => throttle::failures(c, key, now, WINDOW)? >= ADDRESS_LIMIT,
                    None => false,
                };
            if limited {
                return Ok(Outcome::Limited);
            }
            let user = match &email {
                Some(email) => users::by_email(c, email)?,
                None => None,
            };
            let hash = user.as_ref().and_then(|u| u.password_hash.clone());
            let matches = match &hash {
                Some(h) => h.verify(&password),
                None => {
                    if let Some(decoy) = DECOY.as_ref() {
                        let _ = decoy.verify(&password);
                    }
                    false
                }
            };
            match user {
                Some(user) if matches && user.active => {
                    throttle::clear(c, &account_key)?;
                    sessions::create(
                        c,
                        user.id(),
                        &refresh_hash,
                        &family,
                        now,
                        refresh_expires_at,
                    )?;
                    Ok(Outcome::Accepted(Box::new(user), refresh))
                }
                _ => {
                    throttle::record_failure(c, &account_key, now, WINDOW)?;
                    if let Some(key) = &address_key {
                        throttle::record_failure(c, key, now, WINDOW)?;
                    }
                    Ok::<_, StoreError>(Outcome::Refused)
                }
            }
        })
        .await?;
    match outcome {
        Outcome::Limited => Err(ApiError::RateLimited(WINDOW.num_seconds().unsigned_abs())),
        Outcome::Refused => Err(invalid),
        Outcome::Accepted(user, refresh_token) => {
            Ok(issue(jwt, *user, refresh_token, refresh_expires_at, now))
        }
    }
}

fn issue(
    jwt: &JwtConfig,
    user: User,
    refresh_token: String,
    refresh_expires_at: Timestamp,
    now: Timestamp,
) -> Tokens {
    let access_expires_at = now + jwt.access_ttl;
    Tokens {
        access_token: jwt.issue_access(user.id().0, user.role.as_str(), now, jwt.access_ttl),
        access_expires_at,
        refresh_token,
        refresh_expires_at,
        user,
    }
}

/// Trades a refresh token for a new access token and a new refresh token.
pub async fn refresh(
    store: &Store,
    jwt: &JwtConfig,
    token: &str,
    now: Timestamp,
) -> ApiResult<Tokens> {
    let old_hash = hash(token);
    let refresh = new_refresh_token();
    let new_hash = hash(&refresh);
    let expires = now + jwt.refresh_ttl;
    let user = store
        .write(
            move |c| match sessions::rotate(c, &old_hash, &new_hash, now, expires)? {
                Rotation::Rotated(user) => Ok(users::get(c, user)?.filter(|u| u.active)),
                Rotation::Reused | Rotation::Invalid => Ok(None),
            },
        )
        .await?;
    match user {
        Some(user) => Ok(issue(jwt, user, refresh, expires, now)),
        None => Err(ApiError::Unauthenticated(
            "the session has ended; sign in again",
        )),
    }
}

/// Ends the session a refresh token belongs to.
pub async fn logout(store: &Store, token: &str, now: Timestamp) -> ApiResult<bool> {
    let hash = hash(token);
    Ok(store
        .write(move |c| sessions::revoke(c, &hash, now))
        .await?)
}
