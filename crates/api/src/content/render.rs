//! Posts, tags and authors in the shapes Ghost's Content API gives them.

use broadsheet_domain::article::Article;
use broadsheet_domain::author::Author;
use broadsheet_domain::ids::{AuthorId, TagId};
use broadsheet_domain::tag::Tag;
use broadsheet_domain::time::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};

use super::params::Params;
use crate::site::SiteUrl;

/// Ghost's date format: milliseconds and an explicit offset.
pub fn date(t: Timestamp) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()
}

/// A post's `id`: its UUID as 32 hex characters.
pub fn post_id(uuid: uuid::Uuid) -> String {
    uuid.simple().to_string()
}

/// A tag's or author's `id`: 24 hex characters, like Ghost's object ids.
pub fn row_id(id: i64) -> String {
    format!("{id:024x}")
}

/// Reads a row id made by [`row_id`].
pub fn parse_row_id(id: &str) -> Option<i64> {
    (id.len() == 24)
        .then(|| i64::from_str_radix(id, 16).ok())
        .flatten()
}

fn text<T: ToString>(v: Option<&T>) -> Option<String> {
    v.map(ToString::to_string)
}

/// `{"posts": n}`, a tag's or author's `count`.
#[derive(Debug, Serialize)]
pub struct Count {
    posts: i64,
}

// The shapes below are written straight into the response, without a `serde_json::Value`
// in between (building one map per post, tag and author was most of a post list's cost).
// Their fields are in the order Ghost's clients have always received them from us: sorted
// by name, as `serde_json::Map` sorted them (a test holds each to that order).

/// A tag, as the Content API shows it.
#[derive(Debug, Serialize)]
pub struct TagOut<'a> {
    #[serde(skip)]
    pub tag_id: TagId,
    accent_color: (),
    canonical_url: (),
    codeinjection_foot: (),
    codeinjection_head: (),
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<Count>,
    description: Option<&'a str>,
    feature_image: Option<String>,
    id: String,
    meta_description: Option<&'a str>,
    meta_title: Option<&'a str>,
    name: &'a str,
    og_description: (),
    og_image: (),
    og_title: (),
    slug: &'a str,
    twitter_description: (),
    twitter_image: (),
    twitter_title: (),
    url: String,
    visibility: &'static str,
}

/// A tag.
pub fn tag_out<'a>(t: &'a Tag, site: &SiteUrl, count: Option<i64>) -> TagOut<'a> {
    TagOut {
        tag_id: t.id,
        accent_color: (),
        canonical_url: (),
        codeinjection_foot: (),
        codeinjection_head: (),
        count: count.map(|posts| Count { posts }),
        description: t.description.as_deref(),
        feature_image: text(t.feature_image.as_ref()),
        id: row_id(t.id.0),
        meta_description: t.meta_description.as_deref(),
        meta_title: t.meta_title.as_deref(),
        name: t.name.as_str(),
        og_description: (),
        og_image: (),
        og_title: (),
        slug: t.slug.as_str(),
        twitter_description: (),
        twitter_image: (),
        twitter_title: (),
        url: site.page(&format!("tag/{}", t.slug)),
        visibility: t.visibility().as_str(),
    }
}

/// A tag, as a JSON value.
pub fn tag(t: &Tag, site: &SiteUrl, count: Option<i64>) -> Value {
    value(&tag_out(t, site, count))
}

/// An author, as the Content API shows them.
#[derive(Debug, Serialize)]
pub struct AuthorOut<'a> {
    #[serde(skip)]
    pub author_id: AuthorId,
    bio: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<Count>,
    cover_image: Option<String>,
    facebook: Option<&'a str>,
    id: String,
    location: Option<&'a str>,
    meta_description: Option<&'a str>,
    meta_title: Option<&'a str>,
    name: &'a str,
    profile_image: Option<String>,
    slug: &'a str,
    twitter: Option<&'a str>,
    url: String,
    website: Option<String>,
}

/// An author.
pub fn author_out<'a>(a: &'a Author, site: &SiteUrl, count: Option<i64>) -> AuthorOut<'a> {
    let p = &a.profile;
    AuthorOut {
        author_id: a.id,
        bio: p.bio.as_deref(),
        count: count.map(|posts| Count { posts }),
        cover_image: text(p.cover_image.as_ref()),
        facebook: p.facebook.as_deref(),
        id: row_id(a.id.0),
        location: p.location.as_deref(),
        meta_description: p.meta_description.as_deref(),
        meta_title: p.meta_title.as_deref(),
        name: &p.name,
        profile_image: text(p.profile_image.as_ref()),
        slug: a.slug.as_str(),
        twitter: p.twitter.as_deref(),
        url: site.page(&format!("author/{}", a.slug)),
        website: text(p.website.as_ref()),
    }
}

/// An author, as a JSON value.
pub fn author(a: &Author, site: &SiteUrl, count: Option<i64>) -> Value {
    value(&author_out(a, site, count))
}

/// A post, as the Content API shows it.
#[derive(Debug, Serialize)]
pub struct PostOut<'a> {
    access: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authors: Option<Vec<AuthorOut<'a>>>,
    canonical_url: Option<String>,
    codeinjection_foot: (),
    codeinjection_head: (),
    comment_id: String,
    comments: bool,
    created_at: String,
    custom_excerpt: Option<&'a str>,
    custom_template: (),
    email_subject: (),
    excerpt: &'a str,
    feature_image: Option<String>,
    feature_image_alt: Option<&'a str>,
    feature_image_caption: Option<&'a str>,
    feature_image_credit: (),
    featured: bool,
    frontmatter: (),
    #[serde(skip_serializing_if = "Option::is_none")]
    html: Option<&'a str>,
    pub id: String,
    meta_description: Option<&'a str>,
    meta_title: Option<&'a str>,
    og_description: Option<&'a str>,
    og_image: Option<String>,
    og_title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plaintext: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_author: Option<Option<AuthorOut<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_tag: Option<Option<TagOut<'a>>>,
    published_at: Option<String>,
    reading_time: u32,
    slug: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<TagOut<'a>>>,
    title: &'a str,
    twitter_description: Option<&'a str>,
    twitter_image: Option<String>,
    twitter_title: Option<&'a str>,
    updated_at: String,
    url: String,
    uuid: String,
    visibility: &'static str,
}

/// A post, with its tags and authors when `include` asks for them. Internal tags are left
/// out, and a primary tag that is internal is none, as in Ghost.
pub fn post<'a>(
    a: &'a Article,
    tags: &'a [Tag],
    authors: &'a [Author],
    site: &SiteUrl,
    p: &Params,
) -> PostOut<'a> {
    let seo = &a.seo;
    let image = a.feature_image.as_ref();
    let public = |t: &&Tag| t.visibility().as_str() == "public";
    let with_tags = p.include.contains("tags");
    let with_authors = p.include.contains("authors");
    PostOut {
        access: true,
        authors: with_authors.then(|| authors.iter().map(|a| author_out(a, site, None)).collect()),
        canonical_url: text(seo.canonical_url.as_ref()),
        codeinjection_foot: (),
        codeinjection_head: (),
        comment_id: post_id(a.uuid),
        comments: false,
        created_at: date(a.created_at),
        custom_excerpt: a.custom_excerpt.as_deref(),
        custom_template: (),
        email_subject: (),
        excerpt: &a.content.excerpt,
        feature_image: text(image.map(|f| &f.url)),
        feature_image_alt: image.and_then(|f| f.alt.as_deref()),
        feature_image_caption: image.and_then(|f| f.caption.as_deref()),
        feature_image_credit: (),
        featured: a.featured,
        frontmatter: (),
        html: p.html.then_some(a.content.html.as_str()),
        id: post_id(a.uuid),
        meta_description: seo.meta_description.as_deref(),
        meta_title: seo.meta_title.as_deref(),
        og_description: seo.og_description.as_deref(),
        og_image: text(seo.og_image.as_ref()),
        og_title: seo.og_title.as_deref(),
        plaintext: p.plaintext.then_some(a.content.plaintext.as_str()),
        primary_author: with_authors.then(|| authors.first().map(|a| author_out(a, site, None))),
        primary_tag: with_tags.then(|| tags.first().filter(public).map(|t| tag_out(t, site, None))),
        published_at: a.publication.published_at().map(date),
        reading_time: a.content.reading_time,
        slug: a.slug.as_str(),
        tags: with_tags.then(|| {
            tags.iter()
                .filter(public)
                .map(|t| tag_out(t, site, None))
                .collect()
        }),
        title: a.title.as_str(),
        twitter_description: seo.twitter_description.as_deref(),
        twitter_image: text(seo.twitter_image.as_ref()),
        twitter_title: seo.twitter_title.as_deref(),
        updated_at: date(a.updated_at),
        url: site.page(a.slug.as_str()),
        uuid: a.uuid.to_string(),
        visibility: "public",
    }
}

/// `v` as a JSON value (for the answers still built as values, and `fields` selection).
pub fn value<T: Serialize>(v: &T) -> Value {
    // The shapes above hold strings, numbers, booleans and nulls under string keys: nothing
    // serde_json can refuse.
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Keeps only `fields` (and the ones in `always`).
pub fn select(value: Value, fields: Option<&[String]>, always: &[&str]) -> Value {
    let (Some(fields), Value::Object(map)) = (fields, &value) else {
        return value;
    };
    let kept: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| always.contains(&k.as_str()) || fields.iter().any(|f| f == *k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_dates() {
        assert_eq!(row_id(42), "00000000000000000000002a");
        assert_eq!(parse_row_id("00000000000000000000002a"), Some(42));
        assert_eq!(parse_row_id("2a"), None);
        let t = chrono::DateTime::parse_from_rfc3339("2014-06-26T09:00:00Z")
            .expect("date")
            .to_utc();
        assert_eq!(date(t), "2014-06-26T09:00:00.000+00:00");
    }
}
