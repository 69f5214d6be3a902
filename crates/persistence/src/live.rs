//! What the public may read: an article that is published, or scheduled and due at `now`
//! (so that it reads as published on time even when the scheduler runs late; the domain's
//! `Publication::is_live_at` says the same of one article in memory).
//!
//! The rule is written here once, as SQL text, and every query that needs it takes it from
//! here: those built with diesel through [`LiveAt`], the hand-written ones (full-text search,
//! suggestions, the public authors) through [`sql`] or [`parts`], on both backends. The
//! statuses are literals rather than bound values, as the partial index on scheduled articles
//! is written, so that the planners may use it.

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::QueryResult;
use diesel::sql_types::Bool;

use crate::db::MultiBackend;
use crate::db::sql_types::{DbTime, Instant};
use crate::schema::articles;

/// `articles.status` of a published article, as an SQL literal.
const PUBLISHED: &str = "'published'";
/// `articles.status` of a scheduled article, as an SQL literal.
const SCHEDULED: &str = "'scheduled'";

/// `articles.status = 'scheduled'`, as the partial index on scheduled articles is written:
/// for the queries that look for articles coming due (a bound value would not let the
/// planners use that index).
pub(crate) const SCHEDULED_ARTICLES: &str = "articles.status = 'scheduled'";

/// The rule for the articles table under `alias`, as the SQL text before and after the one
/// placeholder for `now`: `(a.status = 'published' OR (a.status = 'scheduled' AND
/// a.published_at <= ` and `))`.
pub(crate) fn parts(alias: &str) -> (String, &'static str) {
    (
        format!(
            "({alias}.status = {PUBLISHED} OR ({alias}.status = {SCHEDULED} AND \
             {alias}.published_at <= "
        ),
        "))",
    )
}

/// The rule for the articles table under `alias`, with a `?` placeholder for `now`, for
/// hand-written statements (see [`crate::raw`]).
pub(crate) fn sql(alias: &str) -> String {
    let (before, after) = parts(alias);
    format!("{before}?{after}")
}

/// The rule as a diesel expression on `articles`, for queries built with the DSL (joins
/// that include `articles` too).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LiveAt {
    now: DbTime,
}

/// Articles the public may read at `now`.
pub(crate) fn live_at(now: DbTime) -> LiveAt {
    LiveAt { now }
}

impl Expression for LiveAt {
    type SqlType = Bool;
}

impl QueryFragment<MultiBackend> for LiveAt {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        let (before, after) = parts("articles");
        out.push_sql(&before);
        out.push_bind_param::<Instant, DbTime>(&self.now)?;
        out.push_sql(after);
        Ok(())
    }
}

impl QueryId for LiveAt {
    // Statements holding it are cached by their text, which never varies.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

// It reads `articles`' columns: it may appear wherever they may.
impl<QS> AppearsOnTable<QS> for LiveAt where articles::status: AppearsOnTable<QS> {}

impl<QS> SelectableExpression<QS> for LiveAt where articles::status: SelectableExpression<QS> {}

impl<GB> ValidGrouping<GB> for LiveAt
where
    articles::status: ValidGrouping<GB>,
{
    type IsAggregate = <articles::status as ValidGrouping<GB>>::IsAggregate;
}

#[cfg(test)]
mod tests {
    use broadsheet_domain::article::ArticleStatus;

    use super::*;

    /// The literals are the domain's stored spellings.
    #[test]
    fn statuses_are_the_stored_spellings() {
        let quoted = |s: ArticleStatus| format!("'{}'", s.as_str());
        assert_eq!(PUBLISHED, quoted(ArticleStatus::Published));
        assert_eq!(SCHEDULED, quoted(ArticleStatus::Scheduled));
        assert_eq!(
            SCHEDULED_ARTICLES,
            format!("articles.status = {}", quoted(ArticleStatus::Scheduled))
        );
    }

    #[test]
    fn the_rule_as_text() {
        assert_eq!(
            sql("a"),
            "(a.status = 'published' OR (a.status = 'scheduled' AND a.published_at <= ?))"
        );
    }
}
