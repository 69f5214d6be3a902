//! Signed webhooks: events stored with the changes that cause them (the outbox), and the
//! worker that delivers them.

pub mod delivery;
pub mod failure;
pub mod outbox;

pub use delivery::{DeliveryOptions, sign};
