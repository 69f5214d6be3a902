//! What readers can be shown, as a whole: a version that goes up with every change to it
//! (kept by triggers, so that no writer can forget), and when the next scheduled article is
//! due (reads treat it as published from then on, with no write).

use broadsheet_domain::time::Timestamp;
use diesel::prelude::*;

use crate::StoreError;
use crate::db::AnyConnection;
use crate::db::sql_types::DbTime;
use crate::schema::{articles, content_version};

/// The content's version, and the instant it next changes by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentState {
    /// Goes up with every committed change to articles, tags, authors, their links, and
    /// site settings.
    pub version: i64,
    /// When the earliest scheduled article is due, if any is scheduled.
    pub next_due: Option<Timestamp>,
}

/// Reads the content's state in one statement.
pub fn state(conn: &mut AnyConnection) -> Result<ContentState, StoreError> {
    use crate::db::sql_types::Instant;
    use diesel::sql_types::{Bool, Nullable};

    // From the partial index on scheduled articles: the status as a literal, as the index is
    // written (a bound value would not let the planners use it); on SQLite the date as `+date`,
    // or its planner walks the whole date index for the minimum instead.
    let earliest = match conn {
        AnyConnection::Sqlite(_) => "min(+articles.published_at)",
        AnyConnection::Postgres(_) => "min(articles.published_at)",
    };
    let next_due = articles::table
        .filter(crate::db::static_sql::<Bool>(
            crate::live::SCHEDULED_ARTICLES,
        ))
        .select(crate::db::static_sql::<Nullable<Instant>>(earliest))
        .single_value();
    let row: StateRow = content_version::table
        .find(1)
        .select((content_version::version, next_due))
        .first(conn)?;
    Ok(ContentState {
        version: row.version,
        next_due: row.next_due.map(|t| t.0),
    })
}

/// What [`state`] reads. `Queryable` and not `Selectable`: its second column is a subquery
/// whose text depends on the backend, chosen at run time.
#[derive(Debug, Queryable)]
struct StateRow {
    version: i64,
    next_due: Option<DbTime>,
}
