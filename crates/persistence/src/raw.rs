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

/// A query read up to a limit written into its text, as a number, rather than bound: for
/// lists read on every page, whose limits take a few values (a page's size and one more).
///
/// PostgreSQL plans a statement whose limit is a parameter as if it read a tenth of its rows,
/// so its generic plan always looks dearer than one planned for the value bound, and it plans
/// the statement again at every run (0.34 ms of the 0.85 ms a home page spent in PostgreSQL
/// at 10k articles, for a plan that came out the same every time). With the limit in the
/// text, the generic plan costs what a custom one does, and PostgreSQL keeps it after its
/// first five runs; a list whose plan does depend on its other values (a rare tag against a
/// common one) is still planned for them. Each limit is a statement of its own.
pub(crate) struct Limited<Q> {
    query: Q,
    limit: u32,
    /// Bound (offsets take any value a client asks for, and every text is kept prepared),
    /// and left out when 0 (an unknown offset, too, is planned as a tenth of the table).
    offset: Option<i64>,
}

/// Reads a query up to [`Limited`].
pub(crate) trait LimitedDsl: Sized {
    /// `self LIMIT limit`, for a query with no `LIMIT` or `OFFSET` of its own.
    fn limited(self, limit: u32) -> Limited<Self> {
        Limited {
            query: self,
            limit,
            offset: None,
        }
    }

    /// `self LIMIT limit OFFSET ?`, the offset bound (and left out when 0).
    fn limited_after(self, limit: u32, offset: i64) -> Limited<Self> {
        Limited {
            query: self,
            limit,
            offset: (offset != 0).then_some(offset),
        }
    }
}

impl<Q: Query> LimitedDsl for Q {}

impl<Q: QueryFragment<MultiBackend>> QueryFragment<MultiBackend> for Limited<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(" LIMIT ");
        out.push_sql(&self.limit.to_string());
        if let Some(offset) = &self.offset {
            out.push_sql(" OFFSET ");
            out.push_bind_param::<diesel::sql_types::BigInt, i64>(offset)?;
        }
        Ok(())
    }
}

impl<Q> QueryId for Limited<Q> {
    // Cached by its text, limit included.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Limited<Q> {
    type SqlType = Q::SqlType;
}

impl<Q> RunQueryDsl<AnyConnection> for Limited<Q> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        assert_eq!(list(3), "?, ?, ?");
        assert_eq!(list(0), "?");
    }
}
