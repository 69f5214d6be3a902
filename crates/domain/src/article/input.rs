//! Articles as clients send them: a whole new article, or a patch to an existing one.

use uuid::Uuid;

use super::{Article, ArticleContent, ArticleStatus, FeatureImage, Publication, Revision, Seo};
use crate::ids::{AuthorId, TagId};
use crate::text::{Title, optional};
use crate::time::Timestamp;
use crate::url::{ImageUrl, WebUrl};
use crate::{Slug, ValidationError};

/// Longest standfirst, in characters (Ghost's limit).
const CUSTOM_EXCERPT_MAX: usize = 300;

/// The fields of a new article, before validation.
#[derive(Debug, Clone)]
pub struct ArticleInput {
    /// Required.
    pub title: String,
    /// Derived from the title when absent.
    pub slug: Option<String>,
    /// Standfirst.
    pub custom_excerpt: Option<String>,
    /// Markdown.
    pub body: String,
    /// Defaults to draft.
    pub status: ArticleStatus,
    /// Required for scheduled; defaults to now for published.
    pub published_at: Option<Timestamp>,
    /// Promoted by the editors.
    pub featured: bool,
    /// Lead image address.
    pub feature_image: Option<String>,
    /// Lead image text alternative; needs an image.
    pub feature_image_alt: Option<String>,
    /// Lead image caption; needs an image.
    pub feature_image_caption: Option<String>,
    /// Search and social metadata.
    pub seo: SeoInput,
    /// Ordered; the first is the primary tag.
    pub tags: Vec<TagId>,
    /// Ordered; the first is the primary author. At least one.
    pub authors: Vec<AuthorId>,
}

impl Default for ArticleInput {
    fn default() -> Self {
        Self {
            title: String::new(),
            slug: None,
            custom_excerpt: None,
            body: String::new(),
            status: ArticleStatus::Draft,
            published_at: None,
            featured: false,
            feature_image: None,
            feature_image_alt: None,
            feature_image_caption: None,
            seo: SeoInput::default(),
            tags: Vec::new(),
            authors: Vec::new(),
        }
    }
}

/// Search and social metadata, before validation.
#[derive(Debug, Clone, Default)]
pub struct SeoInput {
    /// See [`Seo`].
    pub canonical_url: Option<String>,
    /// See [`Seo`].
    pub meta_title: Option<String>,
    /// See [`Seo`].
    pub meta_description: Option<String>,
    /// See [`Seo`].
    pub og_image: Option<String>,
    /// See [`Seo`].
    pub og_title: Option<String>,
    /// See [`Seo`].
    pub og_description: Option<String>,
    /// See [`Seo`].
    pub twitter_image: Option<String>,
    /// See [`Seo`].
    pub twitter_title: Option<String>,
    /// See [`Seo`].
    pub twitter_description: Option<String>,
}

impl Seo {
    /// Validates every field, naming the first that is wrong.
    pub fn parse(input: &SeoInput) -> Result<Self, ValidationError> {
        Ok(Self {
            canonical_url: WebUrl::optional("canonical_url", input.canonical_url.as_deref())?,
            meta_title: optional("meta_title", input.meta_title.as_deref(), 300, false)?,
            meta_description: optional(
                "meta_description",
                input.meta_description.as_deref(),
                500,
                false,
            )?,
            og_image: ImageUrl::optional("og_image", input.og_image.as_deref())?,
            og_title: optional("og_title", input.og_title.as_deref(), 300, false)?,
            og_description: optional(
                "og_description",
                input.og_description.as_deref(),
                500,
                false,
            )?,
            twitter_image: ImageUrl::optional("twitter_image", input.twitter_image.as_deref())?,
            twitter_title: optional("twitter_title", input.twitter_title.as_deref(), 300, false)?,
            twitter_description: optional(
                "twitter_description",
                input.twitter_description.as_deref(),
                500,
                false,
            )?,
        })
    }
}

fn feature_image(
    url: Option<&str>,
    alt: Option<&str>,
    caption: Option<&str>,
) -> Result<Option<FeatureImage>, ValidationError> {
    let url = ImageUrl::optional("feature_image", url)?;
    let alt = optional("feature_image_alt", alt, 191, false)?;
    let caption = optional("feature_image_caption", caption, 500, false)?;
    match url {
        Some(url) => Ok(Some(FeatureImage { url, alt, caption })),
        None if alt.is_some() => Err(ValidationError::new(
            "feature_image_alt",
            "needs a feature_image",
        )),
        None if caption.is_some() => Err(ValidationError::new(
            "feature_image_caption",
            "needs a feature_image",
        )),
        None => Ok(None),
    }
}

fn custom_excerpt(value: Option<&str>) -> Result<Option<String>, ValidationError> {
    optional("custom_excerpt", value, CUSTOM_EXCERPT_MAX, true)
}

/// Keeps the first occurrence of each id, in order.
fn dedup<T: PartialEq + Copy>(ids: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

/// A validated article, not yet stored.
#[derive(Debug, Clone)]
pub struct NewArticle {
    /// Its public identity, chosen now (UUIDv7: time-ordered, so index-friendly).
    pub uuid: Uuid,
    /// The slug asked for; `None` derives one from the title.
    pub slug: Option<Slug>,
    /// Headline.
    pub title: Title,
    /// Standfirst.
    pub custom_excerpt: Option<String>,
    /// Rendered body.
    pub content: ArticleContent,
    /// Status and date.
    pub publication: Publication,
    /// Promoted.
    pub featured: bool,
    /// Lead image.
    pub feature_image: Option<FeatureImage>,
    /// Metadata.
    pub seo: Seo,
    /// Ordered tag ids, no repeats.
    pub tags: Vec<TagId>,
    /// Ordered author ids, no repeats, at least one.
    pub authors: Vec<AuthorId>,
}

impl NewArticle {
    /// Validates every field and renders the body. A published article without a date is
    /// published `now`.
    pub fn parse(input: &ArticleInput, now: Timestamp) -> Result<Self, ValidationError> {
        let title = Title::parse(&input.title)?;
        let slug = input.slug.as_deref().map(Slug::parse).transpose()?;
        let custom_excerpt = custom_excerpt(input.custom_excerpt.as_deref())?;
        let content = ArticleContent::render(&input.body, custom_excerpt.as_deref())?;
        let published_at = match (input.status, input.published_at) {
            (ArticleStatus::Published, None) => Some(now),
            (_, at) => at.map(crate::time::truncate),
        };
        let publication = Publication::from_parts(input.status, published_at)?;
        let authors = dedup(&input.authors);
        if authors.is_empty() {
            return Err(ValidationError::new("authors", "needs at least one author"));
        }
        Ok(Self {
            uuid: Uuid::now_v7(),
            slug,
            title,
            custom_excerpt,
            content,
            publication,
            featured: input.featured,
            feature_image: feature_image(
                input.feature_image.as_deref(),
                input.feature_image_alt.as_deref(),
                input.feature_image_caption.as_deref(),
            )?,
            seo: Seo::parse(&input.seo)?,
            tags: dedup(&input.tags),
            authors,
        })
    }
}

/// A partial update: `None` leaves a field as it is; for fields that may be empty,
/// `Some(None)` clears it. Status and dates change through [`Publication`], not here.
#[derive(Debug, Clone, Default)]
pub struct ArticlePatch {
    /// New headline.
    pub title: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// New or cleared standfirst.
    pub custom_excerpt: Option<Option<String>>,
    /// New Markdown body.
    pub body: Option<String>,
    /// Promote or demote.
    pub featured: Option<bool>,
    /// New or cleared lead image.
    pub feature_image: Option<Option<String>>,
    /// New or cleared alt text.
    pub feature_image_alt: Option<Option<String>>,
    /// New or cleared caption.
    pub feature_image_caption: Option<Option<String>>,
    /// Metadata fields to replace; each `Some` replaces that field.
    pub seo: Option<SeoInput>,
}

impl Article {
    /// This article with `patch` applied, re-rendered if the body or standfirst changed. The
    /// version is unchanged: it is the version the patch was made against, which the store
    /// checks before it writes.
    pub fn revise(&self, patch: &ArticlePatch) -> Result<Article, ValidationError> {
        let mut next = self.clone();
        if let Some(title) = &patch.title {
            next.title = Title::parse(title)?;
        }
        if let Some(slug) = &patch.slug {
            next.slug = Slug::parse(slug)?;
        }
        if let Some(excerpt) = &patch.custom_excerpt {
            next.custom_excerpt = custom_excerpt(excerpt.as_deref())?;
        }
        let body_changed = patch.body.is_some() || patch.custom_excerpt.is_some();
        if body_changed {
            let markdown = patch.body.as_deref().unwrap_or(&self.content.markdown);
            next.content = ArticleContent::render(markdown, next.custom_excerpt.as_deref())?;
        }
        if let Some(featured) = patch.featured {
            next.featured = featured;
        }
        if patch.feature_image.is_some()
            || patch.feature_image_alt.is_some()
            || patch.feature_image_caption.is_some()
        {
            let current = self.feature_image.as_ref();
            let pick = |new: &Option<Option<String>>, old: Option<&str>| match new {
                Some(v) => v.clone(),
                None => old.map(str::to_owned),
            };
            let url = pick(&patch.feature_image, current.map(|f| f.url.as_str()));
            let alt = pick(
                &patch.feature_image_alt,
                current.and_then(|f| f.alt.as_deref()),
            );
            let caption = pick(
                &patch.feature_image_caption,
                current.and_then(|f| f.caption.as_deref()),
            );
            next.feature_image = feature_image(url.as_deref(), alt.as_deref(), caption.as_deref())?;
        }
        if let Some(seo) = &patch.seo {
            next.seo = merge_seo(&self.seo, seo)?;
        }
        Ok(next)
    }

    /// This article with the words of `revision` back: title, standfirst and body. The
    /// store saves it as a new version; nothing is lost.
    pub fn restore(&self, revision: &Revision) -> Result<Article, ValidationError> {
        self.revise(&ArticlePatch {
            title: Some(revision.title.clone()),
            custom_excerpt: Some(revision.custom_excerpt.clone()),
            body: Some(revision.markdown.clone()),
            ..ArticlePatch::default()
        })
    }
}

/// Replaces the fields `patch` names; an empty string clears one.
fn merge_seo(current: &Seo, patch: &SeoInput) -> Result<Seo, ValidationError> {
    fn keep<T: ToString>(new: &Option<String>, old: &Option<T>) -> Option<String> {
        match new {
            Some(v) => Some(v.clone()),
            None => old.as_ref().map(ToString::to_string),
        }
    }
    Seo::parse(&SeoInput {
        canonical_url: keep(&patch.canonical_url, &current.canonical_url),
        meta_title: keep(&patch.meta_title, &current.meta_title),
        meta_description: keep(&patch.meta_description, &current.meta_description),
        og_image: keep(&patch.og_image, &current.og_image),
        og_title: keep(&patch.og_title, &current.og_title),
        og_description: keep(&patch.og_description, &current.og_description),
        twitter_image: keep(&patch.twitter_image, &current.twitter_image),
        twitter_title: keep(&patch.twitter_title, &current.twitter_title),
        twitter_description: keep(&patch.twitter_description, &current.twitter_description),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ArticleId;

    fn input() -> ArticleInput {
        ArticleInput {
            title: "Council budget".into(),
            body: "The council **met**.".into(),
            authors: vec![AuthorId(1)],
            ..ArticleInput::default()
        }
    }

    fn stored(new: NewArticle) -> Article {
        let now = crate::time::now();
        Article {
            id: ArticleId(1),
            uuid: new.uuid,
            slug: new
                .slug
                .unwrap_or_else(|| Slug::derive(new.title.as_str(), "x")),
            title: new.title,
            custom_excerpt: new.custom_excerpt,
            content: new.content,
            publication: new.publication,
            featured: new.featured,
            feature_image: new.feature_image,
            seo: new.seo,
            version: 1,
            created_at: now,
            updated_at: now,
            updated_by: None,
        }
    }

    #[test]
    fn published_without_date_is_published_now() {
        let now = crate::time::now();
        let a = NewArticle::parse(
            &ArticleInput {
                status: ArticleStatus::Published,
                ..input()
            },
            now,
        )
        .expect("valid");
        assert_eq!(a.publication, Publication::Published(now));
        assert_eq!(a.content.html, "<p>The council <strong>met</strong>.</p>\n");
    }

    #[test]
    fn refuses_with_the_field_named() {
        let now = crate::time::now();
        let cases: Vec<(ArticleInput, &str)> = vec![
            (
                ArticleInput {
                    title: " ".into(),
                    ..input()
                },
                "title",
            ),
            (
                ArticleInput {
                    slug: Some("A B".into()),
                    ..input()
                },
                "slug",
            ),
            (
                ArticleInput {
                    authors: vec![],
                    ..input()
                },
                "authors",
            ),
            (
                ArticleInput {
                    custom_excerpt: Some("x".repeat(301)),
                    ..input()
                },
                "custom_excerpt",
            ),
            (
                ArticleInput {
                    feature_image_alt: Some("alt".into()),
                    ..input()
                },
                "feature_image_alt",
            ),
            (
                ArticleInput {
                    feature_image: Some("javascript:x".into()),
                    ..input()
                },
                "feature_image",
            ),
            (
                ArticleInput {
                    seo: SeoInput {
                        canonical_url: Some("ftp://x".into()),
                        ..SeoInput::default()
                    },
                    ..input()
                },
                "canonical_url",
            ),
            (
                ArticleInput {
                    status: ArticleStatus::Scheduled,
                    ..input()
                },
                "published_at",
            ),
        ];
        for (i, field) in cases {
            assert_eq!(NewArticle::parse(&i, now).unwrap_err().field, field);
        }
    }

    #[test]
    fn repeated_ids_are_dropped_in_order() {
        let a = NewArticle::parse(
            &ArticleInput {
                tags: vec![TagId(3), TagId(1), TagId(3)],
                authors: vec![AuthorId(2), AuthorId(2), AuthorId(1)],
                ..input()
            },
            crate::time::now(),
        )
        .expect("valid");
        assert_eq!(a.tags, vec![TagId(3), TagId(1)]);
        assert_eq!(a.authors, vec![AuthorId(2), AuthorId(1)]);
    }

    #[test]
    fn revise_rerenders_and_keeps_the_rest() {
        let a = stored(NewArticle::parse(&input(), crate::time::now()).expect("valid"));
        let b = a
            .revise(&ArticlePatch {
                body: Some("New *body*".into()),
                feature_image: Some(Some("/img.jpg".into())),
                feature_image_alt: Some(Some("A picture".into())),
                ..ArticlePatch::default()
            })
            .expect("valid patch");
        assert_eq!(b.title, a.title);
        assert_eq!(b.content.html, "<p>New <em>body</em></p>\n");
        assert_eq!(b.content.excerpt, "New body");
        assert_eq!(
            b.feature_image.as_ref().and_then(|f| f.alt.as_deref()),
            Some("A picture")
        );
        let c = b
            .revise(&ArticlePatch {
                custom_excerpt: Some(Some("Standfirst".into())),
                feature_image: Some(None),
                feature_image_alt: Some(None),
                ..ArticlePatch::default()
            })
            .expect("valid patch");
        assert_eq!(c.content.excerpt, "Standfirst");
        assert_eq!(c.feature_image, None);
        let err = c
            .revise(&ArticlePatch {
                feature_image_caption: Some(Some("c".into())),
                ..ArticlePatch::default()
            })
            .unwrap_err();
        assert_eq!(err.field, "feature_image_caption");
    }

    #[test]
    fn restore_brings_back_the_words() {
        let a = stored(NewArticle::parse(&input(), crate::time::now()).expect("valid"));
        let old = Revision {
            article: a.id,
            version: 1,
            title: "Old headline".into(),
            custom_excerpt: Some("Old standfirst".into()),
            markdown: "Old *body*".into(),
            saved_by: None,
            saved_at: a.created_at,
        };
        let restored = a.restore(&old).expect("valid");
        assert_eq!(restored.title.as_str(), "Old headline");
        assert_eq!(restored.content.excerpt, "Old standfirst");
        assert_eq!(restored.content.html, "<p>Old <em>body</em></p>\n");
        assert_eq!(restored.slug, a.slug, "the address stays");
    }
}
