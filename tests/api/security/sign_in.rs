//! Accounts and tokens: strangers cannot lock staff out; password hashing holds no lock;
//! tokens end when they should.
//!
//! The throttling tests run on a manual clock: a delay of a second must not run out while a
//! slow machine is still hashing the next guess.

use actix_web::http::StatusCode;
use broadsheet_domain::author::Role;
use broadsheet_persistence::testing::TestDb;
use serde_json::{Value, json};

use crate::editorial::{code, staff};
use crate::graphql::data;
use crate::helpers::{Reply, TestApp, db_tests};

db_tests!(
    a_stranger_cannot_lock_an_editor_out,
    new_passwords_deactivation_and_roles_end_access_tokens_at_once,
    wrong_current_passwords_are_throttled_like_sign_ins,
    preview_links_can_be_revoked_and_die_with_their_article_or_maker,
    a_burst_of_wrong_passwords_holds_up_no_reader_and_no_save,
);

const LOGIN: &str = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
    accessToken user { email } } }";
const PASSWORD: &str = "correct horse battery";

/// A server behind a trusted proxy at 127.0.0.1, so that tests can speak from any address,
/// on a manual clock.
async fn behind_proxy(db: TestDb) -> TestApp {
    TestApp::spawn_configured(db, |args| {
        args.clock = crate::helpers::manual_clock();
        args.trusted_proxies =
            broadsheet::cli::TrustedProxies(vec!["127.0.0.1/32".parse().expect("network")]);
    })
    .await
}

async fn login_from(app: &TestApp, address: &str, email: &str, password: &str) -> Value {
    let body = json!({ "query": LOGIN, "variables": { "e": email, "p": password } });
    app.post_json(
        "/graphql",
        &[("accept", "application/json"), ("x-forwarded-for", address)],
        &body.to_string(),
    )
    .await
    .json()
}

async fn as_token(app: &TestApp, token: &str, query: &str, variables: Value) -> Reply {
    app.graphql_as(token, query, variables).await
}

async fn a_stranger_cannot_lock_an_editor_out(db: TestDb) {
    let app = behind_proxy(db).await;
    staff(&app, "Eve Editor", Role::Editor);
    let email = "eveeditor@example.com";
    for _ in 0..10 {
        let body = login_from(&app, "203.0.113.66", email, "guess").await;
        assert!(
            matches!(code(&body), Some("UNAUTHENTICATED" | "RATE_LIMITED")),
            "{body}"
        );
    }
    // The stranger is slowed down, even with the right password...
    let stranger = login_from(&app, "203.0.113.66", email, PASSWORD).await;
    assert_eq!(code(&stranger), Some("RATE_LIMITED"), "{stranger}");
    assert!(stranger["errors"][0]["extensions"]["retryAfter"].as_u64() >= Some(1));
    // ...and the editor, from her own address, signs in as ever.
    let eve = login_from(&app, "198.51.100.7", email, PASSWORD).await;
    assert_eq!(data(&eve, &["login", "user", "email"]), email, "{eve}");
}

async fn new_passwords_deactivation_and_roles_end_access_tokens_at_once(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = staff(&app, "Ada Admin", Role::Administrator);
    staff(&app, "Wendy Writer", Role::Author);
    let sign_in = |email: &'static str, password: &'static str| {
        let app = &app;
        async move {
            let body = login_from(app, "127.0.0.1", email, password).await;
            data(&body, &["login", "accessToken"])
                .as_str()
                .unwrap_or_else(|| panic!("signed in: {body}"))
                .to_owned()
        }
    };
    let me = "{ me { email } }";
    let wendy = sign_in("wendywriter@example.com", PASSWORD).await;
    let old = sign_in("wendywriter@example.com", PASSWORD).await;
    assert_eq!(
        as_token(&app, &old, me, json!({})).await.status,
        StatusCode::OK
    );
    let changed = as_token(
        &app,
        &wendy,
        "mutation { changePassword(currentPassword: \"correct horse battery\", newPassword: \"a brand new passphrase\") }",
        json!({}),
    )
    .await
    .json();
    assert_eq!(data(&changed, &["changePassword"]), true, "{changed}");
    // Not in fifteen minutes: now.
    for token in [&wendy, &old] {
        let reply = as_token(&app, token, me, json!({})).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let fresh = sign_in("wendywriter@example.com", "a brand new passphrase").await;
    let who = as_token(&app, &fresh, me, json!({})).await.json();
    assert_eq!(data(&who, &["me", "email"]), "wendywriter@example.com");

    // Deactivated: her token ends at once.
    let id = who_id(&app, &fresh).await;
    let deactivated = as_token(
        &app,
        &admin.token,
        "mutation($id: ID!) { deactivateUser(id: $id) { user { active } } }",
        json!({ "id": id }),
    )
    .await
    .json();
    assert_eq!(
        data(&deactivated, &["deactivateUser", "user", "active"]),
        false
    );
    assert_eq!(
        as_token(&app, &fresh, me, json!({})).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn who_id(app: &TestApp, token: &str) -> String {
    let body = as_token(app, token, "{ me { author { id } } }", json!({}))
        .await
        .json();
    data(&body, &["me", "author", "id"])
        .as_str()
        .expect("id")
        .to_owned()
}

async fn wrong_current_passwords_are_throttled_like_sign_ins(db: TestDb) {
    let app = TestApp::spawn_manual(db).await;
    let wendy = staff(&app, "Wendy Writer", Role::Author);
    let change = |current: &'static str| {
        let (app, token) = (&app, wendy.token.clone());
        async move {
            as_token(
                app,
                &token,
                "mutation($c: String!) { changePassword(currentPassword: $c, newPassword: \"a brand new passphrase\") }",
                json!({ "c": current }),
            )
            .await
            .json()
        }
    };
    for _ in 0..3 {
        assert_eq!(code(&change("wrong").await), Some("BAD_USER_INPUT"));
    }
    let limited = change(PASSWORD).await;
    assert_eq!(code(&limited), Some("RATE_LIMITED"), "{limited}");
    // Once the delay has passed, the right password is taken.
    let wait = limited["errors"][0]["extensions"]["retryAfter"]
        .as_i64()
        .expect("retryAfter");
    app.advance(chrono::TimeDelta::seconds(wait));
    let changed = change(PASSWORD).await;
    assert_eq!(data(&changed, &["changePassword"]), true, "{changed}");
}

const CREATE: &str = "mutation($input: CreateArticleInput!) { createArticle(input: $input) {
    article { id version previewToken } } }";
const PREVIEW: &str = "query($t: String!) { preview(token: $t) { title } }";

async fn preview(app: &TestApp, token: &str) -> Value {
    app.graphql(PREVIEW, json!({ "t": token })).await.json()
}

async fn preview_links_can_be_revoked_and_die_with_their_article_or_maker(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = staff(&app, "Ada Admin", Role::Administrator);
    let editor = staff(&app, "Eve Editor", Role::Editor);
    let created = as_token(
        &app,
        &editor.token,
        CREATE,
        json!({ "input": { "title": "Budget leaks", "markdown": "Words." } }),
    )
    .await
    .json();
    let article = data(&created, &["createArticle", "article"]).clone();
    let id = article["id"].as_str().expect("id").to_owned();
    let first = article["previewToken"].as_str().expect("token").to_owned();
    assert_eq!(
        data(&preview(&app, &first).await, &["preview", "title"]),
        "Budget leaks"
    );

    let token_now = || {
        let (app, id, token) = (&app, id.clone(), editor.token.clone());
        async move {
            let body = as_token(
                app,
                &token,
                "query($id: ID!) { article(id: $id) { version previewToken } }",
                json!({ "id": id }),
            )
            .await
            .json();
            data(&body, &["article"]).clone()
        }
    };
    // Revoked: the old link dies, a new one works.
    let revoked = as_token(
        &app,
        &editor.token,
        "mutation($id: ID!) { revokePreviewLinks(id: $id) { article { id } } }",
        json!({ "id": id }),
    )
    .await
    .json();
    assert!(revoked.get("errors").is_none(), "{revoked}");
    assert_eq!(code(&preview(&app, &first).await), Some("UNAUTHENTICATED"));
    let second = token_now().await["previewToken"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(
        data(&preview(&app, &second).await, &["preview", "title"]),
        "Budget leaks"
    );

    // Published, then taken down: links made while it was out stop showing it.
    let version = token_now().await["version"].as_i64().expect("version");
    let published = as_token(
        &app,
        &editor.token,
        "mutation($id: ID!, $v: Int!) { publishArticle(id: $id, expectedVersion: $v) { article { version } } }",
        json!({ "id": id, "v": version }),
    )
    .await
    .json();
    let version = data(&published, &["publishArticle", "article", "version"])
        .as_i64()
        .unwrap_or_else(|| panic!("published: {published}"));
    let while_out = token_now().await["previewToken"]
        .as_str()
        .expect("token")
        .to_owned();
    as_token(
        &app,
        &editor.token,
        "mutation($id: ID!, $v: Int!) { unpublishArticle(id: $id, expectedVersion: $v) { article { status } } }",
        json!({ "id": id, "v": version }),
    )
    .await;
    assert_eq!(
        code(&preview(&app, &while_out).await),
        Some("UNAUTHENTICATED")
    );

    // Its maker deactivated: the link dies.
    let by_editor = token_now().await["previewToken"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(
        data(&preview(&app, &by_editor).await, &["preview", "title"]),
        "Budget leaks"
    );
    as_token(
        &app,
        &admin.token,
        "mutation($id: ID!) { deactivateUser(id: $id) { user { active } } }",
        json!({ "id": crate::editorial::global_id("Author", editor.user.id().0) }),
    )
    .await;
    assert_eq!(
        code(&preview(&app, &by_editor).await),
        Some("UNAUTHENTICATED")
    );

    // Deleted: nothing to show.
    let by_admin = {
        let body = as_token(
            &app,
            &admin.token,
            "query($id: ID!) { article(id: $id) { previewToken } }",
            json!({ "id": id }),
        )
        .await
        .json();
        data(&body, &["article", "previewToken"])
            .as_str()
            .expect("token")
            .to_owned()
    };
    as_token(
        &app,
        &admin.token,
        "mutation($id: ID!) { deleteArticle(id: $id) { deletedId } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        preview(&app, &by_admin).await["data"]["preview"],
        Value::Null
    );
}

/// Twenty wrong passwords at once, each an argon2 check: a reader and an editor's save made
/// meanwhile both complete (the checks run on the hashing pool, holding no database lock or
/// connection). The delay itself is measured by `bench/sign-in-storm`, not asserted here.
async fn a_burst_of_wrong_passwords_holds_up_no_reader_and_no_save(db: TestDb) {
    let app = behind_proxy(db).await;
    let editor = staff(&app, "Eve Editor", Role::Editor);
    let storm = futures_util::future::join_all((0..20).map(|i| {
        let app = &app;
        async move {
            login_from(
                app,
                &format!("203.0.113.{i}"),
                &format!("nobody{i}@example.com"),
                "wrong",
            )
            .await
        }
    }));
    let save = as_token(
        &app,
        &editor.token,
        CREATE,
        json!({ "input": { "title": "Filed during a storm", "markdown": "Words." } }),
    );
    let read = app.graphql("{ articles(first: 5) { nodes { title } } }", json!({}));
    let (storm, save, read) = futures_util::future::join3(storm, save, read).await;
    for body in storm {
        assert_eq!(code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
    let save = save.json();
    assert!(
        data(&save, &["createArticle", "article", "id"]).is_string(),
        "{save}"
    );
    let read = read.json();
    assert!(read.get("errors").is_none(), "{read}");
}
