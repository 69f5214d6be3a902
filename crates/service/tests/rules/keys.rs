//! API keys: administrators alone make, list and revoke them; a key's rate limit is between
//! 1 and 1,000,000 requests a minute.

use broadsheet_domain::author::Role;
use broadsheet_persistence::keys::KeyKind;
use broadsheet_service::ServiceError;
use broadsheet_service::keys::{DEFAULT_RATE_LIMIT, create_content};

use crate::harness::{World, service_tests};
use crate::matrix::{Any, No, Row, THEIRS, Who, check, rule};

// contributor, author, editor, administrator

/// Making, listing and revoking API keys (and webhooks).
const MANAGE_KEYS: Row = [No, No, No, Any];

service_tests!(
    managing_keys,
    rate_limits_are_bounded,
    a_key_revoked_twice_keeps_its_first_time
);

async fn managing_keys(w: &World) {
    let rule = rule(MANAGE_KEYS);
    check(w, "create a content key", &rule, THEIRS, async |c| {
        w.service
            .create_content_key(&c.actor, "Partner", None)
            .await
    })
    .await;
    check(w, "create an integration key", &rule, THEIRS, async |c| {
        let name = format!("Tool {}", w.unique());
        w.service
            .create_integration_key(&c.actor, &name, Role::Author, None)
            .await
    })
    .await;
    check(w, "list keys", &rule, THEIRS, async |c| {
        w.service.list_keys(&c.actor).await
    })
    .await;
    check(w, "revoke a key", &rule, THEIRS, async |c| {
        let key = create_content(&mut w.conn(), "Doomed", 10, w.clock.now()).expect("key");
        let revoked = w.service.revoke_key(&c.actor, key.key.id).await?;
        assert!(revoked.key.revoked_at.is_some());
        Ok(revoked)
    })
    .await;
}

async fn rate_limits_are_bounded(w: &World) {
    let admin = w.actor(Who::Staff(Role::Administrator));
    for (limit, expected) in [
        (None, Some(DEFAULT_RATE_LIMIT)),
        (Some(1), Some(1)),
        (Some(1_000_000), Some(1_000_000)),
        (Some(0), None),
        (Some(-1), None),
        (Some(1_000_001), None),
        (Some(i64::from(u32::MAX) + 1), None),
        (Some(i64::MAX), None),
    ] {
        let content = w.service.create_content_key(&admin, "Partner", limit).await;
        let name = format!("Tool {}", w.unique());
        let integration = w
            .service
            .create_integration_key(&admin, &name, Role::Editor, limit)
            .await;
        for (kind, made) in [
            (KeyKind::Content, content),
            (KeyKind::Integration, integration),
        ] {
            match (expected, made) {
                (Some(expected), Ok(issued)) => {
                    assert_eq!(issued.key.kind, kind);
                    assert_eq!(issued.key.rate_limit, expected, "{kind:?} {limit:?}");
                }
                (None, Err(ServiceError::Invalid(e))) => assert_eq!(e.field, "rateLimit"),
                (_, other) => panic!("{kind:?} key limited to {limit:?}: {other:?}"),
            }
        }
    }
    // Refused ones left nothing behind: no key, and no integration account.
    let keys = w.service.list_keys(&admin).await.expect("listed");
    assert_eq!(keys.len(), 6, "three limits accepted, two kinds each");
}

/// A revocation is when a key stopped working: revoking it again does not move it.
async fn a_key_revoked_twice_keeps_its_first_time(w: &World) {
    let admin = w.actor(Who::Staff(Role::Administrator));
    let key = create_content(&mut w.conn(), "Doomed", 10, w.clock.now()).expect("key");
    let first = w
        .service
        .revoke_key(&admin, key.key.id)
        .await
        .expect("revoked");
    w.clock.advance(chrono::TimeDelta::hours(1));
    let again = w
        .service
        .revoke_key(&admin, key.key.id)
        .await
        .expect("revoked");
    assert!(first.key.revoked_at.is_some());
    assert_eq!(again.key.revoked_at, first.key.revoked_at);
    let unknown = w
        .service
        .revoke_key(
            &admin,
            broadsheet_domain::ids::ApiKeyId(key.key.id.0 + 1000),
        )
        .await;
    assert!(unknown.is_err(), "{unknown:?}");
}
