//! Signing in and out: who may, the growing delays after wrong passwords (on the manual
//! clock), and refresh tokens that work once.

use std::net::IpAddr;

use broadsheet_domain::author::Role;
use broadsheet_persistence::testing::UserBuilder;
use broadsheet_service::ServiceError;
use broadsheet_service::sessions::FREE_PER_ACCOUNT_AND_ADDRESS;
use chrono::TimeDelta;

use crate::harness::{World, service_tests};
use crate::matrix::Who;

service_tests!(
    wrong_passwords_slow_down_that_address_only,
    deactivated_accounts_cannot_sign_in,
    a_refresh_token_works_once,
);

const PASSWORD: &str = "correct horse battery";
const TTL: TimeDelta = TimeDelta::days(30);

fn address(text: &str) -> Option<IpAddr> {
    Some(text.parse().expect("an address"))
}

async fn wrong_passwords_slow_down_that_address_only(w: &World) {
    UserBuilder::new("Signs In")
        .email("signs.in@example.com")
        .password(PASSWORD)
        .create(&mut w.conn());
    let s = &w.service;
    let stranger = address("203.0.113.7");
    let email = "signs.in@example.com";
    for _ in 0..FREE_PER_ACCOUNT_AND_ADDRESS {
        assert!(matches!(
            s.sign_in(email, "a wrong guess", stranger, TTL).await,
            Err(ServiceError::Unauthenticated(_))
        ));
    }
    // Then each attempt waits: 1 second, then 2, … (refused without checking the password,
    // even the right one).
    assert!(matches!(
        s.sign_in(email, PASSWORD, stranger, TTL).await,
        Err(ServiceError::RateLimited(1))
    ));
    w.clock.advance(TimeDelta::seconds(1));
    assert!(matches!(
        s.sign_in(email, "another wrong guess", stranger, TTL).await,
        Err(ServiceError::Unauthenticated(_))
    ));
    assert!(matches!(
        s.sign_in(email, PASSWORD, stranger, TTL).await,
        Err(ServiceError::RateLimited(2))
    ));
    // The owner, from their own address, signs in as ever.
    let session = s
        .sign_in(email, PASSWORD, address("198.51.100.1"), TTL)
        .await
        .expect("signed in");
    assert_eq!(session.user.email.as_str(), email);
    assert_eq!(session.refresh_expires_at, w.clock.now() + TTL);
}

async fn deactivated_accounts_cannot_sign_in(w: &World) {
    let user = UserBuilder::new("Gone Away")
        .role(Role::Editor)
        .password(PASSWORD)
        .create(&mut w.conn());
    let admin = w.actor(Who::System);
    w.service
        .deactivate_user(&admin, user.id())
        .await
        .expect("deactivated");
    let refused = w
        .service
        .sign_in(user.email.as_str(), PASSWORD, None, TTL)
        .await;
    assert!(
        matches!(refused, Err(ServiceError::Unauthenticated(_))),
        "{refused:?}"
    );
    w.service
        .reactivate_user(&admin, user.id())
        .await
        .expect("reactivated");
    w.service
        .sign_in(user.email.as_str(), PASSWORD, None, TTL)
        .await
        .expect("with the password as it was");
}

async fn a_refresh_token_works_once(w: &World) {
    let user = UserBuilder::new("Stays In")
        .password(PASSWORD)
        .create(&mut w.conn());
    let s = &w.service;
    let first = s
        .sign_in(user.email.as_str(), PASSWORD, None, TTL)
        .await
        .expect("signed in");
    let second = s
        .refresh_session(&first.refresh_token, TTL)
        .await
        .expect("refreshed");
    assert_ne!(second.refresh_token, first.refresh_token);
    let shown = format!("{second:?}");
    assert!(
        !shown.contains(&second.refresh_token),
        "never printed: {shown}"
    );
    // Used twice: stolen, or a confused client. The whole family ends.
    assert!(matches!(
        s.refresh_session(&first.refresh_token, TTL).await,
        Err(ServiceError::Unauthenticated(_))
    ));
    assert!(matches!(
        s.refresh_session(&second.refresh_token, TTL).await,
        Err(ServiceError::Unauthenticated(_))
    ));

    // Signing out ends that session.
    let third = s
        .sign_in(user.email.as_str(), PASSWORD, None, TTL)
        .await
        .expect("signed in");
    assert!(s.sign_out(&third.refresh_token).await.expect("signed out"));
    assert!(matches!(
        s.refresh_session(&third.refresh_token, TTL).await,
        Err(ServiceError::Unauthenticated(_))
    ));

    // A token lasts its time and no longer.
    let fourth = s
        .sign_in(user.email.as_str(), PASSWORD, None, TTL)
        .await
        .expect("signed in");
    w.clock.advance(TTL + TimeDelta::seconds(1));
    assert!(matches!(
        s.refresh_session(&fourth.refresh_token, TTL).await,
        Err(ServiceError::Unauthenticated(_))
    ));
}
