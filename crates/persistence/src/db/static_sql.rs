//! SQL text fixed at compile time, as an expression that keeps its statement cacheable.
//!
//! `diesel::dsl::sql` marks every statement that holds it as unsafe to cache (its text could
//! be anything, built at run time), so the statement is prepared again on every call; on
//! SQLite, preparing the article-list query cost more than running it. Text that is a
//! `&'static str` is the same every time: the statement it is part of can be reused.

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::expression::{
    AppearsOnTable, Expression, SelectableExpression, TypedExpressionType, ValidGrouping,
    is_aggregate,
};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::QueryResult;

/// `sql`, of SQL type `ST`.
#[derive(Debug, Clone, Copy)]
pub struct StaticSql<ST> {
    sql: &'static str,
    _type: PhantomData<ST>,
}

/// SQL text of type `ST` that never changes (see the module docs).
pub fn static_sql<ST>(sql: &'static str) -> StaticSql<ST> {
    StaticSql {
        sql,
        _type: PhantomData,
    }
}

impl<ST: TypedExpressionType> Expression for StaticSql<ST> {
    type SqlType = ST;
}

impl<ST, DB: Backend> QueryFragment<DB> for StaticSql<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(self.sql);
        Ok(())
    }
}

impl<ST> QueryId for StaticSql<ST> {
    // Statements holding it are cached by their text, which is what varies.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS, ST> SelectableExpression<QS> for StaticSql<ST> where Self: Expression {}

impl<QS, ST> AppearsOnTable<QS> for StaticSql<ST> where Self: Expression {}

impl<ST, GB> ValidGrouping<GB> for StaticSql<ST> {
    type IsAggregate = is_aggregate::Never;
}
