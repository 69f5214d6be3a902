//! The `Author` type and its connection.

use async_graphql::{Context, ID, Object};
use broadsheet_domain::author::Author;
use broadsheet_domain::listing::ArticleFilter;

use super::article::{ArticleConnection, ArticleOrderBy};
use super::context::request;
use super::error::ApiError;
use super::ids::GlobalId;
use super::loaders::AuthorArticleCount;
use super::pagination::{article_page, int};

/// A writer, as the public sees them.
pub struct AuthorNode(pub Author);

#[Object(name = "Author")]
impl AuthorNode {
    /// Global id (for `node`).
    pub async fn id(&self) -> ID {
        GlobalId::Author(self.0.id).encode().into()
    }

    /// Address of the author page: `https://site/author/{slug}/`.
    async fn slug(&self) -> &str {
        self.0.slug.as_str()
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.profile.name
    }

    /// Short biography.
    async fn bio(&self) -> Option<&str> {
        self.0.profile.bio.as_deref()
    }

    /// Portrait.
    async fn profile_image(&self) -> Option<String> {
        self.0
            .profile
            .profile_image
            .as_ref()
            .map(ToString::to_string)
    }

    /// Banner for the author page.
    async fn cover_image(&self) -> Option<String> {
        self.0.profile.cover_image.as_ref().map(ToString::to_string)
    }

    /// Personal website.
    async fn website(&self) -> Option<String> {
        self.0.profile.website.as_ref().map(ToString::to_string)
    }

    /// Where they are based.
    async fn location(&self) -> Option<&str> {
        self.0.profile.location.as_deref()
    }

    /// Twitter/X handle, `@name`.
    async fn twitter(&self) -> Option<&str> {
        self.0.profile.twitter.as_deref()
    }

    /// Facebook user or page name.
    async fn facebook(&self) -> Option<&str> {
        self.0.profile.facebook.as_deref()
    }

    /// Title for search engines.
    async fn meta_title(&self) -> Option<&str> {
        self.0.profile.meta_title.as_deref()
    }

    /// Description for search engines.
    async fn meta_description(&self) -> Option<&str> {
        self.0.profile.meta_description.as_deref()
    }

    /// The author page on the site.
    async fn url(&self, ctx: &Context<'_>) -> String {
        request(ctx).site.page(&format!("author/{}", self.0.slug))
    }

    /// Published articles with this author's byline.
    async fn article_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let n = request(ctx)
            .loader
            .load_one(AuthorArticleCount(self.0.id))
            .await;
        Ok(int(n.map_err(ApiError::from)?.unwrap_or(0)))
    }

    /// Published articles with this author's byline.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<ArticleOrderBy>,
    ) -> async_graphql::Result<ArticleConnection> {
        let order = order_by.unwrap_or_default().into();
        let page = article_page(first, after, last, before, order)?;
        let filter = ArticleFilter {
            live_at: Some(request(ctx).now),
            authors_any: vec![self.0.slug.clone()],
            ..ArticleFilter::default()
        };
        Ok(ArticleConnection::load(ctx, filter, order, page).await?)
    }
}
