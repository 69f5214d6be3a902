//! Who a checked credential is. The transports check a credential's form, signature and
//! lifetime (they speak JWT and Ghost's token format); whether the person it names may act,
//! and as whom, is decided here: an active account, the role the token was issued for, and a
//! token issued after the account's password, role or standing last changed.

use broadsheet_domain::author::{Email, Role, User};
use broadsheet_domain::ids::AuthorId;
use broadsheet_persistence::users;

use crate::{Actor, Service};

/// What a staff access token says, once its signature and lifetime are checked.
#[derive(Debug, Clone)]
pub struct StaffClaims {
    /// Our user id, or (from an external identity provider) the person's email.
    pub subject: String,
    /// The role the token was issued for.
    pub role: String,
    /// The account's token version when the token was issued.
    pub version: i64,
    /// Issued by an external identity provider, which knows nothing of our token versions.
    pub external: bool,
}

/// Why a checked credential names nobody who may act (for the log: clients hear only that
/// their credentials are not valid).
#[derive(Debug, thiserror::Error)]
pub enum NotIdentified {
    /// Nobody, or an account that is deactivated.
    #[error("no active user {0}")]
    User(String),
    /// The account's role is not the one in the token.
    #[error("the role in the token is out of date")]
    Role,
    /// The token was issued before the account's password, role or standing last changed.
    #[error("the token was revoked")]
    Revoked,
    /// The database could not say.
    #[error("could not load the user")]
    Store,
}

impl Service {
    /// The staff member a checked access token acts for.
    pub async fn identify_staff(&self, claims: StaffClaims) -> Result<Actor, NotIdentified> {
        let subject = claims.subject.clone();
        let user = self
            .store()
            .read(move |c| match subject.parse::<i64>() {
                Ok(id) => users::get(c, AuthorId(id)),
                // An external provider may know staff by email.
                Err(_) => match Email::parse(&subject) {
                    Ok(email) => users::by_email(c, &email),
                    Err(_) => Ok(None),
                },
            })
            .await
            .map_err(|_| NotIdentified::Store)?
            .filter(|u| u.active)
            .ok_or(NotIdentified::User(claims.subject))?;
        if Role::parse(&claims.role).ok() != Some(user.role) {
            return Err(NotIdentified::Role);
        }
        if !claims.external && claims.version != user.token_version {
            return Err(NotIdentified::Revoked);
        }
        Ok(Actor::Staff(Box::new(user)))
    }

    /// The account an integration key (named `name`, owned by `owner`) acts as, once the
    /// transport has checked the key's token.
    pub async fn identify_integration(
        &self,
        owner: AuthorId,
        name: &str,
    ) -> Result<Actor, NotIdentified> {
        let user: Option<User> = self
            .store()
            .read(move |c| users::get(c, owner))
            .await
            .map_err(|_| NotIdentified::Store)?;
        user.filter(|u| u.active)
            .map(|u| Actor::Staff(Box::new(u)))
            .ok_or_else(|| NotIdentified::User(format!("the account of integration key {name}")))
    }
}
