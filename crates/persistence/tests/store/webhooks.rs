//! The webhook outbox: who gets an event, claiming with leases, settling, pruning.

use broadsheet_domain::ids::WebhookId;
use broadsheet_domain::time::now;
use broadsheet_domain::webhook::{NewWebhook, WebhookEvent};
use broadsheet_persistence::secrets::Keyring;
use broadsheet_persistence::testing::TestDb;
use broadsheet_persistence::webhooks::{self, DeliveryStatus, Verdict, WebhookChanges};
use broadsheet_persistence::{AnyConnection, backend_tests};
use chrono::TimeDelta;

backend_tests!(
    events_go_to_the_hooks_that_want_them,
    a_claim_is_a_lease,
    attempts_are_bounded_and_settled,
    old_settled_events_are_pruned,
);

fn hook(c: &mut AnyConnection, events: &[WebhookEvent]) -> WebhookId {
    let new = NewWebhook::parse("https://partner.example/hook", "0123456789abcdef", events)
        .expect("valid");
    webhooks::create(c, &Keyring::default(), &new, now())
        .expect("hook")
        .id
}

fn events_go_to_the_hooks_that_want_them(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let t = now();
    // Nobody listening: nothing stored.
    assert_eq!(
        webhooks::record(&mut c, WebhookEvent::TagCreated, "e0", "{}", t).expect("record"),
        0
    );
    let articles = hook(&mut c, &[WebhookEvent::ArticlePublished]);
    let everything = hook(&mut c, &WebhookEvent::ALL);
    let disabled = hook(&mut c, &WebhookEvent::ALL);
    webhooks::update(
        &mut c,
        &Keyring::default(),
        disabled,
        &WebhookChanges {
            active: Some(false),
            ..WebhookChanges::default()
        },
    )
    .expect("disabled");
    assert_eq!(
        webhooks::record(&mut c, WebhookEvent::TagCreated, "e1", "{}", t).expect("record"),
        1
    );
    assert_eq!(
        webhooks::record(&mut c, WebhookEvent::ArticlePublished, "e2", "{}", t).expect("record"),
        2
    );
    assert_eq!(
        webhooks::deliveries(&mut c, articles, 10)
            .expect("list")
            .len(),
        1
    );
    assert_eq!(
        webhooks::deliveries(&mut c, everything, 10)
            .expect("list")
            .len(),
        2
    );
    assert!(
        webhooks::deliveries(&mut c, disabled, 10)
            .expect("list")
            .is_empty()
    );
    let listed = webhooks::list(&mut c).expect("list");
    assert_eq!(listed[0].events, [WebhookEvent::ArticlePublished]);
    assert!(!listed[2].active);
    assert_eq!(
        listed[2].disabled_reason.as_deref(),
        Some("disabled by an administrator")
    );
}

fn a_claim_is_a_lease(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    hook(&mut c, &WebhookEvent::ALL);
    let t = now();
    webhooks::record(&mut c, WebhookEvent::TagCreated, "e1", "{\"a\":1}", t).expect("record");
    let lease = t + TimeDelta::seconds(15);
    let claimed = webhooks::claim_due(&mut c, &Keyring::default(), t, lease, 10, 5).expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        (claimed[0].number, claimed[0].body.as_str()),
        (1, "{\"a\":1}")
    );
    // Held: another worker finds nothing until the lease runs out...
    assert!(
        webhooks::claim_due(
            &mut c,
            &Keyring::default(),
            t + TimeDelta::seconds(10),
            lease,
            10,
            5
        )
        .expect("claim")
        .is_empty()
    );
    // ...then takes it again (the first worker died), as a second attempt.
    let later = t + TimeDelta::seconds(16);
    let again = webhooks::claim_due(
        &mut c,
        &Keyring::default(),
        later,
        later + TimeDelta::seconds(15),
        10,
        5,
    )
    .expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].number, 2);
    assert_eq!(again[0].event_id, "e1");
    // The first worker's answer comes in late: recorded, but it no longer settles anything.
    let late = webhooks::settle(&mut c, &claimed[0], Some(500), None, &Verdict::RetryAt(t))
        .expect("settle");
    assert!(!late, "the lease had run out");
    assert!(
        webhooks::settle(&mut c, &again[0], Some(200), None, &Verdict::Delivered).expect("settle")
    );
    let delivery = &webhooks::deliveries(&mut c, again[0].webhook, 10).expect("list")[0];
    assert_eq!(delivery.status, DeliveryStatus::Delivered);
    assert_eq!(delivery.attempts.len(), 2);
    assert_eq!(
        delivery.attempts[0].response_status,
        Some(500),
        "the late one"
    );
    assert_eq!(delivery.attempts[1].response_status, Some(200));
    assert!(
        webhooks::claim_due(
            &mut c,
            &Keyring::default(),
            later + TimeDelta::hours(1),
            later,
            10,
            5
        )
        .expect("claim")
        .is_empty()
    );
}

fn attempts_are_bounded_and_settled(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let id = hook(&mut c, &WebhookEvent::ALL);
    let mut t = now();
    webhooks::record(&mut c, WebhookEvent::TagDeleted, "e1", "{}", t).expect("record");
    for n in 1..=2 {
        let due = webhooks::claim_due(
            &mut c,
            &Keyring::default(),
            t,
            t + TimeDelta::seconds(15),
            10,
            2,
        )
        .expect("claim");
        assert_eq!(due.len(), 1, "attempt {n}");
        t += TimeDelta::seconds(1);
        webhooks::settle(&mut c, &due[0], Some(500), None, &Verdict::RetryAt(t)).expect("settle");
    }
    // Two attempts used: the next claim fails it instead of sending a third.
    assert!(
        webhooks::claim_due(
            &mut c,
            &Keyring::default(),
            t,
            t + TimeDelta::seconds(15),
            10,
            2
        )
        .expect("claim")
        .is_empty()
    );
    assert_eq!(
        webhooks::deliveries(&mut c, id, 10).expect("list")[0].status,
        DeliveryStatus::Failed
    );
    // 410 disables the hook: its other deliveries are abandoned.
    webhooks::record(&mut c, WebhookEvent::TagDeleted, "e2", "{}", t).expect("record");
    webhooks::record(&mut c, WebhookEvent::TagDeleted, "e3", "{}", t).expect("record");
    let due = webhooks::claim_due(
        &mut c,
        &Keyring::default(),
        t,
        t + TimeDelta::seconds(15),
        1,
        5,
    )
    .expect("claim");
    webhooks::settle(
        &mut c,
        &due[0],
        Some(410),
        None,
        &Verdict::Disable("gone".into()),
    )
    .expect("settle");
    assert!(
        webhooks::claim_due(
            &mut c,
            &Keyring::default(),
            t,
            t + TimeDelta::seconds(15),
            10,
            5
        )
        .expect("claim")
        .is_empty()
    );
    let found = webhooks::get(&mut c, id).expect("get").expect("there");
    assert!(!found.active);
    assert_eq!(found.disabled_reason.as_deref(), Some("gone"));
    // Its waiting delivery is abandoned, not left pending for ever.
    let statuses: Vec<DeliveryStatus> = webhooks::deliveries(&mut c, id, 10)
        .expect("list")
        .iter()
        .map(|d| d.status)
        .collect();
    assert_eq!(statuses, [DeliveryStatus::Failed; 3]);

    // Disabled by an administrator: the same.
    let other = hook(&mut c, &WebhookEvent::ALL);
    webhooks::record(&mut c, WebhookEvent::TagDeleted, "e4", "{}", t).expect("record");
    webhooks::update(
        &mut c,
        &Keyring::default(),
        other,
        &WebhookChanges {
            active: Some(false),
            ..WebhookChanges::default()
        },
    )
    .expect("disabled");
    assert_eq!(
        webhooks::deliveries(&mut c, other, 10).expect("list")[0].status,
        DeliveryStatus::Failed
    );
}

fn old_settled_events_are_pruned(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let id = hook(&mut c, &WebhookEvent::ALL);
    let t = now();
    webhooks::record(&mut c, WebhookEvent::TagCreated, "done", "{}", t).expect("record");
    let due = webhooks::claim_due(&mut c, &Keyring::default(), t, t, 10, 5).expect("claim");
    webhooks::settle(&mut c, &due[0], Some(204), None, &Verdict::Delivered).expect("settle");
    webhooks::record(&mut c, WebhookEvent::TagCreated, "waiting", "{}", t).expect("record");
    assert_eq!(
        webhooks::prune(&mut c, t).expect("prune"),
        0,
        "nothing old yet"
    );
    assert_eq!(
        webhooks::prune(&mut c, t + TimeDelta::days(1)).expect("prune"),
        1,
        "the delivered one; the waiting one stays"
    );
    let left = webhooks::deliveries(&mut c, id, 10).expect("list");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].event_id, "waiting");
}
