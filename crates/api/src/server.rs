//! The HTTP server: routes and middleware, built once and shared by every worker.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;

use crate::{AppState, health, request_id};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Worker threads; `None` is one per core.
    pub workers: Option<usize>,
    /// On SIGTERM or SIGINT, how long requests in flight may take to finish.
    pub shutdown_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            workers: None,
            shutdown_timeout: Duration::from_secs(30),
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
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(Compress::default())
            .wrap(from_fn(request_id::echo))
            // Outermost: gives each request its id and span before anything else runs.
            .wrap(TracingLogger::default())
            .route("/healthz", web::get().to(health::healthz))
            .route("/readyz", web::get().to(health::readyz))
    })
    .shutdown_timeout(options.shutdown_timeout.as_secs());
    if let Some(workers) = options.workers {
        server = server.workers(workers.max(1));
    }
    Ok(server.listen(listener)?.run())
}
