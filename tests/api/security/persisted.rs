//! The persisted-query store takes only documents that parse and validate.

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(
    only_documents_that_parse_and_validate_are_persisted,
    a_query_answered_from_the_cache_is_persisted_too,
);

fn hash(query: &str) -> String {
    Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn extensions(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn only_documents_that_parse_and_validate_are_persisted(app: TestApp) {
    let post = |body: Value| {
        let app = &app;
        async move {
            app.post_json(
                "/graphql",
                &[("accept", "application/json")],
                &body.to_string(),
            )
            .await
            .json()
        }
    };
    for junk in [
        "x".repeat(100_000),
        "{ articles(first: 1) { nodes { title } ".to_owned(),
        "{ noSuchField }".to_owned(),
    ] {
        let h = hash(&junk);
        // Registering it fails, as the document does...
        let registered = post(json!({ "query": junk, "extensions": extensions(&h) })).await;
        assert!(registered.get("errors").is_some(), "{registered}");
        // ...and nothing was kept under its hash.
        let again = post(json!({ "extensions": extensions(&h) })).await;
        assert_eq!(
            again["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
            "{again}"
        );
    }
    // A good one is kept.
    let good = "{ tags(first: 1) { totalCount } }";
    let h = hash(good);
    let registered = post(json!({ "query": good, "extensions": extensions(&h) })).await;
    assert!(registered.get("errors").is_none(), "{registered}");
    let again = post(json!({ "extensions": extensions(&h) })).await;
    assert!(again["data"]["tags"]["totalCount"].is_number(), "{again}");
}

/// Registering a query whose answer is already cached (a client sent it plainly before)
/// keeps it: the cache holds only queries that validated and ran.
async fn a_query_answered_from_the_cache_is_persisted_too(app: TestApp) {
    broadsheet::demo::load(&app.db.store).expect("demo");
    let post = |body: Value| {
        let app = &app;
        async move {
            app.post_json(
                "/graphql",
                &[("accept", "application/json")],
                &body.to_string(),
            )
            .await
        }
    };
    let query = "{ tags(first: 2) { totalCount } }";
    // The cache learns of the demo load, then keeps the answer.
    app.refresh_cache().await;
    post(json!({ "query": query })).await;
    let h = hash(query);
    let registered = post(json!({ "query": query, "extensions": extensions(&h) })).await;
    assert_eq!(registered.header("x-cache"), Some("HIT"));
    let again = post(json!({ "extensions": extensions(&h) })).await.json();
    assert!(again["data"]["tags"]["totalCount"].is_number(), "{again}");
}
