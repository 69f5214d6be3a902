//! Writing, publishing and deleting articles; their tags, authors and related links.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use broadsheet_domain::article::{Article, ArticleInput, ArticlePatch, ArticleStatus, SeoInput};
use broadsheet_domain::time::Timestamp;

use super::{article_id, author_id, tag_id};
use crate::graphql::article::{ArticleNode, StatusValue};
use crate::graphql::context::request;
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::ids::GlobalId;

/// The changed article.
#[derive(SimpleObject)]
pub struct ArticlePayload {
    /// As saved.
    article: ArticleNode,
}

impl ArticlePayload {
    fn of(article: Article) -> Self {
        Self {
            article: ArticleNode::new(Arc::new(article)),
        }
    }
}

/// What was deleted.
#[derive(SimpleObject)]
pub struct DeletedPayload {
    /// Its global id, for removing it from client caches.
    deleted_id: ID,
}

/// A new article.
#[derive(InputObject)]
pub struct CreateArticleInput {
    /// Headline.
    title: String,
    /// Address; derived from the title when absent.
    slug: Option<String>,
    /// Standfirst.
    custom_excerpt: Option<String>,
    /// Body, in Markdown.
    #[graphql(default)]
    markdown: String,
    /// Draft unless said otherwise (publishing needs the right to publish).
    status: Option<StatusValue>,
    /// For a scheduled article, when it goes out (in the future); for a published one, its
    /// date (default now; not in the future: schedule it instead).
    published_at: Option<Timestamp>,
    /// Promoted by the editors.
    #[graphql(default)]
    featured: bool,
    /// Lead image address.
    feature_image: Option<String>,
    /// Its text alternative.
    feature_image_alt: Option<String>,
    /// Its caption.
    feature_image_caption: Option<String>,
    /// Search and social metadata.
    seo: Option<SeoFields>,
    /// Tags, in order (global ids); the first is primary.
    tag_ids: Option<Vec<ID>>,
    /// Authors, in order (global ids); the first is primary. Defaults to you.
    author_ids: Option<Vec<ID>>,
}

/// Search and social metadata. In an update, a field left out stays, `null` clears it.
#[derive(InputObject, Default)]
pub struct SeoFields {
    canonical_url: MaybeUndefined<String>,
    meta_title: MaybeUndefined<String>,
    meta_description: MaybeUndefined<String>,
    og_image: MaybeUndefined<String>,
    og_title: MaybeUndefined<String>,
    og_description: MaybeUndefined<String>,
    twitter_image: MaybeUndefined<String>,
    twitter_title: MaybeUndefined<String>,
    twitter_description: MaybeUndefined<String>,
}

/// Left out: keep (`None`); `null`: clear (`Some("")`); a value: set.
fn patch(v: MaybeUndefined<String>) -> Option<String> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(String::new()),
        MaybeUndefined::Value(v) => Some(v),
    }
}

fn clearable(v: MaybeUndefined<String>) -> Option<Option<String>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

impl SeoFields {
    fn into_input(self) -> SeoInput {
        SeoInput {
            canonical_url: patch(self.canonical_url),
            meta_title: patch(self.meta_title),
            meta_description: patch(self.meta_description),
            og_image: patch(self.og_image),
            og_title: patch(self.og_title),
            og_description: patch(self.og_description),
            twitter_image: patch(self.twitter_image),
            twitter_title: patch(self.twitter_title),
            twitter_description: patch(self.twitter_description),
        }
    }
}

/// Changes to an article. A field left out stays as it is; `null` clears a field that may be
/// empty.
#[derive(InputObject, Default)]
pub struct UpdateArticleInput {
    title: Option<String>,
    slug: Option<String>,
    custom_excerpt: MaybeUndefined<String>,
    markdown: Option<String>,
    featured: Option<bool>,
    feature_image: MaybeUndefined<String>,
    feature_image_alt: MaybeUndefined<String>,
    feature_image_caption: MaybeUndefined<String>,
    seo: Option<SeoFields>,
}

fn ids<T>(
    values: Option<Vec<ID>>,
    field: &'static str,
    decode: fn(&ID, &'static str) -> ApiResult<T>,
) -> ApiResult<Option<Vec<T>>> {
    values
        .map(|ids| ids.iter().map(|id| decode(id, field)).collect())
        .transpose()
}

#[derive(Default)]
pub struct ArticleMutations;

#[Object]
impl ArticleMutations {
    /// Creates an article (a draft unless `status` says otherwise).
    async fn create_article(
        &self,
        ctx: &Context<'_>,
        input: CreateArticleInput,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        let authors = ids(input.author_ids, "authorIds", author_id)?;
        let fields = ArticleInput {
            title: input.title,
            slug: input.slug,
            custom_excerpt: input.custom_excerpt,
            body: input.markdown,
            status: input.status.map_or(ArticleStatus::Draft, Into::into),
            published_at: input.published_at,
            featured: input.featured,
            feature_image: input.feature_image,
            feature_image_alt: input.feature_image_alt,
            feature_image_caption: input.feature_image_caption,
            seo: input.seo.map(SeoFields::into_input).unwrap_or_default(),
            tags: ids(input.tag_ids, "tagIds", tag_id)?.unwrap_or_default(),
            authors: Vec::new(),
        };
        let created = req
            .service
            .create_article(&req.viewer, fields, authors)
            .await
            .map_err(ApiError::from)?;
        Ok(ArticlePayload::of(created))
    }

    /// Changes an article. `expectedVersion` is the version you last saw: if someone saved
    /// since, nothing changes and you get CONFLICT with the current version and who saved it.
    async fn update_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: UpdateArticleInput,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        let patch = ArticlePatch {
            title: input.title,
            slug: input.slug,
            custom_excerpt: clearable(input.custom_excerpt),
            body: input.markdown,
            featured: input.featured,
            feature_image: clearable(input.feature_image),
            feature_image_alt: clearable(input.feature_image_alt),
            feature_image_caption: clearable(input.feature_image_caption),
            seo: input.seo.map(SeoFields::into_input),
        };
        let saved = req
            .service
            .update_article(&req.viewer, article(&id)?, expected_version.into(), patch)
            .await
            .map_err(ApiError::from)?;
        Ok(ArticlePayload::of(saved))
    }

    /// Publishes now, or at `publishedAt` if that is in the past (a backdated article).
    async fn publish_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        published_at: Option<Timestamp>,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        let saved = req
            .service
            .publish_article(
                &req.viewer,
                article(&id)?,
                expected_version.into(),
                published_at,
            )
            .await
            .map_err(ApiError::from)?;
        Ok(ArticlePayload::of(saved))
    }

    /// Schedules the article to be published at `publishAt`, which must be in the future.
    async fn schedule_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        publish_at: Timestamp,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        let saved = req
            .service
            .schedule_article(
                &req.viewer,
                article(&id)?,
                expected_version.into(),
                publish_at,
            )
            .await
            .map_err(ApiError::from)?;
        Ok(ArticlePayload::of(saved))
    }

    /// Takes the article back to draft.
    async fn unpublish_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        let saved = req
            .service
            .unpublish_article(&req.viewer, article(&id)?, expected_version.into())
            .await
            .map_err(ApiError::from)?;
        Ok(ArticlePayload::of(saved))
    }

    /// Ends every preview link made so far for the article (`previewToken`, `previewUrl`);
    /// links made afterwards work. For staff who may edit it.
    async fn revoke_preview_links(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        let article = req
            .service
            .revoke_preview_links(&req.viewer, article(&id)?)
            .await
            .map_err(ApiError::from)?;
        Ok(ArticlePayload::of(article))
    }

    /// Brings back the words (title, standfirst, body) of an earlier version, as a new
    /// version.
    async fn restore_revision(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        expected_version: i32,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        let saved = req
            .service
            .restore_revision(
                &req.viewer,
                article(&id)?,
                version.into(),
                expected_version.into(),
            )
            .await
            .map_err(ApiError::from)?;
        Ok(ArticlePayload::of(saved))
    }

    /// Deletes the article, with its links both ways.
    async fn delete_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<DeletedPayload> {
        let req = request(ctx);
        let deleted = req
            .service
            .delete_article(&req.viewer, article(&id)?)
            .await
            .map_err(ApiError::from)?;
        Ok(DeletedPayload {
            deleted_id: GlobalId::Article(deleted).encode().into(),
        })
    }

    /// Replaces the article's tags with these, in order.
    async fn set_article_tags(
        &self,
        ctx: &Context<'_>,
        id: ID,
        tag_ids: Vec<ID>,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        let tags = ids(Some(tag_ids), "tagIds", tag_id)?.unwrap_or_default();
        let saved = req
            .service
            .set_article_tags(
                &req.viewer,
                article(&id)?,
                tags,
                expected_version.map(i64::from),
            )
            .await
            .map_err(ApiError::from)?;
        Ok(ArticlePayload::of(saved))
    }

    /// Replaces the article's authors with these, in order. Contributors and authors must
    /// stay among them.
    async fn set_article_authors(
        &self,
        ctx: &Context<'_>,
        id: ID,
        author_ids: Vec<ID>,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        let authors = ids(Some(author_ids), "authorIds", author_id)?.unwrap_or_default();
        let saved = req
            .service
            .set_article_authors(
                &req.viewer,
                article(&id)?,
                authors,
                expected_version.map(i64::from),
            )
            .await
            .map_err(ApiError::from)?;
        Ok(ArticlePayload::of(saved))
    }

    /// Adds a curated related article at the end of the list.
    async fn add_related_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        related_id: ID,
        note: Option<String>,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        let related = article_id(&related_id, "relatedId")?;
        let article = req
            .service
            .add_related_article(&req.viewer, article(&id)?, related, note)
            .await
            .map_err(ApiError::from)?;
        Ok(ArticlePayload::of(article))
    }

    /// Removes a curated related article.
    async fn remove_related_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        related_id: ID,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        let related = article_id(&related_id, "relatedId")?;
        let article = req
            .service
            .remove_related_article(&req.viewer, article(&id)?, related)
            .await
            .map_err(ApiError::from)?;
        Ok(ArticlePayload::of(article))
    }

    /// Puts the curated related articles in this order (each exactly once).
    async fn reorder_related_articles(
        &self,
        ctx: &Context<'_>,
        id: ID,
        related_ids: Vec<ID>,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        let order = related_ids
            .iter()
            .map(|rid| article_id(rid, "relatedId"))
            .collect::<ApiResult<Vec<_>>>()?;
        let article = req
            .service
            .reorder_related_articles(&req.viewer, article(&id)?, order)
            .await
            .map_err(ApiError::from)?;
        Ok(ArticlePayload::of(article))
    }
}

/// The article named by the `id` argument.
fn article(id: &ID) -> ApiResult<uuid::Uuid> {
    article_id(id, "id")
}
