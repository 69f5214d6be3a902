//! Article rows and their conversion to and from the domain type.

use broadsheet_domain::Slug;
use broadsheet_domain::article::{
    Article, ArticleContent, ArticleStatus, FeatureImage, Publication, Seo,
};
use broadsheet_domain::ids::{ArticleId, AuthorId};
use broadsheet_domain::text::{Title, sort_key};
use broadsheet_domain::url::{ImageUrl, WebUrl};
use diesel::prelude::*;

use crate::StoreError;
use crate::db::MultiBackend;
use crate::db::sql_types::{DbTime, DbUuid};
use crate::db::stored::Stored;
use crate::schema::articles;

/// An `articles` row without its bodies (Markdown, HTML, plain text): what a list shows.
/// The bodies are most of an article's bytes, and a list page rarely shows them.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(MultiBackend))]
pub(crate) struct ArticleHead {
    pub id: i64,
    pub uuid: DbUuid,
    pub slug: String,
    pub title: String,
    pub custom_excerpt: Option<String>,
    pub excerpt: String,
    pub word_count: i32,
    pub reading_time: i32,
    pub status: Stored<ArticleStatus>,
    pub published_at: Option<DbTime>,
    pub featured: bool,
    pub feature_image: Option<String>,
    pub feature_image_alt: Option<String>,
    pub feature_image_caption: Option<String>,
    pub canonical_url: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub og_image: Option<String>,
    pub og_title: Option<String>,
    pub og_description: Option<String>,
    pub twitter_image: Option<String>,
    pub twitter_title: Option<String>,
    pub twitter_description: Option<String>,
    pub version: i64,
    pub created_at: DbTime,
    pub updated_at: DbTime,
    pub updated_by: Option<i64>,
}

/// An article's bodies, as stored: the Markdown its authors wrote, and the HTML and plain
/// text derived from it when it was saved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(MultiBackend))]
pub struct Bodies {
    /// The Markdown source.
    pub markdown: String,
    /// The sanitized HTML.
    pub html: String,
    /// The plain text (for feeds, search and word counts).
    pub plaintext: String,
}

/// A whole `articles` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(MultiBackend))]
pub(crate) struct ArticleRow {
    #[diesel(embed)]
    pub head: ArticleHead,
    #[diesel(embed)]
    pub bodies: Bodies,
}

/// An `articles` row with its HTML but not its Markdown or plain text: what an event
/// announcing the article carries.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(MultiBackend))]
pub(crate) struct AnnouncedRow {
    #[diesel(embed)]
    pub head: ArticleHead,
    pub html: String,
}

/// An article's bodies with its id, for articles read without them.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(MultiBackend))]
pub(crate) struct BodiesRow {
    pub id: i64,
    #[diesel(embed)]
    pub bodies: Bodies,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = articles, treat_none_as_null = true)]
pub(crate) struct ArticleFields<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub title_sort: String,
    pub custom_excerpt: Option<&'a str>,
    pub markdown: &'a str,
    pub html: &'a str,
    pub plaintext: &'a str,
    pub excerpt: &'a str,
    pub word_count: i32,
    pub reading_time: i32,
    pub status: Stored<ArticleStatus>,
    pub published_at: Option<DbTime>,
    pub featured: bool,
    pub feature_image: Option<&'a str>,
    pub feature_image_alt: Option<&'a str>,
    pub feature_image_caption: Option<&'a str>,
    pub canonical_url: Option<&'a str>,
    pub meta_title: Option<&'a str>,
    pub meta_description: Option<&'a str>,
    pub og_image: Option<&'a str>,
    pub og_title: Option<&'a str>,
    pub og_description: Option<&'a str>,
    pub twitter_image: Option<&'a str>,
    pub twitter_title: Option<&'a str>,
    pub twitter_description: Option<&'a str>,
}

/// A new `articles` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = articles)]
pub(crate) struct NewArticleRow<'a> {
    pub uuid: DbUuid,
    #[diesel(embed)]
    pub fields: ArticleFields<'a>,
    pub created_at: DbTime,
    pub updated_at: DbTime,
    pub updated_by: Option<i64>,
}

/// The parts of an article that [`ArticleFields`] is made from, shared by new and revised
/// articles.
pub(crate) struct FieldSource<'a> {
    pub slug: &'a Slug,
    pub title: &'a Title,
    pub custom_excerpt: Option<&'a str>,
    pub content: &'a ArticleContent,
    pub publication: Publication,
    pub featured: bool,
    pub feature_image: Option<&'a FeatureImage>,
    pub seo: &'a Seo,
}

impl<'a> From<FieldSource<'a>> for ArticleFields<'a> {
    fn from(s: FieldSource<'a>) -> Self {
        let seo = s.seo;
        Self {
            slug: s.slug.as_str(),
            title: s.title.as_str(),
            title_sort: sort_key(s.title.as_str()),
            custom_excerpt: s.custom_excerpt,
            markdown: &s.content.markdown,
            html: &s.content.html,
            plaintext: &s.content.plaintext,
            excerpt: &s.content.excerpt,
            word_count: clamp(s.content.word_count),
            reading_time: clamp(s.content.reading_time),
            status: Stored(s.publication.status()),
            published_at: s.publication.published_at().map(DbTime),
            featured: s.featured,
            feature_image: s.feature_image.map(|f| f.url.as_str()),
            feature_image_alt: s.feature_image.and_then(|f| f.alt.as_deref()),
            feature_image_caption: s.feature_image.and_then(|f| f.caption.as_deref()),
            canonical_url: seo.canonical_url.as_ref().map(WebUrl::as_str),
            meta_title: seo.meta_title.as_deref(),
            meta_description: seo.meta_description.as_deref(),
            og_image: seo.og_image.as_ref().map(ImageUrl::as_str),
            og_title: seo.og_title.as_deref(),
            og_description: seo.og_description.as_deref(),
            twitter_image: seo.twitter_image.as_ref().map(ImageUrl::as_str),
            twitter_title: seo.twitter_title.as_deref(),
            twitter_description: seo.twitter_description.as_deref(),
        }
    }
}

impl<'a> From<&'a Article> for ArticleFields<'a> {
    fn from(a: &'a Article) -> Self {
        FieldSource {
            slug: &a.slug,
            title: &a.title,
            custom_excerpt: a.custom_excerpt.as_deref(),
            content: &a.content,
            publication: a.publication,
            featured: a.featured,
            feature_image: a.feature_image.as_ref(),
            seo: &a.seo,
        }
        .into()
    }
}

fn clamp(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn count(field: &'static str, n: i32) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| StoreError::internal(format!("negative {field} stored")))
}

/// Stored values are re-validated on the way out: a row edited by hand into something the
/// domain would refuse is an internal error, not a silently served bad value.
fn article(r: ArticleHead, bodies: Bodies) -> Result<Article, StoreError> {
    let publication =
        Publication::from_parts(r.status.0, r.published_at.map(|t| t.0)).map_err(stored)?;
    let feature_image = match r.feature_image {
        Some(url) => Some(FeatureImage {
            url: ImageUrl::parse("feature_image", &url).map_err(stored)?,
            alt: r.feature_image_alt,
            caption: r.feature_image_caption,
        }),
        None => None,
    };
    let image = |field, v: Option<String>| {
        v.map(|v| ImageUrl::parse(field, &v))
            .transpose()
            .map_err(stored)
    };
    Ok(Article {
        id: ArticleId(r.id),
        uuid: r.uuid.0,
        slug: Slug::parse(&r.slug).map_err(stored)?,
        title: Title::parse(&r.title).map_err(stored)?,
        custom_excerpt: r.custom_excerpt,
        content: ArticleContent {
            markdown: bodies.markdown,
            html: bodies.html,
            plaintext: bodies.plaintext,
            excerpt: r.excerpt,
            word_count: count("word_count", r.word_count)?,
            reading_time: count("reading_time", r.reading_time)?,
        },
        publication,
        featured: r.featured,
        feature_image,
        seo: Seo {
            canonical_url: r
                .canonical_url
                .map(|u| WebUrl::parse("canonical_url", &u))
                .transpose()
                .map_err(stored)?,
            meta_title: r.meta_title,
            meta_description: r.meta_description,
            og_image: image("og_image", r.og_image)?,
            og_title: r.og_title,
            og_description: r.og_description,
            twitter_image: image("twitter_image", r.twitter_image)?,
            twitter_title: r.twitter_title,
            twitter_description: r.twitter_description,
        },
        version: r.version,
        created_at: r.created_at.0,
        updated_at: r.updated_at.0,
        updated_by: r.updated_by.map(AuthorId),
    })
}

impl TryFrom<ArticleRow> for Article {
    type Error = StoreError;

    fn try_from(r: ArticleRow) -> Result<Self, StoreError> {
        article(r.head, r.bodies)
    }
}

/// An article read without its bodies: `content.markdown`, `content.html` and
/// `content.plaintext` are empty.
impl TryFrom<ArticleHead> for Article {
    type Error = StoreError;

    fn try_from(r: ArticleHead) -> Result<Self, StoreError> {
        article(r, Bodies::default())
    }
}

/// An article read with its HTML only: `content.markdown` and `content.plaintext` are empty.
impl TryFrom<AnnouncedRow> for Article {
    type Error = StoreError;

    fn try_from(r: AnnouncedRow) -> Result<Self, StoreError> {
        let bodies = Bodies {
            html: r.html,
            ..Bodies::default()
        };
        article(r.head, bodies)
    }
}

/// A stored value the domain refuses.
pub(crate) fn stored(e: broadsheet_domain::ValidationError) -> StoreError {
    StoreError::internal(format!("stored value refused by the domain: {e}"))
}
