//! Errors as clients see them.
//!
//! Policy: every failure reaches the client with a stable `extensions.code`:
//!
//! | code | meaning | HTTP status where one applies |
//! |---|---|---|
//! | `BAD_USER_INPUT` | an argument is invalid; `extensions.field` names it | 200 (field error) |
//! | `NOT_FOUND` | the thing acted on does not exist | 200 |
//! | `UNAUTHENTICATED` / `FORBIDDEN` | sign in / not allowed | 200; 401 when the request's own token is bad |
//! | `CONFLICT` | the change clashes with stored data; a stale `expectedVersion` adds `extensions.currentVersion` and `extensions.savedBy` | 200 |
//! | `RATE_LIMITED` | too many attempts; `extensions.retryAfter` says how long to wait | 200 (429 for whole requests) |
//! | `UNAVAILABLE` | the database is busy or unreachable; retry after `extensions.retryAfter` seconds | 200 |
//! | `INTERNAL` | our fault; the detail is in our logs, never in the response | 200 |
//! | `GRAPHQL_PARSE_FAILED` / `GRAPHQL_VALIDATION_FAILED` | the document is not valid | 400 with `graphql-response+json` |
//! | `QUERY_TOO_DEEP` / `QUERY_TOO_COMPLEX` | a limit on the document | 400 with `graphql-response+json` |
//! | `BAD_REQUEST` | the HTTP request is malformed (bad JSON, no query, …) | 400 |
//! | `PAYLOAD_TOO_LARGE`, `UNSUPPORTED_MEDIA_TYPE`, `NOT_ACCEPTABLE`, `METHOD_NOT_ALLOWED` | transport | 413, 415, 406, 405 |
//! | `TIMEOUT` | the request ran longer than allowed (`--request-timeout`) | 503 for the whole request; 200 for a field |
//!
//! Resolvers return [`ApiError`]; it converts to a GraphQL error in one place, here. Nothing
//! converts implicitly (async-graphql's `custom-error-conversion` is on), so no internal
//! message can reach a client by accident through `?`.

use async_graphql::ErrorExtensions as _;
use broadsheet_domain::ValidationError;
use broadsheet_persistence::StoreError;
use broadsheet_service::ServiceError;

/// A resolver's failure.
#[derive(Debug)]
pub enum ApiError {
    /// Invalid input, naming the argument.
    BadInput(ValidationError),
    /// The thing acted on does not exist.
    NotFound(&'static str),
    /// The change clashes with stored data.
    Conflict(String),
    /// The article was saved by someone else since the version the change was made against.
    StaleVersion {
        /// The version now stored.
        current_version: i64,
        /// Who saved it.
        saved_by: Option<String>,
    },
    /// Not signed in, or the credentials are not valid.
    Unauthenticated(&'static str),
    /// Signed in, but not allowed to do this.
    Forbidden(&'static str),
    /// Too many attempts; try again after this many seconds.
    RateLimited(u64),
    /// The database is busy (no connection came free in time) or unreachable: worth a retry.
    Unavailable,
    /// The request ran past its time limit.
    TimedOut,
    /// Our fault; logged here with its cause.
    Internal,
}

impl ApiError {
    /// Invalid input in `field`.
    pub fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        Self::BadInput(ValidationError::new(field, message))
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadInput(_) => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict(_) | Self::StaleVersion { .. } => "CONFLICT",
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::RateLimited(_) => "RATE_LIMITED",
            Self::Unavailable => "UNAVAILABLE",
            Self::TimedOut => "TIMEOUT",
            Self::Internal => "INTERNAL",
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Unauthenticated(m) => Self::Unauthenticated(m),
            ServiceError::Forbidden(m) => Self::Forbidden(m),
            ServiceError::Invalid(v) => Self::BadInput(v),
            ServiceError::NotFound(what) => Self::NotFound(what),
            ServiceError::RateLimited(seconds) => Self::RateLimited(seconds),
            ServiceError::Store(e) => e.into(),
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        Self::BadInput(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(v) => Self::BadInput(v),
            StoreError::NotFound { entity } => Self::NotFound(entity),
            StoreError::Conflict { field, message } => {
                Self::Conflict(format!("{field}: {message}"))
            }
            StoreError::StaleVersion {
                current_version,
                saved_by,
            } => Self::StaleVersion {
                current_version,
                saved_by,
            },
            StoreError::Unavailable(cause) => {
                tracing::error!(error = %cause, "database unavailable");
                Self::Unavailable
            }
            StoreError::TimedOut => Self::TimedOut,
            StoreError::Internal(cause) => {
                tracing::error!(error = %cause, "storage error");
                Self::Internal
            }
        }
    }
}

impl From<std::sync::Arc<StoreError>> for ApiError {
    fn from(e: std::sync::Arc<StoreError>) -> Self {
        match std::sync::Arc::try_unwrap(e) {
            Ok(e) => e.into(),
            Err(shared) => {
                tracing::error!(error = %shared, cause = ?std::error::Error::source(&*shared), "storage error");
                match &*shared {
                    StoreError::Invalid(v) => Self::BadInput(v.clone()),
                    StoreError::NotFound { entity } => Self::NotFound(entity),
                    StoreError::Unavailable(_) => Self::Unavailable,
                    StoreError::TimedOut => Self::TimedOut,
                    _ => Self::Internal,
                }
            }
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        let code = e.code();
        match e {
            ApiError::BadInput(v) => {
                let field = v.field.to_string();
                async_graphql::Error::new(v.to_string()).extend_with(move |_, ext| {
                    ext.set("code", code);
                    ext.set("field", field.as_str());
                })
            }
            ApiError::NotFound(entity) => async_graphql::Error::new(format!("{entity} not found"))
                .extend_with(|_, ext| ext.set("code", code)),
            ApiError::Conflict(message) => {
                async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code))
            }
            ApiError::StaleVersion {
                current_version,
                saved_by,
            } => {
                let who = saved_by.as_deref().unwrap_or("someone else");
                async_graphql::Error::new(format!(
                    "the article was saved by {who} since you opened it (it is now at version \
                     {current_version}); reload it and apply your change again"
                ))
                .extend_with(move |_, ext| {
                    ext.set("code", code);
                    ext.set("currentVersion", current_version);
                    if let Some(name) = &saved_by {
                        ext.set("savedBy", name.as_str());
                    }
                })
            }
            ApiError::Unauthenticated(message) | ApiError::Forbidden(message) => {
                async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code))
            }
            ApiError::RateLimited(seconds) => async_graphql::Error::new(format!(
                "too many attempts; try again in {seconds} seconds"
            ))
            .extend_with(move |_, ext| {
                ext.set("code", code);
                ext.set("retryAfter", seconds);
            }),
            ApiError::Unavailable => {
                async_graphql::Error::new("the database is busy or unreachable; try again shortly")
                    .extend_with(move |_, ext| {
                        ext.set("code", code);
                        ext.set("retryAfter", UNAVAILABLE_RETRY_AFTER);
                    })
            }
            ApiError::TimedOut => {
                async_graphql::Error::new("the request took too long; narrow it down")
                    .extend_with(move |_, ext| ext.set("code", code))
            }
            ApiError::Internal => async_graphql::Error::new("internal error")
                .extend_with(|_, ext| ext.set("code", code)),
        }
    }
}

/// Seconds a client is asked to wait before retrying after `UNAVAILABLE`.
pub const UNAVAILABLE_RETRY_AFTER: u64 = 1;

/// What resolvers return.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;
    use broadsheet_persistence::Cause;

    fn extensions(e: ApiError) -> async_graphql::ErrorExtensionValues {
        async_graphql::Error::from(e)
            .extensions
            .expect("every error carries a code")
    }

    #[test]
    fn a_busy_database_is_unavailable_and_worth_a_retry_not_internal() {
        for error in [
            ApiError::from(StoreError::Unavailable(Cause::new("pool timed out"))),
            ApiError::from(std::sync::Arc::new(StoreError::Unavailable(Cause::new(
                "shared by a loader",
            )))),
        ] {
            let ext = extensions(error);
            assert_eq!(
                ext.get("code"),
                Some(&async_graphql::Value::from("UNAVAILABLE"))
            );
            assert_eq!(
                ext.get("retryAfter"),
                Some(&async_graphql::Value::from(UNAVAILABLE_RETRY_AFTER))
            );
        }
        let ext = extensions(ApiError::from(StoreError::Internal(Cause::new("bug"))));
        assert_eq!(
            ext.get("code"),
            Some(&async_graphql::Value::from("INTERNAL"))
        );
    }
}
