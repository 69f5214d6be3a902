//! DataLoaders: every per-article lookup a page makes (tags, authors, related links, counts)
//! becomes one statement for the whole page, whatever its size.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use broadsheet_domain::article::Article;
use broadsheet_domain::author::Author;
use broadsheet_domain::ids::{ArticleId, AuthorId, TagId};
use broadsheet_domain::related::RelatedLink;
use broadsheet_domain::tag::Tag;
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::{Store, StoreError, articles, related, tags, users};
use uuid::Uuid;

/// Loads from the store, as of one instant.
pub struct StoreLoader {
    store: Store,
    now: Timestamp,
}

impl StoreLoader {
    /// A loader answering as of `now`.
    pub fn new(store: Store, now: Timestamp) -> Self {
        Self { store, now }
    }
}

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<StoreError>>;

/// An article's tags, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagsOf(pub ArticleId);
/// An article's authors, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthorsOf(pub ArticleId);
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
        self.read(keys, |c, ids| {
            Ok(articles::by_ids(c, &ids)?
                .into_iter()
                .map(|(id, a)| (id, Arc::new(a)))
                .collect())
        })
        .await
    }
}

impl Loader<Uuid> for StoreLoader {
    type Value = Arc<Article>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Uuid]) -> LoadResult<Uuid, Arc<Article>> {
        self.read(keys, |c, uuids| {
            Ok(articles::by_uuids(c, &uuids)?
                .into_iter()
                .map(|(uuid, a)| (uuid, Arc::new(a)))
                .collect())
        })
        .await
    }
}

impl Loader<TagId> for StoreLoader {
    type Value = Tag;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[TagId]) -> LoadResult<TagId, Tag> {
        self.read(keys, |c, ids| tags::by_ids(c, &ids)).await
    }
}

impl Loader<AuthorId> for StoreLoader {
    type Value = Author;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[AuthorId]) -> LoadResult<AuthorId, Author> {
        self.read(keys, |c, ids| users::authors_by_ids(c, &ids))
            .await
    }
}

impl Loader<TagsOf> for StoreLoader {
    type Value = Vec<Tag>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[TagsOf]) -> LoadResult<TagsOf, Vec<Tag>> {
        self.read(keys, |c, keys| {
            let ids: Vec<ArticleId> = keys.iter().map(|k| k.0).collect();
            Ok(tags::of_articles(c, &ids)?
                .into_iter()
                .map(|(id, tags)| (TagsOf(id), tags))
                .collect())
        })
        .await
    }
}

impl Loader<AuthorsOf> for StoreLoader {
    type Value = Vec<Author>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[AuthorsOf]) -> LoadResult<AuthorsOf, Vec<Author>> {
        self.read(keys, |c, keys| {
            let ids: Vec<ArticleId> = keys.iter().map(|k| k.0).collect();
            Ok(users::of_articles(c, &ids)?
                .into_iter()
                .map(|(id, authors)| (AuthorsOf(id), authors))
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
        let now = self.now;
        self.read(keys, move |c, keys| {
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
