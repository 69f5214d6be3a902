//! What a request's log lines say about it, and what they never say.
//!
//! Every event logged while a request is handled carries its span: method, route, client,
//! status, request id, and the target. The target is the path and the *names* of the query
//! parameters, never their values: a query string carries content keys (`?key=`), GraphQL
//! documents and variables with preview tokens and passwords in them. Headers are not
//! logged at all (`Authorization` holds bearer tokens and integration tokens). The client
//! address is the one rate limits use (through trusted proxies only), not whatever a
//! `X-Forwarded-For` header claims.
//!
//! When a request has been answered, one line says so at `info` (health checks at `debug`, as
//! a load balancer asks every few seconds), so that the id a client reports from its
//! `X-Request-Id` header finds the request in the log at the default level.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use std::time::Instant;

use actix_web::{Error, HttpMessage as _, web};
use tracing::Span;
use tracing::field::Empty;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

use crate::AppState;

/// The root span of every request (see the module docs).
pub struct RootSpan;

/// When the request came in, kept in its extensions for the line that ends it.
#[derive(Clone, Copy)]
struct Started(Instant);

impl RootSpanBuilder for RootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        request.extensions_mut().insert(Started(Instant::now()));
        // Below `info` the span is not recorded: its fields are not worked out either (the
        // client's address and the request id as text were a twentieth of a cached answer).
        if !tracing::enabled!(tracing::Level::INFO) {
            return Span::none();
        }
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let method = request.method().as_str();
        let user_agent = request
            .headers()
            .get("user-agent")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let client = request
            .app_data::<web::Data<AppState>>()
            .and_then(|state| state.clients().address(request.request()))
            .or_else(|| request.peer_addr().map(|a| a.ip()))
            .map(|ip| ip.to_string())
            .unwrap_or_default();
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %method,
            http.route = %route,
            http.flavor = ?request.version(),
            http.client_ip = %client,
            http.user_agent = %user_agent,
            http.target = %target(request.path(), request.query_string()),
            http.status_code = Empty,
            otel.name = %format!("{method} {route}"),
            otel.kind = "server",
            otel.status_code = Empty,
            request_id = %request_id,
            exception.message = Empty,
            exception.details = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        // Records the status (and any error) on the span, which the line below then carries.
        DefaultRootSpanBuilder::on_request_end(span.clone(), outcome);
        let (started, health_check) = match outcome {
            Ok(response) => {
                let request = response.request();
                let started = request.extensions().get::<Started>().copied();
                let path = request.path();
                (started, path == "/healthz" || path == "/readyz")
            }
            Err(_) => (None, false),
        };
        if let Ok(response) = outcome {
            record_metrics(response, started);
        }
        // To a tenth of a millisecond: finer is noise.
        let elapsed_ms = started.map(|s| (s.0.elapsed().as_secs_f64() * 10_000.0).round() / 10.0);
        span.in_scope(|| {
            if health_check {
                tracing::debug!(elapsed_ms, "answered");
            } else {
                tracing::info!(elapsed_ms, "answered");
            }
        });
    }
}

/// Counts an answered request in the server's metrics (see [`crate::metrics`]).
fn record_metrics<B>(response: &ServiceResponse<B>, started: Option<Started>) {
    let request = response.request();
    let Some(state) = request.app_data::<web::Data<AppState>>() else {
        return;
    };
    let route = request.match_pattern();
    let cache = response
        .headers()
        .get("x-cache")
        .and_then(|v| v.to_str().ok());
    state.metrics().record(
        route.as_deref().unwrap_or("default"),
        request.method().as_str(),
        response.status().as_u16(),
        started.map(|s| s.0.elapsed().as_secs_f64()),
        cache,
    );
}

/// The path, and the query's parameter names with their values left out:
/// `/graphql?query=…&variables=…`.
pub fn target(path: &str, query: &str) -> String {
    let mut out = String::with_capacity(path.len() + 32);
    out.push_str(path);
    for (i, pair) in query.split('&').filter(|p| !p.is_empty()).enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        let name = pair.split('=').next().unwrap_or_default();
        // A name is the client's text too: only a short, plain one is written down.
        if name.len() <= 32 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            out.push_str(name);
        } else {
            out.push('…');
        }
        out.push_str("=…");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_keep_names_and_drop_values() {
        assert_eq!(target("/healthz", ""), "/healthz");
        assert_eq!(
            target(
                "/ghost/api/content/posts/",
                "key=0123456789abcdef0123456789&limit=5"
            ),
            "/ghost/api/content/posts/?key=…&limit=…"
        );
        assert_eq!(
            target(
                "/graphql",
                "query=%7Bpreview(token%3A%22eyJ%22)%7D&variables="
            ),
            "/graphql?query=…&variables=…"
        );
        assert_eq!(target("/x", "eyJhbGciOi.eyJzdWIi.sig"), "/x?…=…");
        assert_eq!(target("/x", "a%3Db=1"), "/x?…=…");
    }
}
