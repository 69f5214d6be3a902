//! Publishes scheduled articles when their time comes, with no request needed. The state is
//! in the database, so a restart loses nothing, and several replicas running it publish each
//! article once.

use std::sync::Arc;
use std::time::Duration;

use broadsheet_api::cache::ResponseCache;

use broadsheet_api::site::SiteUrl;
use broadsheet_api::webhooks::outbox;
use broadsheet_domain::time::now;
use broadsheet_persistence::{Store, articles};

/// Runs one pass now, then one every `interval`, for as long as the server runs. Each
/// article published announces `article.published` to webhooks, in the same transaction.
pub async fn run(store: Store, interval: Duration, site: SiteUrl, cache: Arc<ResponseCache>) {
    loop {
        let site = site.clone();
        let pass = store.write(move |c| {
            let now = now();
            articles::publish_due_with(c, now, |c, before, after| {
                outbox::record_article(c, &site, Some(before), Some(after), now)
            })
        });
        match pass.await {
            Ok(published) => {
                for article in &published {
                    tracing::info!(slug = %article.slug, "published a scheduled article");
                }
                if !published.is_empty()
                    && let Err(error) = cache.refresh(&store).await
                {
                    tracing::warn!(%error, "could not re-read the content version");
                }
            }
            Err(error) => tracing::warn!(%error, "scheduled publishing failed; will retry"),
        }
        tokio::time::sleep(interval).await;
    }
}
