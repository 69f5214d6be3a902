//! Tag queries.

mod public;
mod rows;

use std::collections::HashMap;

use broadsheet_domain::Slug;
use broadsheet_domain::ids::{ArticleId, TagId};
use broadsheet_domain::listing::{NameCursor, Page, PageRequest};
use broadsheet_domain::tag::{NewTag, Tag, Visibility};
use broadsheet_domain::time::Timestamp;
use diesel::dsl::AsSelect;
use diesel::prelude::*;

pub use public::public_page;
use rows::{TagCount, TagFields, TagLink, TagRow};

use crate::articles::literal_limit;
use crate::db::sql_types::DbTime;
use crate::db::stored::Stored;
use crate::db::{AnyConnection, MultiBackend};
use crate::raw::LimitedDsl;
use crate::schema::{article_tags, articles, tags};
use crate::{StoreError, keyset, slugs};

fn select() -> AsSelect<TagRow, MultiBackend> {
    TagRow::as_select()
}

fn returned() -> <TagRow as Selectable<MultiBackend>>::SelectExpression {
    <TagRow as Selectable<MultiBackend>>::construct_selection()
}

/// Stores a new tag. A derived slug gets a numeric suffix if taken; a slug asked for that is
/// taken is a conflict.
pub fn create(conn: &mut AnyConnection, new: &NewTag, now: Timestamp) -> Result<Tag, StoreError> {
    conn.transaction(|c| {
        let slug = match &new.slug {
            Some(slug) => slug.clone(),
            None => free_slug(c, &new.name.derived_slug())?,
        };
        let row: TagRow = diesel::insert_into(tags::table)
            .values((
                TagFields::new(new, &slug),
                tags::created_at.eq(DbTime(now)),
                tags::updated_at.eq(DbTime(now)),
            ))
            .returning(returned())
            .get_result(c)?;
        Tag::try_from(row)
    })
}

fn free_slug(c: &mut AnyConnection, base: &Slug) -> Result<Slug, StoreError> {
    slugs::free(c, slugs::SlugTable::Tags, base)
}

/// The tag with this id.
pub fn get(conn: &mut AnyConnection, id: TagId) -> Result<Option<Tag>, StoreError> {
    tags::table
        .find(id.0)
        .select(select())
        .first(conn)
        .optional()?
        .map(Tag::try_from)
        .transpose()
}

/// The tag at this slug.
pub fn by_slug(conn: &mut AnyConnection, slug: &Slug) -> Result<Option<Tag>, StoreError> {
    tags::table
        .filter(tags::slug.eq(slug.as_str()))
        .select(select())
        .first(conn)
        .optional()?
        .map(Tag::try_from)
        .transpose()
}

/// The tags with these ids, in one statement.
pub fn by_ids(conn: &mut AnyConnection, ids: &[TagId]) -> Result<HashMap<TagId, Tag>, StoreError> {
    let raw: Vec<i64> = ids.iter().map(|t| t.0).collect();
    tags::table
        .filter(crate::db::in_ids(tags::id, raw))
        .select(select())
        .load::<TagRow>(conn)?
        .into_iter()
        .map(|r| Tag::try_from(r).map(|t| (t.id, t)))
        .collect()
}

/// Replaces a tag's fields. With no slug in `changes`, the slug stays as it is.
pub fn update(
    conn: &mut AnyConnection,
    id: TagId,
    changes: &NewTag,
    now: Timestamp,
) -> Result<Tag, StoreError> {
    conn.transaction(|c| {
        let current = get(c, id)?.ok_or_else(|| StoreError::not_found("tag"))?;
        let slug = changes.slug.clone().unwrap_or(current.slug);
        let row: TagRow = diesel::update(tags::table.find(id.0))
            .set((
                TagFields::new(changes, &slug),
                tags::updated_at.eq(DbTime(now)),
            ))
            .returning(returned())
            .get_result(c)?;
        Tag::try_from(row)
    })
}

/// Deletes a tag; articles lose it.
pub fn delete(conn: &mut AnyConnection, id: TagId) -> Result<(), StoreError> {
    match diesel::delete(tags::table.find(id.0)).execute(conn)? {
        0 => Err(StoreError::not_found("tag")),
        _ => Ok(()),
    }
}

/// One page of tags by name, A to Z; `visibility` keeps only public or only internal tags.
pub fn list(
    conn: &mut AnyConnection,
    visibility: Option<Visibility>,
    page: &PageRequest<NameCursor>,
) -> Result<Page<Tag>, StoreError> {
    let (forward, size, cursor) = page.parts();
    let mut q = tags::table.select(select()).into_boxed();
    if let Some(v) = visibility {
        q = q.filter(tags::visibility.eq(Stored(v)));
    }
    q = keyset::by_name!(q, tags::sort_name, tags::id, forward, cursor);
    let rows: Vec<TagRow> = q.limited(literal_limit(size)).load(conn)?;
    Page::from_walk(rows, size, forward, cursor.is_some()).try_map(Tag::try_from)
}

/// How many tags there are, of one visibility or all.
pub fn count(conn: &mut AnyConnection, visibility: Option<Visibility>) -> Result<i64, StoreError> {
    let mut q = tags::table.into_boxed();
    if let Some(v) = visibility {
        q = q.filter(tags::visibility.eq(Stored(v)));
    }
    Ok(q.count().get_result(conn)?)
}

/// Each article's tags in order (the first is the primary tag), in one statement.
pub fn of_articles(
    conn: &mut AnyConnection,
    ids: &[ArticleId],
) -> Result<HashMap<ArticleId, Vec<Tag>>, StoreError> {
    if let [one] = ids {
        // One article (its page): its links joined to the tags they name, in one statement
        // (an index lookup and a probe of the tags' key a link).
        let tags = article_tags::table
            .inner_join(tags::table)
            .filter(article_tags::article_id.eq(one.0))
            .order(article_tags::position)
            .select(select())
            .load::<TagRow>(conn)?
            .into_iter()
            .map(Tag::try_from)
            .collect::<Result<Vec<Tag>, _>>()?;
        return Ok(if tags.is_empty() {
            HashMap::new()
        } else {
            HashMap::from([(*one, tags)])
        });
    }
    // Two index lookups rather than one join: the links of these articles, then the few
    // distinct tags they name (a popular tag is read once per page, not once per article,
    // and PostgreSQL is not tempted to hash the whole tags table for a page of twenty).
    let raw: Vec<i64> = ids.iter().map(|a| a.0).collect();
    let links: Vec<TagLink> = article_tags::table
        .filter(crate::db::in_ids(article_tags::article_id, raw))
        .order((article_tags::article_id, article_tags::position))
        .select(TagLink::as_select())
        .load(conn)?;
    let mut wanted: Vec<TagId> = links.iter().map(|l| TagId(l.tag_id)).collect();
    wanted.sort_unstable_by_key(|t| t.0);
    wanted.dedup();
    let found = by_ids(conn, &wanted)?;
    let mut out: HashMap<ArticleId, Vec<Tag>> = HashMap::with_capacity(ids.len());
    for link in links {
        if let Some(tag) = found.get(&TagId(link.tag_id)) {
            out.entry(ArticleId(link.article_id))
                .or_default()
                .push(tag.clone());
        }
    }
    Ok(out)
}

/// How many articles carry each tag, counting only what the public may read at `live` when
/// given; tags with none are absent from the map.
pub fn article_counts(
    conn: &mut AnyConnection,
    ids: &[TagId],
    live: Option<Timestamp>,
) -> Result<HashMap<TagId, i64>, StoreError> {
    let raw: Vec<i64> = ids.iter().map(|t| t.0).collect();
    if let Some(now) = live {
        // Kept by triggers: one row per tag rather than a walk over its links.
        let counts = crate::tallies::tags(conn, Some(&raw), now)?;
        return Ok(counts.into_iter().map(|(id, n)| (TagId(id), n)).collect());
    }
    let rows: Vec<TagCount> = article_tags::table
        .inner_join(articles::table)
        .filter(article_tags::tag_id.eq_any(raw))
        .group_by(article_tags::tag_id)
        .select(TagCount::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (TagId(r.tag_id), r.articles))
        .collect())
}

/// Moves every article from tag `from` to tag `into` (an article that has both keeps `into`
/// once, in its place), then deletes `from`. Each article moved gets a new version, by `by`.
pub fn merge(
    conn: &mut AnyConnection,
    from: TagId,
    into: TagId,
    by: Option<broadsheet_domain::ids::AuthorId>,
    now: Timestamp,
) -> Result<Tag, StoreError> {
    if from == into {
        return Err(broadsheet_domain::ValidationError::new(
            "into",
            "a tag cannot be merged into itself",
        )
        .into());
    }
    conn.transaction(|c| {
        let target = get(c, into)?.ok_or_else(|| StoreError::not_found("tag"))?;
        get(c, from)?.ok_or_else(|| StoreError::not_found("tag"))?;
        let moved: Vec<i64> = article_tags::table
            .filter(article_tags::tag_id.eq(from.0))
            .select(article_tags::article_id)
            .load(c)?;
        let already: Vec<i64> = article_tags::table
            .filter(article_tags::tag_id.eq(into.0))
            .filter(article_tags::article_id.eq_any(&moved))
            .select(article_tags::article_id)
            .load(c)?;
        for article in &moved {
            let old = crate::articles::row_for_touch(c, ArticleId(*article))?;
            let link = article_tags::table
                .filter(article_tags::article_id.eq(article))
                .filter(article_tags::tag_id.eq(from.0));
            if already.contains(article) {
                diesel::delete(link).execute(c)?;
            } else {
                diesel::update(link)
                    .set(article_tags::tag_id.eq(into.0))
                    .execute(c)?;
            }
            crate::articles::touch(c, &old, by, now)?;
        }
        diesel::delete(tags::table.find(from.0)).execute(c)?;
        Ok(target)
    })
}

/// Every tag of one visibility (or all), by name: for the JSON API's slow path, the filters
/// it evaluates in memory (see [`public_page`] for the rest).
pub fn all(
    conn: &mut AnyConnection,
    visibility: Option<Visibility>,
) -> Result<Vec<Tag>, StoreError> {
    let mut q = tags::table.select(select()).into_boxed();
    if let Some(v) = visibility {
        q = q.filter(tags::visibility.eq(Stored(v)));
    }
    q.order((tags::sort_name, tags::id))
        .load::<TagRow>(conn)?
        .into_iter()
        .map(Tag::try_from)
        .collect()
}
