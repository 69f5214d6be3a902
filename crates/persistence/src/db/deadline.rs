//! A request's deadline, enforced inside SQLite's statements.
//!
//! A request that gives up (its time limit passed, its client left) drops its future, but a
//! statement already running on a blocking thread would go on to the end, holding its
//! connection: with a pool of two, two hostile scans stall every reader. PostgreSQL ends such
//! statements with `statement_timeout`; SQLite has no such setting, and diesel 2.3 gives no
//! access to `sqlite3_interrupt` or the progress handler. So every SQLite connection gets a
//! function, `broadsheet_deadline()`, that is true while the deadline of the request running
//! on this thread has not passed and otherwise fails, which aborts the statement at once.
//! The queries that can scan (article lists and counts, their filters, search) call it
//! first in their `WHERE`, so it is checked on every row they look at.
//!
//! The deadline is the thread's: [`Store::read`](crate::Store::read) sets it (from
//! [`Store::with_deadline`](crate::Store::with_deadline)) on the blocking thread for as long as
//! its work runs. On PostgreSQL the function is a constant `true` (a migration defines it),
//! and the server's own statement timeout applies.

use std::cell::Cell;
use std::time::Instant;

use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Bool;
use diesel::sqlite::{Sqlite, SqliteConnection};

diesel::define_sql_function! {
    /// True while the current request's deadline has not passed; past it, an error that ends
    /// the statement.
    fn broadsheet_deadline() -> Bool;
}

pub(crate) use broadsheet_deadline as within;

/// What the function's error says; [`crate::StoreError`] recognises it.
pub(crate) const PASSED: &str = "broadsheet: the request's deadline passed";

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Sets this thread's deadline until dropped (then puts back the one before).
pub(crate) struct Scope(Option<Instant>);

impl Scope {
    pub(crate) fn enter(deadline: Option<Instant>) -> Self {
        Self(DEADLINE.with(|d| d.replace(deadline)))
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(self.0));
    }
}

/// Whether this thread's deadline has passed.
pub(crate) fn passed() -> bool {
    DEADLINE
        .with(Cell::get)
        .is_some_and(|d| Instant::now() >= d)
}

/// The function's value: `true`, or, past the deadline, a failure to produce one.
#[derive(Debug, Clone, Copy)]
struct Within;

impl ToSql<Bool, Sqlite> for Within {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        if passed() {
            return Err(PASSED.into());
        }
        <bool as ToSql<Bool, Sqlite>>::to_sql(&true, out)
    }
}

/// Defines `broadsheet_deadline()` on a new SQLite connection.
pub(crate) fn register(conn: &SqliteConnection) -> diesel::QueryResult<()> {
    broadsheet_deadline_utils::register_nondeterministic_impl(conn, || Within)
}
