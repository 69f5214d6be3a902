//! Property tests of the `Authorization` header (the `fuzz_` tests; `PROPTEST_CASES` sets how
//! many cases): junk, schemes, and tokens properly signed, with our secret or an integration
//! key's, around claims meant to break the checks (extreme and mistyped times, audiences,
//! subjects, key ids).

use broadsheet_domain::author::Role;
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::{TestDb, UserBuilder};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

use broadsheet_service::identity::NotIdentified;

use super::{JwtConfig, Refused, Secret, Viewer, viewer};
use crate::keys::RateLimiter;

/// The application over `db`, as the server builds it.
fn service(db: &TestDb) -> broadsheet_service::Service {
    broadsheet_service::Service::new(
        db.store.clone(),
        broadsheet_domain::clock::Clock::default(),
        crate::webhooks::outbox::ContentApiBodies::shared(crate::site::SiteUrl::default()),
    )
}

const SECRET: [u8; 32] = [7; 32];

/// A time claim: near now, at the edges of its type, or not a number at all.
fn time(now: i64) -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (-400i64..400).prop_map(move |d| json!(now + d)),
        2 => select(vec![
            json!(i64::MIN),
            json!(i64::MIN + now),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(0),
            json!(-1),
            json!(1e300),
            json!(now as f64 + 0.5),
            json!("soon"),
            Value::Null,
        ]),
        1 => any::<i64>().prop_map(Value::from),
    ]
}

fn claims(now: i64, user: i64) -> impl Strategy<Value = Value> {
    let sub = select(vec![
        json!(user.to_string()),
        json!("ann@example.com"),
        json!("0"),
        json!("-1"),
        json!("9223372036854775808"),
        json!(user),
        json!(""),
    ]);
    let role = select(vec!["editor", "administrator", "author", "EDITOR", ""]);
    let audience = select(vec![
        json!("broadsheet"),
        json!(["broadsheet"]),
        json!(7),
        Value::Null,
    ]);
    (
        sub,
        role,
        time(now),
        time(now),
        proptest::option::of(time(now)),
        audience,
        any::<bool>(),
    )
        .prop_map(|(sub, role, iat, exp, nbf, aud, iss)| {
            let mut c = json!({ "sub": sub, "role": role, "iat": iat, "exp": exp, "aud": aud });
            if iss {
                c["iss"] = json!("broadsheet");
            }
            if let Some(nbf) = nbf {
                c["nbf"] = nbf;
            }
            c
        })
}

/// Claims of an integration token: mostly well formed (so that the checks after the
/// signature's run), each time claim sometimes at an edge.
fn ghost_claims(now: i64) -> impl Strategy<Value = Value> {
    let audience = prop_oneof![
        4 => Just(json!("/admin/")),
        1 => select(vec![
            json!("/v5.0/admin/"),
            json!(["x", "/admin/"]),
            json!("//admin/"),
            json!(7),
            Value::Null,
        ]),
    ];
    let exp = prop_oneof![
        3 => (-20i64..300).prop_map(move |d| json!(now + d)),
        1 => time(now),
    ];
    let iat = prop_oneof![1 => Just(None), 3 => time(now).prop_map(Some)];
    (audience, exp, iat).prop_map(|(aud, exp, iat)| {
        let mut c = json!({ "aud": aud, "exp": exp });
        if let Some(iat) = iat {
            c["iat"] = iat;
        }
        c
    })
}

fn sign(kid: Option<String>, claims: &Value, secret: &[u8]) -> String {
    let header = Header {
        kid,
        ..Header::new(Algorithm::HS256)
    };
    encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap_or_default()
}

/// Runs the property over `PROPTEST_CASES` headers (64 by default: each may read the database).
#[test]
fn fuzz_authorization_headers() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let db = TestDb::sqlite();
    let (user, key) = {
        let mut c = db.store.conn().expect("connection");
        let user = UserBuilder::new("Eve Editor")
            .role(Role::Editor)
            .create(&mut c);
        let key = broadsheet_service::keys::create_integration(
            &mut c,
            &broadsheet_persistence::secrets::Keyring::default(),
            "Wire",
            Role::Editor,
            1_000_000,
            broadsheet_domain::time::now(),
        )
        .expect("integration key")
        .credential;
        (user.id().0, key)
    };
    let (kid, secret) = key.split_once(':').expect("id:secret");
    let secret = crate::hex::decode(secret).expect("hex secret");
    let jwt = JwtConfig::new(Secret::new(SECRET.to_vec()).expect("long enough"));
    let limiter = RateLimiter::default();
    let service = service(&db);
    let at = now();
    let now = at.timestamp();

    let kid_strategy = prop_oneof![
        6 => Just(Some(kid.to_owned())),
        1 => Just(None),
        1 => select(vec!["", "zz", "0", "ffffffffffffffffffffffff"]).prop_map(|k| Some(k.to_owned())),
        1 => "[0-9a-f]{65}".prop_map(Some),
    ];
    let secret_strategy = prop_oneof![
        6 => Just(secret.clone()),
        1 => Just(SECRET.to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..40),
    ];
    let header = prop_oneof![
        1 => any::<String>(),
        1 => select(vec!["Bearer", "Bearer ", "bearer  x", "Basic YTpi", "Ghost ", "Ghost a.b.c", "BEARER x"])
            .prop_map(str::to_owned),
        1 => "[A-Za-z0-9_\\-]{0,20}\\.[A-Za-z0-9_\\-]{0,40}\\.[A-Za-z0-9_\\-]{0,20}"
            .prop_map(|t| format!("Bearer {t}")),
        3 => claims(now, user).prop_map(|c| format!("Bearer {}", sign(None, &c, &SECRET))),
        4 => (kid_strategy, ghost_claims(now), secret_strategy)
            .prop_map(|(kid, c, secret)| format!("Ghost {}", sign(kid, &c, &secret))),
    ];
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&header, |header| {
        let viewer = runtime.block_on(viewer(&service, &jwt, &limiter, Some(&header), at));
        match viewer {
            Ok(Viewer::Staff(u)) => prop_assert_eq!(u.role, Role::Editor),
            Ok(other) => prop_assert!(false, "a header is never {other:?}"),
            Err(Refused::Store | Refused::Nobody(NotIdentified::Store)) => {
                prop_assert!(false, "the store failed on {header:?}")
            }
            Err(_) => {}
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn an_integration_token_issued_at_the_end_of_time_is_refused() {
    // Found by fuzzing: `iat` near i64::MIN overflowed the lifetime check (a panic in debug
    // builds; in release it wrapped, and the check passed).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let db = TestDb::sqlite();
    let key = {
        let mut c = db.store.conn().expect("connection");
        broadsheet_service::keys::create_integration(
            &mut c,
            &broadsheet_persistence::secrets::Keyring::default(),
            "Wire",
            Role::Editor,
            1000,
            broadsheet_domain::time::now(),
        )
        .expect("integration key")
        .credential
    };
    let (kid, secret) = key.split_once(':').expect("id:secret");
    let secret = crate::hex::decode(secret).expect("hex secret");
    let jwt = JwtConfig::new(Secret::new(SECRET.to_vec()).expect("long enough"));
    let at = now();
    let now = at.timestamp();
    for iat in [i64::MIN, i64::MIN + now, i64::MIN + now + 100, i64::MAX] {
        let claims = json!({ "iat": iat, "exp": now + 60, "aud": "/admin/" });
        let header = format!("Ghost {}", sign(Some(kid.to_owned()), &claims, &secret));
        let result = runtime.block_on(viewer(
            &service(&db),
            &jwt,
            &RateLimiter::default(),
            Some(&header),
            at,
        ));
        assert!(
            matches!(result, Err(Refused::Token(_))),
            "iat {iat}: {result:?}"
        );
    }
}
