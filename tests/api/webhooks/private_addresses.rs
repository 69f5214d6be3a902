//! Webhooks may reach only public addresses: receivers on loopback, private, link-local and
//! cloud metadata addresses are refused when registered, and not delivered to when they got
//! into the database some other way; administrators see fixed texts, never a connection error.

use std::time::Duration;

use broadsheet_domain::author::Role;
use broadsheet_domain::time::now;
use broadsheet_domain::webhook::{NewWebhook, WebhookEvent};
use broadsheet_persistence::testing::TestDb;
use serde_json::{Value, json};

use super::{CREATE_WEBHOOK, DELIVERIES, Receiver, SECRET};
use crate::editorial::{code, staff};
use crate::helpers::{TestApp, db_tests};

/// Receivers an administrator from outside registered without objection.
const INTERNAL: [&str; 5] = [
    "http://127.0.0.1:9/x",
    "http://[::1]/x",
    "http://10.0.0.1/x",
    "http://169.254.169.254/latest/meta-data",
    "http://localhost:1234/x",
];

const UPDATE_URL: &str = "mutation($id: ID!, $url: String!) {
    updateWebhook(id: $id, input: { url: $url }) { webhook { url } } }";

/// The text every attempt at a non-public receiver records.
const NOT_PUBLIC: &str = "the receiver's address is not public";

/// A webhook stored without going through registration (as one registered before the check,
/// or while `--webhook-allow-private` was on); its global id.
fn insert_hook(db: &TestDb, url: &str) -> String {
    let mut c = db.store.conn().expect("connection");
    let hook = NewWebhook::parse(url, SECRET, &[WebhookEvent::TagCreated]).expect("valid");
    let id = broadsheet_persistence::webhooks::create(
        &mut c,
        &broadsheet_persistence::secrets::Keyring::default(),
        &hook,
        now(),
    )
    .expect("hook")
    .id;
    crate::editorial::global_id("Webhook", id)
}

fn refusal(body: &Value) -> &str {
    assert_eq!(code(body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "url", "{body}");
    body["errors"][0]["message"].as_str().unwrap_or_default()
}

async fn internal_receivers_are_refused_at_registration(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = staff(&app, "Ada Admin", Role::Administrator);
    for url in INTERNAL {
        let body = app
            .graphql_as(
                &admin.token,
                CREATE_WEBHOOK,
                json!({ "url": url, "secret": SECRET, "events": ["TAG_CREATED"] }),
            )
            .await
            .json();
        let message = refusal(&body);
        assert!(message.contains("not public"), "{url}: {message}");
    }
    // A name says what it resolved to, or that it did not resolve.
    let resolve = |url: &'static str| {
        let (app, token) = (&app, admin.token.clone());
        async move {
            app.graphql_as(
                &token,
                CREATE_WEBHOOK,
                json!({ "url": url, "secret": SECRET, "events": ["TAG_CREATED"] }),
            )
            .await
            .json()
        }
    };
    let body = resolve("http://localhost:1234/x").await;
    assert!(refusal(&body).contains("localhost resolves to"), "{body}");
    let body = resolve("https://nowhere.invalid/hooks").await;
    assert!(refusal(&body).contains("does not resolve"), "{body}");

    let body = app
        .graphql_as(&admin.token, "{ webhooks { url } }", json!({}))
        .await
        .json();
    assert_eq!(body["data"]["webhooks"], json!([]), "nothing registered");

    // Changing a webhook's URL is checked the same way; other changes are not refused.
    let hook = insert_hook(&app.db, "https://partner.example/hooks");
    for url in INTERNAL {
        let body = app
            .graphql_as(&admin.token, UPDATE_URL, json!({ "id": hook, "url": url }))
            .await
            .json();
        refusal(&body);
    }
    let body = app
        .graphql_as(
            &admin.token,
            "mutation($id: ID!) { updateWebhook(id: $id, input: { active: false }) { webhook { url active } } }",
            json!({ "id": hook }),
        )
        .await
        .json();
    assert_eq!(
        body["data"]["updateWebhook"]["webhook"],
        json!({ "url": "https://partner.example/hooks", "active": false }),
        "{body}"
    );
}

db_tests!(
    internal_receivers_are_refused_at_registration,
    intranet_receivers_are_accepted_when_allowed,
    stored_internal_receivers_are_not_delivered_to,
);

async fn intranet_receivers_are_accepted_when_allowed(db: TestDb) {
    let app = TestApp::spawn_configured(db, |args| {
        args.webhooks.webhook_allow_private = broadsheet::cli::WebhookAllowPrivate(true);
    })
    .await;
    let admin = staff(&app, "Ada Admin", Role::Administrator);
    for url in INTERNAL {
        let body = app
            .graphql_as(
                &admin.token,
                CREATE_WEBHOOK,
                json!({ "url": url, "secret": SECRET, "events": ["TAG_CREATED"] }),
            )
            .await
            .json();
        assert!(body["errors"].is_null(), "{url}: {body}");
    }
}

async fn stored_internal_receivers_are_not_delivered_to(db: TestDb) {
    let receiver = Receiver::start();
    let port = receiver
        .url
        .rsplit_once(':')
        .and_then(|(_, rest)| rest.split('/').next())
        .expect("port")
        .to_owned();
    // The address itself, and a name for it: awc connects to a literal address without
    // asking a resolver, so both paths are covered.
    insert_hook(&db, &receiver.url);
    insert_hook(&db, &format!("http://localhost:{port}/hooks/broadsheet"));
    let app = TestApp::spawn_configured(db, |args| {
        args.webhooks.webhook_delivery = broadsheet::cli::WebhookDelivery(true);
        args.webhooks.webhook_timeout = Duration::from_secs(3);
        args.webhooks.webhook_max_attempts = 1;
    })
    .await;
    let admin = staff(&app, "Ada Admin", Role::Administrator);
    let body = app
        .graphql_as(
            &admin.token,
            "mutation { createTag(input: { name: \"Transport\" }) { tag { id } } }",
            json!({}),
        )
        .await
        .json();
    assert!(body["errors"].is_null(), "{body}");

    // One attempt each (`--webhook-max-attempts 1`), made and recorded by this pass.
    app.deliver_webhooks().await;
    let body = app
        .graphql_as(&admin.token, DELIVERIES, json!({}))
        .await
        .json();
    let hooks = body["data"]["webhooks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(hooks.len(), 2, "{body}");
    assert!(
        receiver.received().is_empty(),
        "the receiver got a delivery"
    );
    for hook in &hooks {
        let delivery = &hook["deliveries"][0];
        assert_eq!(delivery["status"], "FAILED", "{hook}");
        assert_eq!(
            delivery["attempts"],
            json!([{ "responseStatus": null, "error": NOT_PUBLIC }]),
            "{hook}"
        );
    }
}
