//! Webhooks: administrators alone register, change, list and delete them and read their
//! deliveries; a receiver must be at a public address unless the service allows any.

use broadsheet_domain::author::Role;
use broadsheet_domain::webhook::WebhookEvent;
use broadsheet_service::webhooks::WebhookUpdate;
use broadsheet_service::{Receivers, ServiceError, ServiceResult};

use crate::harness::{World, service_tests};
use crate::matrix::{Any, No, Row, THEIRS, Who, check, rule};

// contributor, author, editor, administrator

/// Managing webhooks (the same right as API keys: both hand the newsroom's content out).
const MANAGE_KEYS: Row = [No, No, No, Any];

const SECRET: &str = "sixteen-or-more-characters";
/// A public address, written as one so that no name is looked up.
const PUBLIC: &str = "https://1.1.1.1/hook";
/// Receivers that are not public: loopback, private, link-local (cloud metadata), IPv6
/// loopback and unique-local.
const PRIVATE: [&str; 5] = [
    "http://127.0.0.1:9/hook",
    "http://10.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hook",
    "http://[fd00::1]/hook",
];

service_tests!(
    managing_webhooks,
    receivers_at_private_addresses_are_refused,
    receivers_at_private_addresses_when_allowed,
    deliveries_are_listed_by_the_hundred_at_most,
);

async fn managing_webhooks(w: &World) {
    let rule = rule(MANAGE_KEYS);
    let admin = w.actor(Who::Staff(Role::Administrator));
    let hook = async || {
        w.service
            .create_webhook(&admin, PUBLIC, SECRET, &[WebhookEvent::TagCreated])
            .await
            .expect("registered")
    };
    check(w, "create a webhook", &rule, THEIRS, async |c| {
        let events = [WebhookEvent::ArticlePublished];
        w.service
            .create_webhook(&c.actor, PUBLIC, SECRET, &events)
            .await
    })
    .await;
    check(w, "update a webhook", &rule, THEIRS, async |c| {
        let id = hook().await.id;
        let update = WebhookUpdate {
            active: Some(false),
            ..WebhookUpdate::default()
        };
        w.service.update_webhook(&c.actor, id, update).await
    })
    .await;
    check(w, "delete a webhook", &rule, THEIRS, async |c| {
        let id = hook().await.id;
        w.service.delete_webhook(&c.actor, id).await
    })
    .await;
    check(w, "list webhooks", &rule, THEIRS, async |c| {
        w.service.list_webhooks(&c.actor).await
    })
    .await;
    check(w, "read a webhook's deliveries", &rule, THEIRS, async |c| {
        let id = hook().await.id;
        w.service.webhook_deliveries(&c.actor, id, 10).await
    })
    .await;
}

fn refused_as_url<T: std::fmt::Debug>(result: ServiceResult<T>, url: &str) {
    match result {
        Err(ServiceError::Invalid(e)) => {
            assert_eq!(e.field, "url", "{url}");
            assert!(e.message.contains("is not public"), "{url}: {e}");
        }
        other => panic!("{url}: {other:?}"),
    }
}

async fn receivers_at_private_addresses_are_refused(w: &World) {
    // Even the system: the rule protects the server's own network, whoever asks.
    for who in [Who::Staff(Role::Administrator), Who::System] {
        let actor = w.actor(who);
        let events = [WebhookEvent::ArticlePublished];
        let before = w.service.list_webhooks(&actor).await.expect("list").len();
        for url in PRIVATE {
            let made = w.service.create_webhook(&actor, url, SECRET, &events).await;
            refused_as_url(made, url);
        }
        let hook = w
            .service
            .create_webhook(&actor, PUBLIC, SECRET, &events)
            .await
            .expect("a public receiver");
        for url in PRIVATE {
            let update = WebhookUpdate {
                url: Some(url.to_owned()),
                ..WebhookUpdate::default()
            };
            refused_as_url(w.service.update_webhook(&actor, hook.id, update).await, url);
        }
        let listed = w.service.list_webhooks(&actor).await.expect("list");
        assert_eq!(listed.len(), before + 1, "only the public one");
        assert!(listed.iter().all(|h| !PRIVATE.contains(&h.url.as_str())));
    }
}

async fn receivers_at_private_addresses_when_allowed(w: &World) {
    let intranet = w.service.clone().receiving(Receivers::AnyAddress);
    let admin = w.actor(Who::Staff(Role::Administrator));
    let events = [WebhookEvent::TagCreated];
    for url in PRIVATE {
        let hook = intranet
            .create_webhook(&admin, url, SECRET, &events)
            .await
            .expect(url);
        let update = WebhookUpdate {
            url: Some(PRIVATE[0].to_owned()),
            ..WebhookUpdate::default()
        };
        intranet
            .update_webhook(&admin, hook.id, update)
            .await
            .expect(url);
    }
    // Allowing any address does not let anyone else manage webhooks.
    let editor = w.actor(Who::Staff(Role::Editor));
    assert!(matches!(
        intranet
            .create_webhook(&editor, PRIVATE[0], SECRET, &events)
            .await,
        Err(ServiceError::Forbidden(_))
    ));
}

async fn deliveries_are_listed_by_the_hundred_at_most(w: &World) {
    let admin = w.actor(Who::Staff(Role::Administrator));
    let hook = w
        .service
        .create_webhook(&admin, PUBLIC, SECRET, &[WebhookEvent::TagCreated])
        .await
        .expect("registered");
    for last in [1, 100] {
        w.service
            .webhook_deliveries(&admin, hook.id, last)
            .await
            .expect("within bounds");
    }
    for last in [0, -1, 101, i64::MAX] {
        match w.service.webhook_deliveries(&admin, hook.id, last).await {
            Err(ServiceError::Invalid(e)) => assert_eq!(e.field, "last"),
            other => panic!("last {last}: {other:?}"),
        }
    }
}
