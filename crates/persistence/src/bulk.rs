//! Loading many articles at once (for seeding archives and for benchmarks): multi-row
//! inserts in batches, in the caller's transaction. The same rows as [`crate::articles::create`]
//! writes, without its per-article checks: slugs must be given and free, and the tags and
//! authors named must exist.

use broadsheet_domain::article::NewArticle;
use broadsheet_domain::ids::{ArticleId, AuthorId};
use broadsheet_domain::time::Timestamp;
use diesel::prelude::*;

use crate::StoreError;
use crate::articles::rows_for_bulk;
use crate::db::sql_types::DbTime;
use crate::db::{AnyConnection, on_inner};
use crate::schema::{article_authors, article_tags, articles, related_articles};

/// Articles per `INSERT` (about 30 parameters each, well within both databases' limits).
const ARTICLES_PER_STATEMENT: usize = 500;
/// Link rows per `INSERT` (3 or 4 parameters each).
const LINKS_PER_STATEMENT: usize = 5_000;

/// Inserts `new` articles (each with its slug given), their tags and authors; returns their
/// ids, in order.
pub fn insert_articles(
    conn: &mut AnyConnection,
    new: &[NewArticle],
    by: Option<AuthorId>,
    now: Timestamp,
) -> Result<Vec<ArticleId>, StoreError> {
    if new.iter().any(|a| a.slug.is_none()) {
        return Err(broadsheet_domain::ValidationError::new(
            "slug",
            "bulk loading needs every slug given",
        )
        .into());
    }
    let mut ids = Vec::with_capacity(new.len());
    for batch in new.chunks(ARTICLES_PER_STATEMENT) {
        let rows = rows_for_bulk(batch, by, now);
        let batch_ids: Vec<i64> = on_inner!(conn, |c| diesel::insert_into(articles::table)
            .values(&rows)
            .returning(articles::id)
            .get_results(c))?;
        ids.extend(batch_ids.into_iter().map(ArticleId));
    }
    let mut tags = Vec::new();
    let mut authors = Vec::new();
    for (article, id) in new.iter().zip(&ids) {
        for (i, t) in article.tags.iter().enumerate() {
            // The date the tag lists read, given here so the database need not look it up
            // (and set even where a loader switches triggers off).
            tags.push((
                article_tags::article_id.eq(id.0),
                article_tags::tag_id.eq(t.0),
                article_tags::position.eq(position(i)),
                article_tags::published_at.eq(article.publication.published_at().map(DbTime)),
            ));
        }
        for (i, a) in article.authors.iter().enumerate() {
            authors.push((
                article_authors::article_id.eq(id.0),
                article_authors::user_id.eq(a.0),
                article_authors::position.eq(position(i)),
            ));
        }
    }
    for batch in tags.chunks(LINKS_PER_STATEMENT) {
        on_inner!(conn, |c| diesel::insert_into(article_tags::table)
            .values(batch)
            .execute(c))?;
    }
    for batch in authors.chunks(LINKS_PER_STATEMENT) {
        on_inner!(conn, |c| diesel::insert_into(article_authors::table)
            .values(batch)
            .execute(c))?;
    }
    Ok(ids)
}

/// Inserts curated related links: each article's targets, in order.
pub fn insert_related(
    conn: &mut AnyConnection,
    links: &[(ArticleId, Vec<ArticleId>)],
) -> Result<(), StoreError> {
    let rows: Vec<_> = links
        .iter()
        .flat_map(|(from, to)| {
            to.iter().enumerate().map(move |(i, to)| {
                (
                    related_articles::article_id.eq(from.0),
                    related_articles::related_id.eq(to.0),
                    related_articles::position.eq(position(i)),
                )
            })
        })
        .collect();
    for batch in rows.chunks(LINKS_PER_STATEMENT) {
        on_inner!(conn, |c| diesel::insert_into(related_articles::table)
            .values(batch)
            .execute(c))?;
    }
    Ok(())
}

fn position(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}
