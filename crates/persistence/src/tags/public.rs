//! The public's tags as the JSON Content API pages them: filtered, ordered, counted and
//! paged in SQL, so that a page costs what its rows cost, not what the whole table does.

use broadsheet_domain::listing::records::{RecordOrder, RecordPage};
use broadsheet_domain::tag::{Tag, Visibility};
use broadsheet_domain::time::Timestamp;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::rows::TagRow;
use super::select;
use crate::db::sql_types::{DbTime, Instant};
use crate::db::stored::Stored;
use crate::db::{AnyConnection, static_sql};
use crate::records::{Predicate, compile, constant, equals};
use crate::schema::tags;
use crate::{StoreError, live};

/// One equality test on the column of a tag property (see `records::TAG_COLUMNS`).
fn column(property: &str, texts: Vec<String>, null: bool) -> Predicate<tags::table> {
    match property {
        "slug" => equals!(tags::slug, texts, null),
        "name" => equals!(tags::name, texts, null),
        "description" => equals!(tags::description, texts, null),
        "visibility" => equals!(tags::visibility, texts, null),
        // Resolved against the same list of columns: nothing else reaches here.
        _ => constant(false),
    }
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

/// One page of the public tags `page` asks for, and how many there are in all.
pub fn public_page(
    conn: &mut AnyConnection,
    page: &RecordPage,
    now: Timestamp,
) -> Result<(Vec<Tag>, i64), StoreError> {
    let total: i64 = public(page).count().get_result(conn)?;
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
        (RecordOrder::ArticleCount, descending) => {
            // A correlated count per tag: one range of `article_tags_tag_idx` each.
            let (live, live_end) = live::parts("a");
            let count = diesel::dsl::sql::<BigInt>(&format!(
                "(SELECT COUNT(*) FROM article_tags lt JOIN articles a ON a.id = lt.article_id \
                 WHERE lt.tag_id = tags.id AND {live}"
            ))
            .bind::<Instant, _>(DbTime(now))
            .sql(&format!("{live_end})"));
            if descending {
                q.order((count.desc(), tags::sort_name.desc(), tags::id.desc()))
            } else {
                q.order((count.asc(), tags::sort_name.asc(), tags::id.asc()))
            }
        }
    };
    let limit = page
        .limit
        .map_or(i64::MAX, |l| i64::try_from(l).unwrap_or(i64::MAX));
    let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
    let rows: Vec<TagRow> = q.limit(limit).offset(offset).load(conn)?;
    let tags = rows
        .into_iter()
        .map(Tag::try_from)
        .collect::<Result<_, _>>()?;
    Ok((tags, total))
}
