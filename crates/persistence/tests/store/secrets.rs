//! Secrets at rest: sealed with the master key, bound to their rows, re-sealed on rotation,
//! and refused when their key is missing.

use broadsheet_domain::author::Role;
use broadsheet_domain::ids::WebhookId;
use broadsheet_domain::time::now;
use broadsheet_domain::webhook::{NewWebhook, WebhookEvent};
use broadsheet_persistence::secrets::{self, Keyring, MasterKey, SecretError, Unreadable};
use broadsheet_persistence::testing::{TestDb, UserBuilder, raw};
use broadsheet_persistence::{AnyConnection, backend_tests, keys, settings, webhooks};
use zeroize::Zeroizing;

backend_tests!(
    secrets_are_stored_sealed_and_bound_to_their_rows,
    reseal_seals_plaintext_and_moves_to_a_new_key,
);

const HOOK_SECRET: &str = "whsec-0123456789-abcdef";
const KEY_SECRET: &str = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7";
const JWT_SECRET: &str = "a-generated-signing-secret-of-64-hex-digits-or-so-0123456789abcd";

fn key(byte: u8) -> MasterKey {
    MasterKey::from_bytes(Zeroizing::new([byte; 32]))
}

/// A webhook, an integration key and the signing secret, stored with `keyring`.
fn store_secrets(c: &mut AnyConnection, keyring: &Keyring) -> WebhookId {
    let hook = NewWebhook::parse(
        "https://hooks.example.com/a",
        HOOK_SECRET,
        &[WebhookEvent::TagCreated],
    )
    .expect("valid");
    let hook = webhooks::create(c, keyring, &hook, now()).expect("hook").id;
    let user = UserBuilder::new("Wire Service")
        .role(Role::Editor)
        .create(c);
    keys::create_integration(
        c,
        keyring,
        "Wire",
        "0123abcd",
        KEY_SECRET,
        user.id(),
        60,
        now(),
    )
    .expect("key");
    let jwt = settings::get_or_insert_secret(c, keyring, settings::JWT_SECRET, now(), || {
        JWT_SECRET.to_owned()
    })
    .expect("signing secret");
    assert_eq!(jwt, JWT_SECRET);
    hook
}

fn stored(c: &mut AnyConnection) -> Vec<String> {
    let mut all = raw::texts(c, "SELECT secret AS value FROM webhooks ORDER BY id");
    all.extend(raw::texts(c, "SELECT secret AS value FROM api_keys"));
    all.extend(raw::texts(
        c,
        "SELECT value FROM settings WHERE key = 'jwt_secret'",
    ));
    all
}

/// The secrets read through the store's functions.
fn read_back(c: &mut AnyConnection, keyring: &Keyring) {
    let keys::IntegrationKey { secret, .. } = keys::integration_key(c, keyring, "0123abcd")
        .expect("read")
        .expect("live key");
    assert_eq!(secret, KEY_SECRET);
    let jwt = settings::get_or_insert_secret(c, keyring, settings::JWT_SECRET, now(), || {
        "not this one".to_owned()
    })
    .expect("signing secret");
    assert_eq!(jwt, JWT_SECRET);
}

fn secrets_are_stored_sealed_and_bound_to_their_rows(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let keyring = Keyring::new(key(1), None);
    let first = store_secrets(&mut c, &keyring);
    let at_rest = stored(&mut c);
    assert_eq!(at_rest.len(), 3);
    for value in &at_rest {
        assert!(
            value.starts_with(&format!("enc:v1:{}:", key(1).id())),
            "{value}"
        );
        for secret in [HOOK_SECRET, KEY_SECRET, JWT_SECRET] {
            assert!(!value.contains(secret), "{secret} in plaintext");
        }
    }
    read_back(&mut c, &keyring);

    // A second webhook given the first one's sealed secret: it does not open there.
    let hook = NewWebhook::parse(
        "https://hooks.example.com/b",
        "another-secret-of-enough-length",
        &[WebhookEvent::TagCreated],
    )
    .expect("valid");
    let second = webhooks::create(&mut c, &keyring, &hook, now())
        .expect("hook")
        .id;
    raw::execute(
        &mut c,
        &format!(
            "UPDATE webhooks SET secret = (SELECT secret FROM webhooks WHERE id = {first}) WHERE id = {second}"
        ),
    );
    webhooks::record(&mut c, WebhookEvent::TagCreated, "e1", "{}", now()).expect("record");
    let mut due = webhooks::claim_due(&mut c, &keyring, now(), now(), 10, 5).expect("claim");
    due.sort_by_key(|d| d.webhook);
    assert_eq!(due[0].secret.as_deref(), Ok(HOOK_SECRET));
    assert_eq!(
        due[1].secret,
        Err(SecretError::Undecryptable(key(1).id().to_owned()))
    );
    // Without the key, the sealed secret is an error, not taken for plaintext.
    let refused = keys::integration_key(&mut c, &Keyring::default(), "0123abcd");
    assert!(refused.is_err());
}

fn reseal_seals_plaintext_and_moves_to_a_new_key(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let none = Keyring::default();
    store_secrets(&mut c, &none);
    assert_eq!(
        stored(&mut c),
        vec![HOOK_SECRET, KEY_SECRET, JWT_SECRET],
        "without a master key, as before"
    );
    assert_eq!(secrets::reseal(&mut c, &none).expect("reseal"), Ok(0));
    assert!(!secrets::any_sealed(&mut c).expect("scan"));

    // A master key seals what was plaintext, once.
    let a = Keyring::new(key(1), None);
    assert_eq!(secrets::reseal(&mut c, &a).expect("reseal"), Ok(3));
    assert_eq!(secrets::reseal(&mut c, &a).expect("reseal"), Ok(0));
    assert!(secrets::any_sealed(&mut c).expect("scan"));
    let sealed_a = stored(&mut c);
    assert!(
        sealed_a.iter().all(|v| v.contains(key(1).id())),
        "{sealed_a:?}"
    );
    read_back(&mut c, &a);

    // Rotation: B with A as the old key re-seals everything under B.
    let rotating = Keyring::new(key(2), Some(key(1)));
    assert_eq!(secrets::reseal(&mut c, &rotating).expect("reseal"), Ok(3));
    let sealed_b = stored(&mut c);
    assert!(
        sealed_b.iter().all(|v| v.contains(key(2).id())),
        "{sealed_b:?}"
    );
    let b = Keyring::new(key(2), None);
    read_back(&mut c, &b);
    assert_eq!(secrets::reseal(&mut c, &b).expect("reseal"), Ok(0));

    // The wrong key, or none, is refused and changes nothing.
    let unreadable = secrets::reseal(&mut c, &a)
        .expect("reseal")
        .expect_err("not B");
    assert_eq!(
        unreadable.error,
        SecretError::UnknownKey(key(2).id().to_owned())
    );
    assert!(matches!(
        secrets::reseal(&mut c, &none).expect("reseal"),
        Err(Unreadable {
            error: SecretError::NoKey(_),
            ..
        })
    ));
    assert_eq!(stored(&mut c), sealed_b);
}
