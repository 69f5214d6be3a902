//! Turning changes into events. Call these inside the transaction that makes the change, so
//! the event is stored with it or not at all.
//!
//! A delivery's body is
//! `{"id": "<event id>", "event": "article.published", "created_at": "...", "data": {...}}`,
//! where `data` holds the article (`"article"`) or tag (`"tag"`) in the shape the JSON Content
//! API gives it (an article with its public tags, its authors and its HTML), as it was when the
//! event happened (for a deletion: as it was before). For an article, `data.version` is its
//! version then: deliveries can arrive out of order (retries back off independently), and a
//! receiver that has seen a higher version of the same article can ignore a lower one.

use broadsheet_domain::article::Article;
use broadsheet_domain::ids::ArticleId;
use broadsheet_domain::tag::Tag;
use broadsheet_domain::time::Timestamp;
use broadsheet_domain::webhook::{self, WebhookEvent};
use broadsheet_persistence::{AnyConnection, StoreError, tags, users, webhooks};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::content::params::Params;
use crate::content::render;
use crate::site::SiteUrl;

/// An event, rendered, not yet stored.
#[derive(Debug, Clone)]
pub struct Announcement {
    event: WebhookEvent,
    id: String,
    body: String,
}

impl Announcement {
    fn new(event: WebhookEvent, data: Value, now: Timestamp) -> Self {
        let id = Uuid::now_v7().to_string();
        let body = json!({
            "id": id,
            "event": event.as_str(),
            "created_at": render::date(now),
            "data": data,
        })
        .to_string();
        Self { event, id, body }
    }

    /// Stores it for every webhook that wants it.
    pub fn record(self, c: &mut AnyConnection, now: Timestamp) -> Result<(), StoreError> {
        webhooks::record(c, self.event, &self.id, &self.body, now).map(drop)
    }
}

/// What changing an article from `before` to `after` announces, rendered with the article's
/// tags and authors as they are now. For a deletion, call it before deleting.
pub fn article(
    c: &mut AnyConnection,
    site: &SiteUrl,
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
    let params = Params {
        include: ["tags", "authors"].into_iter().map(String::from).collect(),
        html: true,
        ..Params::default()
    };
    let data = json!({
        "article": render::post(subject, &tags, &authors, site, &params),
        "version": subject.version,
    });
    Ok(Some(Announcement::new(event, data, now)))
}

/// Records what changing an article from `before` to `after` announces.
pub fn record_article(
    c: &mut AnyConnection,
    site: &SiteUrl,
    before: Option<&Article>,
    after: Option<&Article>,
    now: Timestamp,
) -> Result<(), StoreError> {
    match article(c, site, before, after, now)? {
        Some(announcement) => announcement.record(c, now),
        None => Ok(()),
    }
}

/// Records what changing a tag from `before` to `after` announces.
pub fn record_tag(
    c: &mut AnyConnection,
    site: &SiteUrl,
    before: Option<&Tag>,
    after: Option<&Tag>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let (Some(event), Some(subject)) = (webhook::tag_event(before, after), after.or(before)) else {
        return Ok(());
    };
    let data = json!({ "tag": render::tag(subject, site, None) });
    Announcement::new(event, data, now).record(c, now)
}
