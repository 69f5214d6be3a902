//! Article queries.

mod condition;
mod history;
mod previews;
mod rows;
mod schedule;

use std::collections::HashMap;

use broadsheet_domain::Slug;
use broadsheet_domain::ValidationError;
use broadsheet_domain::article::{Article, ArticleStatus, NewArticle};
use broadsheet_domain::ids::{ArticleId, AuthorId, TagId};
use broadsheet_domain::listing::{
    ArticleCursor, ArticleFilter, ArticleOrder, Page, PageRequest, SortKey,
};
use broadsheet_domain::time::Timestamp;
use diesel::dsl::{AsSelect, exists};
use diesel::prelude::*;
use uuid::Uuid;

pub use history::{Pruned, prune_revisions, revision_at, revisions};
pub use previews::{preview_version, revoke_previews};
pub use rows::Bodies;
pub(crate) use rows::stored;
use rows::{
    AnnouncedRow, ArticleFields, ArticleHead, ArticleRow, BodiesRow, FieldSource, NewArticleRow,
};
pub use schedule::{PUBLISH_BATCH, publish_due, publish_due_batch};

use crate::db::sql_types::{DbTime, DbUuid};
use crate::db::stored::Stored;
use crate::db::{AnyConnection, MultiBackend, on_inner};
use crate::live::live_at;
use crate::raw::LimitedDsl;
use crate::schema::{article_authors, article_tags, articles, tags, users};
use crate::{StoreError, slugs};

/// How often a derived slug is re-chosen when a concurrent writer takes it first.
const SLUG_ATTEMPTS: usize = 3;

/// Stores a new article with its tags and authors, in one transaction. A derived slug gets a
/// numeric suffix if taken; a slug asked for that is taken is a conflict.
pub fn create(
    conn: &mut AnyConnection,
    new: &NewArticle,
    by: Option<AuthorId>,
    now: Timestamp,
) -> Result<Article, StoreError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match conn.transaction(|c| create_once(c, new, by, now)) {
            Err(StoreError::Conflict { field, .. })
                if field == "slug" && new.slug.is_none() && attempt < SLUG_ATTEMPTS =>
            {
                continue;
            }
            result => return result,
        }
    }
}

fn create_once(
    c: &mut AnyConnection,
    new: &NewArticle,
    by: Option<AuthorId>,
    now: Timestamp,
) -> Result<Article, StoreError> {
    ensure_tags_exist(c, &new.tags)?;
    ensure_authors_exist(c, &new.authors)?;
    let slug = match &new.slug {
        Some(slug) => slug.clone(),
        None => free_slug(c, &Slug::derive(new.title.as_str(), "article"))?,
    };
    let row = NewArticleRow {
        uuid: DbUuid(new.uuid),
        fields: FieldSource {
            slug: &slug,
            title: &new.title,
            custom_excerpt: new.custom_excerpt.as_deref(),
            content: &new.content,
            publication: new.publication,
            featured: new.featured,
            feature_image: new.feature_image.as_ref(),
            seo: &new.seo,
        }
        .into(),
        created_at: DbTime(now),
        updated_at: DbTime(now),
        updated_by: by.map(|a| a.0),
    };
    let stored: ArticleRow = diesel::insert_into(articles::table)
        .values(&row)
        .returning(returned())
        .get_result(c)?;
    let id = ArticleId(stored.head.id);
    insert_tags(c, id, &new.tags)?;
    insert_authors(c, id, &new.authors)?;
    Article::try_from(stored)
}

/// The rows [`crate::bulk`] inserts for `batch` (every slug given).
pub(crate) fn rows_for_bulk<'a>(
    batch: &'a [NewArticle],
    by: Option<AuthorId>,
    now: Timestamp,
) -> Vec<NewArticleRow<'a>> {
    batch
        .iter()
        .filter_map(|new| {
            Some(NewArticleRow {
                uuid: DbUuid(new.uuid),
                fields: FieldSource {
                    slug: new.slug.as_ref()?,
                    title: &new.title,
                    custom_excerpt: new.custom_excerpt.as_deref(),
                    content: &new.content,
                    publication: new.publication,
                    featured: new.featured,
                    feature_image: new.feature_image.as_ref(),
                    seo: &new.seo,
                }
                .into(),
                created_at: DbTime(now),
                updated_at: DbTime(now),
                updated_by: by.map(|a| a.0),
            })
        })
        .collect()
}

fn free_slug(c: &mut AnyConnection, base: &Slug) -> Result<Slug, StoreError> {
    slugs::free(c, slugs::SlugTable::Articles, base)
}

fn select() -> AsSelect<ArticleRow, MultiBackend> {
    ArticleRow::as_select()
}

/// The columns of [`ArticleRow`] for a `RETURNING` clause, which `MultiBackend` wants as
/// plain columns rather than a `SelectBy`.
fn returned() -> <ArticleRow as Selectable<MultiBackend>>::SelectExpression {
    <ArticleRow as Selectable<MultiBackend>>::construct_selection()
}

/// The article with this id, its row locked until the transaction ends, for a change that
/// must see the state it replaces (what a webhook event announces depends on it).
///
/// A backend switch: `FOR UPDATE` is PostgreSQL's (diesel offers `for_update` on its
/// connection only), and SQLite has no row locks; there the write transaction, begun
/// `IMMEDIATE` (see [`crate::Store::write_blocking`]), already excludes every other writer.
pub fn get_for_change(
    conn: &mut AnyConnection,
    id: ArticleId,
) -> Result<Option<Article>, StoreError> {
    match conn {
        AnyConnection::Postgres(pg) => articles::table
            .find(id.0)
            .select(ArticleRow::as_select())
            .for_update()
            .first::<ArticleRow>(pg)
            .optional()?
            .map(Article::try_from)
            .transpose(),
        AnyConnection::Sqlite(_) => get(conn, id),
    }
}

/// The article with this id.
pub fn get(conn: &mut AnyConnection, id: ArticleId) -> Result<Option<Article>, StoreError> {
    articles::table
        .find(id.0)
        .select(select())
        .first(conn)
        .optional()?
        .map(Article::try_from)
        .transpose()
}

/// The article with this public id.
pub fn by_uuid(conn: &mut AnyConnection, uuid: Uuid) -> Result<Option<Article>, StoreError> {
    articles::table
        .filter(articles::uuid.eq(DbUuid(uuid)))
        .select(select())
        .first(conn)
        .optional()?
        .map(Article::try_from)
        .transpose()
}

/// The article at this slug.
pub fn by_slug(conn: &mut AnyConnection, slug: &Slug) -> Result<Option<Article>, StoreError> {
    articles::table
        .filter(articles::slug.eq(slug.as_str()))
        .select(select())
        .first(conn)
        .optional()?
        .map(Article::try_from)
        .transpose()
}

/// The articles with these ids, in one statement; missing ids are absent from the map.
pub fn by_ids(
    conn: &mut AnyConnection,
    ids: &[ArticleId],
) -> Result<HashMap<ArticleId, Article>, StoreError> {
    let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
    articles::table
        .filter(crate::db::in_ids(articles::id, raw))
        .select(select())
        .load::<ArticleRow>(conn)?
        .into_iter()
        .map(|r| Article::try_from(r).map(|a| (a.id, a)))
        .collect()
}

/// [`by_ids`] without the bodies (see [`list_summaries`]).
pub fn summaries_by_ids(
    conn: &mut AnyConnection,
    ids: &[ArticleId],
) -> Result<HashMap<ArticleId, Article>, StoreError> {
    let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
    articles::table
        .filter(crate::db::in_ids(articles::id, raw))
        .select(ArticleHead::as_select())
        .load::<ArticleHead>(conn)?
        .into_iter()
        .map(|r| Article::try_from(r).map(|a| (a.id, a)))
        .collect()
}

/// The articles with these public ids, in one statement.
pub fn by_uuids(
    conn: &mut AnyConnection,
    uuids: &[Uuid],
) -> Result<HashMap<Uuid, Article>, StoreError> {
    let raw: Vec<DbUuid> = uuids.iter().copied().map(DbUuid).collect();
    articles::table
        .filter(articles::uuid.eq_any(raw))
        .select(select())
        .load::<ArticleRow>(conn)?
        .into_iter()
        .map(|r| Article::try_from(r).map(|a| (a.uuid, a)))
        .collect()
}

/// Saves `revised` (an article changed through `Article::revise` or a new publication
/// state) if the stored version is still `revised.version`; the stored version then goes up
/// by one, `by` is recorded as who saved it, and the words it replaces are kept as a
/// revision. A stale version is refused, so no edit silently overwrites another. When a
/// published article's slug changes, the old slug becomes an alias.
pub fn update(
    conn: &mut AnyConnection,
    revised: &Article,
    by: Option<AuthorId>,
    now: Timestamp,
) -> Result<Article, StoreError> {
    conn.transaction(|c| {
        let old = current(c, revised.id)?;
        if old.head.version != revised.version {
            return Err(stale(c, revised.id)?);
        }
        let row: Option<ArticleRow> = diesel::update(
            articles::table
                .filter(articles::id.eq(revised.id.0))
                .filter(articles::version.eq(revised.version)),
        )
        .set((
            ArticleFields::from(revised),
            articles::version.eq(articles::version + 1),
            articles::updated_at.eq(DbTime(now)),
            articles::updated_by.eq(by.map(|a| a.0)),
        ))
        .returning(returned())
        .get_result(c)
        .optional()?;
        let Some(row) = row else {
            return Err(stale(c, revised.id)?);
        };
        history::record(c, &old)?;
        history::follow_slug(c, &old, &row.head.slug, now)?;
        // Taken down after being published: links shared while it was out stop showing it.
        let published = Stored(ArticleStatus::Published);
        if old.head.status == published && row.head.status != published {
            revoke_previews(c, revised.id)?;
        }
        Article::try_from(row)
    })
}

/// The stored row, for a write about to replace it.
fn current(c: &mut AnyConnection, id: ArticleId) -> Result<ArticleRow, StoreError> {
    articles::table
        .find(id.0)
        .select(select())
        .first(c)
        .optional()?
        .ok_or_else(|| StoreError::not_found("article"))
}

/// The version an article is at, and the name of whoever saved it (if known).
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(MultiBackend))]
struct SavedVersion {
    version: i64,
    #[diesel(
        select_expression = users::name.nullable(),
        select_expression_type = diesel::dsl::Nullable<users::name>
    )]
    saved_by: Option<String>,
}

/// The error for a save made against an old version: the version now stored, and who saved it.
fn stale(conn: &mut AnyConnection, id: ArticleId) -> Result<StoreError, StoreError> {
    let current: Option<SavedVersion> = articles::table
        .left_join(users::table.on(users::id.nullable().eq(articles::updated_by)))
        .filter(articles::id.eq(id.0))
        .select(SavedVersion::as_select())
        .first(conn)
        .optional()?;
    Ok(match current {
        Some(current) => StoreError::StaleVersion {
            current_version: current.version,
            saved_by: current.saved_by,
        },
        None => StoreError::not_found("article"),
    })
}

/// An article found by a slug: at it, or through an old slug it had before a rename.
#[derive(Debug, Clone, PartialEq)]
pub struct BySlug {
    /// The article.
    pub article: Article,
    /// Whether the slug was an old one (the article has moved).
    pub aliased: bool,
}

/// The article at `slug`, or the article that had `slug` before it was renamed.
pub fn by_slug_or_alias(
    conn: &mut AnyConnection,
    slug: &Slug,
) -> Result<Option<BySlug>, StoreError> {
    if let Some(article) = by_slug(conn, slug)? {
        return Ok(Some(BySlug {
            article,
            aliased: false,
        }));
    }
    match history::alias_target(conn, slug)? {
        Some(id) => Ok(get(conn, id)?.map(|article| BySlug {
            article,
            aliased: true,
        })),
        None => Ok(None),
    }
}

/// Deletes an article; its tag, author and related links (both ways) go with it.
pub fn delete(conn: &mut AnyConnection, id: ArticleId) -> Result<(), StoreError> {
    let n = diesel::delete(articles::table.find(id.0)).execute(conn)?;
    if n == 0 {
        return Err(StoreError::not_found("article"));
    }
    Ok(())
}

/// Replaces the article's ordered tags; the first is the primary tag. With `expected`, the
/// change is refused unless the article is still at that version.
pub fn set_tags(
    conn: &mut AnyConnection,
    id: ArticleId,
    tag_ids: &[TagId],
    by: Option<AuthorId>,
    now: Timestamp,
) -> Result<Article, StoreError> {
    set_tags_at(conn, id, tag_ids, None, by, now)
}

/// [`set_tags`], refused unless the article is at version `expected` (when given).
pub fn set_tags_at(
    conn: &mut AnyConnection,
    id: ArticleId,
    tag_ids: &[TagId],
    expected: Option<i64>,
    by: Option<AuthorId>,
    now: Timestamp,
) -> Result<Article, StoreError> {
    conn.transaction(|c| {
        let old = current(c, id)?;
        if expected.is_some_and(|v| v != old.head.version) {
            return Err(stale(c, id)?);
        }
        ensure_tags_exist(c, tag_ids)?;
        diesel::delete(article_tags::table.filter(article_tags::article_id.eq(id.0))).execute(c)?;
        insert_tags(c, id, tag_ids)?;
        touch(c, &old, by, now)
    })
}

/// Replaces the article's ordered authors; the first is the primary author.
pub fn set_authors(
    conn: &mut AnyConnection,
    id: ArticleId,
    author_ids: &[AuthorId],
    by: Option<AuthorId>,
    now: Timestamp,
) -> Result<Article, StoreError> {
    set_authors_at(conn, id, author_ids, None, by, now)
}

/// [`set_authors`], refused unless the article is at version `expected` (when given).
pub fn set_authors_at(
    conn: &mut AnyConnection,
    id: ArticleId,
    author_ids: &[AuthorId],
    expected: Option<i64>,
    by: Option<AuthorId>,
    now: Timestamp,
) -> Result<Article, StoreError> {
    if author_ids.is_empty() {
        return Err(ValidationError::new("authors", "needs at least one author").into());
    }
    conn.transaction(|c| {
        let old = current(c, id)?;
        if expected.is_some_and(|v| v != old.head.version) {
            return Err(stale(c, id)?);
        }
        ensure_authors_exist(c, author_ids)?;
        diesel::delete(article_authors::table.filter(article_authors::article_id.eq(id.0)))
            .execute(c)?;
        insert_authors(c, id, author_ids)?;
        touch(c, &old, by, now)
    })
}

/// Records a change to an article made outside its own row (its tags, its authors): a new
/// version, by `by`, now, with the replaced version kept as a revision.
pub(crate) fn touch(
    c: &mut AnyConnection,
    old: &ArticleRow,
    by: Option<AuthorId>,
    now: Timestamp,
) -> Result<Article, StoreError> {
    let row: Option<ArticleRow> = diesel::update(
        articles::table
            .filter(articles::id.eq(old.head.id))
            .filter(articles::version.eq(old.head.version)),
    )
    .set((
        articles::version.eq(articles::version + 1),
        articles::updated_at.eq(DbTime(now)),
        articles::updated_by.eq(by.map(|a| a.0)),
    ))
    .returning(returned())
    .get_result(c)
    .optional()?;
    let Some(row) = row else {
        return Err(stale(c, ArticleId(old.head.id))?);
    };
    history::record(c, old)?;
    Article::try_from(row)
}

/// The row of an article, for [`touch`].
pub(crate) fn row_for_touch(
    c: &mut AnyConnection,
    id: ArticleId,
) -> Result<ArticleRow, StoreError> {
    current(c, id)
}

fn position(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

fn insert_tags(c: &mut AnyConnection, id: ArticleId, tag_ids: &[TagId]) -> QueryResult<()> {
    if tag_ids.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = tag_ids
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                article_tags::article_id.eq(id.0),
                article_tags::tag_id.eq(t.0),
                article_tags::position.eq(position(i)),
            )
        })
        .collect();
    on_inner!(c, |c| diesel::insert_into(article_tags::table)
        .values(&rows)
        .execute(c)
        .map(drop))
}

fn insert_authors(
    c: &mut AnyConnection,
    id: ArticleId,
    author_ids: &[AuthorId],
) -> QueryResult<()> {
    let rows: Vec<_> = author_ids
        .iter()
        .enumerate()
        .map(|(i, a)| {
            (
                article_authors::article_id.eq(id.0),
                article_authors::user_id.eq(a.0),
                article_authors::position.eq(position(i)),
            )
        })
        .collect();
    on_inner!(c, |c| diesel::insert_into(article_authors::table)
        .values(&rows)
        .execute(c)
        .map(drop))
}

/// Refuses ids that name no tag, naming the first such id: clearer than a foreign-key error.
fn ensure_tags_exist(c: &mut AnyConnection, ids: &[TagId]) -> Result<(), StoreError> {
    let raw: Vec<i64> = ids.iter().map(|t| t.0).collect();
    let found: Vec<i64> = tags::table
        .select(tags::id)
        .filter(tags::id.eq_any(&raw))
        .load(c)?;
    match raw.iter().find(|id| !found.contains(id)) {
        Some(missing) => {
            Err(ValidationError::new("tags", format!("no tag has id {missing}")).into())
        }
        None => Ok(()),
    }
}

fn ensure_authors_exist(c: &mut AnyConnection, ids: &[AuthorId]) -> Result<(), StoreError> {
    let raw: Vec<i64> = ids.iter().map(|a| a.0).collect();
    let found: Vec<i64> = users::table
        .select(users::id)
        .filter(users::id.eq_any(&raw))
        .load(c)?;
    match raw.iter().find(|id| !found.contains(id)) {
        Some(missing) => {
            Err(ValidationError::new("authors", format!("no author has id {missing}")).into())
        }
        None => Ok(()),
    }
}

/// The articles `filter` selects, unordered.
fn filtered<'f>(
    filter: &'f ArticleFilter,
    named: &condition::Named,
) -> articles::BoxedQuery<'f, MultiBackend> {
    // First, so that it is checked on every row looked at (see `db::deadline`).
    let mut q = articles::table
        .filter(crate::db::deadline::within())
        .into_boxed();
    if !filter.statuses.is_empty() {
        let statuses: Vec<Stored<ArticleStatus>> =
            filter.statuses.iter().copied().map(Stored).collect();
        q = q.filter(articles::status.eq_any(statuses));
    }
    if let Some(now) = filter.live_at {
        q = q.filter(live_at(DbTime(now)));
    }
    if !filter.tags_any.is_empty() {
        let slugs: Vec<&str> = filter.tags_any.iter().map(Slug::as_str).collect();
        q = q.filter(
            articles::id.eq_any(
                article_tags::table
                    .inner_join(tags::table)
                    .filter(tags::slug.eq_any(slugs))
                    .select(article_tags::article_id),
            ),
        );
    }
    for slug in &filter.tags_all {
        q = q.filter(exists(
            article_tags::table
                .inner_join(tags::table)
                .filter(article_tags::article_id.eq(articles::id))
                .filter(tags::slug.eq(slug.as_str())),
        ));
    }
    if !filter.authors_any.is_empty() {
        let slugs: Vec<&str> = filter.authors_any.iter().map(Slug::as_str).collect();
        q = q.filter(
            articles::id.eq_any(
                article_authors::table
                    .inner_join(users::table)
                    .filter(users::slug.eq_any(slugs))
                    .select(article_authors::article_id),
            ),
        );
    }
    if let Some(featured) = filter.featured {
        q = q.filter(articles::featured.eq(featured));
    }
    if let Some(after) = filter.published_after {
        q = q.filter(articles::published_at.gt(DbTime(after)));
    }
    if let Some(before) = filter.published_before {
        q = q.filter(articles::published_at.lt(DbTime(before)));
    }
    if let Some(condition) = &filter.condition {
        q = q.filter(condition::compile(condition, named));
    }
    if let Some(author) = filter.author {
        q = q.filter(
            articles::id.eq_any(
                article_authors::table
                    .filter(article_authors::user_id.eq(author.0))
                    .select(article_authors::article_id),
            ),
        );
    }
    q
}

/// The articles a list in `order` holds: those `filter` selects, and in date orders only
/// those with a date.
fn listed<'f>(
    filter: &'f ArticleFilter,
    order: ArticleOrder,
    named: &condition::Named,
) -> articles::BoxedQuery<'f, MultiBackend> {
    let q = filtered(filter, named);
    if order.needs_date() {
        q.filter(articles::published_at.is_not_null())
    } else {
        q
    }
}

/// How many articles a list in `order` holds (the `totalCount` of its pages).
pub fn count(
    conn: &mut AnyConnection,
    filter: &ArticleFilter,
    order: ArticleOrder,
) -> Result<i64, StoreError> {
    filter.check()?;
    let named = condition::Named::read(conn, filter.condition.as_ref())?.counting();
    Ok(listed(filter, order, &named).count().get_result(conn)?)
}

/// One keyset page of the articles `filter` selects, in `order`.
pub fn list(
    conn: &mut AnyConnection,
    filter: &ArticleFilter,
    order: ArticleOrder,
    page: &PageRequest,
) -> Result<Page<Article>, StoreError> {
    list_with(conn, filter, order, page, Reading::Whole)
}

/// [`list`] without the bodies: `content.markdown`, `content.html` and `content.plaintext` are
/// empty (the excerpt, word count and reading time are there). A list page rarely shows
/// bodies, and they are most of an article's bytes; [`contents`] reads them when it does.
pub fn list_summaries(
    conn: &mut AnyConnection,
    filter: &ArticleFilter,
    order: ArticleOrder,
    page: &PageRequest,
) -> Result<Page<Article>, StoreError> {
    list_with(conn, filter, order, page, Reading::Summaries)
}

fn list_with(
    conn: &mut AnyConnection,
    filter: &ArticleFilter,
    order: ArticleOrder,
    page: &PageRequest,
    reading: Reading,
) -> Result<Page<Article>, StoreError> {
    filter.check()?;
    let (forward, size, cursor) = page.parts();
    if let Some(tag) = one_tag_by_date(filter, order) {
        let descending = order.is_descending() == forward;
        let walk = TagWalk {
            cursor,
            offset: 0,
            limit: literal_limit(size),
            descending,
        };
        let rows = tag_list(conn, filter, tag, order, &walk, reading)?;
        return rows.page(size, forward, cursor.is_some());
    }
    let named = condition::Named::read(conn, filter.condition.as_ref())?;
    let mut q = listed(filter, order, &named);
    // Walking backwards reads the list in reverse; `from_walk` turns the page around.
    let descending = order.is_descending() == forward;
    if let Some(cursor) = cursor {
        q = beyond(q, order, cursor, descending)?;
    }
    q = sorted(q, order, descending);
    let limit = literal_limit(size);
    let rows = match reading {
        Reading::Summaries => Rows::Summaries(
            q.select(ArticleHead::as_select())
                .limited(limit)
                .load(conn)?,
        ),
        Reading::Html => Rows::Html(
            q.select(AnnouncedRow::as_select())
                .limited(limit)
                .load(conn)?,
        ),
        Reading::Whole => Rows::Whole(q.select(select()).limited(limit).load(conn)?),
    };
    rows.page(size, forward, cursor.is_some())
}

/// Which of an article's bodies a list reads (they are most of its bytes: about 4 kB each in
/// the benchmark's articles, and PostgreSQL decompresses each one it sends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// None: `content.markdown`, `content.html` and `content.plaintext` are empty.
    Summaries,
    /// The HTML only, as the JSON Content API serves by default: `content.markdown` and
    /// `content.plaintext` are empty.
    Html,
    /// Every body.
    Whole,
}

/// Rows read for a list, with their bodies or without.
enum Rows {
    Summaries(Vec<ArticleHead>),
    Html(Vec<AnnouncedRow>),
    Whole(Vec<ArticleRow>),
}

impl Rows {
    /// The page these rows, read one past its `size`, make (see [`Page::from_walk`]). Only
    /// the rows on the page become articles.
    fn page(
        self,
        size: usize,
        forward: bool,
        had_cursor: bool,
    ) -> Result<Page<Article>, StoreError> {
        match self {
            Self::Summaries(rows) => {
                Page::from_walk(rows, size, forward, had_cursor).try_map(Article::try_from)
            }
            Self::Html(rows) => {
                Page::from_walk(rows, size, forward, had_cursor).try_map(Article::try_from)
            }
            Self::Whole(rows) => {
                Page::from_walk(rows, size, forward, had_cursor).try_map(Article::try_from)
            }
        }
    }

    fn articles(self) -> Result<Vec<Article>, StoreError> {
        match self {
            Self::Summaries(rows) => rows.into_iter().map(Article::try_from).collect(),
            Self::Html(rows) => rows.into_iter().map(Article::try_from).collect(),
            Self::Whole(rows) => rows.into_iter().map(Article::try_from).collect(),
        }
    }
}

/// The bodies of these articles (Markdown, HTML, plain text), for articles read as summaries.
pub fn contents(
    conn: &mut AnyConnection,
    ids: &[ArticleId],
) -> Result<HashMap<ArticleId, Bodies>, StoreError> {
    let raw: Vec<i64> = ids.iter().map(|a| a.0).collect();
    let rows: Vec<BodiesRow> = articles::table
        .filter(crate::db::in_ids(articles::id, raw.iter().copied()))
        .select(BodiesRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| (ArticleId(row.id), row.bodies))
        .collect())
}

/// `limit` articles of the list `filter` selects in `order`, after skipping `offset`: the
/// numbered pages of the JSON API. (GraphQL pages by keyset instead.)
pub fn page_at(
    conn: &mut AnyConnection,
    filter: &ArticleFilter,
    order: ArticleOrder,
    offset: usize,
    limit: usize,
    reading: Reading,
) -> Result<Vec<Article>, StoreError> {
    filter.check()?;
    if let Some(tag) = one_tag_by_date(filter, order) {
        let walk = TagWalk {
            cursor: None,
            offset: i64::try_from(offset).unwrap_or(i64::MAX),
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
            descending: order.is_descending(),
        };
        return tag_list(conn, filter, tag, order, &walk, reading)?.articles();
    }
    let named = condition::Named::read(conn, filter.condition.as_ref())?;
    let q = sorted(listed(filter, order, &named), order, order.is_descending());
    let (limit, offset) = (
        u32::try_from(limit).unwrap_or(u32::MAX),
        i64::try_from(offset).unwrap_or(i64::MAX),
    );
    match reading {
        Reading::Summaries => Rows::Summaries(
            q.select(ArticleHead::as_select())
                .limited_after(limit, offset)
                .load(conn)?,
        ),
        Reading::Html => Rows::Html(
            q.select(AnnouncedRow::as_select())
                .limited_after(limit, offset)
                .load(conn)?,
        ),
        Reading::Whole => Rows::Whole(q.select(select()).limited_after(limit, offset).load(conn)?),
    }
    .articles()
}

/// The one tag a list is of, when that is all it asks (besides statuses and who may read
/// it) and it runs by date: the tag page. Such a list is read from the tag's own links,
/// which carry their article's date, so a page costs the same wherever it is in the list.
fn one_tag_by_date(filter: &ArticleFilter, order: ArticleOrder) -> Option<&Slug> {
    // Every field named, so that a new one must be thought about here.
    let ArticleFilter {
        statuses: _,
        live_at: _,
        tags_any,
        tags_all,
        authors_any,
        featured,
        published_after,
        published_before,
        condition,
        author,
    } = filter;
    let [tag] = tags_any.as_slice() else {
        return None;
    };
    let only_the_tag = tags_all.is_empty()
        && authors_any.is_empty()
        && featured.is_none()
        && published_after.is_none()
        && published_before.is_none()
        && condition.is_none()
        && author.is_none();
    (only_the_tag && order.needs_date()).then_some(tag)
}

/// Keeps `(key, id)` strictly past `(value, cursor_id)` in the walk's direction. The leading
/// `key <= value` (or `>=`) says the same as the disjunction after it but is a range both
/// planners start an index scan at: without it they walk the list from its start, and page
/// 5,000 costs 5,000 pages.
macro_rules! past {
    ($q:expr, $key:expr, $id:expr, $value:expr, $cursor_id:expr, $descending:expr) => {
        if $descending {
            $q.filter($key.le($value))
                .filter($key.lt($value).or($key.eq($value).and($id.lt($cursor_id))))
        } else {
            $q.filter($key.ge($value))
                .filter($key.gt($value).or($key.eq($value).and($id.gt($cursor_id))))
        }
    };
}

/// A cursor given to a list in another order than it was made in.
fn other_order() -> StoreError {
    ValidationError::new("after", "is a cursor from a list in another order").into()
}

/// Where and how far to read a tag's list.
struct TagWalk<'c> {
    cursor: Option<&'c ArticleCursor>,
    offset: i64,
    limit: u32,
    descending: bool,
}

/// Rows of the tag's list by date: the index on `(tag_id, published_at, article_id)` walked
/// from the cursor (or `offset` rows in), each row joined to its article.
fn tag_list(
    conn: &mut AnyConnection,
    filter: &ArticleFilter,
    tag: &Slug,
    order: ArticleOrder,
    walk: &TagWalk<'_>,
    reading: Reading,
) -> Result<Rows, StoreError> {
    // The tag's id as a scalar subquery, not a join: PostgreSQL then knows the index range
    // is one tag's and walks it in order, stopping at the page's end (a join made it read
    // and sort the whole tag).
    let tag_id = tags::table
        .filter(tags::slug.eq(tag.as_str()))
        .select(tags::id)
        .single_value();
    let mut q = article_tags::table
        .inner_join(articles::table)
        .filter(crate::db::deadline::within())
        .filter(article_tags::tag_id.nullable().eq(tag_id))
        .filter(article_tags::published_at.is_not_null())
        .into_boxed::<MultiBackend>();
    if !filter.statuses.is_empty() {
        let statuses: Vec<Stored<ArticleStatus>> =
            filter.statuses.iter().copied().map(Stored).collect();
        q = q.filter(articles::status.eq_any(statuses));
    }
    if let Some(now) = filter.live_at {
        q = q.filter(live_at(DbTime(now)));
    }
    if let Some(cursor) = walk.cursor {
        let (SortKey::Time(t), true) = (&cursor.key, cursor.order == order) else {
            return Err(other_order());
        };
        q = past!(
            q,
            article_tags::published_at,
            article_tags::article_id,
            DbTime(*t),
            cursor.id.0,
            walk.descending
        );
    }
    q = if walk.descending {
        q.order((
            article_tags::published_at.desc(),
            article_tags::article_id.desc(),
        ))
    } else {
        q.order((
            article_tags::published_at.asc(),
            article_tags::article_id.asc(),
        ))
    };
    Ok(match reading {
        Reading::Summaries => Rows::Summaries(
            q.select(ArticleHead::as_select())
                .limited_after(walk.limit, walk.offset)
                .load(conn)?,
        ),
        Reading::Html => Rows::Html(
            q.select(AnnouncedRow::as_select())
                .limited_after(walk.limit, walk.offset)
                .load(conn)?,
        ),
        Reading::Whole => Rows::Whole(
            q.select(select())
                .limited_after(walk.limit, walk.offset)
                .load(conn)?,
        ),
    })
}

/// Rows to read for a page of `size`: one more, to learn whether more follow. Written into
/// the statement's text (see [`crate::raw::Limited`]): a page is at most a few hundred rows,
/// so a list has a few statements.
pub(crate) fn literal_limit(size: usize) -> u32 {
    u32::try_from(size)
        .unwrap_or(u32::MAX - 1)
        .saturating_add(1)
}

/// Keeps the rows strictly beyond `cursor` when reading in the given direction.
fn beyond<'a>(
    q: articles::BoxedQuery<'a, MultiBackend>,
    order: ArticleOrder,
    cursor: &ArticleCursor,
    descending: bool,
) -> Result<articles::BoxedQuery<'a, MultiBackend>, StoreError> {
    if cursor.order != order {
        return Err(other_order());
    }
    let id = cursor.id.0;
    Ok(match (order, &cursor.key) {
        (ArticleOrder::NewestFirst | ArticleOrder::OldestFirst, SortKey::Time(t)) => past!(
            q,
            articles::published_at,
            articles::id,
            DbTime(*t),
            id,
            descending
        ),
        (ArticleOrder::RecentlyUpdated, SortKey::Time(t)) => past!(
            q,
            articles::updated_at,
            articles::id,
            DbTime(*t),
            id,
            descending
        ),
        (ArticleOrder::TitleAsc, SortKey::Text(s)) => past!(
            q,
            articles::title_sort,
            articles::id,
            s.clone(),
            id,
            descending
        ),
        _ => return Err(other_order()),
    })
}

fn sorted(
    q: articles::BoxedQuery<'_, MultiBackend>,
    order: ArticleOrder,
    descending: bool,
) -> articles::BoxedQuery<'_, MultiBackend> {
    macro_rules! by {
        ($column:expr) => {
            if descending {
                q.order(($column.desc(), articles::id.desc()))
            } else {
                q.order(($column.asc(), articles::id.asc()))
            }
        };
    }
    match order {
        ArticleOrder::NewestFirst | ArticleOrder::OldestFirst => by!(articles::published_at),
        ArticleOrder::RecentlyUpdated => by!(articles::updated_at),
        ArticleOrder::TitleAsc => by!(articles::title_sort),
    }
}
