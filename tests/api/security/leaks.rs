//! What is hidden from the public (drafts, internal tags, people with nothing published) is
//! indistinguishable from what does not exist: in body, status and headers, surrogate keys
//! included, on every path.

use actix_web::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use broadsheet_domain::related::NewRelatedLink;
use broadsheet_domain::time::now;
use broadsheet_persistence::related;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, UserBuilder};
use chrono::TimeDelta;

use crate::helpers::{Reply, TestApp, e2e_tests};

e2e_tests!(
    hidden_things_answer_exactly_as_missing_ones,
    public_pages_do_not_name_what_they_leave_out,
    only_people_with_something_published_are_public,
);

fn gid(kind: &str, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

async fn graphql_get(app: &TestApp, query: &str) -> Reply {
    let q: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
    app.get_with(
        &format!("/graphql?query={q}"),
        &[("accept", "application/json")],
    )
    .await
}

/// The same answer, as far as anything outside can tell.
fn alike(what: &str, hidden: &Reply, missing: &Reply) {
    assert_eq!(hidden.status, missing.status, "{what}: status");
    // A Ghost error carries a fresh id of its own each time, whatever it is about.
    let comparable = |reply: &Reply| match serde_json::from_slice::<serde_json::Value>(&reply.body)
    {
        Ok(mut json) => {
            for error in json["errors"].as_array_mut().into_iter().flatten() {
                if let Some(error) = error.as_object_mut() {
                    error.remove("id");
                }
            }
            json.to_string()
        }
        Err(_) => String::from_utf8_lossy(&reply.body).into_owned(),
    };
    assert_eq!(comparable(hidden), comparable(missing), "{what}: body");
    for name in [
        "surrogate-key",
        "cache-tag",
        "etag",
        "content-type",
        "cache-control",
    ] {
        assert_eq!(hidden.header(name), missing.header(name), "{what}: {name}");
    }
}

struct World {
    draft_uuid: String,
    live_slug: &'static str,
    internal_tag_id: i64,
    key: String,
}

fn world(app: &TestApp) -> World {
    let mut c = app.db.store.conn().expect("connection");
    let writer = UserBuilder::new("Wendy Writer").create(&mut c);
    let internal = TagBuilder::new("#embargoed")
        .slug("embargoed")
        .create(&mut c);
    let public = TagBuilder::new("Politics").create(&mut c);
    let draft = ArticleBuilder::new("Unannounced merger", writer.id())
        .draft()
        .slug("unannounced-merger")
        .tags(&[internal.id])
        .create(&mut c);
    let live = ArticleBuilder::new("Council meets", writer.id())
        .published_at(now() - TimeDelta::hours(1))
        .slug("council-meets")
        .tags(&[public.id, internal.id])
        .create(&mut c);
    let link = NewRelatedLink::new(live.id, draft.id, None).expect("link");
    related::add(&mut c, &link).expect("curated link to the draft");
    let key = broadsheet_service::keys::create_content(
        &mut c,
        "Partner",
        100_000,
        broadsheet_domain::time::now(),
    )
    .expect("key")
    .credential;
    World {
        draft_uuid: draft.uuid.to_string(),
        live_slug: "council-meets",
        internal_tag_id: internal.id.0,
        key,
    }
}

async fn hidden_things_answer_exactly_as_missing_ones(app: TestApp) {
    let w = world(&app);
    let nobody = uuid::Uuid::now_v7().to_string();
    let pairs = [
        (
            "article(slug:)",
            "unannounced-merger",
            "no-such-article-at-all",
        ),
        ("tag(slug:)", "embargoed", "no-such-tag-at-all"),
    ];
    for (what, hidden, missing) in pairs {
        let query = |slug: &str| {
            if what.starts_with("article") {
                format!("{{ article(slug: \"{slug}\") {{ title }} }}")
            } else {
                format!("{{ tag(slug: \"{slug}\") {{ name }} }}")
            }
        };
        let h = graphql_get(&app, &query(hidden)).await;
        let m = graphql_get(&app, &query(missing)).await;
        assert_eq!(h.status, StatusCode::OK);
        alike(what, &h, &m);
    }
    let (hidden_id, missing_id) = (gid("Article", &w.draft_uuid), gid("Article", &nobody));
    for template in [
        "{ article(id: \"ID\") { title } }",
        "{ node(id: \"ID\") { id } }",
        "{ nodes(ids: [\"ID\"]) { id } }",
    ] {
        let h = graphql_get(&app, &template.replace("ID", &hidden_id)).await;
        let m = graphql_get(&app, &template.replace("ID", &missing_id)).await;
        alike(template, &h, &m);
    }
    let k = &w.key;
    for (hidden, missing) in [
        (
            "/ghost/api/content/posts/slug/unannounced-merger/".to_owned(),
            "/ghost/api/content/posts/slug/no-such-article-at-all/".to_owned(),
        ),
        (
            format!("/ghost/api/content/posts/{}/", w.draft_uuid),
            format!("/ghost/api/content/posts/{nobody}/"),
        ),
        (
            "/ghost/api/content/tags/slug/embargoed/".to_owned(),
            "/ghost/api/content/tags/slug/no-such-tag-at-all/".to_owned(),
        ),
    ] {
        let h = app.get(&format!("{hidden}?key={k}")).await;
        let m = app.get(&format!("{missing}?key={k}")).await;
        assert_eq!(h.status, StatusCode::NOT_FOUND, "{hidden}");
        alike(&hidden, &h, &m);
    }
    for format in ["rss/", "atom/", "feed.json"] {
        let h = app.get(&format!("/tag/embargoed/{format}")).await;
        let m = app.get(&format!("/tag/no-such-tag-at-all/{format}")).await;
        assert_eq!(h.status, StatusCode::NOT_FOUND, "{format}");
        alike(format, &h, &m);
    }
}

async fn public_pages_do_not_name_what_they_leave_out(app: TestApp) {
    let w = world(&app);
    let draft_key = format!("article:{}", w.draft_uuid.replace('-', ""));
    let tag_key = format!("tag:{}", w.internal_tag_id);
    let page = graphql_get(
        &app,
        &format!(
            "{{ article(slug: \"{}\") {{ title tags {{ name }} relatedArticles(first: 5) {{ node {{ title }} }} }} }}",
            w.live_slug
        ),
    )
    .await;
    let json = page.json();
    assert_eq!(json["data"]["article"]["title"], "Council meets", "{json}");
    let keys = page.header("surrogate-key").unwrap_or_default().to_owned();
    assert!(keys.contains("article:"), "{keys}");
    assert!(!keys.contains(&draft_key), "names the draft: {keys}");
    assert!(!keys.contains(&tag_key), "names the internal tag: {keys}");
    assert!(!page.body.windows(8).any(|w| w == b"Unannoun"), "{json}");

    let post = app
        .get(&format!(
            "/ghost/api/content/posts/slug/{}/?key={}&include=tags,authors",
            w.live_slug, w.key
        ))
        .await;
    assert_eq!(post.status, StatusCode::OK);
    let keys = post.header("surrogate-key").unwrap_or_default().to_owned();
    assert!(!keys.contains(&tag_key), "names the internal tag: {keys}");
    assert!(!keys.contains(&draft_key), "{keys}");
}

/// Staff whom the public never read (nothing published, deactivated, integrations) are not
/// listed, and asking for one by slug or id answers as for nobody.
async fn only_people_with_something_published_are_public(app: TestApp) {
    let (idle_slug, gone_slug, idle_id) = {
        let mut c = app.db.store.conn().expect("connection");
        let published = UserBuilder::new("Paula Published").create(&mut c);
        ArticleBuilder::new("Something live", published.id()).create(&mut c);
        let idle = UserBuilder::new("Ida Idle").create(&mut c);
        ArticleBuilder::new("Only a draft", idle.id())
            .draft()
            .create(&mut c);
        let gone = UserBuilder::new("Gary Gone").create(&mut c);
        ArticleBuilder::new("Live but his", gone.id()).create(&mut c);
        broadsheet_persistence::users::set_active(&mut c, gone.id(), false, now())
            .expect("deactivate");
        broadsheet_service::keys::create_integration(
            &mut c,
            &broadsheet_persistence::secrets::Keyring::default(),
            "Zapier",
            broadsheet_domain::author::Role::Editor,
            100,
            broadsheet_domain::time::now(),
        )
        .expect("integration");
        (
            idle.author.slug.as_str().to_owned(),
            gone.author.slug.as_str().to_owned(),
            idle.id().0,
        )
    };
    let listed = graphql_get(&app, "{ authors(first: 50) { totalCount nodes { name } } }")
        .await
        .json();
    let names: Vec<&str> = listed["data"]["authors"]["nodes"]
        .as_array()
        .expect("authors")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(names, ["Paula Published"], "{listed}");
    assert_eq!(listed["data"]["authors"]["totalCount"], 1, "{listed}");
    for slug in [&idle_slug, &gone_slug] {
        let h = graphql_get(&app, &format!("{{ author(slug: \"{slug}\") {{ name }} }}")).await;
        let m = graphql_get(&app, "{ author(slug: \"no-such-person\") { name } }").await;
        alike(slug, &h, &m);
    }
    let h = graphql_get(
        &app,
        &format!(
            "{{ node(id: \"{}\") {{ id }} }}",
            gid("Author", &idle_id.to_string())
        ),
    )
    .await;
    let m = graphql_get(
        &app,
        &format!("{{ node(id: \"{}\") {{ id }} }}", gid("Author", "999999")),
    )
    .await;
    alike("node(Author)", &h, &m);
}
