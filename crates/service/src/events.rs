//! What a change announces. Every use case that changes content records its events here,
//! inside the transaction that makes the change, so an event is stored with its change or not
//! at all: webhooks today, delta sync and live updates later read the same events.
//!
//! An event's body is
//! `{"id": "<event id>", "event": "article.published", "created_at": "...", "data": {...}}`.
//! What `data` holds is a wire contract of the transport that delivers it (the JSON Content
//! API's shapes, for webhooks), so the transport hands the service an [`EventBodies`] that
//! renders it; for an article `data.version` is its version then (deliveries can arrive out of
//! order, and a receiver that has seen a higher version of the article can ignore a lower one).

use std::sync::Arc;

use broadsheet_domain::article::Article;
use broadsheet_domain::author::Author;
use broadsheet_domain::ids::ArticleId;
use broadsheet_domain::tag::Tag;
use broadsheet_domain::time::Timestamp;
use broadsheet_domain::webhook::{self, WebhookEvent};
use broadsheet_persistence::{AnyConnection, StoreError, tags, users, webhooks};
use serde_json::{Value, json};
use uuid::Uuid;

/// Renders the `data` of events: implemented by the transport whose shapes they carry.
pub trait EventBodies: Send + Sync + 'static {
    /// An article with its tags and authors, as a receiver sees it.
    fn article(&self, article: &Article, tags: &[Tag], authors: &[Author]) -> Value;
    /// A tag, as a receiver sees it.
    fn tag(&self, tag: &Tag) -> Value;
    /// An instant, as bodies write them.
    fn date(&self, at: Timestamp) -> Value;
}

/// Shared renderer.
pub type Bodies = Arc<dyn EventBodies>;

/// An event, rendered, not yet stored.
#[derive(Debug, Clone)]
pub struct Announcement {
    event: WebhookEvent,
    id: String,
    body: String,
}

impl Announcement {
    fn new(bodies: &dyn EventBodies, event: WebhookEvent, data: Value, now: Timestamp) -> Self {
        let id = Uuid::now_v7().to_string();
        let body = json!({
            "id": id,
            "event": event.as_str(),
            "created_at": bodies.date(now),
            "data": data,
        })
        .to_string();
        Self { event, id, body }
    }

    /// Stores it for every webhook that wants it.
    pub fn record(self, c: &mut AnyConnection, now: Timestamp) -> Result<(), StoreError> {
        webhooks::record(c, self.event, &self.id, &self.body, now).map(drop)
    }

    /// Which event it is.
    pub fn event(&self) -> WebhookEvent {
        self.event
    }
}

/// What changing an article from `before` to `after` announces, rendered with the article's
/// tags and authors as they are now. For a deletion, call it before deleting.
pub fn article(
    c: &mut AnyConnection,
    bodies: &dyn EventBodies,
    before: Option<&Article>,
    after: Option<&Article>,
    now: Timestamp,
) -> Result<Option<Announcement>, StoreError> {
    let (Some(event), Some(subject)) =
        (webhook::article_event(before, after, now), after.or(before))
    else {
        return Ok(None);
    };
    let ids: [ArticleId; 1] = [subject.id];
    let tags = tags::of_articles(c, &ids)?
        .remove(&subject.id)
        .unwrap_or_default();
    let authors = users::of_articles(c, &ids)?
        .remove(&subject.id)
        .unwrap_or_default();
    let data = json!({
        "article": bodies.article(subject, &tags, &authors),
        "version": subject.version,
    });
    Ok(Some(Announcement::new(bodies, event, data, now)))
}

/// Records what changing an article from `before` to `after` announces.
pub fn record_article(
    c: &mut AnyConnection,
    bodies: &dyn EventBodies,
    before: Option<&Article>,
    after: Option<&Article>,
    now: Timestamp,
) -> Result<(), StoreError> {
    match article(c, bodies, before, after, now)? {
        Some(announcement) => announcement.record(c, now),
        None => Ok(()),
    }
}

/// Records what changing a tag from `before` to `after` announces.
pub fn record_tag(
    c: &mut AnyConnection,
    bodies: &dyn EventBodies,
    before: Option<&Tag>,
    after: Option<&Tag>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let (Some(event), Some(subject)) = (webhook::tag_event(before, after), after.or(before)) else {
        return Ok(());
    };
    let data = json!({ "tag": bodies.tag(subject) });
    Announcement::new(bodies, event, data, now).record(c, now)
}
