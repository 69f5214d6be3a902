//! Broadsheet's transport: the HTTP server, its middleware and its handlers. Handlers read
//! like sentences (authorize, call the store, map the result) and hold no business rules.

pub mod auth;
pub mod background;
pub mod cache;
pub mod client;
mod config;
pub mod content;
pub mod feeds;
#[cfg(test)]
mod fuzzing;
pub mod graphql;
mod health;
pub mod hex;
pub mod keys;
mod limits;
mod logging;
pub mod metrics;
mod request_id;
mod server;
pub mod site;
mod state;
pub mod webhooks;
mod weights;

pub use config::AppConfig;
pub use graphql::GraphqlConfig;
pub use server::{Cors, ServerOptions, metrics_server, server};
pub use state::AppState;
