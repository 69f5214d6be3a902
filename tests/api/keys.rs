//! Partner keys: content keys (read-only, on the JSON Content API and GraphQL, rate-limited,
//! revocable) and integration keys (short-lived tokens signed Ghost's way, acting with a role).

use actix_web::http::StatusCode;
use broadsheet_domain::author::Role;
use broadsheet_domain::time::now;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::editorial::{code, staff};
use broadsheet_persistence::testing::TestDb;

use crate::helpers::{Reply, TestApp, db_tests};

db_tests!(
    administrators_manage_keys,
    content_keys_read_graphql_within_their_limit,
    integration_keys_act_with_their_role,
    forged_integration_tokens_are_refused,
);

const CREATE_CONTENT_KEY: &str = "mutation($name: String!, $limit: Int) {
    createContentKey(input: { name: $name, rateLimit: $limit }) {
        apiKey { id name kind rateLimit revokedAt } secret } }";
const CREATE_INTEGRATION_KEY: &str = "mutation($name: String!, $role: Role!, $limit: Int) {
    createIntegrationKey(input: { name: $name, role: $role, rateLimit: $limit }) {
        apiKey { id kind keyId role rateLimit } secret } }";
const REVOKE: &str = "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { revokedAt } } }";
const READ: &str = "{ articles(first: 1) { totalCount } }";

/// Makes a key as an administrator; returns (global id, secret).
async fn make_key(app: &TestApp, admin: &str, query: &str, variables: Value) -> (String, String) {
    let body = app.graphql_as(admin, query, variables).await.json();
    let payload = body["data"]
        .as_object()
        .and_then(|d| d.values().next())
        .unwrap_or_else(|| panic!("created: {body}"));
    (
        payload["apiKey"]["id"].as_str().expect("id").to_owned(),
        payload["secret"].as_str().expect("secret").to_owned(),
    )
}

async fn administrators_manage_keys(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = staff(&app, "Ada Admin", Role::Administrator);
    let editor = staff(&app, "Eve Editor", Role::Editor);
    let vars = json!({ "name": "Partner Times" });
    for token in [&editor.token] {
        let body = app
            .graphql_as(token, CREATE_CONTENT_KEY, vars.clone())
            .await
            .json();
        assert_eq!(code(&body), Some("FORBIDDEN"), "{body}");
        let body = app
            .graphql_as(token, "{ apiKeys { id } }", json!({}))
            .await
            .json();
        assert_eq!(code(&body), Some("FORBIDDEN"), "{body}");
    }
    let body = app.graphql("{ apiKeys { id } }", json!({})).await.json();
    assert_eq!(code(&body), Some("UNAUTHENTICATED"), "{body}");

    for (limit, field) in [(0, "rateLimit"), (-5, "rateLimit")] {
        let body = app
            .graphql_as(
                &admin.token,
                CREATE_CONTENT_KEY,
                json!({ "name": "x", "limit": limit }),
            )
            .await
            .json();
        assert_eq!(code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let body = app
        .graphql_as(&admin.token, CREATE_CONTENT_KEY, json!({ "name": "" }))
        .await
        .json();
    assert_eq!(code(&body), Some("BAD_USER_INPUT"), "{body}");

    let body = app
        .graphql_as(&admin.token, CREATE_CONTENT_KEY, vars)
        .await
        .json();
    let created = &body["data"]["createContentKey"];
    let secret = created["secret"].as_str().expect("secret");
    assert_eq!(secret.len(), 26, "{body}");
    assert!(secret.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(created["apiKey"]["kind"], "CONTENT");
    assert_eq!(created["apiKey"]["rateLimit"], 600, "the default limit");

    let (_, integration) = make_key(
        &app,
        &admin.token,
        CREATE_INTEGRATION_KEY,
        json!({ "name": "Wire", "role": "EDITOR" }),
    )
    .await;
    let (id, secret) = integration.split_once(':').expect("{id}:{secret}");
    assert_eq!((id.len(), secret.len()), (24, 64), "Ghost's key shape");

    // The list shows both, newest first, and never a secret.
    let reply = app
        .graphql_as(
            &admin.token,
            "{ apiKeys { name kind keyId role revokedAt lastUsedAt } }",
            json!({}),
        )
        .await;
    let text = String::from_utf8_lossy(&reply.body).into_owned();
    assert!(!text.contains(secret), "no secret in the list");
    let keys = reply.json()["data"]["apiKeys"].clone();
    assert_eq!(keys[0]["name"], "Wire");
    assert_eq!(keys[0]["role"], "EDITOR");
    assert_eq!(keys[0]["keyId"], id);
    assert_eq!(keys[1]["name"], "Partner Times");
    assert_eq!(keys[1]["kind"], "CONTENT");
    assert_eq!(keys[1]["keyId"], Value::Null);

    // Unknown and malformed ids.
    for bad in [
        crate::editorial::global_id("ApiKey", 999_999),
        "nonsense".to_owned(),
    ] {
        let body = app
            .graphql_as(&admin.token, REVOKE, json!({ "id": bad }))
            .await
            .json();
        assert!(
            matches!(code(&body), Some("NOT_FOUND" | "BAD_USER_INPUT")),
            "{body}"
        );
    }
    let tag_id = crate::editorial::global_id("Tag", 1);
    let body = app
        .graphql_as(&admin.token, REVOKE, json!({ "id": tag_id }))
        .await
        .json();
    assert_eq!(code(&body), Some("BAD_USER_INPUT"), "{body}");
}

async fn graphql_with_key(app: &TestApp, key: &str, query: &str) -> Reply {
    app.post_json(
        &format!("/graphql?key={key}"),
        &[("accept", "application/json")],
        &json!({ "query": query }).to_string(),
    )
    .await
}

async fn content_keys_read_graphql_within_their_limit(db: TestDb) {
    // On a manual clock: the limit's allowance comes back as time passes, which a slow run
    // must not see.
    let app = TestApp::spawn_manual(db).await;
    let admin = staff(&app, "Ada Admin", Role::Administrator);
    let (id, key) = make_key(
        &app,
        &admin.token,
        CREATE_CONTENT_KEY,
        json!({ "name": "Partner Times", "limit": 4 }),
    )
    .await;

    // Reads, by GET and by POST.
    let get = app
        .get_with(
            &format!("/graphql?key={key}&query={}", urlencode(READ)),
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(get.status, StatusCode::OK);
    assert_eq!(get.json()["data"]["articles"]["totalCount"], 0);
    let post = graphql_with_key(&app, &key, READ).await;
    assert_eq!(post.status, StatusCode::OK, "{}", post.json());

    // Read-only: a mutation is refused, and not counted.
    let mutation = graphql_with_key(
        &app,
        &key,
        "mutation { createTag(input: { name: \"x\" }) { tag { slug } } }",
    )
    .await;
    assert_eq!(mutation.status, StatusCode::FORBIDDEN);
    assert_eq!(code(&mutation.json()), Some("FORBIDDEN"));

    // One key, not two.
    let twice = graphql_with_key(&app, &format!("{key}&key={key}"), READ).await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);

    // Not both a key and credentials.
    let both = app
        .post_json(
            &format!("/graphql?key={key}"),
            &[
                ("accept", "application/json"),
                ("authorization", &format!("Bearer {}", admin.token)),
            ],
            &json!({ "query": READ }).to_string(),
        )
        .await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);

    // The same key on the JSON Content API counts against the same limit.
    let content = app
        .get(&format!("/ghost/api/content/posts/?key={key}"))
        .await;
    assert_eq!(content.status, StatusCode::OK);
    let fourth = graphql_with_key(&app, &key, READ).await;
    assert_eq!(fourth.status, StatusCode::OK);
    let limited = graphql_with_key(&app, &key, READ).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(code(&limited.json()), Some("RATE_LIMITED"));
    let retry: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry), "{retry}");

    // Use is recorded.
    let keys = app
        .graphql_as(&admin.token, "{ apiKeys { lastUsedAt } }", json!({}))
        .await
        .json();
    assert!(
        keys["data"]["apiKeys"][0]["lastUsedAt"].is_string(),
        "{keys}"
    );

    // Unknown, malformed and revoked keys are 401 (Content API: 403, as Ghost answers).
    for bad in ["0123456789abcdef0123456789", "not-a-key", "%00%ff"] {
        let reply = graphql_with_key(&app, bad, READ).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{bad}");
        assert_eq!(code(&reply.json()), Some("UNAUTHENTICATED"));
    }
    let (_, other) = make_key(
        &app,
        &admin.token,
        CREATE_CONTENT_KEY,
        json!({ "name": "Gone Gazette" }),
    )
    .await;
    assert_eq!(
        graphql_with_key(&app, &other, READ).await.status,
        StatusCode::OK
    );
    let (other_id, _) = {
        let keys = app
            .graphql_as(&admin.token, "{ apiKeys { id name } }", json!({}))
            .await
            .json();
        let found = keys["data"]["apiKeys"]
            .as_array()
            .expect("keys")
            .iter()
            .find(|k| k["name"] == "Gone Gazette")
            .expect("listed")
            .clone();
        (found["id"].as_str().expect("id").to_owned(), ())
    };
    assert_ne!(other_id, id);
    let revoked = app
        .graphql_as(&admin.token, REVOKE, json!({ "id": other_id }))
        .await
        .json();
    assert!(
        revoked["data"]["revokeApiKey"]["apiKey"]["revokedAt"].is_string(),
        "{revoked}"
    );
    assert_eq!(
        graphql_with_key(&app, &other, READ).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get(&format!("/ghost/api/content/posts/?key={other}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[derive(serde::Serialize)]
struct GhostClaims<'a> {
    iat: i64,
    exp: i64,
    aud: &'a str,
}

/// A token signed the way Ghost's Admin API clients sign them.
pub(crate) fn ghost_token(key: &str, iat: i64, exp: i64, aud: &str) -> String {
    let (id, secret) = key.split_once(':').expect("{id}:{secret}");
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(id.to_owned());
    let secret = broadsheet_api::hex::decode(secret).expect("hex secret");
    jsonwebtoken::encode(
        &header,
        &GhostClaims { iat, exp, aud },
        &EncodingKey::from_secret(&secret),
    )
    .expect("signed")
}

pub(crate) async fn as_integration(
    app: &TestApp,
    token: &str,
    query: &str,
    variables: Value,
) -> Reply {
    app.post_json(
        "/graphql",
        &[
            ("accept", "application/json"),
            ("authorization", &format!("Ghost {token}")),
        ],
        &json!({ "query": query, "variables": variables }).to_string(),
    )
    .await
}

async fn integration_keys_act_with_their_role(db: TestDb) {
    // On a manual clock: the limit's allowance comes back as time passes, which a slow run
    // must not see.
    let app = TestApp::spawn_manual(db).await;
    let admin = staff(&app, "Ada Admin", Role::Administrator);
    let (id, key) = make_key(
        &app,
        &admin.token,
        CREATE_INTEGRATION_KEY,
        json!({ "name": "Wire", "role": "AUTHOR", "limit": 6 }),
    )
    .await;
    let t = now().timestamp();
    let token = ghost_token(&key, t, t + 300, "/admin/");

    let me = as_integration(&app, &token, "{ me { role author { name } } }", json!({})).await;
    assert_eq!(me.status, StatusCode::OK);
    let me = me.json();
    assert_eq!(me["data"]["me"]["role"], "AUTHOR", "{me}");
    assert_eq!(me["data"]["me"]["author"]["name"], "Wire (integration)");
    // Not a person: the public author list leaves it out.
    let authors = app
        .graphql(
            "{ authors(first: 50) { totalCount edges { node { name } } } }",
            json!({}),
        )
        .await
        .json();
    // (Nor Ada: the public lists only people with something published.)
    assert_eq!(authors["data"]["authors"]["totalCount"], 0, "{authors}");

    // An author may publish their own article...
    let created = as_integration(
        &app,
        &token,
        "mutation { createArticle(input: { title: \"From the wire\", status: PUBLISHED }) { article { status } } }",
        json!({}),
    )
    .await
    .json();
    assert_eq!(
        created["data"]["createArticle"]["article"]["status"], "PUBLISHED",
        "{created}"
    );
    // ...but not manage staff.
    let refused = as_integration(
        &app,
        &token,
        "mutation { createTag(input: { name: \"x\" }) { tag { slug } } } ",
        json!({}),
    )
    .await
    .json();
    assert_eq!(
        refused["errors"],
        Value::Null,
        "authors create tags: {refused}"
    );
    let refused = as_integration(&app, &token, "{ apiKeys { id } }", json!({}))
        .await
        .json();
    assert_eq!(code(&refused), Some("FORBIDDEN"), "{refused}");

    // Older versioned audiences work too (Ghost's clients before v5).
    let versioned = ghost_token(&key, t, t + 300, "/v4/admin/");
    assert_eq!(
        as_integration(&app, &versioned, "{ me { role } }", json!({}))
            .await
            .status,
        StatusCode::OK
    );

    // The key's limit: 6 a minute, and 5 used.
    let limited = as_integration(&app, &token, "{ me { role } }", json!({})).await;
    assert_eq!(limited.status, StatusCode::OK);
    let limited = as_integration(&app, &token, "{ me { role } }", json!({})).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.header("retry-after").is_some());

    // Revoked: refused at once.
    let body = app
        .graphql_as(&admin.token, REVOKE, json!({ "id": id }))
        .await
        .json();
    assert!(body["errors"].is_null(), "{body}");
    let after = as_integration(&app, &token, "{ me { role } }", json!({})).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

async fn forged_integration_tokens_are_refused(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = staff(&app, "Ada Admin", Role::Administrator);
    let (_, key) = make_key(
        &app,
        &admin.token,
        CREATE_INTEGRATION_KEY,
        json!({ "name": "Wire", "role": "ADMINISTRATOR" }),
    )
    .await;
    let (id, _) = key.split_once(':').expect("key");
    let t = now().timestamp();
    let wrong_secret = format!("{id}:{}", "ab".repeat(32));
    let unknown_id = format!(
        "{}:{}",
        "cd".repeat(12),
        key.split_once(':').expect("key").1
    );
    let no_kid = {
        let secret = broadsheet_api::hex::decode(key.split_once(':').expect("key").1).expect("hex");
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &GhostClaims {
                iat: t,
                exp: t + 300,
                aud: "/admin/",
            },
            &EncodingKey::from_secret(&secret),
        )
        .expect("signed")
    };
    let hs512 = {
        let secret = broadsheet_api::hex::decode(key.split_once(':').expect("key").1).expect("hex");
        let mut header = Header::new(Algorithm::HS512);
        header.kid = Some(id.to_owned());
        jsonwebtoken::encode(
            &header,
            &GhostClaims {
                iat: t,
                exp: t + 300,
                aud: "/admin/",
            },
            &EncodingKey::from_secret(&secret),
        )
        .expect("signed")
    };
    let unsigned = {
        use base64::Engine as _;
        let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.",
            b64(json!({ "alg": "none", "typ": "JWT", "kid": id })),
            b64(json!({ "iat": t, "exp": t + 300, "aud": "/admin/" }))
        )
    };
    let forged = [
        (
            "wrong secret",
            ghost_token(&wrong_secret, t, t + 300, "/admin/"),
        ),
        (
            "unknown key",
            ghost_token(&unknown_id, t, t + 300, "/admin/"),
        ),
        ("expired", ghost_token(&key, t - 600, t - 300, "/admin/")),
        (
            "ten minutes ahead",
            ghost_token(&key, t, t + 600, "/admin/"),
        ),
        (
            "lives too long",
            ghost_token(&key, t - 200, t + 200, "/admin/"),
        ),
        (
            "issued in the future",
            ghost_token(&key, t + 3600, t + 3700, "/admin/"),
        ),
        (
            "content audience",
            ghost_token(&key, t, t + 300, "/content/"),
        ),
        ("our audience", ghost_token(&key, t, t + 300, "broadsheet")),
        ("no kid", no_kid),
        ("HS512", hs512),
        ("alg none", unsigned),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (what, token) in forged {
        let reply = as_integration(&app, &token, "{ me { role } }", json!({})).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(code(&reply.json()), Some("UNAUTHENTICATED"), "{what}");
    }
    // A Ghost token is not an access token, nor the reverse.
    let good = ghost_token(&key, t, t + 300, "/admin/");
    let reply = app.graphql_as(&good, "{ me { role } }", json!({})).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = as_integration(&app, &admin.token, "{ me { role } }", json!({})).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    // And the genuine one works.
    let reply = as_integration(&app, &good, "{ me { role } }", json!({})).await;
    assert_eq!(reply.json()["data"]["me"]["role"], "ADMINISTRATOR");
}

/// Replicas on one PostgreSQL database share a key's limit: two rate limiters (two replicas'
/// worth) admit at most the key's limit between them in a clock minute, then refuse until the
/// next minute; on SQLite each process counts alone (one process serves a SQLite file).
#[actix_web::test]
async fn replicas_share_a_keys_limit_on_postgres() {
    use broadsheet_api::keys::{KeyRefusal, RateLimiter, admit_key};
    use broadsheet_domain::clock::Clock;
    use chrono::{TimeDelta, TimeZone, Utc};

    let Some(db) = TestDb::postgres() else {
        return;
    };
    let start = Utc
        .with_ymd_and_hms(2030, 1, 1, 12, 0, 5)
        .single()
        .expect("an instant");
    let clock = Clock::manual(start);
    let key = {
        let mut c = db.store.conn().expect("connection");
        let credential = broadsheet_service::keys::create_content(&mut c, "Partner", 40, now())
            .expect("key")
            .credential;
        broadsheet_persistence::keys::content_key(&mut c, &broadsheet_api::keys::hash(&credential))
            .expect("read")
            .expect("live")
    };
    let replicas = [
        RateLimiter::new(clock.clone()),
        RateLimiter::new(clock.clone()),
    ];
    let mut admitted = 0;
    let mut refusals = Vec::new();
    for n in 0..100 {
        match admit_key(&db.store, &replicas[n % 2], &key).await {
            Ok(()) => admitted += 1,
            Err(refusal) => refusals.push(refusal),
        }
    }
    assert_eq!(
        admitted, 40,
        "the two replicas together admit the limit, once"
    );
    assert_eq!(
        refusals.first(),
        Some(&KeyRefusal::Limited(55)),
        "until the next minute"
    );
    // Once a replica has found the minute spent, refusing costs no more claims: one row,
    // claimed 20 times by the two replicas (2 each) and once more by each to find it spent.
    {
        let mut c = db.store.conn().expect("connection");
        let claimed = broadsheet_persistence::testing::raw::texts(
            &mut c,
            "SELECT used::text AS value FROM rate_windows",
        );
        assert_eq!(claimed, vec!["44".to_owned()]);
    }
    // The next minute, the key has its limit again.
    clock.advance(TimeDelta::seconds(60));
    for replica in &replicas {
        assert_eq!(admit_key(&db.store, replica, &key).await, Ok(()));
    }
}

/// Replicas on one PostgreSQL database share the anonymous limit of an address too: two
/// replicas' worth of limiters, asked in turn for a minute, admit the limit and the first
/// twentieth each replica admits without asking the database (without sharing, each would
/// admit its own limit: about 276 of the 590 asked here).
#[actix_web::test]
async fn replicas_share_the_anonymous_limit_on_postgres() {
    use broadsheet_api::client::Clients;
    use broadsheet_domain::clock::Clock;
    use chrono::{TimeDelta, TimeZone, Utc};

    let Some(db) = TestDb::postgres() else {
        return;
    };
    let start = Utc
        .with_ymd_and_hms(2030, 1, 1, 12, 0, 0)
        .single()
        .expect("an instant");
    let clock = Clock::manual(start);
    let replicas = [
        Clients::new(Vec::new(), 120, clock.clone()),
        Clients::new(Vec::new(), 120, clock.clone()),
    ];
    let reader: std::net::IpAddr = "203.0.113.7".parse().expect("an address");
    let mut admitted = 0;
    for n in 0..590 {
        clock.advance(TimeDelta::milliseconds(100));
        if replicas[n % 2]
            .admit_anonymous_everywhere(&db.store, Some(reader))
            .await
            .is_ok()
        {
            admitted += 1;
        }
    }
    // 120 claimed from the database, and up to 6 (a twentieth) free on each replica.
    assert!(
        (110..=132).contains(&admitted),
        "{admitted} admitted of a limit of 120 a minute"
    );
}
