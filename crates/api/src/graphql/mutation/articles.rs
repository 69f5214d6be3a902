//! Writing, publishing and deleting articles; their tags, authors and related links.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use broadsheet_domain::article::{
    Article, ArticleInput, ArticlePatch, ArticleStatus, NewArticle, Publication, SeoInput,
};
use broadsheet_domain::ids::{ArticleId, AuthorId, TagId};
use broadsheet_domain::policy::{Action, Ownership};
use broadsheet_domain::related::NewRelatedLink;
use broadsheet_domain::time::{Timestamp, check_storable, truncate};
use broadsheet_persistence::{AnyConnection, StoreError, articles, related};

use super::{article_id, author_id, tag_id};
use crate::graphql::article::{ArticleNode, StatusValue};
use crate::graphql::context::{RequestContext, request};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::AuthorsOf;
use crate::webhooks::outbox;

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
    /// date (default now).
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

/// An article about to be changed, and whose it is.
struct Editing {
    article: Arc<Article>,
    ownership: Ownership,
}

impl Editing {
    async fn load(req: &RequestContext, id: &ID) -> ApiResult<Self> {
        req.viewer.signed_in()?;
        let uuid = article_id(id, "id")?;
        let article = req
            .loader
            .load_one(uuid)
            .await?
            .ok_or(ApiError::NotFound("article"))?;
        let owners = owners(req, article.id).await?;
        Ok(Self {
            ownership: req.viewer.ownership(&owners),
            article,
        })
    }

    fn is_draft(&self) -> bool {
        self.article.publication.status() == ArticleStatus::Draft
    }

    /// The right needed to change this article's content.
    fn edit(&self, req: &RequestContext) -> ApiResult<AuthorId> {
        let action = if self.is_draft() {
            Action::EditDraft
        } else {
            Action::EditPublished
        };
        Ok(req.viewer.authorize(action, self.ownership)?.id())
    }

    /// This article at the version the client saw.
    fn as_seen(&self, expected_version: i32) -> Article {
        let mut a = (*self.article).clone();
        a.version = i64::from(expected_version);
        a
    }
}

async fn owners(req: &RequestContext, id: ArticleId) -> ApiResult<Vec<AuthorId>> {
    let authors = req
        .loader
        .load_one(AuthorsOf(id))
        .await?
        .unwrap_or_default();
    Ok(authors.iter().map(|a| a.id).collect())
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

/// Saves `revised` in one transaction.
async fn save(req: &RequestContext, revised: Article, by: AuthorId) -> ApiResult<ArticlePayload> {
    let now = req.now;
    let saved = announced(req, Some(revised.id), move |c| {
        articles::update(c, &revised, Some(by), now)
    })
    .await?;
    Ok(ArticlePayload::of(saved))
}

/// Makes `change` to the article `id` (`None`: a new one) in one transaction with the webhook
/// events it announces.
async fn announced(
    req: &RequestContext,
    id: Option<ArticleId>,
    change: impl FnOnce(&mut AnyConnection) -> Result<Article, StoreError> + Send + 'static,
) -> ApiResult<Article> {
    let (site, now) = (req.site.clone(), req.now);
    Ok(req
        .store
        .write(move |c| {
            let before = id
                .map(|id| articles::get_for_change(c, id))
                .transpose()?
                .flatten();
            let after = change(c)?;
            outbox::record_article(c, &site, before.as_ref(), Some(&after), now)?;
            Ok(after)
        })
        .await?)
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
        let me = req.viewer.signed_in()?.id();
        let authors = ids(input.author_ids, "authorIds", author_id)?.unwrap_or_else(|| vec![me]);
        let ownership = req.viewer.ownership(&authors);
        req.viewer.authorize(Action::CreateArticle, ownership)?;
        let status: ArticleStatus = input.status.map_or(ArticleStatus::Draft, Into::into);
        if status != ArticleStatus::Draft {
            req.viewer.authorize(Action::Publish, ownership)?;
        }
        if status == ArticleStatus::Scheduled && input.published_at.is_none_or(|t| t <= req.now) {
            return Err(ApiError::bad_input(
                "publishedAt",
                "a scheduled article needs a time in the future",
            )
            .into());
        }
        let new = NewArticle::parse(
            &ArticleInput {
                title: input.title,
                slug: input.slug,
                custom_excerpt: input.custom_excerpt,
                body: input.markdown,
                status,
                published_at: input.published_at,
                featured: input.featured,
                feature_image: input.feature_image,
                feature_image_alt: input.feature_image_alt,
                feature_image_caption: input.feature_image_caption,
                seo: input.seo.map(SeoFields::into_input).unwrap_or_default(),
                tags: ids(input.tag_ids, "tagIds", tag_id)?.unwrap_or_default(),
                authors,
            },
            req.now,
        )
        .map_err(ApiError::from)?;
        let now = req.now;
        let created =
            announced(req, None, move |c| articles::create(c, &new, Some(me), now)).await?;
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
        let editing = Editing::load(req, &id).await?;
        let by = editing.edit(req)?;
        let revised = editing
            .as_seen(expected_version)
            .revise(&ArticlePatch {
                title: input.title,
                slug: input.slug,
                custom_excerpt: clearable(input.custom_excerpt),
                body: input.markdown,
                featured: input.featured,
                feature_image: clearable(input.feature_image),
                feature_image_alt: clearable(input.feature_image_alt),
                feature_image_caption: clearable(input.feature_image_caption),
                seo: input.seo.map(SeoFields::into_input),
            })
            .map_err(ApiError::from)?;
        Ok(save(req, revised, by).await?)
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
        let at = match published_at {
            Some(at) if at > req.now => {
                return Err(ApiError::bad_input(
                    "publishedAt",
                    "is in the future: use scheduleArticle",
                )
                .into());
            }
            Some(at) => truncate(check_storable("publishedAt", at).map_err(ApiError::from)?),
            None => req.now,
        };
        Ok(set_publication(req, &id, expected_version, Publication::Published(at)).await?)
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
        if publish_at <= req.now {
            return Err(ApiError::bad_input("publishAt", "must be in the future").into());
        }
        let publish_at = check_storable("publishAt", publish_at).map_err(ApiError::from)?;
        let scheduled = Publication::Scheduled(truncate(publish_at));
        Ok(set_publication(req, &id, expected_version, scheduled).await?)
    }

    /// Takes the article back to draft.
    async fn unpublish_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        Ok(set_publication(req, &id, expected_version, Publication::Draft).await?)
    }

    /// Ends every preview link made so far for the article (`previewToken`, `previewUrl`);
    /// links made afterwards work. For staff who may edit it.
    async fn revoke_preview_links(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        let editing = Editing::load(req, &id).await?;
        editing.edit(req)?;
        let article = editing.article.id;
        req.store
            .write(move |c| articles::revoke_previews(c, article))
            .await
            .map_err(ApiError::from)?;
        Ok(ArticlePayload::of((*editing.article).clone()))
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
        let editing = Editing::load(req, &id).await?;
        let by = editing.edit(req)?;
        let article = editing.article.id;
        let revision = req
            .store
            .read(move |c| articles::revision_at(c, article, i64::from(version)))
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("revision"))?;
        let revised = editing
            .as_seen(expected_version)
            .restore(&revision)
            .map_err(ApiError::from)?;
        Ok(save(req, revised, by).await?)
    }

    /// Deletes the article, with its links both ways.
    async fn delete_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<DeletedPayload> {
        let req = request(ctx);
        let editing = Editing::load(req, &id).await?;
        let action = if editing.is_draft() {
            Action::DeleteDraft
        } else {
            Action::DeletePublished
        };
        req.viewer.authorize(action, editing.ownership)?;
        let (article, site, now) = (editing.article.id, req.site.clone(), req.now);
        req.store
            .write(move |c| {
                let before = articles::get_for_change(c, article)?;
                // Rendered before the article and its links are gone.
                let announcement = outbox::article(c, &site, before.as_ref(), None, now)?;
                articles::delete(c, article)?;
                announcement.map_or(Ok(()), |a| a.record(c, now))
            })
            .await
            .map_err(ApiError::from)?;
        Ok(DeletedPayload {
            deleted_id: GlobalId::Article(editing.article.uuid).encode().into(),
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
        let editing = Editing::load(req, &id).await?;
        let by = editing.edit(req)?;
        let tags: Vec<TagId> = ids(Some(tag_ids), "tagIds", tag_id)?.unwrap_or_default();
        let (article, now) = (editing.article.id, req.now);
        let saved = announced(req, Some(article), move |c| {
            articles::set_tags_at(
                c,
                article,
                &tags,
                expected_version.map(i64::from),
                Some(by),
                now,
            )
        })
        .await?;
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
        let editing = Editing::load(req, &id).await?;
        let by = editing.edit(req)?;
        let authors: Vec<AuthorId> =
            ids(Some(author_ids), "authorIds", author_id)?.unwrap_or_default();
        // Handing an article to others is editing others' articles.
        let action = if editing.is_draft() {
            Action::EditDraft
        } else {
            Action::EditPublished
        };
        req.viewer
            .authorize(action, req.viewer.ownership(&authors))?;
        let (article, now) = (editing.article.id, req.now);
        let saved = announced(req, Some(article), move |c| {
            articles::set_authors_at(
                c,
                article,
                &authors,
                expected_version.map(i64::from),
                Some(by),
                now,
            )
        })
        .await?;
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
        let target = related_target(req, &related_id).await?;
        Ok(change_related(req, &id, move |c, from| {
            let link = NewRelatedLink::new(from, target, note.as_deref())?;
            related::add(c, &link).map(drop)
        })
        .await?)
    }

    /// Removes a curated related article.
    async fn remove_related_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        related_id: ID,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        let target = related_target(req, &related_id).await?;
        Ok(change_related(req, &id, move |c, from| related::remove(c, from, target)).await?)
    }

    /// Puts the curated related articles in this order (each exactly once).
    async fn reorder_related_articles(
        &self,
        ctx: &Context<'_>,
        id: ID,
        related_ids: Vec<ID>,
    ) -> async_graphql::Result<ArticlePayload> {
        let req = request(ctx);
        let mut order = Vec::with_capacity(related_ids.len());
        for rid in &related_ids {
            order.push(related_target(req, rid).await?);
        }
        Ok(change_related(req, &id, move |c, from| {
            related::reorder(c, from, &order).map(drop)
        })
        .await?)
    }
}

/// Gives the article a new publication state, at the version the client saw.
async fn set_publication(
    req: &RequestContext,
    id: &ID,
    expected_version: i32,
    publication: Publication,
) -> ApiResult<ArticlePayload> {
    let editing = Editing::load(req, id).await?;
    let by = req
        .viewer
        .authorize(Action::Publish, editing.ownership)?
        .id();
    let mut revised = editing.as_seen(expected_version);
    revised.publication = publication;
    save(req, revised, by).await
}

/// Changes the article's curated links with `change`, for those who may.
async fn change_related(
    req: &RequestContext,
    id: &ID,
    change: impl FnOnce(&mut broadsheet_persistence::AnyConnection, ArticleId) -> Result<(), StoreError>
    + Send
    + 'static,
) -> ApiResult<ArticlePayload> {
    let editing = Editing::load(req, id).await?;
    req.viewer
        .authorize(Action::ManageRelated, editing.ownership)?;
    let from = editing.article.id;
    req.store.write(move |c| change(c, from)).await?;
    Ok(ArticlePayload {
        article: ArticleNode::new(editing.article),
    })
}

async fn related_target(req: &RequestContext, id: &ID) -> ApiResult<ArticleId> {
    let uuid = article_id(id, "relatedId")?;
    Ok(req
        .loader
        .load_one(uuid)
        .await?
        .ok_or(ApiError::NotFound("related article"))?
        .id)
}
