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

/// What changed after one version, up to another: the dependency keys each change touched
/// (see the `content_changes` migration for what each key means).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    /// Every key touched in the range, each with the latest version that touched it.
    Keys(Vec<(i64, String)>),
    /// The journal no longer covers the range (pruned), or the range holds more than asked
    /// for: what changed is unknown.
    Unknown,
}

/// The keys touched by changes in `(after, upto]`, when the journal holds them all and they
/// are at most `limit` rows.
///
/// `upto` must be a version read before (by [`state`]): changes commit in version order (each
/// takes the lock on the version's row), so every change up to it is visible now.
pub fn changes(
    conn: &mut AnyConnection,
    after: i64,
    upto: i64,
    limit: usize,
) -> Result<Changes, StoreError> {
    use crate::schema::content_changes;

    if upto <= after {
        return Ok(Changes::Keys(Vec::new()));
    }
    let pruned: i64 = content_version::table
        .find(1)
        .select(content_version::pruned)
        .first(conn)?;
    if after < pruned {
        return Ok(Changes::Unknown);
    }
    let rows: Vec<(i64, String)> = content_changes::table
        .filter(content_changes::version.gt(after))
        .filter(content_changes::version.le(upto))
        .select((content_changes::version, content_changes::key))
        .order(content_changes::version)
        .limit(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1))
        .load(conn)?;
    if rows.len() > limit {
        return Ok(Changes::Unknown);
    }
    // Pruned meanwhile (between the two statements)? Then rows may be missing.
    let pruned_after: i64 = content_version::table
        .find(1)
        .select(content_version::pruned)
        .first(conn)?;
    if after < pruned_after {
        return Ok(Changes::Unknown);
    }
    Ok(Changes::Keys(rows))
}
