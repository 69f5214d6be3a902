//! What every handler can reach.
//!
//! The state is complete when built: [`AppState::new`] takes every setting at once and
//! derives the rest (the service's event bodies on the site's address, the `Cache-Control`
//! header) there, so no caller can change a setting and forget what follows from it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::header::HeaderValue;
use broadsheet_domain::clock::Clock;
use broadsheet_persistence::Store;
use broadsheet_service::Service;

use crate::auth::JwtConfig;
use crate::cache::ResponseCache;
use crate::client::Clients;
use crate::config::AppConfig;
use crate::keys::RateLimiter;
use crate::site::SiteUrl;
use crate::webhooks::outbox::ContentApiBodies;

/// Shared by all workers; cheap to clone. Read-only once built (a request's copy differs
/// only by its deadline: [`AppState::for_request`]).
#[derive(Debug, Clone)]
pub struct AppState {
    store: Store,
    service: Service,
    jwt: Arc<JwtConfig>,
    limiter: Arc<RateLimiter>,
    clients: Arc<Clients>,
    site: SiteUrl,
    cache: Arc<ResponseCache>,
    metrics: Arc<crate::metrics::Metrics>,
    request_timeout: Duration,
    cache_control: HeaderValue,
}

impl AppState {
    /// State over `store`, with tokens made and checked by `jwt`, telling the time by
    /// `clock` (the one clock: the service's, the limiters' and the response cache's), set
    /// up by `config`.
    pub fn new(store: Store, jwt: JwtConfig, clock: Clock, config: AppConfig) -> Self {
        let service = Service::new(
            store.clone(),
            clock.clone(),
            ContentApiBodies::shared(config.site_url.clone()),
        )
        .receiving(config.webhook_receivers);
        Self {
            store,
            service,
            jwt: Arc::new(jwt),
            limiter: Arc::new(RateLimiter::new(clock.clone())),
            clients: Arc::new(Clients::new(
                config.trusted_proxies,
                config.anonymous_rate_limit,
                clock.clone(),
            )),
            site: config.site_url,
            cache: Arc::new(ResponseCache::new(config.response_cache_bytes, clock)),
            metrics: Arc::default(),
            request_timeout: config.request_timeout,
            cache_control: crate::cache::cache_control(
                config.cache_max_age,
                config.stale_while_revalidate,
            ),
        }
    }

    /// This state for one request that may take until `request_timeout` from now: its reads
    /// stop there (see `Store::with_deadline`). Returns the deadline too.
    pub fn for_request(&self) -> (Self, Instant) {
        // Real time, not the clock's: the limit bounds the work a request may cost, which a
        // manual clock standing still must not stretch forever.
        let deadline = Instant::now() + self.request_timeout;
        let state = Self {
            store: self.store.with_deadline(deadline),
            ..self.clone()
        };
        (state, deadline)
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The application: every rule, change and event goes through it. Its event bodies
    /// carry URLs on [`site`](Self::site).
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// Signs and checks tokens.
    pub fn jwt(&self) -> &Arc<JwtConfig> {
        &self.jwt
    }

    /// Holds partner keys to their limits.
    pub fn limiter(&self) -> &Arc<RateLimiter> {
        &self.limiter
    }

    /// Reads client addresses (through trusted proxies) and limits anonymous ones.
    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    /// The publication's address.
    pub fn site(&self) -> &SiteUrl {
        &self.site
    }

    /// Public reads, kept in memory (shared with the tasks that refresh and clear it).
    pub fn cache(&self) -> &Arc<ResponseCache> {
        &self.cache
    }

    /// The server's metrics (see [`crate::metrics`]).
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }

    /// How long a read may take, on every API.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The `Cache-Control` of public responses.
    pub fn cache_control(&self) -> &HeaderValue {
        &self.cache_control
    }
}

#[cfg(test)]
mod tests {
    use broadsheet_persistence::testing::TestDb;

    use super::*;
    use crate::auth::Secret;

    #[test]
    fn cache_control_follows_the_config() {
        let db = TestDb::sqlite();
        let jwt = JwtConfig::new(Secret::new(vec![7u8; 32]).expect("long enough"));
        let config = AppConfig {
            cache_max_age: 5,
            stale_while_revalidate: 7,
            ..AppConfig::default()
        };
        let state = AppState::new(db.store.clone(), jwt, Clock::system(), config);
        assert_eq!(
            state.cache_control(),
            "public, max-age=5, s-maxage=5, stale-while-revalidate=7"
        );
    }
}
