//! GraphiQL for browsers: a strict page whose every file comes from the server itself.
//! (tests/api/browser.rs runs it in headless Chromium.)

use actix_web::http::StatusCode;

use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(
    the_page_loads_nothing_from_elsewhere,
    assets_are_cached_for_good_by_their_hash
);

const HTML: (&str, &str) = ("accept", "text/html,application/xhtml+xml,*/*;q=0.8");

/// The `src` and `href` values of a page, in order.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attribute in [" src=\"", " href=\""] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            out.push(rest[..rest.find('"').expect("closing quote")].to_owned());
        }
    }
    out
}

async fn the_page_loads_nothing_from_elsewhere(app: TestApp) {
    let page = app.get_with("/graphql", &[HTML]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let csp = page.header("content-security-policy").expect("a CSP");
    for directive in [
        "default-src 'none'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    let scripts = csp
        .split(';')
        .find_map(|d| d.trim().strip_prefix("script-src "))
        .expect("script-src");
    assert_eq!(
        scripts, "'self'",
        "no inline script, no eval, no other origin"
    );
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert!(page.header("vary").is_some_and(|v| v.contains("Accept")));

    let html = String::from_utf8(page.body.to_vec()).expect("UTF-8");
    assert!(!html.contains("<script>"), "no inline script");
    assert!(!html.contains("<style"), "no inline style");
    let links = links(&html);
    assert_eq!(links.len(), 6, "{links:?}");
    let mut start_up = String::new();
    for link in &links {
        assert!(link.starts_with("/graphql/assets/"), "{link}");
        let asset = app.get(link).await;
        assert_eq!(asset.status, StatusCode::OK, "{link}");
        let kind = if link.contains(".js?") {
            "text/javascript; charset=utf-8"
        } else {
            "text/css; charset=utf-8"
        };
        assert_eq!(asset.header("content-type"), Some(kind), "{link}");
        let text = String::from_utf8_lossy(&asset.body);
        assert!(!text.contains("unpkg.com"), "{link} loads from a CDN");
        if link.contains("graphiql-page.js") {
            start_up = text.into_owned();
        }
    }
    // The example: the sample publication's article page, the README's query word for word.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let query = crate::graphql::readme::block_after(&readme, "<!-- readme-query", "graphql");
    assert!(
        start_up.contains(&format!(
            "`# The sample publication's article page, in one round trip.\n{query}`"
        )),
        "GraphiQL's example is not the README's query:\n{query}\nin\n{start_up}"
    );
    assert!(start_up.contains(
        "weve-still-no-idea-about-needs-of-all-children-at-risk-admits-birmingham-social-services-chief"
    ));
}

async fn assets_are_cached_for_good_by_their_hash(app: TestApp) {
    let page = app.get_with("/graphql", &[HTML]).await;
    let html = String::from_utf8(page.body.to_vec()).expect("UTF-8");
    let bundle = links(&html)
        .into_iter()
        .find(|l| l.starts_with("/graphql/assets/graphiql.min.js?v="))
        .expect("GraphiQL's bundle");

    let current = app.get(&bundle).await;
    assert_eq!(
        current.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(current.header("x-content-type-options"), Some("nosniff"));
    let etag = current.header("etag").expect("an entity tag");
    let held = app.get_with(&bundle, &[("if-none-match", etag)]).await;
    assert_eq!(held.status, StatusCode::NOT_MODIFIED);

    // Compressed once for clients that take gzip: 3.5 MB of script is about 0.6 MB.
    let gzip = app.get_with(&bundle, &[("accept-encoding", "gzip")]).await;
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert!(gzip.body.len() < current.body.len() / 3);

    // Another version's URL, or none, may name other content: not kept for good.
    for stale in [
        "/graphql/assets/graphiql.min.js",
        "/graphql/assets/graphiql.min.js?v=0123456789abcdef",
    ] {
        let reply = app.get(stale).await;
        assert_eq!(reply.status, StatusCode::OK, "{stale}");
        assert_eq!(reply.header("cache-control"), Some("no-cache"), "{stale}");
    }
    for missing in ["/graphql/assets/nope.js", "/graphql/assets/..%2FCargo.toml"] {
        let reply = app.get(missing).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}");
    }
}
