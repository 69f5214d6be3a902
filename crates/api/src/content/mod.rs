//! The JSON Content API, compatible with Ghost's (`/ghost/api/content/…`), so that Ghost's
//! clients, SDKs and frontend starters work unchanged. The contract is in
//! `shared/reference/ghost-content-api.md`; the official `@tryghost/content-api` client runs
//! against it in the tests.

mod error;
mod lists;
pub(crate) mod params;
pub(crate) mod render;

use crate::cache::surrogate;
use std::collections::HashMap;

use actix_web::http::header::{EntityTag, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use broadsheet_domain::Slug;
use broadsheet_domain::article::Article;
use broadsheet_domain::author::Author;
use broadsheet_domain::filter::{self, Expr, Op, Operand, articles::resolve};
use broadsheet_domain::ids::ArticleId;
use broadsheet_domain::listing::{ArticleFilter, ArticleOrder};
use broadsheet_domain::tag::Tag;
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::{AnyConnection, StoreError, articles, settings, tags, users};
use serde::Serialize;
use serde_json::{Value, json};

pub use error::GhostError;
use params::Params;

use crate::AppState;
use crate::cache::{self, Cached, Served};
use crate::keys::{self, KeyRefusal};

/// The version this API answers as.
const CONTENT_VERSION: &str = "v5.0";

/// `GET /ghost/api/{[version/]content/resource/…}`: the default service of the
/// `/ghost/api` scope (a plain prefix: a route pattern with a `{path:.*}` capture cost a
/// regular expression run over every path, 30% of a cached answer).
pub async fn handle(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Ok(path) =
        percent_encoding::percent_decode_str(req.match_info().unprocessed()).decode_utf8()
    else {
        return GhostError::not_found("Resource not found").respond();
    };
    let p = match params::parse(req.query_string()) {
        Ok(p) => p,
        Err(e) => return e.respond(),
    };
    if let Err(e) = admit(&state, &p).await {
        return e.respond();
    }
    // The answer does not depend on which key asked: the key is left out of the cache key.
    let key = p.cache_key(req.path());
    let ticket = match state.cache().lookup(&key).await {
        cache::Lookup::Hit(cached) => return respond(&req, &cached, &state, true),
        cache::Lookup::Miss(ticket) => Some(ticket),
        cache::Lookup::Off => None,
    };
    // The same time limit as GraphQL's: past it, the request's statements end too.
    let (scoped, deadline) = state.for_request();
    let answered = tokio::time::timeout_at(deadline.into(), answer(&path, &scoped, p)).await;
    match answered.unwrap_or_else(|_| Err(GhostError::timed_out())) {
        Ok(Answer { body, any_article }) => {
            let (bytes, shown, shelf) = match body {
                Body::Json(body) => (
                    body.to_string().into_bytes(),
                    surrogates(&body),
                    shelf(&body),
                ),
                Body::Written {
                    bytes,
                    surrogates,
                    empty,
                } => (
                    bytes,
                    surrogates,
                    if empty {
                        cache::Shelf::Nothing
                    } else {
                        cache::Shelf::Found
                    },
                ),
            };
            let etag = EntityTag::new_weak(cache::etag_of(&bytes).tag().to_owned());
            let mut deps = cache::Dependencies::shown(shown);
            if any_article {
                deps.read(surrogate::ARTICLES_ANY.to_owned());
            }
            let cached = Cached::new(bytes.into(), etag, None, deps);
            let cached = match ticket {
                Some(ticket) => state.cache().put(key, ticket, shelf, cached),
                None => std::sync::Arc::new(cached),
            };
            respond(&req, &cached, &state, false)
        }
        Err(e) => e.respond(),
    }
}

/// Where an answer is cached: a list with nothing in it is an answer about nothing, which
/// anyone can ask endless variations of (see [`cache::Shelf`]).
fn shelf(body: &Value) -> cache::Shelf {
    let empty = ["posts", "pages", "tags", "authors"]
        .iter()
        .any(|name| body[*name].as_array().is_some_and(Vec::is_empty));
    if empty {
        cache::Shelf::Nothing
    } else {
        cache::Shelf::Found
    }
}

/// A response body: a JSON value, or posts already written (see [`PostItem`]).
enum Body {
    Json(Value),
    Written {
        bytes: Vec<u8>,
        /// What it shows (see [`surrogates`]).
        surrogates: Vec<String>,
        /// Whether its list is empty (see [`shelf`]).
        empty: bool,
    },
}

/// An answer, and what it depends on beyond what it shows.
struct Answer {
    body: Body,
    /// Any change to any article may change it: a list of posts filtered or ordered by more
    /// than what places articles in lists (a title, a date of change, a reading time).
    any_article: bool,
}

impl From<Value> for Answer {
    fn from(body: Value) -> Self {
        Body::Json(body).into()
    }
}

impl From<Body> for Answer {
    fn from(body: Body) -> Self {
        Self {
            body,
            any_article: false,
        }
    }
}

fn tag_key(t: &Value, keys: &mut Vec<String>) {
    if let Some(id) = t["id"].as_str().and_then(render::parse_row_id) {
        keys.push(surrogate::tag(broadsheet_domain::ids::TagId(id)));
    }
}

fn author_key(a: &Value, keys: &mut Vec<String>) {
    if let Some(id) = a["id"].as_str().and_then(render::parse_row_id) {
        keys.push(surrogate::author(broadsheet_domain::ids::AuthorId(id)));
    }
}

/// What one post, as a value, shows: itself, its tags and its authors.
fn post_keys(post: &Value, keys: &mut Vec<String>) {
    if let Some(id) = post["id"].as_str() {
        keys.push(surrogate::article_by_hex(id));
    }
    for t in post["tags"].as_array().into_iter().flatten() {
        tag_key(t, keys);
    }
    for a in post["authors"].as_array().into_iter().flatten() {
        author_key(a, keys);
    }
}

/// What a Content API answer shows, by the ids in it.
fn surrogates(body: &Value) -> Vec<String> {
    let mut keys = Vec::new();
    let list = |name: &str| body[name].as_array().map(Vec::as_slice).unwrap_or_default();
    if body.get("posts").is_some() {
        keys.push(surrogate::ARTICLES.to_owned());
    }
    for post in list("posts") {
        post_keys(post, &mut keys);
    }
    if body.get("tags").is_some() {
        keys.push(surrogate::TAGS.to_owned());
    }
    for t in list("tags") {
        tag_key(t, &mut keys);
    }
    if body.get("authors").is_some() {
        keys.push(surrogate::AUTHORS.to_owned());
    }
    for a in list("authors") {
        author_key(a, &mut keys);
    }
    if body.get("settings").is_some() {
        keys.push(surrogate::SETTINGS.to_owned());
    }
    keys
}

/// Checks the content key and counts the request against its limit.
async fn admit(state: &AppState, p: &Params) -> Result<(), GhostError> {
    let key = p.key.as_deref().ok_or_else(|| {
        GhostError::no_permission("Authorization failed: no Content API key given.")
    })?;
    keys::admit(state.store(), state.limiter(), key)
        .await
        .map(drop)
        .map_err(|refusal| match refusal {
            KeyRefusal::Invalid => GhostError::no_permission("Unknown Content API Key"),
            KeyRefusal::Limited(seconds) => GhostError::too_many(seconds),
            KeyRefusal::Unavailable => GhostError::unavailable(),
        })
}

/// What the path asks for.
enum Target {
    Browse(String),
    ById(String, String),
    BySlug(String, String),
}

fn target(path: &str) -> Option<Target> {
    let mut parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    // `/ghost/api/v4/content/…` from older clients: the version in the path is ignored.
    if parts.first().is_some_and(|p| *p != "content") {
        parts.remove(0);
    }
    match parts.as_slice() {
        ["content", resource] => Some(Target::Browse((*resource).to_owned())),
        ["content", resource, "slug", slug] => {
            Some(Target::BySlug((*resource).to_owned(), (*slug).to_owned()))
        }
        ["content", resource, id] => Some(Target::ById((*resource).to_owned(), (*id).to_owned())),
        _ => None,
    }
}

async fn answer(path: &str, state: &AppState, p: Params) -> Result<Answer, GhostError> {
    let target = target(path).ok_or_else(|| GhostError::not_found("Resource not found"))?;
    // One instant for the whole answer: what is live, and what `now` means in a filter.
    let now = state.service().clock().now();
    let body = match target {
        Target::Browse(r) if r == "posts" => return browse_posts(state, p, now).await,
        Target::ById(r, id) if r == "posts" => {
            return read_post(state, p, Lookup::Id(id), now).await;
        }
        Target::BySlug(r, slug) if r == "posts" => {
            return read_post(state, p, Lookup::Slug(slug), now).await;
        }
        Target::Browse(r) if r == "pages" => {
            Ok(json!({ "pages": [], "meta": { "pagination": pagination(1, p.limit, 0) } }))
        }
        Target::ById(r, _) | Target::BySlug(r, _) if r == "pages" => {
            Err(GhostError::not_found("Page not found."))
        }
        Target::Browse(r) if r == "tags" => lists::browse_tags(state, p, now).await,
        Target::ById(r, id) if r == "tags" => lists::read_tag(state, p, Lookup::Id(id), now).await,
        Target::BySlug(r, slug) if r == "tags" => {
            lists::read_tag(state, p, Lookup::Slug(slug), now).await
        }
        Target::Browse(r) if r == "authors" => lists::browse_authors(state, p, now).await,
        Target::ById(r, id) if r == "authors" => {
            lists::read_author(state, p, Lookup::Id(id), now).await
        }
        Target::BySlug(r, slug) if r == "authors" => {
            lists::read_author(state, p, Lookup::Slug(slug), now).await
        }
        Target::Browse(r) if r == "settings" => settings_of(state).await,
        _ => Err(GhostError::not_found("Resource not found")),
    };
    body.map(Answer::from)
}

enum Lookup {
    Id(String),
    Slug(String),
}

fn pagination(page: usize, limit: usize, total: i64) -> Value {
    let total = usize::try_from(total).unwrap_or(0);
    let pages = total.div_ceil(limit).max(1);
    json!({
        "page": page,
        "limit": limit,
        "pages": pages,
        "total": total,
        "next": (page < pages).then_some(page + 1),
        "prev": (page > 1).then(|| page - 1),
    })
}

fn parse_filter(text: &str, now: Timestamp) -> Result<Expr, GhostError> {
    filter::parse(text, now, "filter")
        .map_err(|e| GhostError::bad_request("Error parsing filter", e.message))
}

/// The slugs of `slug:[a,b,c]`, whose order a result keeps when no `order` is given.
fn slug_list(expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::Cmp(c) if c.property == "slug" && c.op == Op::In => match &c.value {
            Operand::List(values) => Some(
                values
                    .iter()
                    .filter_map(|v| match v {
                        filter::Value::Text(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect(),
            ),
            Operand::One(_) => None,
        },
        _ => None,
    }
}

fn article_order(p: &Params) -> ArticleOrder {
    match p.order.as_ref().map(|(f, d)| (f.as_str(), *d)) {
        Some(("published_at", false)) => ArticleOrder::OldestFirst,
        Some(("title", false)) => ArticleOrder::TitleAsc,
        Some(("updated_at", true)) => ArticleOrder::RecentlyUpdated,
        // Ghost's default, and what any order we do not keep an index for falls back to.
        _ => ArticleOrder::NewestFirst,
    }
}

/// Tags and authors of a page of articles, as `include` asks.
type Relations = (
    HashMap<ArticleId, Vec<Tag>>,
    HashMap<ArticleId, Vec<Author>>,
);

fn relations(
    c: &mut AnyConnection,
    ids: &[ArticleId],
    p: &Params,
) -> Result<Relations, StoreError> {
    let tags = if p.include.contains("tags") {
        tags::of_articles(c, ids)?
    } else {
        HashMap::new()
    };
    let authors = if p.include.contains("authors") {
        users::of_articles(c, ids)?
    } else {
        HashMap::new()
    };
    Ok((tags, authors))
}

/// A post as written: its shape, or (when `fields` picks some) the fields picked.
#[derive(Serialize)]
#[serde(untagged)]
enum PostItem<'a> {
    Whole(Box<render::PostOut<'a>>),
    Picked(Value),
}

fn posts_out<'a>(
    items: &'a [Article],
    rel: &'a Relations,
    state: &AppState,
    p: &Params,
) -> Vec<PostItem<'a>> {
    items
        .iter()
        .map(|a| {
            let tags = rel.0.get(&a.id).map_or(&[][..], Vec::as_slice);
            let authors = rel.1.get(&a.id).map_or(&[][..], Vec::as_slice);
            let post = render::post(a, tags, authors, state.site(), p);
            match p.fields.as_deref() {
                None => PostItem::Whole(Box::new(post)),
                Some(fields) => {
                    PostItem::Picked(render::select(render::value(&post), Some(fields), &["id"]))
                }
            }
        })
        .collect()
}

/// What these posts show, by the ids in them (as [`surrogates`] reads them from a value).
fn post_surrogates(posts: &[PostItem<'_>]) -> Vec<String> {
    let mut keys = vec![surrogate::ARTICLES.to_owned()];
    for post in posts {
        match post {
            PostItem::Whole(post) => {
                keys.push(surrogate::article_by_hex(&post.id));
                for t in post.tags.iter().flatten() {
                    keys.push(surrogate::tag(t.tag_id));
                }
                for a in post.authors.iter().flatten() {
                    keys.push(surrogate::author(a.author_id));
                }
            }
            PostItem::Picked(value) => post_keys(value, &mut keys),
        }
    }
    keys
}

/// Posts written into a response body, with what they show.
fn written<T: Serialize>(body: &T, posts: &[PostItem<'_>]) -> Result<Body, GhostError> {
    Ok(Body::Written {
        bytes: serde_json::to_vec(body).map_err(|e| {
            tracing::error!(error = %e, "writing posts");
            GhostError::internal()
        })?,
        surrogates: post_surrogates(posts),
        empty: posts.is_empty(),
    })
}

async fn browse_posts(state: &AppState, p: Params, now: Timestamp) -> Result<Answer, GhostError> {
    let expr = p
        .filter
        .as_deref()
        .map(|text| parse_filter(text, now))
        .transpose()?;
    let condition = expr
        .as_ref()
        .map(|e| resolve(e, "filter"))
        .transpose()
        .map_err(|e| GhostError::bad_request("Error parsing filter", e.message))?;
    let keep_list_order = p
        .order
        .is_none()
        .then(|| expr.as_ref().and_then(slug_list))
        .flatten();
    let filter = ArticleFilter {
        live_at: Some(now),
        condition,
        ..ArticleFilter::default()
    };
    let order = article_order(&p);
    let any_article = !(filter.placed_by_listing() && order.placed_by_listing());
    let (offset, limit) = ((p.page - 1).saturating_mul(p.limit), p.limit);
    // Markdown is never served here, and plain text only when `formats` asks for it.
    let reading = if p.plaintext {
        articles::Reading::Whole
    } else {
        articles::Reading::Html
    };
    let p = std::sync::Arc::new(p);
    let for_query = std::sync::Arc::clone(&p);
    let counts = state.store().counts();
    let (mut items, total, rel) = state
        .store()
        .read(move |c| {
            let items = articles::page_at(c, &filter, order, offset, limit, reading)?;
            let total = counts.count(c, &filter, order)?;
            let ids: Vec<ArticleId> = items.iter().map(|a| a.id).collect();
            let rel = relations(c, &ids, &for_query)?;
            Ok((items, total, rel))
        })
        .await?;
    if let Some(slugs) = keep_list_order {
        items.sort_by_key(|a| {
            slugs
                .iter()
                .position(|s| s == a.slug.as_str())
                .unwrap_or(usize::MAX)
        });
    }
    #[derive(Serialize)]
    struct Page<'a> {
        meta: Value,
        posts: Vec<PostItem<'a>>,
    }
    let page = Page {
        meta: json!({ "pagination": pagination(p.page, p.limit, total) }),
        posts: posts_out(&items, &rel, state, &p),
    };
    let body = written(&page, &page.posts)?;
    Ok(Answer { body, any_article })
}

async fn read_post(
    state: &AppState,
    p: Params,
    lookup: Lookup,
    now: Timestamp,
) -> Result<Answer, GhostError> {
    let p = std::sync::Arc::new(p);
    let for_query = std::sync::Arc::clone(&p);
    let found = state
        .store()
        .read(move |c| {
            let article = match lookup {
                Lookup::Id(id) => match uuid::Uuid::parse_str(&id) {
                    Ok(uuid) => articles::by_uuid(c, uuid)?,
                    Err(_) => None,
                },
                Lookup::Slug(slug) => match Slug::parse(&slug) {
                    Ok(slug) => articles::by_slug(c, &slug)?,
                    Err(_) => None,
                },
            };
            let Some(article) = article.filter(|a| a.publication.is_live_at(now)) else {
                return Ok(None);
            };
            let rel = relations(c, &[article.id], &for_query)?;
            Ok(Some((article, rel)))
        })
        .await?;
    let (article, rel) = found.ok_or_else(|| GhostError::not_found("Post not found."))?;
    #[derive(Serialize)]
    struct One<'a> {
        posts: Vec<PostItem<'a>>,
    }
    let one = One {
        posts: posts_out(std::slice::from_ref(&article), &rel, state, &p),
    };
    Ok(Answer::from(written(&one, &one.posts)?))
}

/// Keys of the site settings kept in the database (the sample publication sets them).
pub const SITE_TITLE: &str = "site.title";
/// See [`SITE_TITLE`].
pub const SITE_DESCRIPTION: &str = "site.description";
/// See [`SITE_TITLE`].
pub const SITE_LANG: &str = "site.lang";

async fn settings_of(state: &AppState) -> Result<Value, GhostError> {
    let (title, description, lang) = state
        .store()
        .read(|c| {
            Ok((
                settings::get(c, SITE_TITLE)?,
                settings::get(c, SITE_DESCRIPTION)?,
                settings::get(c, SITE_LANG)?,
            ))
        })
        .await?;
    Ok(json!({ "settings": {
        "title": title.unwrap_or_else(|| "Broadsheet".into()),
        "description": description.unwrap_or_default(),
        "logo": null,
        "icon": null,
        "accent_color": null,
        "cover_image": null,
        "facebook": null,
        "twitter": null,
        "lang": lang.unwrap_or_else(|| "en".into()),
        "locale": "en",
        "timezone": "Etc/UTC",
        "codeinjection_head": null,
        "codeinjection_foot": null,
        "navigation": [],
        "secondary_navigation": [],
        "meta_title": null,
        "meta_description": null,
        "og_image": null,
        "og_title": null,
        "og_description": null,
        "twitter_image": null,
        "twitter_title": null,
        "twitter_description": null,
        "members_support_address": null,
        "url": state.site().root(),
    }}))
}

/// A successful answer: JSON with Ghost's headers, cacheable, `304` when the client has it.
fn respond(req: &HttpRequest, cached: &Cached, state: &AppState, hit: bool) -> HttpResponse {
    cache::respond(
        req,
        cached,
        &Served {
            content_type: "application/json; charset=utf-8",
            vary: "Accept-Version, Accept-Encoding",
            cache_control: state.cache_control(),
            hit,
            // Who may read it from a browser is the CORS policy's to say (server.rs), for
            // every route alike.
            extra: &[(
                HeaderName::from_static("content-version"),
                HeaderValue::from_static(CONTENT_VERSION),
            )],
        },
    )
}
