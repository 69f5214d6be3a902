//! Signing in, sessions, and every way a token can be wrong.

use actix_web::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use broadsheet_api::auth::jwt::Claims;
use broadsheet_domain::author::Role;
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::TestDb;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use super::{code, staff};
use crate::graphql::data;
use crate::helpers::{TEST_SECRET, TestApp, db_tests, e2e_tests};

e2e_tests!(
    sign_in_refresh_and_sign_out,
    bad_tokens_are_refused,
    accounts_that_change_lose_their_tokens
);

/// Servers on a manual clock: a sign-in delay must not run out while a slow machine hashes
/// the next guess, and expiries are reached by moving the clock.
mod on_a_manual_clock {
    use super::*;

    db_tests!(
        failed_sign_ins_are_alike_and_throttled,
        tokens_and_sign_in_delays_run_on_the_servers_clock
    );
}

const LOGIN: &str = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
    accessToken refreshToken accessTokenExpiresAt user { email role author { slug } } } }";
const REFRESH: &str =
    "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }";
const ME: &str = "{ me { email role } }";

async fn login(app: &TestApp, email: &str, password: &str) -> Value {
    app.graphql(LOGIN, json!({ "e": email, "p": password }))
        .await
        .json()
}

async fn sign_in_refresh_and_sign_out(app: TestApp) {
    let writer = staff(&app, "Wendy Writer", Role::Author);
    let body = login(&app, "WendyWriter@example.com", "correct horse battery").await;
    let session = data(&body, &["login"]).clone();
    assert_eq!(session["user"]["role"], "AUTHOR");
    let access = session["accessToken"].as_str().expect("access").to_owned();
    let me = app.graphql_as(&access, ME, json!({})).await.json();
    assert_eq!(data(&me, &["me", "email"]), writer.user.email.as_str());
    let anon = app.graphql(ME, json!({})).await.json();
    assert_eq!(data(&anon, &["me"]), &Value::Null);

    let first = session["refreshToken"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let rotated = app.graphql(REFRESH, json!({ "t": first })).await.json();
    let second = data(&rotated, &["refreshToken", "refreshToken"])
        .as_str()
        .expect("new")
        .to_owned();
    assert_ne!(first, second, "a new refresh token every time");
    let fresh_access = data(&rotated, &["refreshToken", "accessToken"])
        .as_str()
        .expect("access")
        .to_owned();
    assert_eq!(
        app.graphql_as(&fresh_access, ME, json!({})).await.status,
        StatusCode::OK
    );

    // The first token again: someone copied it. Its whole family dies.
    let reused = app.graphql(REFRESH, json!({ "t": first })).await.json();
    assert_eq!(code(&reused), Some("UNAUTHENTICATED"));
    let after = app.graphql(REFRESH, json!({ "t": second })).await.json();
    assert_eq!(
        code(&after),
        Some("UNAUTHENTICATED"),
        "reuse ended the session"
    );

    let again = login(&app, "wendywriter@example.com", "correct horse battery").await;
    let refresh = data(&again, &["login", "refreshToken"])
        .as_str()
        .expect("refresh")
        .to_owned();
    let out = app
        .graphql(
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": refresh }),
        )
        .await
        .json();
    assert_eq!(data(&out, &["logout"]), true);
    let dead = app.graphql(REFRESH, json!({ "t": refresh })).await.json();
    assert_eq!(code(&dead), Some("UNAUTHENTICATED"));
}

async fn failed_sign_ins_are_alike_and_throttled(db: TestDb) {
    let app = TestApp::spawn_manual(db).await;
    staff(&app, "Wendy Writer", Role::Author);
    let wrong_password = login(&app, "wendywriter@example.com", "not the password").await;
    let unknown_email = login(&app, "nobody@example.com", "not the password").await;
    let malformed = login(&app, "not an email", "x").await;
    for body in [&wrong_password, &unknown_email, &malformed] {
        assert_eq!(code(body), Some("UNAUTHENTICATED"));
        assert_eq!(
            body["errors"][0]["message"], wrong_password["errors"][0]["message"],
            "nothing says which was wrong"
        );
    }
    for _ in 0..4 {
        login(&app, "wendywriter@example.com", "still wrong").await;
    }
    let limited = login(&app, "wendywriter@example.com", "correct horse battery").await;
    assert_eq!(code(&limited), Some("RATE_LIMITED"), "{limited}");
    assert!(
        limited["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .is_some_and(|s| s > 0)
    );
}

fn claims(sub: &str, role: &str) -> Claims {
    let t = now().timestamp();
    Claims {
        sub: sub.to_owned(),
        role: role.to_owned(),
        iat: t,
        exp: t + 600,
        nbf: None,
        iss: "broadsheet".to_owned(),
        aud: "broadsheet".to_owned(),
        ver: 0,
        external: false,
    }
}

fn hs256(claims: &Claims, secret: &[u8]) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("signs")
}

async fn refused(app: &TestApp, token: &str) {
    let reply = app.graphql_as(token, ME, json!({})).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{token}");
    let body = reply.json();
    assert_eq!(code(&body), Some("UNAUTHENTICATED"));
    assert!(body.get("data").is_none());
    let text = body.to_string();
    assert!(
        !text.contains("Signature") && !text.contains("Expired") && !text.contains("audience"),
        "no detail leaks: {text}"
    );
}

async fn bad_tokens_are_refused(app: TestApp) {
    let ed = staff(&app, "Eve Editor", Role::Editor);
    let id = ed.user.id().0.to_string();
    let good = claims(&id, "editor");
    assert_eq!(
        app.graphql_as(&hs256(&good, TEST_SECRET.as_bytes()), ME, json!({}))
            .await
            .status,
        StatusCode::OK
    );

    let t = now().timestamp();
    let cases = [
        Claims {
            exp: t - 3600,
            iat: t - 7200,
            ..good.clone()
        },
        Claims {
            nbf: Some(t + 3600),
            ..good.clone()
        },
        Claims {
            aud: "someone-else".into(),
            ..good.clone()
        },
        Claims {
            iss: "someone-else".into(),
            ..good.clone()
        },
        Claims {
            role: "administrator".into(),
            ..good.clone()
        },
        Claims {
            sub: "999999".into(),
            ..good.clone()
        },
    ];
    for c in &cases {
        refused(&app, &hs256(c, TEST_SECRET.as_bytes())).await;
    }
    refused(
        &app,
        &hs256(&good, b"another-secret-another-secret-0123456789"),
    )
    .await;

    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_string(&good).expect("json"));
    refused(&app, &format!("{header}.{payload}.")).await;
    refused(&app, &format!("{header}.{payload}")).await;

    // A valid token with its role changed: the signature no longer matches.
    let token = hs256(&good, TEST_SECRET.as_bytes());
    let parts: Vec<&str> = token.split('.').collect();
    let tampered = URL_SAFE_NO_PAD.encode(
        serde_json::to_string(&Claims {
            role: "administrator".into(),
            ..good.clone()
        })
        .expect("json"),
    );
    refused(&app, &format!("{}.{tampered}.{}", parts[0], parts[2])).await;

    for junk in ["", "x", "a.b.c", "Bearer", &"A".repeat(5000)] {
        refused(&app, junk).await;
    }
    let basic = app
        .post_json(
            "/graphql",
            &[("authorization", "Basic dXNlcjpwYXNz")],
            &json!({ "query": ME }).to_string(),
        )
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
}

/// With an external identity provider's RS256 key configured: its tokens work, and a token
/// signed with HS256 using that public key as the secret (algorithm confusion) does not.
#[actix_web::test]
async fn external_provider_tokens_and_algorithm_confusion() {
    let key = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/idp-public.pem");
    let app = TestApp::spawn_configured(TestDb::sqlite(), |args| {
        args.auth.jwt_public_key_file = Some(key.into());
    })
    .await;
    let ed = staff(&app, "Eve Editor", Role::Editor);
    let private = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/idp-private.pem"
    ))
    .expect("key");
    let public = std::fs::read(key).expect("key");
    let by_email = claims(ed.user.email.as_str(), "editor");
    let rs256 = encode(
        &Header::new(Algorithm::RS256),
        &by_email,
        &EncodingKey::from_rsa_pem(&private).expect("pem"),
    )
    .expect("signs");
    let me = app.graphql_as(&rs256, ME, json!({})).await.json();
    assert_eq!(data(&me, &["me", "role"]), "EDITOR");
    refused(&app, &hs256(&by_email, &public)).await;
}

async fn accounts_that_change_lose_their_tokens(app: TestApp) {
    let admin = staff(&app, "Ada Admin", Role::Administrator);
    let writer = staff(&app, "Wendy Writer", Role::Author);
    let id = super::global_id("Author", writer.user.id().0);
    let promote =
        "mutation($id: ID!) { updateUser(id: $id, input: { role: EDITOR }) { user { role } } }";
    let body = app
        .graphql_as(&admin.token, promote, json!({ "id": id }))
        .await
        .json();
    assert_eq!(data(&body, &["updateUser", "user", "role"]), "EDITOR");
    refused(&app, &writer.token).await;
    let other = staff(&app, "Oscar Other", Role::Contributor);
    let deactivate = "mutation($id: ID!) { deactivateUser(id: $id) { user { active } } }";
    let oid = super::global_id("Author", other.user.id().0);
    let body = app
        .graphql_as(&admin.token, deactivate, json!({ "id": oid }))
        .await
        .json();
    assert_eq!(data(&body, &["deactivateUser", "user", "active"]), false);
    refused(&app, &other.token).await;
    let login = app
        .graphql(
            LOGIN,
            json!({ "e": other.user.email.as_str(), "p": "correct horse battery" }),
        )
        .await
        .json();
    assert_eq!(
        code(&login),
        Some("UNAUTHENTICATED"),
        "deactivated accounts cannot sign in"
    );
}

/// Access tokens, preview links and sign-in delays end when the server's clock says, not the
/// system's: the server runs on a manual clock here, which the test moves past each limit.
async fn tokens_and_sign_in_delays_run_on_the_servers_clock(db: TestDb) {
    use chrono::TimeDelta;

    let app = TestApp::spawn_manual(db).await;
    let editor = staff(&app, "Eve Editor", Role::Editor);
    let body = login(&app, "eveeditor@example.com", "correct horse battery").await;
    let access = data(&body, &["login", "accessToken"])
        .as_str()
        .expect("access")
        .to_owned();
    let refresh = data(&body, &["login", "refreshToken"])
        .as_str()
        .expect("refresh")
        .to_owned();
    let draft = app
        .graphql_as(
            &editor.token,
            "mutation { createArticle(input: { title: \"Under wraps\", markdown: \"Soon.\" }) { article { previewToken } } }",
            json!({}),
        )
        .await
        .json();
    let preview = data(&draft, &["createArticle", "article", "previewToken"])
        .as_str()
        .expect("preview token")
        .to_owned();
    let previewed = async |app: &TestApp| {
        app.graphql(
            "query($t: String!) { preview(token: $t) { title } }",
            json!({ "t": preview }),
        )
        .await
        .json()
    };

    // Fifteen minutes and the 30 seconds of leeway: still good.
    app.advance(TimeDelta::minutes(15) + TimeDelta::seconds(30));
    let me = app.graphql_as(&access, ME, json!({})).await.json();
    assert_eq!(data(&me, &["me", "role"]), "EDITOR");
    // A second more: expired.
    app.advance(TimeDelta::seconds(1));
    refused(&app, &access).await;
    // The refresh token lives on, and the access token it gives is good now.
    let rotated = app.graphql(REFRESH, json!({ "t": refresh })).await.json();
    let fresh = data(&rotated, &["refreshToken", "accessToken"])
        .as_str()
        .expect("access")
        .to_owned();
    let me = app.graphql_as(&fresh, ME, json!({})).await.json();
    assert_eq!(data(&me, &["me", "role"]), "EDITOR");

    // A preview link lasts a week.
    let shown = previewed(&app).await;
    assert_eq!(data(&shown, &["preview", "title"]), "Under wraps");
    app.advance(TimeDelta::days(7));
    assert_eq!(code(&previewed(&app).await), Some("UNAUTHENTICATED"));

    // Wrong passwords: each attempt past the free ones waits, until the clock says.
    for _ in 0..4 {
        login(&app, "eveeditor@example.com", "not it").await;
    }
    let limited = login(&app, "eveeditor@example.com", "correct horse battery").await;
    assert_eq!(code(&limited), Some("RATE_LIMITED"), "{limited}");
    let wait = limited["errors"][0]["extensions"]["retryAfter"]
        .as_i64()
        .expect("retryAfter");
    app.advance(TimeDelta::seconds(wait) - TimeDelta::milliseconds(1));
    let early = login(&app, "eveeditor@example.com", "correct horse battery").await;
    assert_eq!(code(&early), Some("RATE_LIMITED"), "{early}");
    app.advance(TimeDelta::milliseconds(1));
    let signed_in = login(&app, "eveeditor@example.com", "correct horse battery").await;
    assert!(signed_in["errors"].is_null(), "{signed_in}");
}
