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
use crate::{StoreError, raw};

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

const SQLITE_LIVE: &str =
    "(a.status = 'published' OR (a.status = 'scheduled' AND a.published_at <= ?))";

fn fts5_query(q: &SearchQuery) -> String {
    // Each word quoted: an FTS5 string, never an operator. Words hold only letters and
    // digits, so there is no quote to escape.
    q.words()
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The articles the public may read at `now` that hold every word of `query`, best first:
/// `limit` of them after skipping `offset`.
pub fn search(
    conn: &mut AnyConnection,
    query: &SearchQuery,
    now: Timestamp,
    offset: usize,
    limit: usize,
) -> Result<Vec<Hit>, StoreError> {
    let (offset, limit) = (to_i64(offset), to_i64(limit));
    let rows: Vec<HitRow> = match conn {
        AnyConnection::Sqlite(_) => {
            let sql = format!(
                "SELECT a.id AS id, \
                        snippet(articles_fts, -1, char(57344), char(57345), '…', 24) AS snippet \
                 FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid \
                 WHERE articles_fts MATCH ? AND {SQLITE_LIVE} \
                 ORDER BY a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?) DESC, \
                          bm25(articles_fts, 10.0, 2.0, 1.0), a.published_at DESC, a.id DESC \
                 LIMIT ? OFFSET ?"
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(fts5_query(query))
                .bind::<Instant, _>(DbTime(now))
                .bind::<Text, _>(format!("title : ({})", fts5_query(query)))
                .bind::<BigInt, _>(limit)
                .bind::<BigInt, _>(offset)
                .load(conn)?
        }
        AnyConnection::Postgres(_) => {
            let sql = raw::for_backend(
                conn,
                "SELECT a.id AS id, \
                        ts_headline('english', left(a.plaintext, 200000), q, ?) AS snippet \
                 FROM articles a, plainto_tsquery('english', ?) q \
                 WHERE a.search @@ q \
                   AND (a.status = 'published' OR (a.status = 'scheduled' AND a.published_at <= ?)) \
                 ORDER BY ts_filter(a.search, '{a}') @@ q DESC, \
                          ts_rank('{0.1, 0.2, 0.4, 1.0}', a.search, q) DESC, \
                          a.published_at DESC, a.id DESC \
                 LIMIT ? OFFSET ?",
            );
            let options = format!(
                "StartSel=\"{OPEN}\", StopSel=\"{CLOSE}\", MaxWords=35, MinWords=15, \
                 MaxFragments=1, ShortWord=2"
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(options)
                .bind::<Text, _>(query.words().join(" "))
                .bind::<Instant, _>(DbTime(now))
                .bind::<BigInt, _>(limit)
                .bind::<BigInt, _>(offset)
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

/// How many articles [`search`] would find in all.
pub fn count(
    conn: &mut AnyConnection,
    query: &SearchQuery,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let rows: Vec<CountRow> = match conn {
        AnyConnection::Sqlite(_) => diesel::sql_query(format!(
            "SELECT count(*) AS n FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid \
             WHERE articles_fts MATCH ? AND {SQLITE_LIVE}"
        ))
        .bind::<Text, _>(fts5_query(query))
        .bind::<Instant, _>(DbTime(now))
        .load(conn)?,
        AnyConnection::Postgres(_) => {
            let sql = raw::for_backend(
                conn,
                "SELECT count(*) AS n FROM articles a, plainto_tsquery('english', ?) q \
                 WHERE a.search @@ q \
                   AND (a.status = 'published' OR (a.status = 'scheduled' AND a.published_at <= ?))",
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(query.words().join(" "))
                .bind::<Instant, _>(DbTime(now))
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
