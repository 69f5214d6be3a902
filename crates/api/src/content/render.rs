//! Posts, tags and authors in the shapes Ghost's Content API gives them.

use broadsheet_domain::article::Article;
use broadsheet_domain::author::Author;
use broadsheet_domain::tag::Tag;
use broadsheet_domain::time::Timestamp;
use serde_json::{Map, Value, json};

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

fn opt<T: ToString>(v: Option<T>) -> Value {
    v.map_or(Value::Null, |v| Value::String(v.to_string()))
}

/// A tag.
pub fn tag(t: &Tag, site: &SiteUrl, count: Option<i64>) -> Value {
    let mut v = json!({
        "id": row_id(t.id.0),
        "name": t.name.as_str(),
        "slug": t.slug.as_str(),
        "description": t.description,
        "feature_image": opt(t.feature_image.as_ref()),
        "visibility": t.visibility().as_str(),
        "og_image": null,
        "og_title": null,
        "og_description": null,
        "twitter_image": null,
        "twitter_title": null,
        "twitter_description": null,
        "meta_title": t.meta_title,
        "meta_description": t.meta_description,
        "codeinjection_head": null,
        "codeinjection_foot": null,
        "canonical_url": null,
        "accent_color": null,
        "url": site.page(&format!("tag/{}", t.slug)),
    });
    if let (Some(n), Value::Object(map)) = (count, &mut v) {
        map.insert("count".into(), json!({ "posts": n }));
    }
    v
}

/// An author.
pub fn author(a: &Author, site: &SiteUrl, count: Option<i64>) -> Value {
    let p = &a.profile;
    let mut v = json!({
        "id": row_id(a.id.0),
        "name": p.name,
        "slug": a.slug.as_str(),
        "profile_image": opt(p.profile_image.as_ref()),
        "cover_image": opt(p.cover_image.as_ref()),
        "bio": p.bio,
        "website": opt(p.website.as_ref()),
        "location": p.location,
        "facebook": p.facebook,
        "twitter": p.twitter,
        "meta_title": p.meta_title,
        "meta_description": p.meta_description,
        "url": site.page(&format!("author/{}", a.slug)),
    });
    if let (Some(n), Value::Object(map)) = (count, &mut v) {
        map.insert("count".into(), json!({ "posts": n }));
    }
    v
}

/// A post, with its tags and authors when `include` asks for them. Internal tags are left
/// out, and a primary tag that is internal is none, as in Ghost.
pub fn post(a: &Article, tags: &[Tag], authors: &[Author], site: &SiteUrl, p: &Params) -> Value {
    let seo = &a.seo;
    let image = a.feature_image.as_ref();
    let mut v = json!({
        "id": post_id(a.uuid),
        "uuid": a.uuid.to_string(),
        "title": a.title.as_str(),
        "slug": a.slug.as_str(),
        "comment_id": post_id(a.uuid),
        "feature_image": opt(image.map(|f| &f.url)),
        "feature_image_alt": image.and_then(|f| f.alt.clone()),
        "feature_image_caption": image.and_then(|f| f.caption.clone()),
        "featured": a.featured,
        "visibility": "public",
        "created_at": date(a.created_at),
        "updated_at": date(a.updated_at),
        "published_at": a.publication.published_at().map(date),
        "custom_excerpt": a.custom_excerpt,
        "codeinjection_head": null,
        "codeinjection_foot": null,
        "custom_template": null,
        "canonical_url": opt(seo.canonical_url.as_ref()),
        "url": site.page(a.slug.as_str()),
        "excerpt": a.content.excerpt,
        "reading_time": a.content.reading_time,
        "access": true,
        "comments": false,
        "og_image": opt(seo.og_image.as_ref()),
        "og_title": seo.og_title,
        "og_description": seo.og_description,
        "twitter_image": opt(seo.twitter_image.as_ref()),
        "twitter_title": seo.twitter_title,
        "twitter_description": seo.twitter_description,
        "meta_title": seo.meta_title,
        "meta_description": seo.meta_description,
        "email_subject": null,
        "frontmatter": null,
        "feature_image_credit": null,
    });
    let Value::Object(map) = &mut v else { return v };
    if p.html {
        map.insert("html".into(), Value::String(a.content.html.clone()));
    }
    if p.plaintext {
        map.insert(
            "plaintext".into(),
            Value::String(a.content.plaintext.clone()),
        );
    }
    if p.include.contains("tags") {
        let public: Vec<&Tag> = tags
            .iter()
            .filter(|t| t.visibility().as_str() == "public")
            .collect();
        map.insert(
            "tags".into(),
            public.iter().map(|t| tag(t, site, None)).collect(),
        );
        let primary = tags.first().filter(|t| t.visibility().as_str() == "public");
        map.insert(
            "primary_tag".into(),
            primary.map_or(Value::Null, |t| tag(t, site, None)),
        );
    }
    if p.include.contains("authors") {
        map.insert(
            "authors".into(),
            authors.iter().map(|a| author(a, site, None)).collect(),
        );
        map.insert(
            "primary_author".into(),
            authors
                .first()
                .map_or(Value::Null, |a| author(a, site, None)),
        );
    }
    v
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
