//! Building and running the server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use anyhow::Context as _;
use broadsheet_api::background::Pulse;
use broadsheet_api::site::SiteUrl;
use broadsheet_api::{AppConfig, AppState, Cors, ServerOptions};
use broadsheet_domain::clock::Clock;
use broadsheet_persistence::{PoolOptions, Store};

use crate::cli::ServeArgs;
use crate::demo;

/// A server that is bound, connected and migrated, ready to run.
pub struct Application {
    port: u16,
    /// The metrics listener's port, when it is on.
    metrics_port: Option<u16>,
    server: Server,
    store: Store,
    clock: Clock,
    tasks: Tasks,
}

/// The background tasks this server runs, each with the [`Pulse`] that makes it run a pass
/// at once (`None`: the task is off). Tests move a manual clock, then wake the task that
/// should act on it, instead of sleeping until it would have.
#[derive(Debug, Clone, Default)]
pub struct Tasks {
    /// Publishes scheduled articles (`--scheduler-interval`).
    pub scheduler: Option<Pulse>,
    /// Delivers webhooks (`--webhook-delivery`).
    pub webhooks: Option<Pulse>,
    /// Re-reads the content version for the response cache (`--cache-refresh-ms`).
    pub cache: Option<Pulse>,
    /// Deletes what has outlived its use (`--maintenance-interval`).
    pub maintenance: Option<Pulse>,
}

impl Application {
    /// Opens and migrates the database (loading the sample publication with `--demo`), binds
    /// the listener, and builds the server. Fails with a one-line reason if any of it cannot
    /// be done.
    pub async fn build(args: &ServeArgs) -> anyhow::Result<Self> {
        // The one clock everything that decides by the time is given.
        let clock = args.clock.clone();
        let mut tasks = Tasks::default();
        let keyring = args.secrets.keyring()?;
        let store = open_store(&args.database).await?.with_keyring(keyring);
        {
            let store = store.clone();
            tokio::task::spawn_blocking(move || crate::secrets::reseal_at_startup(&store))
                .await
                .context("sealing the stored secrets")??;
        }
        if args.demo.on() {
            let (store, now) = (store.clone(), clock.now());
            let loaded = tokio::task::spawn_blocking(move || demo::load_if_empty(&store, now))
                .await
                .context("loading the sample publication")??;
            if let Some(summary) = loaded {
                tracing::info!(%summary, "loaded the sample publication");
            }
        }
        let listener = TcpListener::bind(args.bind)
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let port = listener.local_addr()?.port();
        let jwt = {
            let (store, auth, now) = (store.clone(), args.auth.clone(), clock.now());
            tokio::task::spawn_blocking(move || crate::auth::jwt_config(&auth, &store, now))
                .await
                .context("reading the token settings")??
        };
        crate::auth::warn_if_generated(&args.auth);
        let state = AppState::new(store.clone(), jwt, clock.clone(), app_config(args));
        let cache = Arc::clone(state.cache());
        if let Err(error) = cache.refresh(&store).await {
            tracing::warn!(%error, "could not read the content version; not caching yet");
        }
        if cache.enabled() {
            let pulse = tasks.cache.insert(Pulse::new()).clone();
            cache.listen(&args.database.url, pulse.clone());
            actix_web::rt::spawn(Arc::clone(&cache).watch(
                store.clone(),
                Duration::from_millis(args.cache_refresh_ms),
                pulse,
            ));
        }
        // The scheduler's changes go through the same service as the API's, so that their
        // events carry the same site address.
        let service = state.service().clone();
        let metrics = match args.metrics_bind {
            Some(address) => {
                let listener = TcpListener::bind(address)
                    .with_context(|| format!("cannot listen on {address} for metrics"))?;
                let port = listener.local_addr()?.port();
                let server = broadsheet_api::metrics_server(listener, state.clone())?;
                tracing::info!(address = %address.ip(), port, "serving metrics");
                Some((port, server))
            }
            None => None,
        };
        let server = broadsheet_api::server(listener, state, &server_options(args))?;
        if args.scheduler_interval > 0 {
            let interval = Duration::from_secs(args.scheduler_interval);
            let pulse = tasks.scheduler.insert(Pulse::new()).clone();
            actix_web::rt::spawn(crate::scheduler::run(service, interval, cache, pulse));
        }
        if args.webhooks.webhook_delivery.on() {
            actix_web::rt::spawn(broadsheet_api::webhooks::delivery::run(
                store.clone(),
                args.webhooks.options(),
                clock.clone(),
                tasks.webhooks.insert(Pulse::new()).clone(),
            ));
        }
        if !args.maintenance_interval.is_zero() {
            actix_web::rt::spawn(crate::maintenance::run(
                store.clone(),
                args.maintenance_interval,
                args.revisions_kept,
                clock.clone(),
                tasks.maintenance.insert(Pulse::new()).clone(),
            ));
        }
        tracing::info!(address = %args.bind.ip(), port, "serving");
        let metrics_port = metrics.map(|(port, server)| {
            actix_web::rt::spawn(server);
            port
        });
        Ok(Self {
            port,
            metrics_port,
            server,
            store,
            clock,
            tasks,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port the metrics listener listens on, when `--metrics-bind` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// The server's store (for its statement count, in tests and benchmarks).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The clock the server tells the time by.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Its background tasks, to wake them.
    pub fn tasks(&self) -> &Tasks {
        &self.tasks
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped by a signal or the handle.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// What every API shares, from the flags.
fn app_config(args: &ServeArgs) -> AppConfig {
    AppConfig {
        site_url: SiteUrl::new(&args.site_url),
        cache_max_age: args.graphql.cache_max_age,
        stale_while_revalidate: args.cache_stale_while_revalidate,
        request_timeout: args.graphql.request_timeout,
        webhook_receivers: args.webhooks.receivers(),
        trusted_proxies: args.trusted_proxies.0.clone(),
        anonymous_rate_limit: args.anonymous_rate_limit,
        response_cache_bytes: args.response_cache_mb.saturating_mul(1024 * 1024),
    }
}

/// How the HTTP server runs, from the flags.
fn server_options(args: &ServeArgs) -> ServerOptions {
    ServerOptions {
        workers: args.workers.map(usize::from),
        shutdown_timeout: Duration::from_secs(args.shutdown_timeout),
        feed_size: usize::from(args.feed_size),
        graphql: broadsheet_api::GraphqlConfig {
            body_timeout: args.request_body_timeout,
            ..args.graphql.config()
        },
        cors: if args.cors_origins.iter().any(|o| o.trim() == "*") {
            Cors::AnyOrigin
        } else {
            Cors::Origins(
                args.cors_origins
                    .iter()
                    .map(|o| o.trim().to_owned())
                    .collect(),
            )
        },
    }
}

/// Connects to and migrates the database, off the async threads.
pub async fn open_store(args: &crate::cli::DatabaseArgs) -> anyhow::Result<Store> {
    let url = args.url.clone();
    let options = PoolOptions {
        max_connections: args.max_connections(),
        statement_timeout: Some(args.db_statement_timeout).filter(|t| !t.is_zero()),
        ..PoolOptions::default()
    };
    tokio::task::spawn_blocking(move || {
        Store::open(&url, &options).with_context(|| format!("cannot open database {url}"))
    })
    .await
    .context("opening the database")?
}
