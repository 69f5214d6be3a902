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

use broadsheet_domain::time::Timestamp;
use broadsheet_service::Service;
use broadsheet_service::identity::{NotIdentified, StaffClaims};

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
    /// The token is good, but the service says it names nobody who may act.
    #[error(transparent)]
    Nobody(#[from] NotIdentified),
    /// No integration key has the token's key id.
    #[error("no integration key {0}")]
    UnknownKey(String),
    /// The database could not say.
    #[error("could not load the key")]
    Store,
    /// An integration key over its rate limit; retry after this many seconds.
    #[error("over the key's rate limit")]
    Limited(u64),
}

/// Resolves the `Authorization` header of a request made at `now`: `Bearer <access token>`,
/// or `Ghost <token signed with an integration key>`. The token is checked here; who it
/// names, and whether they may act, the service decides.
pub async fn viewer(
    service: &Service,
    jwt: &JwtConfig,
    limiter: &RateLimiter,
    authorization: Option<&str>,
    now: Timestamp,
) -> Result<Viewer, Refused> {
    let Some(header) = authorization else {
        return Ok(Viewer::Anonymous);
    };
    if let Some(token) = header.strip_prefix("Ghost ") {
        return integration::verify(service, limiter, token.trim(), now).await;
    }
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or(Refused::Scheme)?
        .trim();
    let claims = jwt.verify_access(token, now)?;
    let claims = StaffClaims {
        subject: claims.sub,
        role: claims.role,
        version: claims.ver,
        external: claims.external,
    };
    Ok(service.identify_staff(claims).await?)
}
