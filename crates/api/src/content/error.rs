//! Errors in Ghost's envelope: `{"errors": [{"message", "context", "type", …}]}`, with the
//! status codes Ghost's software (and its client) use.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, CacheControl, CacheDirective};
use serde_json::json;

/// A Content API failure.
#[derive(Debug)]
pub struct GhostError {
    status: StatusCode,
    kind: &'static str,
    message: String,
    context: Option<String>,
    /// The stable code, as GraphQL's `extensions.code` gives it, where one is promised.
    code: Option<&'static str>,
    retry_after: Option<u64>,
}

impl GhostError {
    /// 403 `NoPermissionError`: a missing or unknown key (the docs say 401; Ghost answers 403).
    pub fn no_permission(message: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, "NoPermissionError", message)
    }

    /// 404 `NotFoundError`.
    pub fn not_found(message: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFoundError", message)
    }

    /// 400 `BadRequestError`, with the detail as context.
    pub fn bad_request(message: &str, context: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, "BadRequestError", message);
        e.context = Some(context.into());
        e
    }

    /// 429 `TooManyRequestsError` with `Retry-After`, and code `RATE_LIMITED` (as GraphQL
    /// says it), so that a client can tell it from other refusals without the status.
    pub fn too_many(seconds: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsError",
            "Too many requests for this key; slow down.",
        );
        e.code = Some("RATE_LIMITED");
        e.retry_after = Some(seconds);
        e
    }

    /// 500 `InternalServerError`; the cause is logged where it happened.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "An unexpected error occurred.",
        )
    }

    /// 503 with `Retry-After`, when the database is busy or cannot be reached.
    pub fn unavailable() -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "InternalServerError",
            "The service is unavailable; try again shortly.",
        );
        e.retry_after = Some(crate::graphql::error::UNAVAILABLE_RETRY_AFTER);
        e
    }

    /// 503 `TimeoutError`: the request ran past its time limit.
    pub fn timed_out() -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "TimeoutError",
            "The request took too long; narrow it down or try again later.",
        );
        e.retry_after = Some(crate::graphql::error::UNAVAILABLE_RETRY_AFTER);
        e
    }

    fn new(status: StatusCode, kind: &'static str, message: &str) -> Self {
        Self {
            status,
            kind,
            message: message.to_owned(),
            context: None,
            code: None,
            retry_after: None,
        }
    }

    /// The response.
    pub fn respond(&self) -> HttpResponse {
        let body = json!({ "errors": [{
            "message": self.message,
            "context": self.context,
            "type": self.kind,
            "details": null,
            "property": null,
            "help": null,
            "code": self.code,
            "id": uuid::Uuid::new_v4().to_string(),
        }]});
        let mut res = HttpResponse::build(self.status);
        // Who may read it from a browser is the CORS policy's to say (server.rs).
        res.insert_header(CacheControl(vec![CacheDirective::NoStore]));
        if let Some(seconds) = self.retry_after {
            // (actix has no typed `Retry-After`.)
            res.insert_header((header::RETRY_AFTER, seconds));
        }
        // With its charset, as every other Content API answer says it (and Ghost does).
        res.content_type("application/json; charset=utf-8")
            .body(body.to_string())
    }
}

impl From<broadsheet_persistence::StoreError> for GhostError {
    fn from(e: broadsheet_persistence::StoreError) -> Self {
        use broadsheet_persistence::StoreError;
        match e {
            StoreError::Invalid(v) => {
                Self::bad_request("Validation error, cannot list.", v.to_string())
            }
            StoreError::NotFound { .. } => {
                Self::not_found("Resource not found error, cannot read.")
            }
            StoreError::Unavailable(cause) => {
                tracing::error!(error = %cause, "database unavailable");
                Self::unavailable()
            }
            StoreError::TimedOut => Self::timed_out(),
            other => {
                tracing::error!(error = %other, cause = ?std::error::Error::source(&other), "content API failure");
                Self::internal()
            }
        }
    }
}
