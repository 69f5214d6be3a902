//! The editorial API: sign-in, roles, mutations, drafts, scheduling, revisions.

mod auth;
mod concurrency;
pub(crate) mod crash;
mod dates;
mod flows;
mod matrix;
mod scheduling;

use broadsheet_api::auth::{JwtConfig, Secret};
use broadsheet_domain::author::{Role, User};
use broadsheet_persistence::testing::UserBuilder;
use chrono::TimeDelta;
use serde_json::Value;

use crate::helpers::{TEST_SECRET, TestApp};

/// The test servers' token settings.
pub fn jwt() -> JwtConfig {
    JwtConfig::new(Secret::new(TEST_SECRET.as_bytes()).expect("long enough"))
}

/// A staff member and a token for them.
pub struct Staff {
    pub user: User,
    pub token: String,
}

/// Creates a staff member (with a password) and signs a token for them.
pub fn staff(app: &TestApp, name: &str, role: Role) -> Staff {
    let mut c = app.db.store.conn().expect("connection");
    let user = UserBuilder::new(name)
        .role(role)
        .password("correct horse battery")
        .create(&mut c);
    let token = jwt().issue_access(
        user.id().0,
        role.as_str(),
        app.clock.now(),
        TimeDelta::minutes(15),
    );
    Staff { user, token }
}

/// The `extensions.code` of the first error, or `None` when there is none.
pub fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// Global ids, as the API gives them.
pub fn global_id(kind: &str, id: impl std::fmt::Display) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}
