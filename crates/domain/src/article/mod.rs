//! Articles: the stories a publication publishes.

mod content;
mod input;
mod publication;

pub use content::ArticleContent;
pub use input::{ArticleInput, ArticlePatch, NewArticle, SeoInput};
pub use publication::{ArticleStatus, Publication};

use uuid::Uuid;

use crate::Slug;
use crate::ids::{ArticleId, AuthorId};
use crate::text::Title;
use crate::time::Timestamp;
use crate::url::{ImageUrl, WebUrl};

/// An article as stored. Tags and authors are loaded beside it, in batches, by whoever needs
/// them (see the persistence crate's `tags_of` and `authors_of`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// Row identity.
    pub id: ArticleId,
    /// Stable public identity; never changes, not even with the slug.
    pub uuid: Uuid,
    /// Unique address.
    pub slug: Slug,
    /// Headline.
    pub title: Title,
    /// The standfirst, as the editor wrote it.
    pub custom_excerpt: Option<String>,
    /// The body, in Markdown and as derived at write time.
    pub content: ArticleContent,
    /// Draft, scheduled or published, with the date.
    pub publication: Publication,
    /// Promoted by the editors.
    pub featured: bool,
    /// The lead image.
    pub feature_image: Option<FeatureImage>,
    /// Search-engine and social-card metadata.
    pub seo: Seo,
    /// Starts at 1; every saved change adds one.
    pub version: i64,
    /// When the article was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// Who saved the current version (`None` for the system, or a deleted user).
    pub updated_by: Option<AuthorId>,
}

/// An earlier version of an article's words, kept when a newer one was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The article.
    pub article: ArticleId,
    /// The version these words were.
    pub version: i64,
    /// The headline then.
    pub title: String,
    /// The standfirst then.
    pub custom_excerpt: Option<String>,
    /// The Markdown body then.
    pub markdown: String,
    /// Who saved that version.
    pub saved_by: Option<AuthorId>,
    /// When it was saved.
    pub saved_at: Timestamp,
}

/// The lead image with its alternative text and caption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureImage {
    /// Where the image is.
    pub url: ImageUrl,
    /// Text for readers who cannot see it.
    pub alt: Option<String>,
    /// Shown under it.
    pub caption: Option<String>,
}

/// Metadata for search engines and social cards. Each field falls back, in the frontends, to
/// the article's own title, excerpt and image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seo {
    /// Where the original lives, for syndicated copies.
    pub canonical_url: Option<WebUrl>,
    /// `<title>` override.
    pub meta_title: Option<String>,
    /// `<meta name=description>` override.
    pub meta_description: Option<String>,
    /// Open Graph image.
    pub og_image: Option<ImageUrl>,
    /// Open Graph title.
    pub og_title: Option<String>,
    /// Open Graph description.
    pub og_description: Option<String>,
    /// Twitter card image.
    pub twitter_image: Option<ImageUrl>,
    /// Twitter card title.
    pub twitter_title: Option<String>,
    /// Twitter card description.
    pub twitter_description: Option<String>,
}
