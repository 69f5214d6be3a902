//! One connection type for both backends.
//!
//! `AnyConnection` is diesel's `MultiConnection`: queries are written once, against the
//! generated `MultiBackend`, and run on SQLite or PostgreSQL. Backend-specific SQL (full-text
//! search, advisory locks, pragmas) matches on the variant.

use diesel::{PgConnection, SqliteConnection};

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// PostgreSQL, the production backend.
    Postgres(PgConnection),
    /// SQLite, the embedded default.
    Sqlite(SqliteConnection),
}

impl AnyConnection {
    /// Which backend this connection talks to.
    pub fn backend(&self) -> super::Backend {
        match self {
            Self::Postgres(_) => super::Backend::Postgres,
            Self::Sqlite(_) => super::Backend::Sqlite,
        }
    }
}

/// Runs `$body` with `$c` bound to the backend's own connection. The body is compiled once
/// per backend, so it may use what each supports even where `MultiBackend` does not (batch
/// inserts on SQLite, for one).
macro_rules! on_inner {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Postgres($c) => $body,
            $crate::db::AnyConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_inner;
