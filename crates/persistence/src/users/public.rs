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

fn public(page: &RecordPage, now: Timestamp) -> users::BoxedQuery<'static, MultiBackend> {
    let mut q = public_authors(now);
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
    let q = public(page, now).select(select_author());
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
        (RecordOrder::ArticleCount, _) => return by_article_count(conn, page, now, counted),
    };
    let total: i64 = public(page, now).count().get_result(conn)?;
    let (limit, offset) = crate::records::limit_offset(page);
    let rows: Vec<AuthorRow> = q.limited_after(limit, offset).load(conn)?;
    let authors = rows
        .into_iter()
        .map(Author::try_from)
        .collect::<Result<Vec<Author>, _>>()?;
    let counts = if counted {
        let ids: Vec<AuthorId> = authors.iter().map(|r| r.id).collect();
        super::article_counts(conn, &ids, Some(now))?
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
    now: Timestamp,
    counted: bool,
) -> Result<RecordList<Author, AuthorId>, StoreError> {
    // PostgreSQL runs the count's subquery once per row (about 3.4 ms for 2,000 tags, more
    // than reading every row and count and ordering them here); SQLite looks each up in
    // its own b-tree (twice the throughput of the list in memory, bench/RESULTS.md).
    if matches!(conn, AnyConnection::Postgres(_))
        || !crate::tallies::authors_due(conn, now)?.is_empty()
    {
        return by_live_count_in_memory(conn, page, now, counted);
    }
    let count = static_sql::<BigInt>(
        "coalesce((SELECT c.published FROM author_counts c WHERE c.user_id = users.id), 0)",
    );
    // Bytewise on both backends, as the order in memory compares.
    let name = static_sql::<Text>(match conn {
        AnyConnection::Postgres(_) => "users.sort_name COLLATE \"C\"",
        AnyConnection::Sqlite(_) => "users.sort_name",
    });
    let q = public(page, now).select(users::id);
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
    let total: i64 = public(page, now).count().get_result(conn)?;
    let counts = if counted {
        super::article_counts(conn, &wanted, Some(now))?
    } else {
        HashMap::new()
    };
    let found = super::authors_by_ids(conn, &wanted)?;
    Ok(crate::records::page_in_order(
        &wanted, found, &counts, counted, total,
    ))
}

/// [`by_article_count`] with every count read and the list ordered in memory.
fn by_live_count_in_memory(
    conn: &mut AnyConnection,
    page: &RecordPage,
    now: Timestamp,
    counted: bool,
) -> Result<RecordList<Author, AuthorId>, StoreError> {
    let keys: Vec<(i64, String)> = public(page, now)
        .select((users::id, users::sort_name))
        .load(conn)?;
    let total = i64::try_from(keys.len()).unwrap_or(i64::MAX);
    // Every count at once (kept by triggers: one short table), rather than a list of
    // every id as bound values.
    let counts: HashMap<AuthorId, i64> = crate::tallies::authors(conn, None, now)?
        .into_iter()
        .map(|(id, n)| (AuthorId(id), n))
        .collect();
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
