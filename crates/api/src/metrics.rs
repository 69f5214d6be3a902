//! Metrics in the Prometheus text format (OpenMetrics), served on a listener of their own
//! (`--metrics-bind`), never on the public one: what a scraper reads, a reader never sees.
//!
//! Counted as requests end (see [`crate::logging`]): requests by route, method and status,
//! their latency by route, response cache hits and misses (each cacheable answer's
//! `X-Cache`), and rate-limit refusals (429s) by route. Read when scraped: the connection
//! pool's connections in use and idle, the statements run, the webhook deliveries waiting,
//! the response cache's bytes, and how late the scheduler is. One registry per server (no global state: tests run many servers in a process).

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use actix_web::{HttpResponse, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

/// Latency buckets: 0.5 ms, doubling, to about 16 s.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// A server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    cache: Family<ResultLabels, Counter>,
    refusals: Family<RouteLabels, Counter>,
    pool: Family<StateLabels, Gauge>,
    statements: Counter,
    /// The store's statement count at the last scrape (the counter moves by the difference).
    statements_seen: Mutex<u64>,
    outbox: Gauge,
    cache_bytes: Gauge,
    scheduler_lag: Gauge<f64, std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric, at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("broadsheet");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by route pattern, method and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route pattern",
            latency.clone(),
        );
        let cache = Family::<ResultLabels, Counter>::default();
        registry.register(
            "response_cache_lookups",
            "Cacheable answers, by whether the response cache had them (hit) or built them (miss)",
            cache.clone(),
        );
        let refusals = Family::<RouteLabels, Counter>::default();
        registry.register(
            "rate_limit_refusals",
            "Requests refused by a rate limit (429), by route pattern",
            refusals.clone(),
        );
        let pool = Family::<StateLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections open, in use or idle",
            pool.clone(),
        );
        let statements = Counter::<u64, AtomicU64>::default();
        registry.register(
            "db_statements",
            "SQL statements run by the API",
            statements.clone(),
        );
        let outbox = Gauge::default();
        registry.register(
            "webhook_deliveries_pending",
            "Webhook deliveries waiting to be made or retried",
            outbox.clone(),
        );
        let cache_bytes = Gauge::default();
        registry.register(
            "response_cache_bytes",
            "Bytes the response cache holds",
            cache_bytes.clone(),
        );
        let scheduler_lag = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "scheduler_lag_seconds",
            "How long the earliest scheduled article that is due has waited to be published (0: none waits)",
            scheduler_lag.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            cache,
            refusals,
            pool,
            statements,
            statements_seen: Mutex::new(0),
            outbox,
            cache_bytes,
            scheduler_lag,
        }
    }

    /// Counts a request answered.
    pub fn record(
        &self,
        route: &str,
        method: &str,
        status: u16,
        seconds: Option<f64>,
        cache: Option<&str>,
    ) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                method: method.to_owned(),
                status: status.to_string(),
            })
            .inc();
        let route_labels = RouteLabels {
            route: route.to_owned(),
        };
        if let Some(seconds) = seconds {
            self.latency.get_or_create(&route_labels).observe(seconds);
        }
        if status == 429 {
            self.refusals.get_or_create(&route_labels).inc();
        }
        if let Some(result) = cache {
            let result = if result.eq_ignore_ascii_case("HIT") {
                "hit"
            } else {
                "miss"
            };
            self.cache
                .get_or_create(&ResultLabels {
                    result: result.to_owned(),
                })
                .inc();
        }
    }

    /// The text a scrape reads, with the gauges read now from `state`.
    async fn render(&self, state: &AppState) -> Result<String, std::fmt::Error> {
        let store = state.store();
        let (open, idle) = store.pool_state();
        let in_use = open.saturating_sub(idle);
        self.pool
            .get_or_create(&StateLabels {
                state: "in_use".into(),
            })
            .set(i64::from(in_use));
        self.pool
            .get_or_create(&StateLabels {
                state: "idle".into(),
            })
            .set(i64::from(idle));
        {
            let run = store.statements_run();
            let mut seen = self
                .statements_seen
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            self.statements.inc_by(run.saturating_sub(*seen));
            *seen = (*seen).max(run);
        }
        self.cache_bytes
            .set(i64::try_from(state.cache().bytes()).unwrap_or(i64::MAX));
        let read = store
            .read(|c| {
                let pending = broadsheet_persistence::webhooks::pending_deliveries(c)?;
                let content = broadsheet_persistence::content::state(c)?;
                Ok((pending, content.next_due))
            })
            .await;
        match read {
            Ok((pending, next_due)) => {
                self.outbox.set(pending);
                let now = state.service().clock().now();
                let lag = next_due
                    .and_then(|due| (now - due).to_std().ok())
                    .map_or(0.0, |waited| waited.as_secs_f64());
                self.scheduler_lag.set(lag);
            }
            Err(error) => tracing::warn!(%error, "metrics: could not read the outbox and schedule"),
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// `GET /metrics` on the metrics listener.
pub async fn serve(state: web::Data<AppState>) -> HttpResponse {
    match state.metrics().render(&state).await {
        Ok(text) => HttpResponse::Ok()
            .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
            .body(text),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}
