//! Broadsheet's content model.
//!
//! Every type here is built by a constructor that refuses invalid values, so code that holds
//! one never re-checks it ("parse, don't validate"). This crate knows nothing of databases,
//! HTTP or GraphQL; a CI step proves it (`cargo tree -p broadsheet-domain -e normal -i diesel`).

pub mod article;
pub mod author;
pub mod clock;
mod error;
pub mod filter;
pub mod ids;
pub mod listing;
pub mod markdown;
pub mod net;
pub mod policy;
pub mod related;
pub mod search;
mod slug;
pub mod tag;
pub mod text;
pub mod time;
pub mod url;
pub mod webhook;

pub use error::ValidationError;
pub use slug::Slug;
