//! The root query.

use crate::cache::surrogate;
use async_graphql::futures_util::future::join_all;
use async_graphql::{Context, ID, Interface, Object};
use broadsheet_domain::Slug;
use broadsheet_domain::ids::ArticleId;
use broadsheet_domain::listing::{ArticleOrder, PageRequest};
use broadsheet_domain::search::SearchQuery;
use broadsheet_domain::tag::Visibility;
use broadsheet_persistence::{articles, search, tags, users};
use broadsheet_service::previews::PreviewLink;
use std::sync::Arc;
use uuid::Uuid;

use super::admin::{self, ApiKeyNode, WebhookNode};
use super::article::{ArticleConnection, ArticleFilterInput, ArticleNode, ArticleOrderBy};
use super::author::AuthorNode;
use super::connection::NameConnection;
use super::context::{RequestContext, request};
use super::error::{ApiError, ApiResult};
use super::ids::GlobalId;
use super::loaders::{ArticleBundle, SummaryOf, Wanted};
use super::pagination::{DEFAULT_PAGE, MAX_PAGE, article_page, name_page};
use super::search::{SearchConnection, SearchEdge, offset_after};
use super::tag::TagNode;
use super::user::UserNode;
use broadsheet_domain::author::Author;
use broadsheet_domain::tag::Tag;

/// Anything with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id."))]
pub enum Node {
    /// An article.
    Article(ArticleNode),
    /// A tag.
    Tag(TagNode),
    /// An author.
    Author(AuthorNode),
}

/// Reads of the publication. Only published articles and public tags are visible.
pub struct Query;

/// A slug argument: a malformed one is bad input, a well-formed unknown one finds nothing.
fn slug(field: &'static str, value: &str) -> ApiResult<Slug> {
    Slug::parse(value).map_err(|e| ApiError::bad_input(field, e.message))
}

async fn visible_article(req: &RequestContext, uuid: Uuid) -> ApiResult<Option<ArticleNode>> {
    // Found or not, visible or not: the answer changes with this article.
    req.surrogates.depend(surrogate::article(uuid));
    match req.loader.load_one(uuid).await? {
        Some(article) if ArticleNode::visible(req, &article).await? => {
            Ok(Some(ArticleNode::new(article)))
        }
        _ => Ok(None),
    }
}

async fn resolve_node(req: &RequestContext, id: GlobalId) -> ApiResult<Option<Node>> {
    let node = find_node(req, id).await?;
    if node.is_none() {
        req.found_nothing();
    }
    Ok(node)
}

async fn find_node(req: &RequestContext, id: GlobalId) -> ApiResult<Option<Node>> {
    Ok(match id {
        GlobalId::Article(uuid) => visible_article(req, uuid).await?.map(Node::Article),
        GlobalId::Tag(tag) => {
            req.surrogates.depend(surrogate::tag(tag));
            req.loader
                .load_one(tag)
                .await?
                .map(TagNode)
                .filter(TagNode::is_public)
                .map(Node::Tag)
        }
        GlobalId::Author(author) => {
            // An author is public once an article of theirs is: the answer changes with them.
            req.surrogates.depend(surrogate::author(author));
            let now = req.now;
            let found = req
                .store
                .read(move |c| users::public_author(c, author, now))
                .await?;
            if let Some(a) = &found {
                req.surrogates.add(surrogate::author(a.id));
            }
            found.map(|a| Node::Author(AuthorNode(a)))
        }
        // Not nodes: administrators list them with `apiKeys` and `webhooks`.
        GlobalId::ApiKey(_) | GlobalId::Webhook(_) => None,
    })
}

/// `article(id:)` or `article(slug:)`.
async fn find_article(
    ctx: &Context<'_>,
    req: &RequestContext,
    id: Option<ID>,
    slug: Option<String>,
) -> ApiResult<Option<ArticleNode>> {
    match (id, slug) {
        (Some(id), None) => match GlobalId::decode(&id, "id")? {
            GlobalId::Article(uuid) => Ok(visible_article(req, uuid).await?),
            _ => Ok(None),
        },
        (None, Some(value)) => {
            let slug = self::slug("slug", &value)?;
            // An article page in one trip: with the article, what the page shows of its
            // tags, authors and curated links (for a public article; a draft goes the
            // loaders' way, after its viewer is checked).
            let (wanted, now) = (Wanted::of(ctx), req.now);
            let found = req
                .store
                .read(move |c| {
                    let Some(articles::BySlug { article, aliased }) =
                        articles::by_slug_or_alias(c, &slug)?
                    else {
                        return Ok(None);
                    };
                    let bundle = if article.publication.is_live_at(now) {
                        ArticleBundle::read(c, article.id, wanted)?
                    } else {
                        ArticleBundle::default()
                    };
                    Ok(Some((article, aliased, bundle)))
                })
                .await
                .map_err(ApiError::from)?;
            let visible = match &found {
                Some((article, ..)) => ArticleNode::visible(req, article).await?,
                None => false,
            };
            let Some((article, aliased, bundle)) = found.filter(|_| visible) else {
                // Purged with the lists: a new article may take this slug. A hidden
                // article answers exactly as a missing one, surrogate keys included.
                req.shows(surrogate::ARTICLES);
                return Ok(None);
            };
            req.surrogates
                .add(crate::cache::surrogate::article(article.uuid));
            bundle.feed(&req.loader, &req.surrogates, req.now).await;
            Ok(Some(ArticleNode {
                article: article.into(),
                redirected_from: aliased.then_some(value),
                summary: false,
            }))
        }
        _ => Err(ApiError::bad_input("id", "give either id or slug")),
    }
}

#[Object]
impl Query {
    /// Anything, by global id; `null` when there is nothing visible with that id.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let id = GlobalId::decode(&id, "id")?;
        Ok(resolve_node(request(ctx), id).await?)
    }

    /// Several things by global id, in the order asked (at most 100).
    #[graphql(complexity = "ids.len().saturating_mul(child_complexity)")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_PAGE {
            return Err(
                ApiError::bad_input("ids", format!("may hold at most {MAX_PAGE} ids")).into(),
            );
        }
        let ids = ids
            .iter()
            .map(|id| GlobalId::decode(id, "ids"))
            .collect::<ApiResult<Vec<_>>>()?;
        let req = request(ctx);
        // Resolved together, so their loads share batches.
        let found = join_all(ids.into_iter().map(|id| resolve_node(req, id))).await;
        Ok(found.into_iter().collect::<ApiResult<Vec<_>>>()?)
    }

    /// An article by global id or by slug (give exactly one); `null` if there is none the
    /// viewer may see. The public sees published articles; staff also the drafts their role
    /// lets them read. A slug the article had before it was renamed still finds it, with
    /// `redirectedFrom` set.
    async fn article(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> async_graphql::Result<Option<ArticleNode>> {
        let req = request(ctx);
        let found = find_article(ctx, req, id, slug).await?;
        if found.is_none() {
            req.found_nothing();
        }
        Ok(found)
    }

    /// Published articles, newest first unless told otherwise.
    #[graphql(
        complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)
            .saturating_add(crate::graphql::article::filter_cost(filter.as_ref()))"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<ArticleFilterInput>,
        order_by: Option<ArticleOrderBy>,
    ) -> async_graphql::Result<ArticleConnection> {
        let order: ArticleOrder = order_by.unwrap_or_default().into();
        let page = article_page(first, after, last, before, order)?;
        let req = request(ctx);
        let filter = filter
            .unwrap_or_default()
            .into_filter(&req.viewer, req.now)?;
        Ok(ArticleConnection::load(ctx, filter, order, page).await?)
    }

    /// The signed-in staff member; `null` for anonymous readers.
    async fn me(&self, ctx: &Context<'_>) -> Option<UserNode> {
        request(ctx).viewer.user().cloned().map(UserNode)
    }

    /// Partners' and integrations' keys, newest first (administrators).
    async fn api_keys(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ApiKeyNode>> {
        Ok(admin::api_keys(request(ctx)).await?)
    }

    /// Registered webhooks, with their deliveries (administrators).
    async fn webhooks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WebhookNode>> {
        Ok(admin::list_webhooks(request(ctx)).await?)
    }

    /// The article a preview token was made for, whatever its status.
    async fn preview(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> async_graphql::Result<Option<ArticleNode>> {
        let req = request(ctx);
        // What only a token opens is never cached.
        req.private
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let invalid = || ApiError::Unauthenticated("the preview link is not valid or has expired");
        let preview = req
            .jwt
            .verify_preview(&token, req.now)
            .map_err(|_| invalid())?;
        let link = PreviewLink {
            article: preview.article,
            version: preview.version,
            by: preview.by.map(broadsheet_domain::ids::AuthorId),
        };
        let Some(article) = req
            .service
            .open_preview(link)
            .await
            .map_err(ApiError::from)?
        else {
            return Ok(None);
        };
        Ok(Some(ArticleNode::new(Arc::new(article))))
    }

    /// A public tag by slug; `null` if there is none.
    async fn tag(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<Option<TagNode>> {
        let slug = self::slug("slug", &slug)?;
        let req = request(ctx);
        let tag = req
            .store
            .read(move |c| tags::by_slug(c, &slug))
            .await
            .map_err(ApiError::from)?;
        // An internal tag answers exactly as a missing one, surrogate keys included.
        let tag = tag.map(TagNode).filter(TagNode::is_public);
        match &tag {
            Some(t) => req.surrogates.add(surrogate::tag(t.0.id)),
            None => {
                req.shows(surrogate::TAGS);
                req.found_nothing();
            }
        }
        Ok(tag)
    }

    /// Public tags, A to Z.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<NameConnection<Tag>> {
        let page = name_page(first, after, last, before)?;
        let req = request(ctx);
        let (page, total) = req
            .store
            .read(move |c| {
                let public = Some(Visibility::Public);
                Ok((tags::list(c, public, &page)?, tags::count(c, public)?))
            })
            .await
            .map_err(ApiError::from)?;
        req.shows(surrogate::TAGS);
        for t in &page.items {
            req.surrogates.add(surrogate::tag(t.id));
        }
        Ok(NameConnection { page, total })
    }

    /// An author by slug; `null` if there is none.
    async fn author(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> async_graphql::Result<Option<AuthorNode>> {
        let slug = self::slug("slug", &slug)?;
        let req = request(ctx);
        let now = req.now;
        let author = req
            .store
            .read(move |c| users::public_author_by_slug(c, &slug, now))
            .await
            .map_err(ApiError::from)?;
        match &author {
            Some(a) => req.surrogates.add(surrogate::author(a.id)),
            None => {
                req.shows(surrogate::AUTHORS);
                req.found_nothing();
            }
        }
        Ok(author.map(AuthorNode))
    }

    /// Authors, A to Z.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    async fn authors(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<NameConnection<Author>> {
        let page = name_page(first, after, last, before)?;
        let req = request(ctx);
        let now = req.now;
        let (page, total) = req
            .store
            .read(move |c| {
                Ok((
                    users::list_public_authors(c, &page, now)?,
                    users::count_public(c, now)?,
                ))
            })
            .await
            .map_err(ApiError::from)?;
        req.shows(surrogate::AUTHORS);
        for a in &page.items {
            req.surrogates.add(surrogate::author(a.id));
        }
        Ok(NameConnection { page, total })
    }

    /// Full-text search over titles, excerpts and bodies of published articles that hold
    /// every word: those whose title holds every word first, then the others, each newest
    /// first; at most 200 results. The query is taken as plain words: quotes, `*`, `OR` and
    /// the like have no special meaning.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, None, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<SearchConnection> {
        let query = SearchQuery::parse(&query).map_err(ApiError::from)?;
        let size = match PageRequest::<()>::from_relay(
            first.map(i64::from),
            None,
            None,
            None,
            DEFAULT_PAGE,
            MAX_PAGE,
        )
        .map_err(ApiError::from)?
        {
            PageRequest::Forward { first, .. } => first,
            PageRequest::Backward { last, .. } => last,
        };
        let offset = offset_after(after.as_deref())?;
        let req = request(ctx);
        let now = req.now;
        // Counting reads every result up to the bound: only when asked for.
        let counted = ctx.look_ahead().field("totalCount").exists();
        let found = req
            .store
            .read(move |c| search::search(c, &query, now, offset, size + 1, counted))
            .await
            .map_err(ApiError::from)?;
        let (hits, total) = (found.hits, found.total.unwrap_or(0));
        req.shows(surrogate::ARTICLES);
        // Matches title and body: any article's edit may move it.
        req.surrogates.depend(surrogate::ARTICLES_ANY.to_owned());
        let has_next_page = hits.len() > size;
        let ids: Vec<ArticleId> = hits.iter().take(size).map(|h| h.article).collect();
        let found: std::collections::HashMap<
            ArticleId,
            std::sync::Arc<broadsheet_domain::article::Article>,
        > = req
            .loader
            .load_many(ids.into_iter().map(SummaryOf))
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .map(|(k, a)| (k.0, a))
            .collect();
        let edges = hits
            .into_iter()
            .take(size)
            .enumerate()
            .filter_map(|(i, hit)| {
                found
                    .get(&hit.article)
                    .map(|a| SearchEdge::new(offset + i, hit.snippet, a.clone()))
            })
            .collect();
        Ok(SearchConnection {
            edges,
            has_next_page,
            has_previous_page: offset > 0,
            total,
        })
    }
}
