//! The HTTP server: routes and middleware, built once and shared by every worker.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{Compress, Condition, DefaultHeaders, from_fn};
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

/// How the server runs (what its handlers share is the [`AppState`] it is given).
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Worker threads; `None` is one per core.
    pub workers: Option<usize>,
    /// On SIGTERM or SIGINT, how long requests in flight may take to finish.
    pub shutdown_timeout: Duration,
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
            graphql: GraphqlConfig::default(),
            cors: Cors::AnyOrigin,
            feed_size: crate::feeds::DEFAULT_SIZE,
        }
    }
}

/// The request headers that the supported browser clients send beyond the CORS-safelisted
/// ones, each of which makes the browser ask first (a preflight) and needs allowing.
const ALLOWED_REQUEST_HEADERS: [&str; 8] = [
    // Safelisted only while short: GraphQL clients' lists of types can be longer.
    "accept",
    // Ghost's @tryghost/content-api, on every request.
    "accept-version",
    // Staff tokens and integration keys (and Ghost's members tokens).
    "authorization",
    // JSON bodies; Apollo Client sends it on GET as well.
    "content-type",
    // Apollo Client's client awareness.
    "apollographql-client-name",
    "apollographql-client-version",
    // What Apollo's clients send to pass CSRF prevention on GET (persisted queries).
    "apollo-require-preflight",
    "x-apollo-operation-name",
];

/// The response headers that clients read beyond the safelisted ones (`Cache-Control`,
/// `Content-Type`, `Last-Modified`, …).
const EXPOSED_RESPONSE_HEADERS: [&str; 5] = [
    "etag",
    "x-request-id",
    "retry-after",
    // The Content API's version, as Ghost's clients expect it.
    "content-version",
    "x-cache",
];

fn cors(config: &Cors) -> actix_cors::Cors {
    let base = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST"])
        .allowed_headers(ALLOWED_REQUEST_HEADERS)
        .expose_headers(EXPOSED_RESPONSE_HEADERS)
        .max_age(86_400);
    match config {
        Cors::AnyOrigin => base.allow_any_origin().send_wildcard(),
        Cors::Origins(origins) => origins
            .iter()
            .fold(base, |cors, origin| cors.allowed_origin(origin)),
    }
}

/// With any origin allowed, every response says so, asked with an `Origin` or not (the CORS
/// middleware answers only requests that have one): a shared cache that keeps a response
/// fetched without one, and ignores `Vary: Origin` as many CDNs do, still serves browsers a
/// response they may read.
fn any_origin_everywhere(config: &Cors) -> Condition<DefaultHeaders> {
    Condition::new(
        *config == Cors::AnyOrigin,
        DefaultHeaders::new().add((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")),
    )
}

/// `GET`, or `HEAD`: what `GET` would answer, without the body (actix leaves it out), which
/// every HTTP server must support for what it serves by `GET` (RFC 9110, 9.1).
fn get_or_head() -> guard::AnyGuard {
    guard::Any(guard::Get()).or(guard::Head())
}

/// Every feed: the publication's, and each tag's and author's, in three formats.
fn feed_routes(cfg: &mut web::ServiceConfig) {
    for scope in ["", "/tag/{slug}", "/author/{slug}"] {
        for format in ["/rss/", "/atom/", "/feed.json"] {
            cfg.route(
                &format!("{scope}{format}"),
                web::route().guard(get_or_head()).to(crate::feeds::handle),
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
    // The schema is built once here and shared, never rebuilt per worker.
    let graphql = web::Data::new(GraphqlService::new(
        options.graphql.clone(),
        state.site().clone(),
    ));
    let data = web::Data::new(state);
    let cors_config = options.cors.clone();
    let feed_size = web::Data::new(crate::feeds::FeedSize(options.feed_size.clamp(1, 100)));
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(graphql.clone())
            .app_data(feed_size.clone())
            .wrap(any_origin_everywhere(&cors_config))
            .wrap(cors(&cors_config))
            .wrap(Compress::default())
            .wrap(from_fn(request_id::echo))
            // Outermost: gives each request its id and span before anything else runs.
            .wrap(TracingLogger::<crate::logging::RootSpan>::new())
            // Routes are tried in order, and a pattern with a parameter is a regular
            // expression to run: the busiest, plain paths go first.
            .service(
                web::resource("/graphql")
                    .route(web::get().to(graphql::http::get))
                    .route(web::head().to(graphql::http::get))
                    .route(web::post().to(graphql::http::post))
                    .default_service(web::to(graphql::http::other_method)),
            )
            .service(
                web::scope("/ghost/api")
                    .guard(get_or_head())
                    .default_service(web::to(crate::content::handle)),
            )
            .route("/healthz", web::get().to(health::healthz))
            .route("/readyz", web::get().to(health::readyz))
            .configure(feed_routes)
            .route(
                &format!("{}/{{file}}", graphql::graphiql::ASSETS_PATH),
                web::get().to(graphql::graphiql::asset),
            )
            // Pages live on the website: say so to whoever follows a page URL here.
            .default_service(web::to(crate::site::elsewhere))
    })
    .shutdown_timeout(options.shutdown_timeout.as_secs());
    if let Some(workers) = options.workers {
        server = server.workers(workers.max(1));
    }
    Ok(server.listen(listener)?.run())
}

/// The metrics listener (`--metrics-bind`): `GET /metrics` and nothing else, on one worker.
/// Not stopped by the public server's handle: it ends with the process.
pub fn metrics_server(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let data = web::Data::new(state);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/metrics", web::get().to(crate::metrics::serve))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run())
}
