//! Publishes scheduled articles when their time comes, with no request needed. The state is
//! in the database, so a restart loses nothing, and several replicas running it publish each
//! article once.

use std::sync::Arc;
use std::time::Duration;

use broadsheet_api::cache::ResponseCache;
use broadsheet_api::site::SiteUrl;
use broadsheet_api::webhooks::outbox;
use broadsheet_domain::time::{Timestamp, now};
use broadsheet_persistence::{Store, StoreError, articles, content};

/// Runs one pass now, then one every `interval`, for as long as the server runs. Each
/// article published announces `article.published` to webhooks, in the same transaction.
pub async fn run(store: Store, interval: Duration, site: SiteUrl, cache: Arc<ResponseCache>) {
    loop {
        match pass(&store, &site, now()).await {
            Ok(0) => {}
            Ok(_) => {
                if let Err(error) = cache.refresh(&store).await {
                    tracing::warn!(%error, "could not re-read the content version");
                }
            }
            Err(error) => tracing::warn!(%error, "scheduled publishing failed; will retry"),
        }
        tokio::time::sleep(interval).await;
    }
}

/// Publishes the articles due at `now`; returns how many. Most passes find nothing due: a
/// read of when the next article is due (from the small index of scheduled ones) says so,
/// and the pass ends there, with no write transaction (on SQLite, no wait for the one writer's
/// lock). Otherwise the due articles are published [`articles::PUBLISH_BATCH`] a transaction.
pub async fn pass(store: &Store, site: &SiteUrl, now: Timestamp) -> Result<usize, StoreError> {
    let next_due = store.read(content::state).await?.next_due;
    if next_due.is_none_or(|due| due > now) {
        return Ok(0);
    }
    let mut published = 0;
    loop {
        let site = site.clone();
        let batch = store
            .write(move |c| {
                articles::publish_due_batch(c, now, articles::PUBLISH_BATCH, |c, before, after| {
                    outbox::record_article(c, &site, Some(before), Some(after), now)
                })
            })
            .await?;
        for article in &batch {
            tracing::info!(slug = %article.slug, "published a scheduled article");
        }
        published += batch.len();
        // A short batch: none left, or some changed meanwhile (left for the next pass).
        if batch.len() < articles::PUBLISH_BATCH {
            return Ok(published);
        }
    }
}

#[cfg(test)]
mod tests {
    use broadsheet_domain::article::ArticleStatus;
    use broadsheet_domain::webhook::{NewWebhook, WebhookEvent};
    use broadsheet_persistence::testing::{ArticleBuilder, TestDb, UserBuilder};
    use broadsheet_persistence::webhooks;
    use chrono::TimeDelta;

    use super::*;

    fn databases() -> impl Iterator<Item = TestDb> {
        [Some(TestDb::sqlite()), TestDb::postgres()]
            .into_iter()
            .flatten()
    }

    fn site() -> SiteUrl {
        SiteUrl::new("https://news.example.com")
    }

    #[tokio::test]
    async fn a_pass_with_nothing_due_writes_nothing() {
        for db in databases() {
            let mut c = db.store.conn().expect("connection");
            let w = UserBuilder::new("Writer").create(&mut c).id();
            ArticleBuilder::new("Tomorrow", w)
                .scheduled_for(now() + TimeDelta::days(1))
                .create(&mut c);
            ArticleBuilder::new("Out already", w).create(&mut c);
            drop(c);
            let (writes, trips) = (db.store.writes_made(), db.store.trips_made());
            assert_eq!(pass(&db.store, &site(), now()).await.expect("pass"), 0);
            assert_eq!(db.store.writes_made(), writes, "no write transaction");
            assert_eq!(
                db.store.trips_made(),
                trips + 1,
                "one read: when the next article is due"
            );
        }
    }

    #[tokio::test]
    async fn a_backlog_is_published_in_batches_with_its_events() {
        for db in databases() {
            let mut c = db.store.conn().expect("connection");
            let w = UserBuilder::new("Writer").create(&mut c).id();
            let hook = NewWebhook::parse(
                "https://hooks.example.com/in",
                "a-secret-of-sixteen-or-more",
                &[WebhookEvent::ArticlePublished],
            )
            .expect("valid");
            let hook = webhooks::create(
                &mut c,
                &broadsheet_persistence::secrets::Keyring::default(),
                &hook,
                now(),
            )
            .expect("registered");
            let due: Vec<_> = (0..250)
                .map(|i| {
                    ArticleBuilder::new(&format!("Embargoed {i}"), w)
                        .scheduled_for(now() - TimeDelta::seconds(i + 1))
                        .create(&mut c)
                })
                .collect();
            let later = ArticleBuilder::new("Later", w)
                .scheduled_for(now() + TimeDelta::hours(1))
                .create(&mut c);
            drop(c);
            let writes = db.store.writes_made();

            assert_eq!(pass(&db.store, &site(), now()).await.expect("pass"), 250);
            assert_eq!(db.store.writes_made(), writes + 3, "100, 100 and 50");
            let mut c = db.store.conn().expect("connection");
            for article in due.iter().chain([&later]) {
                let stored = articles::get(&mut c, article.id)
                    .expect("read")
                    .expect("found");
                let expected = if article.id == later.id {
                    ArticleStatus::Scheduled
                } else {
                    ArticleStatus::Published
                };
                assert_eq!(stored.publication.status(), expected, "{}", article.slug);
            }
            let events = webhooks::deliveries(&mut c, hook.id, 1000).expect("deliveries");
            assert_eq!(events.len(), 250);
            assert!(events.iter().all(|d| d.event == "article.published"));
            drop(c);
            assert_eq!(pass(&db.store, &site(), now()).await.expect("again"), 0);
        }
    }
}
