//! The `Article` type and its connection.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use broadsheet_domain::article::{Article, ArticleStatus};
use broadsheet_domain::filter::{articles::resolve, parse};
use broadsheet_domain::ids::{ArticleId, AuthorId};
use broadsheet_domain::listing::{ArticleCursor, ArticleFilter, ArticleOrder, Page, PageRequest};
use broadsheet_domain::time::Timestamp;
use broadsheet_domain::{Slug, ValidationError};
use broadsheet_service::reading;

use crate::auth::Viewer;
use broadsheet_persistence::articles;

use super::author::AuthorNode;
use super::context::{RequestContext, request};
use super::error::{ApiError, ApiResult};
use super::ids::GlobalId;
use super::loaders::{AuthorsOf, Bodies, ContentOf, CuratedOf, SuggestedFor, SummaryOf, TagsOf};
use super::pagination::{PageInfo, int};
use super::tag::TagNode;

/// Most related articles one article lists.
pub const MAX_RELATED: i32 = 20;

/// How long a preview link works.
const PREVIEW_TTL: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// An article: published, or a draft shown to staff who may see it.
pub struct ArticleNode {
    /// The article.
    pub article: Arc<Article>,
    /// The old slug it was found by, when it was.
    pub redirected_from: Option<String>,
    /// Whether it was read without its bodies (a list page): they are then read for the whole
    /// page at once if asked for.
    pub summary: bool,
}

impl ArticleNode {
    /// The node for `article`.
    pub fn new(article: Arc<Article>) -> Self {
        Self {
            article,
            redirected_from: None,
            summary: false,
        }
    }

    /// The node for `article`, read without its bodies.
    pub fn summary(article: Arc<Article>) -> Self {
        Self {
            article,
            redirected_from: None,
            summary: true,
        }
    }

    /// The Markdown, HTML and plain text of the body.
    async fn bodies(&self, ctx: &Context<'_>) -> ApiResult<Arc<Bodies>> {
        if !self.summary {
            let c = &self.article.content;
            return Ok(Arc::new(Bodies {
                markdown: c.markdown.clone(),
                html: c.html.clone(),
                plaintext: c.plaintext.clone(),
            }));
        }
        Ok(request(ctx)
            .loader
            .load_one(ContentOf(self.article.id))
            .await?
            .unwrap_or_default())
    }

    /// Whether the viewer may see this article (see [`reading::may_read`]).
    pub async fn visible(req: &RequestContext, article: &Article) -> ApiResult<bool> {
        if article.publication.is_live_at(req.now) || !reading::may_read_unpublished(&req.viewer) {
            return Ok(article.publication.is_live_at(req.now));
        }
        let owners = owners(req, article.id).await?;
        Ok(reading::may_read(&req.viewer, article, &owners, req.now))
    }

    /// Whether the viewer may see the editorial side of this article (its version, source,
    /// revisions, preview link).
    async fn editorial(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let req = request(ctx);
        if !reading::may_read_unpublished(&req.viewer) {
            return Ok(false);
        }
        let owners = owners(req, self.article.id).await?;
        Ok(reading::may_read_editorial(&req.viewer, &owners))
    }
}

/// The authors of article `id`, through the request's loader.
async fn owners(req: &RequestContext, id: ArticleId) -> ApiResult<Vec<AuthorId>> {
    let authors = req
        .loader
        .load_one(AuthorsOf(id))
        .await?
        .unwrap_or_default();
    Ok(authors.iter().map(|a| a.id).collect())
}

/// Where an article stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(name = "ArticleStatus")]
pub enum StatusValue {
    /// Being written.
    Draft,
    /// Will be published at `publishedAt`.
    Scheduled,
    /// Public.
    Published,
}

impl From<ArticleStatus> for StatusValue {
    fn from(s: ArticleStatus) -> Self {
        match s {
            ArticleStatus::Draft => Self::Draft,
            ArticleStatus::Scheduled => Self::Scheduled,
            ArticleStatus::Published => Self::Published,
        }
    }
}

impl From<StatusValue> for ArticleStatus {
    fn from(s: StatusValue) -> Self {
        match s {
            StatusValue::Draft => Self::Draft,
            StatusValue::Scheduled => Self::Scheduled,
            StatusValue::Published => Self::Published,
        }
    }
}

/// An earlier version of an article's words.
#[derive(SimpleObject)]
pub struct RevisionNode {
    /// The version these words were.
    version: i32,
    /// The headline then.
    title: String,
    /// The standfirst then.
    custom_excerpt: Option<String>,
    /// The Markdown body then.
    markdown: String,
    /// Who saved that version.
    saved_by: Option<AuthorNode>,
    /// When.
    saved_at: Timestamp,
}

/// The lead image of an article.
#[derive(SimpleObject)]
pub struct FeatureImage {
    /// Where the image is: an absolute URL, or a path on the site.
    url: String,
    /// Text for readers who cannot see it.
    alt: Option<String>,
    /// Shown under it.
    caption: Option<String>,
}

/// Why an article is listed as related.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum RelatedReason {
    /// Chosen by an editor.
    Curated,
    /// Shares tags with the article (rarer tags count for more), newest first.
    Suggested,
}

/// One related article.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct RelatedArticleEdge {
    /// Curated or suggested.
    reason: RelatedReason,
    /// The editor's note on a curated link.
    note: Option<String>,
    #[graphql(skip)]
    article: Arc<Article>,
}

#[ComplexObject]
impl RelatedArticleEdge {
    /// The related article.
    async fn node(&self) -> ArticleNode {
        // Read without its body, which is read (for all the page at once) if asked for.
        ArticleNode::summary(Arc::clone(&self.article))
    }
}

#[Object(name = "Article")]
impl ArticleNode {
    /// Global id (for `node`).
    pub async fn id(&self) -> ID {
        GlobalId::Article(self.article.uuid).encode().into()
    }

    /// Stable public identity; unchanged when the slug changes.
    async fn uuid(&self) -> String {
        self.article.uuid.to_string()
    }

    /// Address on the site: `https://site/{slug}/`.
    async fn slug(&self) -> &str {
        self.article.slug.as_str()
    }

    /// Headline.
    async fn title(&self) -> &str {
        self.article.title.as_str()
    }

    /// The standfirst, as the editor wrote it.
    async fn custom_excerpt(&self) -> Option<&str> {
        self.article.custom_excerpt.as_deref()
    }

    /// The standfirst, or the start of the text cut at a word.
    async fn excerpt(&self) -> &str {
        &self.article.content.excerpt
    }

    /// The body as sanitized HTML, safe to insert into a page.
    async fn html(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        if !self.summary {
            return Ok(self.article.content.html.clone());
        }
        Ok(self.bodies(ctx).await?.html.clone())
    }

    /// The body as plain text.
    async fn plaintext(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        if !self.summary {
            return Ok(self.article.content.plaintext.clone());
        }
        Ok(self.bodies(ctx).await?.plaintext.clone())
    }

    /// Minutes to read.
    async fn reading_time(&self) -> i32 {
        i32::try_from(self.article.content.reading_time).unwrap_or(i32::MAX)
    }

    /// Words in the body.
    async fn word_count(&self) -> i32 {
        i32::try_from(self.article.content.word_count).unwrap_or(i32::MAX)
    }

    /// When it was published.
    async fn published_at(&self) -> Option<Timestamp> {
        self.article.publication.published_at()
    }

    /// When it was created.
    async fn created_at(&self) -> Timestamp {
        self.article.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> Timestamp {
        self.article.updated_at
    }

    /// Promoted by the editors.
    async fn featured(&self) -> bool {
        self.article.featured
    }

    /// The lead image.
    async fn feature_image(&self) -> Option<FeatureImage> {
        self.article.feature_image.as_ref().map(|f| FeatureImage {
            url: f.url.to_string(),
            alt: f.alt.clone(),
            caption: f.caption.clone(),
        })
    }

    /// Where the original lives, for syndicated copies.
    async fn canonical_url(&self) -> Option<String> {
        self.article
            .seo
            .canonical_url
            .as_ref()
            .map(ToString::to_string)
    }

    /// `<title>` override.
    async fn meta_title(&self) -> Option<&str> {
        self.article.seo.meta_title.as_deref()
    }

    /// `<meta name=description>` override.
    async fn meta_description(&self) -> Option<&str> {
        self.article.seo.meta_description.as_deref()
    }

    /// Open Graph image.
    async fn og_image(&self) -> Option<String> {
        self.article.seo.og_image.as_ref().map(ToString::to_string)
    }

    /// Open Graph title.
    async fn og_title(&self) -> Option<&str> {
        self.article.seo.og_title.as_deref()
    }

    /// Open Graph description.
    async fn og_description(&self) -> Option<&str> {
        self.article.seo.og_description.as_deref()
    }

    /// Twitter card image.
    async fn twitter_image(&self) -> Option<String> {
        self.article
            .seo
            .twitter_image
            .as_ref()
            .map(ToString::to_string)
    }

    /// Twitter card title.
    async fn twitter_title(&self) -> Option<&str> {
        self.article.seo.twitter_title.as_deref()
    }

    /// Twitter card description.
    async fn twitter_description(&self) -> Option<&str> {
        self.article.seo.twitter_description.as_deref()
    }

    /// The article's page on the site.
    async fn url(&self, ctx: &Context<'_>) -> String {
        request(ctx).site.page(self.article.slug.as_str())
    }

    /// Draft, scheduled or published.
    async fn status(&self, ctx: &Context<'_>) -> StatusValue {
        let req = request(ctx);
        // A scheduled article whose time has come reads as published, scheduler or not.
        if self.article.publication.is_live_at(req.now) {
            StatusValue::Published
        } else {
            self.article.publication.status().into()
        }
    }

    /// The old slug this article was found by, if it was: a frontend should redirect to
    /// `slug`.
    async fn redirected_from(&self) -> Option<&str> {
        self.redirected_from.as_deref()
    }

    /// The version to send as `expectedVersion` when changing it (staff only).
    async fn version(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i32>> {
        Ok(self
            .editorial(ctx)
            .await?
            .then(|| i32::try_from(self.article.version).unwrap_or(i32::MAX)))
    }

    /// The body as written, in Markdown (staff only).
    async fn markdown(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        if !self.editorial(ctx).await? {
            return Ok(None);
        }
        Ok(Some(self.bodies(ctx).await?.markdown.clone()))
    }

    /// Earlier versions, newest first (staff only).
    #[graphql(complexity = "crate::graphql::pagination::page_cost(None, None, child_complexity)")]
    async fn revisions(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<RevisionNode>>> {
        if !self.editorial(ctx).await? {
            return Ok(None);
        }
        let req = request(ctx);
        let id = self.article.id;
        let revisions = req
            .store
            .read(move |c| articles::revisions(c, id))
            .await
            .map_err(ApiError::from)?;
        let savers = req
            .loader
            .load_many(revisions.iter().filter_map(|r| r.saved_by))
            .await
            .map_err(ApiError::from)?;
        Ok(Some(
            revisions
                .into_iter()
                .map(|r| RevisionNode {
                    version: i32::try_from(r.version).unwrap_or(i32::MAX),
                    saved_by: r
                        .saved_by
                        .and_then(|id| savers.get(&id).cloned())
                        .map(AuthorNode),
                    title: r.title,
                    custom_excerpt: r.custom_excerpt,
                    markdown: r.markdown,
                    saved_at: r.saved_at,
                })
                .collect(),
        ))
    }

    /// A token that shows this article, published or not, to anyone who has it, for seven
    /// days (staff only). Give it to `preview(token:)`. It stops working sooner when its
    /// links are revoked (`revokePreviewLinks`), when the article is taken down after being
    /// published or deleted, and when whoever made it is deactivated.
    async fn preview_token(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        if !self.editorial(ctx).await? {
            return Ok(None);
        }
        Ok(Some(self.new_preview_token(ctx).await?))
    }

    /// The article's preview page on the site, with its token (staff only).
    async fn preview_url(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        if !self.editorial(ctx).await? {
            return Ok(None);
        }
        let req = request(ctx);
        let token = self.new_preview_token(ctx).await?;
        Ok(Some(format!(
            "{}?token={token}",
            req.site.page(&format!("p/{}", self.article.uuid))
        )))
    }

    /// Public tags, in order.
    #[graphql(complexity = "crate::graphql::pagination::short_list_cost(child_complexity)")]
    async fn tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TagNode>> {
        Ok(self
            .all_tags(ctx)
            .await?
            .into_iter()
            .filter(|t| t.is_public())
            .collect())
    }

    /// The first tag, when it is public (an internal first tag gives none, as in Ghost).
    async fn primary_tag(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<TagNode>> {
        Ok(self
            .all_tags(ctx)
            .await?
            .into_iter()
            .next()
            .filter(TagNode::is_public))
    }

    /// Authors, in order.
    #[graphql(complexity = "crate::graphql::pagination::short_list_cost(child_complexity)")]
    async fn authors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AuthorNode>> {
        Ok(self.all_authors(ctx).await?)
    }

    /// The first author.
    async fn primary_author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AuthorNode>> {
        Ok(self.all_authors(ctx).await?.into_iter().next())
    }

    /// Related articles: the editor's choices in their order, then, while fewer than
    /// `first`, articles sharing its tags. Never the article itself, a draft, or one twice.
    #[graphql(
        complexity = "crate::graphql::pagination::page_cost(Some(first), None, child_complexity)"
    )]
    async fn related_articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 5)] first: i32,
    ) -> async_graphql::Result<Vec<RelatedArticleEdge>> {
        Ok(self.related(ctx, first).await?)
    }
}

impl ArticleNode {
    /// A preview token for this article at its current preview version, made by the viewer.
    async fn new_preview_token(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let req = request(ctx);
        let owners = owners(req, self.article.id).await?;
        let link = req
            .service
            .make_preview(&req.viewer, &self.article, &owners)
            .await?;
        Ok(req.jwt.issue_preview(
            link.article,
            link.version,
            link.by.map(|by| by.0),
            req.now,
            PREVIEW_TTL,
        ))
    }

    async fn all_tags(&self, ctx: &Context<'_>) -> ApiResult<Vec<TagNode>> {
        let tags = request(ctx)
            .loader
            .load_one(TagsOf(self.article.id))
            .await?;
        Ok(tags.unwrap_or_default().into_iter().map(TagNode).collect())
    }

    async fn all_authors(&self, ctx: &Context<'_>) -> ApiResult<Vec<AuthorNode>> {
        let authors = request(ctx)
            .loader
            .load_one(AuthorsOf(self.article.id))
            .await?;
        Ok(authors
            .unwrap_or_default()
            .into_iter()
            .map(AuthorNode)
            .collect())
    }

    async fn related(&self, ctx: &Context<'_>, first: i32) -> ApiResult<Vec<RelatedArticleEdge>> {
        if !(0..=MAX_RELATED).contains(&first) {
            return Err(ApiError::bad_input(
                "first",
                format!("must be between 0 and {MAX_RELATED}"),
            ));
        }
        let wanted = usize::try_from(first).unwrap_or(0);
        let req = request(ctx);
        let me = self.article.id;
        let links = req
            .loader
            .load_one(CuratedOf(me))
            .await?
            .unwrap_or_default();
        let curated: HashMap<ArticleId, Arc<Article>> = req
            .loader
            .load_many(links.iter().map(|l| SummaryOf(l.to)))
            .await?
            .into_iter()
            .map(|(k, a)| (k.0, a))
            .collect();
        let mut edges: Vec<RelatedArticleEdge> = Vec::with_capacity(wanted);
        for link in &links {
            if edges.len() == wanted {
                return Ok(edges);
            }
            let Some(article) = curated.get(&link.to) else {
                continue;
            };
            let seen = edges.iter().any(|e| e.article.id == link.to);
            if link.to != me && !seen && article.publication.is_live_at(req.now) {
                edges.push(RelatedArticleEdge {
                    reason: RelatedReason::Curated,
                    note: link.note.clone(),
                    article: Arc::clone(article),
                });
            }
        }
        if edges.len() < wanted {
            let ids = req
                .loader
                .load_one(SuggestedFor(me, wanted))
                .await?
                .unwrap_or_default();
            let suggested: HashMap<ArticleId, Arc<Article>> = req
                .loader
                .load_many(ids.iter().map(|id| SummaryOf(*id)))
                .await?
                .into_iter()
                .map(|(k, a)| (k.0, a))
                .collect();
            for id in ids {
                if edges.len() == wanted {
                    break;
                }
                let Some(article) = suggested.get(&id) else {
                    continue;
                };
                let seen = edges.iter().any(|e| e.article.id == id);
                if id != me && !seen && article.publication.is_live_at(req.now) {
                    edges.push(RelatedArticleEdge {
                        reason: RelatedReason::Suggested,
                        note: None,
                        article: Arc::clone(article),
                    });
                }
            }
        }
        Ok(edges)
    }
}

/// How a list of articles is ordered.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum ArticleOrderBy {
    /// Newest first (the default).
    #[default]
    NewestFirst,
    /// Oldest first.
    OldestFirst,
    /// By title, A to Z, ignoring case and accents.
    Title,
    /// Most recently changed first; the order that lists drafts too.
    RecentlyUpdated,
}

impl From<ArticleOrderBy> for ArticleOrder {
    fn from(o: ArticleOrderBy) -> Self {
        match o {
            ArticleOrderBy::NewestFirst => Self::NewestFirst,
            ArticleOrderBy::OldestFirst => Self::OldestFirst,
            ArticleOrderBy::Title => Self::TitleAsc,
            ArticleOrderBy::RecentlyUpdated => Self::RecentlyUpdated,
        }
    }
}

/// Which articles to list. Conditions combine with AND.
#[derive(InputObject, Default)]
pub struct ArticleFilterInput {
    /// With at least one of these tags (slugs).
    tags: Option<Vec<String>>,
    /// With every one of these tags (slugs).
    all_tags: Option<Vec<String>>,
    /// By at least one of these authors (slugs).
    authors: Option<Vec<String>>,
    /// Featured, or not.
    featured: Option<bool>,
    /// Published after this instant.
    published_after: Option<Timestamp>,
    /// Published before this instant.
    published_before: Option<Timestamp>,
    /// A condition in Ghost's filter language (NQL), e.g.
    /// `tag:[politics,brexit]+published_at:>now-1y`.
    nql: Option<String>,
    /// Staff only: these statuses instead of what is published. Contributors and authors see
    /// their own drafts; editors see everyone's.
    status: Option<Vec<StatusValue>>,
}

fn slugs(field: &'static str, values: Option<Vec<String>>) -> ApiResult<Vec<Slug>> {
    values
        .unwrap_or_default()
        .iter()
        .map(|s| {
            Slug::parse(s).map_err(|e| ApiError::BadInput(ValidationError::new(field, e.message)))
        })
        .collect()
}

/// What a filter adds to a list's complexity: something for any filter (it can join tags
/// and authors), and a full scan's worth for each `~` (contains, starts or ends with),
/// which no index serves. A `~` inside a quoted value counts too: erring high is fine.
pub fn filter_cost(filter: Option<&ArticleFilterInput>) -> usize {
    /// A scan of every article's text, in the units of one row of a page.
    const CONTAINS_COST: usize = 500;
    const FILTER_COST: usize = 20;
    filter.map_or(0, |f| {
        let contains = f.nql.as_deref().map_or(0, |nql| nql.matches('~').count());
        FILTER_COST.saturating_add(contains.saturating_mul(CONTAINS_COST))
    })
}

impl ArticleFilterInput {
    /// The filter for what `viewer` may list at `now`: what is published, or, for staff who
    /// ask by status, the drafts their role lets them read.
    pub fn into_filter(self, viewer: &Viewer, now: Timestamp) -> ApiResult<ArticleFilter> {
        let statuses = self.status.clone();
        let filter = self.into_public_filter(now)?;
        match statuses {
            Some(statuses) => Ok(reading::by_status(
                viewer,
                filter,
                statuses.into_iter().map(Into::into).collect(),
            )?),
            None => Ok(filter),
        }
    }

    /// The filter for what the public may read at `now`.
    pub fn into_public_filter(self, now: Timestamp) -> ApiResult<ArticleFilter> {
        let condition = match self.nql.as_deref() {
            Some(nql) => Some(resolve(&parse(nql, now, "filter.nql")?, "filter.nql")?),
            None => None,
        };
        let filter = ArticleFilter {
            live_at: Some(now),
            tags_any: slugs("filter.tags", self.tags)?,
            tags_all: slugs("filter.allTags", self.all_tags)?,
            authors_any: slugs("filter.authors", self.authors)?,
            featured: self.featured,
            published_after: self.published_after,
            published_before: self.published_before,
            condition,
            ..ArticleFilter::default()
        };
        filter.check().map_err(|e| {
            ApiError::BadInput(ValidationError::new(
                format!("filter.{}", e.field),
                e.message,
            ))
        })?;
        Ok(filter)
    }
}

/// A page of articles.
pub struct ArticleConnection {
    page: Page<Arc<Article>>,
    order: ArticleOrder,
    filter: Arc<ArticleFilter>,
}

/// An article in a page, with its position.
#[derive(SimpleObject)]
pub struct ArticleEdge {
    /// Opaque position, for `after` and `before`.
    cursor: String,
    /// The article.
    node: ArticleNode,
}

impl ArticleConnection {
    /// Reads one page.
    pub async fn load(
        ctx: &Context<'_>,
        filter: ArticleFilter,
        order: ArticleOrder,
        page: PageRequest<ArticleCursor>,
    ) -> ApiResult<Self> {
        let filter = Arc::new(filter);
        let for_query = Arc::clone(&filter);
        let req = request(ctx);
        let page = req
            .store
            .read(move |c| articles::list_summaries(c, &for_query, order, &page))
            .await?;
        req.shows(crate::cache::surrogate::ARTICLES);
        if !(filter.placed_by_listing() && order.placed_by_listing()) {
            // Placed by more than status, dates, slug, featured, tags and authors: any
            // article's edit may move it.
            req.surrogates
                .depend(crate::cache::surrogate::ARTICLES_ANY.to_owned());
        }
        if page.items.is_empty() {
            req.found_nothing();
        }
        for a in &page.items {
            req.surrogates.add(crate::cache::surrogate::article(a.uuid));
        }
        Ok(Self {
            page: Page {
                items: page.items.into_iter().map(Arc::new).collect(),
                has_next_page: page.has_next_page,
                has_previous_page: page.has_previous_page,
            },
            order,
            filter,
        })
    }

    fn cursor(&self, a: &Article) -> String {
        ArticleCursor::of(a, self.order).encode()
    }
}

#[Object]
impl ArticleConnection {
    /// The articles with their cursors.
    async fn edges(&self) -> Vec<ArticleEdge> {
        self.page
            .items
            .iter()
            .map(|a| ArticleEdge {
                cursor: self.cursor(a),
                node: ArticleNode::summary(Arc::clone(a)),
            })
            .collect()
    }

    /// The articles, without cursors.
    async fn nodes(&self) -> Vec<ArticleNode> {
        self.page
            .items
            .iter()
            .map(|a| ArticleNode::summary(Arc::clone(a)))
            .collect()
    }

    /// Where this page is in the list.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.page.has_next_page,
            has_previous_page: self.page.has_previous_page,
            start_cursor: self.page.items.first().map(|a| self.cursor(a)),
            end_cursor: self.page.items.last().map(|a| self.cursor(a)),
        }
    }

    /// Articles in the whole list.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let (filter, order) = (Arc::clone(&self.filter), self.order);
        let store = &request(ctx).store;
        let counts = store.counts();
        let n = store
            .read(move |c| counts.count(c, &filter, order))
            .await
            .map_err(ApiError::from)?;
        Ok(int(n))
    }
}
