//! The public's tags as the JSON Content API pages them: filtered, ordered, counted and
//! paged in SQL, so that a page costs what its rows cost, not what the whole table does.

use std::collections::HashMap;

use broadsheet_domain::ids::TagId;
use broadsheet_domain::listing::records::{RecordList, RecordOrder, RecordPage};
use broadsheet_domain::tag::{Tag, Visibility};
use broadsheet_domain::time::Timestamp;
use diesel::dsl::InnerJoinQuerySource;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::rows::TagRow;
use super::select;
use crate::StoreError;
use crate::db::stored::Stored;
use crate::db::{AnyConnection, static_sql};
use crate::raw::LimitedDsl;
use crate::records::{Predicate, by_count, compile, constant, equals};
use crate::schema::{tag_counts, tags};

/// One equality test on the column of a tag property (see `records::TAG_COLUMNS`), for a
/// query on `tags` or on `tags` joined to other tables.
macro_rules! tag_column {
    ($property:expr, $texts:expr, $null:expr) => {
        match $property {
            "slug" => equals!(tags::slug, $texts, $null),
            "name" => equals!(tags::name, $texts, $null),
            "description" => equals!(tags::description, $texts, $null),
            "visibility" => equals!(tags::visibility, $texts, $null),
            // Resolved against the same list of columns: nothing else reaches here.
            _ => constant(false),
        }
    };
}

fn column(property: &str, texts: Vec<String>, null: bool) -> Predicate<tags::table> {
    tag_column!(property, texts, null)
}

/// Tags joined to their kept counts (every tag has its row: `tallies`).
type Counted = InnerJoinQuerySource<tags::table, tag_counts::table>;

fn counted_column(property: &str, texts: Vec<String>, null: bool) -> Predicate<Counted> {
    tag_column!(property, texts, null)
}

fn public(page: &RecordPage) -> tags::BoxedQuery<'static, crate::db::MultiBackend> {
    let mut q = tags::table
        .filter(tags::visibility.eq(Stored(Visibility::Public)))
        .into_boxed();
    if let Some(condition) = &page.condition {
        q = q.filter(compile(condition, &column));
    }
    q
}

/// One page of the public tags `page` asks for, how many there are in all, and,
/// when `counted`, the page's live article counts.
pub fn public_page(
    conn: &mut AnyConnection,
    page: &RecordPage,
    now: Timestamp,
    counted: bool,
) -> Result<RecordList<Tag, TagId>, StoreError> {
    let q = public(page).select(select());
    let q = match (page.order, page.descending) {
        (RecordOrder::Name, false) => q.order((tags::sort_name.asc(), tags::id.asc())),
        (RecordOrder::Name, true) => q.order((tags::sort_name.desc(), tags::id.desc())),
        (RecordOrder::Slug, descending) => {
            // Bytewise, as in memory: PostgreSQL's default collation may skip hyphens.
            let slug = static_sql::<Text>(match conn {
                AnyConnection::Postgres(_) => "tags.slug COLLATE \"C\"",
                AnyConnection::Sqlite(_) => "tags.slug",
            });
            if descending {
                q.order(slug.desc())
            } else {
                q.order(slug.asc())
            }
        }
        (RecordOrder::ArticleCount, _) => return by_article_count(conn, page, now, counted),
    };
    let total: i64 = public(page).count().get_result(conn)?;
    let (limit, offset) = crate::records::limit_offset(page);
    let rows: Vec<TagRow> = q.limited_after(limit, offset).load(conn)?;
    let tags = rows
        .into_iter()
        .map(Tag::try_from)
        .collect::<Result<Vec<Tag>, _>>()?;
    let counts = if counted {
        let ids: Vec<TagId> = tags.iter().map(|r| r.id).collect();
        super::article_counts(conn, &ids, Some(now))?
    } else {
        HashMap::new()
    };
    Ok(RecordList {
        rows: tags,
        total,
        counts,
    })
}

/// [`public_page`] in the order of live article counts: the tags joined to their kept
/// counts (see [`crate::tallies`]), ordered and paged by the database, which reads the first
/// pages from the counts' index; while scheduled articles are due and not yet published
/// (counted by no trigger yet), the whole list ordered here.
fn by_article_count(
    conn: &mut AnyConnection,
    page: &RecordPage,
    now: Timestamp,
    counted: bool,
) -> Result<RecordList<Tag, TagId>, StoreError> {
    if !crate::tallies::tags_due(conn, now)?.is_empty() {
        return by_live_count_in_memory(conn, page, now, counted);
    }
    // Bytewise on both backends, as the order in memory compares.
    let name = static_sql::<Text>(match conn {
        AnyConnection::Postgres(_) => "tags.sort_name COLLATE \"C\"",
        AnyConnection::Sqlite(_) => "tags.sort_name",
    });
    let mut q = tags::table
        .inner_join(tag_counts::table)
        .filter(tags::visibility.eq(Stored(Visibility::Public)))
        .select(tags::id)
        .into_boxed();
    if let Some(condition) = &page.condition {
        q = q.filter(compile(condition, &counted_column));
    }
    let q = if page.descending {
        q.order((tag_counts::published.desc(), name.desc(), tags::id.desc()))
    } else {
        q.order((tag_counts::published.asc(), name.asc(), tags::id.asc()))
    };
    let (limit, offset) = crate::records::limit_offset(page);
    let wanted: Vec<TagId> = q
        .limited_after(limit, offset)
        .load::<i64>(conn)?
        .into_iter()
        .map(TagId)
        .collect();
    let total: i64 = public(page).count().get_result(conn)?;
    let counts = if counted {
        super::article_counts(conn, &wanted, Some(now))?
    } else {
        HashMap::new()
    };
    let found = super::by_ids(conn, &wanted)?;
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
) -> Result<RecordList<Tag, TagId>, StoreError> {
    let keys: Vec<(i64, String)> = public(page)
        .select((tags::id, tags::sort_name))
        .load(conn)?;
    let total = i64::try_from(keys.len()).unwrap_or(i64::MAX);
    // Every count at once (kept by triggers: one short table), rather than a list of
    // every id as bound values.
    let counts: HashMap<TagId, i64> = crate::tallies::tags(conn, None, now)?
        .into_iter()
        .map(|(id, n)| (TagId(id), n))
        .collect();
    let chosen = by_count(
        keys,
        |id| counts.get(&TagId(id)).copied().unwrap_or(0),
        page,
    );
    let wanted: Vec<TagId> = chosen.into_iter().map(TagId).collect();
    let found = super::by_ids(conn, &wanted)?;
    Ok(crate::records::page_in_order(
        &wanted, found, &counts, counted, total,
    ))
}
