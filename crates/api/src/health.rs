//! Liveness and readiness, for load balancers and orchestrators.

use std::time::Duration;

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::AppState;

/// How long readiness waits for the database before calling it down.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: 200 while the process serves requests, whatever the database does.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .json(json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 when the database answers, 503 when it does not, so a load balancer
/// sends traffic elsewhere until it is back.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.store().ping(READY_TIMEOUT).await {
        Ok(()) => HttpResponse::Ok()
            .insert_header(CacheControl(vec![CacheDirective::NoStore]))
            .json(json!({ "status": "ready" })),
        Err(error) => {
            tracing::warn!(error = %error, cause = ?std::error::Error::source(&error), "not ready");
            HttpResponse::ServiceUnavailable()
                .insert_header(CacheControl(vec![CacheDirective::NoStore]))
                .json(json!({ "status": "unavailable", "reason": "database" }))
        }
    }
}
