//! Webhook bodies carry URLs on the configured site address (`--site-url`), whichever task
//! made the change: a GraphQL mutation or the scheduler.

use broadsheet_domain::author::Role;
use broadsheet_persistence::testing::TestDb;
use chrono::TimeDelta;
use serde_json::{Value, json};

use super::{Receiver, register};
use crate::editorial::staff;
use crate::helpers::{TestApp, db_tests};

/// Neither the tests' usual address nor the default one.
const SITE: &str = "https://www.example.org/news";

db_tests!(webhook_bodies_link_to_the_configured_site);

async fn webhook_bodies_link_to_the_configured_site(db: TestDb) {
    let app = TestApp::spawn_configured(db, |args| {
        args.clock = crate::helpers::manual_clock();
        args.site_url = SITE.to_owned();
        args.webhooks.webhook_delivery = broadsheet::cli::WebhookDelivery(true);
        args.webhooks.webhook_allow_private = broadsheet::cli::WebhookAllowPrivate(true);
        args.scheduler_interval = 1;
    })
    .await;
    let admin = staff(&app, "Ada Admin", Role::Administrator);
    let receiver = Receiver::start();
    let events = json!(["ARTICLE_PUBLISHED", "TAG_CREATED"]);
    register(&app, &admin.token, &receiver.url, events).await;

    let gql = |query: &'static str, variables: Value| {
        let (app, token) = (&app, admin.token.clone());
        async move {
            let body = app.graphql_as(&token, query, variables).await.json();
            assert!(body["errors"].is_null(), "{body}");
        }
    };
    gql(
        "mutation { createTag(input: { name: \"Housing\" }) { tag { id } } }",
        json!({}),
    )
    .await;
    let at = (app.clock.now() + TimeDelta::minutes(10)).to_rfc3339();
    gql(
        "mutation($at: DateTime) { createArticle(input: { title: \"Scheduled story\", status: SCHEDULED, publishedAt: $at }) { article { id } } }",
        json!({ "at": at }),
    )
    .await;
    app.advance(TimeDelta::minutes(10));
    app.run_scheduler().await;
    app.deliver_webhooks().await;

    let got = receiver.got(2);
    let body = |event: &str| {
        got.iter()
            .map(super::Received::json)
            .find(|b| b["event"] == event)
            .unwrap_or_else(|| panic!("{event} delivered"))
    };
    assert_eq!(
        body("tag.created")["data"]["tag"]["url"],
        format!("{SITE}/tag/housing/")
    );
    assert_eq!(
        body("article.published")["data"]["article"]["url"],
        format!("{SITE}/scheduled-story/")
    );
}
