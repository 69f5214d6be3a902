//! Who a checked token names: an active account, with the role it was issued for, issued
//! after the account's password, role or standing last changed (external tokens aside).

use broadsheet_domain::author::{Role, User};
use broadsheet_service::Actor;
use broadsheet_service::identity::{NotIdentified, StaffClaims};

use crate::harness::{World, service_tests};

service_tests!(
    a_current_token_names_its_staff_member,
    deactivated_accounts_are_nobody,
    a_changed_role_ends_the_token,
    a_new_token_version_ends_older_tokens,
    external_tokens_name_staff_by_email,
    an_integration_acts_as_its_active_account,
);

fn claims(user: &User) -> StaffClaims {
    StaffClaims {
        subject: user.id().0.to_string(),
        role: user.role.as_str().to_owned(),
        version: user.token_version,
        external: false,
    }
}

async fn a_current_token_names_its_staff_member(w: &World) {
    let user = w.user(Role::Author);
    let actor = w.service.identify_staff(claims(&user)).await;
    assert!(
        matches!(&actor, Ok(Actor::Staff(u)) if u.id() == user.id()),
        "{actor:?}"
    );
}

async fn deactivated_accounts_are_nobody(w: &World) {
    let user = w.deactivated(Role::Editor);
    let refused = w.service.identify_staff(claims(&user)).await;
    assert!(
        matches!(refused, Err(NotIdentified::User(_))),
        "{refused:?}"
    );
    let unknown = StaffClaims {
        subject: "999999".into(),
        ..claims(&user)
    };
    let refused = w.service.identify_staff(unknown).await;
    assert!(
        matches!(refused, Err(NotIdentified::User(_))),
        "{refused:?}"
    );
}

async fn a_changed_role_ends_the_token(w: &World) {
    let user = w.user(Role::Editor);
    let stale = StaffClaims {
        role: Role::Administrator.as_str().to_owned(),
        ..claims(&user)
    };
    let refused = w.service.identify_staff(stale).await;
    assert!(matches!(refused, Err(NotIdentified::Role)), "{refused:?}");
}

async fn a_new_token_version_ends_older_tokens(w: &World) {
    let user = w.user(Role::Author);
    let old = StaffClaims {
        version: user.token_version - 1,
        ..claims(&user)
    };
    let refused = w.service.identify_staff(old.clone()).await;
    assert!(
        matches!(refused, Err(NotIdentified::Revoked)),
        "{refused:?}"
    );
    // An external provider's tokens carry no version of ours.
    let external = StaffClaims {
        external: true,
        ..old
    };
    assert!(w.service.identify_staff(external).await.is_ok());
}

async fn external_tokens_name_staff_by_email(w: &World) {
    let user = w.user(Role::Contributor);
    let by_email = StaffClaims {
        subject: user.email.as_str().to_owned(),
        external: true,
        ..claims(&user)
    };
    let actor = w.service.identify_staff(by_email).await;
    assert!(
        matches!(&actor, Ok(Actor::Staff(u)) if u.id() == user.id()),
        "{actor:?}"
    );
}

async fn an_integration_acts_as_its_active_account(w: &World) {
    let account = w.user(Role::Editor);
    let actor = w.service.identify_integration(account.id(), "Wire").await;
    assert!(
        matches!(&actor, Ok(Actor::Staff(u)) if u.role == Role::Editor),
        "{actor:?}"
    );
    let gone = w.deactivated(Role::Editor);
    let refused = w.service.identify_integration(gone.id(), "Wire").await;
    assert!(
        matches!(refused, Err(NotIdentified::User(_))),
        "{refused:?}"
    );
}
