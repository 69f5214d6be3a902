//! Publishes scheduled articles when their time comes, with no request needed. The state is
//! in the database, so a restart loses nothing, and several replicas running it publish each
//! article once.

use std::time::Duration;

use broadsheet_domain::time::now;
use broadsheet_persistence::{Store, articles};

/// Runs one pass now, then one every `interval`, for as long as the server runs.
pub async fn run(store: Store, interval: Duration) {
    loop {
        match store.write(|c| articles::publish_due(c, now())).await {
            Ok(published) => {
                for article in published {
                    tracing::info!(slug = %article.slug, "published a scheduled article");
                }
            }
            Err(error) => tracing::warn!(%error, "scheduled publishing failed; will retry"),
        }
        tokio::time::sleep(interval).await;
    }
}
