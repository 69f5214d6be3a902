//! Choosing a free slug: the one derived from a title or name, or that with the first numeric
//! suffix not yet taken (`ofsted`, `ofsted-2`, `ofsted-3`, …).
//!
//! The candidates are looked up by value, a batch at a time (`slug IN ('ofsted', 'ofsted-2',
//! …)`): each is a point lookup in the slug's unique index on both backends. A prefix search
//! (`LIKE 'ofsted-%'`) is served by that index on neither: SQLite's `LIKE` ignores case, which
//! the index does not, and PostgreSQL needs `text_pattern_ops` or a range, and a range on
//! `'ofsted-'` is wrong under a linguistic collation (such as `en_US`), which sorts
//! punctuation as if it were not there. It also read every slug that merely starts the same
//! (`ofsted-report`), however many.

use std::collections::HashSet;

use broadsheet_domain::Slug;
use diesel::RunQueryDsl as _;
use diesel::sql_types::Text;

use crate::StoreError;
use crate::db::AnyConnection;
use crate::raw::Prepared;

/// A table whose rows each have a unique slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlugTable {
    /// `articles`.
    Articles,
    /// `tags`.
    Tags,
    /// `users` (authors).
    Users,
}

impl SlugTable {
    fn name(self) -> &'static str {
        match self {
            Self::Articles => "articles",
            Self::Tags => "tags",
            Self::Users => "users",
        }
    }
}

/// Candidates looked up by one statement: enough that a title used a few dozen times costs
/// one statement, few enough that the statement stays small. Fixed, so that its text is too,
/// and each connection prepares it once.
const BATCH: u32 = 32;

/// `base` if free, else its first free suffixed form, in `table`.
pub(crate) fn free(
    conn: &mut AnyConnection,
    table: SlugTable,
    base: &Slug,
) -> Result<Slug, StoreError> {
    for round in 0..u32::MAX / BATCH {
        let candidates = candidates(base, round);
        let taken: HashSet<String> = lookup("", table, &candidates)
            .load::<Taken>(conn)?
            .into_iter()
            .map(|t| t.slug)
            .collect();
        if let Some(free) = candidates.into_iter().find(|s| !taken.contains(s.as_str())) {
            return Ok(free);
        }
    }
    Ok(base.with_suffix(u32::MAX))
}

/// The plan the database makes for the lookup of [`free`]'s first batch: the rows of SQLite's
/// `EXPLAIN QUERY PLAN`, or the lines of PostgreSQL's `EXPLAIN`.
#[cfg(feature = "testing")]
pub(crate) fn plan(
    conn: &mut AnyConnection,
    table: SlugTable,
    base: &Slug,
) -> Result<Vec<String>, StoreError> {
    let candidates = candidates(base, 0);
    Ok(match conn {
        AnyConnection::Sqlite(_) => lookup("EXPLAIN QUERY PLAN ", table, &candidates)
            .load::<SqlitePlan>(conn)?
            .into_iter()
            .map(|row| row.detail)
            .collect(),
        AnyConnection::Postgres(_) => lookup("EXPLAIN ", table, &candidates)
            .load::<PostgresPlan>(conn)?
            .into_iter()
            .map(|row| row.plan)
            .collect(),
    })
}

/// Round `round` (from 0) of the candidates: `base`, `base-2` … `base-32`, then `base-33` ….
fn candidates(base: &Slug, round: u32) -> Vec<Slug> {
    let first = round.saturating_mul(BATCH).saturating_add(1);
    (first..first.saturating_add(BATCH))
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                base.with_suffix(n)
            }
        })
        .collect()
}

/// The statement that reads which of `candidates` are taken, after `prefix` (for `EXPLAIN`).
fn lookup(prefix: &str, table: SlugTable, candidates: &[Slug]) -> Prepared<'static> {
    let sql = format!(
        "{prefix}SELECT slug FROM {table} WHERE slug IN ({list})",
        table = table.name(),
        list = crate::raw::list(candidates.len()),
    );
    candidates.iter().fold(Prepared::new(sql), |q, slug| {
        q.bind::<Text, _>(slug.as_str().to_owned())
    })
}

#[derive(diesel::QueryableByName)]
struct Taken {
    #[diesel(sql_type = Text)]
    slug: String,
}

#[cfg(feature = "testing")]
#[derive(diesel::QueryableByName)]
struct SqlitePlan {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[cfg(feature = "testing")]
#[derive(diesel::QueryableByName)]
struct PostgresPlan {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    plan: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_run_on_from_batch_to_batch() {
        let base = Slug::parse("ofsted").expect("valid");
        let first = candidates(&base, 0);
        assert_eq!(first.len(), 32);
        assert_eq!(first[0].as_str(), "ofsted");
        assert_eq!(first[1].as_str(), "ofsted-2");
        assert_eq!(first[31].as_str(), "ofsted-32");
        assert_eq!(candidates(&base, 1)[0].as_str(), "ofsted-33");
    }
}
