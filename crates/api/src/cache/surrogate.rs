//! Surrogate keys: the names a response's `Surrogate-Key` header gives to what it shows, so
//! that a CDN (Fastly, or Varnish with xkey) can purge exactly the responses a change touches.
//! They are a published contract (README "Caching"): every key is made here and nowhere else.
//!
//! - `article:<uuid without dashes>`: a response showing that article;
//! - `tag:<row id>`, `author:<row id>`: a response showing that tag or author;
//! - `articles`, `tags`, `authors`: a response listing them (a new one may enter the list);
//! - `settings`: a response showing the publication's settings.
//!
//! A response may also depend on keys it does not show (see [`crate::cache::Dependencies`]):
//! those are internal, and may change shape freely; they are written here and in the
//! `content_changes` migrations' triggers.

use broadsheet_domain::ids::{AuthorId, TagId};
use uuid::Uuid;

/// Every list of articles.
pub const ARTICLES: &str = "articles";
/// Every list of tags.
pub const TAGS: &str = "tags";
/// Every list of authors.
pub const AUTHORS: &str = "authors";
/// The publication's settings.
pub const SETTINGS: &str = "settings";

/// Hidden (never in a `Surrogate-Key` header): any change to any article, for what reads
/// articles by more than what places them in lists (searches, lists filtered or ordered by
/// title or dates of change).
pub const ARTICLES_ANY: &str = "articles:any";

/// Hidden: the pool that articles carrying a tag are suggested from (its articles, their
/// publication, their dates).
pub fn related(id: TagId) -> String {
    format!("related:{}", id.0)
}

/// The key of an article.
pub fn article(uuid: Uuid) -> String {
    format!("article:{}", uuid.simple())
}

/// The key of an article by its public id as the Content API writes it (32 hex digits).
pub fn article_by_hex(id: &str) -> String {
    format!("article:{id}")
}

/// The key of a tag.
pub fn tag(id: TagId) -> String {
    format!("tag:{}", id.0)
}

/// The key of an author.
pub fn author(id: AuthorId) -> String {
    format!("author:{}", id.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shapes are a contract with CDN configurations: changing one breaks purges.
    #[test]
    fn keys_keep_their_published_shapes() {
        let uuid = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(article(uuid), "article:0123456789abcdef0123456789abcdef");
        assert_eq!(article_by_hex(&uuid.simple().to_string()), article(uuid));
        assert_eq!(tag(TagId(7)), "tag:7");
        assert_eq!(author(AuthorId(9)), "author:9");
        assert_eq!(
            [ARTICLES, TAGS, AUTHORS, SETTINGS],
            ["articles", "tags", "authors", "settings"]
        );
    }
}
