//! Search through GraphQL: ranking, snippets, paging, hostile input.

use broadsheet::demo;
use broadsheet_persistence::testing::{ArticleBuilder, UserBuilder};
use serde_json::{Value, json};

use super::{data, first_code};
use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(
    ranks_and_highlights,
    pages_through_results,
    hostile_queries_are_words_or_refused
);

const Q: &str = "query($q: String!, $first: Int, $after: String) {
    search(query: $q, first: $first, after: $after) {
      totalCount edges { cursor snippet node { slug } } pageInfo { hasNextPage endCursor } } }";

fn slugs(body: &Value) -> Vec<String> {
    data(body, &["search", "edges"])
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["slug"].as_str().map(str::to_owned))
        .collect()
}

async fn ranks_and_highlights(app: TestApp) {
    let mut c = app.db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    ArticleBuilder::new("Council notes", w)
        .slug("body-only")
        .body("Trams, trams and more trams on every street.")
        .create(&mut c);
    ArticleBuilder::new("Trams return to the city", w)
        .slug("in-title")
        .body("A new line opens.")
        .create(&mut c);
    ArticleBuilder::new("Trams draft", w)
        .slug("draft")
        .draft()
        .create(&mut c);
    for i in 0..8 {
        ArticleBuilder::new(&format!("Other {i}"), w)
            .body("Buses.")
            .create(&mut c);
    }
    drop(c);
    let body = app.graphql(Q, json!({ "q": "trams" })).await.json();
    assert_eq!(
        slugs(&body),
        ["in-title", "body-only"],
        "a title match outranks a body-only match; drafts are not found"
    );
    assert_eq!(data(&body, &["search", "totalCount"]), 2);
    let snippet = data(&body, &["search", "edges", "1", "snippet"])
        .as_str()
        .expect("snippet");
    assert!(
        snippet.contains("<mark>") && snippet.to_lowercase().contains("<mark>trams</mark>"),
        "{snippet}"
    );
}

async fn pages_through_results(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let first = app
        .graphql(Q, json!({ "q": "council", "first": 3 }))
        .await
        .json();
    let total = data(&first, &["search", "totalCount"])
        .as_i64()
        .expect("total");
    assert!(total > 3, "{total}");
    let mut seen = slugs(&first);
    let mut page = first;
    while data(&page, &["search", "pageInfo", "hasNextPage"]) == true {
        let after = data(&page, &["search", "pageInfo", "endCursor"]).clone();
        page = app
            .graphql(Q, json!({ "q": "council", "first": 3, "after": after }))
            .await
            .json();
        seen.extend(slugs(&page));
    }
    assert_eq!(seen.len() as i64, total);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no result twice");
}

async fn hostile_queries_are_words_or_refused(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    for q in [
        "\"ofsted\"",
        "ofsted*",
        "NEAR(ofsted council)",
        "ofsted OR 1=1",
        "'; DROP TABLE articles; --",
        "^ofsted",
        "ofsted:children",
        "{ofsted}",
    ] {
        let body = app.graphql(Q, json!({ "q": q })).await.json();
        assert!(body.get("errors").is_none(), "{q}: {body}");
    }
    for q in ["", "   ", "\"*\"", "';--"] {
        let body = app.graphql(Q, json!({ "q": q })).await.json();
        assert_eq!(first_code(&body), "BAD_USER_INPUT", "{q}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "query");
    }
    let long = "word ".repeat(100);
    let body = app.graphql(Q, json!({ "q": long })).await.json();
    assert_eq!(first_code(&body), "BAD_USER_INPUT");
    let bad_cursor = app
        .graphql(Q, json!({ "q": "ofsted", "after": "zzz" }))
        .await
        .json();
    assert_eq!(first_code(&bad_cursor), "BAD_USER_INPUT");
    let still = app
        .graphql("{ articles { totalCount } }", json!({}))
        .await
        .json();
    assert_eq!(
        data(&still, &["articles", "totalCount"]),
        26,
        "nothing was dropped"
    );
}
