//! Broadsheet's application layer: the newsroom's rules in one place.
//!
//! One function per use case (write, publish, schedule, tag, relate, merge tags, manage
//! users, keys and webhooks, sign in, read for a given actor). Each takes an [`Actor`] and
//! typed inputs, authorizes against the domain's policy table, validates, runs one
//! transaction, and records the events the change announces in that transaction. Every door
//! (GraphQL, the JSON Content API, feeds, the command line, the scheduler, importers) calls
//! these and only maps its inputs and outputs, so a rule is written once and holds whichever
//! way a change comes in.
//!
//! Dependencies run one way: `domain` <- `persistence` <- `service` <- transports. This crate
//! knows nothing of HTTP or GraphQL.

pub mod actor;
pub mod address;
pub mod articles;
pub mod error;
pub mod events;
pub mod hashing;
pub mod identity;
pub mod keys;
pub mod previews;
pub mod reading;
mod scheduling;
pub mod sessions;
mod tags;
mod users;
pub mod webhooks;

use std::sync::Arc;

use broadsheet_domain::clock::Clock;
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::Store;

pub use actor::Actor;
pub use address::Receivers;
pub use error::{ServiceError, ServiceResult};
pub use events::{Bodies, EventBodies};

/// The application: the store, the clock, and how events are rendered. Cheap to clone.
#[derive(Clone)]
pub struct Service {
    store: Store,
    clock: Clock,
    bodies: Bodies,
    /// Where webhooks may be registered.
    receivers: Receivers,
    /// "Now" pinned for one request (see [`Service::as_of`]).
    pinned: Option<Timestamp>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("store", &self.store)
            .field("clock", &self.clock)
            .field("pinned", &self.pinned)
            .finish_non_exhaustive()
    }
}

impl Service {
    /// The application over `store`, telling the time by `clock`, rendering event bodies with
    /// `bodies`.
    pub fn new(store: Store, clock: Clock, bodies: Bodies) -> Self {
        Self {
            store,
            clock,
            bodies,
            receivers: Receivers::PublicOnly,
            pinned: None,
        }
    }

    /// This service, letting webhooks be registered at `receivers` (public addresses only by
    /// default).
    pub fn receiving(mut self, receivers: Receivers) -> Self {
        self.receivers = receivers;
        self
    }

    /// This service answering as of `now` (one request decides what is live once, so that
    /// one response never mixes two instants), on `store` (which may carry the request's
    /// deadline).
    pub fn as_of(&self, store: Store, now: Timestamp) -> Self {
        Self {
            store,
            clock: self.clock.clone(),
            bodies: Arc::clone(&self.bodies),
            receivers: self.receivers,
            pinned: Some(now),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Now: the pinned instant, or the clock's.
    pub fn now(&self) -> Timestamp {
        self.pinned.unwrap_or_else(|| self.clock.now())
    }

    /// Where webhooks may be registered.
    pub fn receivers(&self) -> Receivers {
        self.receivers
    }

    fn bodies(&self) -> Bodies {
        Arc::clone(&self.bodies)
    }
}
