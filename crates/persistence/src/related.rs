//! Curated related-article links.

use std::collections::HashMap;

use broadsheet_domain::ValidationError;
use broadsheet_domain::ids::ArticleId;
use broadsheet_domain::related::{NewRelatedLink, RelatedLink};
use diesel::dsl::max;
use diesel::prelude::*;

use crate::StoreError;
use crate::db::{AnyConnection, MultiBackend, on_inner};
use crate::schema::{articles, related_articles};

/// A `related_articles` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = related_articles, check_for_backend(MultiBackend))]
struct LinkRow {
    article_id: i64,
    related_id: i64,
    position: i32,
    note: Option<String>,
}

impl From<LinkRow> for RelatedLink {
    fn from(r: LinkRow) -> Self {
        RelatedLink {
            from: ArticleId(r.article_id),
            to: ArticleId(r.related_id),
            position: r.position,
            note: r.note,
        }
    }
}

fn ensure_articles_exist(c: &mut AnyConnection, ids: &[ArticleId]) -> Result<(), StoreError> {
    let raw: Vec<i64> = ids.iter().map(|a| a.0).collect();
    let found: Vec<i64> = articles::table
        .select(articles::id)
        .filter(crate::db::in_ids(articles::id, raw.iter().copied()))
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
        .filter(crate::db::in_ids(related_articles::article_id, raw))
        .order((
            related_articles::article_id,
            related_articles::position,
            related_articles::related_id,
        ))
        .select(LinkRow::as_select())
        .load(conn)?;
    let mut out: HashMap<ArticleId, Vec<RelatedLink>> = HashMap::with_capacity(ids.len());
    for row in rows {
        let l = RelatedLink::from(row);
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

/// How many of a tag's newest articles are considered as suggestions for another article
/// carrying it: a page's cost stays bounded however large the archive and its tags grow.
pub const CANDIDATES_PER_TAG: usize = 200;
/// How far a tag's articles are counted to weigh it: beyond this a tag is simply common.
pub const CARRIERS_COUNTED: usize = 1000;

/// The tags whose articles [`suggestions`] for `sources` are drawn from (a superset: internal
/// tags too): what a page of suggestions depends on besides the articles it shows.
pub fn pools_of(
    conn: &mut AnyConnection,
    sources: &[ArticleId],
) -> Result<Vec<broadsheet_domain::ids::TagId>, StoreError> {
    use crate::schema::article_tags;
    let raw: Vec<i64> = sources.iter().map(|a| a.0).collect();
    let mut tags: Vec<i64> = article_tags::table
        .filter(crate::db::in_ids(article_tags::article_id, raw))
        .select(article_tags::tag_id)
        .load(conn)?;
    tags.sort_unstable();
    tags.dedup();
    Ok(tags
        .into_iter()
        .map(broadsheet_domain::ids::TagId)
        .collect())
}

/// For each of `sources`, up to `per_source` other articles the public may read at `now`
/// that share its public tags, best first: shared tags weighted by how rare each tag is
/// (1 / the number of articles that carry it, counted up to [`CARRIERS_COUNTED`]), then
/// newest first. Candidates are the [`CANDIDATES_PER_TAG`] newest articles of each shared
/// tag, so the cost does not grow with the archive. Never the article itself, never one of
/// its curated links, never twice. One statement for all sources.
pub fn suggestions(
    conn: &mut AnyConnection,
    sources: &[ArticleId],
    per_source: usize,
    now: broadsheet_domain::time::Timestamp,
) -> Result<HashMap<ArticleId, Vec<ArticleId>>, StoreError> {
    suggestions_bounded(
        conn,
        sources,
        per_source,
        now,
        CANDIDATES_PER_TAG,
        CARRIERS_COUNTED,
    )
}

/// [`suggestions`] with its two bounds given; for tests of the bounds themselves.
#[doc(hidden)]
pub fn suggestions_bounded(
    conn: &mut AnyConnection,
    sources: &[ArticleId],
    per_source: usize,
    now: broadsheet_domain::time::Timestamp,
    candidates_per_tag: usize,
    carriers_counted: usize,
) -> Result<HashMap<ArticleId, Vec<ArticleId>>, StoreError> {
    if sources.is_empty() || per_source == 0 || candidates_per_tag == 0 {
        return Ok(HashMap::new());
    }
    let bounds = Bounds {
        floor_at: candidates_per_tag - 1,
        cap: carriers_counted.max(1),
        shortlist: Some(shortlist(per_source)),
    };
    let mut out = suggested(conn, sources, per_source, now, &bounds)?;
    // A source short of suggestions may have had more among the candidates past its
    // shortlist (curated links, or articles scheduled but not yet out, took their places):
    // its candidates are read again without one. Few sources are short, and those mostly
    // because their tags are small.
    let short: Vec<ArticleId> = sources
        .iter()
        .filter(|s| out.get(s).map_or(0, Vec::len) < per_source)
        .copied()
        .collect();
    if !short.is_empty() {
        let whole = Bounds {
            shortlist: None,
            ..bounds
        };
        out.extend(suggested(conn, &short, per_source, now, &whole)?);
    }
    Ok(out)
}

/// How many of a source's best candidates are read from `articles` (to see whether the
/// public may read them, and to leave out its curated links): enough for the suggestions
/// asked for, its curated links (a page shows suggestions only when it has fewer than it
/// asks for) and a few articles not yet out.
fn shortlist(per_source: usize) -> usize {
    per_source.saturating_mul(2).saturating_add(8)
}

/// The bounds of one statement of [`suggestions_bounded`].
struct Bounds {
    /// A tag's candidates are its `floor_at + 1` newest articles.
    floor_at: usize,
    /// A tag's articles are counted up to this.
    cap: usize,
    /// How many of a source's best candidates are read from `articles`; all when `None`.
    shortlist: Option<usize>,
}

fn suggested(
    conn: &mut AnyConnection,
    sources: &[ArticleId],
    per_source: usize,
    now: broadsheet_domain::time::Timestamp,
    bounds: &Bounds,
) -> Result<HashMap<ArticleId, Vec<ArticleId>>, StoreError> {
    use crate::db::sql_types::{DbTime, Instant};
    use diesel::sql_types::BigInt;

    // Each shared tag is bounded twice, both by walking the (tag_id, article_id) index from
    // its newest end: `floor` is the id of its n-th newest article (candidates are at or
    // above it), `carriers` its article count, stopped at the cap. Candidates are scored
    // and ordered on the tag links alone (which carry their article's date; drafts have
    // none), and only the shortlist of each source's best is read from `articles`: reading
    // every candidate's row, about 900 for an article with five tags, was most of the
    // statement's time (6-16 ms at 10k articles, and 10-48 ms under load: the article
    // page's slowest requests).
    let shortlisted = bounds
        .shortlist
        .map_or_else(String::new, |k| format!("WHERE o.k <= {k}"));
    let sql = format!(
        "WITH src AS ( \
             SELECT tg.article_id AS source, tg.tag_id \
             FROM article_tags tg JOIN tags t ON t.id = tg.tag_id AND t.visibility = 'public' \
             WHERE tg.article_id IN ({ids}) \
         ), shared AS ( \
             SELECT DISTINCT tag_id FROM src \
         ), bounds AS MATERIALIZED ( \
             SELECT s.tag_id, \
                 COALESCE(( \
                     SELECT x.article_id FROM article_tags x WHERE x.tag_id = s.tag_id \
                     ORDER BY x.article_id DESC LIMIT 1 OFFSET {floor_at} \
                 ), 0) AS floor, \
                 CASE WHEN ( \
                     SELECT y.article_id FROM article_tags y WHERE y.tag_id = s.tag_id \
                     ORDER BY y.article_id DESC LIMIT 1 OFFSET {cap_at} \
                 ) IS NULL \
                 THEN (SELECT COUNT(*) FROM article_tags z WHERE z.tag_id = s.tag_id) \
                 ELSE {cap} END AS carriers \
             FROM shared s \
         ), scored AS ( \
             SELECT src.source, cand.article_id AS candidate, SUM(1.0 / b.carriers) AS score, \
                 MAX(cand.published_at) AS published_at \
             FROM src \
             JOIN bounds b ON b.tag_id = src.tag_id \
             JOIN article_tags cand ON cand.tag_id = src.tag_id \
                 AND cand.article_id >= b.floor AND cand.article_id <> src.source \
                 AND cand.published_at IS NOT NULL \
             GROUP BY src.source, cand.article_id \
         ), ordered AS ( \
             SELECT s.source, s.candidate, ROW_NUMBER() OVER ( \
                 PARTITION BY s.source \
                 ORDER BY s.score DESC, s.published_at DESC, s.candidate DESC \
             ) AS k \
             FROM scored s \
         ), ranked AS ( \
             SELECT o.source, o.candidate, ROW_NUMBER() OVER ( \
                 PARTITION BY o.source ORDER BY o.k \
             ) AS n \
             FROM ordered o JOIN articles a ON a.id = o.candidate \
             {shortlisted} {and} {live_a} AND NOT EXISTS ( \
                 SELECT 1 FROM related_articles r \
                 WHERE r.article_id = o.source AND r.related_id = o.candidate \
             ) \
         ) \
         SELECT source, candidate FROM ranked WHERE n <= ? ORDER BY source, n",
        ids = crate::raw::list(sources.len()),
        floor_at = bounds.floor_at,
        cap_at = bounds.cap - 1,
        cap = bounds.cap,
        and = if bounds.shortlist.is_some() {
            "AND"
        } else {
            "WHERE"
        },
        live_a = crate::live::sql("a"),
    );
    let mut query = crate::raw::Prepared::new(sql);
    for id in sources {
        query = query.bind::<BigInt, _>(id.0);
    }
    let rows: Vec<Suggestion> = query
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
