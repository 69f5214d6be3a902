//! What one GraphQL request carries: the store, the instant it is answered as of, the site's
//! address, and its DataLoaders.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache};
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::Store;
use broadsheet_service::Service;

use super::loaders::StoreLoader;
use crate::auth::{JwtConfig, Viewer};
use crate::cache::Surrogates;
use crate::keys::RateLimiter;
pub use crate::site::SiteUrl;

/// Per-request data.
pub struct RequestContext {
    /// The application, as of `now`, on the request's deadline.
    pub service: Service,
    /// The database.
    pub store: Store,
    /// "Now" for this request: what is live is decided once, so one response never mixes two
    /// instants.
    pub now: Timestamp,
    /// The site's address.
    pub site: SiteUrl,
    /// Batches and caches loads for this request (the cache is switched off for mutations,
    /// whose later fields must see their earlier writes).
    pub loader: DataLoader<StoreLoader, HashMapCache>,
    /// Who is asking.
    pub viewer: Viewer,
    /// Signs tokens (sign-in, previews).
    pub jwt: Arc<JwtConfig>,
    /// Partner keys' limits, and the keys it remembers (forgotten when one is revoked).
    pub limiter: Arc<RateLimiter>,
    /// The client's address, for throttling sign-ins.
    pub address: Option<IpAddr>,
    /// What the response shows, for `Surrogate-Key`.
    pub surrogates: Surrogates,
    /// Set when the response must not be cached (it shows something only its token opens).
    pub private: Arc<AtomicBool>,
    /// Set when a lookup found nothing (an unknown slug or id, an empty list): the response
    /// is cached apart from those that show something (see [`crate::cache::Shelf`]).
    pub found_nothing: Arc<AtomicBool>,
}

impl RequestContext {
    /// A context answering `viewer` with `service` (pinned to the request's instant).
    pub fn new(
        service: Service,
        site: SiteUrl,
        viewer: Viewer,
        jwt: Arc<JwtConfig>,
        limiter: Arc<RateLimiter>,
        address: Option<IpAddr>,
    ) -> Self {
        let (store, now) = (service.store().clone(), service.now());
        let surrogates = Surrogates::default();
        // No delay: every load a resolution pass asks for is queued before the spawned
        // fetch first runs, so batches are whole without waiting on a timer (the default 1 ms
        // costs a timer round per batch, which is most of an uncached request's latency).
        let loader = DataLoader::with_cache(
            StoreLoader::new(store.clone(), now, surrogates.clone()),
            tokio::spawn,
            HashMapCache::default(),
        )
        .delay(std::time::Duration::ZERO);
        Self {
            service,
            store,
            now,
            site,
            loader,
            viewer,
            jwt,
            limiter,
            address,
            surrogates,
            private: Arc::default(),
            found_nothing: Arc::default(),
        }
    }

    /// Records that a lookup found nothing (see `found_nothing`).
    pub fn found_nothing(&self) {
        self.found_nothing
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Records that the response shows a list (`articles`, `tags`, `authors`).
    pub fn shows(&self, key: &str) {
        self.surrogates.add(key.to_owned());
    }
}

/// The request context, which the HTTP handler always provides.
pub fn request<'a>(ctx: &Context<'a>) -> &'a RequestContext {
    ctx.data_unchecked::<RequestContext>()
}
