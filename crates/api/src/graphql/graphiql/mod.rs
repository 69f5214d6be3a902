//! GraphiQL, served from the binary: the page, its start-up script and stylesheet, and
//! GraphiQL's and React's browser bundles, vendored from npm (`crates/api/assets/graphiql`,
//! with their licences and the script that updates them).
//!
//! Nothing loads from a CDN: staff paste bearer tokens into this page, so the only code that
//! runs on it is ours and the bundles compiled in, and it works without internet access. The
//! page's Content-Security-Policy holds it to that: scripts, styles and requests from this
//! origin only, no inline script. Each asset's URL carries a hash of its content (`?v=`), so
//! it can be cached for good; each tag carries the same hash as `integrity`.

use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use super::http::GraphqlService;
use crate::cache::{self, Cached, Served};

/// Where the assets are served, as `{ASSETS_PATH}/{file}`.
pub const ASSETS_PATH: &str = "/graphql/assets";

/// The page's policy. GraphiQL needs nothing beyond its own origin (its fonts and icons are
/// `data:` URLs in its stylesheet) but for one inline stylesheet, allowed by its hash: the one
/// that its dialogs (settings, short keys) add to lock the page's scrolling
/// (react-remove-scroll-bar). Its text holds the page's scroll bar width, zero since the page
/// never scrolls (`graphiql-page.css`), so the text and its hash do not change; the browser
/// test opens the dialogs and fails on any violation, as a new GraphiQL changing it would.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='; \
     connect-src 'self'; img-src 'self' data:; font-src 'self' data:; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// The files, by the name they are served under.
const FILES: [(&str, &str, &[u8]); 6] = [
    (
        "graphiql.min.js",
        JS,
        include_bytes!("../../../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        CSS,
        include_bytes!("../../../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        JS,
        include_bytes!("../../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        JS,
        include_bytes!("../../../assets/graphiql/react-dom.production.min.js"),
    ),
    ("graphiql-page.js", JS, include_bytes!("graphiql-page.js")),
    (
        "graphiql-page.css",
        CSS,
        include_bytes!("graphiql-page.css"),
    ),
];

/// One file, ready to serve.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    /// The first 16 hex digits of its SHA-256: the `v` in its URL.
    version: String,
    /// The body, its entity tag, and its Brotli and gzip forms once a client has asked for
    /// them.
    cached: Cached,
}

/// The assets and the page that links them, made once, on first use.
struct Graphiql {
    assets: Vec<Asset>,
    page: Bytes,
}

static GRAPHIQL: LazyLock<Graphiql> = LazyLock::new(|| {
    let mut page = include_str!("page.html").to_owned();
    let assets = FILES
        .iter()
        .map(|&(name, content_type, body)| {
            let digest = Sha256::digest(body);
            let version = crate::hex::encode(&digest[..8]);
            let integrity = format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            );
            page = page
                .replace(
                    &format!("{{{{url:{name}}}}}"),
                    &format!("{ASSETS_PATH}/{name}?v={version}"),
                )
                .replace(&format!("{{{{sri:{name}}}}}"), &integrity);
            let etag = header::EntityTag::new_strong(crate::hex::encode(&digest[..16]));
            Asset {
                name,
                content_type,
                version,
                cached: Cached::new(
                    Bytes::from_static(body),
                    etag,
                    None,
                    crate::cache::Dependencies::default(),
                ),
            }
        })
        .collect();
    Graphiql {
        assets,
        page: page.into(),
    }
});

const NOSNIFF: (HeaderName, HeaderValue) = (
    header::X_CONTENT_TYPE_OPTIONS,
    HeaderValue::from_static("nosniff"),
);

/// The GraphiQL page, for a browser asking `GET /graphql` for HTML.
pub fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(header::CacheControl(vec![header::CacheDirective::NoCache]))
        // The same URL answers JSON to other clients.
        .insert_header((header::VARY, "Accept"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header(NOSNIFF)
        .body(GRAPHIQL.page.clone())
}

/// `GET /graphql/assets/{file}`: a file of the page (404 when GraphiQL is switched off).
pub async fn asset(
    req: HttpRequest,
    file: web::Path<String>,
    service: web::Data<GraphqlService>,
) -> HttpResponse {
    let found = GRAPHIQL.assets.iter().find(|a| a.name == file.as_str());
    let Some(asset) = found.filter(|_| service.graphiql()) else {
        return HttpResponse::NotFound()
            .insert_header(NOSNIFF)
            .content_type("text/plain; charset=utf-8")
            .body("not found");
    };
    // Only the URL with this content's hash may be kept for good: an old or missing `v` may
    // name other content.
    let current = req
        .query_string()
        .split('&')
        .any(|pair| pair.strip_prefix("v=") == Some(asset.version.as_str()));
    let cache_control = HeaderValue::from_static(if current {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    });
    cache::respond(
        &req,
        &asset.cached,
        &Served {
            content_type: asset.content_type,
            vary: "Accept-Encoding",
            cache_control: &cache_control,
            // Always in memory: nothing is made per request.
            hit: true,
            extra: &[NOSNIFF],
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_is_linked_by_its_hash() {
        let page = std::str::from_utf8(&GRAPHIQL.page).expect("UTF-8");
        assert!(!page.contains("{{"), "a placeholder is left: {page}");
        for asset in &GRAPHIQL.assets {
            let url = format!("{ASSETS_PATH}/{}?v={}", asset.name, asset.version);
            assert!(page.contains(&url), "{url} is not linked");
        }
        assert!(
            !page.contains("<script>") && !page.contains("<style"),
            "no inline script or style"
        );
    }

    /// The vendored files are the ones `vendor.sh` recorded (and the README names).
    #[test]
    fn vendored_files_match_their_recorded_sums() {
        let sums = include_str!("../../../assets/graphiql/SHA256SUMS");
        let mut checked = 0;
        for line in sums.lines() {
            let (sum, name) = line.split_once("  ").expect("sha256sum format");
            let (_, _, body) = FILES
                .iter()
                .find(|(n, _, _)| *n == name)
                .expect("a served file");
            assert_eq!(crate::hex::encode(&Sha256::digest(body)), sum, "{name}");
            checked += 1;
        }
        assert_eq!(checked, 4);
    }
}
