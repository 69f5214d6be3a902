//! The public's authors as the JSON Content API pages them: filtered, ordered, counted and
//! paged in SQL (see `tags::public_page`), among those [`super::public_authors`] admits.

use std::collections::HashMap;

use broadsheet_domain::author::Author;
use broadsheet_domain::ids::AuthorId;
use broadsheet_domain::listing::records::{RecordList, RecordOrder, RecordPage};
use broadsheet_domain::time::Timestamp;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::rows::AuthorRow;
use super::{public_authors, select_author};
use crate::StoreError;
use crate::db::{AnyConnection, MultiBackend, static_sql};
use crate::raw::LimitedDsl;
use crate::records::{Predicate, by_count, compile, constant, equals};
use crate::schema::users;

/// One equality test on the column of an author property (see `records::AUTHOR_COLUMNS`).
fn column(property: &str, texts: Vec<String>, null: bool) -> Predicate<users::table> {
    match property {
        "slug" => equals!(users::slug, texts, null),
        "name" => equals!(users::name, texts, null),
        "bio" => equals!(users::bio, texts, null),
        "location" => equals!(users::location, texts, null),
        // Resolved against the same list of columns: nothing else reaches here.
        _ => constant(false),
    }
}

/// The public authors `page` filters, `due` being the authors with scheduled articles due at
/// the instant of reading (`tallies::authors_due`).
fn public(page: &RecordPage, due: &[(i64, i64)]) -> users::BoxedQuery<'static, MultiBackend> {
    let mut q = public_authors(due);
    if let Some(condition) = &page.condition {
        q = q.filter(compile(condition, &column));
    }
    q
}

/// One page of the public authors `page` asks for at `now`, how many there are in
/// all, and, when `counted`, the page's live article counts.
pub fn public_page(
    conn: &mut AnyConnection,
    page: &RecordPage,
    now: Timestamp,
    counted: bool,
) -> Result<RecordList<Author, AuthorId>, StoreError> {
    // Read once, for every statement below (see `super::public_authors`).
    let due = crate::tallies::authors_due(conn, now)?;
    let q = public(page, &due).select(select_author());
    let q = match (page.order, page.descending) {
        (RecordOrder::Name, false) => q.order((users::sort_name.asc(), users::id.asc())),
        (RecordOrder::Name, true) => q.order((users::sort_name.desc(), users::id.desc())),
        (RecordOrder::Slug, descending) => {
            // Bytewise, as in memory: PostgreSQL's default collation may skip hyphens.
            let slug = static_sql::<Text>(match conn {
                AnyConnection::Postgres(_) => "users.slug COLLATE \"C\"",
                AnyConnection::Sqlite(_) => "users.slug",
            });
            if descending {
                q.order(slug.desc())
            } else {
                q.order(slug.asc())
            }
        }
        (RecordOrder::ArticleCount, _) => return by_article_count(conn, page, due, counted),
    };
    let total: i64 = public(page, &due).count().get_result(conn)?;
    let (limit, offset) = crate::records::limit_offset(page);
    let rows: Vec<AuthorRow> = q.limited_after(limit, offset).load(conn)?;
    let authors = rows
        .into_iter()
        .map(Author::try_from)
        .collect::<Result<Vec<Author>, _>>()?;
    let counts = if counted {
        let ids: Vec<AuthorId> = authors.iter().map(|r| r.id).collect();
        live_counts(conn, Some(&ids), due)?
    } else {
        HashMap::new()
    };
    Ok(RecordList {
        rows: authors,
        total,
        counts,
    })
}

/// [`public_page`] in the order of live article counts (see `tags::public`'s twin): on
/// SQLite ordered and paged by the database on the kept counts; on PostgreSQL, or while
/// scheduled articles are due and not yet published, in memory.
fn by_article_count(
    conn: &mut AnyConnection,
    page: &RecordPage,
    due: Vec<(i64, i64)>,
    counted: bool,
) -> Result<RecordList<Author, AuthorId>, StoreError> {
    // PostgreSQL runs the count's subquery once per row (about 3.4 ms for 2,000 tags, more
    // than reading every row and count and ordering them here); SQLite looks each up in
    // its own b-tree (twice the throughput of the list in memory, bench/RESULTS.md).
    if matches!(conn, AnyConnection::Postgres(_)) || !due.is_empty() {
        return by_live_count_in_memory(conn, page, due, counted);
    }
    let count = static_sql::<BigInt>(
        "coalesce((SELECT c.published FROM author_counts c WHERE c.user_id = users.id), 0)",
    );
    // Bytewise on both backends, as the order in memory compares.
    let name = static_sql::<Text>(match conn {
        AnyConnection::Postgres(_) => "users.sort_name COLLATE \"C\"",
        AnyConnection::Sqlite(_) => "users.sort_name",
    });
    let q = public(page, &due).select(users::id);
    let q = if page.descending {
        q.order((count.desc(), name.desc(), users::id.desc()))
    } else {
        q.order((count.asc(), name.asc(), users::id.asc()))
    };
    let (limit, offset) = crate::records::limit_offset(page);
    let wanted: Vec<AuthorId> = q
        .limited_after(limit, offset)
        .load::<i64>(conn)?
        .into_iter()
        .map(AuthorId)
        .collect();
    let total: i64 = public(page, &due).count().get_result(conn)?;
    let counts = if counted {
        live_counts(conn, Some(&wanted), due)?
    } else {
        HashMap::new()
    };
    let found = super::authors_by_ids(conn, &wanted)?;
    Ok(crate::records::page_in_order(
        &wanted, found, &counts, counted, total,
    ))
}

/// Live articles per author (of `ids`, or of all), `due` being what
/// `tallies::authors_due` read at the instant of reading.
fn live_counts(
    conn: &mut AnyConnection,
    ids: Option<&[AuthorId]>,
    due: Vec<(i64, i64)>,
) -> Result<HashMap<AuthorId, i64>, StoreError> {
    let raw: Option<Vec<i64>> = ids.map(|ids| ids.iter().map(|a| a.0).collect());
    Ok(crate::tallies::authors_with_due(conn, raw.as_deref(), due)?
        .into_iter()
        .map(|(id, n)| (AuthorId(id), n))
        .collect())
}

/// [`by_article_count`] with every count read and the list ordered in memory.
fn by_live_count_in_memory(
    conn: &mut AnyConnection,
    page: &RecordPage,
    due: Vec<(i64, i64)>,
    counted: bool,
) -> Result<RecordList<Author, AuthorId>, StoreError> {
    let keys: Vec<(i64, String)> = public(page, &due)
        .select((users::id, users::sort_name))
        .load(conn)?;
    let total = i64::try_from(keys.len()).unwrap_or(i64::MAX);
    // Every count at once (kept by triggers: one short table), rather than a list of
    // every id as bound values.
    let counts = live_counts(conn, None, due)?;
    let chosen = by_count(
        keys,
        |id| counts.get(&AuthorId(id)).copied().unwrap_or(0),
        page,
    );
    let wanted: Vec<AuthorId> = chosen.into_iter().map(AuthorId).collect();
    let found = super::authors_by_ids(conn, &wanted)?;
    Ok(crate::records::page_in_order(
        &wanted, found, &counts, counted, total,
    ))
}
