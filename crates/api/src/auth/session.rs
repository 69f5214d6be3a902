//! Signing in and out over the API: the service opens and ends sessions
//! ([`broadsheet_service::sessions`]); here they become tokens, the access token signed with
//! the server's key.

use std::net::IpAddr;

use broadsheet_domain::author::User;
use broadsheet_domain::time::Timestamp;
use broadsheet_service::Service;
use broadsheet_service::sessions::Session;

use super::JwtConfig;
use crate::graphql::error::ApiResult;

/// A signed-in session's credentials.
#[derive(Clone)]
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

/// Never the tokens.
impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"[redacted]")
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_token", &"[redacted]")
            .field("refresh_expires_at", &self.refresh_expires_at)
            .field("user", &self.user.id())
            .finish()
    }
}

/// Signs in with email and password (see [`Service::sign_in`]).
pub async fn login(
    service: &Service,
    jwt: &JwtConfig,
    email: &str,
    password: &str,
    address: Option<IpAddr>,
) -> ApiResult<Tokens> {
    let session = service
        .sign_in(email, password, address, jwt.refresh_ttl)
        .await?;
    Ok(issue(jwt, session, service.now()))
}

/// Trades a refresh token for a new access token and a new refresh token.
pub async fn refresh(service: &Service, jwt: &JwtConfig, token: &str) -> ApiResult<Tokens> {
    let session = service.refresh_session(token, jwt.refresh_ttl).await?;
    Ok(issue(jwt, session, service.now()))
}

fn issue(jwt: &JwtConfig, session: Session, now: Timestamp) -> Tokens {
    Tokens {
        access_token: jwt.issue_for(&session.user, now, jwt.access_ttl),
        access_expires_at: now + jwt.access_ttl,
        refresh_token: session.refresh_token,
        refresh_expires_at: session.refresh_expires_at,
        user: session.user,
    }
}
