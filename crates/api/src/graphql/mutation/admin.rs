//! Administrators' changes: API keys and webhooks.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use broadsheet_domain::ids::{ApiKeyId, WebhookId};
use broadsheet_domain::webhook::WebhookEvent;
use broadsheet_service::webhooks::WebhookUpdate;

use crate::graphql::admin::{ApiKeyNode, CreatedApiKeyPayload, WebhookEventValue, WebhookNode};
use crate::graphql::context::request;
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::ids::GlobalId;
use crate::graphql::user::RoleValue;

fn key_id(id: &ID) -> ApiResult<ApiKeyId> {
    match GlobalId::decode(id, "id")? {
        GlobalId::ApiKey(key) => Ok(ApiKeyId(key)),
        _ => Err(ApiError::bad_input("id", "is not an API key id")),
    }
}

fn webhook_id(id: &ID) -> ApiResult<WebhookId> {
    match GlobalId::decode(id, "id")? {
        GlobalId::Webhook(hook) => Ok(WebhookId(hook)),
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
        let issued = req
            .service
            .create_content_key(&req.viewer, &input.name, input.rate_limit.map(i64::from))
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
        let role = input.role.into();
        let issued = req
            .service
            .create_integration_key(
                &req.viewer,
                &input.name,
                role,
                input.rate_limit.map(i64::from),
            )
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
        let revoked = req
            .service
            .revoke_key(&req.viewer, key_id(&id)?)
            .await
            .map_err(ApiError::from)?;
        req.limiter.forget_keys();
        Ok(ApiKeyPayload {
            api_key: ApiKeyNode {
                key: revoked.key,
                role: revoked.role,
            },
        })
    }

    /// Registers a webhook (administrators).
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookInput,
    ) -> async_graphql::Result<WebhookPayload> {
        let req = request(ctx);
        let hook = req
            .service
            .create_webhook(
                &req.viewer,
                &input.url,
                &input.secret,
                &events(&input.events),
            )
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
        let update = WebhookUpdate {
            url: input.url,
            secret: input.secret,
            events: input.events.as_deref().map(events),
            active: input.active,
        };
        let hook = req
            .service
            .update_webhook(&req.viewer, webhook_id(&id)?, update)
            .await
            .map_err(ApiError::from)?;
        Ok(WebhookPayload {
            webhook: WebhookNode(hook),
        })
    }

    /// Deletes a webhook and its delivery history (administrators).
    async fn delete_webhook(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let req = request(ctx);
        req.service
            .delete_webhook(&req.viewer, webhook_id(&id)?)
            .await
            .map_err(ApiError::from)?;
        Ok(id)
    }
}
