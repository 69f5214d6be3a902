//! The Ghost-compatible JSON Content API: envelopes, headers, errors, keys and limits.

use actix_web::http::StatusCode;
use broadsheet::demo;
use broadsheet_persistence::testing::TestDb;
use chrono::TimeDelta;
use serde_json::Value;

use crate::helpers::{TestApp, db_tests, e2e_tests};

e2e_tests!(
    envelopes_and_headers,
    errors_have_ghosts_shape,
    parameters,
    tags_and_authors_lists_answer_as_in_memory
);

/// Servers on a manual clock, which the tests move instead of waiting.
mod on_a_manual_clock {
    use super::*;

    db_tests!(
        keys_are_limited_per_minute,
        totals_follow_writes_and_due_articles
    );
}

fn key(app: &TestApp, limit: u32) -> String {
    let mut c = app.db.store.conn().expect("connection");
    broadsheet_service::keys::create_content(
        &mut c,
        "Partner",
        limit,
        broadsheet_domain::time::now(),
    )
    .expect("key")
    .credential
}

async fn envelopes_and_headers(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let key = key(&app, 1000);
    let browse = app
        .get(&format!("/ghost/api/content/posts/?key={key}&limit=2"))
        .await;
    assert_eq!(browse.status, StatusCode::OK);
    for (name, value) in [
        ("content-version", "v5.0"),
        ("access-control-allow-origin", "*"),
        (
            "cache-control",
            "public, max-age=60, s-maxage=60, stale-while-revalidate=30",
        ),
    ] {
        assert_eq!(browse.header(name), Some(value), "{name}");
    }
    assert!(
        browse
            .header("vary")
            .is_some_and(|v| v.contains("Accept-Version"))
    );
    let body = browse.json();
    assert_eq!(body["posts"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["meta"]["pagination"]["limit"], 2);
    assert_eq!(body["meta"]["pagination"]["next"], 2);
    let etag = browse.header("etag").expect("etag").to_owned();
    let again = app
        .get_with(
            &format!("/ghost/api/content/posts/?key={key}&limit=2"),
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    let id = body["posts"][0]["id"].as_str().expect("id").to_owned();
    let read = app
        .get(&format!("/ghost/api/content/posts/{id}/?key={key}"))
        .await
        .json();
    assert!(read.get("meta").is_none(), "a read has no meta");
    assert_eq!(read["posts"].as_array().map(Vec::len), Some(1));
    let versioned = app
        .get(&format!("/ghost/api/v4/content/posts/{id}/?key={key}"))
        .await;
    assert_eq!(
        versioned.status,
        StatusCode::OK,
        "older clients put the version in the path"
    );
    let pages = app
        .get(&format!("/ghost/api/content/pages/?key={key}"))
        .await
        .json();
    assert_eq!(pages["pages"], Value::Array(vec![]));
    assert_eq!(pages["meta"]["pagination"]["total"], 0);
}

async fn errors_have_ghosts_shape(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let key = key(&app, 1000);
    let cases = [
        (
            "/ghost/api/content/posts/".to_owned(),
            StatusCode::FORBIDDEN,
            "NoPermissionError",
        ),
        (
            "/ghost/api/content/posts/?key=0123456789abcdef0123456789".to_owned(),
            StatusCode::FORBIDDEN,
            "NoPermissionError",
        ),
        (
            "/ghost/api/content/posts/?key=not-hex".to_owned(),
            StatusCode::FORBIDDEN,
            "NoPermissionError",
        ),
        (
            format!("/ghost/api/content/posts/slug/no-such-post/?key={key}"),
            StatusCode::NOT_FOUND,
            "NotFoundError",
        ),
        (
            format!("/ghost/api/content/posts/not-an-id/?key={key}"),
            StatusCode::NOT_FOUND,
            "NotFoundError",
        ),
        (
            format!("/ghost/api/content/widgets/?key={key}"),
            StatusCode::NOT_FOUND,
            "NotFoundError",
        ),
        (
            format!("/ghost/api/content/tags/slug/hash-homepage/?key={key}"),
            StatusCode::NOT_FOUND,
            "NotFoundError",
        ),
        (
            format!("/ghost/api/content/posts/?key={key}&filter=tag:"),
            StatusCode::BAD_REQUEST,
            "BadRequestError",
        ),
        (
            format!("/ghost/api/content/posts/?key={key}&filter=colour:red"),
            StatusCode::BAD_REQUEST,
            "BadRequestError",
        ),
        (
            format!(
                "/ghost/api/content/posts/?key={key}&filter=slug:'x'%27;DROP%20TABLE%20articles;--"
            ),
            StatusCode::BAD_REQUEST,
            "BadRequestError",
        ),
        (
            format!("/ghost/api/content/tags/?key={key}&filter=colour:red"),
            StatusCode::BAD_REQUEST,
            "BadRequestError",
        ),
        (
            format!("/ghost/api/content/posts/?key={key}&limit=-3"),
            StatusCode::BAD_REQUEST,
            "BadRequestError",
        ),
        (
            // A path that does not decode to UTF-8.
            format!("/ghost/api/content/posts/slug/%FF%FE/?key={key}"),
            StatusCode::NOT_FOUND,
            "NotFoundError",
        ),
    ];
    for (path, status, kind) in cases {
        let reply = app.get(&path).await;
        assert_eq!(reply.status, status, "{path}");
        let body = reply.json();
        let error = &body["errors"][0];
        assert_eq!(error["type"], kind, "{path}");
        for field in [
            "message", "context", "details", "property", "help", "code", "id",
        ] {
            assert!(error.get(field).is_some(), "{path}: {field}");
        }
        assert!(!body.to_string().contains("SELECT"), "{path}");
    }
    // Paths are percent-decoded: an encoded slug finds its post.
    let encoded = app
        .get(&format!(
            "/ghost/api/content/posts/slug/new%2Dhomes%2Dtarget/?key={key}"
        ))
        .await;
    assert_eq!(encoded.status, StatusCode::OK);
    assert_eq!(encoded.json()["posts"][0]["slug"], "new-homes-target");
    // The Content API only reads.
    let post = app
        .post_json(&format!("/ghost/api/content/posts/?key={key}"), &[], "{}")
        .await;
    assert!(post.status.is_client_error(), "{}", post.status);
    let all = app
        .get(&format!("/ghost/api/content/posts/?key={key}&limit=all"))
        .await
        .json();
    assert_eq!(
        all["posts"].as_array().map(Vec::len),
        Some(26),
        "nothing was dropped"
    );
}

async fn keys_are_limited_per_minute(db: TestDb) {
    let app = TestApp::spawn_manual(db).await;
    let key = key(&app, 3);
    for _ in 0..3 {
        assert_eq!(
            app.get(&format!("/ghost/api/content/tags/?key={key}"))
                .await
                .status,
            StatusCode::OK
        );
    }
    let limited = app
        .get(&format!("/ghost/api/content/tags/?key={key}"))
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        limited
            .header("retry-after")
            .and_then(|s| s.parse::<u64>().ok())
            .is_some_and(|s| (1..=60).contains(&s))
    );
    // The code the README promises, as GraphQL gives it.
    let error = &limited.json()["errors"][0];
    assert_eq!(error["type"], "TooManyRequestsError");
    assert_eq!(error["code"], "RATE_LIMITED");
    // A new minute, a new window.
    app.advance(TimeDelta::minutes(1));
    let tags = format!("/ghost/api/content/tags/?key={key}");
    assert_eq!(app.get(&tags).await.status, StatusCode::OK);
    // The key's use is recorded.
    let mut c = app.db.store.conn().expect("connection");
    let keys = broadsheet_persistence::keys::list(&mut c).expect("keys");
    assert!(keys[0].last_used_at.is_some());
    // A key revoked elsewhere (another replica, the CLI) stops working once this server's
    // memory of it lapses (revoked through this server, at once: see the keys tests).
    broadsheet_persistence::keys::revoke(&mut c, keys[0].id, app.clock.now()).expect("revoked");
    let ttl = TimeDelta::from_std(broadsheet_api::keys::KEY_TTL).expect("short");
    app.advance(ttl - TimeDelta::milliseconds(1));
    assert_eq!(app.get(&tags).await.status, StatusCode::OK, "remembered");
    app.advance(TimeDelta::milliseconds(1));
    assert_eq!(
        app.get(&format!("/ghost/api/content/tags/?key={key}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

async fn parameters(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let key = key(&app, 1000);
    let get = |q: String| {
        let (app, key) = (&app, &key);
        async move {
            app.get(&format!("/ghost/api/content/posts/?key={key}&{q}"))
                .await
                .json()
        }
    };
    let plain = get("limit=1&formats=plaintext".into()).await;
    assert!(plain["posts"][0].get("html").is_none() && plain["posts"][0]["plaintext"].is_string());
    let fields = get("limit=1&fields=title".into()).await;
    let keys: Vec<&String> = fields["posts"][0]
        .as_object()
        .expect("post")
        .keys()
        .collect();
    assert_eq!(keys, ["id", "title"]);
    let capped = get("limit=500".into()).await;
    assert_eq!(capped["meta"]["pagination"]["limit"], 100);
    let oldest = get("limit=1&order=published_at%20asc".into()).await;
    assert_eq!(oldest["posts"][0]["slug"], "long-road-to-city-region-deal");
    let tags = app.get(&format!("/ghost/api/content/tags/?key={key}&order=count.posts%20desc&limit=1&include=count.posts")).await.json();
    assert_eq!(tags["tags"][0]["slug"], "birmingham");
    assert_eq!(tags["tags"][0]["count"]["posts"], 8);
}

/// Totals are remembered between writes; a write, or a scheduled article coming due with no
/// write at all, must show in the very next total.
async fn totals_follow_writes_and_due_articles(db: TestDb) {
    use broadsheet_persistence::testing::{ArticleBuilder, UserBuilder};

    let app = TestApp::spawn_manual(db).await;
    let now = || app.clock.now();
    let key = key(&app, 1000);
    let writer = {
        let mut c = app.db.store.conn().expect("connection");
        UserBuilder::new("Writer").create(&mut c).id()
    };
    let mut asked = 0;
    let mut total = async || {
        // A new `limit` each time: a new URL, so the response cache never answers.
        asked += 1;
        let body = app
            .get(&format!(
                "/ghost/api/content/posts/?key={key}&limit={asked}"
            ))
            .await
            .json();
        body["meta"]["pagination"]["total"].as_i64().expect("total")
    };
    let add = |title: &str, due: Option<chrono::DateTime<chrono::Utc>>| {
        let mut c = app.db.store.conn().expect("connection");
        let b = ArticleBuilder::new(title, writer);
        match due {
            Some(at) => b.scheduled_for(at).create(&mut c),
            None => b.published_at(now() - TimeDelta::hours(1)).create(&mut c),
        };
    };
    add("One", None);
    assert_eq!(total().await, 1);
    assert_eq!(total().await, 1, "remembered");
    add("Two", None);
    assert_eq!(total().await, 2, "a write shows at once");
    add("Soon", Some(now() + TimeDelta::hours(1)));
    assert_eq!(total().await, 2, "not yet due");
    app.advance(TimeDelta::hours(1) - TimeDelta::seconds(1));
    assert_eq!(total().await, 2);
    app.advance(TimeDelta::seconds(1));
    assert_eq!(total().await, 3, "due, with no write");
}

/// Tags and authors lists are answered in SQL when their filter allows, in memory when not
/// (a text test that folds case): both must give the same answer, rows, order, pages,
/// counts and totals alike. A filter `…+slug:-~'…'` that every row passes takes the slow
/// path with the same meaning.
async fn tags_and_authors_lists_answer_as_in_memory(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let key = key(&app, 10_000);
    for resource in ["tags", "authors"] {
        let get = |q: String| {
            let (app, key) = (&app, &key);
            async move {
                let reply = app
                    .get(&format!("/ghost/api/content/{resource}/?key={key}&{q}"))
                    .await;
                assert_eq!(reply.status, StatusCode::OK, "{resource} {q}");
                reply.json()
            }
        };
        let all = get("limit=all&order=slug".into()).await;
        let slugs: Vec<String> = all[resource]
            .as_array()
            .expect("rows")
            .iter()
            .filter_map(|r| r["slug"].as_str().map(str::to_owned))
            .collect();
        assert!(slugs.len() >= 3, "{resource}: the demo has a few");
        let name = all[resource][1]["name"]
            .as_str()
            .expect("name")
            .replace('\'', "\\'");
        let (a, b, c) = (&slugs[0], &slugs[1], &slugs[2]);
        let filters = [
            String::new(),
            format!("slug:{b}"),
            format!("slug:-{b}"),
            format!("slug:[{c},{a}]"),
            format!("slug:-[{c},{a}]"),
            format!("slug:{a},slug:{c}"),
            format!("name:'{name}'"),
            format!("slug:{a}+name:-'{name}'"),
        ];
        let shapes = [
            "",
            "include=count.posts",
            "include=count.posts&order=count.posts%20desc",
            "include=count.posts&order=count.posts%20asc&limit=2&page=2",
            "order=name%20desc&limit=2&page=2",
            "order=slug&limit=all",
            "order=slug%20desc&fields=name",
            "order=created_at%20desc&limit=1&page=3",
        ];
        for filter in &filters {
            for shape in shapes {
                let slow = if filter.is_empty() {
                    "slug:-~'zzqq'".to_owned()
                } else {
                    format!("({filter})+slug:-~'zzqq'")
                };
                let enc = |f: &str| {
                    url::form_urlencoded::byte_serialize(f.as_bytes()).collect::<String>()
                };
                let fast = get(format!("{shape}&filter={}", enc(filter))).await;
                let memory = get(format!("{shape}&filter={}", enc(&slow))).await;
                if filter.starts_with("slug:[") && !shape.contains("order=") {
                    continue; // Kept in the list's order: checked below.
                }
                assert_eq!(fast, memory, "{resource}?{shape}&filter={filter}");
            }
        }
        let listed = get(format!("filter=slug:[{c},{a}]&include=count.posts")).await;
        let order: Vec<&str> = listed[resource]
            .as_array()
            .expect("rows")
            .iter()
            .filter_map(|r| r["slug"].as_str())
            .collect();
        assert_eq!(order, [c.as_str(), a.as_str()], "the list's order");
        let second = get(format!("filter=slug:[{c},{a}]&limit=1&page=2")).await;
        assert_eq!(second[resource][0]["slug"], a.as_str());
        assert_eq!(second["meta"]["pagination"]["total"], 2);
    }
}
