//! Automatic persisted queries (Apollo's protocol): a client sends the SHA-256 of a query
//! instead of the query (`extensions.persistedQuery.sha256Hash`), so that a read is a short
//! GET a CDN can cache; the first time, the server does not know the hash and says so
//! (`PersistedQueryNotFound`), and the client sends the query with its hash once.
//!
//! Anyone may register a query, so the store is bounded by bytes, not entries (a few MB by
//! default, `--persisted-queries-mb`), and only takes documents that parse: the handler
//! registers a query only after it validated and ran. Least recently used queries go first
//! when it is full; a client whose hash was dropped is simply asked for the query again, as a
//! replica that never saw it would ask.

use std::sync::Arc;

use moka::policy::EvictionPolicy;

/// What one stored query costs besides its text and hash: the map's own bookkeeping, roughly.
const ENTRY_OVERHEAD: usize = 96;

/// The store; one per process.
pub struct PersistedQueries {
    queries: moka::sync::Cache<Arc<str>, Arc<str>>,
    max_bytes: u64,
}

impl PersistedQueries {
    /// A store of at most `max_bytes` (0: nothing is kept, every hash is unknown).
    pub fn new(max_bytes: u64) -> Self {
        Self {
            queries: moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|hash: &Arc<str>, query: &Arc<str>| weight(hash, query))
                .eviction_policy(EvictionPolicy::lru())
                .build(),
            max_bytes,
        }
    }

    /// The query with this hash (64 lowercase hex characters), if it is kept.
    pub fn get(&self, hash: &str) -> Option<Arc<str>> {
        self.queries.get(hash)
    }

    /// Keeps `query` under `hash` if it is a GraphQL document at all; returns whether it was
    /// kept. The caller has checked that `hash` is the query's SHA-256, and registers it only
    /// once the query validated against the schema.
    pub fn register(&self, hash: &str, query: &str) -> bool {
        let fits = weight(hash, query) as u64 <= self.max_bytes;
        if !fits || async_graphql::parser::parse_query(query).is_err() {
            return false;
        }
        self.queries.insert(Arc::from(hash), Arc::from(query));
        true
    }

    /// Bytes held (after pending evictions are carried out).
    #[cfg(test)]
    fn bytes(&self) -> u64 {
        self.queries.run_pending_tasks();
        self.queries.weighted_size()
    }
}

fn weight(hash: &str, query: &str) -> u32 {
    u32::try_from(hash.len() + query.len() + ENTRY_OVERHEAD).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_stays_within_its_bytes_and_keeps_no_junk() {
        let max = 256 * 1024;
        let store = PersistedQueries::new(max);
        for i in 0..20_000u32 {
            let hash = format!("{i:064x}");
            let query = if i % 2 == 0 {
                // Junk: kept nowhere.
                format!("{{ not a document {i} ").repeat(1 + (i % 7) as usize)
            } else {
                format!("query Q{i} {{ tags(first: {}) {{ totalCount }} }}", i % 100)
            };
            let kept = store.register(&hash, &query);
            assert_eq!(kept, i % 2 == 1, "{i}");
            if i % 1000 == 0 {
                assert!(store.bytes() <= max, "{i}: {} bytes", store.bytes());
            }
        }
        assert!(store.bytes() <= max, "{} bytes", store.bytes());
        assert!(
            store.bytes() > max / 2,
            "it is used: {} bytes",
            store.bytes()
        );
        assert!(store.get(&format!("{:064x}", 0)).is_none(), "junk");
        assert!(
            store.get(&format!("{:064x}", 19_999)).is_some(),
            "the newest"
        );
        assert!(
            store.get(&format!("{:064x}", 1)).is_none(),
            "the oldest went first"
        );
    }

    #[test]
    fn a_query_larger_than_the_store_is_not_kept() {
        let store = PersistedQueries::new(1024);
        let big = format!("{{ tags(first: 1) {{ totalCount }} }}{}", " ".repeat(2000));
        assert!(!store.register(&"a".repeat(64), &big));
        assert_eq!(store.bytes(), 0);
    }
}
