//! Full-text search: one function, one implementation per backend (SQLite FTS5, PostgreSQL
//! tsvector and GIN), the same order on both.
//!
//! The order: the live articles whose title holds every word come first (the title tier),
//! then those that hold every word elsewhere (the body tier), and within each tier the newest
//! first (by id: the article created last). Relevance scores (bm25, ts_rank) no longer order a
//! tier. Deliberately: a reader of a news site searching a name wants the latest stories about
//! it, and a score has to read every candidate's whole position list before the first result
//! can be shown, which is what made a common word cost seconds at 100k articles. The tiers
//! keep what relevance mattered most for (a story *about* the thing, named in its title,
//! before one that mentions it), and newest-first lets each tier be read in index order and
//! stopped after the page: the cost of a page follows its depth, not how many articles match.
//!
//! At most [`MAX_RESULTS`] results are shown (pages past that are empty, and the count stops
//! there): deep pages of a common word cost at most that many rows.
//!
//! Each backend reads a tier in steps that stop as soon as the page is full (see
//! `postgres.rs` and `sqlite.rs`); snippets are made for the page only: one statement reads
//! the page's plain text, and the server marks a passage of each (`headline.rs`), the same
//! way on both backends.

mod headline;
mod postgres;
mod sqlite;

use std::collections::HashMap;

use broadsheet_domain::ids::ArticleId;
use broadsheet_domain::search::SearchQuery;
use broadsheet_domain::time::Timestamp;

use crate::StoreError;
use crate::db::AnyConnection;

/// Marks the start and end of a match in snippets before they are escaped: private-use
/// characters that no article text holds (the domain strips them from bodies).
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// Results shown for one query at most: later pages are empty, and the count stops here.
pub const MAX_RESULTS: usize = 200;

/// How many of the newest articles a backend looks through for each result wanted before it
/// turns to the search index (see `postgres.rs`): words in more than about one article in
/// this many fill a page from the newest articles alone.
pub const WALK_PER_RESULT: usize = 4;

/// How many of the newest articles a backend looks through at most for each result wanted
/// when the first look found some matches but too few (see `postgres.rs`): a word in about
/// one article in 40 (measured: a council's name at 1M articles) fills a page here rather
/// than through the search index, whose list of a common word's matches is long.
pub const REWALK_PER_RESULT: usize = 64;

/// Among how many of the newest ids a backend first asks the search index for each result
/// wanted (a window that then grows; see `postgres.rs`).
pub const WINDOW_PER_RESULT: usize = 64;

/// One result: the article, and a passage of it with the matches in `<mark>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The article.
    pub article: ArticleId,
    /// HTML: escaped text with `<mark>…</mark>` around matched words.
    pub snippet: String,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Found {
    /// The page, best first.
    pub hits: Vec<Hit>,
    /// Results in all (at most [`MAX_RESULTS`]), when asked for.
    pub total: Option<i64>,
}

/// Which articles a step reads: those whose title holds every word, or those that hold them
/// all but not in the title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    Title,
    Body,
}

/// How far the bounded steps of a tier read, per result wanted (see `postgres.rs`; SQLite
/// needs no bounds, as FTS5 reads only matches).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Steps {
    /// Step 1: how many of the newest articles are tested.
    pub walk_per_result: usize,
    /// Step 1 again, when it found too few: at most how many of the newest articles are
    /// tested (0: never again).
    pub rewalk_per_result: usize,
    /// Step 2: among how many of the newest ids the search index is asked.
    pub window_per_result: usize,
}

impl Default for Steps {
    fn default() -> Self {
        Self {
            walk_per_result: WALK_PER_RESULT,
            rewalk_per_result: REWALK_PER_RESULT,
            window_per_result: WINDOW_PER_RESULT,
        }
    }
}

/// The articles the public may read at `now` that hold every word of `query`, in the order
/// the module describes: `limit` of them after skipping `offset`, and how many there are in
/// all (at most [`MAX_RESULTS`]) when `counted`. Counting reads every result up to that
/// bound, so ask only when the count is shown.
pub fn search(
    conn: &mut AnyConnection,
    query: &SearchQuery,
    now: Timestamp,
    offset: usize,
    limit: usize,
    counted: bool,
) -> Result<Found, StoreError> {
    search_in_steps(conn, query, now, offset, limit, counted, Steps::default())
}

/// [`search`] with other bounds on its steps: for tests that make the later steps run on a
/// small fixture.
#[doc(hidden)]
pub fn search_in_steps(
    conn: &mut AnyConnection,
    query: &SearchQuery,
    now: Timestamp,
    offset: usize,
    limit: usize,
    counted: bool,
    steps: Steps,
) -> Result<Found, StoreError> {
    let end = offset.saturating_add(limit).min(MAX_RESULTS);
    // Results from the first on: the tiers are read in order, so a page in the body tier
    // needs to know how many title matches precede it.
    let wanted = if counted { MAX_RESULTS } else { end };
    if wanted == 0 {
        return Ok(Found {
            hits: Vec::new(),
            total: counted.then_some(0),
        });
    }
    let mut ids = tier(conn, query, now, Tier::Title, wanted, steps)?;
    if ids.len() < wanted {
        let more = tier(conn, query, now, Tier::Body, wanted - ids.len(), steps)?;
        ids.extend(more);
    }
    let total = counted.then(|| i64::try_from(ids.len()).unwrap_or(i64::MAX));
    let page: &[i64] = ids.get(offset..end.min(ids.len())).unwrap_or(&[]);
    if page.is_empty() {
        return Ok(Found {
            hits: Vec::new(),
            total,
        });
    }
    let mut snippets = snippets(conn, query, page)?;
    let hits = page
        .iter()
        .map(|id| Hit {
            article: ArticleId(*id),
            snippet: highlight(&snippets.remove(id).unwrap_or_default()),
        })
        .collect();
    Ok(Found { hits, total })
}

/// An article id, as both backends' search statements return them.
#[derive(diesel::QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// The first `wanted` live articles of `tier`, newest first.
fn tier(
    conn: &mut AnyConnection,
    query: &SearchQuery,
    now: Timestamp,
    tier: Tier,
    wanted: usize,
    steps: Steps,
) -> Result<Vec<i64>, StoreError> {
    match conn {
        AnyConnection::Sqlite(_) => sqlite::tier(conn, query, now, tier, wanted),
        AnyConnection::Postgres(_) => postgres::tier(conn, query, now, tier, wanted, steps),
    }
}

/// Snippets of `ids` (with the match markers, not yet escaped), by id.
fn snippets(
    conn: &mut AnyConnection,
    query: &SearchQuery,
    ids: &[i64],
) -> Result<HashMap<i64, String>, StoreError> {
    match conn {
        AnyConnection::Sqlite(_) => sqlite::snippets(conn, query, ids),
        AnyConnection::Postgres(_) => postgres::snippets(conn, query, ids),
    }
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
}
