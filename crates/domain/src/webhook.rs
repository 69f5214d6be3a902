//! Webhooks: what partners are told, and when.
//!
//! Webhooks announce changes to what the public can see. An article is announced when it
//! goes live (`article.published`), when it changes while live (`article.updated`), when it
//! stops being live (`article.unpublished`) and when a live article is deleted
//! (`article.deleted`); drafts and their edits are never announced. Tags are announced when
//! a public tag is created, changed or deleted; internal (`#`) tags are not.

use std::fmt;

use crate::ValidationError;
use crate::article::{Article, ArticleStatus};
use crate::tag::{Tag, Visibility};
use crate::time::Timestamp;
use crate::url::WebUrl;

/// An event a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WebhookEvent {
    /// An article went live: published now, or its scheduled time came.
    ArticlePublished,
    /// A live article changed: its words, fields, tags or authors.
    ArticleUpdated,
    /// A live article was taken back to draft or rescheduled.
    ArticleUnpublished,
    /// A live article was deleted.
    ArticleDeleted,
    /// A public tag was created.
    TagCreated,
    /// A public tag changed (or an internal tag became public).
    TagUpdated,
    /// A public tag was deleted (or merged into another).
    TagDeleted,
}

impl WebhookEvent {
    /// Every event.
    pub const ALL: [Self; 7] = [
        Self::ArticlePublished,
        Self::ArticleUpdated,
        Self::ArticleUnpublished,
        Self::ArticleDeleted,
        Self::TagCreated,
        Self::TagUpdated,
        Self::TagDeleted,
    ];

    /// The name on the wire: `article.published`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ArticlePublished => "article.published",
            Self::ArticleUpdated => "article.updated",
            Self::ArticleUnpublished => "article.unpublished",
            Self::ArticleDeleted => "article.deleted",
            Self::TagCreated => "tag.created",
            Self::TagUpdated => "tag.updated",
            Self::TagDeleted => "tag.deleted",
        }
    }

    /// The event with this wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

impl fmt::Display for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn published(article: Option<&Article>) -> bool {
    article.is_some_and(|a| a.publication.status() == ArticleStatus::Published)
}

fn live(article: Option<&Article>, now: Timestamp) -> bool {
    article.is_some_and(|a| a.publication.is_live_at(now))
}

/// What a change of an article from `before` to `after` (`None`: not there) at `now`
/// announces.
///
/// An article is announced as published when it becomes `published` (by a mutation, or by
/// the scheduler when its time comes). A scheduled article whose time has passed already
/// reads as published, even before the scheduler gets to it; changes to it in that gap are
/// announced as updates, unpublishing or deletion like any live article's, and its
/// `article.published` follows when the scheduler (or an editor) publishes it.
pub fn article_event(
    before: Option<&Article>,
    after: Option<&Article>,
    now: Timestamp,
) -> Option<WebhookEvent> {
    if published(after) && !published(before) {
        return Some(WebhookEvent::ArticlePublished);
    }
    match (live(before, now), live(after, now), after.is_some()) {
        (true, true, _) => Some(WebhookEvent::ArticleUpdated),
        (true, false, true) => Some(WebhookEvent::ArticleUnpublished),
        (true, false, false) => Some(WebhookEvent::ArticleDeleted),
        // Not live before: only becoming `published` (above) is announced.
        (false, _, _) => None,
    }
}

/// What a change of a tag from `before` to `after` (`None`: not there) announces.
pub fn tag_event(before: Option<&Tag>, after: Option<&Tag>) -> Option<WebhookEvent> {
    let public = |t: Option<&Tag>| t.is_some_and(|t| t.visibility() == Visibility::Public);
    match (public(before), public(after)) {
        (false, true) if before.is_none() => Some(WebhookEvent::TagCreated),
        (false, true) | (true, true) => Some(WebhookEvent::TagUpdated),
        (true, false) => Some(WebhookEvent::TagDeleted),
        (false, false) => None,
    }
}

/// The shortest secret a webhook may have: it signs every delivery.
pub const MIN_SECRET_LEN: usize = 16;
const MAX_SECRET_LEN: usize = 256;

/// A webhook as registered: where to deliver, the secret that signs deliveries, and which
/// events it wants.
#[derive(Clone, PartialEq, Eq)]
pub struct NewWebhook {
    /// Where deliveries are posted.
    pub url: WebUrl,
    /// Signs every delivery (HMAC-SHA256).
    pub secret: String,
    /// At least one, each once, in a fixed order.
    pub events: Vec<WebhookEvent>,
}

/// Never the secret: a registration may reach a log.
impl std::fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewWebhook")
            .field("url", &self.url)
            .field("secret", &"[redacted]")
            .field("events", &self.events)
            .finish()
    }
}

impl NewWebhook {
    /// Checks a registration.
    pub fn parse(
        url: &str,
        secret: &str,
        events: &[WebhookEvent],
    ) -> Result<Self, ValidationError> {
        Ok(Self {
            url: WebUrl::parse("url", url)?,
            secret: parse_secret(secret)?,
            events: parse_events(events)?,
        })
    }
}

/// A webhook secret: printable, between 16 and 256 characters, and not starting with `enc:`
/// (which marks a value sealed with the master key in the database).
pub fn parse_secret(secret: &str) -> Result<String, ValidationError> {
    let n = secret.chars().count();
    if !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&n) {
        return Err(ValidationError::new(
            "secret",
            format!("must be between {MIN_SECRET_LEN} and {MAX_SECRET_LEN} characters"),
        ));
    }
    if secret.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "secret",
            "must not contain control characters",
        ));
    }
    if secret.starts_with("enc:") {
        return Err(ValidationError::new(
            "secret",
            "must not start with enc: (the mark of a sealed value)",
        ));
    }
    Ok(secret.to_owned())
}

/// A set of events: at least one, sorted, without repeats.
pub fn parse_events(events: &[WebhookEvent]) -> Result<Vec<WebhookEvent>, ValidationError> {
    let mut events = events.to_vec();
    events.sort();
    events.dedup();
    if events.is_empty() {
        return Err(ValidationError::new("events", "needs at least one event"));
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Slug;

    #[test]
    fn a_registration_never_prints_its_secret() {
        let hook = NewWebhook::parse(
            "https://hooks.example.com/in",
            "s3cret-s3cret-s3cret",
            &[WebhookEvent::ArticlePublished],
        )
        .expect("valid");
        let shown = format!("{hook:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("hooks.example.com"), "{shown}");
    }

    #[test]
    fn secrets_are_printable_and_not_taken_for_sealed_values() {
        assert!(parse_secret("whsec-0123456789-abcdef").is_ok());
        for bad in [
            "short",
            "tab\there-and-long-enough",
            "enc:v1:0123abcd:AAAAAAAAAAAA",
        ] {
            assert_eq!(parse_secret(bad).expect_err(bad).field, "secret");
        }
    }
    use crate::article::{ArticleInput, NewArticle, Publication};
    use crate::ids::{ArticleId, AuthorId, TagId};
    use crate::tag::{NewTag, TagInput};

    fn article(publication: Publication) -> Article {
        let new = NewArticle::parse(
            &ArticleInput {
                title: "A title".into(),
                body: "Words.".into(),
                authors: vec![AuthorId(1)],
                ..ArticleInput::default()
            },
            crate::time::now(),
        )
        .expect("valid");
        let now = crate::time::now();
        Article {
            id: ArticleId(1),
            uuid: new.uuid,
            slug: Slug::derive(new.title.as_str(), "x"),
            title: new.title,
            custom_excerpt: new.custom_excerpt,
            content: new.content,
            publication,
            featured: new.featured,
            feature_image: new.feature_image,
            seo: new.seo,
            version: 1,
            created_at: now,
            updated_at: now,
            updated_by: None,
        }
    }

    #[test]
    fn names_round_trip() {
        for e in WebhookEvent::ALL {
            assert_eq!(WebhookEvent::parse(e.as_str()), Some(e));
        }
        assert_eq!(WebhookEvent::parse("post.published"), None);
    }

    #[test]
    fn only_public_articles_are_announced() {
        let t = crate::time::now();
        let draft = article(Publication::Draft);
        let scheduled = article(Publication::Scheduled(t + chrono::TimeDelta::hours(1)));
        let due = article(Publication::Scheduled(t - chrono::TimeDelta::seconds(1)));
        let live = article(Publication::Published(t));
        use WebhookEvent::*;
        let cases = [
            (None, Some(&draft), None),
            (None, Some(&live), Some(ArticlePublished)),
            (Some(&draft), Some(&draft), None),
            (Some(&draft), Some(&scheduled), None),
            (Some(&scheduled), Some(&live), Some(ArticlePublished)),
            (Some(&live), Some(&live), Some(ArticleUpdated)),
            (Some(&live), Some(&draft), Some(ArticleUnpublished)),
            (Some(&live), Some(&scheduled), Some(ArticleUnpublished)),
            (Some(&live), None, Some(ArticleDeleted)),
            (Some(&draft), None, None),
            (Some(&scheduled), None, None),
            // Due but not yet published by the scheduler: it already reads as published.
            (Some(&due), Some(&live), Some(ArticlePublished)),
            (Some(&due), Some(&due), Some(ArticleUpdated)),
            (Some(&due), Some(&draft), Some(ArticleUnpublished)),
            (Some(&due), None, Some(ArticleDeleted)),
            (Some(&draft), Some(&due), None),
        ];
        for (i, (before, after, expected)) in cases.into_iter().enumerate() {
            assert_eq!(article_event(before, after, t), expected, "case {i}");
        }
    }

    #[test]
    fn only_public_tags_are_announced() {
        let tag = |name: &str| {
            let new = NewTag::parse(&TagInput {
                name: name.into(),
                ..TagInput::default()
            })
            .expect("valid");
            let now = crate::time::now();
            Tag {
                id: TagId(1),
                slug: new.name.derived_slug(),
                name: new.name,
                description: None,
                feature_image: None,
                meta_title: None,
                meta_description: None,
                created_at: now,
                updated_at: now,
            }
        };
        let (public, internal) = (tag("Politics"), tag("#hidden"));
        use WebhookEvent::*;
        assert_eq!(tag_event(None, Some(&public)), Some(TagCreated));
        assert_eq!(tag_event(None, Some(&internal)), None);
        assert_eq!(tag_event(Some(&public), Some(&public)), Some(TagUpdated));
        assert_eq!(tag_event(Some(&internal), Some(&public)), Some(TagUpdated));
        assert_eq!(tag_event(Some(&public), Some(&internal)), Some(TagDeleted));
        assert_eq!(tag_event(Some(&public), None), Some(TagDeleted));
        assert_eq!(tag_event(Some(&internal), None), None);
    }

    #[test]
    fn registrations_are_checked() {
        let ok = NewWebhook::parse(
            "https://partner.example/hooks",
            "0123456789abcdef",
            &[
                WebhookEvent::TagDeleted,
                WebhookEvent::ArticlePublished,
                WebhookEvent::TagDeleted,
            ],
        )
        .expect("valid");
        assert_eq!(
            ok.events,
            [WebhookEvent::ArticlePublished, WebhookEvent::TagDeleted]
        );
        let err = |url: &str, secret: &str, events: &[WebhookEvent]| {
            NewWebhook::parse(url, secret, events)
                .expect_err("refused")
                .field
        };
        let all = &WebhookEvent::ALL;
        assert_eq!(err("javascript:alert(1)", "0123456789abcdef", all), "url");
        assert_eq!(err("/relative", "0123456789abcdef", all), "url");
        assert_eq!(err("https://p.example", "short", all), "secret");
        assert_eq!(
            err("https://p.example", "0123456789abcdef\n", all),
            "secret"
        );
        assert_eq!(err("https://p.example", "0123456789abcdef", &[]), "events");
    }
}
