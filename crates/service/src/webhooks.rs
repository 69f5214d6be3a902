//! Registering, changing and deleting webhooks (administrators). A receiver must be at a
//! public address unless the service allows any ([`Receivers`]).

use broadsheet_domain::ids::WebhookId;
use broadsheet_domain::policy::{Action, Ownership};
use broadsheet_domain::url::WebUrl;
use broadsheet_domain::webhook::{self, NewWebhook, WebhookEvent};
use broadsheet_persistence::webhooks::{self as stored, Delivery, Webhook, WebhookChanges};

use crate::Service;
use crate::actor::Actor;
use crate::address;
use crate::error::ServiceResult;

/// Changes to a webhook, as given; absent fields are kept.
#[derive(Debug, Clone, Default)]
pub struct WebhookUpdate {
    /// A new receiver address.
    pub url: Option<String>,
    /// A new signing secret.
    pub secret: Option<String>,
    /// A new set of events.
    pub events: Option<Vec<WebhookEvent>>,
    /// `true` re-enables a disabled webhook; `false` disables it.
    pub active: Option<bool>,
}

/// The most deliveries one listing shows.
pub const MAX_DELIVERIES: i64 = 100;

impl Service {
    /// Registers a webhook posting `events` to `url`, signed with `secret`.
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        url: &str,
        secret: &str,
        events: &[WebhookEvent],
    ) -> ServiceResult<Webhook> {
        actor.authorize(Action::ManageKeys, Ownership::Others)?;
        let new = NewWebhook::parse(url, secret, events)?;
        address::admit(&new.url, self.receivers()).await?;
        let (keyring, now) = (self.store().keyring(), self.now());
        Ok(self
            .store()
            .write(move |c| stored::create(c, &keyring, &new, now))
            .await?)
    }

    /// Changes a webhook; `active: Some(true)` re-enables one that was disabled.
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: WebhookId,
        update: WebhookUpdate,
    ) -> ServiceResult<Webhook> {
        actor.authorize(Action::ManageKeys, Ownership::Others)?;
        let changes = WebhookChanges {
            url: update.url.map(|u| WebUrl::parse("url", &u)).transpose()?,
            secret: update
                .secret
                .map(|s| webhook::parse_secret(&s))
                .transpose()?,
            events: update
                .events
                .map(|e| webhook::parse_events(&e))
                .transpose()?,
            active: update.active,
        };
        if let Some(url) = &changes.url {
            address::admit(url, self.receivers()).await?;
        }
        let keyring = self.store().keyring();
        Ok(self
            .store()
            .write(move |c| stored::update(c, &keyring, id, &changes))
            .await?)
    }

    /// Deletes a webhook and its delivery history.
    pub async fn delete_webhook(&self, actor: &Actor, id: WebhookId) -> ServiceResult<()> {
        actor.authorize(Action::ManageKeys, Ownership::Others)?;
        Ok(self.store().write(move |c| stored::delete(c, id)).await?)
    }

    /// Every webhook, oldest first.
    pub async fn list_webhooks(&self, actor: &Actor) -> ServiceResult<Vec<Webhook>> {
        actor.authorize(Action::ManageKeys, Ownership::Others)?;
        Ok(self.store().read(stored::list).await?)
    }

    /// The last `last` deliveries of webhook `id` (1 to [`MAX_DELIVERIES`]), newest first.
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        id: WebhookId,
        last: i64,
    ) -> ServiceResult<Vec<Delivery>> {
        actor.authorize(Action::ManageKeys, Ownership::Others)?;
        if !(1..=MAX_DELIVERIES).contains(&last) {
            return Err(crate::ServiceError::invalid(
                "last",
                format!("must be between 1 and {MAX_DELIVERIES}"),
            ));
        }
        Ok(self
            .store()
            .read(move |c| stored::deliveries(c, id, last))
            .await?)
    }
}
