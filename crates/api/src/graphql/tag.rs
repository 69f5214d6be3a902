//! The `Tag` type and its connection.

use async_graphql::{Context, ID, Object, SimpleObject};
use broadsheet_domain::listing::{ArticleFilter, NameCursor, Page};
use broadsheet_domain::tag::Tag;

use super::article::{ArticleConnection, ArticleOrderBy};
use super::context::request;
use super::ids::GlobalId;
use super::loaders::TagArticleCount;
use super::pagination::{PageInfo, article_page, int};

/// A public tag: a section or topic.
pub struct TagNode(pub Tag);

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

/// A page of tags.
pub struct TagConnection {
    /// The tags.
    pub page: Page<Tag>,
    /// Tags in the whole list.
    pub total: i64,
}

/// A tag in a page, with its position.
#[derive(SimpleObject)]
pub struct TagEdge {
    /// Opaque position, for `after` and `before`.
    cursor: String,
    /// The tag.
    node: TagNode,
}

fn cursor(t: &Tag) -> String {
    NameCursor::of(t.name.as_str(), t.id.0).encode()
}

#[Object]
impl TagConnection {
    /// The tags with their cursors.
    async fn edges(&self) -> Vec<TagEdge> {
        self.page
            .items
            .iter()
            .map(|t| TagEdge {
                cursor: cursor(t),
                node: TagNode(t.clone()),
            })
            .collect()
    }

    /// The tags, without cursors.
    async fn nodes(&self) -> Vec<TagNode> {
        self.page.items.iter().cloned().map(TagNode).collect()
    }

    /// Where this page is in the list.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.page.has_next_page,
            has_previous_page: self.page.has_previous_page,
            start_cursor: self.page.items.first().map(cursor),
            end_cursor: self.page.items.last().map(cursor),
        }
    }

    /// Tags in the whole list.
    async fn total_count(&self) -> i32 {
        int(self.total)
    }
}
