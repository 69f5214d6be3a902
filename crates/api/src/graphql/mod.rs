//! The GraphQL API: schema, types, loaders, limits, and the HTTP handler.

mod admin;
mod article;
mod author;
mod connection;
pub mod context;
mod documents;
pub mod error;
mod extension;
pub mod graphiql;
pub mod http;
mod ids;
mod loaders;
mod mutation;
mod ordering;
mod pagination;
mod persisted;
mod query;
mod search;
mod tag;
mod user;

use std::time::Duration;

use async_graphql::{EmptySubscription, Schema, SchemaBuilder};

pub use mutation::Mutation;
pub use query::Query;

/// The schema type.
pub type BroadsheetSchema = Schema<Query, Mutation, EmptySubscription>;

/// Limits and switches for the GraphQL endpoint.
#[derive(Debug, Clone)]
pub struct GraphqlConfig {
    /// Deepest selection nesting.
    pub max_depth: usize,
    /// Highest complexity (list fields count once per row asked for).
    pub max_complexity: usize,
    /// Most fields selected in one document (aliases included).
    pub max_fields: usize,
    /// Most aliases in one document.
    pub max_aliases: usize,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Longest a client may take to send a request body.
    pub body_timeout: Duration,
    /// Bytes of queries the persisted-query store keeps.
    pub persisted_queries_bytes: u64,
    /// Whether introspection queries are answered.
    pub introspection: bool,
    /// Whether validation errors suggest field names ("did you mean …").
    pub suggestions: bool,
    /// Whether GET /graphql serves GraphiQL to browsers.
    pub graphiql: bool,
}

impl Default for GraphqlConfig {
    fn default() -> Self {
        Self {
            // GraphiQL's introspection query (graphql-js's) nests fifteen deep.
            max_depth: 15,
            max_complexity: 10_000,
            max_fields: 500,
            max_aliases: 50,
            max_body_bytes: 256 * 1024,
            body_timeout: Duration::from_secs(10),
            persisted_queries_bytes: 4 * 1024 * 1024,
            introspection: true,
            suggestions: true,
            graphiql: true,
        }
    }
}

fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query, Mutation::default(), EmptySubscription)
}

/// The schema, built once at startup, twice over.
///
/// Any extension puts every field of every response through async-graphql's extension
/// chain (a type lookup, a boxed future and a formatted type name per field: about a tenth
/// of an uncached request). So `run` has none, and holds documents to the depth and
/// complexity limits with async-graphql's own checks, which say only an English message.
/// A document it refuses before running is asked again of `explain`, the same schema with
/// [`extension::RequestErrors`], which refuses it with the same rules, its own code and the
/// figures (see `http::run`).
pub struct Schemas {
    /// Answers every request.
    pub run: BroadsheetSchema,
    /// Explains a refusal of `run`.
    pub explain: BroadsheetSchema,
}

/// Builds both schemas.
pub fn schemas(config: &GraphqlConfig) -> Schemas {
    let base = || {
        let mut b = builder().limit_recursive_depth(64).limit_directives(10);
        if !config.introspection {
            b = b.disable_introspection();
        }
        if !config.suggestions {
            b = b.disable_suggestions();
        }
        b
    };
    Schemas {
        run: base()
            .limit_depth(config.max_depth)
            .limit_complexity(config.max_complexity)
            .finish(),
        explain: base()
            .extension(extension::RequestErrors {
                max_depth: config.max_depth,
                max_complexity: config.max_complexity,
            })
            .finish(),
    }
}

/// The schema in SDL, as `schema.graphql` holds it.
pub fn sdl() -> String {
    builder().finish().sdl()
}
