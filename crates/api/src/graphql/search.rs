//! Search results as a connection.

use std::sync::Arc;

use async_graphql::{Object, SimpleObject};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use broadsheet_domain::article::Article;

use super::article::ArticleNode;
use super::error::{ApiError, ApiResult};
use super::pagination::{PageInfo, int};

/// One search result.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct SearchEdge {
    /// Opaque position, for `after`.
    cursor: String,
    /// A passage of the article as HTML: escaped text with `<mark>` around the words found.
    snippet: String,
    #[graphql(skip)]
    article: Arc<Article>,
}

#[async_graphql::ComplexObject]
impl SearchEdge {
    /// The article found.
    async fn node(&self) -> ArticleNode {
        // Read without its body (see `ArticleNode::summary`).
        ArticleNode::summary(Arc::clone(&self.article))
    }
}

impl SearchEdge {
    /// A result at `offset` in the ranking.
    pub fn new(offset: usize, snippet: String, article: Arc<Article>) -> Self {
        Self {
            cursor: encode(offset),
            snippet,
            article,
        }
    }
}

/// A page of search results: title matches first, then the others, each newest first.
pub struct SearchConnection {
    /// The results.
    pub edges: Vec<SearchEdge>,
    /// Whether more follow.
    pub has_next_page: bool,
    /// Whether some precede.
    pub has_previous_page: bool,
    /// Results in all.
    pub total: i64,
}

#[Object]
impl SearchConnection {
    /// The results with their cursors.
    async fn edges(&self) -> Vec<SearchEdge> {
        self.edges
            .iter()
            .map(|e| SearchEdge {
                cursor: e.cursor.clone(),
                snippet: e.snippet.clone(),
                article: Arc::clone(&e.article),
            })
            .collect()
    }

    /// Where this page is in the results.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            start_cursor: self.edges.first().map(|e| e.cursor.clone()),
            end_cursor: self.edges.last().map(|e| e.cursor.clone()),
        }
    }

    /// Results in all (at most 200: search shows the first 200).
    async fn total_count(&self) -> i32 {
        int(self.total)
    }
}

/// Search pages are ranked, not keyed: a cursor is a position in the ranking.
fn encode(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("s1:{offset}"))
}

/// The position after the result `after` names.
pub fn offset_after(after: Option<&str>) -> ApiResult<usize> {
    let Some(token) = after else { return Ok(0) };
    let invalid = || ApiError::bad_input("after", "is not a valid cursor");
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let raw = String::from_utf8(raw).map_err(|_| invalid())?;
    let n: usize = raw
        .strip_prefix("s1:")
        .ok_or_else(invalid)?
        .parse()
        .map_err(|_| invalid())?;
    n.checked_add(1)
        .filter(|n| *n <= 100_000)
        .ok_or_else(invalid)
}

/// Property tests (`fuzz_`; `PROPTEST_CASES` sets how many cases).
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// A cursor the server made points past its result.
        #[test]
        fn fuzz_search_cursors_round_trip(offset in 0usize..100_000) {
            prop_assert_eq!(offset_after(Some(&encode(offset))).ok(), Some(offset + 1));
        }

        /// Any other text is bad input or an offset within the bound.
        #[test]
        fn fuzz_search_cursors_decode_or_refuse(
            text in prop_oneof![
                any::<String>(),
                proptest::collection::vec(any::<u8>(), 0..40).prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
                ".{0,24}".prop_map(|s| URL_SAFE_NO_PAD.encode(format!("s1:{s}"))),
                any::<i128>().prop_map(|n| URL_SAFE_NO_PAD.encode(format!("s1:{n}"))),
            ],
        ) {
            match offset_after(Some(&text)) {
                Ok(n) => prop_assert!((1..=100_000).contains(&n)),
                Err(ApiError::BadInput(e)) => prop_assert_eq!(e.field, "after"),
                Err(other) => prop_assert!(false, "{other:?}"),
            }
        }
    }
}
