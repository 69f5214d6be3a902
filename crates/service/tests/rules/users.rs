//! Who may manage whose account: editors manage contributors and authors, administrators
//! anyone; everyone edits their own profile and password; nobody changes their own role or
//! deactivates themselves; a password is set for others, never for oneself.

use broadsheet_domain::author::{ProfileInput, Role, UserInput};
use broadsheet_persistence::sessions;
use broadsheet_persistence::testing::UserBuilder;
use broadsheet_service::{ServiceError, ServiceResult};
use chrono::TimeDelta;

use crate::harness::{World, service_tests};
use crate::matrix::{Any, MINE, No, Outcome, Own, Row, THEIRS, Who, check, rule};

// contributor, author, editor, administrator

/// Managing (creating, changing, deactivating) contributors and authors, or giving those
/// roles.
const MANAGE_WRITERS: Row = [No, No, Any, Any];
/// Managing editors and administrators, or giving those roles.
const MANAGE_ADMINS: Row = [No, No, No, Any];
/// Editing one's own profile or password (administrators: anyone's profile).
const EDIT_PROFILE: Row = [Own, Own, Own, Any];

/// The rule for managing an account of `role`.
fn managing(role: Role) -> Row {
    match role {
        Role::Contributor | Role::Author => MANAGE_WRITERS,
        Role::Editor | Role::Administrator => MANAGE_ADMINS,
    }
}

service_tests!(
    an_integrations_account_gets_no_password,
    reactivating_an_active_account_keeps_its_tokens,
    creating_accounts,
    changing_others_profiles,
    changing_ones_own_profile,
    changing_roles,
    nobody_changes_their_own_role,
    deactivating_and_reactivating,
    nobody_deactivates_themselves,
    setting_passwords,
    nobody_sets_their_own_password,
    changing_ones_own_password,
    deactivated_staff_may_do_nothing,
    a_change_of_standing_ends_sessions,
);

fn profile(name: &str) -> ProfileInput {
    ProfileInput {
        name: name.to_owned(),
        ..ProfileInput::default()
    }
}

async fn creating_accounts(w: &World) {
    for role in Role::ALL {
        let use_case = format!("create an account of role {}", role.as_str());
        check(w, &use_case, &rule(managing(role)), THEIRS, async |c| {
            let n = w.unique();
            let input = UserInput {
                profile: profile(&format!("Hire {n}")),
                email: format!("hire{n}@example.com"),
                role,
                password: None,
            };
            w.service.create_user(&c.actor, input).await
        })
        .await;
    }
}

async fn changing_others_profiles(w: &World) {
    for role in Role::ALL {
        let use_case = format!("change the profile of someone of role {}", role.as_str());
        check(w, &use_case, &rule(managing(role)), THEIRS, async |c| {
            let target = w.user(role);
            let new = profile(&format!("Renamed {}", w.unique()));
            w.service
                .update_user(&c.actor, target.id(), None, Some(new))
                .await
        })
        .await;
    }
}

async fn changing_ones_own_profile(w: &World) {
    // Through the account's id (as an administrator manages anyone's).
    check(
        w,
        "change one's own profile by id",
        &rule(EDIT_PROFILE),
        MINE,
        async |c| {
            let new = profile(&format!("Renamed {}", w.unique()));
            w.service
                .update_user(&c.actor, c.owner.id(), None, Some(new))
                .await
        },
    )
    .await;
    // Through "my profile": only a person has one.
    let only_people = rule(EDIT_PROFILE).system(Outcome::Unauthenticated);
    check(
        w,
        "change one's own profile",
        &only_people,
        MINE,
        async |c| {
            let new = profile(&format!("Renamed {}", w.unique()));
            w.service.update_profile(&c.actor, new).await
        },
    )
    .await;
}

async fn changing_roles(w: &World) {
    // Both the old role and the new one must be the actor's to manage.
    for (from, to, row) in [
        (Role::Contributor, Role::Author, MANAGE_WRITERS),
        (Role::Author, Role::Contributor, MANAGE_WRITERS),
        (Role::Author, Role::Editor, MANAGE_ADMINS),
        (Role::Editor, Role::Author, MANAGE_ADMINS),
        (Role::Editor, Role::Administrator, MANAGE_ADMINS),
        (Role::Administrator, Role::Editor, MANAGE_ADMINS),
    ] {
        let use_case = format!(
            "change someone's role from {} to {}",
            from.as_str(),
            to.as_str()
        );
        check(w, &use_case, &rule(row), THEIRS, async |c| {
            let target = w.user(from);
            let changed = w
                .service
                .update_user(&c.actor, target.id(), Some(to), None)
                .await?;
            assert_eq!(changed.role, to);
            Ok(changed)
        })
        .await;
    }
}

async fn nobody_changes_their_own_role(w: &World) {
    for role in Role::ALL {
        for to in Role::ALL.into_iter().filter(|r| *r != role) {
            let me = w.actor(Who::Staff(role));
            let result = w
                .service
                .update_user(&me, w.staff(role).id(), Some(to), None)
                .await;
            // An administrator may manage every role, so the rule itself says no; the others
            // are already refused by their role.
            match (role, result) {
                (Role::Administrator, Err(ServiceError::Invalid(e))) => assert_eq!(e.field, "role"),
                (
                    Role::Contributor | Role::Author | Role::Editor,
                    Err(ServiceError::Forbidden(_)),
                ) => {}
                (_, other) => panic!("{role:?} changing own role to {to:?}: {other:?}"),
            }
        }
        let stored = w.reload_user(w.staff(role).id());
        assert_eq!(stored.role, role, "{role:?} keeps their role");
    }
    // Naming one's own role unchanged is no change.
    let admin = w.actor(Who::Staff(Role::Administrator));
    let me = w.staff(Role::Administrator).id();
    let same = w
        .service
        .update_user(
            &admin,
            me,
            Some(Role::Administrator),
            Some(profile("Still Me")),
        )
        .await
        .expect("no change of role");
    assert_eq!(same.role, Role::Administrator);
    // Whatever the role: a profile form that always sends the role along is a profile edit.
    for role in Role::ALL {
        let me = w.actor(Who::Staff(role));
        let saved = w
            .service
            .update_user(
                &me,
                w.staff(role).id(),
                Some(role),
                Some(profile(&format!("Myself {}", w.unique()))),
            )
            .await
            .unwrap_or_else(|e| panic!("{role:?} editing own profile with own role: {e:?}"));
        assert_eq!(saved.role, role);
    }
}

async fn deactivating_and_reactivating(w: &World) {
    for role in Role::ALL {
        let use_case = format!("deactivate someone of role {}", role.as_str());
        check(w, &use_case, &rule(managing(role)), THEIRS, async |c| {
            let target = w.user(role);
            let done = w.service.deactivate_user(&c.actor, target.id()).await?;
            assert!(!done.active);
            Ok(done)
        })
        .await;

        let use_case = format!("reactivate someone of role {}", role.as_str());
        check(w, &use_case, &rule(managing(role)), THEIRS, async |c| {
            let target = w.deactivated(role);
            let done = w.service.reactivate_user(&c.actor, target.id()).await?;
            assert!(done.active);
            Ok(done)
        })
        .await;
    }
}

async fn nobody_deactivates_themselves(w: &World) {
    for role in Role::ALL {
        let me = w.actor(Who::Staff(role));
        let result = w.service.deactivate_user(&me, w.staff(role).id()).await;
        match (role, result) {
            (Role::Administrator, Err(ServiceError::Invalid(e))) => assert_eq!(e.field, "id"),
            (Role::Contributor | Role::Author | Role::Editor, Err(ServiceError::Forbidden(_))) => {}
            (_, other) => panic!("{role:?} deactivating themselves: {other:?}"),
        }
        assert!(
            w.reload_user(w.staff(role).id()).active,
            "{role:?} still active"
        );
    }
}

async fn setting_passwords(w: &World) {
    for role in Role::ALL {
        let use_case = format!("set the password of someone of role {}", role.as_str());
        check(w, &use_case, &rule(managing(role)), THEIRS, async |c| {
            let target = w.user(role);
            let done = w
                .service
                .set_password(&c.actor, target.id(), "a long enough password")
                .await?;
            assert!(done.password_hash.is_some());
            Ok(done)
        })
        .await;
    }
}

async fn nobody_sets_their_own_password(w: &World) {
    for role in Role::ALL {
        let me = w.actor(Who::Staff(role));
        let result = w
            .service
            .set_password(&me, w.staff(role).id(), "a long enough password")
            .await;
        // Refused as input for everyone (one's own password needs the current one).
        match result {
            Err(ServiceError::Invalid(e)) => assert_eq!(e.field, "id"),
            other => panic!("{role:?} setting own password: {other:?}"),
        }
        assert!(w.reload_user(w.staff(role).id()).password_hash.is_none());
    }
}

async fn changing_ones_own_password(w: &World) {
    // The staff here have no password, so a permitted attempt gets as far as checking the
    // current one and fails there: that is the policy passed, without argon2 for each cell.
    let only_people = rule(EDIT_PROFILE).system(Outcome::Unauthenticated);
    check(
        w,
        "change one's own password",
        &only_people,
        MINE,
        async |c| {
            let result: ServiceResult<()> = w
                .service
                .change_password(&c.actor, "not the password", "a new long password", None)
                .await;
            match result {
                Err(ServiceError::Invalid(e)) if e.field == "currentPassword" => Ok(()),
                other => other,
            }
        },
    )
    .await;

    // And once for real.
    let user = UserBuilder::new("Has Password")
        .role(Role::Contributor)
        .password("the old long password")
        .create(&mut w.conn());
    let actor = broadsheet_service::Actor::staff(user.clone());
    w.service
        .change_password(
            &actor,
            "the old long password",
            "the new long password",
            None,
        )
        .await
        .expect("changed");
    let stored = w.reload_user(user.id());
    let hash = stored.password_hash.expect("a password");
    assert!(hash.verify("the new long password"));
    assert!(
        stored.token_version > user.token_version,
        "old access tokens end"
    );
}

async fn deactivated_staff_may_do_nothing(w: &World) {
    // Even an administrator, once deactivated (a token issued before may still name them).
    for role in Role::ALL {
        let gone = broadsheet_service::Actor::staff(w.deactivated(role));
        let tag = w.tag();
        assert!(matches!(
            w.service.delete_tag(&gone, tag.id).await,
            Err(ServiceError::Forbidden(_))
        ));
        let input = UserInput {
            profile: profile("Nobody"),
            email: format!("nobody{}@example.com", w.unique()),
            role: Role::Contributor,
            password: None,
        };
        assert!(matches!(
            w.service.create_user(&gone, input).await,
            Err(ServiceError::Forbidden(_))
        ));
        assert!(matches!(
            w.service.list_keys(&gone).await,
            Err(ServiceError::Forbidden(_))
        ));
    }
}

/// Deactivating an account, changing its role or its password ends its sessions at once.
async fn a_change_of_standing_ends_sessions(w: &World) {
    let admin = w.actor(Who::Staff(Role::Administrator));
    let ttl = TimeDelta::days(30);
    for (n, change) in ["nothing", "deactivate", "role", "password"]
        .into_iter()
        .enumerate()
    {
        let user = w.user(Role::Author);
        let token = format!("refresh-token-{n}");
        sessions::create(
            &mut w.conn(),
            user.id(),
            &broadsheet_service::sessions::hash_token(&token),
            &format!("family-{n}"),
            w.clock.now(),
            w.clock.now() + ttl,
        )
        .expect("session");
        let s = &w.service;
        match change {
            "deactivate" => drop(s.deactivate_user(&admin, user.id()).await.expect("done")),
            "role" => drop(
                s.update_user(&admin, user.id(), Some(Role::Editor), None)
                    .await
                    .expect("done"),
            ),
            "password" => drop(
                s.set_password(&admin, user.id(), "a long enough password")
                    .await
                    .expect("done"),
            ),
            _ => {}
        }
        let refreshed = s.refresh_session(&token, ttl).await;
        if change == "nothing" {
            assert!(refreshed.is_ok(), "the session lives on: {refreshed:?}");
        } else {
            assert!(
                matches!(refreshed, Err(ServiceError::Unauthenticated(_))),
                "after {change}, the session has ended: {refreshed:?}"
            );
        }
    }
}

/// An integration signs with its key: its account is never given a password.
async fn an_integrations_account_gets_no_password(w: &World) {
    let admin = w.actor(Who::Staff(Role::Administrator));
    let issued = w
        .service
        .create_integration_key(&admin, "Wire", Role::Editor, None)
        .await
        .expect("key");
    let account = issued.key.user.expect("acts as an account");
    let refused = w
        .service
        .set_password(&admin, account, "a long enough password")
        .await;
    assert!(
        matches!(&refused, Err(ServiceError::Invalid(v)) if v.field == "id"),
        "{refused:?}"
    );
    assert!(w.reload_user(account).password_hash.is_none());
}

/// Reactivating an account that is active changes nothing: its tokens keep working.
async fn reactivating_an_active_account_keeps_its_tokens(w: &World) {
    let admin = w.actor(Who::Staff(Role::Administrator));
    let user = w.user(Role::Author);
    let done = w
        .service
        .reactivate_user(&admin, user.id())
        .await
        .expect("nothing to do");
    assert!(done.active);
    assert_eq!(w.reload_user(user.id()).token_version, user.token_version);
    let gone = w.deactivated(Role::Author);
    let back = w
        .service
        .reactivate_user(&admin, gone.id())
        .await
        .expect("reactivated");
    assert!(back.active && back.token_version > gone.token_version);
}
