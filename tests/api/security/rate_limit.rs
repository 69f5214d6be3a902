//! Anonymous clients are limited per address (read through trusted proxies only), so that
//! dropping a partner's key lifts nothing and no one address can keep the server busy.
//!
//! The servers run on a manual clock: no allowance comes back while a slow machine is still
//! sending a burst.

use actix_web::http::StatusCode;
use broadsheet_persistence::testing::TestDb;
use chrono::TimeDelta;

use crate::helpers::{TestApp, db_tests, manual_clock};

db_tests!(
    anonymous_clients_are_limited_per_address,
    addresses_are_read_through_trusted_proxies_only,
);

const QUERY: &str = "/graphql?query=%7B%20tags(first%3A%201)%20%7B%20totalCount%20%7D%20%7D";

async fn anonymous_clients_are_limited_per_address(db: TestDb) {
    // Sixty a minute, in bursts of ten.
    let app = TestApp::spawn_configured(db, |args| {
        args.clock = manual_clock();
        args.anonymous_rate_limit = 60;
    })
    .await;
    let accept = [("accept", "application/json")];
    for i in 0..10 {
        let reply = app.get_with(QUERY, &accept).await;
        assert_eq!(reply.status, StatusCode::OK, "request {i}");
    }
    let refused = app.get_with(QUERY, &accept).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused
            .header("retry-after")
            .and_then(|s| s.parse::<u64>().ok())
            .is_some_and(|s| (1..=60).contains(&s)),
        "{:?}",
        refused.header("retry-after")
    );
    assert_eq!(
        refused.json()["errors"][0]["extensions"]["code"],
        "RATE_LIMITED"
    );
    // The same address's feeds and POSTs count together with it.
    assert_eq!(app.get("/rss/").await.status, StatusCode::TOO_MANY_REQUESTS);
    let post = app
        .post_json(
            "/graphql",
            &accept,
            r#"{"query":"{ tags(first: 1) { totalCount } }"}"#,
        )
        .await;
    assert_eq!(post.status, StatusCode::TOO_MANY_REQUESTS);
    // One request a second comes back.
    app.advance(TimeDelta::seconds(1));
    assert_eq!(app.get_with(QUERY, &accept).await.status, StatusCode::OK);
    assert_eq!(
        app.get_with(QUERY, &accept).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A partner's key counts against the key, not the address.
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
    let keyed = app.get_with(&format!("{QUERY}&key={key}"), &accept).await;
    assert_eq!(keyed.status, StatusCode::OK);
}

async fn addresses_are_read_through_trusted_proxies_only(db: TestDb) {
    let spoof = |ip: &'static str| [("accept", "application/json"), ("x-forwarded-for", ip)];
    // One request a minute each, with no burst beyond it.
    let direct = TestApp::spawn_configured(TestDb::sqlite(), |args| {
        args.clock = manual_clock();
        args.anonymous_rate_limit = 6;
    })
    .await;
    assert_eq!(
        direct.get_with(QUERY, &spoof("198.51.100.1")).await.status,
        StatusCode::OK
    );
    // Not behind a trusted proxy: the header is the client's own words, and ignored.
    assert_eq!(
        direct.get_with(QUERY, &spoof("198.51.100.2")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    let proxied = TestApp::spawn_configured(db, |args| {
        args.clock = manual_clock();
        args.anonymous_rate_limit = 6;
        args.trusted_proxies =
            broadsheet::cli::TrustedProxies(vec!["127.0.0.1/32".parse().expect("network")]);
    })
    .await;
    assert_eq!(
        proxied.get_with(QUERY, &spoof("198.51.100.1")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        proxied.get_with(QUERY, &spoof("198.51.100.2")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        proxied.get_with(QUERY, &spoof("198.51.100.1")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // An IPv6 client is its /64.
    assert_eq!(
        proxied
            .get_with(QUERY, &spoof("2001:db8:1:2::1"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        proxied
            .get_with(QUERY, &spoof("2001:db8:1:2::99"))
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
}
