//! What an article used to be: earlier versions of its words, and the slugs it used to have.

use broadsheet_domain::Slug;
use broadsheet_domain::article::{ArticleStatus, Revision};
use broadsheet_domain::ids::{ArticleId, AuthorId};
use broadsheet_domain::time::Timestamp;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

use super::rows::ArticleRow;
use crate::StoreError;
use crate::db::sql_types::{DbTime, Instant};
use crate::db::{AnyConnection, MultiBackend};
use crate::schema::{article_revisions, article_slug_aliases};

/// An `article_revisions` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = article_revisions, check_for_backend(MultiBackend))]
struct RevisionRow {
    article_id: i64,
    version: i64,
    title: String,
    custom_excerpt: Option<String>,
    markdown: String,
    saved_by: Option<i64>,
    saved_at: DbTime,
}

impl From<RevisionRow> for Revision {
    fn from(r: RevisionRow) -> Self {
        Revision {
            article: ArticleId(r.article_id),
            version: r.version,
            title: r.title,
            custom_excerpt: r.custom_excerpt,
            markdown: r.markdown,
            saved_by: r.saved_by.map(AuthorId),
            saved_at: r.saved_at.0,
        }
    }
}

/// Keeps the words of `old`, the version a save is replacing.
pub(super) fn record(c: &mut AnyConnection, old: &ArticleRow) -> Result<(), StoreError> {
    let head = &old.head;
    diesel::insert_into(article_revisions::table)
        .values((
            article_revisions::article_id.eq(head.id),
            article_revisions::version.eq(head.version),
            article_revisions::title.eq(&head.title),
            article_revisions::custom_excerpt.eq(head.custom_excerpt.as_deref()),
            article_revisions::markdown.eq(&old.bodies.markdown),
            article_revisions::saved_by.eq(head.updated_by),
            article_revisions::saved_at.eq(head.updated_at),
        ))
        .execute(c)?;
    Ok(())
}

/// Keeps the words of the article at `version`, which its row still holds: for a change of
/// its state alone (publishing), whose words are the same. Copied inside the database, so
/// that the bodies are not read out to be written back.
pub(super) fn record_unchanged(
    c: &mut AnyConnection,
    id: i64,
    version: i64,
    saved_by: Option<i64>,
    saved_at: DbTime,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO article_revisions \
               (article_id, version, title, custom_excerpt, markdown, saved_by, saved_at) \
               SELECT id, ?, title, custom_excerpt, markdown, ?, ? FROM articles WHERE id = ?";
    crate::raw::Prepared::new(sql.to_owned())
        .bind::<BigInt, _>(version)
        .bind::<Nullable<BigInt>, _>(saved_by)
        .bind::<Instant, _>(saved_at)
        .bind::<BigInt, _>(id)
        .execute(c)?;
    Ok(())
}

/// After a slug change: the old slug of a published article keeps leading to it, and the
/// new slug is no longer an alias of it.
pub(super) fn follow_slug(
    c: &mut AnyConnection,
    old: &ArticleRow,
    new_slug: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let old = &old.head;
    if old.slug == new_slug {
        return Ok(());
    }
    diesel::delete(
        article_slug_aliases::table
            .filter(article_slug_aliases::slug.eq(new_slug))
            .filter(article_slug_aliases::article_id.eq(old.id)),
    )
    .execute(c)?;
    if old.status.0 == ArticleStatus::Draft {
        return Ok(());
    }
    // The alias moves to this article if another article had it.
    diesel::delete(article_slug_aliases::table.filter(article_slug_aliases::slug.eq(&old.slug)))
        .execute(c)?;
    diesel::insert_into(article_slug_aliases::table)
        .values((
            article_slug_aliases::slug.eq(&old.slug),
            article_slug_aliases::article_id.eq(old.id),
            article_slug_aliases::created_at.eq(DbTime(now)),
        ))
        .execute(c)?;
    Ok(())
}

/// The article an old slug now leads to.
pub(super) fn alias_target(
    c: &mut AnyConnection,
    slug: &Slug,
) -> Result<Option<ArticleId>, StoreError> {
    Ok(article_slug_aliases::table
        .filter(article_slug_aliases::slug.eq(slug.as_str()))
        .select(article_slug_aliases::article_id)
        .first::<i64>(c)
        .optional()?
        .map(ArticleId))
}

/// The article's earlier versions, newest first.
pub fn revisions(conn: &mut AnyConnection, id: ArticleId) -> Result<Vec<Revision>, StoreError> {
    Ok(article_revisions::table
        .filter(article_revisions::article_id.eq(id.0))
        .order(article_revisions::version.desc())
        .select(RevisionRow::as_select())
        .load::<RevisionRow>(conn)?
        .into_iter()
        .map(Revision::from)
        .collect())
}

/// One earlier version.
pub fn revision_at(
    conn: &mut AnyConnection,
    id: ArticleId,
    version: i64,
) -> Result<Option<Revision>, StoreError> {
    Ok(article_revisions::table
        .filter(article_revisions::article_id.eq(id.0))
        .filter(article_revisions::version.eq(version))
        .select(RevisionRow::as_select())
        .first::<RevisionRow>(conn)
        .optional()?
        .map(Revision::from))
}

/// What one batch of [`prune_revisions`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    /// Revisions deleted.
    pub deleted: usize,
    /// The last article the batch looked at: the next batch starts after it (`None`: done).
    pub last: Option<ArticleId>,
}

/// Deletes the revisions of articles beyond their newest `kept`, for up to `batch` articles
/// that have more, those with ids after `after`; returns how many revisions went and the last
/// article pruned, to go on after (`None` when no article after `after` had too many).
pub fn prune_revisions(
    conn: &mut AnyConnection,
    kept: u32,
    after: Option<ArticleId>,
    batch: usize,
) -> Result<Pruned, StoreError> {
    use diesel::dsl::count_star;

    let Some(offset) = kept.checked_sub(1) else {
        return Err(StoreError::internal("keep at least one revision"));
    };
    // From the index on (article_id, version), walked on from `after`.
    let over: Vec<i64> = article_revisions::table
        .filter(article_revisions::article_id.gt(after.map_or(0, |a| a.0)))
        .group_by(article_revisions::article_id)
        .having(count_star().gt(i64::from(kept)))
        .order(article_revisions::article_id)
        .select(article_revisions::article_id)
        .limit(i64::try_from(batch).unwrap_or(i64::MAX))
        .load(conn)?;
    let mut deleted = 0;
    for &article in &over {
        let oldest_kept: Option<i64> = article_revisions::table
            .filter(article_revisions::article_id.eq(article))
            .order(article_revisions::version.desc())
            .offset(i64::from(offset))
            .select(article_revisions::version)
            .first(conn)
            .optional()?;
        let Some(oldest_kept) = oldest_kept else {
            continue;
        };
        deleted += diesel::delete(
            article_revisions::table
                .filter(article_revisions::article_id.eq(article))
                .filter(article_revisions::version.lt(oldest_kept)),
        )
        .execute(conn)?;
    }
    Ok(Pruned {
        deleted,
        last: over.last().copied().map(ArticleId),
    })
}
