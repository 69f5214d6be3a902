//! The response cache: every public read API answers from it, byte for byte as it would
//! without it, and never with stale content: not after a write through the API, not after a
//! write made elsewhere, not when a scheduled article comes due.
//!
//! Fixtures are written straight to the database, which the cache notices only when its
//! refresher runs: the tests make it run ([`TestApp::refresh_cache`]) before they count on
//! the cache.

use actix_web::http::StatusCode;
use broadsheet::demo;
use broadsheet_domain::author::Role;
use broadsheet_persistence::db::Backend;
use broadsheet_persistence::testing::{ArticleBuilder, TestDb, UserBuilder};
use chrono::TimeDelta;
use serde_json::json;

use crate::editorial::staff;
use crate::helpers::{Reply, TestApp, db_tests, e2e_tests, manual_clock};

e2e_tests!(
    every_public_api_reads_through_the_cache_and_never_stale,
    staff_and_previews_are_never_cached,
    requests_repeated_byte_for_byte_are_answered_at_once_but_keys_still_count,
    clients_that_take_gzip_get_it_compressed_once_and_kept,
    clients_that_take_brotli_get_it_before_gzip_compressed_once_and_kept,
    clients_asking_at_once_for_what_is_not_cached_share_one_build,
);

/// Servers whose cache refreshes only when the test says (its own interval is a minute), on
/// a manual clock.
mod refreshed_by_the_test {
    use super::*;

    db_tests!(
        writes_made_elsewhere_are_seen,
        a_scheduled_article_appears_on_time
    );
}

async fn spawn_refreshed_by_the_test(db: TestDb) -> TestApp {
    TestApp::spawn_configured(db, |args| {
        args.clock = manual_clock();
        args.cache_refresh_ms = 60_000;
    })
    .await
}

const SLUG: &str = "new-homes-target";

fn content_key(app: &TestApp) -> String {
    let mut c = app.db.store.conn().expect("connection");
    broadsheet_service::keys::create_content(
        &mut c,
        "Partner",
        100_000,
        broadsheet_domain::time::now(),
    )
    .expect("key")
    .credential
}

/// The public reads of one article, on every API.
fn paths(key: &str) -> Vec<String> {
    let query = format!("{{ article(slug: \"{SLUG}\") {{ title tags {{ name }} }} }}");
    let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
    vec![
        format!("/graphql?query={encoded}"),
        format!("/ghost/api/content/posts/slug/{SLUG}/?key={key}&include=tags"),
        format!("/ghost/api/content/posts/?key={key}&filter=tag:housing&include=tags"),
        "/tag/housing/rss/".to_owned(),
        "/tag/housing/feed.json".to_owned(),
    ]
}

async fn read(app: &TestApp, path: &str) -> Reply {
    let reply = app.get_with(path, &[("accept", "application/json")]).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}");
    reply
}

/// Reads `path` twice: the first is built (or already cached), the second comes from the
/// cache, byte for byte the same.
async fn read_twice(app: &TestApp, path: &str) -> String {
    let first = read(app, path).await;
    let second = read(app, path).await;
    assert_eq!(second.header("x-cache"), Some("HIT"), "{path}");
    assert_eq!(first.body, second.body, "{path}: cached and built differ");
    assert_eq!(first.header("etag"), second.header("etag"), "{path}");
    assert!(
        second
            .header("surrogate-key")
            .is_some_and(|k| k.split(' ').any(|k| k.starts_with("article"))),
        "{path}: {:?}",
        second.header("surrogate-key")
    );
    assert_eq!(
        second.header("cache-tag"),
        second
            .header("surrogate-key")
            .map(|k| k.replace(' ', ","))
            .as_deref()
    );
    String::from_utf8(second.body.to_vec()).expect("UTF-8")
}

async fn every_public_api_reads_through_the_cache_and_never_stale(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let key = content_key(&app);
    let editor = staff(&app, "Eve Editor", Role::Editor);
    app.refresh_cache().await;
    for path in paths(&key) {
        let first = read(&app, &path).await;
        assert_eq!(first.header("x-cache"), Some("MISS"), "{path}");
        let body = read_twice(&app, &path).await;
        assert!(body.contains("Housing"), "{path}");
    }
    // Anonymous POSTs of the same query (laid out differently) share the entry.
    let query = format!("{{\n  article(slug: \"{SLUG}\") {{ title\n tags {{ name }} }}\n}}");
    let post = app
        .post_json(
            "/graphql",
            &[("accept", "application/json")],
            &json!({ "query": query }).to_string(),
        )
        .await;
    assert_eq!(post.header("x-cache"), Some("HIT"));
    assert_eq!(post.header("cache-control"), Some("no-store"));
    assert_eq!(post.body, read(&app, &paths(&key)[0]).await.body);

    // A conditional request is answered from the cache too.
    let rss = read(&app, "/rss/").await;
    let etag = rss.header("etag").expect("etag").to_owned();
    let held = app.get_with("/rss/", &[("if-none-match", &etag)]).await;
    assert_eq!(held.status, StatusCode::NOT_MODIFIED);

    // Change the article's title through the API...
    let id = retitle(&app, &editor.token, "Homes target missed").await;
    // ...and every API shows the new title at once.
    for path in paths(&key) {
        let body = read_twice(&app, &path).await;
        assert!(body.contains("Homes target missed"), "{path} is stale");
    }

    // Rename a tag: the article's tags change everywhere.
    let housing = app
        .graphql("{ tag(slug: \"housing\") { id } }", json!({}))
        .await
        .json()["data"]["tag"]["id"]
        .clone();
    let renamed = app
        .graphql_as(
            &editor.token,
            "mutation($id: ID!) { updateTag(id: $id, input: { name: \"Homes & Housing\" }) { tag { name } } }",
            json!({ "id": housing }),
        )
        .await
        .json();
    assert!(renamed["errors"].is_null(), "{renamed}");
    for path in paths(&key) {
        let body = read_twice(&app, &path).await;
        assert!(
            body.contains("Homes &amp; Housing")
                || body.contains("Homes & Housing")
                || body.contains("Homes \\u0026 Housing"),
            "{path} is stale: {body:.300}"
        );
    }

    // Unpublished: gone from every list and lookup at once.
    let version = app
        .graphql_as(
            &editor.token,
            "query($s: String!) { article(slug: $s) { version } }",
            json!({ "s": SLUG }),
        )
        .await
        .json()["data"]["article"]["version"]
        .clone();
    let down = app
        .graphql_as(
            &editor.token,
            "mutation($id: ID!, $v: Int!) { unpublishArticle(id: $id, expectedVersion: $v) { article { status } } }",
            json!({ "id": id, "v": version }),
        )
        .await
        .json();
    assert!(down["errors"].is_null(), "{down}");
    let gql = read(&app, &paths(&key)[0]).await.json();
    assert_eq!(gql["data"]["article"], serde_json::Value::Null);
    let rss =
        String::from_utf8(read(&app, "/tag/housing/rss/").await.body.to_vec()).expect("UTF-8");
    assert!(!rss.contains("Homes target missed"));
    let one = app
        .get(&format!("/ghost/api/content/posts/slug/{SLUG}/?key={key}"))
        .await;
    assert_eq!(one.status, StatusCode::NOT_FOUND);
}

/// Renames the article at [`SLUG`] through the API, as `token`; returns its id.
async fn retitle(app: &TestApp, token: &str, title: &str) -> serde_json::Value {
    // A JSON string is a GraphQL string literal for the titles used here.
    app.edit_article(token, SLUG, &format!("{{ title: {} }}", json!(title)))
        .await
}

/// Sends `body` by POST to `path`, accepting `accept`.
async fn post(app: &TestApp, path: &str, accept: &str, body: &str) -> Reply {
    app.post_json(path, &[("accept", accept)], body).await
}

/// A request sent again exactly as before is looked up by its raw bytes, before anything is
/// parsed; it is still never stale, and a partner's key is still counted.
async fn requests_repeated_byte_for_byte_are_answered_at_once_but_keys_still_count(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let editor = staff(&app, "Eve Editor", Role::Editor);
    let body =
        json!({ "query": format!("{{ article(slug: \"{SLUG}\") {{ title }} }}") }).to_string();
    let json = "application/json";
    app.refresh_cache().await;
    let first = post(&app, "/graphql", json, &body).await;
    let second = post(&app, "/graphql", json, &body).await;
    assert_eq!(first.header("x-cache"), Some("MISS"));
    assert_eq!(second.header("x-cache"), Some("HIT"));
    assert_eq!(first.body, second.body);
    // The same bytes asking for the other media type: the same body, under its own type.
    let other = post(&app, "/graphql", "application/graphql-response+json", &body).await;
    assert_eq!(other.header("x-cache"), Some("HIT"));
    assert_eq!(other.body, first.body);
    assert!(
        other
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/graphql-response+json"))
    );

    // A key's every request counts, cached or not: the third of a two-a-minute key is refused.
    let key = {
        let mut c = app.db.store.conn().expect("connection");
        broadsheet_service::keys::create_content(&mut c, "Tiny", 2, broadsheet_domain::time::now())
            .expect("key")
            .credential
    };
    let keyed = format!("/graphql?key={key}");
    assert_eq!(post(&app, &keyed, json, &body).await.status, StatusCode::OK);
    assert_eq!(post(&app, &keyed, json, &body).await.status, StatusCode::OK);
    assert_eq!(
        post(&app, &keyed, json, &body).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    // A write, and the same bytes show it at once.
    retitle(&app, &editor.token, "Homes target raised").await;
    let after = post(&app, "/graphql", json, &body).await;
    assert_eq!(after.header("x-cache"), Some("MISS"));
    assert_eq!(
        after.json()["data"]["article"]["title"],
        "Homes target raised"
    );
    assert_eq!(post(&app, "/graphql", json, &body).await.body, after.body);
}

async fn staff_and_previews_are_never_cached(app: TestApp) {
    let editor = staff(&app, "Eve Editor", Role::Editor);
    {
        let mut c = app.db.store.conn().expect("connection");
        ArticleBuilder::new("Secret draft", editor.user.id())
            .draft()
            .create(&mut c);
    }
    let query = "{ articles(first: 5, filter: { status: [DRAFT] }, orderBy: RECENTLY_UPDATED) { edges { node { title previewToken } } } }";
    let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
    let path = format!("/graphql?query={encoded}");
    let auth = format!("Bearer {}", editor.token);
    for _ in 0..2 {
        let staff_read = app
            .get_with(
                &path,
                &[("accept", "application/json"), ("authorization", &auth)],
            )
            .await;
        assert!(
            String::from_utf8_lossy(&staff_read.body).contains("Secret draft"),
            "{}",
            String::from_utf8_lossy(&staff_read.body)
        );
        assert_eq!(staff_read.header("x-cache"), None);
        assert_eq!(staff_read.header("cache-control"), Some("no-store"));
    }
    let token = app
        .get_with(
            &path,
            &[("accept", "application/json"), ("authorization", &auth)],
        )
        .await
        .json()["data"]["articles"]["edges"][0]["node"]["previewToken"]
        .as_str()
        .expect("token")
        .to_owned();
    // The same query, anonymous: the public sees no draft.
    let public = read(&app, &path).await;
    assert!(!String::from_utf8_lossy(&public.body).contains("Secret draft"));
    // A preview shows the draft to whoever holds the token, and is never cached.
    let preview = format!("{{ preview(token: \"{token}\") {{ title }} }}");
    let encoded: String = url::form_urlencoded::byte_serialize(preview.as_bytes()).collect();
    for _ in 0..2 {
        let reply = read(&app, &format!("/graphql?query={encoded}")).await;
        assert_eq!(reply.json()["data"]["preview"]["title"], "Secret draft");
        assert_eq!(reply.header("x-cache"), None);
        assert_eq!(reply.header("cache-control"), Some("no-store"));
    }
}

/// Whether `reply`'s body contains `text`.
fn shows(reply: &Reply, text: &str) -> bool {
    String::from_utf8_lossy(&reply.body).contains(text)
}

async fn writes_made_elsewhere_are_seen(db: TestDb) {
    let app = spawn_refreshed_by_the_test(db).await;
    let path = "/graphql?query=%7Barticles(first%3A5)%7Bedges%7Bnode%7Btitle%7D%7D%7D%7D";
    read(&app, path).await;
    assert_eq!(read(&app, path).await.header("x-cache"), Some("HIT"));
    // Another process (a replica, the CLI, a database client) writes.
    {
        let mut c = app.db.store.conn().expect("connection");
        let ann = UserBuilder::new("Ann").create(&mut c).id();
        ArticleBuilder::new("Written elsewhere", ann).create(&mut c);
    }
    // On SQLite, unseen until the cache next reads the content version (PostgreSQL tells
    // the cache at once: `writes_made_elsewhere_are_heard_at_once_on_postgres`)...
    if app.db.store.backend() == Backend::Sqlite {
        let stale = read(&app, path).await;
        assert_eq!(stale.header("x-cache"), Some("HIT"));
        assert!(!shows(&stale, "Written elsewhere"));
    }
    // ...which it does every `--cache-refresh-ms`: then the write shows.
    app.refresh_cache().await;
    let fresh = read(&app, path).await;
    assert_eq!(fresh.header("x-cache"), Some("MISS"));
    assert!(shows(&fresh, "Written elsewhere"));
}

/// On PostgreSQL every committed change is announced (`LISTEN`/`NOTIFY`): a cache whose poll
/// is an hour away re-reads what changed as soon as another writer (here, a connection of
/// the test's own, as a replica or the CLI would be) commits, and serves the write.
#[actix_web::test]
async fn writes_made_elsewhere_are_heard_at_once_on_postgres() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    let app = TestApp::spawn_configured(db, |args| {
        args.cache_refresh_ms = 3_600_000;
    })
    .await;
    let path = "/graphql?query=%7Barticles(first%3A5)%7Bedges%7Bnode%7Btitle%7D%7D%7D%7D";
    let ann = {
        let mut c = app.db.store.conn().expect("connection");
        let ann = UserBuilder::new("Ann").create(&mut c).id();
        ArticleBuilder::new("First draft of history", ann).create(&mut c);
        ann
    };
    // Heard too: the article shows, though it was written after the server started.
    // (A builder writes in several statements, each committed and announced on its own:
    // the entry is cached again once the last has been heard.)
    let cached =
        |text: &'static str| move |r: &Reply| r.header("x-cache") == Some("HIT") && shows(r, text);
    let shown = within_seconds(&app, path, 10, cached("First draft of history")).await;
    assert!(
        shown,
        "the first write never showed, or never from the cache"
    );
    {
        let mut c = app.db.store.conn().expect("connection");
        ArticleBuilder::new("Written elsewhere", ann).create(&mut c);
    }
    // The cached list would show the old articles for an hour if nothing were heard.
    let shown = within_seconds(&app, path, 10, cached("Written elsewhere")).await;
    assert!(shown, "a write made elsewhere was not heard");
    // The listening connection is cut (every listener's: others reconnect as this one does);
    // it connects again and goes on hearing.
    {
        let mut c = app.db.store.conn().expect("connection");
        let cut = broadsheet_persistence::testing::raw::execute(
            &mut c,
            &format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE application_name = '{}'",
                broadsheet_persistence::listen::APPLICATION_NAME
            ),
        );
        assert!(cut > 0, "no listener to cut");
    }
    actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    {
        let mut c = app.db.store.conn().expect("connection");
        ArticleBuilder::new("Heard after a reconnect", ann).create(&mut c);
    }
    let shown = within_seconds(&app, path, 10, cached("Heard after a reconnect")).await;
    assert!(
        shown,
        "nothing was heard after the listener's connection was cut"
    );
}

/// Whether `path` answers as `holds` wants within `seconds`, read every 50 ms.
async fn within_seconds(
    app: &TestApp,
    path: &str,
    seconds: u64,
    holds: impl Fn(&Reply) -> bool,
) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while std::time::Instant::now() < deadline {
        if holds(&read(app, path).await) {
            return true;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

async fn a_scheduled_article_appears_on_time(db: TestDb) {
    let app = spawn_refreshed_by_the_test(db).await;
    // The scheduler is off in tests: only the cache's own knowledge of the due time counts.
    // Within the ten minutes an entry may live anyway.
    let due = app.clock.now() + TimeDelta::minutes(5);
    {
        let mut c = app.db.store.conn().expect("connection");
        let ann = UserBuilder::new("Ann").create(&mut c).id();
        ArticleBuilder::new("Embargoed", ann)
            .scheduled_for(due)
            .create(&mut c);
    }
    // The cache learns of the article (not visible yet) and when it comes due.
    app.refresh_cache().await;
    let path = "/graphql?query=%7Barticles(first%3A5)%7Bedges%7Bnode%7Btitle%7D%7D%7D%7D";
    let before = read(&app, path).await;
    assert!(!shows(&before, "Embargoed"));
    assert_eq!(read(&app, path).await.header("x-cache"), Some("HIT"));
    app.advance(TimeDelta::minutes(5) - TimeDelta::seconds(1));
    let early = read(&app, path).await;
    assert_eq!(early.header("x-cache"), Some("HIT"));
    assert!(!shows(&early, "Embargoed"), "not before its time");
    // Due: the entry built before that instant is not served, with no write and no refresh.
    app.advance(TimeDelta::seconds(1));
    let on_time = read(&app, path).await;
    assert_eq!(on_time.header("x-cache"), Some("MISS"));
    assert!(shows(&on_time, "Embargoed"), "on time");
    assert_eq!(read(&app, path).await.header("x-cache"), Some("HIT"));
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a gzip body");
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("a Brotli body");
    out
}

/// GETs `path` as the cache answers it: at once if it holds it, else the second time.
async fn hit(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Reply {
    for _ in 0..2 {
        let reply = app.get_with(path, headers).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        if reply.header("x-cache") == Some("HIT") {
            return reply;
        }
    }
    panic!("{path}: not answered from the cache");
}

/// Browsers, phones and CDNs all send `Accept-Encoding: gzip`: a cached response is kept
/// compressed, so a hit costs them no compression. The same bytes every time, which
/// decompress to the identity body, under their own entity tag that revalidates like the
/// identity one; a client that refuses gzip gets the identity body.
async fn clients_that_take_gzip_get_it_compressed_once_and_kept(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let key = content_key(&app);
    app.refresh_cache().await;
    let json = ("accept", "application/json");
    // Not Brotli, which a client taking both gets (see the next test).
    let gzip = [json, ("accept-encoding", "gzip, deflate")];
    for path in paths(&key) {
        let identity = hit(&app, &path, &[json]).await;
        assert_eq!(identity.header("content-encoding"), None, "{path}");
        let a = hit(&app, &path, &gzip).await;
        let b = hit(&app, &path, &gzip).await;
        assert_eq!(a.header("content-encoding"), Some("gzip"), "{path}");
        assert_eq!(a.body, b.body, "{path}: compressed once, kept");
        assert!(a.body.len() < identity.body.len(), "{path}");
        assert_eq!(gunzip(&a.body), identity.body, "{path}");
        assert!(
            a.header("vary")
                .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")),
            "{path}: {:?}",
            a.header("vary")
        );
        let (gzip_tag, identity_tag) = (
            a.header("etag").expect("an entity tag").to_owned(),
            identity.header("etag").expect("an entity tag").to_owned(),
        );
        assert_ne!(gzip_tag, identity_tag, "{path}: another representation");
        assert!(gzip_tag.ends_with("-gzip\""), "{gzip_tag}");
        for tag in [&gzip_tag, &identity_tag] {
            let held = app
                .get_with(&path, &[gzip[0], gzip[1], ("if-none-match", tag)])
                .await;
            assert_eq!(held.status, StatusCode::NOT_MODIFIED, "{path} {tag}");
        }
        let refused = app
            .get_with(&path, &[json, ("accept-encoding", "gzip;q=0, identity")])
            .await;
        assert_eq!(refused.header("content-encoding"), None, "{path}");
        assert_eq!(refused.body, identity.body, "{path}");
    }
    // A POST answered from the cache is sent compressed too.
    let body =
        json!({ "query": format!("{{ article(slug: \"{SLUG}\") {{ title html }} }}") }).to_string();
    let first = post(&app, "/graphql", "application/json", &body).await;
    let posted = app
        .post_json("/graphql", &[json, ("accept-encoding", "gzip")], &body)
        .await;
    assert_eq!(posted.header("x-cache"), Some("HIT"));
    assert_eq!(posted.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip(&posted.body), first.body);
}

/// Phones and browsers send `Accept-Encoding: gzip, deflate, br`: a cached response is kept
/// Brotli-compressed too, made once when stored, and a client that takes both gets Brotli:
/// the same bytes every time, decoding to the identity body byte for byte, under their own
/// entity tag that revalidates like the identity and gzip ones. Weights count: `br;q=0`
/// refuses it, and a client weighing gzip higher gets gzip. `HEAD` says what `GET` would
/// send, without the body.
async fn clients_that_take_brotli_get_it_before_gzip_compressed_once_and_kept(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let key = content_key(&app);
    app.refresh_cache().await;
    let json = ("accept", "application/json");
    let browser = [json, ("accept-encoding", "gzip, deflate, br")];
    for path in paths(&key) {
        let identity = hit(&app, &path, &[json]).await;
        let gzipped = hit(&app, &path, &[json, ("accept-encoding", "gzip")]).await;
        let a = hit(&app, &path, &browser).await;
        let b = hit(&app, &path, &browser).await;
        assert_eq!(a.header("content-encoding"), Some("br"), "{path}");
        assert_eq!(a.body, b.body, "{path}: compressed once, kept");
        assert_eq!(unbrotli(&a.body), identity.body, "{path}: byte for byte");
        assert!(
            a.body.len() < gzipped.body.len(),
            "{path}: smaller than gzip"
        );
        assert_eq!(
            a.header("content-length"),
            Some(a.body.len().to_string().as_str()),
            "{path}"
        );
        assert!(
            a.header("vary")
                .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")),
            "{path}: {:?}",
            a.header("vary")
        );
        let br_tag = a.header("etag").expect("an entity tag").to_owned();
        let identity_tag = identity.header("etag").expect("an entity tag").to_owned();
        let gzip_tag = gzipped.header("etag").expect("an entity tag").to_owned();
        assert!(br_tag.ends_with("-br\""), "{br_tag}");
        assert_eq!(
            br_tag.replace("-br\"", "\""),
            identity_tag,
            "{path}: the identity tag, marked"
        );
        // Any representation's tag revalidates; the 304 names the one the client would get.
        for tag in [&br_tag, &identity_tag, &gzip_tag] {
            let held = app
                .get_with(&path, &[browser[0], browser[1], ("if-none-match", tag)])
                .await;
            assert_eq!(held.status, StatusCode::NOT_MODIFIED, "{path} {tag}");
            assert!(held.body.is_empty(), "{path}");
            assert_eq!(held.header("etag"), Some(br_tag.as_str()), "{path}");
            assert_eq!(held.header("x-cache"), Some("HIT"), "{path}");
        }
        // Refused, or weighed below gzip: gzip; refused with gzip: the identity body.
        for (header, coding) in [
            ("gzip, br;q=0", Some("gzip")),
            ("br;q=0, *", Some("gzip")),
            ("br;q=0.5, gzip", Some("gzip")),
            ("br;q=0", None),
            ("br;q=0, gzip;q=0", None),
            ("identity, br;q=0.5", None),
        ] {
            let reply = app
                .get_with(&path, &[json, ("accept-encoding", header)])
                .await;
            assert_eq!(reply.header("content-encoding"), coding, "{path} {header}");
            let expected = if coding.is_some() {
                &gzipped
            } else {
                &identity
            };
            assert_eq!(reply.body, expected.body, "{path} {header}");
            assert_eq!(reply.header("etag"), expected.header("etag"), "{path}");
        }
        // HEAD: GET's headers, no body.
        let head = app
            .request(actix_web::http::Method::HEAD, &path, &browser, Vec::new())
            .await;
        assert_eq!(head.status, StatusCode::OK, "{path}");
        assert!(head.body.is_empty(), "{path}");
        assert_eq!(head.header("content-encoding"), Some("br"), "{path}");
        assert_eq!(head.header("etag"), Some(br_tag.as_str()), "{path}");
        assert_eq!(head.header("x-cache"), Some("HIT"), "{path}");
        assert_eq!(
            head.header("content-length"),
            Some(a.body.len().to_string().as_str()),
            "{path}"
        );
    }
    // A POST answered from the cache is sent in Brotli too.
    let body =
        json!({ "query": format!("{{ article(slug: \"{SLUG}\") {{ title html }} }}") }).to_string();
    let first = post(&app, "/graphql", "application/json", &body).await;
    let posted = app.post_json("/graphql", &browser, &body).await;
    assert_eq!(posted.header("x-cache"), Some("HIT"));
    assert_eq!(posted.header("content-encoding"), Some("br"));
    assert_eq!(unbrotli(&posted.body), first.body);
}

/// Many clients asking at once for a response the cache does not hold (just invalidated by a
/// write, say) are answered by one build: the first builds it, the others wait for it and are
/// answered from the cache, on every API.
async fn clients_asking_at_once_for_what_is_not_cached_share_one_build(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let key = content_key(&app);
    app.refresh_cache().await;
    for path in paths(&key) {
        let replies = futures_util::future::join_all((0..16).map(|_| read(&app, &path))).await;
        let misses = replies
            .iter()
            .filter(|r| r.header("x-cache") == Some("MISS"))
            .count();
        assert_eq!(misses, 1, "{path}: built {misses} times for 16 clients");
        assert!(
            replies.iter().all(|r| r.body == replies[0].body),
            "{path}: the answers differ"
        );
    }
}
