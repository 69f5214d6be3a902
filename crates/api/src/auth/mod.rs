//! Who is asking: anonymous readers, or signed-in staff.
//!
//! A request carries at most one credential, `Authorization: Bearer <access token>`. No
//! header is an anonymous reader. A header that does not check out (bad signature, expired,
//! wrong audience, unknown or deactivated user, a role that changed since) fails the whole
//! request with 401: a client holding a bad token should know at once, not read as the
//! public without noticing.

#[cfg(test)]
mod fuzz;
pub use broadsheet_service::hashing;
pub mod integration;
pub mod jwt;
pub mod session;

use broadsheet_domain::author::{Email, Role};
use broadsheet_domain::ids::AuthorId;
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::{Store, users};

pub use jwt::{ExternalKey, JwtConfig, Preview, Secret};

use crate::keys::RateLimiter;

/// The person behind a request: the service layer's actor.
pub use broadsheet_service::Actor as Viewer;

/// Why a request's credentials were refused (for the log; clients hear only "invalid").
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// The header is not `Bearer <token>`.
    #[error("unsupported authorization scheme")]
    Scheme,
    /// The token itself.
    #[error(transparent)]
    Token(#[from] jwt::InvalidToken),
    /// The token is good but names nobody who may sign in.
    #[error("no active user {0}")]
    User(String),
    /// The user's role is not the one in the token.
    #[error("the role in the token is out of date")]
    Role,
    /// The token was issued before the user's password, role or standing last changed.
    #[error("the token was revoked")]
    Revoked,
    /// The database could not say.
    #[error("could not load the user")]
    Store,
    /// An integration key over its rate limit; retry after this many seconds.
    #[error("over the key's rate limit")]
    Limited(u64),
}

/// Resolves the `Authorization` header of a request made at `now`: `Bearer <access token>`,
/// or `Ghost <token signed with an integration key>`.
pub async fn viewer(
    store: &Store,
    jwt: &JwtConfig,
    limiter: &RateLimiter,
    authorization: Option<&str>,
    now: Timestamp,
) -> Result<Viewer, Refused> {
    let Some(header) = authorization else {
        return Ok(Viewer::Anonymous);
    };
    if let Some(token) = header.strip_prefix("Ghost ") {
        let user = integration::verify(store, limiter, token.trim(), now).await?;
        return Ok(Viewer::Staff(Box::new(user)));
    }
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or(Refused::Scheme)?
        .trim();
    let claims = jwt.verify_access(token, now)?;
    let sub = claims.sub.clone();
    let user = store
        .read(move |c| match sub.parse::<i64>() {
            Ok(id) => users::get(c, AuthorId(id)),
            // An external provider may know staff by email.
            Err(_) => match Email::parse(&sub) {
                Ok(email) => users::by_email(c, &email),
                Err(_) => Ok(None),
            },
        })
        .await
        .map_err(|_| Refused::Store)?
        .filter(|u| u.active)
        .ok_or_else(|| Refused::User(claims.sub.clone()))?;
    if Role::parse(&claims.role).ok() != Some(user.role) {
        return Err(Refused::Role);
    }
    if !claims.external && claims.ver != user.token_version {
        return Err(Refused::Revoked);
    }
    Ok(Viewer::Staff(Box::new(user)))
}
