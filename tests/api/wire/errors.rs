//! GraphQL error shapes, one snapshot per `extensions.code`, each with its HTTP status and
//! content type. Left out, because reaching them takes time or a broken database rather than
//! a request: `TIMEOUT` (a statement held up past `--request-timeout`, PostgreSQL only),
//! `REQUEST_TIMEOUT` (a body sent too slowly), `UNAVAILABLE` (the database gone) and
//! `PERSISTED_QUERY_NOT_SUPPORTED` (persisted queries switched off); their tests are in
//! `graphql::limits`, `security`, `fuzz` and `graphql::persisted`.

use actix_web::http::Method;
use broadsheet_domain::author::Role;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::reply;
use crate::editorial::{global_id, staff};
use crate::helpers::{Reply, TestApp, db_tests};

db_tests!(graphql_error_shapes, graphql_rate_limited_shape);

const STRICT: (&str, &str) = ("accept", "application/graphql-response+json");
const JSON: (&str, &str) = ("accept", "application/json");

/// Snapshots `got` as `graphql_error_{code}`, after checking that it carries that code.
fn check(code: &str, got: &Reply) {
    let body = got.json();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], code,
        "{code}: {body}"
    );
    snapshot(&format!("graphql_error_{}", code.to_ascii_lowercase()), got);
}

/// Snapshots a reply beside the others, in `tests/api/snapshots/`.
fn snapshot(name: &str, got: &Reply) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.bind(|| insta::assert_snapshot!(name, reply(got)));
}

async fn graphql_error_shapes(db: broadsheet_persistence::testing::TestDb) {
    let app = TestApp::spawn(db).await;
    broadsheet::demo::load(&app.db.store).expect("demo");
    let editor = staff(&app, "Eve Editor", Role::Editor);
    let as_editor = |query: &'static str, variables: Value| {
        let (app, token) = (&app, editor.token.clone());
        async move { app.graphql_as(&token, query, variables).await }
    };
    let post = |headers: Vec<(&'static str, &'static str)>, body: Value| {
        let app = &app;
        async move { app.post_json("/graphql", &headers, &body.to_string()).await }
    };

    check(
        "BAD_USER_INPUT",
        &as_editor(
            "mutation { createTag(input: { name: \"\" }) { tag { id } } }",
            json!({}),
        )
        .await,
    );
    check(
        "NOT_FOUND",
        &as_editor(
            "mutation($id: ID!) { deleteArticle(id: $id) { deletedId } }",
            json!({ "id": global_id("Article", "0b0f2d4e-1c6a-4f3e-9a57-3f1d2c4b5a69") }),
        )
        .await,
    );
    let tag =
        "mutation { createTag(input: { name: \"Budget\", slug: \"budget-2027\" }) { tag { id } } }";
    as_editor(tag, json!({})).await;
    check("CONFLICT", &as_editor(tag, json!({})).await);
    let created = as_editor(
        "mutation { createArticle(input: { title: \"Budget day\" }) { article { id } } }",
        json!({}),
    )
    .await
    .json();
    let id = created["data"]["createArticle"]["article"]["id"].clone();
    let update = "mutation($id: ID!) { updateArticle(id: $id, expectedVersion: 1, input: { title: \"Budget day: the detail\" }) { article { version } } }";
    as_editor(update, json!({ "id": id })).await;
    let stale = as_editor(update, json!({ "id": id })).await;
    assert_eq!(stale.json()["errors"][0]["extensions"]["code"], "CONFLICT");
    snapshot("graphql_error_conflict_stale_version", &stale);

    check(
        "UNAUTHENTICATED",
        &app.graphql(
            "mutation { createTag(input: { name: \"Anyone\" }) { tag { id } } }",
            json!({}),
        )
        .await,
    );
    let forged = app
        .graphql_as("not-a-token", "{ tags { totalCount } }", json!({}))
        .await;
    assert_eq!(
        forged.json()["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    snapshot("graphql_error_unauthenticated_token", &forged);
    check(
        "FORBIDDEN",
        &as_editor(
            "mutation { createWebhook(input: { url: \"https://example.com/hook\", secret: \"whsec-0123456789-abcdef\", events: [TAG_CREATED] }) { webhook { id } } }",
            json!({}),
        )
        .await,
    );

    check(
        "GRAPHQL_PARSE_FAILED",
        &post(vec![STRICT], json!({ "query": "{ articles { totalCount " })).await,
    );
    check(
        "GRAPHQL_VALIDATION_FAILED",
        &post(vec![STRICT], json!({ "query": "{ nosuchfield }" })).await,
    );
    let mut deep = "title".to_owned();
    for _ in 0..8 {
        deep = format!("relatedArticles(first: 1) {{ node {{ {deep} }} }}");
    }
    check(
        "QUERY_TOO_DEEP",
        &post(
            vec![STRICT],
            json!({ "query": format!("{{ articles(first: 1) {{ nodes {{ {deep} }} }} }}") }),
        )
        .await,
    );
    check(
        "QUERY_TOO_COMPLEX",
        &post(
            vec![STRICT],
            json!({ "query": "{ articles(first: 100) { nodes { title relatedArticles(first: 20) { node { title tags { name } authors { name } } } } } }" }),
        )
        .await,
    );

    let raw = |method: Method, headers: Vec<(&'static str, &'static str)>, body: &[u8]| {
        let (app, body) = (&app, body.to_vec());
        async move { app.request(method, "/graphql", &headers, body).await }
    };
    let json_body = ("content-type", "application/json");
    check(
        "BAD_REQUEST",
        &raw(Method::POST, vec![json_body, STRICT], b"{not json").await,
    );
    check(
        "BATCH_NOT_SUPPORTED",
        &raw(
            Method::POST,
            vec![json_body, STRICT],
            b"[{\"query\": \"{ articles { totalCount } }\"}]",
        )
        .await,
    );
    let padding = " ".repeat(300 * 1024);
    check(
        "PAYLOAD_TOO_LARGE",
        &post(
            vec![STRICT],
            json!({ "query": format!("{{ tags {{ totalCount }} {padding} }}") }),
        )
        .await,
    );
    check(
        "UNSUPPORTED_MEDIA_TYPE",
        &raw(
            Method::POST,
            vec![("content-type", "text/plain"), JSON],
            b"{ tags { totalCount } }",
        )
        .await,
    );
    check(
        "NOT_ACCEPTABLE",
        &post(
            vec![("accept", "text/plain")],
            json!({ "query": "{ tags { totalCount } }" }),
        )
        .await,
    );
    check(
        "METHOD_NOT_ALLOWED",
        &raw(Method::PUT, vec![json_body, JSON], b"{}").await,
    );

    let hash = |query: &str| -> String {
        Sha256::digest(query.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let persisted = |h: String| json!({ "persistedQuery": { "version": 1, "sha256Hash": h } });
    let unknown: String = url::form_urlencoded::byte_serialize(
        persisted(hash("query Tags { tags { totalCount } }"))
            .to_string()
            .as_bytes(),
    )
    .collect();
    check(
        "PERSISTED_QUERY_NOT_FOUND",
        &app.get_with(
            &format!("/graphql?operationName=Tags&extensions={unknown}"),
            &[JSON],
        )
        .await,
    );
    check(
        "PERSISTED_QUERY_HASH_MISMATCH",
        &post(
            vec![JSON],
            json!({ "query": "{ tags { totalCount } }", "extensions": persisted(hash("{ other }")) }),
        )
        .await,
    );

    // Last: it breaks the database under the running server.
    let mut c = app.db.store.conn().expect("connection");
    diesel::connection::SimpleConnection::batch_execute(&mut **c, "DROP TABLE related_articles")
        .expect("drop a table under the running server");
    drop(c);
    check(
        "INTERNAL",
        &app.graphql(
            "{ articles(first: 1) { nodes { title relatedArticles { node { title } } } } }",
            json!({}),
        )
        .await,
    );
}

/// A whole request refused by the per-address limit (429).
async fn graphql_rate_limited_shape(db: broadsheet_persistence::testing::TestDb) {
    let app = TestApp::spawn_configured(db, |args| args.anonymous_rate_limit = 6).await;
    let query = "{ tags { totalCount } }";
    let mut last = app.graphql(query, json!({})).await;
    for _ in 0..10 {
        if last.status.as_u16() == 429 {
            break;
        }
        last = app.graphql(query, json!({})).await;
    }
    let body = last.json();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{body}"
    );
    // How long to wait depends on how fast the requests above went; the body says it as the
    // header does.
    let retry_after: u64 = last
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert_eq!(
        body["errors"][0]["extensions"]["retryAfter"], retry_after,
        "{body}"
    );
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    let wait: String = message.chars().filter(char::is_ascii_digit).collect();
    let mut body = body.clone();
    body["errors"][0]["message"] = json!(message.replace(&wait, "[n]"));
    body["errors"][0]["extensions"]["retryAfter"] = json!("[n]");
    let shown = format!(
        "{}\ncontent-type: {}\n\n{}",
        last.status,
        last.header("content-type").unwrap_or("-"),
        super::pretty(body)
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.bind(|| insta::assert_snapshot!("graphql_error_rate_limited", shown));
}
