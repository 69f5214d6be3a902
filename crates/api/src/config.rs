//! What the shared state is built from: every setting of the APIs that is not GraphQL's own or
//! the HTTP server's, parsed once (by the binary, from flags) and handed to
//! [`AppState::new`](crate::AppState::new), which derives everything else from it.

use std::time::Duration;

use crate::client::IpNet;
use crate::site::SiteUrl;
use crate::webhooks::Receivers;

/// The APIs' settings. `Default` is a server for one machine: the site at
/// `http://localhost:8080`, no response cache, no anonymous limit, public receivers only.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The publication's public address: article, tag and author URLs (in responses, feeds
    /// and webhook bodies) start with it.
    pub site_url: SiteUrl,
    /// `max-age` of cacheable responses, in seconds.
    pub cache_max_age: u32,
    /// `stale-while-revalidate` of cacheable responses, in seconds.
    pub stale_while_revalidate: u32,
    /// How long a read may take, on every API.
    pub request_timeout: Duration,
    /// Which addresses webhooks may be registered at.
    pub webhook_receivers: Receivers,
    /// Proxies whose forwarding headers are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// Requests a minute each anonymous address may make (0: no limit).
    pub anonymous_rate_limit: u32,
    /// Memory for the response cache of public reads, in bytes (0: no cache).
    pub response_cache_bytes: usize,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            site_url: SiteUrl::default(),
            cache_max_age: 60,
            stale_while_revalidate: 30,
            request_timeout: Duration::from_secs(10),
            webhook_receivers: Receivers::PublicOnly,
            trusted_proxies: Vec::new(),
            anonymous_rate_limit: 0,
            response_cache_bytes: 0,
        }
    }
}
