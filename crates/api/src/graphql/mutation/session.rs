//! Signing in and out.

use async_graphql::{Context, Object, SimpleObject};
use broadsheet_domain::time::Timestamp;

use crate::auth::session::{self, Tokens};
use crate::graphql::context::request;
use crate::graphql::error::ApiError;
use crate::graphql::user::UserNode;

/// A signed-in session.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Send as `Authorization: Bearer <accessToken>`.
    access_token: String,
    /// When the access token expires; use `refreshToken` before then.
    access_token_expires_at: Timestamp,
    /// Trade for new tokens with `refreshToken`, once.
    refresh_token: String,
    /// When the refresh token expires.
    refresh_token_expires_at: Timestamp,
    /// Who signed in.
    user: UserNode,
}

impl From<Tokens> for AuthPayload {
    fn from(t: Tokens) -> Self {
        Self {
            access_token: t.access_token,
            access_token_expires_at: t.access_expires_at,
            refresh_token: t.refresh_token,
            refresh_token_expires_at: t.refresh_expires_at,
            user: UserNode(t.user),
        }
    }
}

#[derive(Default)]
pub struct SessionMutations;

#[Object]
impl SessionMutations {
    /// Signs in. A wrong email and a wrong password get the same answer; after a few failures
    /// in a row, each further attempt waits longer (RATE_LIMITED, with `retryAfter`), counted
    /// per account and address and per address, so that a stranger cannot lock anyone out.
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> async_graphql::Result<AuthPayload> {
        let req = request(ctx);
        Ok(
            session::login(&req.service, &req.jwt, &email, &password, req.address)
                .await?
                .into(),
        )
    }

    /// Trades a refresh token for new tokens. Each refresh token works once: using one again
    /// ends the session.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<AuthPayload> {
        let req = request(ctx);
        Ok(session::refresh(&req.service, &req.jwt, &refresh_token)
            .await?
            .into())
    }

    /// Ends the session a refresh token belongs to. Access tokens already issued run out on
    /// their own, within minutes.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<bool> {
        let req = request(ctx);
        Ok(req
            .service
            .sign_out(&refresh_token)
            .await
            .map_err(ApiError::from)?)
    }
}
