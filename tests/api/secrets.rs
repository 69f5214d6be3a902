//! Secrets at rest: with a master key, the integration key secrets, webhook secrets and the
//! generated signing secret are stored sealed, yet keep working across restarts; a rotation
//! re-seals them under the new key; and a server without the key that sealed them does not
//! start.

use std::path::{Path, PathBuf};
use std::time::Duration;

use actix_web::http::StatusCode;
use broadsheet::cli::ServeArgs;
use broadsheet_domain::author::Role;
use broadsheet_domain::time::now;
use broadsheet_persistence::secrets::MasterKey;
use broadsheet_persistence::testing::{TestDb, raw};
use serde_json::{Value, json};

use crate::editorial::staff;
use crate::helpers::{TestApp, db_tests};
use crate::keys::{as_integration, ghost_token};
use crate::webhooks::{Receiver, assert_signed};

db_tests!(
    secrets_are_sealed_at_rest_and_keep_working,
    a_rotation_reseals_under_the_new_key,
);

// `openssl rand -base64 32`, twice.
const KEY_A: &str = "q0N4Y2tW3mJ9r8s1T6fZ0bV5uE7xH2cL4pK9wD3nA1g=";
const KEY_B: &str = "7fX2mQ9vL1cR8tY4uB6nH3kJ0sD5wE2aG9pZ1oV4iTs=";
const HOOK_SECRET: &str = "whsec-at-rest-0123456789";

fn key_file(dir: &Path, name: &str, key: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{key}\n")).expect("key file");
    path
}

fn key_id(key: &str) -> String {
    MasterKey::parse(key).expect("a key").id().to_owned()
}

/// A server with no configured signing secret (so it generates and keeps one), delivering
/// webhooks to local receivers, with these master keys.
fn configured(current: Option<&Path>, old: Option<&Path>) -> impl FnOnce(&mut ServeArgs) {
    with_delivery(current, old, true)
}

/// [`configured`], delivering webhooks or not. (A stopped test server's delivery worker
/// lives on in the test's runtime, with the keys it had: where the keys change, only the
/// last server delivers.)
fn with_delivery(
    current: Option<&Path>,
    old: Option<&Path>,
    deliver: bool,
) -> impl FnOnce(&mut ServeArgs) {
    let (current, old) = (current.map(Path::to_owned), old.map(Path::to_owned));
    move |args| {
        args.auth.jwt_secret = None;
        args.secrets.master_key_file = current;
        args.secrets.master_key_old_file = old;
        args.webhooks.webhook_delivery = broadsheet::cli::WebhookDelivery(deliver);
        args.webhooks.webhook_allow_private = broadsheet::cli::WebhookAllowPrivate(true);
        args.webhooks.webhook_timeout = Duration::from_secs(3);
        args.webhooks.webhook_retry_base = Duration::from_secs(1);
    }
}

/// What the tests use the secrets with: a staff session signed by the server's own secret,
/// an integration key, and a webhook with its receiver.
struct Secrets {
    session: String,
    integration: String,
    receiver: Receiver,
    published: usize,
}

async fn make_secrets(app: &TestApp) -> Secrets {
    staff(app, "Ada Admin", Role::Administrator);
    let login = app
        .graphql(
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
            json!({ "e": "adaadmin@example.com", "p": "correct horse battery" }),
        )
        .await
        .json();
    let session = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("signed in: {login}"))
        .to_owned();
    let key = app
        .graphql_as(
            &session,
            "mutation { createIntegrationKey(input: { name: \"Wire\", role: EDITOR }) { secret } }",
            json!({}),
        )
        .await
        .json();
    let integration = key["data"]["createIntegrationKey"]["secret"]
        .as_str()
        .unwrap_or_else(|| panic!("key made: {key}"))
        .to_owned();
    let receiver = Receiver::start();
    let hook = app
        .graphql_as(
            &session,
            "mutation($url: String!, $secret: String!) { createWebhook(input: { url: $url,
                secret: $secret, events: [ARTICLE_PUBLISHED] }) { webhook { id } } }",
            json!({ "url": receiver.url, "secret": HOOK_SECRET }),
        )
        .await
        .json();
    assert!(hook["errors"].is_null(), "{hook}");
    Secrets {
        session,
        integration,
        receiver,
        published: 0,
    }
}

/// The session still signs in, the integration key's tokens are accepted, and (if the server
/// delivers) every delivery so far is signed with the webhook's plain secret.
async fn everything_works(app: &TestApp, secrets: &mut Secrets, delivering: bool) {
    let me = app
        .graphql_as(&secrets.session, "{ me { email } }", json!({}))
        .await
        .json();
    assert_eq!(me["data"]["me"]["email"], "adaadmin@example.com", "{me}");
    let t = now().timestamp();
    let token = ghost_token(&secrets.integration, t, t + 300, "/admin/");
    let title = format!("Story {}", secrets.published + 1);
    let created = as_integration(
        app,
        &token,
        "mutation($t: String!) { createArticle(input: { title: $t, status: PUBLISHED }) { article { title } } }",
        json!({ "t": title }),
    )
    .await;
    assert_eq!(created.status, StatusCode::OK);
    let created = created.json();
    assert_eq!(
        created["data"]["createArticle"]["article"]["title"], title,
        "{created}"
    );
    secrets.published += 1;
    if !delivering {
        return;
    }
    app.deliver_webhooks().await;
    let got = secrets.receiver.got(secrets.published);
    for delivery in &got {
        assert_signed(delivery, HOOK_SECRET, app.clock.now());
    }
    let titles: Vec<Value> = got
        .iter()
        .map(|d| d.json()["data"]["article"]["title"].clone())
        .collect();
    assert!(titles.contains(&json!(title)), "{titles:?}");
}

/// The secrets as the database holds them.
fn at_rest(db: &TestDb) -> Vec<String> {
    let mut c = db.store.conn().expect("connection");
    let mut all = raw::texts(&mut c, "SELECT secret AS value FROM webhooks");
    all.extend(raw::texts(&mut c, "SELECT secret AS value FROM api_keys"));
    all.extend(raw::texts(
        &mut c,
        "SELECT value FROM settings WHERE key = 'jwt_secret'",
    ));
    all
}

fn assert_sealed_with(db: &TestDb, key: &str, secrets: &Secrets) {
    let stored = at_rest(db);
    assert_eq!(stored.len(), 3, "{stored:?}");
    let (_, integration_secret) = secrets.integration.split_once(':').expect("id:secret");
    for value in &stored {
        assert!(
            value.starts_with(&format!("enc:v1:{}:", key_id(key))),
            "sealed with {}: {value}",
            key_id(key)
        );
        assert!(!value.contains(HOOK_SECRET) && !value.contains(integration_secret));
    }
}

async fn secrets_are_sealed_at_rest_and_keep_working(db: TestDb) {
    let dir = tempfile::tempdir().expect("directory");
    let a = key_file(dir.path(), "a.key", KEY_A);
    let app = TestApp::spawn_configured(db, configured(Some(&a), None)).await;
    let mut secrets = make_secrets(&app).await;
    everything_works(&app, &mut secrets, true).await;
    assert_sealed_with(&app.db, KEY_A, &secrets);

    // Restarted with the same key: the session, the key and the webhook still work.
    let app = app.restart(configured(Some(&a), None)).await;
    everything_works(&app, &mut secrets, true).await;
    assert_sealed_with(&app.db, KEY_A, &secrets);
}

async fn a_rotation_reseals_under_the_new_key(db: TestDb) {
    let dir = tempfile::tempdir().expect("directory");
    let (a, b) = (
        key_file(dir.path(), "a.key", KEY_A),
        key_file(dir.path(), "b.key", KEY_B),
    );
    // Made before there was a master key: plaintext, as before.
    let app = TestApp::spawn_configured(db, with_delivery(None, None, false)).await;
    let mut secrets = make_secrets(&app).await;
    everything_works(&app, &mut secrets, false).await;
    let (_, integration_secret) = secrets.integration.split_once(':').expect("id:secret");
    let plain = at_rest(&app.db);
    assert!(
        plain.iter().any(|v| v == HOOK_SECRET) && plain.iter().any(|v| v == integration_secret)
    );

    // A master key seals them at startup.
    let app = app.restart(with_delivery(Some(&a), None, false)).await;
    assert_sealed_with(&app.db, KEY_A, &secrets);
    everything_works(&app, &mut secrets, false).await;

    // Rotation: B, with A as the old key, re-seals everything under B...
    let app = app.restart(with_delivery(Some(&b), Some(&a), false)).await;
    assert_sealed_with(&app.db, KEY_B, &secrets);
    everything_works(&app, &mut secrets, false).await;
    // ...and then A can go: every delivery queued on the way is signed with the secret.
    let app = app.restart(configured(Some(&b), None)).await;
    everything_works(&app, &mut secrets, true).await;
    let sealed = at_rest(&app.db);

    // Without the key that sealed them, the server does not start, and says what to give.
    let db = app.stop().await;
    let (db, error) = refused(db, configured(Some(&a), None)).await;
    assert!(
        error.contains(&key_id(KEY_B)) && error.contains("--master-key-old-file"),
        "{error}"
    );
    let (db, error) = refused(db, configured(None, None)).await;
    assert!(error.contains("--master-key-file"), "{error}");
    assert!(!error.contains('\n'));
    assert_eq!(at_rest(&db), sealed, "nothing changed");
}

async fn refused(db: TestDb, configure: impl FnOnce(&mut ServeArgs)) -> (TestDb, String) {
    match TestApp::try_spawn_configured(db, configure).await {
        Ok(_) => panic!("started without the key"),
        Err((db, error)) => (db, format!("{error:#}")),
    }
}
