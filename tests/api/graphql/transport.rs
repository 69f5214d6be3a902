//! GraphQL over HTTP: methods, content negotiation, status codes, caching, CORS.

use actix_web::http::{Method, StatusCode};
use serde_json::json;

use super::first_code;
use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(
    post_and_get_answer_alike,
    content_negotiation,
    request_errors_are_400,
    document_errors_depend_on_the_accepted_type,
    mutations_by_get_and_other_methods_are_405,
    only_json_bodies_are_accepted,
    get_responses_are_cacheable,
    cors_lets_any_origin_read,
);

const QUERY: &str = "{ articles(first: 1) { totalCount } }";

async fn post_and_get_answer_alike(app: TestApp) {
    let post = app.graphql(QUERY, json!({})).await;
    assert_eq!(post.status, StatusCode::OK);
    assert_eq!(post.json()["data"]["articles"]["totalCount"], 0);
    let get = app
        .get_with(
            "/graphql?query=query%20Q(%24n%3A%20Int)%7Barticles(first%3A%24n)%7BtotalCount%7D%7D&variables=%7B%22n%22%3A1%7D&operationName=Q",
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(get.status, StatusCode::OK);
    assert_eq!(get.json(), post.json());
}

async fn content_negotiation(app: TestApp) {
    let body = json!({ "query": QUERY }).to_string();
    let cases = [
        (
            Some("application/graphql-response+json"),
            "application/graphql-response+json",
        ),
        (Some("application/json"), "application/json"),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            "application/graphql-response+json",
        ),
        (Some("*/*"), "application/json"),
        (None, "application/json"),
    ];
    for (accept, expected) in cases {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
        let reply = app.post_json("/graphql", &headers, &body).await;
        assert_eq!(reply.status, StatusCode::OK, "{accept:?}");
        let content_type = reply.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with(expected),
            "{accept:?} gave {content_type}"
        );
    }
    let refused = app
        .post_json("/graphql", &[("accept", "text/plain")], &body)
        .await;
    assert_eq!(refused.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(first_code(&refused.json()), "NOT_ACCEPTABLE");
}

async fn request_errors_are_400(app: TestApp) {
    let gr = [("accept", "application/graphql-response+json")];
    let cases: [(&[u8], &str); 7] = [
        (b"{not json", "BAD_REQUEST"),
        (b"{}", "BAD_REQUEST"),
        (b"{\"query\": \"\"}", "BAD_REQUEST"),
        (b"{\"query\": 42}", "BAD_REQUEST"),
        (
            b"[{\"query\": \"{ articles { totalCount } }\"}]",
            "BATCH_NOT_SUPPORTED",
        ),
        (
            b"{\"query\": \"{ articles { totalCount } }\", \"variables\": [1]}",
            "BAD_REQUEST",
        ),
        (b"{\"query\": \"\xff\xfe\"}", "BAD_REQUEST"),
    ];
    for (body, code) in cases {
        for accept in [&gr[..], &[("accept", "application/json")][..]] {
            let reply = app
                .request(
                    Method::POST,
                    "/graphql",
                    &[&[("content-type", "application/json")], accept].concat(),
                    body.to_vec(),
                )
                .await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{}",
                String::from_utf8_lossy(body)
            );
            let json = reply.json();
            assert_eq!(first_code(&json), code, "{json}");
            assert!(json.get("data").is_none());
        }
    }
    let named =
        json!({ "query": "query A { articles { totalCount } }", "operationName": "B" }).to_string();
    let reply = app.post_json("/graphql", &gr, &named).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let two =
        json!({ "query": "query A { articles { totalCount } } query B { tags { totalCount } }" })
            .to_string();
    assert_eq!(
        app.post_json("/graphql", &gr, &two).await.status,
        StatusCode::BAD_REQUEST
    );
    let missing = app
        .get_with("/graphql", &[("accept", "application/json")])
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    let bad_vars = app
        .get_with(
            "/graphql?query=%7Btags%7BtotalCount%7D%7D&variables=%7Bnope",
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(bad_vars.status, StatusCode::BAD_REQUEST);
}

async fn document_errors_depend_on_the_accepted_type(app: TestApp) {
    for (query, code) in [
        ("{ articles { totalCount ", "GRAPHQL_PARSE_FAILED"),
        ("{ nosuchfield }", "GRAPHQL_VALIDATION_FAILED"),
        (
            "{ articles(first: \"x\") { totalCount } }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ] {
        let body = json!({ "query": query }).to_string();
        check_request_error(&app, query, &body, code).await;
    }
    // Variables that cannot be coerced are request errors too (found from outside: a required
    // variable left out came back as `data: null` with no code).
    let required = "query($s: String!) { article(slug: $s) { title } }";
    for variables in [json!({}), json!({ "s": null })] {
        let body = json!({ "query": required, "variables": variables }).to_string();
        check_request_error(&app, required, &body, "BAD_USER_INPUT").await;
    }
    let defaulted =
        json!({ "query": "query($n: Int! = 1) { articles(first: $n) { totalCount } }" });
    let reply = app
        .post_json(
            "/graphql",
            &[("accept", "application/graphql-response+json")],
            &defaulted.to_string(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "a default stands in");
    // A field error is not a request error: 200, with data.
    let field_error = json!({ "query": "{ articles(first: 1000) { totalCount } }" }).to_string();
    let reply = app
        .post_json(
            "/graphql",
            &[("accept", "application/graphql-response+json")],
            &field_error,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert!(json.get("data").is_some());
    assert_eq!(first_code(&json), "BAD_USER_INPUT");
}

/// A request error: 400 with no `data` for `application/graphql-response+json`, 200 for
/// `application/json`; `code` either way.
async fn check_request_error(app: &TestApp, query: &str, body: &str, code: &str) {
    let strict = app
        .post_json(
            "/graphql",
            &[("accept", "application/graphql-response+json")],
            body,
        )
        .await;
    assert_eq!(strict.status, StatusCode::BAD_REQUEST, "{query}: {body}");
    let json = strict.json();
    assert_eq!(first_code(&json), code, "{json}");
    assert!(json.get("data").is_none(), "no data key: {json}");
    let legacy = app
        .post_json("/graphql", &[("accept", "application/json")], body)
        .await;
    assert_eq!(legacy.status, StatusCode::OK, "{query}");
    assert_eq!(first_code(&legacy.json()), code);
}

async fn mutations_by_get_and_other_methods_are_405(app: TestApp) {
    let reply = app
        .get_with(
            "/graphql?query=mutation%20%7B%20x%20%7D",
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), Some("POST"));
    for method in [Method::PUT, Method::DELETE, Method::PATCH] {
        let reply = app
            .request(method.clone(), "/graphql", &[], Vec::new())
            .await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
}

async fn only_json_bodies_are_accepted(app: TestApp) {
    let body = json!({ "query": QUERY }).to_string().into_bytes();
    for content_type in [
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/graphql",
        "application/json; charset=latin1",
    ] {
        let reply = app
            .request(
                Method::POST,
                "/graphql",
                &[("content-type", content_type)],
                body.clone(),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
        assert_eq!(first_code(&reply.json()), "UNSUPPORTED_MEDIA_TYPE");
    }
    let ok = app
        .request(
            Method::POST,
            "/graphql",
            &[("content-type", "application/json; charset=utf-8")],
            body,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
}

async fn get_responses_are_cacheable(app: TestApp) {
    let path = "/graphql?query=%7Btags%7BtotalCount%7D%7D";
    let first = app.get_with(path, &[("accept", "application/json")]).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(
        first.header("cache-control"),
        Some("public, max-age=60, s-maxage=60, stale-while-revalidate=30")
    );
    let etag = first.header("etag").expect("an ETag").to_owned();
    let again = app.get_with(path, &[("accept", "application/json")]).await;
    assert_eq!(
        again.header("etag"),
        Some(etag.as_str()),
        "same bytes, same tag"
    );
    let not_modified = app
        .get_with(
            path,
            &[("accept", "application/json"), ("if-none-match", &etag)],
        )
        .await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert!(not_modified.body.is_empty());
    let changed = app
        .get_with(
            path,
            &[
                ("accept", "application/json"),
                ("if-none-match", "\"other\""),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    let errors = app
        .get_with(
            "/graphql?query=%7Bnope%7D",
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(errors.header("cache-control"), Some("no-store"));
    let post = app.graphql("{ tags { totalCount } }", json!({})).await;
    assert_eq!(post.header("cache-control"), Some("no-store"));
}

async fn cors_lets_any_origin_read(app: TestApp) {
    let reply = app
        .get_with(
            "/graphql?query=%7Btags%7BtotalCount%7D%7D",
            &[("origin", "https://partner.example")],
        )
        .await;
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let preflight = app
        .request(
            Method::OPTIONS,
            "/graphql",
            &[
                ("origin", "https://partner.example"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
            Vec::new(),
        )
        .await;
    assert!(preflight.status.is_success(), "{}", preflight.status);
    assert!(
        preflight
            .header("access-control-allow-methods")
            .is_some_and(|m| m.contains("POST"))
    );
}

/// With a list of origins, only those may read from a browser.
#[actix_web::test]
async fn cors_can_be_limited_to_some_origins() {
    let app =
        TestApp::spawn_configured(broadsheet_persistence::testing::TestDb::sqlite(), |args| {
            args.cors_origins = vec!["https://www.example.com".to_owned()];
        })
        .await;
    let path = "/graphql?query=%7Btags%7BtotalCount%7D%7D";
    let allowed = app
        .get_with(path, &[("origin", "https://www.example.com")])
        .await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://www.example.com")
    );
    let other = app
        .get_with(path, &[("origin", "https://evil.example")])
        .await;
    assert_eq!(other.header("access-control-allow-origin"), None);
}
