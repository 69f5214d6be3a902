//! The persisted-query store takes only documents that parse and validate.

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(only_documents_that_parse_and_validate_are_persisted);

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
