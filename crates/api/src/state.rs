//! What every handler can reach.

use broadsheet_persistence::Store;

/// Shared by all workers; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
}

impl AppState {
    /// State over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}
