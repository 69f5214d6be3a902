//! Administrators' changes: API keys and webhooks.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use broadsheet_domain::url::WebUrl;
use broadsheet_domain::webhook::{self, NewWebhook, WebhookEvent};
use broadsheet_persistence::webhooks::{self, WebhookChanges};
use broadsheet_persistence::{keys as stored_keys, users};

use crate::graphql::admin::{
    ApiKeyNode, CreatedApiKeyPayload, WebhookEventValue, WebhookNode, authorize,
};
use crate::graphql::context::request;
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::ids::GlobalId;
use crate::graphql::user::RoleValue;
use crate::keys;
use crate::webhooks::address;

/// Requests a minute a new key gets unless told otherwise.
const DEFAULT_RATE_LIMIT: i32 = 600;
const MAX_RATE_LIMIT: i32 = 1_000_000;

fn rate_limit(value: Option<i32>) -> ApiResult<u32> {
    let n = value.unwrap_or(DEFAULT_RATE_LIMIT);
    if !(1..=MAX_RATE_LIMIT).contains(&n) {
        return Err(ApiError::bad_input(
            "rateLimit",
            format!("must be between 1 and {MAX_RATE_LIMIT} requests a minute"),
        ));
    }
    Ok(n.unsigned_abs())
}

fn key_id(id: &ID) -> ApiResult<i64> {
    match GlobalId::decode(id, "id")? {
        GlobalId::ApiKey(key) => Ok(key),
        _ => Err(ApiError::bad_input("id", "is not an API key id")),
    }
}

fn webhook_id(id: &ID) -> ApiResult<i64> {
    match GlobalId::decode(id, "id")? {
        GlobalId::Webhook(hook) => Ok(hook),
        _ => Err(ApiError::bad_input("id", "is not a webhook id")),
    }
}

fn events(values: &[WebhookEventValue]) -> Vec<WebhookEvent> {
    values.iter().copied().map(Into::into).collect()
}

/// A partner's read-only key.
#[derive(InputObject)]
pub struct CreateContentKeyInput {
    /// Whose it is ("Partner Times").
    name: String,
    /// Requests a minute (default 600).
    rate_limit: Option<i32>,
}

/// A key for an integration that writes: its tokens act with `role`.
#[derive(InputObject)]
pub struct CreateIntegrationKeyInput {
    /// What it is ("Wire importer").
    name: String,
    /// The role its tokens act with.
    role: RoleValue,
    /// Requests a minute (default 600).
    rate_limit: Option<i32>,
}

/// The changed key.
#[derive(SimpleObject)]
pub struct ApiKeyPayload {
    api_key: ApiKeyNode,
}

/// A webhook to register.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// Where to post deliveries (http or https), at a public address unless the server
    /// allows private ones (`--webhook-allow-private`).
    url: String,
    /// Signs every delivery (at least 16 characters); keep it to check signatures.
    secret: String,
    /// What to send.
    events: Vec<WebhookEventValue>,
}

/// Changes to a webhook; absent fields are kept.
#[derive(InputObject, Default)]
pub struct UpdateWebhookInput {
    url: Option<String>,
    secret: Option<String>,
    events: Option<Vec<WebhookEventValue>>,
    /// `true` re-enables a disabled webhook; `false` disables it.
    active: Option<bool>,
}

/// The changed webhook.
#[derive(SimpleObject)]
pub struct WebhookPayload {
    webhook: WebhookNode,
}

#[derive(Default)]
pub struct AdminMutations;

#[Object]
impl AdminMutations {
    /// Makes a content key for a partner (administrators). The key is in `secret`, shown
    /// this once.
    async fn create_content_key(
        &self,
        ctx: &Context<'_>,
        input: CreateContentKeyInput,
    ) -> async_graphql::Result<CreatedApiKeyPayload> {
        let req = request(ctx);
        authorize(req)?;
        let limit = rate_limit(input.rate_limit)?;
        let issued = req
            .store
            .write(move |c| keys::create_content(c, &input.name, limit))
            .await
            .map_err(ApiError::from)?;
        Ok(CreatedApiKeyPayload {
            api_key: ApiKeyNode {
                key: issued.key,
                role: None,
            },
            secret: issued.credential,
        })
    }

    /// Makes an integration key (administrators): `{id}:{secret}` in `secret`, shown this
    /// once. Tokens signed with it act as a new staff account with `role`.
    async fn create_integration_key(
        &self,
        ctx: &Context<'_>,
        input: CreateIntegrationKeyInput,
    ) -> async_graphql::Result<CreatedApiKeyPayload> {
        let req = request(ctx);
        authorize(req)?;
        let limit = rate_limit(input.rate_limit)?;
        let role = input.role.into();
        let keyring = req.store.keyring();
        let issued = req
            .store
            .write(move |c| keys::create_integration(c, &keyring, &input.name, role, limit))
            .await
            .map_err(ApiError::from)?;
        Ok(CreatedApiKeyPayload {
            api_key: ApiKeyNode {
                key: issued.key,
                role: Some(role),
            },
            secret: issued.credential,
        })
    }

    /// Revokes a key (administrators); it stops working at once.
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ApiKeyPayload> {
        let req = request(ctx);
        authorize(req)?;
        let (id, now) = (key_id(&id)?, req.now);
        let (key, role) = req
            .store
            .write(move |c| {
                let key = stored_keys::revoke(c, id, now)?;
                let role = match key.user {
                    Some(user) => users::get(c, user)?.map(|u| u.role),
                    None => None,
                };
                Ok((key, role))
            })
            .await
            .map_err(ApiError::from)?;
        req.limiter.forget_keys();
        Ok(ApiKeyPayload {
            api_key: ApiKeyNode { key, role },
        })
    }

    /// Registers a webhook (administrators).
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookInput,
    ) -> async_graphql::Result<WebhookPayload> {
        let req = request(ctx);
        authorize(req)?;
        let new = NewWebhook::parse(&input.url, &input.secret, &events(&input.events))
            .map_err(ApiError::from)?;
        address::admit(&new.url, req.webhook_receivers)
            .await
            .map_err(ApiError::from)?;
        let (now, keyring) = (req.now, req.store.keyring());
        let hook = req
            .store
            .write(move |c| webhooks::create(c, &keyring, &new, now))
            .await
            .map_err(ApiError::from)?;
        Ok(WebhookPayload {
            webhook: WebhookNode(hook),
        })
    }

    /// Changes a webhook (administrators); `active: true` re-enables one that was disabled.
    async fn update_webhook(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateWebhookInput,
    ) -> async_graphql::Result<WebhookPayload> {
        let req = request(ctx);
        authorize(req)?;
        let id = webhook_id(&id)?;
        let changes = parse_changes(input)?;
        if let Some(url) = &changes.url {
            address::admit(url, req.webhook_receivers)
                .await
                .map_err(ApiError::from)?;
        }
        let keyring = req.store.keyring();
        let hook = req
            .store
            .write(move |c| webhooks::update(c, &keyring, id, &changes))
            .await
            .map_err(ApiError::from)?;
        Ok(WebhookPayload {
            webhook: WebhookNode(hook),
        })
    }

    /// Deletes a webhook and its delivery history (administrators).
    async fn delete_webhook(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let req = request(ctx);
        authorize(req)?;
        let hook = webhook_id(&id)?;
        req.store
            .write(move |c| webhooks::delete(c, hook))
            .await
            .map_err(ApiError::from)?;
        Ok(id)
    }
}

fn parse_changes(input: UpdateWebhookInput) -> ApiResult<WebhookChanges> {
    Ok(WebhookChanges {
        url: input.url.map(|u| WebUrl::parse("url", &u)).transpose()?,
        secret: input
            .secret
            .map(|s| webhook::parse_secret(&s))
            .transpose()?,
        events: input
            .events
            .map(|e| webhook::parse_events(&events(&e)))
            .transpose()?,
        active: input.active,
    })
}
