//! The HTTP server: routes and middleware, built once and shared by every worker.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, guard, web};
use tracing_actix_web::TracingLogger;

use crate::graphql::http::GraphqlService;
use crate::graphql::{self, GraphqlConfig};
use crate::{AppState, health, request_id};

/// Which other sites' pages may call the API from a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cors {
    /// Any origin may read (the default: the API serves public content).
    AnyOrigin,
    /// Only these origins (`https://www.example.com`).
    Origins(Vec<String>),
}

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Worker threads; `None` is one per core.
    pub workers: Option<usize>,
    /// On SIGTERM or SIGINT, how long requests in flight may take to finish.
    pub shutdown_timeout: Duration,
    /// The publication's public address, for article, tag and author URLs.
    pub site_url: String,
    /// GraphQL limits and switches.
    pub graphql: GraphqlConfig,
    /// Cross-origin access.
    pub cors: Cors,
    /// Articles in a feed.
    pub feed_size: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            workers: None,
            shutdown_timeout: Duration::from_secs(30),
            site_url: "http://localhost:8080".to_owned(),
            graphql: GraphqlConfig::default(),
            cors: Cors::AnyOrigin,
            feed_size: crate::feeds::DEFAULT_SIZE,
        }
    }
}

fn cors(config: &Cors) -> actix_cors::Cors {
    let base = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST"])
        .allowed_headers([header::CONTENT_TYPE, header::ACCEPT, header::AUTHORIZATION])
        .expose_headers([header::ETAG, request_id::X_REQUEST_ID])
        .max_age(86_400);
    match config {
        Cors::AnyOrigin => base.allow_any_origin().send_wildcard(),
        Cors::Origins(origins) => origins
            .iter()
            .fold(base, |cors, origin| cors.allowed_origin(origin)),
    }
}

/// Every feed: the publication's, and each tag's and author's, in three formats.
fn feed_routes(cfg: &mut web::ServiceConfig) {
    for scope in ["", "/tag/{slug}", "/author/{slug}"] {
        for format in ["/rss/", "/atom/", "/feed.json"] {
            cfg.route(
                &format!("{scope}{format}"),
                web::get().to(crate::feeds::handle),
            );
        }
    }
}

/// A server on `listener`. It stops gracefully on SIGTERM and SIGINT: no new connections,
/// requests in flight finish (up to the shutdown timeout).
pub fn server(
    listener: TcpListener,
    state: AppState,
    options: &ServerOptions,
) -> std::io::Result<Server> {
    let mut state = state;
    state.site = crate::site::SiteUrl::new(&options.site_url);
    state.cache_max_age = options.graphql.cache_max_age;
    state.settle_cache_control();
    let data = web::Data::new(state);
    // The schema is built once here and shared, never rebuilt per worker.
    let graphql = web::Data::new(GraphqlService::new(
        options.graphql.clone(),
        &options.site_url,
    ));
    let cors_config = options.cors.clone();
    let feed_size = web::Data::new(crate::feeds::FeedSize(options.feed_size.clamp(1, 100)));
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(graphql.clone())
            .app_data(feed_size.clone())
            .wrap(cors(&cors_config))
            .wrap(Compress::default())
            .wrap(from_fn(request_id::echo))
            // Outermost: gives each request its id and span before anything else runs.
            .wrap(TracingLogger::default())
            // Routes are tried in order, and a pattern with a parameter is a regular
            // expression to run: the busiest, plain paths go first.
            .service(
                web::resource("/graphql")
                    .route(web::get().to(graphql::http::get))
                    .route(web::post().to(graphql::http::post))
                    .default_service(web::to(graphql::http::other_method)),
            )
            .service(
                web::scope("/ghost/api")
                    .guard(guard::Get())
                    .default_service(web::to(crate::content::handle)),
            )
            .route("/healthz", web::get().to(health::healthz))
            .route("/readyz", web::get().to(health::readyz))
            .configure(feed_routes)
            .route(
                &format!("{}/{{file}}", graphql::graphiql::ASSETS_PATH),
                web::get().to(graphql::graphiql::asset),
            )
    })
    .shutdown_timeout(options.shutdown_timeout.as_secs());
    if let Some(workers) = options.workers {
        server = server.workers(workers.max(1));
    }
    Ok(server.listen(listener)?.run())
}
