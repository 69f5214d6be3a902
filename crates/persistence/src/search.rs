//! Full-text search: one function, one implementation per backend (SQLite FTS5 with bm25;
//! PostgreSQL tsvector with ts_rank), the same ranking rules on both: articles whose title
//! holds every word first, then by the engine's relevance (title weighted over excerpt over
//! body), then newest first.

use broadsheet_domain::ids::ArticleId;
use broadsheet_domain::search::SearchQuery;
use broadsheet_domain::time::Timestamp;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::AnyConnection;
use crate::db::sql_types::{DbTime, Instant};
use crate::{StoreError, live, raw};

/// Marks the start and end of a match in snippets before they are escaped: private-use
/// characters that no article text holds (the domain strips them from bodies).
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// One result: the article, and a passage of it with the matches in `<mark>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The article.
    pub article: ArticleId,
    /// HTML: escaped text with `<mark>…</mark>` around matched words.
    pub snippet: String,
}

#[derive(QueryableByName)]
struct HitRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    snippet: String,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Live matches, on SQLite (binds: now). `broadsheet_deadline()` first: checked on every
/// match looked at (see `db::deadline`).
fn sqlite_live() -> String {
    format!("broadsheet_deadline() AND {}", live::sql("a"))
}

/// Only the newest matches: at or above the id of the n-th newest live match (binds: the
/// FTS5 query, now, n - 1).
fn sqlite_newest() -> String {
    format!(
        "articles_fts.rowid >= COALESCE(( \
         SELECT articles_fts.rowid FROM articles_fts JOIN articles b ON b.id = articles_fts.rowid \
         WHERE articles_fts MATCH ? AND broadsheet_deadline() AND {live} \
         ORDER BY articles_fts.rowid DESC LIMIT 1 OFFSET ?), 0)",
        live = live::sql("b")
    )
}

fn fts5_query(q: &SearchQuery) -> String {
    // Each word quoted: an FTS5 string, never an operator. Words hold only letters and
    // digits, so there is no quote to escape.
    q.words()
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How many matching articles, newest first, a search ranks: a word that is in most of the
/// archive costs what a rare one costs. Readers of a news site want the recent matches; an
/// archive search that must rank every match of a common word is a different product.
pub const CANDIDATES: usize = 200;

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The articles the public may read at `now` that hold every word of `query`, best first
/// among the newest [`CANDIDATES`] matches: `limit` of them after skipping `offset`.
pub fn search(
    conn: &mut AnyConnection,
    query: &SearchQuery,
    now: Timestamp,
    offset: usize,
    limit: usize,
) -> Result<Vec<Hit>, StoreError> {
    search_among(conn, query, now, offset, limit, CANDIDATES)
}

/// [`search`] ranking the newest `candidates` matches; for tests of the bound itself.
#[doc(hidden)]
pub fn search_among(
    conn: &mut AnyConnection,
    query: &SearchQuery,
    now: Timestamp,
    offset: usize,
    limit: usize,
    candidates: usize,
) -> Result<Vec<Hit>, StoreError> {
    if candidates == 0 || limit == 0 {
        return Ok(Vec::new());
    }
    let (offset, limit) = (to_i64(offset), to_i64(limit));
    let floor_at = to_i64(candidates - 1);
    let rows: Vec<HitRow> = match conn {
        AnyConnection::Sqlite(_) => {
            // Ranked first; snippets (the costly part) only for the page, by a second look.
            let sql = format!(
                "SELECT a.id AS id \
                 FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid \
                 WHERE articles_fts MATCH ? AND {live} AND {newest} \
                 ORDER BY a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?) DESC, \
                          bm25(articles_fts, 10.0, 2.0, 1.0), a.published_at DESC, a.id DESC \
                 LIMIT ? OFFSET ?",
                live = sqlite_live(),
                newest = sqlite_newest(),
            );
            let ranked: Vec<IdRow> = diesel::sql_query(sql)
                .bind::<Text, _>(fts5_query(query))
                .bind::<Instant, _>(DbTime(now))
                .bind::<Text, _>(fts5_query(query))
                .bind::<Instant, _>(DbTime(now))
                .bind::<BigInt, _>(floor_at)
                .bind::<Text, _>(format!("title : ({})", fts5_query(query)))
                .bind::<BigInt, _>(limit)
                .bind::<BigInt, _>(offset)
                .load(conn)?;
            if ranked.is_empty() {
                return Ok(Vec::new());
            }
            let sql = format!(
                "SELECT rowid AS id, \
                        snippet(articles_fts, -1, char(57344), char(57345), '…', 24) AS snippet \
                 FROM articles_fts WHERE articles_fts MATCH ? AND rowid IN ({})",
                raw::list(ranked.len())
            );
            let mut q = diesel::sql_query(sql)
                .into_boxed()
                .bind::<Text, _>(fts5_query(query));
            for r in &ranked {
                q = q.bind::<BigInt, _>(r.id);
            }
            let mut snippets: std::collections::HashMap<i64, String> = q
                .load::<HitRow>(conn)?
                .into_iter()
                .map(|r| (r.id, r.snippet))
                .collect();
            ranked
                .into_iter()
                .map(|r| HitRow {
                    id: r.id,
                    snippet: snippets.remove(&r.id).unwrap_or_default(),
                })
                .collect()
        }
        AnyConnection::Postgres(_) => {
            // The newest matches first (the planner walks the id index for a common word,
            // the search index for a rare one), ranked, and headlines for the page only.
            let sql = raw::for_backend(
                conn,
                &format!(
                    "WITH q AS (SELECT plainto_tsquery('english', ?) AS q), \
                 cand AS ( \
                     SELECT a.id, a.published_at FROM articles a, q \
                     WHERE a.search @@ q.q AND {live} \
                     ORDER BY a.id DESC LIMIT ? \
                 ), page AS ( \
                     SELECT a.id, a.plaintext, c.published_at, \
                            ts_filter(a.search, '{{a}}') @@ q.q AS in_title, \
                            ts_rank('{{0.1, 0.2, 0.4, 1.0}}', a.search, q.q) AS rank \
                     FROM cand c JOIN articles a ON a.id = c.id, q \
                     ORDER BY in_title DESC, rank DESC, c.published_at DESC, a.id DESC \
                     LIMIT ? OFFSET ? \
                 ) \
                 SELECT page.id, ts_headline('english', left(page.plaintext, 200000), q.q, ?) AS snippet \
                 FROM page, q \
                 ORDER BY page.in_title DESC, page.rank DESC, page.published_at DESC, page.id DESC",
                    live = live::sql("a"),
                ),
            );
            let options = format!(
                "StartSel=\"{OPEN}\", StopSel=\"{CLOSE}\", MaxWords=35, MinWords=15, \
                 MaxFragments=1, ShortWord=2"
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(query.words().join(" "))
                .bind::<Instant, _>(DbTime(now))
                .bind::<BigInt, _>(to_i64(candidates))
                .bind::<BigInt, _>(limit)
                .bind::<BigInt, _>(offset)
                .bind::<Text, _>(options)
                .load(conn)?
        }
    };
    Ok(rows
        .into_iter()
        .map(|r| Hit {
            article: ArticleId(r.id),
            snippet: highlight(&r.snippet),
        })
        .collect())
}

/// How many articles [`search`] would find in all (at most [`CANDIDATES`]).
pub fn count(
    conn: &mut AnyConnection,
    query: &SearchQuery,
    now: Timestamp,
) -> Result<i64, StoreError> {
    count_among(conn, query, now, CANDIDATES)
}

/// [`count`] with the bound of [`search_among`].
#[doc(hidden)]
pub fn count_among(
    conn: &mut AnyConnection,
    query: &SearchQuery,
    now: Timestamp,
    candidates: usize,
) -> Result<i64, StoreError> {
    let rows: Vec<CountRow> = match conn {
        AnyConnection::Sqlite(_) => diesel::sql_query(format!(
            "SELECT count(*) AS n FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid \
             WHERE articles_fts MATCH ? AND {live} AND {newest}",
            live = sqlite_live(),
            newest = sqlite_newest(),
        ))
        .bind::<Text, _>(fts5_query(query))
        .bind::<Instant, _>(DbTime(now))
        .bind::<Text, _>(fts5_query(query))
        .bind::<Instant, _>(DbTime(now))
        .bind::<BigInt, _>(to_i64(candidates.max(1) - 1))
        .load(conn)?,
        AnyConnection::Postgres(_) => {
            let sql = raw::for_backend(
                conn,
                &format!(
                    "SELECT count(*) AS n FROM ( \
                     SELECT 1 FROM articles a, plainto_tsquery('english', ?) q \
                     WHERE a.search @@ q AND {live} \
                     ORDER BY a.id DESC LIMIT ?) c",
                    live = live::sql("a"),
                ),
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(query.words().join(" "))
                .bind::<Instant, _>(DbTime(now))
                .bind::<BigInt, _>(to_i64(candidates))
                .load(conn)?
        }
    };
    Ok(rows.first().map_or(0, |r| r.n))
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Escapes a snippet for HTML and turns the match markers into `<mark>` elements.
fn highlight(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 32);
    for c in raw.chars() {
        match c {
            OPEN => out.push_str("<mark>"),
            CLOSE => out.push_str("</mark>"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_escaped_and_marked() {
        let raw = format!("a <script> & {OPEN}word{CLOSE} \"x\"");
        assert_eq!(
            highlight(&raw),
            "a &lt;script&gt; &amp; <mark>word</mark> &quot;x&quot;"
        );
    }

    #[test]
    fn fts5_words_are_quoted() {
        let q = SearchQuery::parse("near(a) OR b*").expect("valid");
        assert_eq!(fts5_query(&q), "\"near\" \"a\" \"or\" \"b\"");
    }
}
