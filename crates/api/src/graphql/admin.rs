//! For administrators: partners' API keys and webhooks, with every delivery attempt.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use broadsheet_domain::author::Role;
use broadsheet_domain::time::Timestamp;
use broadsheet_domain::webhook::WebhookEvent;
use broadsheet_persistence::keys::{ApiKey, KeyKind};
use broadsheet_persistence::webhooks::{Attempt, Delivery, DeliveryStatus, Webhook};

use super::context::{RequestContext, request};
use super::error::{ApiError, ApiResult};
use super::ids::GlobalId;
use super::user::RoleValue;

/// What a key is for.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(name = "ApiKeyKind")]
pub enum ApiKeyKindValue {
    /// Read-only access to published content (the JSON Content API, feeds, GraphQL with
    /// `?key=`), for partners.
    Content,
    /// Signs short-lived tokens (`Authorization: Ghost <token>`) that act with a staff role.
    Integration,
}

/// A partner's or integration's key. Its secret is shown once, when it is made.
pub struct ApiKeyNode {
    pub(crate) key: ApiKey,
    pub(crate) role: Option<Role>,
}

#[Object(name = "ApiKey")]
impl ApiKeyNode {
    async fn id(&self) -> ID {
        GlobalId::ApiKey(self.key.id.0).encode().into()
    }

    /// Whose key it is.
    async fn name(&self) -> &str {
        &self.key.name
    }

    async fn kind(&self) -> ApiKeyKindValue {
        match self.key.kind {
            KeyKind::Content => ApiKeyKindValue::Content,
            KeyKind::Integration => ApiKeyKindValue::Integration,
        }
    }

    /// For an integration key, the public half (`kid` in its tokens).
    async fn key_id(&self) -> Option<&str> {
        self.key.key_id.as_deref()
    }

    /// For an integration key, the role its tokens act with.
    async fn role(&self) -> Option<RoleValue> {
        self.role.map(RoleValue::from)
    }

    /// Requests a minute.
    async fn rate_limit(&self) -> u32 {
        self.key.rate_limit
    }

    async fn created_at(&self) -> Timestamp {
        self.key.created_at
    }

    /// When it was revoked; a revoked key works no more.
    async fn revoked_at(&self) -> Option<Timestamp> {
        self.key.revoked_at
    }

    /// When it was last used (recorded at most once a minute).
    async fn last_used_at(&self) -> Option<Timestamp> {
        self.key.last_used_at
    }
}

/// Every key, newest first.
pub async fn api_keys(req: &RequestContext) -> ApiResult<Vec<ApiKeyNode>> {
    Ok(req
        .service
        .list_keys(&req.viewer)
        .await?
        .into_iter()
        .map(|k| ApiKeyNode {
            key: k.key,
            role: k.role,
        })
        .collect())
}

/// An event a webhook can subscribe to.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(name = "WebhookEvent")]
pub enum WebhookEventValue {
    /// `article.published`: an article went live.
    ArticlePublished,
    /// `article.updated`: a live article changed.
    ArticleUpdated,
    /// `article.unpublished`: a live article went back to draft or was rescheduled.
    ArticleUnpublished,
    /// `article.deleted`: a live article was deleted.
    ArticleDeleted,
    /// `tag.created`: a public tag was created.
    TagCreated,
    /// `tag.updated`: a public tag changed.
    TagUpdated,
    /// `tag.deleted`: a public tag was deleted or merged away.
    TagDeleted,
}

impl From<WebhookEventValue> for WebhookEvent {
    fn from(e: WebhookEventValue) -> Self {
        match e {
            WebhookEventValue::ArticlePublished => Self::ArticlePublished,
            WebhookEventValue::ArticleUpdated => Self::ArticleUpdated,
            WebhookEventValue::ArticleUnpublished => Self::ArticleUnpublished,
            WebhookEventValue::ArticleDeleted => Self::ArticleDeleted,
            WebhookEventValue::TagCreated => Self::TagCreated,
            WebhookEventValue::TagUpdated => Self::TagUpdated,
            WebhookEventValue::TagDeleted => Self::TagDeleted,
        }
    }
}

impl From<WebhookEvent> for WebhookEventValue {
    fn from(e: WebhookEvent) -> Self {
        match e {
            WebhookEvent::ArticlePublished => Self::ArticlePublished,
            WebhookEvent::ArticleUpdated => Self::ArticleUpdated,
            WebhookEvent::ArticleUnpublished => Self::ArticleUnpublished,
            WebhookEvent::ArticleDeleted => Self::ArticleDeleted,
            WebhookEvent::TagCreated => Self::TagCreated,
            WebhookEvent::TagUpdated => Self::TagUpdated,
            WebhookEvent::TagDeleted => Self::TagDeleted,
        }
    }
}

/// A registered webhook. Its secret is never shown again.
pub struct WebhookNode(pub Webhook);

#[Object(name = "Webhook")]
impl WebhookNode {
    async fn id(&self) -> ID {
        GlobalId::Webhook(self.0.id.0).encode().into()
    }

    /// Where deliveries are posted.
    async fn url(&self) -> &str {
        &self.0.url
    }

    /// What it is sent.
    async fn events(&self) -> Vec<WebhookEventValue> {
        self.0.events.iter().copied().map(Into::into).collect()
    }

    /// False once disabled, by an administrator or by the receiver answering `410 Gone`.
    async fn active(&self) -> bool {
        self.0.active
    }

    /// Why it was disabled.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }

    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }

    /// The latest deliveries (at most 100), newest first, each with every attempt.
    #[graphql(
        complexity = "crate::graphql::pagination::page_cost(None, Some(last), child_complexity)"
    )]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] last: i32,
    ) -> async_graphql::Result<Vec<DeliveryNode>> {
        let req = request(ctx);
        let found = req
            .service
            .webhook_deliveries(&req.viewer, self.0.id, i64::from(last))
            .await
            .map_err(ApiError::from)?;
        Ok(found.into_iter().map(DeliveryNode).collect())
    }
}

/// Where a delivery stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(name = "DeliveryStatus")]
pub enum DeliveryStatusValue {
    /// Waiting for its next attempt, or in flight.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Out of attempts, or the receiver answered 410.
    Failed,
}

/// One event sent (or being sent) to one webhook.
pub struct DeliveryNode(Delivery);

#[Object(name = "WebhookDelivery")]
impl DeliveryNode {
    /// The event's id: the same on every attempt, so receivers can deduplicate.
    async fn event_id(&self) -> &str {
        &self.0.event_id
    }

    async fn event(&self) -> Option<WebhookEventValue> {
        Some(self.0.event.into())
    }

    async fn status(&self) -> DeliveryStatusValue {
        match self.0.status {
            DeliveryStatus::Pending => DeliveryStatusValue::Pending,
            DeliveryStatus::Delivered => DeliveryStatusValue::Delivered,
            DeliveryStatus::Failed => DeliveryStatusValue::Failed,
        }
    }

    /// When the event happened.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at
    }

    /// While pending: when the next attempt is due.
    async fn next_attempt_at(&self) -> Option<Timestamp> {
        self.0.next_attempt_at
    }

    /// Every attempt, oldest first.
    async fn attempts(&self) -> Vec<AttemptNode> {
        self.0.attempts.iter().cloned().map(AttemptNode).collect()
    }
}

/// One try at a delivery.
pub struct AttemptNode(Attempt);

#[Object(name = "WebhookAttempt")]
impl AttemptNode {
    async fn attempted_at(&self) -> Timestamp {
        self.0.attempted_at
    }

    /// The HTTP status the receiver answered.
    async fn response_status(&self) -> Option<u16> {
        self.0.response_status
    }

    /// What went wrong (a timeout, a refused connection). Neither this nor a status: in
    /// flight, or the process making it stopped (the delivery is then tried again).
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
}

/// Every webhook, oldest first.
pub async fn list_webhooks(req: &RequestContext) -> ApiResult<Vec<WebhookNode>> {
    Ok(req
        .service
        .list_webhooks(&req.viewer)
        .await?
        .into_iter()
        .map(WebhookNode)
        .collect())
}

/// A new key, and its secret (shown this once).
#[derive(SimpleObject)]
pub struct CreatedApiKeyPayload {
    /// As stored.
    pub api_key: ApiKeyNode,
    /// The credential: 26 hex characters for a content key (sent as `?key=`), `{id}:{secret}`
    /// for an integration key. Only a hash (content) or the secret (integration) is kept;
    /// it cannot be shown again.
    pub secret: String,
}
