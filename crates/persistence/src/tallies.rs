//! How many live articles each tag and each author has, without walking their links.
//!
//! Triggers keep the number of *published* articles per tag and per author (tables
//! `tag_counts` and `author_counts`, migration `article_counts`). A scheduled article that
//! has come due is live too, with no write (see [`crate::live`]); those are few (the
//! scheduler publishes them on its next pass) and are added at the instant of reading, found
//! through the partial index on scheduled articles. A count is then one row by key, whatever
//! the size of the archive, where counting links took a scan of every article of the tag.

use std::collections::HashMap;

use broadsheet_domain::time::Timestamp;
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::StoreError;
use crate::db::sql_types::DbTime;
use crate::db::{AnyConnection, static_sql};
use crate::schema::{article_authors, article_tags, articles, author_counts, tag_counts};

/// Adds `extra` to `counts`, and keeps only the counts above zero (the maps' contract:
/// a tag or author with nothing live is absent).
fn merged(
    mut counts: HashMap<i64, i64>,
    extra: Vec<(i64, i64)>,
    ids: Option<&[i64]>,
) -> HashMap<i64, i64> {
    for (id, n) in extra {
        if ids.is_none_or(|ids| ids.contains(&id)) {
            *counts.entry(id).or_default() += n;
        }
    }
    counts.retain(|_, n| *n > 0);
    counts
}

/// Live articles per tag at `now` (the scheduled ones due at `now` are those the triggers
/// have not counted): of the tags in `ids`, or of every tag when `None`.
pub(crate) fn tags(
    conn: &mut AnyConnection,
    ids: Option<&[i64]>,
    now: Timestamp,
) -> Result<HashMap<i64, i64>, StoreError> {
    let mut stored = tag_counts::table
        .select((tag_counts::tag_id, tag_counts::published))
        .into_boxed();
    if let Some(ids) = ids {
        stored = stored.filter(crate::db::in_ids(tag_counts::tag_id, ids.iter().copied()));
    }
    let stored: HashMap<i64, i64> = stored.load::<(i64, i64)>(conn)?.into_iter().collect();
    let due = tags_due(conn, now)?;
    Ok(merged(stored, due, ids))
}

/// The scheduled articles due at `now` per tag: live, but not yet counted by the triggers
/// (none once the scheduler has published them).
pub(crate) fn tags_due(
    conn: &mut AnyConnection,
    now: Timestamp,
) -> Result<Vec<(i64, i64)>, StoreError> {
    Ok(article_tags::table
        // The few scheduled articles due, read first and their links by article: a join let
        // the planner walk every link of the archive and look up each article (on SQLite at
        // 10k articles, 430 ms for every count of the Content API's tag lists).
        .filter(
            article_tags::article_id.eq_any(
                articles::table
                    .filter(static_sql::<Bool>(crate::live::SCHEDULED_ARTICLES))
                    .filter(articles::published_at.le(DbTime(now)))
                    .select(articles::id),
            ),
        )
        .group_by(article_tags::tag_id)
        .select((article_tags::tag_id, count_star()))
        .into_boxed()
        .load(conn)?)
}

/// Live articles per author at `now`: of the authors in `ids`, or of every user when `None`.
pub(crate) fn authors(
    conn: &mut AnyConnection,
    ids: Option<&[i64]>,
    now: Timestamp,
) -> Result<HashMap<i64, i64>, StoreError> {
    let due = authors_due(conn, now)?;
    authors_with_due(conn, ids, due)
}

/// [`authors`] given what [`authors_due`] said at the instant of reading.
pub(crate) fn authors_with_due(
    conn: &mut AnyConnection,
    ids: Option<&[i64]>,
    due: Vec<(i64, i64)>,
) -> Result<HashMap<i64, i64>, StoreError> {
    let mut stored = author_counts::table
        .select((author_counts::user_id, author_counts::published))
        .into_boxed();
    if let Some(ids) = ids {
        stored = stored.filter(crate::db::in_ids(
            author_counts::user_id,
            ids.iter().copied(),
        ));
    }
    let stored: HashMap<i64, i64> = stored.load::<(i64, i64)>(conn)?.into_iter().collect();
    Ok(merged(stored, due, ids))
}

/// The scheduled articles due at `now` per author (see [`tags_due`]).
pub(crate) fn authors_due(
    conn: &mut AnyConnection,
    now: Timestamp,
) -> Result<Vec<(i64, i64)>, StoreError> {
    Ok(article_authors::table
        // The few scheduled articles due, read first and their links by article: a join let
        // the planner walk every link of the archive and look up each article (on SQLite at
        // 10k articles, 430 ms for every count of the Content API's tag lists).
        .filter(
            article_authors::article_id.eq_any(
                articles::table
                    .filter(static_sql::<Bool>(crate::live::SCHEDULED_ARTICLES))
                    .filter(articles::published_at.le(DbTime(now)))
                    .select(articles::id),
            ),
        )
        .group_by(article_authors::user_id)
        .select((article_authors::user_id, count_star()))
        .into_boxed()
        .load(conn)?)
}

/// Counts every tag's and author's published articles again from their links. For loaders
/// that write with triggers switched off (PostgreSQL's `session_replication_role = replica`,
/// as `pg_restore --disable-triggers` does), once they are done; the triggers keep the counts
/// from then on.
pub fn recount(conn: &mut AnyConnection) -> Result<(), StoreError> {
    conn.transaction(|c| {
        if let AnyConnection::Postgres(_) = c {
            // Statistics first: right after a bulk load the planner has none, and it counted
            // each tag by reading every published article (over 15 minutes for 2,000 tags and
            // 100k articles, against 7.5 s after ANALYZE).
            diesel::sql_query("ANALYZE articles, article_tags, article_authors").execute(c)?;
        }
        for statement in [
            "INSERT INTO tag_counts (tag_id) SELECT id FROM tags \
             WHERE id NOT IN (SELECT tag_id FROM tag_counts)",
            "INSERT INTO author_counts (user_id) SELECT id FROM users \
             WHERE id NOT IN (SELECT user_id FROM author_counts)",
            "UPDATE tag_counts SET published = (SELECT count(*) FROM article_tags l \
             JOIN articles a ON a.id = l.article_id \
             WHERE l.tag_id = tag_counts.tag_id AND a.status = 'published')",
            "UPDATE author_counts SET published = (SELECT count(*) FROM article_authors l \
             JOIN articles a ON a.id = l.article_id \
             WHERE l.user_id = author_counts.user_id AND a.status = 'published')",
        ] {
            diesel::sql_query(statement).execute(c)?;
        }
        Ok(())
    })
}
