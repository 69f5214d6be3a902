//! Relay pagination: arguments, page info, and what a page costs.

use async_graphql::SimpleObject;
use broadsheet_domain::listing::{ArticleCursor, ArticleOrder, NameCursor, PageRequest};

use super::error::ApiResult;

/// Rows in a page when the client does not say.
pub const DEFAULT_PAGE: usize = 20;
/// Most rows in a page; asking for more is an error that says so.
pub const MAX_PAGE: usize = 100;

/// What a connection costs besides its rows: each one is a trip to the database, however few
/// rows it asks for (forty aliased `articles(first: 1)` are forty queries).
pub const CONNECTION_COST: usize = 10;

/// What a list that is not paged costs, as if it held this many rows: an article's tags,
/// authors and the like, which are few but not one.
pub const SHORT_LIST_ROWS: usize = 10;

/// The complexity of a list field: its children's, once per row asked for, and the trip.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let rows = first.or(last).map_or(DEFAULT_PAGE, |n| {
        usize::try_from(n).unwrap_or(0).min(MAX_PAGE)
    });
    rows.saturating_mul(child_complexity)
        .saturating_add(CONNECTION_COST)
}

/// The complexity of a short list that is not paged (see [`SHORT_LIST_ROWS`]).
pub fn short_list_cost(child_complexity: usize) -> usize {
    SHORT_LIST_ROWS
        .saturating_mul(child_complexity)
        .saturating_add(1)
}

/// Relay's page information.
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    /// Whether rows follow this page.
    pub has_next_page: bool,
    /// Whether rows precede this page.
    pub has_previous_page: bool,
    /// The cursor of the first row, if any.
    pub start_cursor: Option<String>,
    /// The cursor of the last row, if any.
    pub end_cursor: Option<String>,
}

/// A page request over articles from Relay arguments.
pub fn article_page(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    order: ArticleOrder,
) -> ApiResult<PageRequest<ArticleCursor>> {
    let after = after
        .map(|t| ArticleCursor::decode(&t, order, "after"))
        .transpose()?;
    let before = before
        .map(|t| ArticleCursor::decode(&t, order, "before"))
        .transpose()?;
    Ok(PageRequest::from_relay(
        first.map(i64::from),
        after,
        last.map(i64::from),
        before,
        DEFAULT_PAGE,
        MAX_PAGE,
    )?)
}

/// A page request over a list ordered by name, from Relay arguments.
pub fn name_page(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> ApiResult<PageRequest<NameCursor>> {
    let after = after.map(|t| NameCursor::decode(&t, "after")).transpose()?;
    let before = before
        .map(|t| NameCursor::decode(&t, "before"))
        .transpose()?;
    Ok(PageRequest::from_relay(
        first.map(i64::from),
        after,
        last.map(i64::from),
        before,
        DEFAULT_PAGE,
        MAX_PAGE,
    )?)
}

/// A count for a GraphQL `Int`.
pub fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
