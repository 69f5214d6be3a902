//! Gives validation failures a stable code, so that the HTTP layer can tell a bad document
//! (a request error: 400 with `graphql-response+json`) from a failing field.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ServerError, ValidationResult};

/// The extension factory.
pub struct RequestErrors;

impl ExtensionFactory for RequestErrors {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestErrorsExtension)
    }
}

struct RequestErrorsExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for RequestErrorsExtension {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx)
            .await
            .map_err(|errors| errors.into_iter().map(tag).collect())
    }
}

fn tag(mut e: ServerError) -> ServerError {
    let code = match e.message.as_str() {
        "Query is too complex." => "QUERY_TOO_COMPLEX",
        "Query is nested too deep." => "QUERY_TOO_DEEP",
        _ => "GRAPHQL_VALIDATION_FAILED",
    };
    e.extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    e
}

/// Codes that mean the request itself was bad, rather than a field.
pub const REQUEST_ERROR_CODES: &[&str] = &[
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "QUERY_TOO_COMPLEX",
    "QUERY_TOO_DEEP",
];
