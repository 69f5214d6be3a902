//! Search on PostgreSQL: a tier is read in bounded steps, each taken only when the one before
//! could not fill the page, so that neither a rare word nor a common one makes the planner
//! rank or sort every match.
//!
//! 1. **The newest articles, in id order**, each tested against the query, up to
//!    [`WALK_PER_RESULT`](super::WALK_PER_RESULT) articles per result wanted: a common word
//!    fills the page here after a few rows. If the walk found some matches but too few, it
//!    goes on as far as their share says the page needs, up to
//!    [`REWALK_PER_RESULT`](super::REWALK_PER_RESULT) articles per result wanted: a word
//!    that is merely frequent fills the page here too.
//! 2. **A window of recent ids through the search index**: the matches among the
//!    [`WINDOW_PER_RESULT`](super::WINDOW_PER_RESULT) newest ids per result wanted (a
//!    bitmap of the index's matches and of the id range), newest first; if the page is not
//!    full, a window eight times larger (once). Reading a match from the table is what
//!    costs here (its page is seldom in shared buffers: ~20 µs measured at 100k articles),
//!    and the window keeps those reads near the page's size rather than the word's count.
//! 3. **Every match through the search index**, newest first: only a word rare enough that
//!    its matches are few.
//!
//! A tier runs in a transaction of its own, with generic plans (`SET LOCAL plan_cache_mode`):
//! each statement is planned once per connection rather than at every bind. Steps 2 and 3 run
//! with index scans and sequential scans off: left to itself the planner walks the id index
//! for a word it guesses common, and for a word that is common only long ago that walk reads
//! the archive. The title tier
//! reads `title_search`, a small vector of the title alone with a GIN index of its own; the
//! body tier reads `search` (title, excerpt and body), minus the title matches.

use std::collections::HashMap;

use broadsheet_domain::search::SearchQuery;
use broadsheet_domain::time::Timestamp;
use diesel::Connection as _;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::IdRow;
use super::headline;

use super::{Steps, Tier, to_i64};
use crate::db::AnyConnection;
use crate::db::sql_types::{DbTime, Instant};
use crate::raw::{self, Prepared};
use crate::{StoreError, live};

/// How many windows step 2 tries, each eight times the one before: past them a word is rare
/// enough that reading all its matches costs less than another bitmap of the id range (that
/// bitmap costs about 0.06 µs an id).
const WINDOWS: usize = 2;

/// The query, computed once per statement (a scalar subquery: an init plan), whatever plan
/// the statement gets. One placeholder: the words.
const QUERY: &str = "(SELECT plainto_tsquery('english', ?))";

/// The tier's test on the articles under `alias`, with its placeholders (the words, once or
/// twice).
fn matches(alias: &str, tier: Tier) -> String {
    match tier {
        Tier::Title => format!("{alias}.title_search @@ {QUERY}"),
        Tier::Body => {
            format!("{alias}.search @@ {QUERY} AND NOT ({alias}.title_search @@ {QUERY})")
        }
    }
}

fn bind_words<'f>(q: Prepared<'f>, words: &str, tier: Tier) -> Prepared<'f> {
    let q = q.bind::<Text, _>(words.to_owned());
    match tier {
        Tier::Title => q,
        Tier::Body => q.bind::<Text, _>(words.to_owned()),
    }
}

pub(super) fn tier(
    conn: &mut AnyConnection,
    query: &SearchQuery,
    now: Timestamp,
    tier: Tier,
    wanted: usize,
    steps: Steps,
) -> Result<Vec<i64>, StoreError> {
    let words = query.words().join(" ");
    let walk = wanted.saturating_mul(steps.walk_per_result.max(1));
    // Step 1. The subquery's `ORDER BY id DESC LIMIT` fixes the plan (a backward walk of the
    // primary key, read lazily): the tests run on at most `walk` rows, and a dense match stops
    // the walk after a few.
    let sql = format!(
        "SELECT w.id FROM ( \
             SELECT a.id, a.status, a.published_at, a.title_search, a.search \
             FROM articles a ORDER BY a.id DESC LIMIT ? \
         ) w \
         WHERE {live} AND {matches} \
         ORDER BY w.id DESC LIMIT ?",
        live = live::sql("w"),
        matches = matches("w", tier),
    );
    conn.transaction(|c| {
        // Generic plans for this tier's statements (`SET LOCAL`, undone when the transaction
        // ends), so each is planned once per connection. Their plans never depend on the
        // bound values (the words reach the planner through an init plan, and the limits and
        // the id bound do not change a plan's shape), but PostgreSQL, left to choose, planned
        // each statement again at every bind: 0.2-0.4 ms each, measured at 100k articles, a
        // third of the time of a search's statements. The newest id, for step 2, is read here
        // too (a maximum is read from the primary key by an index scan, before those are off).
        let top: Vec<IdRow> = Prepared::new(
            "SELECT (SELECT coalesce(max(id), 0) FROM articles) AS id, \
                    set_config('plan_cache_mode', 'force_generic_plan', true) AS plans"
                .to_owned(),
        )
        .load(c)?;
        let top = top.first().map_or(0, |r| r.id);
        let newest = |c: &mut AnyConnection, rows: usize| {
            let q = Prepared::new(sql.clone())
                .bind::<BigInt, _>(to_i64(rows))
                .bind::<Instant, _>(DbTime(now));
            first(c, q, &words, tier, wanted)
        };
        let found = newest(c, walk)?;
        if found.len() >= wanted {
            return Ok(found);
        }
        // Step 1 again, further, when the walk found some matches but too few: as far as
        // their share says the page needs, and half as far again. The same statement (one
        // plan), and the same results as the later steps would give: the newest matches.
        let mut walked = walk;
        if let Some(further) = rewalk(wanted, walk, found.len(), steps, tier) {
            let found = newest(c, further)?;
            if found.len() >= wanted {
                return Ok(found);
            }
            walked = further;
        }
        // Index scans and sequential scans off for steps 2 and 3 (see the module's docs).
        // Each statement always runs under the same settings, so its one generic plan is
        // the plan these settings give.
        Prepared::new(
            "SELECT 0::bigint AS id, set_config('enable_indexscan', 'off', true) AS indexscan, \
                    set_config('enable_seqscan', 'off', true) AS seqscan"
                .to_owned(),
        )
        .load::<IdRow>(c)?;
        // Step 2: the newest ids only, in windows of eightfold size (see [`WINDOWS`])
        // (an id range, so that a bitmap of the primary key is intersected with the search
        // index's and only the matches inside it are read from the table).
        let sql = format!(
            "SELECT a.id FROM articles a \
             WHERE a.id > ? AND {live} AND {matches} \
             ORDER BY a.id DESC LIMIT ?",
            live = live::sql("a"),
            matches = matches("a", tier),
        );
        let mut window = to_i64(wanted.saturating_mul(steps.window_per_result.max(1)));
        for _ in 0..WINDOWS {
            if window >= top {
                break;
            }
            if window <= to_i64(walked) {
                // The walk read at least these ids (each row has an id of its own).
                window = window.saturating_mul(8);
                continue;
            }
            let q = Prepared::new(sql.clone())
                .bind::<BigInt, _>(top - window)
                .bind::<Instant, _>(DbTime(now));
            let found = first(c, q, &words, tier, wanted)?;
            if found.len() >= wanted {
                return Ok(found);
            }
            window = window.saturating_mul(8);
        }
        // Step 3: every match.
        let sql = format!(
            "SELECT a.id FROM articles a WHERE {live} AND {matches} \
             ORDER BY a.id DESC LIMIT ?",
            live = live::sql("a"),
            matches = matches("a", tier),
        );
        let q = Prepared::new(sql).bind::<Instant, _>(DbTime(now));
        first(c, q, &words, tier, wanted)
    })
}

/// How many of the newest articles step 1 reads again, if at all, after `walk` of them gave
/// `found` of the `wanted` matches: the rows the page needs at the share found, and half as
/// many again, up to a bound (`rewalk_per_result` per result wanted; a quarter of it for the
/// body tier, whose vectors are stored out of the row: 25-90 µs each to read, measured at 1M
/// articles, against a title's few). None when the walk found none: the word may be rare,
/// and the search index reads only its matches. A word found at all among the newest is
/// seldom rare, and its list in the index is long (98,063 articles for a council's name at
/// 1M: 29 ms to intersect with the first window, against about a millisecond to walk as many
/// rows), so the walk goes to the bound even when the share says it will not fill the page.
fn rewalk(wanted: usize, walk: usize, found: usize, steps: Steps, tier: Tier) -> Option<usize> {
    if found == 0 || found >= wanted {
        return None;
    }
    let per_result = match tier {
        Tier::Title => steps.rewalk_per_result,
        Tier::Body => steps.rewalk_per_result / 4,
    };
    let bound = wanted.saturating_mul(per_result);
    let needed = wanted.saturating_mul(walk).saturating_mul(3) / found.saturating_mul(2);
    let rows = needed.min(bound);
    (rows > walk).then_some(rows)
}

/// Runs a step: `q`, bound up to its words, then the words and the `wanted` limit; the ids
/// it found, newest first.
fn first(
    conn: &mut AnyConnection,
    q: Prepared<'_>,
    words: &str,
    tier: Tier,
    wanted: usize,
) -> Result<Vec<i64>, StoreError> {
    let found: Vec<IdRow> = bind_words(q, words, tier)
        .bind::<BigInt, _>(to_i64(wanted))
        .load(conn)?;
    Ok(found.into_iter().map(|r| r.id).collect())
}

pub(super) fn snippets(
    conn: &mut AnyConnection,
    query: &SearchQuery,
    ids: &[i64],
) -> Result<HashMap<i64, String>, StoreError> {
    // The plain text whole, once: reading it is what costs here (it is stored compressed,
    // out of the row, and PostgreSQL reads and decompresses it again for every function it
    // is given to), and the snippet is made from a passage of it in the server (see
    // `headline.rs`), with the query's lexemes as PostgreSQL's `english` configuration
    // makes them.
    let sql = format!(
        "SELECT a.id, a.plaintext, \
                array_to_string(tsvector_to_array(to_tsvector('english', ?)), ' ') AS lexemes \
         FROM articles a WHERE a.id IN ({})",
        raw::list(ids.len())
    );
    let q = Prepared::new(sql).bind::<Text, _>(query.words().join(" "));
    let rows: Vec<TextRow> = ids
        .iter()
        .fold(q, |q, id| q.bind::<BigInt, _>(*id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let lexemes = r.lexemes.split(' ').map(str::to_owned).collect();
            (
                r.id,
                headline::snippet(&r.plaintext, query.words(), &lexemes),
            )
        })
        .collect())
}

/// An article's plain text, and the query's lexemes.
#[derive(diesel::QueryableByName)]
struct TextRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    plaintext: String,
    #[diesel(sql_type = Text)]
    lexemes: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEPS: Steps = Steps {
        walk_per_result: 4,
        rewalk_per_result: 64,
        window_per_result: 64,
    };

    #[test]
    fn the_walk_goes_on_as_far_as_the_share_found_says() {
        // 3 of 40 rows: 10 results need about 133 rows; half again is 200.
        assert_eq!(rewalk(10, 40, 3, STEPS, Tier::Title), Some(200));
        // 1 of 40: 600 rows, within the bound of 640.
        assert_eq!(rewalk(10, 40, 1, STEPS, Tier::Title), Some(600));
        // The body tier's bound is a quarter: 160 rows.
        assert_eq!(rewalk(10, 40, 1, STEPS, Tier::Body), Some(160));
        assert_eq!(rewalk(10, 40, 9, STEPS, Tier::Body), Some(66));
    }

    #[test]
    fn no_walk_again_when_it_found_none_or_enough_or_the_bound_is_reached() {
        assert_eq!(rewalk(10, 40, 0, STEPS, Tier::Title), None);
        assert_eq!(rewalk(10, 40, 10, STEPS, Tier::Title), None);
        let off = Steps {
            rewalk_per_result: 0,
            ..STEPS
        };
        assert_eq!(rewalk(10, 40, 3, off, Tier::Title), None);
        let low = Steps {
            rewalk_per_result: 4,
            ..STEPS
        };
        assert_eq!(rewalk(10, 40, 3, low, Tier::Title), None);
    }
}
