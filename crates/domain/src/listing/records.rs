//! Pages of tags or authors, as the JSON Content API asks for them: offset pages (Ghost's
//! `limit` and `page`), short lists (a publication has hundreds of tags, not millions).

use crate::filter::records::Condition;

/// What a page of tags or authors is ordered by. Ties fall to the name's sort key, then the
/// id, in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordOrder {
    /// By name (its sort key), then id.
    Name,
    /// By slug.
    Slug,
    /// By how many live articles each has, then name, then id.
    ArticleCount,
}

/// One offset page of tags or authors.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordPage {
    /// Only the rows that satisfy it; `None`: all.
    pub condition: Option<Condition>,
    /// The order.
    pub order: RecordOrder,
    /// Whether the order runs backwards (Z to A, most articles first).
    pub descending: bool,
    /// Rows to skip.
    pub offset: usize,
    /// Most rows to give; `None`: all of them.
    pub limit: Option<usize>,
}

/// A page of tags or authors as the store gives it.
#[derive(Debug, Clone)]
pub struct RecordList<T, K> {
    /// The page's rows, in order.
    pub rows: Vec<T>,
    /// How many rows the whole list holds.
    pub total: i64,
    /// Live articles of the page's rows, when asked for (a row with none is absent).
    pub counts: std::collections::HashMap<K, i64>,
}
