//! Every read has a deadline, on every API; the costly shapes of a request count toward its
//! complexity; deep page numbers are refused with the way to walk further.

use actix_web::http::StatusCode;
use broadsheet::demo;
use broadsheet_persistence::testing::TestDb;
use serde_json::json;

use crate::helpers::{TestApp, db_tests};

db_tests!(
    the_json_api_and_feeds_have_the_same_time_limit_as_graphql,
    contains_filters_and_aliases_count_toward_complexity,
    deep_page_numbers_are_refused,
);

fn content_key(app: &TestApp) -> String {
    let mut c = app.db.store.conn().expect("connection");
    broadsheet_service::keys::create_content(
        &mut c,
        "Partner",
        100_000,
        broadsheet_domain::time::now(),
    )
    .expect("key")
    .credential
}

/// With no time at all, no API reads anything: each says it ran out of time.
async fn the_json_api_and_feeds_have_the_same_time_limit_as_graphql(db: TestDb) {
    let app = TestApp::spawn_configured(db, |args| {
        args.graphql.request_timeout = std::time::Duration::ZERO;
        args.response_cache_mb = 0;
    })
    .await;
    demo::load(&app.db.store).expect("demo");
    let key = content_key(&app);
    let json = app
        .get(&format!("/ghost/api/content/posts/?key={key}&include=tags"))
        .await;
    assert_eq!(json.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json.json()["errors"][0]["type"], "TimeoutError");
    assert!(json.header("retry-after").is_some());
    for feed in ["/rss/", "/tag/birmingham/atom/", "/feed.json"] {
        let reply = app.get(feed).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{feed}");
    }
    let graphql = app
        .graphql("{ articles(first: 5) { nodes { title } } }", json!({}))
        .await;
    // The whole request (503) or the field that ran out of time (an error beside the data).
    let body = graphql.json();
    assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT", "{body}");
}

/// Forty aliased lists that each scan every title: refused before anything runs.
async fn contains_filters_and_aliases_count_toward_complexity(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let fields: String = (0..40)
        .map(|i| {
            format!(
                "a{i}: articles(first: 20, filter: {{ nql: \"title:~'word{i}'\" }}) {{ nodes {{ title }} }} "
            )
        })
        .collect();
    let reply = app.graphql(&format!("{{ {fields} }}"), json!({})).await;
    let body = reply.json();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{body}"
    );
    // One such list is fine.
    let one = app
        .graphql(
            "{ articles(first: 20, filter: { nql: \"title:~'word'\" }) { nodes { title } } }",
            json!({}),
        )
        .await
        .json();
    assert!(one.get("errors").is_none(), "{one}");
    // Lists inside lists cost per row: a hundred tags' hundred articles' tags is too much.
    let nested = app
        .graphql(
            "{ tags(first: 100) { nodes { articles(first: 100) { nodes { tags { name } authors { name } } } } } }",
            json!({}),
        )
        .await
        .json();
    assert_eq!(
        nested["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{nested}"
    );
}

async fn deep_page_numbers_are_refused(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let key = content_key(&app);
    let deep = app
        .get(&format!(
            "/ghost/api/content/posts/?key={key}&limit=15&page=1000000"
        ))
        .await;
    assert_eq!(deep.status, StatusCode::BAD_REQUEST);
    let body = deep.json();
    assert!(
        body["errors"][0]["context"]
            .as_str()
            .is_some_and(|c| c.contains("published_at")),
        "{body}"
    );
    let fine = app
        .get(&format!(
            "/ghost/api/content/posts/?key={key}&limit=15&page=3"
        ))
        .await;
    assert_eq!(fine.status, StatusCode::OK);
}
