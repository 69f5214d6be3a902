//! Automatic persisted queries, as Apollo's clients speak them: a hash alone, then the query
//! with its hash once, then the hash alone again, by GET, cacheable.

use actix_web::http::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::helpers::{Reply, TestApp, e2e_tests};

e2e_tests!(
    a_hash_stands_for_its_query,
    bad_persisted_queries_are_refused
);

const QUERY: &str = "query Tags { tags(first: 3) { totalCount } }";

fn hash(query: &str) -> String {
    Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn extensions(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn get_hashed(app: &TestApp, hash: &str) -> Reply {
    let ext: String =
        url::form_urlencoded::byte_serialize(extensions(hash).to_string().as_bytes()).collect();
    app.get_with(
        &format!("/graphql?operationName=Tags&extensions={ext}"),
        &[("accept", "application/json")],
    )
    .await
}

async fn a_hash_stands_for_its_query(app: TestApp) {
    let h = hash(QUERY);
    // Unknown: Apollo's answer, which its clients take as "send the query".
    let first = get_hashed(&app, &h).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(
        first.header("cache-control"),
        Some("no-store"),
        "never cache a miss"
    );
    let body = first.json();
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );

    // The query with its hash: answered and remembered.
    let registered = app
        .post_json(
            "/graphql",
            &[("accept", "application/json")],
            &json!({ "query": QUERY, "extensions": extensions(&h) }).to_string(),
        )
        .await;
    assert_eq!(registered.json()["data"]["tags"]["totalCount"], 0);

    // The hash alone, by GET: the same answer, cacheable by a CDN and by us.
    let again = get_hashed(&app, &h).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["data"]["tags"]["totalCount"], 0);
    assert!(
        again
            .header("cache-control")
            .is_some_and(|c| c.starts_with("public"))
    );
    assert!(again.header("etag").is_some());
    // The hash in upper case is the same hash.
    let upper = get_hashed(&app, &h.to_ascii_uppercase()).await;
    assert_eq!(upper.header("x-cache"), Some("HIT"));
    assert_eq!(upper.body, again.body);
}

async fn bad_persisted_queries_are_refused(app: TestApp) {
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
    let wrong = post(json!({ "query": QUERY, "extensions": extensions(&hash("{ other }")) })).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        wrong.json()["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_HASH_MISMATCH"
    );
    // And it was not remembered under the wrong hash.
    let after = get_hashed(&app, &hash("{ other }")).await;
    assert_eq!(
        after.json()["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );

    for ext in [
        json!({ "persistedQuery": { "version": 2, "sha256Hash": hash(QUERY) } }),
        json!({ "persistedQuery": { "version": 1, "sha256Hash": "not-a-hash" } }),
        json!({ "persistedQuery": { "version": 1 } }),
        json!({ "persistedQuery": "yes" }),
    ] {
        let reply = post(json!({ "query": QUERY, "extensions": ext })).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{ext}");
    }
    // A mutation registered by POST still cannot run by GET.
    let mutation = "mutation M { logout(refreshToken: \"x\") }";
    post(json!({ "query": mutation, "extensions": extensions(&hash(mutation)) })).await;
    let ext: String =
        url::form_urlencoded::byte_serialize(extensions(&hash(mutation)).to_string().as_bytes())
            .collect();
    let by_get = app
        .get_with(
            &format!("/graphql?extensions={ext}"),
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(by_get.status, StatusCode::METHOD_NOT_ALLOWED);
}
