//! Building and running the server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use anyhow::Context as _;
use broadsheet_api::cache::ResponseCache;
use broadsheet_api::{AppState, Cors, ServerOptions};
use broadsheet_persistence::{PoolOptions, Store};

use crate::cli::ServeArgs;
use crate::demo;

/// A server that is bound, connected and migrated, ready to run.
pub struct Application {
    port: u16,
    server: Server,
    store: Store,
}

impl Application {
    /// Opens and migrates the database (loading the sample publication with `--demo`), binds
    /// the listener, and builds the server. Fails with a one-line reason if any of it cannot
    /// be done.
    pub async fn build(args: &ServeArgs) -> anyhow::Result<Self> {
        let keyring = args.secrets.keyring()?;
        let store = open_store(&args.database).await?.with_keyring(keyring);
        {
            let store = store.clone();
            tokio::task::spawn_blocking(move || crate::secrets::reseal_at_startup(&store))
                .await
                .context("sealing the stored secrets")??;
        }
        if args.demo.on() {
            let store = store.clone();
            let loaded = tokio::task::spawn_blocking(move || demo::load_if_empty(&store))
                .await
                .context("loading the sample publication")??;
            if let Some(summary) = loaded {
                tracing::info!(%summary, "loaded the sample publication");
            }
        }
        let listener = TcpListener::bind(args.bind)
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let port = listener.local_addr()?.port();
        let options = ServerOptions {
            workers: args.workers.map(usize::from),
            shutdown_timeout: Duration::from_secs(args.shutdown_timeout),
            site_url: args.site_url.clone(),
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
        };
        let jwt = {
            let (store, auth) = (store.clone(), args.auth.clone());
            tokio::task::spawn_blocking(move || crate::auth::jwt_config(&auth, &store))
                .await
                .context("reading the token settings")??
        };
        crate::auth::warn_if_generated(&args.auth);
        let cache = Arc::new(ResponseCache::new(
            args.response_cache_mb.saturating_mul(1024 * 1024),
        ));
        if let Err(error) = cache.refresh(&store).await {
            tracing::warn!(%error, "could not read the content version; not caching yet");
        }
        actix_web::rt::spawn(
            Arc::clone(&cache).watch(store.clone(), Duration::from_millis(args.cache_refresh_ms)),
        );
        let mut state = AppState::new(store.clone(), jwt);
        state.clients = Arc::new(broadsheet_api::client::Clients::new(
            args.trusted_proxies.0.clone(),
            args.anonymous_rate_limit,
        ));
        state.cache = Arc::clone(&cache);
        state.stale_while_revalidate = args.cache_stale_while_revalidate;
        state.webhook_receivers = args.webhooks.receivers();
        let server = broadsheet_api::server(listener, state, &options)?;
        if args.scheduler_interval > 0 {
            let interval = Duration::from_secs(args.scheduler_interval);
            let service = broadsheet_service::Service::new(
                store.clone(),
                broadsheet_domain::clock::Clock::system(),
                broadsheet_api::webhooks::outbox::ContentApiBodies::shared(
                    broadsheet_api::site::SiteUrl::new(&args.site_url),
                ),
            );
            actix_web::rt::spawn(crate::scheduler::run(service, interval, cache));
        }
        if args.webhooks.webhook_delivery.on() {
            let options = args.webhooks.options();
            actix_web::rt::spawn(broadsheet_api::webhooks::delivery::run(
                store.clone(),
                options,
            ));
        }
        if !args.maintenance_interval.is_zero() {
            actix_web::rt::spawn(crate::maintenance::run(
                store.clone(),
                args.maintenance_interval,
                args.revisions_kept,
            ));
        }
        tracing::info!(address = %args.bind.ip(), port, "serving");
        Ok(Self {
            port,
            server,
            store,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's store (for its statement count, in tests and benchmarks).
    pub fn store(&self) -> &Store {
        &self.store
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
