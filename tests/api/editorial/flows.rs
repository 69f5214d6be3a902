//! An editor's day: write, revise, publish, rename, schedule, preview, restore.

use broadsheet_domain::author::Role;
use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};

use super::{code, global_id, staff};
use crate::graphql::data;
use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(
    write_revise_publish_and_restore,
    drafts_are_visible_as_roles_allow,
    slug_changes_leave_aliases,
    previews_show_one_draft,
    renaming_a_tag_keeps_its_other_fields
);

const CREATE: &str = "mutation($input: CreateArticleInput!) { createArticle(input: $input) {
    article { id slug title version status markdown html authors { slug } } } }";
const UPDATE: &str = "mutation($id: ID!, $v: Int!, $input: UpdateArticleInput!) {
    updateArticle(id: $id, expectedVersion: $v, input: $input) { article { slug title version excerpt } } }";

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    let body = app
        .graphql_as(token, CREATE, json!({ "input": input }))
        .await
        .json();
    data(&body, &["createArticle", "article"]).clone()
}

async fn write_revise_publish_and_restore(app: TestApp) {
    let ed = staff(&app, "Eve Editor", Role::Editor);
    let article = create(
        &app,
        &ed.token,
        json!({ "title": "Budget day", "markdown": "First *draft*." }),
    )
    .await;
    assert_eq!(article["status"], "DRAFT");
    assert_eq!(article["version"], 1);
    assert_eq!(article["markdown"], "First *draft*.");
    assert_eq!(
        article["authors"][0]["slug"], "eve-editor",
        "the writer is the author by default"
    );
    let id = article["id"].clone();

    let body = app
        .graphql_as(&ed.token, UPDATE, json!({ "id": id, "v": 1, "input": { "title": "Budget day: the detail", "markdown": "Second draft." } }))
        .await
        .json();
    assert_eq!(data(&body, &["updateArticle", "article", "version"]), 2);

    // A stale version changes nothing and says who saved since.
    let stale = app
        .graphql_as(
            &ed.token,
            UPDATE,
            json!({ "id": id, "v": 1, "input": { "title": "Lost?" } }),
        )
        .await
        .json();
    assert_eq!(code(&stale), Some("CONFLICT"));
    assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], 2);
    assert_eq!(stale["errors"][0]["extensions"]["savedBy"], "Eve Editor");

    let public = app
        .graphql("{ articles { totalCount } }", json!({}))
        .await
        .json();
    assert_eq!(
        data(&public, &["articles", "totalCount"]),
        0,
        "drafts are not public"
    );

    let publish = "mutation($id: ID!, $v: Int!) { publishArticle(id: $id, expectedVersion: $v) { article { status version publishedAt } } }";
    let body = app
        .graphql_as(&ed.token, publish, json!({ "id": id, "v": 2 }))
        .await
        .json();
    assert_eq!(
        data(&body, &["publishArticle", "article", "status"]),
        "PUBLISHED"
    );
    let public = app
        .graphql(
            "{ articles { totalCount nodes { title version markdown } } }",
            json!({}),
        )
        .await
        .json();
    assert_eq!(data(&public, &["articles", "totalCount"]), 1);
    assert_eq!(
        data(&public, &["articles", "nodes", "0", "version"]),
        &Value::Null,
        "editorial fields are for staff"
    );
    assert_eq!(
        data(&public, &["articles", "nodes", "0", "markdown"]),
        &Value::Null
    );

    let q = "query($id: ID!) { article(id: $id) { version revisions { version title markdown savedBy { slug } } } }";
    let body = app
        .graphql_as(&ed.token, q, json!({ "id": id }))
        .await
        .json();
    let revisions = data(&body, &["article", "revisions"])
        .as_array()
        .expect("revisions")
        .clone();
    assert_eq!(
        revisions
            .iter()
            .map(|r| r["version"].clone())
            .collect::<Vec<_>>(),
        [json!(2), json!(1)]
    );
    assert_eq!(revisions[1]["markdown"], "First *draft*.");

    let restore = "mutation($id: ID!) { restoreRevision(id: $id, version: 1, expectedVersion: 3) { article { version title html } } }";
    let body = app
        .graphql_as(&ed.token, restore, json!({ "id": id }))
        .await
        .json();
    let restored = data(&body, &["restoreRevision", "article"]);
    assert_eq!(
        (restored["version"].clone(), restored["title"].clone()),
        (json!(4), json!("Budget day"))
    );
    assert_eq!(restored["html"], "<p>First <em>draft</em>.</p>\n");

    let unpublish = "mutation($id: ID!) { unpublishArticle(id: $id, expectedVersion: 4) { article { status } } }";
    let body = app
        .graphql_as(&ed.token, unpublish, json!({ "id": id }))
        .await
        .json();
    assert_eq!(
        data(&body, &["unpublishArticle", "article", "status"]),
        "DRAFT"
    );
    let delete = "mutation($id: ID!) { deleteArticle(id: $id) { deletedId } }";
    let body = app
        .graphql_as(&ed.token, delete, json!({ "id": id }))
        .await
        .json();
    assert_eq!(data(&body, &["deleteArticle", "deletedId"]), &id);
    let gone = app
        .graphql_as(
            &ed.token,
            "query($id: ID!) { article(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await
        .json();
    assert_eq!(data(&gone, &["article"]), &Value::Null);
}

async fn drafts_are_visible_as_roles_allow(app: TestApp) {
    let writer = staff(&app, "Wendy Writer", Role::Author);
    let other = staff(&app, "Oscar Other", Role::Contributor);
    let editor = staff(&app, "Eve Editor", Role::Editor);
    let mine = create(&app, &writer.token, json!({ "title": "Mine" })).await;
    create(&app, &other.token, json!({ "title": "Theirs" })).await;
    let q = "query($id: ID!) { article(id: $id) { title } }";
    for (token, sees) in [
        (&writer.token, true),
        (&other.token, false),
        (&editor.token, true),
    ] {
        let body = app
            .graphql_as(token, q, json!({ "id": mine["id"] }))
            .await
            .json();
        assert_eq!(data(&body, &["article"]).is_null(), !sees);
    }
    let anon = app.graphql(q, json!({ "id": mine["id"] })).await.json();
    assert_eq!(data(&anon, &["article"]), &Value::Null);

    let list =
        "{ articles(filter: { status: [DRAFT] }, orderBy: TITLE) { totalCount nodes { title } } }";
    let titles = |body: &Value| -> Vec<String> {
        data(body, &["articles", "nodes"])
            .as_array()
            .expect("nodes")
            .iter()
            .filter_map(|n| n["title"].as_str().map(str::to_owned))
            .collect()
    };
    let by_writer = app.graphql_as(&writer.token, list, json!({})).await.json();
    assert_eq!(
        titles(&by_writer),
        ["Mine"],
        "authors list their own drafts"
    );
    let by_editor = app.graphql_as(&editor.token, list, json!({})).await.json();
    assert_eq!(
        titles(&by_editor),
        ["Mine", "Theirs"],
        "editors list everyone's"
    );
    let by_public = app.graphql(list, json!({})).await.json();
    assert_eq!(code(&by_public), Some("UNAUTHENTICATED"));
}

async fn slug_changes_leave_aliases(app: TestApp) {
    let ed = staff(&app, "Eve Editor", Role::Editor);
    let article = create(
        &app,
        &ed.token,
        json!({ "title": "Old name", "status": "PUBLISHED" }),
    )
    .await;
    let id = article["id"].clone();
    let body = app
        .graphql_as(
            &ed.token,
            UPDATE,
            json!({ "id": id, "v": 1, "input": { "slug": "new-name" } }),
        )
        .await
        .json();
    assert_eq!(
        data(&body, &["updateArticle", "article", "slug"]),
        "new-name"
    );
    let old = app
        .graphql(
            "{ article(slug: \"old-name\") { slug redirectedFrom } }",
            json!({}),
        )
        .await
        .json();
    assert_eq!(
        data(&old, &["article", "slug"]),
        "new-name",
        "the old slug still finds it"
    );
    assert_eq!(
        data(&old, &["article", "redirectedFrom"]),
        "old-name",
        "and says where to redirect"
    );
    let new = app
        .graphql(
            "{ article(slug: \"new-name\") { redirectedFrom } }",
            json!({}),
        )
        .await
        .json();
    assert_eq!(data(&new, &["article", "redirectedFrom"]), &Value::Null);
}

async fn previews_show_one_draft(app: TestApp) {
    let ed = staff(&app, "Eve Editor", Role::Editor);
    let draft = create(&app, &ed.token, json!({ "title": "Embargoed" })).await;
    let q = "query($id: ID!) { article(id: $id) { previewToken previewUrl } }";
    let body = app
        .graphql_as(&ed.token, q, json!({ "id": draft["id"] }))
        .await
        .json();
    let token = data(&body, &["article", "previewToken"])
        .as_str()
        .expect("token")
        .to_owned();
    let url = data(&body, &["article", "previewUrl"])
        .as_str()
        .expect("url")
        .to_owned();
    assert!(
        url.starts_with("https://news.example.com/p/") && url.contains(&token),
        "{url}"
    );
    let preview = app
        .graphql(
            "query($t: String!) { preview(token: $t) { title status } }",
            json!({ "t": token }),
        )
        .await
        .json();
    assert_eq!(data(&preview, &["preview", "title"]), "Embargoed");
    assert_eq!(data(&preview, &["preview", "status"]), "DRAFT");
    let forged = app
        .graphql(
            "query($t: String!) { preview(token: $t) { title } }",
            json!({ "t": format!("{token}x") }),
        )
        .await
        .json();
    assert_eq!(code(&forged), Some("UNAUTHENTICATED"));
    // An access token is not a preview token, nor the other way round.
    let as_preview = app
        .graphql(
            "query($t: String!) { preview(token: $t) { title } }",
            json!({ "t": ed.token }),
        )
        .await
        .json();
    assert_eq!(code(&as_preview), Some("UNAUTHENTICATED"));
    let as_access = app.graphql_as(&token, "{ me { email } }", json!({})).await;
    assert_eq!(as_access.status, actix_web::http::StatusCode::UNAUTHORIZED);
    let _ = (Utc::now(), TimeDelta::zero(), global_id("Article", 1));
}

mod more {
    use broadsheet_domain::author::Role;
    use broadsheet_persistence::testing::ArticleBuilder;
    use serde_json::{Value, json};

    use super::super::{code, global_id, staff};
    use crate::graphql::data;
    use crate::helpers::{TestApp, e2e_tests};

    e2e_tests!(
        related_links_by_mutation,
        passwords_change_and_sessions_end,
        staff_responses_are_never_cached
    );

    async fn related_links_by_mutation(app: TestApp) {
        let ed = staff(&app, "Eve Editor", Role::Editor);
        let ids: Vec<String> = {
            let mut c = app.db.store.conn().expect("connection");
            (0..4)
                .map(|i| {
                    global_id(
                        "Article",
                        ArticleBuilder::new(&format!("Story {i}"), ed.user.id())
                            .create(&mut c)
                            .uuid,
                    )
                })
                .collect()
        };
        let add = "mutation($id: ID!, $r: ID!, $n: String) { addRelatedArticle(id: $id, relatedId: $r, note: $n) { article { id } } }";
        for (r, note) in [
            (&ids[1], Some("Background")),
            (&ids[2], None),
            (&ids[3], None),
        ] {
            let body = app
                .graphql_as(&ed.token, add, json!({ "id": ids[0], "r": r, "n": note }))
                .await
                .json();
            assert!(body.get("errors").is_none(), "{body}");
        }
        let dup = app
            .graphql_as(&ed.token, add, json!({ "id": ids[0], "r": ids[1] }))
            .await
            .json();
        assert_eq!(code(&dup), Some("CONFLICT"));
        let own = app
            .graphql_as(&ed.token, add, json!({ "id": ids[0], "r": ids[0] }))
            .await
            .json();
        assert_eq!(code(&own), Some("BAD_USER_INPUT"));
        let reorder =
            "mutation($id: ID!, $rs: [ID!]!) { reorderRelatedArticles(id: $id, relatedIds: $rs) {
            article { relatedArticles(first: 3) { reason note node { title } } } } }";
        let body = app
            .graphql_as(
                &ed.token,
                reorder,
                json!({ "id": ids[0], "rs": [ids[3], ids[1], ids[2]] }),
            )
            .await
            .json();
        let titles: Vec<Value> = data(
            &body,
            &["reorderRelatedArticles", "article", "relatedArticles"],
        )
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["title"].clone())
        .collect();
        assert_eq!(
            titles,
            [json!("Story 3"), json!("Story 1"), json!("Story 2")]
        );
        assert_eq!(
            data(
                &body,
                &[
                    "reorderRelatedArticles",
                    "article",
                    "relatedArticles",
                    "1",
                    "note"
                ]
            ),
            "Background"
        );
        let remove = "mutation($id: ID!, $r: ID!) { removeRelatedArticle(id: $id, relatedId: $r) {
            article { relatedArticles(first: 3) { reason node { title } } } } }";
        let body = app
            .graphql_as(&ed.token, remove, json!({ "id": ids[0], "r": ids[3] }))
            .await
            .json();
        let first = data(
            &body,
            &["removeRelatedArticle", "article", "relatedArticles", "0"],
        );
        assert_eq!(
            (first["reason"].clone(), first["node"]["title"].clone()),
            (json!("CURATED"), json!("Story 1"))
        );
    }

    async fn passwords_change_and_sessions_end(app: TestApp) {
        let w = staff(&app, "Wendy Writer", Role::Author);
        let login = "mutation($p: String!) { login(email: \"wendywriter@example.com\", password: $p) { accessToken refreshToken } }";
        let session = app
            .graphql(login, json!({ "p": "correct horse battery" }))
            .await
            .json();
        let refresh = data(&session, &["login", "refreshToken"]).clone();
        let change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
        let wrong = app
            .graphql_as(
                &w.token,
                change,
                json!({ "c": "nope", "n": "a brand new password" }),
            )
            .await
            .json();
        assert_eq!(code(&wrong), Some("BAD_USER_INPUT"));
        let short = app
            .graphql_as(
                &w.token,
                change,
                json!({ "c": "correct horse battery", "n": "short" }),
            )
            .await
            .json();
        assert_eq!(code(&short), Some("BAD_USER_INPUT"));
        let ok = app
            .graphql_as(
                &w.token,
                change,
                json!({ "c": "correct horse battery", "n": "a brand new password" }),
            )
            .await
            .json();
        assert_eq!(data(&ok, &["changePassword"]), true);
        let old = app
            .graphql(login, json!({ "p": "correct horse battery" }))
            .await
            .json();
        assert_eq!(code(&old), Some("UNAUTHENTICATED"));
        let new = app
            .graphql(login, json!({ "p": "a brand new password" }))
            .await
            .json();
        assert!(new.get("errors").is_none());
        let refreshed = app
            .graphql(
                "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
                json!({ "t": refresh }),
            )
            .await
            .json();
        assert_eq!(
            code(&refreshed),
            Some("UNAUTHENTICATED"),
            "sessions from before the change ended"
        );
    }

    async fn staff_responses_are_never_cached(app: TestApp) {
        let ed = staff(&app, "Eve Editor", Role::Editor);
        let path = "/graphql?query=%7Barticles%7BtotalCount%7D%7D";
        let auth = format!("Bearer {}", ed.token);
        let reply = app
            .get_with(
                path,
                &[("accept", "application/json"), ("authorization", &auth)],
            )
            .await;
        assert_eq!(reply.status, actix_web::http::StatusCode::OK);
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        assert_eq!(reply.header("etag"), None);
        assert!(
            reply
                .header("vary")
                .is_some_and(|v| v.contains("Authorization"))
        );
    }
}

/// `updateTag` with only a new name keeps the tag's description, image and metadata; `null`
/// clears one. (Found from outside: an update naming only `name` cleared them all.)
async fn renaming_a_tag_keeps_its_other_fields(app: TestApp) {
    let ed = staff(&app, "Eve Editor", Role::Editor);
    let created = app
        .graphql_as(
            &ed.token,
            "mutation { createTag(input: { name: \"Housing\", description: \"Homes and rents\",
                metaTitle: \"Housing news\", featureImage: \"https://img.example.com/h.jpg\" })
                { tag { id } } }",
            json!({}),
        )
        .await
        .json();
    let id = data(&created, &["createTag", "tag", "id"]).clone();
    const UPDATE_TAG: &str =
        "mutation($id: ID!, $input: TagInput!) { updateTag(id: $id, input: $input) {
        tag { name slug description metaTitle featureImage } } }";
    let renamed = app
        .graphql_as(
            &ed.token,
            UPDATE_TAG,
            json!({ "id": id, "input": { "name": "Homes & Housing" } }),
        )
        .await
        .json();
    let tag = data(&renamed, &["updateTag", "tag"]);
    assert_eq!(tag["name"], "Homes & Housing");
    assert_eq!(tag["slug"], "housing", "the address stays");
    assert_eq!(tag["description"], "Homes and rents");
    assert_eq!(tag["metaTitle"], "Housing news");
    assert_eq!(tag["featureImage"], "https://img.example.com/h.jpg");

    let cleared = app
        .graphql_as(
            &ed.token,
            UPDATE_TAG,
            json!({ "id": id, "input": { "name": "Homes & Housing", "description": null } }),
        )
        .await
        .json();
    let tag = data(&cleared, &["updateTag", "tag"]);
    assert_eq!(tag["description"], Value::Null);
    assert_eq!(tag["metaTitle"], "Housing news");
}
