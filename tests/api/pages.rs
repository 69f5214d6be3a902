//! Article, tag, author and preview URLs start with the site's address, which by default is
//! the API's own: followed here, they answer 404 with a note saying where pages are served
//! and how to read the same thing from the API, the same note whatever the path.

use actix_web::http::StatusCode;
use broadsheet::demo;
use broadsheet_domain::author::Role;
use serde_json::json;

use crate::graphql::data;
use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(page_urls_followed_here_say_where_pages_are);

async fn page_urls_followed_here_say_where_pages_are(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let editor = crate::editorial::staff(&app, "Eve Editor", Role::Editor);
    let body = app
        .graphql_as(
            &editor.token,
            "{ published: article(slug: \"new-homes-target\") { url }
               draft: article(slug: \"childrens-services-one-year-on\") { url previewUrl } }",
            json!({}),
        )
        .await
        .json();
    let site = "https://news.example.com";
    let paths: Vec<String> = [
        data(&body, &["published", "url"]),
        data(&body, &["draft", "url"]),
        data(&body, &["draft", "previewUrl"]),
    ]
    .iter()
    .map(|url| {
        let url = url.as_str().expect("a URL");
        url.strip_prefix(site)
            .unwrap_or_else(|| panic!("{url} is on the site"))
            .to_owned()
    })
    .collect();

    let unknown = app.get("/no-such-article/").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let note = String::from_utf8(unknown.body.to_vec()).expect("UTF-8");
    for hint in [
        "--site-url",
        &format!("{site}/"),
        "/graphql",
        "article(slug:",
        "preview(token:",
    ] {
        assert!(note.contains(hint), "{hint} in {note}");
    }
    for path in &paths {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        // A draft's or a preview's path answers as an unknown one: nothing about what exists.
        assert_eq!(reply.body, unknown.body, "{path}");
    }
}
