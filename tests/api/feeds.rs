//! Feeds: formats, scopes, caching, sizes.

use actix_web::http::StatusCode;
use broadsheet::demo;
use broadsheet_persistence::testing::TestDb;

use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(every_feed_and_its_caching);

async fn every_feed_and_its_caching(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    for (path, content_type) in [
        ("/rss/", "application/rss+xml"),
        ("/atom/", "application/atom+xml"),
        ("/feed.json", "application/feed+json"),
        ("/tag/brexit/rss/", "application/rss+xml"),
        ("/author/helen-marsh/atom/", "application/atom+xml"),
        ("/author/helen-marsh/feed.json", "application/feed+json"),
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert!(
            reply
                .header("content-type")
                .is_some_and(|c| c.starts_with(content_type)),
            "{path}"
        );
        let etag = reply.header("etag").expect("etag").to_owned();
        let modified = reply
            .header("last-modified")
            .expect("last-modified")
            .to_owned();
        let by_tag = app.get_with(path, &[("if-none-match", &etag)]).await;
        assert_eq!(by_tag.status, StatusCode::NOT_MODIFIED, "{path}");
        let by_date = app
            .get_with(path, &[("if-modified-since", &modified)])
            .await;
        assert_eq!(by_date.status, StatusCode::NOT_MODIFIED, "{path}");
        let old = app
            .get_with(
                path,
                &[("if-modified-since", "Mon, 01 Jan 2001 00:00:00 GMT")],
            )
            .await;
        assert_eq!(old.status, StatusCode::OK, "{path}");
    }
    let rss = String::from_utf8_lossy(&app.get("/rss/").await.body).to_string();
    assert_eq!(rss.matches("<item>").count(), 20, "the latest 20");
    assert!(
        rss.contains("<link>https://news.example.com/"),
        "absolute links"
    );
    let brexit = String::from_utf8_lossy(&app.get("/tag/brexit/rss/").await.body).to_string();
    assert_eq!(brexit.matches("<item>").count(), 2);
    for missing in [
        "/tag/no-such-tag/rss/",
        "/tag/hash-homepage/rss/",
        "/author/nobody/atom/",
        "/tag/Bad%20Slug/rss/",
    ] {
        assert_eq!(
            app.get(missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

#[actix_web::test]
async fn feed_size_is_configurable() {
    let db = TestDb::sqlite();
    demo::load(&db.store).expect("demo");
    let app = TestApp::spawn_configured(db, |args| args.feed_size = 5).await;
    let body = app.get("/feed.json").await.json();
    assert_eq!(body["items"].as_array().map(Vec::len), Some(5));
}
