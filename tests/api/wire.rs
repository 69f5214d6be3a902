//! Wire contracts as snapshots (insta): the JSON Content API's envelopes, each feed format,
//! webhook bodies and GraphQL error shapes, as clients receive them. A change to any of them
//! fails here until its snapshot under `tests/api/snapshots/` is accepted (`cargo insta
//! review`, or `INSTA_UPDATE=always` and a look at the diff). Both backends compare against
//! the same snapshot. What varies between runs (times, ids, uuids) is replaced by
//! placeholders first, by [`normalise`] and [`normalise_xml`].

mod errors;

use std::time::Duration;

use broadsheet::demo;
use broadsheet_domain::author::Role;
use serde_json::{Value, json};

use crate::editorial::staff;
use crate::helpers::{Reply, TestApp, db_tests};
use crate::webhooks::{Received, Receiver};

db_tests!(content_api_envelopes, feeds, webhook_bodies);

/// Replaces, anywhere in `value`, what differs from one run or backend to the next: the
/// values of id fields (`id`, `uuid`, `*_id`, `*Id`), and strings that are RFC 3339 times
/// or uuids.
pub(crate) fn normalise(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                let is_id =
                    name == "id" || name == "uuid" || name.ends_with("_id") || name.ends_with("Id");
                if is_id {
                    redact_id(field);
                } else {
                    normalise(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise),
        Value::String(text) => {
            if let Some(placeholder) = placeholder(text) {
                *text = placeholder.to_owned();
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn redact_id(value: &mut Value) {
    match value {
        // The placeholder keeps the type: a client parsing ids as numbers or as strings
        // still sees which.
        Value::String(_) => *value = json!("[id]"),
        Value::Number(_) => *value = json!("[number id]"),
        Value::Array(items) => items.iter_mut().for_each(redact_id),
        Value::Object(_) => normalise(value),
        Value::Null | Value::Bool(_) => {}
    }
}

fn placeholder(text: &str) -> Option<&'static str> {
    if chrono::DateTime::parse_from_rfc3339(text).is_ok() {
        Some("[time]")
    } else if text.len() == 36 && uuid::Uuid::parse_str(text).is_ok() {
        Some("[uuid]")
    } else {
        None
    }
}

/// `value` normalised, as pretty JSON.
pub(crate) fn pretty(mut value: Value) -> String {
    normalise(&mut value);
    serde_json::to_string_pretty(&value).expect("JSON")
}

/// A reply as a snapshot shows it: the status, the content type, the normalised body.
pub(crate) fn reply(reply: &Reply) -> String {
    format!(
        "{}\ncontent-type: {}\n\n{}",
        reply.status,
        reply.header("content-type").unwrap_or("-"),
        pretty(reply.json())
    )
}

/// An XML reply as a snapshot shows it: the status, the content type, the normalised body.
fn xml_reply(reply: &Reply) -> String {
    format!(
        "{}\ncontent-type: {}\n\n{}",
        reply.status,
        reply.header("content-type").unwrap_or("-"),
        normalise_xml(&String::from_utf8_lossy(&reply.body))
    )
}

/// An XML feed with the contents of its elements that vary (times, ids) replaced by the
/// element's name in brackets.
fn normalise_xml(xml: &str) -> String {
    let mut out = xml.to_owned();
    for element in [
        "pubDate",
        "lastBuildDate",
        "guid",
        "updated",
        "published",
        "id",
    ] {
        out = redact_elements(&out, element);
    }
    out
}

fn redact_elements(xml: &str, element: &str) -> String {
    let open = format!("<{element}");
    let close = format!("</{element}>");
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after_name = &rest[start + open.len()..];
        // `<id>` must not match `<idea>`.
        if !after_name.starts_with(['>', ' ']) {
            out.push_str(&rest[..start + open.len()]);
            rest = after_name;
            continue;
        }
        let (Some(content), Some(end)) = (after_name.find('>'), after_name.find(&close)) else {
            break;
        };
        let head = start + open.len() + content + 1;
        out.push_str(&rest[..head]);
        out.push_str(&format!("[{element}]"));
        out.push_str(&close);
        rest = &rest[start + open.len() + end + close.len()..];
    }
    out.push_str(rest);
    out
}

/// The Content API as Ghost's clients read it: a page of posts, one post, tags, authors,
/// and an error.
async fn content_api_envelopes(db: broadsheet_persistence::testing::TestDb) {
    let app = TestApp::spawn(db).await;
    demo::load(&app.db.store).expect("demo");
    let key = {
        let mut c = app.db.store.conn().expect("connection");
        broadsheet_service::keys::create_content(
            &mut c,
            "Partner",
            1000,
            broadsheet_domain::time::now(),
        )
        .expect("key")
        .credential
    };
    let get = |path: String| {
        let app = &app;
        async move { app.get(&path).await }
    };
    let api = "/ghost/api/content";
    let posts = get(format!(
        "{api}/posts/?key={key}&limit=2&include=tags,authors"
    ))
    .await;
    insta::assert_snapshot!("content_posts_browse", reply(&posts));
    let slug = posts.json()["posts"][0]["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    insta::assert_snapshot!(
        "content_post_read",
        reply(&get(format!("{api}/posts/slug/{slug}/?key={key}")).await)
    );
    insta::assert_snapshot!(
        "content_tags_browse",
        reply(&get(format!("{api}/tags/?key={key}&limit=3&include=count.posts")).await)
    );
    insta::assert_snapshot!(
        "content_authors_browse",
        reply(
            &get(format!(
                "{api}/authors/?key={key}&limit=2&include=count.posts"
            ))
            .await
        )
    );
    insta::assert_snapshot!(
        "content_error_not_found",
        reply(&get(format!("{api}/posts/slug/no-such-post/?key={key}")).await)
    );
    insta::assert_snapshot!(
        "content_error_no_key",
        reply(&get(format!("{api}/posts/")).await)
    );
    // The bytes themselves, which the snapshots (parsed and printed again) do not show: compact,
    // each object's keys in the order clients have always had them (sorted by name), whether
    // an answer is written from its shapes or from a JSON value. Every optional part is asked
    // for: bodies in both formats, tags and authors, counts, and a choice of fields.
    for path in [
        format!("{api}/posts/?key={key}&limit=3&include=tags,authors&formats=html,plaintext"),
        format!("{api}/posts/slug/{slug}/?key={key}&include=tags,authors"),
        format!("{api}/posts/?key={key}&fields=title,slug&include=tags"),
        format!("{api}/posts/?key={key}&filter=slug:no-such-post"),
        format!("{api}/tags/?key={key}&include=count.posts"),
        format!("{api}/authors/?key={key}&include=count.posts"),
    ] {
        let r = get(path.clone()).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            r.json().to_string(),
            "{path} is written as it always was"
        );
    }
}

/// RSS, Atom and JSON Feed, two articles each.
async fn feeds(db: broadsheet_persistence::testing::TestDb) {
    demo::load(&db.store).expect("demo");
    let app = TestApp::spawn_configured(db, |args| args.feed_size = 2).await;
    for (name, path) in [("feed_rss", "/rss/"), ("feed_atom", "/atom/")] {
        insta::assert_snapshot!(name, xml_reply(&app.get(path).await));
    }
    insta::assert_snapshot!("feed_json", reply(&app.get("/feed.json").await));
}

const CREATE_WEBHOOK: &str = "mutation($url: String!, $events: [WebhookEvent!]!) {
    createWebhook(input: { url: $url, secret: \"whsec-0123456789-abcdef\", events: $events }) { webhook { id } } }";

/// The body of each webhook event.
async fn webhook_bodies(db: broadsheet_persistence::testing::TestDb) {
    let app = TestApp::spawn_configured(db, |args| {
        args.webhooks.webhook_delivery = broadsheet::cli::WebhookDelivery(true);
        args.webhooks.webhook_allow_private = broadsheet::cli::WebhookAllowPrivate(true);
        args.webhooks.webhook_retry_base = Duration::from_secs(1);
    })
    .await;
    let admin = staff(&app, "Ada Admin", Role::Administrator);
    let editor = staff(&app, "Eve Editor", Role::Editor);
    let receiver = Receiver::start();
    let registered = app
        .graphql_as(
            &admin.token,
            CREATE_WEBHOOK,
            json!({ "url": receiver.url, "events": [
                "ARTICLE_PUBLISHED", "ARTICLE_UPDATED", "ARTICLE_UNPUBLISHED", "ARTICLE_DELETED",
                "TAG_CREATED", "TAG_UPDATED", "TAG_DELETED"
            ] }),
        )
        .await
        .json();
    assert!(registered["errors"].is_null(), "{registered}");

    let gql = |query: &'static str, variables: Value| {
        let (app, token) = (&app, editor.token.clone());
        async move {
            let body = app.graphql_as(&token, query, variables).await.json();
            assert!(body["errors"].is_null(), "{body}");
            body["data"].clone()
        }
    };
    let tag = gql(
        "mutation { createTag(input: { name: \"Housing\", description: \"Homes and rents.\" }) { tag { id } } }",
        json!({}),
    )
    .await["createTag"]["tag"]["id"]
        .clone();
    let created = gql(
        "mutation { createArticle(input: { title: \"Council budget\", markdown: \"The *budget* is set.\", customExcerpt: \"Set at last.\" }) { article { id version } } }",
        json!({}),
    )
    .await;
    let id = created["createArticle"]["article"]["id"].clone();
    let tagged = gql(
        "mutation($id: ID!, $tag: ID!) { setArticleTags(id: $id, tagIds: [$tag]) { article { version } } }",
        json!({ "id": id, "tag": tag }),
    )
    .await;
    let mut version = tagged["setArticleTags"]["article"]["version"].clone();
    for (field, query) in [
        (
            "publishArticle",
            "mutation($id: ID!, $v: Int!) { publishArticle(id: $id, expectedVersion: $v) { article { version } } }",
        ),
        (
            "updateArticle",
            "mutation($id: ID!, $v: Int!) { updateArticle(id: $id, expectedVersion: $v, input: { title: \"Council budget agreed\" }) { article { version } } }",
        ),
        (
            "unpublishArticle",
            "mutation($id: ID!, $v: Int!) { unpublishArticle(id: $id, expectedVersion: $v) { article { version } } }",
        ),
        (
            "publishArticle",
            "mutation($id: ID!, $v: Int!) { publishArticle(id: $id, expectedVersion: $v) { article { version } } }",
        ),
    ] {
        let changed = gql(query, json!({ "id": id, "v": version })).await;
        version = changed[field]["article"]["version"].clone();
    }
    gql(
        "mutation($id: ID!) { deleteArticle(id: $id) { deletedId } }",
        json!({ "id": id }),
    )
    .await;
    gql(
        "mutation($id: ID!) { updateTag(id: $id, input: { name: \"Housing & homes\" }) { tag { id } } }",
        json!({ "id": tag }),
    )
    .await;
    gql(
        "mutation($id: ID!) { deleteTag(id: $id) }",
        json!({ "id": tag }),
    )
    .await;

    app.deliver_webhooks().await;
    let got = receiver.received();
    assert!(got.len() >= 8, "{} deliveries", got.len());
    let body = |event: &str, title: Option<&str>| -> String {
        let found = got
            .iter()
            .map(Received::json)
            .find(|b| {
                b["event"] == event && title.is_none_or(|t| b["data"]["article"]["title"] == t)
            })
            .unwrap_or_else(|| panic!("no {event} among {got:?}"));
        pretty(found)
    };
    insta::assert_snapshot!(
        "webhook_article_published",
        body("article.published", Some("Council budget"))
    );
    insta::assert_snapshot!("webhook_article_updated", body("article.updated", None));
    insta::assert_snapshot!(
        "webhook_article_unpublished",
        body("article.unpublished", None)
    );
    insta::assert_snapshot!("webhook_article_deleted", body("article.deleted", None));
    insta::assert_snapshot!("webhook_tag_created", body("tag.created", None));
    insta::assert_snapshot!("webhook_tag_updated", body("tag.updated", None));
    insta::assert_snapshot!("webhook_tag_deleted", body("tag.deleted", None));
}

#[test]
fn normalising_replaces_what_varies() {
    let mut value = json!({
        "id": "5f3a", "uuid": "0b0f2d4e-1c6a-4f3e-9a57-3f1d2c4b5a69", "post_id": 7,
        "published_at": "2026-12-01T10:00:00.000Z", "title": "2026 budget", "ids": [1],
        "nested": [{ "keyId": "abc", "when": "2026-12-01T10:00:00+01:00" }]
    });
    normalise(&mut value);
    assert_eq!(
        value,
        json!({
            "id": "[id]", "uuid": "[id]", "post_id": "[number id]",
            "published_at": "[time]", "title": "2026 budget", "ids": [1],
            "nested": [{ "keyId": "[id]", "when": "[time]" }]
        })
    );
    assert_eq!(
        normalise_xml("<id>urn:uuid:1</id><idea>x</idea><guid isPermaLink=\"false\">9</guid>"),
        "<id>[id]</id><idea>x</idea><guid isPermaLink=\"false\">[guid]</guid>"
    );
}
