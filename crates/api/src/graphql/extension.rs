//! Gives validation failures a stable code, so that the HTTP layer can tell a bad document
//! (a request error: 400 with `graphql-response+json`) from a failing field.
//!
//! The codes come from what failed, never from the library's English: the depth and
//! complexity limits are checked here, on the figures validation computes, rather than by
//! async-graphql (which reports them only as messages), so an upgrade that rewords a message
//! cannot change a code a client sees.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ServerError, ValidationResult};

/// The extension factory: the limits it holds documents to.
pub struct RequestErrors {
    /// Deepest selection nesting.
    pub max_depth: usize,
    /// Highest complexity.
    pub max_complexity: usize,
}

impl ExtensionFactory for RequestErrors {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestErrorsExtension {
            max_depth: self.max_depth,
            max_complexity: self.max_complexity,
        })
    }
}

struct RequestErrorsExtension {
    max_depth: usize,
    max_complexity: usize,
}

#[async_graphql::async_trait::async_trait]
impl Extension for RequestErrorsExtension {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| coded(e, VALIDATION))
                .collect::<Vec<_>>()
        })?;
        if result.depth > self.max_depth {
            let message = format!(
                "the query nests {} deep; at most {} is allowed",
                result.depth, self.max_depth
            );
            return Err(vec![coded(ServerError::new(message, None), TOO_DEEP)]);
        }
        if result.complexity > self.max_complexity {
            let message = format!(
                "the query's complexity is {}; at most {} is allowed (lists count once per row \
                 asked for, and filters that scan count more)",
                result.complexity, self.max_complexity
            );
            return Err(vec![coded(ServerError::new(message, None), TOO_COMPLEX)]);
        }
        Ok(result)
    }
}

const VALIDATION: &str = "GRAPHQL_VALIDATION_FAILED";
const TOO_DEEP: &str = "QUERY_TOO_DEEP";
const TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";

fn coded(mut e: ServerError, code: &'static str) -> ServerError {
    e.extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    e
}

/// Codes that mean the request itself was bad, rather than a field.
pub const REQUEST_ERROR_CODES: &[&str] =
    &["GRAPHQL_PARSE_FAILED", VALIDATION, TOO_DEEP, TOO_COMPLEX];
