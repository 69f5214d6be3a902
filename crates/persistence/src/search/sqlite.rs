//! Search on SQLite: FTS5 reads a tier in rowid order, newest first, and stops at the page.
//!
//! FTS5 walks only the articles that hold the words (each word's list of rows, merged), so
//! the same statement serves a rare word and a common one; the tiers are FTS5 queries of
//! their own (`title : (…)`, and `(…) NOT title : (…)`), so neither needs a list of the other.
//! Whether a match is live is read from the covering index `articles_search_live_idx`, not
//! from the article's row (see its migration).

use std::collections::HashMap;

use broadsheet_domain::search::SearchQuery;
use broadsheet_domain::time::Timestamp;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::{IdRow, headline};

use super::{Tier, to_i64};
use crate::db::sql_types::{DbTime, Instant};
use crate::raw::Prepared;
use crate::schema::articles;
use crate::{StoreError, live};

/// Every word, each quoted: an FTS5 string, never an operator. Words hold only letters and
/// digits, so there is no quote to escape.
fn words(q: &SearchQuery) -> String {
    q.words()
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The FTS5 query for a tier.
fn fts5_query(q: &SearchQuery, tier: Tier) -> String {
    let all = words(q);
    match tier {
        Tier::Title => format!("title : ({all})"),
        Tier::Body => format!("({all}) NOT (title : ({all}))"),
    }
}

pub(super) fn tier(
    conn: &mut crate::AnyConnection,
    query: &SearchQuery,
    now: Timestamp,
    tier: Tier,
    wanted: usize,
) -> Result<Vec<i64>, StoreError> {
    // `broadsheet_deadline()` first: checked on every match looked at (see `db::deadline`).
    let sql = format!(
        "SELECT a.id AS id \
         FROM articles_fts JOIN articles a INDEXED BY articles_search_live_idx \
              ON a.id = articles_fts.rowid \
         WHERE articles_fts MATCH ? AND broadsheet_deadline() AND {live} \
         ORDER BY articles_fts.rowid DESC LIMIT ?",
        live = live::sql("a"),
    );
    let rows: Vec<IdRow> = Prepared::new(sql)
        .bind::<Text, _>(fts5_query(query, tier))
        .bind::<Instant, _>(DbTime(now))
        .bind::<BigInt, _>(to_i64(wanted))
        .load(conn)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

pub(super) fn snippets(
    conn: &mut crate::AnyConnection,
    query: &SearchQuery,
    ids: &[i64],
) -> Result<HashMap<i64, String>, StoreError> {
    // The plain text, and the snippet made from a passage of it in the server (see
    // `headline.rs`): FTS5's `snippet()` tokenized and stemmed each whole body.
    let rows: Vec<(i64, String)> = articles::table
        .filter(crate::db::in_ids(articles::id, ids.iter().copied()))
        .select((articles::id, articles::plaintext))
        .load(conn)?;
    let lexemes = headline::lexemes(query.words());
    Ok(rows
        .into_iter()
        .map(|(id, plaintext)| (id, headline::snippet(&plaintext, query.words(), &lexemes)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted() {
        let q = SearchQuery::parse("near(a) OR b*").expect("valid");
        assert_eq!(words(&q), "\"near\" \"a\" \"or\" \"b\"");
        assert_eq!(
            fts5_query(&q, Tier::Title),
            "title : (\"near\" \"a\" \"or\" \"b\")"
        );
        assert_eq!(
            fts5_query(&q, Tier::Body),
            "(\"near\" \"a\" \"or\" \"b\") NOT (title : (\"near\" \"a\" \"or\" \"b\"))"
        );
    }
}
