use std::net::ToSocketAddrs;
use std::time::Duration;

use actix_web::http::StatusCode;
use broadsheet_persistence::DatabaseUrl;
use broadsheet_persistence::testing::TestDb;

use crate::helpers::{Proxy, TestApp, e2e_tests, eventually};

e2e_tests!(
    healthz_and_readyz_answer,
    every_response_has_a_request_id,
    unknown_paths_are_404
);

async fn healthz_and_readyz_answer(app: TestApp) {
    let health = app.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json()["status"], "ok");
    assert_eq!(health.header("cache-control"), Some("no-store"));
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json()["status"], "ready");
}

async fn every_response_has_a_request_id(app: TestApp) {
    let a = app.get("/healthz").await;
    let b = app.get("/no-such-page").await;
    let (a, b) = (a.header("x-request-id"), b.header("x-request-id"));
    assert!(a.is_some_and(|id| id.len() == 36), "{a:?}");
    assert!(b.is_some());
    assert_ne!(a, b);
}

async fn unknown_paths_are_404(app: TestApp) {
    assert_eq!(app.get("/nothing-here").await.status, StatusCode::NOT_FOUND);
}

/// A server on PostgreSQL reached through a proxy the test can cut.
async fn behind_proxy() -> Option<(Proxy, TestApp)> {
    let db = TestDb::postgres()?;
    let DatabaseUrl::Postgres(direct) = db.url().clone() else {
        unreachable!("postgres")
    };
    let mut url = url::Url::parse(&direct).expect("postgres URL parses");
    let target = format!(
        "{}:{}",
        url.host_str().expect("host"),
        url.port().unwrap_or(5432)
    )
    .to_socket_addrs()
    .expect("resolves")
    .next()
    .expect("an address");
    let proxy = Proxy::start(target).await;
    url.set_host(Some("127.0.0.1")).expect("host");
    url.set_port(Some(proxy.address.port())).expect("port");
    let app = TestApp::spawn_with_url(db, DatabaseUrl::Postgres(url.into())).await;
    Some((proxy, app))
}

/// A graceful stop (what SIGTERM triggers) lets a request in flight finish: here a readiness
/// check that spends two seconds waiting for a database that is gone.
#[actix_web::test]
async fn graceful_stop_answers_requests_in_flight() {
    let Some((proxy, app)) = behind_proxy().await else {
        return;
    };
    proxy.cut();
    let started = std::time::Instant::now();
    let address = app.address.trim_start_matches("http://").to_owned();
    // A plain socket, so that what the server does with the connection is seen as it is.
    let in_flight = actix_web::rt::task::spawn_blocking(move || {
        use std::io::{Read as _, Write as _};
        let mut stream = std::net::TcpStream::connect(address).expect("connect");
        stream
            .write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .expect("request");
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response
    });
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    app.handle().stop(true).await;
    let response = in_flight.await.expect("client thread");
    assert!(
        response.starts_with("HTTP/1.1 503"),
        "answered, not dropped: {response:?}"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "it really was in flight"
    );
}

/// With PostgreSQL gone, readiness says so and the process stays up; when it is back, so is
/// readiness.
#[actix_web::test]
async fn readyz_follows_postgres_down_and_up() {
    let Some((proxy, app)) = behind_proxy().await else {
        return;
    };
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    proxy.cut();
    let down = eventually(
        &app,
        "/readyz",
        StatusCode::SERVICE_UNAVAILABLE,
        Duration::from_secs(15),
    )
    .await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(down.json()["status"], "unavailable");
    let body = String::from_utf8_lossy(&down.body).to_string();
    assert!(
        !body.contains("127.0.0.1") && !body.contains("connection"),
        "no detail leaks: {body}"
    );
    assert_eq!(
        app.get("/healthz").await.status,
        StatusCode::OK,
        "the process stays up"
    );

    proxy.restore().await;
    let up = eventually(&app, "/readyz", StatusCode::OK, Duration::from_secs(15)).await;
    assert_eq!(
        up.status,
        StatusCode::OK,
        "ready again once the database is back"
    );
}
