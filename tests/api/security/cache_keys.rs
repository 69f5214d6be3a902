//! The response cache's keys: a request is answered from the cache only with the answer to
//! the very same document.

use actix_web::http::StatusCode;
use broadsheet::demo;
use serde_json::json;

use broadsheet_persistence::testing::TestDb;

use crate::helpers::{TestApp, db_tests};

db_tests!(
    a_document_with_characters_graphql_does_not_ignore_is_not_another_s_cached_answer,
    answers_about_nothing_do_not_push_out_what_readers_read,
);

/// A no-break space is not GraphQL whitespace: the document does not parse, however much it
/// looks like one that does and was cached.
async fn a_document_with_characters_graphql_does_not_ignore_is_not_another_s_cached_answer(
    db: TestDb,
) {
    let app = TestApp::spawn(db).await;
    demo::load(&app.db.store).expect("demo");
    let ask = |query: String| {
        let body = json!({ "query": query }).to_string();
        let app = &app;
        async move {
            app.post_json("/graphql", &[("accept", "application/json")], &body)
                .await
        }
    };
    let valid = "{ articles(first: 1) { nodes { title } } }".to_owned();
    // The cache learns of the demo load, then keeps the answer.
    app.refresh_cache().await;
    ask(valid.clone()).await;
    assert_eq!(ask(valid).await.header("x-cache"), Some("HIT"));
    for odd in ['\u{a0}', '\u{2003}', '\u{b}'] {
        let reply = ask(format!(
            "{{{odd}articles(first: 1) {{ nodes {{ title }} }} }}"
        ))
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_ne!(reply.header("x-cache"), Some("HIT"), "{odd:?}");
        let body = reply.json();
        assert!(body.get("data").is_none(), "{odd:?}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED",
            "{odd:?}: {body}"
        );
    }
}

/// A stranger asking for thousands of slugs that do not exist fills no more than a small
/// corner of the cache: the home page readers keep asking for stays in it.
async fn answers_about_nothing_do_not_push_out_what_readers_read(db: TestDb) {
    let app = TestApp::spawn_configured(db, |args| args.response_cache_mb = 1).await;
    demo::load(&app.db.store).expect("demo");
    let post = |query: String| {
        let body = json!({ "query": query }).to_string();
        let app = &app;
        async move {
            app.post_json("/graphql", &[("accept", "application/json")], &body)
                .await
        }
    };
    let home = "{ articles(first: 10) { nodes { title slug excerpt } } }".to_owned();
    app.refresh_cache().await;
    post(home.clone()).await;
    for _ in 0..5 {
        assert_eq!(post(home.clone()).await.header("x-cache"), Some("HIT"));
    }
    for i in 0..3000 {
        let reply = post(format!(
            "{{ article(slug: \"no-such-article-{i}\") {{ title body: html }} }}"
        ))
        .await;
        assert_eq!(reply.json()["data"]["article"], serde_json::Value::Null);
    }
    assert_eq!(post(home).await.header("x-cache"), Some("HIT"));
}
