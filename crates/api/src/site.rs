//! The publication's public address, from which page URLs are made.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::AppState;

/// The site's address, without a trailing slash.
#[derive(Debug, Clone)]
pub struct SiteUrl(Arc<str>);

impl SiteUrl {
    /// `url` with any trailing slash removed.
    pub fn new(url: &str) -> Self {
        Self(Arc::from(url.trim_end_matches('/')))
    }

    /// `{site}/{path}/`.
    pub fn page(&self, path: &str) -> String {
        format!("{}/{path}/", self.0)
    }

    /// `{site}{path}`, for a path that starts with `/`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// `{site}/`.
    pub fn root(&self) -> String {
        format!("{}/", self.0)
    }
}

impl Default for SiteUrl {
    fn default() -> Self {
        Self::new("http://localhost:8080")
    }
}

/// What any path this server does not serve answers: 404, saying where the pages are.
///
/// Article, tag, author and preview URLs start with the site's address (`--site-url`), which
/// by default is this server's own, and newcomers follow them here. Pages are the website's
/// to render, from this API; the answer says so and how to read the same thing from the API.
/// It is the same for every path, so it tells nothing about what exists (a draft's URL
/// answers as an unknown one does).
pub(crate) async fn elsewhere(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(format!(
            "Not found. This is Broadsheet, the publication's API, and it serves no pages.\n\
             \n\
             Article, tag, author and preview pages are the website's, at the site address \
             ({site}, set by --site-url or BROADSHEET_SITE_URL), which reads them from this \
             API. Point --site-url at the website, and the url fields will link there.\n\
             \n\
             Here, read an article by its slug with GraphQL at /graphql, article(slug: \"...\"), \
             or with a content key at /ghost/api/content/posts/slug/SLUG/?key=KEY; a preview \
             link's article with preview(token: \"...\"). Feeds are at /rss/, /atom/ and \
             /feed.json.\n",
            site = state.site().root(),
        ))
}
