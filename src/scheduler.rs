//! Publishes scheduled articles when their time comes, with no request needed. The state is
//! in the database, so a restart loses nothing, and several replicas running it publish each
//! article once.

use std::sync::Arc;
use std::time::Duration;

use broadsheet_api::background::Pulse;
use broadsheet_api::cache::ResponseCache;
use broadsheet_service::{Service, ServiceError};

/// Runs one pass now, then one every `interval` (or when `pulse` asks), for as long as the
/// server runs; what is due is judged by the service's clock. Each article published
/// announces `article.published` to webhooks, in the same transaction.
pub async fn run(service: Service, interval: Duration, cache: Arc<ResponseCache>, pulse: Pulse) {
    loop {
        let pass_of = pulse.begin();
        match pass(&service).await {
            Ok(0) => {}
            Ok(_) => {
                if let Err(error) = cache.refresh(service.store()).await {
                    tracing::warn!(%error, "could not re-read the content version");
                }
            }
            Err(error) => tracing::warn!(%error, "scheduled publishing failed; will retry"),
        }
        pulse.finish(pass_of);
        pulse.wait(interval).await;
    }
}

/// Publishes the articles due now (see [`Service::publish_due`]); returns how many.
pub async fn pass(service: &Service) -> Result<usize, ServiceError> {
    let published = service.publish_due().await?;
    for article in &published {
        tracing::info!(slug = %article.slug, "published a scheduled article");
    }
    Ok(published.len())
}

#[cfg(test)]
mod tests {
    use broadsheet_domain::article::ArticleStatus;
    use broadsheet_domain::time::now;
    use broadsheet_domain::webhook::{NewWebhook, WebhookEvent};
    use broadsheet_persistence::testing::{ArticleBuilder, TestDb, UserBuilder};
    use broadsheet_persistence::webhooks;
    use chrono::TimeDelta;

    use super::*;
    use broadsheet_api::site::SiteUrl;
    use broadsheet_api::webhooks::outbox::ContentApiBodies;
    use broadsheet_domain::clock::Clock;
    use broadsheet_persistence::articles;

    fn databases() -> impl Iterator<Item = TestDb> {
        [Some(TestDb::sqlite()), TestDb::postgres()]
            .into_iter()
            .flatten()
    }

    fn service(db: &TestDb) -> Service {
        Service::new(
            db.store.clone(),
            Clock::system(),
            ContentApiBodies::shared(SiteUrl::new("https://news.example.com")),
        )
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
            assert_eq!(pass(&service(&db)).await.expect("pass"), 0);
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

            assert_eq!(pass(&service(&db)).await.expect("pass"), 250);
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
            assert!(
                events
                    .iter()
                    .all(|d| d.event == WebhookEvent::ArticlePublished)
            );
            drop(c);
            assert_eq!(pass(&service(&db)).await.expect("again"), 0);
        }
    }
}
