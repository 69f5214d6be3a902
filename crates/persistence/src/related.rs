//! Curated related-article links.

use std::collections::HashMap;

use broadsheet_domain::ValidationError;
use broadsheet_domain::ids::ArticleId;
use broadsheet_domain::related::{NewRelatedLink, RelatedLink};
use diesel::dsl::max;
use diesel::prelude::*;

use crate::StoreError;
use crate::db::{AnyConnection, on_inner};
use crate::schema::{articles, related_articles};

type LinkRow = (i64, i64, i32, Option<String>);

fn link((from, to, position, note): LinkRow) -> RelatedLink {
    RelatedLink {
        from: ArticleId(from),
        to: ArticleId(to),
        position,
        note,
    }
}

const COLUMNS: (
    related_articles::article_id,
    related_articles::related_id,
    related_articles::position,
    related_articles::note,
) = (
    related_articles::article_id,
    related_articles::related_id,
    related_articles::position,
    related_articles::note,
);

fn ensure_articles_exist(c: &mut AnyConnection, ids: &[ArticleId]) -> Result<(), StoreError> {
    let raw: Vec<i64> = ids.iter().map(|a| a.0).collect();
    let found: Vec<i64> = articles::table
        .select(articles::id)
        .filter(articles::id.eq_any(&raw))
        .load(c)?;
    match raw.iter().find(|id| !found.contains(id)) {
        Some(_) => Err(StoreError::not_found("article")),
        None => Ok(()),
    }
}

/// Appends a link to the end of the article's list. A second link to the same article is a
/// conflict.
pub fn add(conn: &mut AnyConnection, new: &NewRelatedLink) -> Result<RelatedLink, StoreError> {
    conn.transaction(|c| {
        ensure_articles_exist(c, &[new.from, new.to])?;
        let last: Option<i32> = related_articles::table
            .filter(related_articles::article_id.eq(new.from.0))
            .select(max(related_articles::position))
            .first(c)?;
        let position = last.map_or(0, |p| p.saturating_add(1));
        diesel::insert_into(related_articles::table)
            .values((
                related_articles::article_id.eq(new.from.0),
                related_articles::related_id.eq(new.to.0),
                related_articles::position.eq(position),
                related_articles::note.eq(new.note.as_deref()),
            ))
            .execute(c)?;
        Ok(RelatedLink {
            from: new.from,
            to: new.to,
            position,
            note: new.note.clone(),
        })
    })
}

/// Removes one link; the others keep their order.
pub fn remove(conn: &mut AnyConnection, from: ArticleId, to: ArticleId) -> Result<(), StoreError> {
    let n = diesel::delete(
        related_articles::table
            .filter(related_articles::article_id.eq(from.0))
            .filter(related_articles::related_id.eq(to.0)),
    )
    .execute(conn)?;
    match n {
        0 => Err(StoreError::not_found("related link")),
        _ => Ok(()),
    }
}

/// Puts the article's links in the order of `order`, which must name each linked article
/// exactly once.
pub fn reorder(
    conn: &mut AnyConnection,
    from: ArticleId,
    order: &[ArticleId],
) -> Result<Vec<RelatedLink>, StoreError> {
    conn.transaction(|c| {
        let mut current: Vec<i64> = related_articles::table
            .filter(related_articles::article_id.eq(from.0))
            .select(related_articles::related_id)
            .load(c)?;
        let mut wanted: Vec<i64> = order.iter().map(|a| a.0).collect();
        current.sort_unstable();
        wanted.sort_unstable();
        if current != wanted {
            return Err(ValidationError::new(
                "related_ids",
                "must list each related article exactly once",
            )
            .into());
        }
        for (i, to) in order.iter().enumerate() {
            diesel::update(
                related_articles::table
                    .filter(related_articles::article_id.eq(from.0))
                    .filter(related_articles::related_id.eq(to.0)),
            )
            .set(related_articles::position.eq(i32::try_from(i).unwrap_or(i32::MAX)))
            .execute(c)?;
        }
        Ok(of_articles(c, &[from])?.remove(&from).unwrap_or_default())
    })
}

/// Replaces the article's whole list with `links`, in their order.
pub fn replace(
    conn: &mut AnyConnection,
    from: ArticleId,
    links: &[NewRelatedLink],
) -> Result<Vec<RelatedLink>, StoreError> {
    if let Some(stray) = links.iter().find(|l| l.from != from) {
        return Err(ValidationError::new(
            "related_ids",
            format!("link from article {} given for article {from}", stray.from),
        )
        .into());
    }
    conn.transaction(|c| {
        let mut ids: Vec<ArticleId> = links.iter().map(|l| l.to).collect();
        ids.push(from);
        ensure_articles_exist(c, &ids)?;
        diesel::delete(related_articles::table.filter(related_articles::article_id.eq(from.0)))
            .execute(c)?;
        if !links.is_empty() {
            let rows: Vec<_> = links
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    (
                        related_articles::article_id.eq(from.0),
                        related_articles::related_id.eq(l.to.0),
                        related_articles::position.eq(i32::try_from(i).unwrap_or(i32::MAX)),
                        related_articles::note.eq(l.note.as_deref()),
                    )
                })
                .collect();
            on_inner!(c, |c| diesel::insert_into(related_articles::table)
                .values(&rows)
                .execute(c))?;
        }
        Ok(of_articles(c, &[from])?.remove(&from).unwrap_or_default())
    })
}

/// Each article's links in order, in one statement.
pub fn of_articles(
    conn: &mut AnyConnection,
    ids: &[ArticleId],
) -> Result<HashMap<ArticleId, Vec<RelatedLink>>, StoreError> {
    let raw: Vec<i64> = ids.iter().map(|a| a.0).collect();
    let rows: Vec<LinkRow> = related_articles::table
        .filter(related_articles::article_id.eq_any(raw))
        .order((
            related_articles::article_id,
            related_articles::position,
            related_articles::related_id,
        ))
        .select(COLUMNS)
        .load(conn)?;
    let mut out: HashMap<ArticleId, Vec<RelatedLink>> = HashMap::with_capacity(ids.len());
    for row in rows {
        let l = link(row);
        out.entry(l.from).or_default().push(l);
    }
    Ok(out)
}

#[derive(diesel::QueryableByName)]
struct Suggestion {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    source: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    candidate: i64,
}

/// For each of `sources`, up to `per_source` other articles the public may read at `now`
/// that share its public tags, best first: shared tags weighted by how rare each tag is
/// (1 / the number of live articles that carry it), then newest first. Never the article
/// itself, never one of its curated links, never twice. One statement for all sources.
pub fn suggestions(
    conn: &mut AnyConnection,
    sources: &[ArticleId],
    per_source: usize,
    now: broadsheet_domain::time::Timestamp,
) -> Result<HashMap<ArticleId, Vec<ArticleId>>, StoreError> {
    use crate::db::sql_types::{DbTime, Instant};
    use diesel::sql_types::BigInt;

    if sources.is_empty() || per_source == 0 {
        return Ok(HashMap::new());
    }
    let live = |a: &str| {
        format!(
            "({a}.status = 'published' OR ({a}.status = 'scheduled' AND {a}.published_at <= ?))"
        )
    };
    let sql = format!(
        "WITH src AS ( \
             SELECT tg.article_id AS source, tg.tag_id \
             FROM article_tags tg JOIN tags t ON t.id = tg.tag_id AND t.visibility = 'public' \
             WHERE tg.article_id IN ({ids}) \
         ), weights AS ( \
             SELECT tg.tag_id, 1.0 / COUNT(*) AS weight \
             FROM article_tags tg JOIN articles w ON w.id = tg.article_id \
             WHERE tg.tag_id IN (SELECT tag_id FROM src) AND {live_w} \
             GROUP BY tg.tag_id \
         ), scored AS ( \
             SELECT src.source, cand.article_id AS candidate, SUM(weights.weight) AS score \
             FROM src \
             JOIN article_tags cand ON cand.tag_id = src.tag_id AND cand.article_id <> src.source \
             JOIN weights ON weights.tag_id = src.tag_id \
             GROUP BY src.source, cand.article_id \
         ), ranked AS ( \
             SELECT s.source, s.candidate, ROW_NUMBER() OVER ( \
                 PARTITION BY s.source \
                 ORDER BY s.score DESC, a.published_at DESC, s.candidate DESC \
             ) AS n \
             FROM scored s JOIN articles a ON a.id = s.candidate \
             WHERE {live_a} AND NOT EXISTS ( \
                 SELECT 1 FROM related_articles r \
                 WHERE r.article_id = s.source AND r.related_id = s.candidate \
             ) \
         ) \
         SELECT source, candidate FROM ranked WHERE n <= ? ORDER BY source, n",
        ids = crate::raw::list(sources.len()),
        live_w = live("w"),
        live_a = live("a"),
    );
    let sql = crate::raw::for_backend(conn, &sql);
    let mut query = diesel::sql_query(sql).into_boxed();
    for id in sources {
        query = query.bind::<BigInt, _>(id.0);
    }
    let rows: Vec<Suggestion> = query
        .bind::<Instant, _>(DbTime(now))
        .bind::<Instant, _>(DbTime(now))
        .bind::<BigInt, _>(i64::try_from(per_source).unwrap_or(i64::MAX))
        .load(conn)?;
    let mut out: HashMap<ArticleId, Vec<ArticleId>> = HashMap::with_capacity(sources.len());
    for row in rows {
        out.entry(ArticleId(row.source))
            .or_default()
            .push(ArticleId(row.candidate));
    }
    Ok(out)
}
