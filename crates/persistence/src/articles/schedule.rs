//! Publishing scheduled articles when their time comes, a bounded batch at a time.

use broadsheet_domain::article::{Article, ArticleStatus, Publication};
use broadsheet_domain::time::Timestamp;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::history;
use super::rows::AnnouncedRow;
use crate::StoreError;
use crate::db::sql_types::DbTime;
use crate::db::stored::Stored;
use crate::db::{AnyConnection, MultiBackend};
use crate::schema::articles;

/// A scheduled article that has come due: what publishing it checks and keeps.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(MultiBackend))]
struct DueRow {
    id: i64,
    version: i64,
    updated_at: DbTime,
    updated_by: Option<i64>,
}

/// Articles published by one transaction at most: a backlog (after downtime, or an import of
/// scheduled articles) holds the write lock for a short while at a time, not all at once.
pub const PUBLISH_BATCH: usize = 100;

/// Publishes every scheduled article whose time has come, [`PUBLISH_BATCH`] a transaction;
/// returns them (as [`publish_due_batch`] does).
pub fn publish_due(conn: &mut AnyConnection, now: Timestamp) -> Result<Vec<Article>, StoreError> {
    let mut published = Vec::new();
    loop {
        let batch =
            conn.transaction(|c| publish_due_batch(c, now, PUBLISH_BATCH, |_, _, _| Ok(())))?;
        let full = batch.len() == PUBLISH_BATCH;
        published.extend(batch);
        if !full {
            return Ok(published);
        }
    }
}

/// Publishes up to `limit` scheduled articles whose time has come, the earliest due first,
/// calling `also(connection, before, after)` for each (to record what the change announces).
/// Run it in a transaction: the batch is published whole or not at all. Safe to run from
/// several processes at once: each article is published once, and one changed meanwhile is
/// left for the next run (so a batch may hold fewer than `limit` while more are due).
///
/// The articles given to `also` and returned have their HTML but no Markdown or plain text
/// (empty, as in list summaries): what an event announcing them carries, and no more.
pub fn publish_due_batch(
    conn: &mut AnyConnection,
    now: Timestamp,
    limit: usize,
    mut also: impl FnMut(&mut AnyConnection, &Article, &Article) -> Result<(), StoreError>,
) -> Result<Vec<Article>, StoreError> {
    // The status as a literal, as the partial index on scheduled articles is written (a bound
    // value would not let the planners use it).
    let due: Vec<DueRow> = articles::table
        .filter(crate::db::static_sql::<Bool>(
            crate::live::SCHEDULED_ARTICLES,
        ))
        .filter(articles::published_at.le(DbTime(now)))
        .order((articles::published_at, articles::id))
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .select(DueRow::as_select())
        .load(conn)?;
    let mut published = Vec::with_capacity(due.len());
    for DueRow {
        id,
        version,
        updated_at,
        updated_by,
    } in due
    {
        let row: Option<AnnouncedRow> = diesel::update(
            articles::table
                .filter(articles::id.eq(id))
                .filter(articles::version.eq(version)),
        )
        .set((
            articles::status.eq(Stored(ArticleStatus::Published)),
            articles::version.eq(articles::version + 1),
            articles::updated_at.eq(DbTime(now)),
            articles::updated_by.eq(None::<i64>),
        ))
        .returning(<AnnouncedRow as Selectable<MultiBackend>>::construct_selection())
        .get_result(conn)
        .optional()?;
        // None: someone changed it meanwhile (or another process published it).
        let Some(row) = row else {
            continue;
        };
        history::record_unchanged(conn, id, version, updated_by, updated_at)?;
        let after = Article::try_from(row)?;
        let Publication::Published(at) = after.publication else {
            return Err(StoreError::internal("a published article without its date"));
        };
        let before = Article {
            publication: Publication::Scheduled(at),
            version,
            updated_at: updated_at.0,
            updated_by: updated_by.map(broadsheet_domain::ids::AuthorId),
            ..after.clone()
        };
        also(conn, &before, &after)?;
        published.push(after);
    }
    Ok(published)
}
