//! What every handler can reach.

use std::sync::Arc;

use broadsheet_persistence::Store;

use crate::auth::JwtConfig;

/// Shared by all workers; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Signs and checks tokens.
    pub jwt: Arc<JwtConfig>,
}

impl AppState {
    /// State over `store`, with tokens made and checked by `jwt`.
    pub fn new(store: Store, jwt: JwtConfig) -> Self {
        Self {
            store,
            jwt: Arc::new(jwt),
        }
    }
}
