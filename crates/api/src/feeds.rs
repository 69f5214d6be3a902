//! Feeds: RSS 2.0, Atom and JSON Feed 1.1, for the whole publication, a tag, or an author.
//! Each holds the latest articles with their full (sanitized) HTML, a summary, authors and
//! categories, absolute links, and correct dates; each is cacheable with `ETag`,
//! `Last-Modified` and `304`.

use crate::cache::surrogate;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use broadsheet_domain::Slug;
use broadsheet_domain::article::Article;
use broadsheet_domain::author::Author;
use broadsheet_domain::ids::ArticleId;
use broadsheet_domain::listing::{ArticleFilter, ArticleOrder, PageRequest};
use broadsheet_domain::tag::{Tag, Visibility};
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::{StoreError, articles, settings, tags, users};
use chrono::DateTime;
use serde_json::json;

use crate::AppState;
use crate::cache::{Cached, Lookup, Served, Shelf};
use crate::content::{SITE_DESCRIPTION, SITE_LANG, SITE_TITLE};
use crate::site::SiteUrl;

/// Articles in a feed unless configured otherwise.
pub const DEFAULT_SIZE: usize = 20;

/// Which format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    fn from_path(last: &str) -> Option<Self> {
        match last {
            "rss" => Some(Self::Rss),
            "atom" => Some(Self::Atom),
            "feed.json" => Some(Self::Json),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Rss => "application/rss+xml; charset=utf-8",
            Self::Atom => "application/atom+xml; charset=utf-8",
            Self::Json => "application/feed+json; charset=utf-8",
        }
    }
}

/// Whose articles.
enum Scope {
    All,
    Tag(Tag),
    Author(Author),
}

/// Everything a feed is made of.
struct Feed {
    site: SiteUrl,
    title: String,
    description: String,
    language: String,
    home: String,
    self_url: String,
    items: Vec<Item>,
    /// The tag or author the feed is about (a surrogate key).
    scope_key: Option<String>,
}

struct Item {
    article: Article,
    tags: Vec<Tag>,
    authors: Vec<Author>,
}

/// `GET /rss/`, `/atom/`, `/feed.json`, and the same under `/tag/{slug}/` and `/author/{slug}/`.
pub async fn handle(
    req: HttpRequest,
    state: web::Data<AppState>,
    size: web::Data<FeedSize>,
) -> HttpResponse {
    let path = req.path().to_owned();
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let (scope, format) = match parts.as_slice() {
        [last] => (None, Format::from_path(last)),
        [kind @ ("tag" | "author"), slug, last] => {
            (Some((*kind, (*slug).to_owned())), Format::from_path(last))
        }
        _ => (None, None),
    };
    let Some(format) = format else {
        return HttpResponse::NotFound().finish();
    };
    // Feeds are read anonymously: held to the limit of the reader's address.
    if let Err(seconds) = state
        .clients()
        .admit_anonymous_everywhere(state.store(), state.clients().address(&req))
        .await
    {
        return HttpResponse::TooManyRequests()
            .insert_header((header::RETRY_AFTER, seconds))
            .content_type("text/plain; charset=utf-8")
            .body(format!(
                "too many requests from this address; retry in {seconds} seconds"
            ));
    }
    let key = format!("feed\0{path}");
    let ticket = match state.cache().lookup(&key).await {
        Lookup::Hit(cached) => return respond(&req, &cached, format, &state, true),
        Lookup::Miss(ticket) => Some(ticket),
        Lookup::Off => None,
    };
    // The same time limit as GraphQL's: past it, the request's statements end too.
    let (scoped, deadline) = state.for_request();
    let built = tokio::time::timeout_at(deadline.into(), build(&scoped, scope, size.0, &path))
        .await
        .unwrap_or(Err(StoreError::TimedOut));
    match built {
        Ok(Some(feed)) => {
            let cached = render(&feed, format);
            let cached = match ticket {
                Some(ticket) => state.cache().put(key, ticket, Shelf::Found, cached),
                None => std::sync::Arc::new(cached),
            };
            respond(&req, &cached, format, &state, false)
        }
        Ok(None) => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("no such feed"),
        Err(StoreError::TimedOut) => HttpResponse::ServiceUnavailable()
            .insert_header((header::RETRY_AFTER, 1))
            .content_type("text/plain; charset=utf-8")
            .body("the feed took too long; try again later"),
        Err(e) => {
            tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "feed failed");
            HttpResponse::ServiceUnavailable().finish()
        }
    }
}

/// How many articles a feed holds.
#[derive(Debug, Clone, Copy)]
pub struct FeedSize(pub usize);

async fn build(
    state: &AppState,
    scope: Option<(&str, String)>,
    size: usize,
    path: &str,
) -> Result<Option<Feed>, StoreError> {
    let now = state.service().clock().now();
    let scope = scope.map(|(kind, slug)| (kind.to_owned(), slug));
    let loaded = state
        .store()
        .read(move |c| {
            let scope = match scope {
                None => Scope::All,
                Some((kind, slug)) => {
                    let Ok(slug) = Slug::parse(&slug) else {
                        return Ok(None);
                    };
                    if kind == "tag" {
                        match tags::by_slug(c, &slug)?
                            .filter(|t| t.visibility() == Visibility::Public)
                        {
                            Some(tag) => Scope::Tag(tag),
                            None => return Ok(None),
                        }
                    } else {
                        match users::public_author_by_slug(c, &slug, now)? {
                            Some(author) => Scope::Author(author),
                            None => return Ok(None),
                        }
                    }
                }
            };
            let mut filter = ArticleFilter::live(now);
            match &scope {
                Scope::All => {}
                Scope::Tag(t) => filter.tags_any = vec![t.slug.clone()],
                Scope::Author(a) => filter.authors_any = vec![a.slug.clone()],
            }
            let page = articles::list(
                c,
                &filter,
                ArticleOrder::NewestFirst,
                &PageRequest::first(size),
            )?;
            let ids: Vec<ArticleId> = page.items.iter().map(|a| a.id).collect();
            let mut tags_of = tags::of_articles(c, &ids)?;
            let mut authors_of = users::of_articles(c, &ids)?;
            let items = page
                .items
                .into_iter()
                .map(|a| Item {
                    tags: tags_of
                        .remove(&a.id)
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|t| t.visibility() == Visibility::Public)
                        .collect(),
                    authors: authors_of.remove(&a.id).unwrap_or_default(),
                    article: a,
                })
                .collect::<Vec<_>>();
            let site = (
                settings::get(c, SITE_TITLE)?,
                settings::get(c, SITE_DESCRIPTION)?,
                settings::get(c, SITE_LANG)?,
            );
            Ok(Some((scope, items, site)))
        })
        .await?;
    let Some((scope, items, (title, description, lang))) = loaded else {
        return Ok(None);
    };
    let site_title = title.unwrap_or_else(|| "Broadsheet".into());
    let (title, home) = match &scope {
        Scope::All => (site_title.clone(), state.site().root()),
        Scope::Tag(t) => (
            format!("{} · {site_title}", t.name.as_str()),
            state.site().page(&format!("tag/{}", t.slug)),
        ),
        Scope::Author(a) => (
            format!("{} · {site_title}", a.profile.name),
            state.site().page(&format!("author/{}", a.slug)),
        ),
    };
    Ok(Some(Feed {
        site: state.site().clone(),
        title,
        description: description.unwrap_or_default(),
        language: lang.unwrap_or_else(|| "en".into()),
        home,
        self_url: state.site().join(path),
        items,
        scope_key: match &scope {
            Scope::All => None,
            Scope::Tag(t) => Some(surrogate::tag(t.id)),
            Scope::Author(a) => Some(surrogate::author(a.id)),
        },
    }))
}

/// The newest change among the items: what `Last-Modified` says.
fn last_modified(feed: &Feed) -> Option<Timestamp> {
    feed.items
        .iter()
        .map(|i| {
            i.article.updated_at.max(
                i.article
                    .publication
                    .published_at()
                    .unwrap_or(i.article.updated_at),
            )
        })
        .max()
}

/// The feed in `format`, ready to cache and answer.
fn render(feed: &Feed, format: Format) -> Cached {
    let body = match format {
        Format::Rss => rss(feed),
        Format::Atom => atom(feed),
        Format::Json => json_feed(feed),
    };
    let mut keys = vec![surrogate::ARTICLES.to_owned()];
    keys.extend(feed.scope_key.clone());
    for item in &feed.items {
        keys.push(crate::cache::surrogate::article(item.article.uuid));
        keys.extend(item.tags.iter().map(|t| surrogate::tag(t.id)));
        keys.extend(item.authors.iter().map(|a| surrogate::author(a.id)));
    }
    let etag = crate::cache::etag_of(body.as_bytes());
    Cached::new(
        body.into(),
        etag,
        last_modified(feed).map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()),
        crate::cache::Dependencies::shown(keys),
    )
}

fn respond(
    req: &HttpRequest,
    cached: &Cached,
    format: Format,
    state: &AppState,
    hit: bool,
) -> HttpResponse {
    crate::cache::respond(
        req,
        cached,
        &Served {
            content_type: format.content_type(),
            vary: "Accept-Encoding",
            cache_control: state.cache_control(),
            hit,
            extra: &[],
        },
    )
}

/// Escapes text for XML, dropping characters XML 1.0 cannot hold at all.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

/// Wraps HTML in CDATA, splitting any `]]>` it holds so that it cannot end the section.
fn cdata(html: &str) -> String {
    let clean: String = html
        .chars()
        .filter(|c| (*c as u32) >= 0x20 || matches!(c, '\t' | '\n' | '\r'))
        .collect();
    format!("<![CDATA[{}]]>", clean.replace("]]>", "]]]]><![CDATA[>"))
}

fn rfc822(t: Timestamp) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn rfc3339(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn rss(feed: &Feed) -> String {
    let mut x = String::with_capacity(16 * 1024);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str("<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n");
    x.push_str(&format!("<title>{}</title>\n<link>{}</link>\n<description>{}</description>\n<language>{}</language>\n", esc(&feed.title), esc(&feed.home), esc(&feed.description), esc(&feed.language)));
    x.push_str(&format!("<atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n<generator>Broadsheet</generator>\n", esc(&feed.self_url)));
    if let Some(t) = last_modified(feed) {
        x.push_str(&format!("<lastBuildDate>{}</lastBuildDate>\n", rfc822(t)));
    }
    for item in &feed.items {
        let a = &item.article;
        x.push_str("<item>\n");
        x.push_str(&format!(
            "<title>{}</title>\n<link>{}</link>\n<guid isPermaLink=\"false\">{}</guid>\n",
            esc(a.title.as_str()),
            esc(&page(feed, a)),
            a.uuid
        ));
        for author in &item.authors {
            x.push_str(&format!(
                "<dc:creator>{}</dc:creator>\n",
                esc(&author.profile.name)
            ));
        }
        for tag in &item.tags {
            x.push_str(&format!(
                "<category>{}</category>\n",
                esc(tag.name.as_str())
            ));
        }
        if let Some(published) = a.publication.published_at() {
            x.push_str(&format!("<pubDate>{}</pubDate>\n", rfc822(published)));
        }
        x.push_str(&format!(
            "<description>{}</description>\n",
            esc(&a.content.excerpt)
        ));
        x.push_str(&format!(
            "<content:encoded>{}</content:encoded>\n",
            cdata(&a.content.html)
        ));
        x.push_str("</item>\n");
    }
    x.push_str("</channel>\n</rss>\n");
    x
}

/// An article's page: the feed's links are absolute, built from the site's address.
fn page(feed: &Feed, a: &Article) -> String {
    feed.site.page(a.slug.as_str())
}

fn atom(feed: &Feed) -> String {
    let mut x = String::with_capacity(16 * 1024);
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n",
        esc(&feed.language)
    ));
    x.push_str(&format!(
        "<title>{}</title>\n<subtitle>{}</subtitle>\n",
        esc(&feed.title),
        esc(&feed.description)
    ));
    x.push_str(&format!("<link href=\"{}\" rel=\"alternate\" type=\"text/html\"/>\n<link href=\"{}\" rel=\"self\" type=\"application/atom+xml\"/>\n", esc(&feed.home), esc(&feed.self_url)));
    x.push_str(&format!(
        "<id>{}</id>\n<generator>Broadsheet</generator>\n",
        esc(&feed.self_url)
    ));
    let updated = last_modified(feed).unwrap_or(DateTime::UNIX_EPOCH);
    x.push_str(&format!("<updated>{}</updated>\n", rfc3339(updated)));
    for item in &feed.items {
        let a = &item.article;
        x.push_str("<entry>\n");
        x.push_str(&format!("<title type=\"text\">{}</title>\n<link href=\"{}\" rel=\"alternate\" type=\"text/html\"/>\n<id>urn:uuid:{}</id>\n", esc(a.title.as_str()), esc(&page(feed, a)), a.uuid));
        if let Some(published) = a.publication.published_at() {
            x.push_str(&format!("<published>{}</published>\n", rfc3339(published)));
        }
        x.push_str(&format!("<updated>{}</updated>\n", rfc3339(a.updated_at)));
        for author in &item.authors {
            x.push_str(&format!(
                "<author><name>{}</name></author>\n",
                esc(&author.profile.name)
            ));
        }
        for tag in &item.tags {
            x.push_str(&format!(
                "<category term=\"{}\" label=\"{}\"/>\n",
                esc(tag.slug.as_str()),
                esc(tag.name.as_str())
            ));
        }
        x.push_str(&format!(
            "<summary type=\"text\">{}</summary>\n<content type=\"html\">{}</content>\n",
            esc(&a.content.excerpt),
            esc(&a.content.html)
        ));
        x.push_str("</entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

fn json_feed(feed: &Feed) -> String {
    let items: Vec<_> = feed
        .items
        .iter()
        .map(|item| {
            let a = &item.article;
            json!({
                "id": a.uuid.to_string(),
                "url": page(feed, a),
                "title": a.title.as_str(),
                "content_html": a.content.html,
                "summary": a.content.excerpt,
                "date_published": a.publication.published_at().map(rfc3339),
                "date_modified": rfc3339(a.updated_at),
                "authors": item.authors.iter().map(|au| json!({ "name": au.profile.name })).collect::<Vec<_>>(),
                "tags": item.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
                "language": feed.language,
            })
        })
        .collect();
    json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": feed.home,
        "feed_url": feed.self_url,
        "description": feed.description,
        "language": feed.language,
        "items": items,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(esc("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(cdata("x]]>y"), "<![CDATA[x]]]]><![CDATA[>y]]>");
    }
}
