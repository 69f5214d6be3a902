//! DataLoaders: every per-article lookup a page makes (tags, authors, related links, counts)
//! becomes one statement for the whole page, whatever its size.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{HashMapCache, Loader};
use broadsheet_domain::article::Article;
use broadsheet_domain::author::Author;
use broadsheet_domain::ids::{ArticleId, AuthorId, TagId};
use broadsheet_domain::related::RelatedLink;
use broadsheet_domain::tag::{Tag, Visibility};
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::{Store, StoreError, articles, related, tags, users};
use uuid::Uuid;

use crate::cache::{Surrogates, surrogate};

/// Loads from the store, as of one instant, noting what it loaded (for `Surrogate-Key`).
pub struct StoreLoader {
    store: Store,
    now: Timestamp,
    seen: Surrogates,
}

impl StoreLoader {
    /// A loader answering as of `now`, noting what it loads in `seen`.
    pub fn new(store: Store, now: Timestamp, seen: Surrogates) -> Self {
        Self { store, now, seen }
    }

    // Only what the public may see is named in `Surrogate-Key`: a loader also reads drafts
    // (a curated link to one, a draft asked for by id) and internal tags, which the response
    // then leaves out; naming them would tell a stranger they exist.
    fn saw_articles<'a>(&self, articles: impl Iterator<Item = &'a Arc<Article>>) {
        for a in articles.filter(|a| a.publication.is_live_at(self.now)) {
            self.seen.add(surrogate::article(a.uuid));
        }
    }

    fn saw_tags<'a>(&self, tags: impl Iterator<Item = &'a Tag>) {
        for t in tags.filter(|t| t.visibility() == Visibility::Public) {
            self.seen.add(surrogate::tag(t.id));
        }
    }

    fn saw_authors<'a>(&self, authors: impl Iterator<Item = &'a Author>) {
        for a in authors {
            self.seen.add(surrogate::author(a.id));
        }
    }
}

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<StoreError>>;

/// An article's tags, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagsOf(pub ArticleId);
/// An article's authors, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthorsOf(pub ArticleId);
/// An article without its bodies (for lists of related articles and search results).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SummaryOf(pub ArticleId);
/// An article's bodies: Markdown, HTML, plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentOf(pub ArticleId);
/// Markdown, HTML and plain text, by name.
pub use broadsheet_persistence::articles::Bodies;
/// An article's curated related links, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CuratedOf(pub ArticleId);
/// Up to `.1` suggested related articles for an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SuggestedFor(pub ArticleId, pub usize);
/// Live articles carrying a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagArticleCount(pub TagId);
/// Live articles with an author's byline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthorArticleCount(pub AuthorId);

impl StoreLoader {
    async fn read<K, V, F>(&self, keys: &[K], f: F) -> LoadResult<K, V>
    where
        K: Clone + Send + 'static,
        V: Send + 'static,
        F: FnOnce(
                &mut broadsheet_persistence::AnyConnection,
                Vec<K>,
            ) -> Result<HashMap<K, V>, StoreError>
            + Send
            + 'static,
    {
        let keys = keys.to_vec();
        self.store.read(move |c| f(c, keys)).await.map_err(Arc::new)
    }
}

impl Loader<ArticleId> for StoreLoader {
    type Value = Arc<Article>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[ArticleId]) -> LoadResult<ArticleId, Arc<Article>> {
        let found = self
            .read(keys, |c, ids| {
                Ok(articles::by_ids(c, &ids)?
                    .into_iter()
                    .map(|(id, a)| (id, Arc::new(a)))
                    .collect())
            })
            .await?;
        self.saw_articles(found.values());
        Ok(found)
    }
}

impl Loader<Uuid> for StoreLoader {
    type Value = Arc<Article>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Arc<Article>> {
        let found = self
            .read(keys, |c, uuids| {
                Ok(articles::by_uuids(c, &uuids)?
                    .into_iter()
                    .map(|(uuid, a)| (uuid, Arc::new(a)))
                    .collect())
            })
            .await?;
        self.saw_articles(found.values());
        Ok(found)
    }
}

impl Loader<TagId> for StoreLoader {
    type Value = Tag;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[TagId]) -> LoadResult<TagId, Tag> {
        let found = self.read(keys, |c, ids| tags::by_ids(c, &ids)).await?;
        self.saw_tags(found.values());
        Ok(found)
    }
}

impl Loader<AuthorId> for StoreLoader {
    type Value = Author;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[AuthorId]) -> LoadResult<AuthorId, Author> {
        let found = self
            .read(keys, |c, ids| users::authors_by_ids(c, &ids))
            .await?;
        self.saw_authors(found.values());
        Ok(found)
    }
}

impl Loader<TagsOf> for StoreLoader {
    type Value = Vec<Tag>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[TagsOf]) -> LoadResult<TagsOf, Vec<Tag>> {
        let found = self
            .read(keys, |c, keys| {
                let ids: Vec<ArticleId> = keys.iter().map(|k| k.0).collect();
                Ok(tags::of_articles(c, &ids)?
                    .into_iter()
                    .map(|(id, tags)| (TagsOf(id), tags))
                    .collect())
            })
            .await?;
        self.saw_tags(found.values().flatten());
        Ok(found)
    }
}

impl Loader<AuthorsOf> for StoreLoader {
    type Value = Vec<Author>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[AuthorsOf]) -> LoadResult<AuthorsOf, Vec<Author>> {
        let found = self
            .read(keys, |c, keys| {
                let ids: Vec<ArticleId> = keys.iter().map(|k| k.0).collect();
                Ok(users::of_articles(c, &ids)?
                    .into_iter()
                    .map(|(id, authors)| (AuthorsOf(id), authors))
                    .collect())
            })
            .await?;
        self.saw_authors(found.values().flatten());
        Ok(found)
    }
}

impl Loader<SummaryOf> for StoreLoader {
    type Value = Arc<Article>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[SummaryOf]) -> LoadResult<SummaryOf, Arc<Article>> {
        let found = self
            .read(keys, |c, keys| {
                let ids: Vec<ArticleId> = keys.iter().map(|k| k.0).collect();
                Ok(articles::summaries_by_ids(c, &ids)?
                    .into_iter()
                    .map(|(id, a)| (SummaryOf(id), Arc::new(a)))
                    .collect())
            })
            .await?;
        self.saw_articles(found.values());
        Ok(found)
    }
}

impl Loader<ContentOf> for StoreLoader {
    type Value = Arc<Bodies>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[ContentOf]) -> LoadResult<ContentOf, Arc<Bodies>> {
        self.read(keys, |c, keys| {
            let ids: Vec<ArticleId> = keys.iter().map(|k| k.0).collect();
            Ok(articles::contents(c, &ids)?
                .into_iter()
                .map(|(id, bodies)| (ContentOf(id), Arc::new(bodies)))
                .collect())
        })
        .await
    }
}

impl Loader<CuratedOf> for StoreLoader {
    type Value = Vec<RelatedLink>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[CuratedOf]) -> LoadResult<CuratedOf, Vec<RelatedLink>> {
        self.read(keys, |c, keys| {
            let ids: Vec<ArticleId> = keys.iter().map(|k| k.0).collect();
            Ok(related::of_articles(c, &ids)?
                .into_iter()
                .map(|(id, links)| (CuratedOf(id), links))
                .collect())
        })
        .await
    }
}

impl Loader<SuggestedFor> for StoreLoader {
    type Value = Vec<ArticleId>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[SuggestedFor]) -> LoadResult<SuggestedFor, Vec<ArticleId>> {
        let (now, seen) = (self.now, self.seen.clone());
        self.read(keys, move |c, keys| {
            // Which articles are suggested moves with the pools of the sources' tags: what
            // the page depends on, unseen.
            let sources: Vec<ArticleId> = keys.iter().map(|k| k.0).collect();
            for tag in related::pools_of(c, &sources)? {
                seen.depend(surrogate::related(tag));
            }
            // One statement per distinct size asked for; a page asks for one size.
            let mut sizes: Vec<usize> = keys.iter().map(|k| k.1).collect();
            sizes.sort_unstable();
            sizes.dedup();
            let mut out = HashMap::with_capacity(keys.len());
            for size in sizes {
                let ids: Vec<ArticleId> =
                    keys.iter().filter(|k| k.1 == size).map(|k| k.0).collect();
                for (id, suggested) in related::suggestions(c, &ids, size, now)? {
                    out.insert(SuggestedFor(id, size), suggested);
                }
            }
            Ok(out)
        })
        .await
    }
}

impl Loader<TagArticleCount> for StoreLoader {
    type Value = i64;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[TagArticleCount]) -> LoadResult<TagArticleCount, i64> {
        let now = self.now;
        self.read(keys, move |c, keys| {
            let ids: Vec<TagId> = keys.iter().map(|k| k.0).collect();
            Ok(tags::article_counts(c, &ids, Some(now))?
                .into_iter()
                .map(|(id, n)| (TagArticleCount(id), n))
                .collect())
        })
        .await
    }
}

impl Loader<AuthorArticleCount> for StoreLoader {
    type Value = i64;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[AuthorArticleCount]) -> LoadResult<AuthorArticleCount, i64> {
        let now = self.now;
        self.read(keys, move |c, keys| {
            let ids: Vec<AuthorId> = keys.iter().map(|k| k.0).collect();
            Ok(users::article_counts(c, &ids, Some(now))?
                .into_iter()
                .map(|(id, n)| (AuthorArticleCount(id), n))
                .collect())
        })
        .await
    }
}

/// What an article page shows besides the article itself, read with it on one connection in
/// one trip to the database (instead of a trip per loader: tags, authors, curated links, and
/// the articles those link to), then fed to the request's loaders as if they had loaded it.
#[derive(Debug, Default)]
pub struct ArticleBundle {
    id: Option<ArticleId>,
    tags: Option<Vec<Tag>>,
    authors: Option<Vec<Author>>,
    curated: Option<(Vec<RelatedLink>, HashMap<ArticleId, Article>)>,
}

/// Which parts of an [`ArticleBundle`] a selection asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wanted {
    tags: bool,
    authors: bool,
    related: bool,
}

impl Wanted {
    /// What the selection under the current field (an article) shows.
    pub fn of(ctx: &async_graphql::Context<'_>) -> Self {
        let look = ctx.look_ahead();
        let any = |names: &[&str]| names.iter().any(|n| look.field(n).exists());
        Self {
            tags: any(&["tags", "primaryTag"]),
            authors: any(&["authors", "primaryAuthor"]),
            related: any(&["relatedArticles"]),
        }
    }
}

impl ArticleBundle {
    /// Reads what `wanted` asks for about article `id`.
    pub fn read(
        c: &mut broadsheet_persistence::AnyConnection,
        id: ArticleId,
        wanted: Wanted,
    ) -> Result<Self, StoreError> {
        let mut bundle = Self {
            id: Some(id),
            ..Self::default()
        };
        if wanted.tags {
            bundle.tags = Some(tags::of_articles(c, &[id])?.remove(&id).unwrap_or_default());
        }
        if wanted.authors {
            bundle.authors = Some(
                users::of_articles(c, &[id])?
                    .remove(&id)
                    .unwrap_or_default(),
            );
        }
        if wanted.related {
            let links = related::of_articles(c, &[id])?
                .remove(&id)
                .unwrap_or_default();
            let targets: Vec<ArticleId> = links.iter().map(|l| l.to).collect();
            let summaries = if targets.is_empty() {
                HashMap::new()
            } else {
                articles::summaries_by_ids(c, &targets)?
            };
            bundle.curated = Some((links, summaries));
        }
        Ok(bundle)
    }

    /// Hands what was read to `loader`, noting it in `seen` as the loaders would have.
    pub async fn feed(
        self,
        loader: &async_graphql::dataloader::DataLoader<StoreLoader, HashMapCache>,
        seen: &Surrogates,
        now: Timestamp,
    ) {
        let Some(id) = self.id else { return };
        if let Some(tags) = self.tags {
            for t in &tags {
                match t.visibility() {
                    Visibility::Public => seen.add(surrogate::tag(t.id)),
                    // Not shown while internal; shown once public.
                    _ => seen.depend(surrogate::tag(t.id)),
                }
            }
            loader.feed_one(TagsOf(id), tags).await;
        }
        if let Some(authors) = self.authors {
            for a in &authors {
                seen.add(surrogate::author(a.id));
            }
            loader.feed_one(AuthorsOf(id), authors).await;
        }
        if let Some((links, summaries)) = self.curated {
            for a in summaries.values() {
                match a.publication.is_live_at(now) {
                    true => seen.add(surrogate::article(a.uuid)),
                    // A draft behind a curated link: not shown until published.
                    false => seen.depend(surrogate::article(a.uuid)),
                }
            }
            loader.feed_one(CuratedOf(id), links).await;
            loader
                .feed_many(
                    summaries
                        .into_iter()
                        .map(|(k, a)| (SummaryOf(k), Arc::new(a))),
                )
                .await;
        }
    }
}
