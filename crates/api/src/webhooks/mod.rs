//! Signed webhooks: events stored with the changes that cause them (the outbox), and the
//! worker that delivers them, to public addresses only unless told otherwise.

pub use broadsheet_service::address;
pub mod connect;
pub mod delivery;
pub mod failure;
pub mod outbox;

pub use address::Receivers;
pub use delivery::{DeliveryOptions, sign};
