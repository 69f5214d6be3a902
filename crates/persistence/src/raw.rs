//! Hand-written SQL, for what the query builder cannot say on both backends (full-text
//! search, window functions). Statements are written with `?` placeholders and rewritten to
//! `$1, $2, …` for PostgreSQL; values are always bound, never spliced in.

use std::marker::PhantomData;

use diesel::RunQueryDsl;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::QueryResult;
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Untyped};

use crate::db::{AnyConnection, MultiBackend};

/// `?, ?, ?` for an `IN (…)` list of `n` values (at least one, so the SQL stays valid).
pub(crate) fn list(n: usize) -> String {
    vec!["?"; n.max(1)].join(", ")
}

/// A hand-written statement, written with `?` placeholders, that the connection keeps
/// prepared and reuses (diesel's `sql_query` is prepared anew every time, as it cannot know
/// its text is fixed): for statements run on every page, whose text varies only with the
/// length of their lists. Each `?` takes the next bound value, in the form the backend wants.
pub(crate) struct Prepared<'f> {
    sql: String,
    binds: Vec<Box<dyn QueryFragment<MultiBackend> + Send + 'f>>,
}

impl<'f> Prepared<'f> {
    /// `sql`, with `?` placeholders (and no other `?`).
    pub(crate) fn new(sql: String) -> Self {
        Self {
            sql,
            binds: Vec::new(),
        }
    }

    /// Binds the next placeholder to `value`, as SQL type `ST`.
    pub(crate) fn bind<ST, T>(mut self, value: T) -> Self
    where
        MultiBackend: HasSqlType<ST>,
        T: ToSql<ST, MultiBackend> + Send + 'f,
        ST: Send + 'f,
    {
        self.binds.push(Box::new(Bind {
            value,
            _type: PhantomData::<ST>,
        }));
        self
    }
}

struct Bind<ST, T> {
    value: T,
    _type: PhantomData<ST>,
}

impl<ST, T> QueryFragment<MultiBackend> for Bind<ST, T>
where
    MultiBackend: HasSqlType<ST>,
    T: ToSql<ST, MultiBackend>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        out.push_bind_param::<ST, T>(&self.value)
    }
}

impl QueryFragment<MultiBackend> for Prepared<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        let mut binds = self.binds.iter();
        for (i, part) in self.sql.split('?').enumerate() {
            if i > 0 {
                binds
                    .next()
                    .ok_or_else(|| {
                        diesel::result::Error::QueryBuilderError(
                            "more placeholders than bound values".into(),
                        )
                    })?
                    .walk_ast(out.reborrow())?;
            }
            out.push_sql(part);
        }
        if binds.next().is_some() {
            return Err(diesel::result::Error::QueryBuilderError(
                "more bound values than placeholders".into(),
            ));
        }
        Ok(())
    }
}

impl QueryId for Prepared<'_> {
    // Cached by its text, which is what varies.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Prepared<'_> {
    type SqlType = Untyped;
}

impl RunQueryDsl<AnyConnection> for Prepared<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        assert_eq!(list(3), "?, ?, ?");
        assert_eq!(list(0), "?");
    }
}
