//! Scheduled articles going out when their time comes.

use broadsheet_domain::article::Article;
use broadsheet_persistence::{articles, content};

use crate::Service;
use crate::error::ServiceResult;
use crate::events;

impl Service {
    /// Publishes the articles due now; returns them. Each announces `article.published`, in
    /// the transaction that publishes it. Most calls find nothing due: a read of when the next
    /// article is due (from the small index of scheduled ones) says so, and the call ends
    /// there with no write transaction (on SQLite, no wait for the one writer's lock).
    /// Otherwise the due articles are published [`articles::PUBLISH_BATCH`] a transaction.
    pub async fn publish_due(&self) -> ServiceResult<Vec<Article>> {
        let now = self.now();
        let next_due = self.store().read(content::state).await?.next_due;
        if next_due.is_none_or(|due| due > now) {
            return Ok(Vec::new());
        }
        let mut published = Vec::new();
        loop {
            let bodies = self.bodies();
            let batch = self
                .store()
                .write(move |c| {
                    articles::publish_due_batch(
                        c,
                        now,
                        articles::PUBLISH_BATCH,
                        |c, before, after| {
                            events::record_article(c, &*bodies, Some(before), Some(after), now)
                        },
                    )
                })
                .await?;
            let short = batch.len() < articles::PUBLISH_BATCH;
            published.extend(batch);
            // A short batch: none left, or some changed meanwhile (left for the next call).
            if short {
                return Ok(published);
            }
        }
    }
}
