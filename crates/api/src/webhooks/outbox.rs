//! How webhook events' `data` looks: the JSON Content API's shapes, rendered for the service
//! layer, which records the events in the transactions that make the changes
//! ([`broadsheet_service::events`]).
//!
//! `data` holds the article (`"article"`, with its public tags, its authors and its HTML) or
//! the tag (`"tag"`), as it was when the event happened (for a deletion: as it was before).

use std::sync::Arc;

use broadsheet_domain::article::Article;
use broadsheet_domain::author::Author;
use broadsheet_domain::tag::Tag;
use broadsheet_domain::time::Timestamp;
use broadsheet_service::{Bodies, EventBodies};
use serde_json::Value;

use crate::content::params::Params;
use crate::content::render;
use crate::site::SiteUrl;

/// Event bodies in the Content API's shapes, with URLs on `site`.
#[derive(Debug, Clone)]
pub struct ContentApiBodies {
    site: SiteUrl,
}

impl ContentApiBodies {
    /// Bodies with URLs on `site`, shared.
    pub fn shared(site: SiteUrl) -> Bodies {
        Arc::new(Self { site })
    }
}

impl EventBodies for ContentApiBodies {
    fn article(&self, article: &Article, tags: &[Tag], authors: &[Author]) -> Value {
        let params = Params {
            include: ["tags", "authors"].into_iter().map(String::from).collect(),
            html: true,
            ..Params::default()
        };
        render::value(&render::post(article, tags, authors, &self.site, &params))
    }

    fn tag(&self, tag: &Tag) -> Value {
        render::tag(tag, &self.site, None)
    }

    fn date(&self, at: Timestamp) -> Value {
        Value::String(render::date(at))
    }
}
