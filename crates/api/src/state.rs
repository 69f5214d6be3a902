//! What every handler can reach.

use crate::webhooks::outbox::ContentApiBodies;
use broadsheet_domain::clock::Clock;
use broadsheet_service::Service;
use std::sync::Arc;

use broadsheet_persistence::Store;

use crate::auth::JwtConfig;
use crate::cache::ResponseCache;
use crate::client::Clients;
use crate::keys::RateLimiter;
use crate::site::SiteUrl;
use crate::webhooks::Receivers;

/// Shared by all workers; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The application: every rule, change and event goes through it.
    pub service: Service,
    /// Signs and checks tokens.
    pub jwt: Arc<JwtConfig>,
    /// Holds partner keys to their limits.
    pub limiter: Arc<RateLimiter>,
    /// Reads client addresses (through trusted proxies) and limits anonymous ones.
    pub clients: Arc<Clients>,
    /// The publication's address.
    pub site: SiteUrl,
    /// `max-age` of cacheable responses, in seconds.
    pub cache_max_age: u32,
    /// `stale-while-revalidate` of cacheable responses, in seconds.
    pub stale_while_revalidate: u32,
    /// Public reads, kept in memory.
    pub cache: Arc<ResponseCache>,
    /// How long a read may take, on every API.
    pub request_timeout: std::time::Duration,
    /// Which addresses webhooks may be registered at (`--webhook-allow-private`).
    pub webhook_receivers: Receivers,
    /// `Cache-Control` of public responses, made from the two above by the server.
    cache_control: actix_web::http::header::HeaderValue,
}

impl AppState {
    /// Settles `Cache-Control` from `cache_max_age` and `stale_while_revalidate`.
    pub fn settle_cache_control(&mut self) {
        self.cache_control =
            crate::cache::cache_control(self.cache_max_age, self.stale_while_revalidate);
    }

    /// This state for one request that may take until `request_timeout` from now: its reads
    /// stop there (see `Store::with_deadline`). Returns the deadline too.
    pub fn for_request(&self) -> (Self, std::time::Instant) {
        // Real time, not the clock's: the limit bounds the work a request may cost, which a
        // manual clock standing still must not stretch forever.
        let deadline = std::time::Instant::now() + self.request_timeout;
        let state = Self {
            store: self.store.with_deadline(deadline),
            ..self.clone()
        };
        (state, deadline)
    }

    /// The `Cache-Control` of public responses.
    pub fn cache_control(&self) -> &actix_web::http::header::HeaderValue {
        &self.cache_control
    }

    /// State over `store`, with tokens made and checked by `jwt`, telling the time by
    /// `clock` (the service's, the one clock; its response cache is off).
    pub fn new(store: Store, jwt: JwtConfig, clock: Clock) -> Self {
        let service = Service::new(
            store.clone(),
            clock.clone(),
            ContentApiBodies::shared(SiteUrl::default()),
        );
        Self {
            store,
            limiter: Arc::new(RateLimiter::new(clock.clone())),
            cache: Arc::new(ResponseCache::new(0, clock)),
            service,
            jwt: Arc::new(jwt),
            clients: Arc::new(Clients::default()),
            site: SiteUrl::default(),
            cache_max_age: 60,
            stale_while_revalidate: 30,
            request_timeout: std::time::Duration::from_secs(10),
            webhook_receivers: Receivers::PublicOnly,
            cache_control: crate::cache::cache_control(60, 30),
        }
    }
}
