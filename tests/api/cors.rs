//! CORS for the browser clients we claim to serve: Ghost's Content API client, Apollo, Relay
//! and urql, persisted queries by GET. (tests/api/browser.rs runs them in headless Chromium
//! from another origin; graphql/transport.rs has the GraphQL basics.)

use actix_web::http::{Method, StatusCode};
use broadsheet::demo;
use broadsheet_persistence::testing::TestDb;

use crate::helpers::{Reply, TestApp, e2e_tests};

e2e_tests!(
    preflights_allow_what_the_clients_send,
    clients_can_read_the_headers_they_need,
    content_api_answers_follow_the_policy
);

const ORIGIN: &str = "https://partner.example";

async fn preflight(app: &TestApp, path: &str, method: &str, headers: &str) -> Reply {
    app.request(
        Method::OPTIONS,
        path,
        &[
            ("origin", ORIGIN),
            ("access-control-request-method", method),
            ("access-control-request-headers", headers),
        ],
        Vec::new(),
    )
    .await
}

fn content_key(app: &TestApp) -> String {
    let mut c = app.db.store.conn().expect("connection");
    broadsheet_service::keys::create_content(
        &mut c,
        "Partner",
        1000,
        broadsheet_domain::time::now(),
    )
    .expect("key")
    .credential
}

/// How many `name` headers a reply has.
fn count(reply: &Reply, name: &str) -> usize {
    reply.headers.get_all(name).count()
}

async fn preflights_allow_what_the_clients_send(app: TestApp) {
    for (client, path, method, headers) in [
        (
            "Ghost's @tryghost/content-api",
            "/ghost/api/content/posts/",
            "GET",
            "accept-version",
        ),
        (
            "Ghost's client with a members token",
            "/ghost/api/content/posts/",
            "GET",
            "accept-version,authorization",
        ),
        (
            "Apollo Client",
            "/graphql",
            "POST",
            "apollographql-client-name,apollographql-client-version,content-type",
        ),
        (
            "Apollo's persisted query by GET",
            "/graphql",
            "GET",
            "accept,apollo-require-preflight,content-type,x-apollo-operation-name",
        ),
        ("Relay, urql", "/graphql", "POST", "accept,content-type"),
        ("staff", "/graphql", "POST", "authorization,content-type"),
    ] {
        let reply = preflight(&app, path, method, headers).await;
        assert_eq!(reply.status, StatusCode::OK, "{client}");
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
        let allowed = reply
            .header("access-control-allow-headers")
            .expect("allowed headers")
            .to_ascii_lowercase();
        for header in headers.split(',') {
            assert!(
                allowed.split(", ").any(|a| a == header),
                "{client}: {header} in {allowed}"
            );
        }
        assert!(
            reply
                .header("access-control-allow-methods")
                .is_some_and(|m| m.contains(method)),
            "{client}"
        );
    }
    // Only those: a header nobody sends is not allowed.
    let other = preflight(&app, "/graphql", "POST", "content-type,x-made-up").await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST);
}

async fn clients_can_read_the_headers_they_need(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let key = content_key(&app);
    let reply = app
        .get_with(
            &format!("/ghost/api/content/posts/?key={key}&limit=1"),
            &[("origin", ORIGIN)],
        )
        .await;
    let exposed = reply
        .header("access-control-expose-headers")
        .expect("exposed headers")
        .to_ascii_lowercase();
    for header in [
        "etag",
        "x-request-id",
        "retry-after",
        "content-version",
        "x-cache",
    ] {
        assert!(exposed.split(", ").any(|e| e == header), "{header}");
    }
}

/// The Content API answers as the policy says, once: `*` with any origin allowed, asked with
/// an `Origin` or not (so that a CDN which ignores `Vary: Origin` still serves browsers a
/// readable copy).
async fn content_api_answers_follow_the_policy(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let path = format!(
        "/ghost/api/content/posts/?key={}&limit=1",
        content_key(&app)
    );
    for headers in [&[("origin", ORIGIN)][..], &[]] {
        let reply = app.get_with(&path, headers).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(count(&reply, "access-control-allow-origin"), 1);
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    }
    let refused = app.get_with("/ghost/api/content/posts/", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused.header("access-control-allow-origin"),
        Some("*"),
        "errors too, so that the client can read why"
    );
}

/// With a list of origins, the Content API lets only those read, like every other route:
/// before, it said `*` to every origin whatever the list.
#[actix_web::test]
async fn content_api_keeps_to_a_list_of_origins() {
    let allowed = "https://www.example.com";
    let app = TestApp::spawn_configured(TestDb::sqlite(), |args| {
        args.cors_origins = vec![allowed.to_owned()];
    })
    .await;
    demo::load(&app.db.store).expect("demo");
    let path = format!(
        "/ghost/api/content/posts/?key={}&limit=1",
        content_key(&app)
    );

    let listed = app.get_with(&path, &[("origin", allowed)]).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(count(&listed, "access-control-allow-origin"), 1);
    assert_eq!(listed.header("access-control-allow-origin"), Some(allowed));

    for headers in [&[("origin", "https://evil.example")][..], &[]] {
        for path in [path.as_str(), "/ghost/api/content/posts/?key=unknown"] {
            let reply = app.get_with(path, headers).await;
            assert_eq!(reply.header("access-control-allow-origin"), None, "{path}");
        }
    }
    let preflight = app
        .request(
            Method::OPTIONS,
            "/ghost/api/content/posts/",
            &[
                ("origin", "https://evil.example"),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "accept-version"),
            ],
            Vec::new(),
        )
        .await;
    assert_eq!(preflight.status, StatusCode::BAD_REQUEST);
}
