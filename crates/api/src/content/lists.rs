//! Tags and authors: lists and single reads. A list is filtered, ordered, paged and
//! totalled by the database, which counts live articles for the page's rows only (or, ordered
//! by count, once over the list). Filters SQL cannot answer exactly as memory does (text tests
//! that fold case, `website`) take the slow path: every public row read into memory,
//! filtered, ordered and paged there, as before.

use std::collections::HashMap;

use broadsheet_domain::Slug;
use broadsheet_domain::author::Author;
use broadsheet_domain::filter::records;
use broadsheet_domain::ids::{AuthorId, TagId};
use broadsheet_domain::listing::records::{RecordOrder, RecordPage};
use broadsheet_domain::tag::{Tag, Visibility};
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::{AnyConnection, StoreError, tags, users};
use serde_json::{Value, json};

use super::params::Params;
use super::{GhostError, Lookup, pagination, parse_filter, render, slug_list};
use crate::AppState;

/// How `order` sorts tags and authors: `name`, `slug` or `count.posts`; any other field
/// keeps the default order (by name), which `desc` reverses.
fn record_order(p: &Params) -> (RecordOrder, bool) {
    match p.order.as_ref() {
        None => (RecordOrder::Name, false),
        Some((field, descending)) => {
            let order = match field.as_str() {
                "count.posts" => RecordOrder::ArticleCount,
                "slug" => RecordOrder::Slug,
                _ => RecordOrder::Name,
            };
            (order, *descending)
        }
    }
}

/// A list as the database answers it: the page to ask for, and, for `slug:[a,b,c]` with no
/// `order`, the slugs whose order the answer keeps (the whole short list is read, then
/// ordered and paged here).
struct Plan {
    page: RecordPage,
    keep: Option<Vec<String>>,
}

/// The plan for `p`, or `None` when its filter needs the slow path. A filter that does not
/// parse, or names an unknown property, is refused as before.
fn plan(
    p: &Params,
    known: &[&str],
    columns: &[&str],
    now: Timestamp,
) -> Result<Option<Plan>, GhostError> {
    let (order, descending) = record_order(p);
    let mut plan = Plan {
        page: RecordPage {
            condition: None,
            order,
            descending,
            offset: (p.page - 1).saturating_mul(p.limit),
            limit: Some(p.limit),
        },
        keep: None,
    };
    if let Some(text) = &p.filter {
        let expr = parse_filter(text, now)?;
        records::validate(&expr, known, "filter")
            .map_err(|e| GhostError::bad_request("Error parsing filter", e.message))?;
        let Some(condition) = records::to_condition(&expr, columns) else {
            return Ok(None);
        };
        plan.page.condition = Some(condition);
        if p.order.is_none()
            && let Some(slugs) = slug_list(&expr)
        {
            plan.page.offset = 0;
            plan.page.limit = None;
            plan.keep = Some(slugs);
        }
    }
    Ok(Some(plan))
}

/// The rows of `plan`'s page, once the store gave them.
fn keep_order<T>(rows: Vec<T>, plan: &Plan, p: &Params, slug: impl Fn(&T) -> &str) -> Vec<T> {
    let Some(slugs) = &plan.keep else {
        return rows;
    };
    let mut rows = rows;
    rows.sort_by_key(|r| {
        slugs
            .iter()
            .position(|s| s == slug(r))
            .unwrap_or(usize::MAX)
    });
    rows.into_iter()
        .skip((p.page - 1).saturating_mul(p.limit))
        .take(p.limit)
        .collect()
}

/// The slow path: filters, orders and pages a list held in memory.
fn page_of<T: records::Record + Clone>(
    mut rows: Vec<T>,
    p: &Params,
    counts: &HashMap<i64, i64>,
    id: impl Fn(&T) -> i64,
    now: Timestamp,
) -> Result<(Vec<T>, i64), GhostError> {
    if let Some(text) = &p.filter {
        let expr = parse_filter(text, now)?;
        rows.retain(|r| records::matches(&expr, r));
        if p.order.is_none()
            && let Some(slugs) = slug_list(&expr)
        {
            rows.sort_by_key(|r| {
                slugs
                    .iter()
                    .position(|s| Some(s.as_str()) == r.text("slug"))
                    .unwrap_or(usize::MAX)
            });
        }
    }
    if let Some((field, descending)) = &p.order {
        match field.as_str() {
            "count.posts" => rows.sort_by_key(|r| counts.get(&id(r)).copied().unwrap_or(0)),
            "name" | "slug" => {
                let field = field.clone();
                rows.sort_by_key(|r| {
                    broadsheet_domain::text::sort_key(r.text(&field).unwrap_or_default())
                });
            }
            _ => {}
        }
        if *descending {
            rows.reverse();
        }
    }
    let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let page: Vec<T> = rows
        .into_iter()
        .skip((p.page - 1).saturating_mul(p.limit))
        .take(p.limit)
        .collect();
    Ok((page, total))
}

/// A page of rows, how many there are in all, and the live article counts of (at least)
/// the page's rows, keyed by row id.
struct Listed<T> {
    page: Vec<T>,
    total: i64,
    counts: HashMap<i64, i64>,
}

impl<T> Listed<T> {
    /// `{ "<name>": [...], "meta": { "pagination": ... } }`, each row rendered by `render`
    /// with its count when `with_count`, and cut to the asked-for fields.
    fn json(
        self,
        name: &str,
        p: &Params,
        with_count: bool,
        id: impl Fn(&T) -> i64,
        render: impl Fn(&T, Option<i64>) -> Value,
    ) -> Value {
        let rows: Vec<Value> = self
            .page
            .iter()
            .map(|row| {
                let count = with_count.then(|| self.counts.get(&id(row)).copied().unwrap_or(0));
                render::select(render(row, count), p.fields.as_deref(), &["id"])
            })
            .collect();
        json!({ name: rows, "meta": { "pagination": pagination(p.page, p.limit, self.total) } })
    }
}

fn raw<K>(counts: HashMap<K, i64>, id: impl Fn(K) -> i64) -> HashMap<i64, i64> {
    counts.into_iter().map(|(k, v)| (id(k), v)).collect()
}

/// `GET …/tags/`.
pub(super) async fn browse_tags(
    state: &AppState,
    p: Params,
    now: Timestamp,
) -> Result<Value, GhostError> {
    let with_count = p.include.contains("count.posts");
    let listed: Listed<Tag> = match plan(&p, records::TAG_PROPERTIES, records::TAG_COLUMNS, now)? {
        Some(plan) => {
            let p = std::sync::Arc::new(p);
            let for_query = std::sync::Arc::clone(&p);
            let listed = state
                .store()
                .read(move |c| {
                    let list = tags::public_page(c, &plan.page, now, with_count)?;
                    let rows = keep_order(list.rows, &plan, &for_query, |t| t.slug.as_str());
                    Ok(Listed {
                        page: rows,
                        total: list.total,
                        counts: raw(list.counts, |k| k.0),
                    })
                })
                .await?;
            return Ok(tags_json(state, &p, listed, with_count));
        }
        None => {
            let (all, counts) = state
                .store()
                .read(move |c| {
                    let all = tags::all(c, Some(Visibility::Public))?;
                    let ids: Vec<TagId> = all.iter().map(|t| t.id).collect();
                    Ok((all, raw(tags::article_counts(c, &ids, Some(now))?, |k| k.0)))
                })
                .await?;
            let (page, total) = page_of(all, &p, &counts, |t| t.id.0, now)?;
            Listed {
                page,
                total,
                counts,
            }
        }
    };
    Ok(tags_json(state, &p, listed, with_count))
}

fn tags_json(state: &AppState, p: &Params, listed: Listed<Tag>, with_count: bool) -> Value {
    listed.json(
        "tags",
        p,
        with_count,
        |t| t.id.0,
        |t, count| render::tag(t, state.site(), count),
    )
}

/// `GET …/tags/{id}/` and `…/tags/slug/{slug}/`: a public tag.
pub(super) async fn read_tag(
    state: &AppState,
    p: Params,
    lookup: Lookup,
    now: Timestamp,
) -> Result<Value, GhostError> {
    let with_count = p.include.contains("count.posts");
    let found = state
        .store()
        .read(move |c| {
            let tag = match lookup {
                Lookup::Id(id) => match render::parse_row_id(&id) {
                    Some(id) => tags::get(c, TagId(id))?,
                    None => None,
                },
                Lookup::Slug(slug) => match Slug::parse(&slug) {
                    Ok(slug) => tags::by_slug(c, &slug)?,
                    Err(_) => None,
                },
            };
            let Some(tag) = tag.filter(|t| t.visibility() == Visibility::Public) else {
                return Ok(None);
            };
            // Counted only when asked for: it walks every article the tag has.
            let count = if with_count {
                let counts = tags::article_counts(c, &[tag.id], Some(now))?;
                Some(counts.get(&tag.id).copied().unwrap_or(0))
            } else {
                None
            };
            Ok(Some((tag, count)))
        })
        .await?;
    let (tag, count) = found.ok_or_else(|| GhostError::not_found("Tag not found."))?;
    Ok(
        json!({ "tags": [render::select(render::tag(&tag, state.site(), count), p.fields.as_deref(), &["id"])] }),
    )
}

/// The slow path's authors: those with at least one article live at `now`, as Ghost lists
/// them, and their counts.
fn published_authors(
    c: &mut AnyConnection,
    now: Timestamp,
) -> Result<(Vec<Author>, HashMap<i64, i64>), StoreError> {
    let all = users::all_authors(c)?;
    let ids: Vec<AuthorId> = all.iter().map(|a| a.id).collect();
    let counts = raw(users::article_counts(c, &ids, Some(now))?, |k| k.0);
    let published = all
        .into_iter()
        .filter(|a| counts.get(&a.id.0).copied().unwrap_or(0) > 0)
        .collect();
    Ok((published, counts))
}

/// `GET …/authors/`: the authors the public may see (see `users::public_page`).
pub(super) async fn browse_authors(
    state: &AppState,
    p: Params,
    now: Timestamp,
) -> Result<Value, GhostError> {
    let with_count = p.include.contains("count.posts");
    let listed: Listed<Author> =
        match plan(&p, records::AUTHOR_PROPERTIES, records::AUTHOR_COLUMNS, now)? {
            Some(plan) => {
                let p = std::sync::Arc::new(p);
                let for_query = std::sync::Arc::clone(&p);
                let listed = state
                    .store()
                    .read(move |c| {
                        let list = users::public_page(c, &plan.page, now, with_count)?;
                        let rows = keep_order(list.rows, &plan, &for_query, |a| a.slug.as_str());
                        Ok(Listed {
                            page: rows,
                            total: list.total,
                            counts: raw(list.counts, |k| k.0),
                        })
                    })
                    .await?;
                return Ok(authors_json(state, &p, listed, with_count));
            }
            None => {
                let (all, counts) = state
                    .store()
                    .read(move |c| published_authors(c, now))
                    .await?;
                let (page, total) = page_of(all, &p, &counts, |a| a.id.0, now)?;
                Listed {
                    page,
                    total,
                    counts,
                }
            }
        };
    Ok(authors_json(state, &p, listed, with_count))
}

fn authors_json(state: &AppState, p: &Params, listed: Listed<Author>, with_count: bool) -> Value {
    listed.json(
        "authors",
        p,
        with_count,
        |a| a.id.0,
        |a, count| render::author(a, state.site(), count),
    )
}

/// `GET …/authors/{id}/` and `…/authors/slug/{slug}/`: an author the public may see.
pub(super) async fn read_author(
    state: &AppState,
    p: Params,
    lookup: Lookup,
    now: Timestamp,
) -> Result<Value, GhostError> {
    let with_count = p.include.contains("count.posts");
    let found = state
        .store()
        .read(move |c| {
            let author = match lookup {
                Lookup::Id(id) => match render::parse_row_id(&id) {
                    Some(id) => users::public_author(c, AuthorId(id), now)?,
                    None => None,
                },
                Lookup::Slug(slug) => match Slug::parse(&slug) {
                    Ok(slug) => users::public_author_by_slug(c, &slug, now)?,
                    Err(_) => None,
                },
            };
            let Some(author) = author else {
                return Ok(None);
            };
            let count = if with_count {
                let counts = users::article_counts(c, &[author.id], Some(now))?;
                Some(counts.get(&author.id).copied().unwrap_or(0))
            } else {
                None
            };
            Ok(Some((author, count)))
        })
        .await?;
    let (author, count) = found.ok_or_else(|| GhostError::not_found("Author not found."))?;
    Ok(
        json!({ "authors": [render::select(render::author(&author, state.site(), count), p.fields.as_deref(), &["id"])] }),
    )
}

#[cfg(test)]
mod tests {
    use broadsheet_domain::filter::records::Condition;

    use super::*;

    fn params(query: &str) -> Params {
        super::super::params::parse(query).expect("valid")
    }

    fn planned(query: &str) -> Option<Plan> {
        plan(
            &params(query),
            records::TAG_PROPERTIES,
            records::TAG_COLUMNS,
            broadsheet_domain::time::now(),
        )
        .expect("accepted")
    }

    #[test]
    fn orders_as_the_list_in_memory_did() {
        let order = |q: &str| record_order(&params(q));
        assert_eq!(order(""), (RecordOrder::Name, false));
        assert_eq!(
            order("order=count.posts%20desc"),
            (RecordOrder::ArticleCount, true)
        );
        assert_eq!(order("order=slug"), (RecordOrder::Slug, false));
        assert_eq!(order("order=created_at%20desc"), (RecordOrder::Name, true));
    }

    #[test]
    fn equality_filters_go_to_the_database() {
        let got = planned("filter=slug:[b,a]&page=2&limit=1").expect("in SQL");
        assert_eq!((got.page.offset, got.page.limit), (0, None));
        assert_eq!(got.keep, Some(vec!["b".to_owned(), "a".to_owned()]));
        let got = planned("filter=slug:[b,a]&order=slug&page=2&limit=1").expect("in SQL");
        assert_eq!(
            (got.page.offset, got.page.limit, got.keep),
            (1, Some(1), None)
        );
        assert!(matches!(got.page.condition, Some(Condition::Equals { .. })));
        assert!(planned("filter=name:~'a'").is_none(), "the slow path");
        let refused = plan(
            &params("filter=colour:red"),
            records::TAG_PROPERTIES,
            records::TAG_COLUMNS,
            broadsheet_domain::time::now(),
        );
        assert!(refused.is_err());
    }
}
