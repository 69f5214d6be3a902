//! The `Tag` type and its connection.

use async_graphql::{Context, ID, Object};
use broadsheet_domain::listing::ArticleFilter;
use broadsheet_domain::tag::{Tag, Visibility};

use super::article::{ArticleConnection, ArticleOrderBy};
use super::context::request;
use super::ids::GlobalId;
use super::loaders::TagArticleCount;
use super::pagination::{article_page, int};

/// A public tag: a section or topic.
pub struct TagNode(pub Tag);

impl TagNode {
    /// Whether the public may see this tag.
    pub fn is_public(&self) -> bool {
        self.0.visibility() == Visibility::Public
    }
}

#[Object(name = "Tag")]
impl TagNode {
    /// Global id (for `node`).
    pub async fn id(&self) -> ID {
        GlobalId::Tag(self.0.id).encode().into()
    }

    /// Address of the tag page: `https://site/tag/{slug}/`.
    async fn slug(&self) -> &str {
        self.0.slug.as_str()
    }

    /// Display name.
    async fn name(&self) -> &str {
        self.0.name.as_str()
    }

    /// Longer description for tag pages.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Header image for tag pages.
    async fn feature_image(&self) -> Option<String> {
        self.0.feature_image.as_ref().map(ToString::to_string)
    }

    /// Title for search engines.
    async fn meta_title(&self) -> Option<&str> {
        self.0.meta_title.as_deref()
    }

    /// Description for search engines.
    async fn meta_description(&self) -> Option<&str> {
        self.0.meta_description.as_deref()
    }

    /// The tag page on the site.
    async fn url(&self, ctx: &Context<'_>) -> String {
        request(ctx).site.page(&format!("tag/{}", self.0.slug))
    }

    /// Published articles with this tag.
    async fn article_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let n = request(ctx)
            .loader
            .load_one(TagArticleCount(self.0.id))
            .await;
        Ok(int(n.map_err(super::error::ApiError::from)?.unwrap_or(0)))
    }

    /// Published articles with this tag.
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
            tags_any: vec![self.0.slug.clone()],
            ..ArticleFilter::default()
        };
        Ok(ArticleConnection::load(ctx, filter, order, page).await?)
    }
}
