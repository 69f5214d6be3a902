//! Parsed documents, kept by their text: a page's frontend sends the same few queries over and
//! over, and parsing one took longer than its database reads (about 6% of an uncached home
//! page, in `bench/ipr`).
//!
//! Anyone may send any document, so the store is bounded by bytes (a parsed document weighs a
//! few times its text) and admits by frequency (moka's TinyLFU): a flood of one-off documents
//! cannot push out the ones read all the time. Only documents that parse are kept.

use std::sync::Arc;

use async_graphql::ServerError;
use async_graphql::parser::parse_query;
use async_graphql::parser::types::ExecutableDocument;

/// Bytes the store may take.
const MAX_BYTES: u64 = 8 * 1024 * 1024;

/// What a parsed document weighs besides its text, per byte of text, and the entry's own
/// bookkeeping: rough, measured on the benchmark's queries.
const BYTES_PER_CHAR: usize = 8;
const ENTRY_OVERHEAD: usize = 256;

/// The store; one per process.
pub struct Documents {
    parsed: moka::sync::Cache<Arc<str>, Arc<ExecutableDocument>>,
}

impl Default for Documents {
    fn default() -> Self {
        Self {
            parsed: moka::sync::Cache::builder()
                .max_capacity(MAX_BYTES)
                .weigher(|text: &Arc<str>, _: &Arc<ExecutableDocument>| {
                    u32::try_from(text.len() * (BYTES_PER_CHAR + 1) + ENTRY_OVERHEAD)
                        .unwrap_or(u32::MAX)
                })
                .build(),
        }
    }
}

impl Documents {
    /// `query` parsed, from the store when it holds it.
    pub fn parse(&self, query: &str) -> Result<Arc<ExecutableDocument>, ServerError> {
        if let Some(doc) = self.parsed.get(query) {
            return Ok(doc);
        }
        let doc = Arc::new(parse_query(query).map_err(ServerError::from)?);
        self.parsed.insert(Arc::from(query), Arc::clone(&doc));
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_once_and_refuses_what_does_not_parse() {
        let docs = Documents::default();
        let a = docs.parse("{ articles { totalCount } }").expect("parses");
        let b = docs.parse("{ articles { totalCount } }").expect("parses");
        assert!(Arc::ptr_eq(&a, &b), "the second parse comes from the store");
        assert!(docs.parse("{ articles {").is_err());
    }
}
