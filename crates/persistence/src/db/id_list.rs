//! `column IN (ids)` as one statement text whatever the number of ids.
//!
//! diesel writes `eq_any` as `IN ($1, $2, …)`, one parameter an id: each page size is a new
//! statement, which diesel does not cache, so a page's tag and author lookups were prepared
//! again on every request (on SQLite, preparing cost more than running them). Here the ids
//! are one parameter: a JSON array read by `json_each` on SQLite, an array compared with
//! `= ANY` on PostgreSQL. The statement text never changes, so it is prepared once per
//! connection.
//!
//! One id is compared with `=`, a statement of its own: PostgreSQL plans `= ANY($1)` as if
//! the array held ten ids, so for one id its plan for the value bound always looked cheaper
//! than the generic one, and an article page's lookups (its tags, authors, links and bodies)
//! were planned again at every run.

use std::fmt::Write as _;

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::QueryResult;
use diesel::sql_types::{Array, BigInt, Bool, Text};
use diesel::sqlite::Sqlite;

use super::MultiBackend;

/// From how many ids PostgreSQL is given them as one array. It plans `= ANY($1)` as if the
/// array held ten, so for fewer its plan for the values bound looked cheaper than the generic
/// one, and it planned the statement again at every run: an article page's five related
/// articles cost 0.17 ms of planning against 0.09 ms of execution. Fewer ids are written as
/// `IN ($1, …)`, one statement per count (at most nine), each planned once.
const ARRAY_FROM: usize = 10;

/// `column` is one of `ids`.
#[derive(Debug, Clone)]
pub struct InIds<C> {
    column: C,
    ids: Vec<i64>,
    /// Whether PostgreSQL always gets the ids as one array (see [`any_of_ids`]).
    array: bool,
    /// `ids` as a JSON array, for SQLite.
    json: String,
}

/// `column` is one of `ids` (see the module docs).
pub fn in_ids<C>(column: C, ids: impl IntoIterator<Item = i64>) -> InIds<C> {
    let ids: Vec<i64> = ids.into_iter().collect();
    let mut json = String::with_capacity(ids.len() * 8 + 2);
    json.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        // Writing to a String cannot fail.
        let _ = write!(json, "{id}");
    }
    json.push(']');
    InIds {
        column,
        ids,
        array: false,
        json,
    }
}

/// [`in_ids`] for ids whose values should shape the plan: PostgreSQL always gets them as one
/// array (`= ANY($1)`), even one id. A filter's tags are such ids: a tag may be on a third of
/// the archive or on a hundred articles. Given `IN ($1, $2)`, PostgreSQL's generic plan took
/// each tag for the average one and drove `tag:[housing,minister]+featured:true` from the two
/// tags' 28,098 links (273 ms at 100k articles), where the plan for the values bound walks
/// the featured articles by date (0.3 ms); with the array it kept the plan for the values.
pub fn any_of_ids<C>(column: C, ids: impl IntoIterator<Item = i64>) -> InIds<C> {
    InIds {
        array: true,
        ..in_ids(column, ids)
    }
}

impl<C: Expression> Expression for InIds<C> {
    type SqlType = Bool;
}

impl<C, QS> AppearsOnTable<QS> for InIds<C>
where
    C: AppearsOnTable<QS>,
    Self: Expression,
{
}

impl<C, QS> SelectableExpression<QS> for InIds<C>
where
    C: SelectableExpression<QS>,
    Self: AppearsOnTable<QS>,
{
}

impl<C: ValidGrouping<GB>, GB> ValidGrouping<GB> for InIds<C> {
    type IsAggregate = C::IsAggregate;
}

impl<C: QueryId> QueryId for InIds<C> {
    // Two texts (one id, or a list of them as one parameter): cached by the text.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for InIds<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        if let [id] = self.ids.as_slice() {
            out.push_sql(" = ");
            return out.push_bind_param::<BigInt, i64>(id);
        }
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, String>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for InIds<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        if self.array {
            out.push_sql(" = ANY(");
            out.push_bind_param::<Array<BigInt>, Vec<i64>>(&self.ids)?;
            out.push_sql(")");
            return Ok(());
        }
        if let [id] = self.ids.as_slice() {
            out.push_sql(" = ");
            return out.push_bind_param::<BigInt, i64>(id);
        }
        if !self.ids.is_empty() && self.ids.len() < ARRAY_FROM {
            // A few ids, one parameter each: see `ARRAY_FROM`. (None: an empty array.)
            out.push_sql(" IN (");
            for (i, id) in self.ids.iter().enumerate() {
                if i > 0 {
                    out.push_sql(", ");
                }
                out.push_bind_param::<BigInt, i64>(id)?;
            }
            out.push_sql(")");
            return Ok(());
        }
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<BigInt>, Vec<i64>>(&self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}

impl<C> QueryFragment<MultiBackend> for InIds<C>
where
    C: QueryFragment<Sqlite> + QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        MultiBackend::walk_variant_ast(self, pass)
    }
}
