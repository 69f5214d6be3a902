//! Staff accounts: creating and managing them, and one's own profile.
//!
//! Editors manage contributors and authors; administrators manage anyone. Nobody changes
//! their own role or deactivates themselves. A change of role, password or standing ends
//! the account's sessions and access tokens at once.

use broadsheet_domain::author::{NewUser, Password, Profile, ProfileInput, Role, User, UserInput};
use broadsheet_domain::ids::AuthorId;
use broadsheet_domain::policy::{Action, Ownership, managing};
use broadsheet_persistence::{sessions, users};

use crate::Service;
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::hashing;

impl Service {
    /// Creates a staff account (editors: contributors and authors; administrators: anyone).
    /// Without a password the account cannot sign in until one is set.
    pub async fn create_user(&self, actor: &Actor, input: UserInput) -> ServiceResult<User> {
        actor.authorize(managing(input.role), Ownership::Others)?;
        // Parsing hashes the password: on the hashing pool, not the caller's thread.
        let new = hashing::run(move || NewUser::parse(&input)).await?;
        let now = self.now();
        Ok(self
            .store()
            .write(move |c| users::create(c, &new, now))
            .await?)
    }

    /// Changes someone's role, profile, or both. One's own profile needs only the right to
    /// edit it (sending one's own role unchanged is no change of role); a role needs the right
    /// to manage both the old and the new role, and is never one's own. Read, decided and
    /// written in one transaction, so a concurrent change of role cannot slip between.
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: AuthorId,
        role: Option<Role>,
        profile: Option<ProfileInput>,
    ) -> ServiceResult<User> {
        if !actor.is_staff() {
            return Err(ServiceError::Unauthenticated("sign in to do this"));
        }
        let profile = profile.map(|p| Profile::parse(&p)).transpose()?;
        let (actor, now) = (actor.clone(), self.now());
        self.store()
            .transaction(move |c| {
                let user = users::get(c, id)?.ok_or(ServiceError::NotFound("user"))?;
                let own = actor.ownership(&[user.id()]);
                let role = role.filter(|r| !(own == Ownership::Own && *r == user.role));
                if own == Ownership::Own && role.is_none() {
                    actor.authorize(Action::EditProfile, own)?;
                } else {
                    actor.authorize(managing(user.role), own)?;
                }
                if let Some(role) = role {
                    actor.authorize(managing(role), own)?;
                    if own == Ownership::Own {
                        return Err(ServiceError::invalid(
                            "role",
                            "you cannot change your own role",
                        ));
                    }
                }
                let id = user.id();
                let mut changed = None;
                if let Some((profile, slug)) = &profile {
                    changed = Some(users::update_profile(c, id, profile, slug.as_ref(), now)?);
                }
                if let Some(role) = role {
                    changed = Some(users::set_role(c, id, role, now)?);
                    // A new role takes effect at once: old tokens carry the old one.
                    sessions::revoke_all(c, id, now)?;
                }
                Ok(changed.unwrap_or(user))
            })
            .await
    }

    /// Changes the actor's own public profile.
    pub async fn update_profile(
        &self,
        actor: &Actor,
        profile: ProfileInput,
    ) -> ServiceResult<User> {
        actor.authorize(Action::EditProfile, Ownership::Own)?;
        let me = actor.signed_in()?.id();
        let (profile, slug) = Profile::parse(&profile)?;
        let now = self.now();
        Ok(self
            .store()
            .write(move |c| users::update_profile(c, me, &profile, slug.as_ref(), now))
            .await?)
    }

    /// Deactivates an account: it can no longer sign in, and its sessions and access tokens
    /// end at once; its bylines stay. Nobody deactivates themselves.
    pub async fn deactivate_user(&self, actor: &Actor, id: AuthorId) -> ServiceResult<User> {
        self.set_active(actor, id, false).await
    }

    /// Lets a deactivated account sign in again (with its password as it was). An active
    /// account is left as it is, its tokens included.
    pub async fn reactivate_user(&self, actor: &Actor, id: AuthorId) -> ServiceResult<User> {
        self.set_active(actor, id, true).await
    }

    async fn set_active(&self, actor: &Actor, id: AuthorId, active: bool) -> ServiceResult<User> {
        if !actor.is_staff() {
            return Err(ServiceError::Unauthenticated("sign in to do this"));
        }
        let (actor, now) = (actor.clone(), self.now());
        self.store()
            .transaction(move |c| {
                let user = users::get(c, id)?.ok_or(ServiceError::NotFound("user"))?;
                let own = actor.ownership(&[user.id()]);
                actor.authorize(managing(user.role), own)?;
                if own == Ownership::Own {
                    return Err(ServiceError::invalid(
                        "id",
                        if active {
                            "your account is active"
                        } else {
                            "you cannot deactivate yourself"
                        },
                    ));
                }
                if active && user.active {
                    // Nothing to do; a write would end the tokens of an account in use.
                    return Ok(user);
                }
                let user = users::set_active(c, user.id(), active, now)?;
                sessions::revoke_all(c, user.id(), now)?;
                Ok(user)
            })
            .await
    }

    /// Gives someone else's account a new password (for an account created without one, or
    /// one whose owner lost it): those who may manage the account may. Its sessions end.
    /// Integrations' accounts have none: they sign with their key.
    pub async fn set_password(
        &self,
        actor: &Actor,
        id: AuthorId,
        password: &str,
    ) -> ServiceResult<User> {
        if !actor.is_staff() {
            return Err(ServiceError::Unauthenticated("sign in to do this"));
        }
        if actor.user_id() == Some(id) {
            return Err(ServiceError::invalid(
                "id",
                "change your own password with your current one",
            ));
        }
        // Hashed on the hashing pool before the transaction, which then reads, decides and
        // writes at once.
        let hash = hashing::hash(Password::parse(password)?).await;
        let (actor, now) = (actor.clone(), self.now());
        self.store()
            .transaction(move |c| {
                let user = users::get(c, id)?.ok_or(ServiceError::NotFound("user"))?;
                actor.authorize(managing(user.role), actor.ownership(&[user.id()]))?;
                if users::is_integration(&user.email) {
                    return Err(ServiceError::invalid(
                        "id",
                        "an integration's account signs in with its key, never a password",
                    ));
                }
                let user = users::set_password(c, id, Some(&hash), now)?;
                sessions::revoke_all(c, id, now)?;
                Ok(user)
            })
            .await
    }
}
