//! Signing in and out: passwords checked with argon2 on the hashing pool, outside any
//! transaction; failures throttled per (account, address) and per address with growing
//! delays; refresh tokens rotated on every use. Access tokens are the transport's (it signs
//! them for the [`Session`] a sign-in opens).

use std::net::IpAddr;
use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use broadsheet_domain::author::{Email, Password, PasswordHash, User};
use broadsheet_domain::ids::AuthorId;
use broadsheet_domain::net::group;
use broadsheet_domain::policy::{Action, Ownership};
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::sessions::{self, Rotation};
use broadsheet_persistence::{StoreError, throttle, users};
use chrono::TimeDelta;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::{Service, hashing};

/// Failures in a row, per (account, address), before each further attempt must wait.
pub const FREE_PER_ACCOUNT_AND_ADDRESS: i64 = 3;
/// Failures in a row, per address, before each further attempt must wait.
pub const FREE_PER_ADDRESS: i64 = 20;
/// The longest wait.
pub const MAX_DELAY: TimeDelta = TimeDelta::minutes(15);
/// How long a run of failures is remembered after its last one; rows whose last failure is
/// older than this are pruned.
pub const WINDOW: TimeDelta = TimeDelta::minutes(15);

/// How long after the last of `count` failures in a row the next attempt must wait: nothing
/// for the first `free`, then 1 second, 2, 4, … at most [`MAX_DELAY`].
///
/// Failures are counted per (account, address) and per address, never per account alone: a
/// stranger guessing an editor's password slows down only themselves, and the editor signs
/// in from their own address as ever.
pub fn delay(count: i64, free: i64) -> TimeDelta {
    if count < free {
        return TimeDelta::zero();
    }
    let doublings = u32::try_from(count - free).unwrap_or(u32::MAX).min(20);
    TimeDelta::seconds(1_i64 << doublings).min(MAX_DELAY)
}

/// How much longer an attempt after `failures` must wait, if at all.
fn wait(failures: throttle::Failures, free: i64, now: Timestamp) -> Option<TimeDelta> {
    let until = failures.last? + delay(failures.count, free);
    (until > now).then(|| until - now)
}

/// The throttle keys of an attempt on `account` from `address`: the pair, and the address
/// alone (an IPv6 client counts per /64).
fn keys(account: &str, address: Option<IpAddr>) -> (String, Option<String>) {
    let group = address.map(group);
    let pair = format!(
        "{account}|{}",
        group.map_or_else(String::new, |g| g.to_string())
    );
    (pair, group.map(|g| format!("address:{g}")))
}

/// Waits are refused as RATE_LIMITED, rounded up to whole seconds.
fn limited(wait: TimeDelta) -> ServiceError {
    let ms = wait.num_milliseconds().max(1);
    ServiceError::RateLimited(u64::try_from((ms + 999) / 1000).unwrap_or(1))
}

/// Checked against when there is no such user, so that an unknown email takes as long to
/// refuse as a wrong password and reveals nothing.
static DECOY: LazyLock<Option<PasswordHash>> = LazyLock::new(|| {
    let mut noise = [0u8; 24];
    rand::rng().fill_bytes(&mut noise);
    Password::parse(&URL_SAFE_NO_PAD.encode(noise))
        .map(|p| p.hash())
        .ok()
});

/// A session a sign-in (or a refresh) opened.
#[derive(Clone)]
pub struct Session {
    /// Who signed in.
    pub user: User,
    /// The token to get a new access token with, once.
    pub refresh_token: String,
    /// When it expires.
    pub refresh_expires_at: Timestamp,
}

/// Never the token.
impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user.id())
            .field("refresh_token", &"[redacted]")
            .field("refresh_expires_at", &self.refresh_expires_at)
            .finish()
    }
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a refresh token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Service {
    /// Signs in with email and password from `address`, opening a session whose refresh
    /// token lasts `refresh_ttl`.
    ///
    /// The password is checked on the hashing pool, outside any transaction: a burst of wrong
    /// passwords queues there and holds no database lock, so readers and editors' saves go on.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        address: Option<IpAddr>,
        refresh_ttl: TimeDelta,
    ) -> ServiceResult<Session> {
        let now = self.now();
        let invalid = ServiceError::Unauthenticated("invalid email or password");
        // A malformed address is a wrong address: same answer, same time.
        let email = Email::parse(email).ok();
        let account = format!("signin:{}", email.as_ref().map_or("", Email::as_str));
        let (pair_key, address_key) = keys(&account, address);
        let (pair, by_address, user) = {
            let (pair_key, address_key, email) = (pair_key.clone(), address_key.clone(), email);
            self.store()
                .read(move |c| {
                    let pair = throttle::failures(c, &pair_key, now, WINDOW)?;
                    let by_address = match &address_key {
                        Some(key) => throttle::failures(c, key, now, WINDOW)?,
                        None => throttle::Failures::default(),
                    };
                    let user = match &email {
                        Some(email) => users::by_email(c, email)?,
                        None => None,
                    };
                    Ok((pair, by_address, user))
                })
                .await?
        };
        if let Some(wait) = wait(pair, FREE_PER_ACCOUNT_AND_ADDRESS, now).max(wait(
            by_address,
            FREE_PER_ADDRESS,
            now,
        )) {
            return Err(limited(wait));
        }
        let hash = user.as_ref().and_then(|u| u.password_hash.clone());
        let matches = match hash {
            Some(hash) => hashing::verify(hash, password.to_owned()).await,
            None => {
                // As long as a real check, so that an unknown email reveals nothing.
                let password = password.to_owned();
                hashing::run(move || {
                    if let Some(decoy) = DECOY.as_ref() {
                        let _ = decoy.verify(&password);
                    }
                })
                .await;
                false
            }
        };
        match user {
            Some(user) if matches && user.active => {
                let (refresh, family) = (new_refresh_token(), uuid::Uuid::new_v4().to_string());
                let refresh_hash = hash_token(&refresh);
                let refresh_expires_at = now + refresh_ttl;
                let id = user.id();
                self.store()
                    .write(move |c| {
                        throttle::clear(c, &pair_key)?;
                        sessions::create(c, id, &refresh_hash, &family, now, refresh_expires_at)
                    })
                    .await?;
                Ok(Session {
                    user,
                    refresh_token: refresh,
                    refresh_expires_at,
                })
            }
            _ => {
                self.store()
                    .write(move |c| {
                        throttle::record_failure(c, &pair_key, now, WINDOW)?;
                        if let Some(key) = &address_key {
                            throttle::record_failure(c, key, now, WINDOW)?;
                        }
                        Ok::<_, StoreError>(())
                    })
                    .await?;
                Err(invalid)
            }
        }
    }

    /// Trades a refresh token for a new session (a new refresh token lasting `refresh_ttl`).
    /// A token used twice ends its whole family (it was stolen, or the client is confused).
    pub async fn refresh_session(
        &self,
        token: &str,
        refresh_ttl: TimeDelta,
    ) -> ServiceResult<Session> {
        let now = self.now();
        let old_hash = hash_token(token);
        let refresh = new_refresh_token();
        let new_hash = hash_token(&refresh);
        let expires = now + refresh_ttl;
        let user = self
            .store()
            .write(
                move |c| match sessions::rotate(c, &old_hash, &new_hash, now, expires)? {
                    Rotation::Rotated(user) => Ok(users::get(c, user)?.filter(|u| u.active)),
                    Rotation::Reused | Rotation::Invalid => Ok(None),
                },
            )
            .await?;
        match user {
            Some(user) => Ok(Session {
                user,
                refresh_token: refresh,
                refresh_expires_at: expires,
            }),
            None => Err(ServiceError::Unauthenticated(
                "the session has ended; sign in again",
            )),
        }
    }

    /// Ends the session a refresh token belongs to; whether there was one.
    pub async fn sign_out(&self, token: &str) -> ServiceResult<bool> {
        let (hash, now) = (hash_token(token), self.now());
        Ok(self
            .store()
            .write(move |c| sessions::revoke(c, &hash, now))
            .await?)
    }

    /// Changes the actor's own password, given the current one (checked from `address`, held
    /// to sign-in's delays). Every session and access token of theirs ends at once.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
        address: Option<IpAddr>,
    ) -> ServiceResult<()> {
        actor.authorize(Action::EditProfile, Ownership::Own)?;
        let me = actor.signed_in()?.id();
        let new = Password::parse(new)?;
        // Checked and hashed on the hashing pool, outside the transaction (which then only
        // writes), and held to sign-in's delays.
        if !self.check_password(me, current, address).await? {
            return Err(ServiceError::invalid(
                "currentPassword",
                "is not your current password",
            ));
        }
        let hash = hashing::hash(new).await;
        let now = self.now();
        self.store()
            .write(move |c| {
                // Moves the token version: every access token of this user ends now.
                users::set_password(c, me, Some(&hash), now)?;
                sessions::revoke_all(c, me, now)
            })
            .await?;
        Ok(())
    }

    /// Checks `user`'s current password, held to the same delays as sign-in (per account and
    /// address): a stolen session cannot be used to guess the password at full speed.
    async fn check_password(
        &self,
        user: AuthorId,
        password: &str,
        address: Option<IpAddr>,
    ) -> ServiceResult<bool> {
        let now = self.now();
        let (pair_key, _) = keys(&format!("password:{}", user.0), address);
        let key = pair_key.clone();
        let (failures, found) = self
            .store()
            .read(move |c| {
                Ok((
                    throttle::failures(c, &key, now, WINDOW)?,
                    users::get(c, user)?,
                ))
            })
            .await?;
        if let Some(wait) = wait(failures, FREE_PER_ACCOUNT_AND_ADDRESS, now) {
            return Err(limited(wait));
        }
        let matches = match found.and_then(|u| u.password_hash) {
            Some(hash) => hashing::verify(hash, password.to_owned()).await,
            None => false,
        };
        self.store()
            .write(move |c| {
                if matches {
                    throttle::clear(c, &pair_key)
                } else {
                    throttle::record_failure(c, &pair_key, now, WINDOW).map(drop)
                }
            })
            .await?;
        Ok(matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_after_the_free_attempts_and_are_capped() {
        assert_eq!(delay(0, 3), TimeDelta::zero());
        assert_eq!(delay(2, 3), TimeDelta::zero());
        assert_eq!(delay(3, 3), TimeDelta::seconds(1));
        assert_eq!(delay(4, 3), TimeDelta::seconds(2));
        assert_eq!(delay(8, 3), TimeDelta::seconds(32));
        assert_eq!(delay(50, 3), MAX_DELAY);
        assert_eq!(delay(i64::MAX, 3), MAX_DELAY);
    }

    #[test]
    fn strangers_and_owners_are_counted_apart() {
        let (a, a_address) = keys("signin:e@x.org", Some("203.0.113.1".parse().expect("ip")));
        let (b, _) = keys("signin:e@x.org", Some("198.51.100.1".parse().expect("ip")));
        assert_ne!(a, b);
        assert_eq!(a_address.as_deref(), Some("address:203.0.113.1"));
        // An IPv6 client is its /64.
        let (c, _) = keys("signin:e@x.org", Some("2001:db8::1".parse().expect("ip")));
        let (d, _) = keys("signin:e@x.org", Some("2001:db8::2".parse().expect("ip")));
        assert_eq!(c, d);
    }
}
