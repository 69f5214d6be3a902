//! Broadsheet's storage: the schema, the queries, and the pool, on SQLite or PostgreSQL.
//!
//! Query functions are synchronous and take `&mut AnyConnection`; they live beside the rows
//! they read (`articles`, `tags`, `users`, `related`). Async callers go through [`Store`],
//! which runs them on tokio's blocking pool so that no diesel call ever holds up an async
//! worker thread. Rows become domain types at this crate's edge, through `TryFrom`.

pub mod articles;
pub mod bulk;
pub mod content;
pub mod counts;
pub mod db;
mod error;
pub mod keys;
mod keyset;
pub mod listen;
mod live;
pub mod rate_windows;
mod raw;
mod records;
pub mod related;
mod schema;
pub mod search;
pub mod secrets;
pub mod sessions;
pub mod settings;
mod slugs;
mod store;
pub mod tags;
pub mod tallies;
#[cfg(feature = "testing")]
pub mod testing;
pub mod throttle;
pub mod users;
pub mod webhooks;

pub use db::{AnyConnection, Backend, DatabaseUrl, PoolOptions};
pub use error::{Cause, StoreError};
pub use store::Store;
