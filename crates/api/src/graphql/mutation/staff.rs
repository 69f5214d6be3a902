//! Staff accounts: creating and managing them, and one's own profile and password.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use broadsheet_domain::author::{NewUser, Password, Profile, ProfileInput, User, UserInput};
use broadsheet_domain::policy::{Action, Ownership, managing};
use broadsheet_persistence::{sessions, users};

use super::author_id;
use crate::auth::{hashing, session};
use crate::graphql::context::{RequestContext, request};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::user::{RoleValue, UserNode};

/// Public profile fields. On update, every field is replaced: send them all.
#[derive(InputObject, Default)]
pub struct ProfileFields {
    name: String,
    slug: Option<String>,
    bio: Option<String>,
    profile_image: Option<String>,
    cover_image: Option<String>,
    website: Option<String>,
    location: Option<String>,
    twitter: Option<String>,
    facebook: Option<String>,
    meta_title: Option<String>,
    meta_description: Option<String>,
}

impl ProfileFields {
    fn into_input(self) -> ProfileInput {
        ProfileInput {
            name: self.name,
            slug: self.slug,
            bio: self.bio,
            profile_image: self.profile_image,
            cover_image: self.cover_image,
            website: self.website,
            location: self.location,
            twitter: self.twitter,
            facebook: self.facebook,
            meta_title: self.meta_title,
            meta_description: self.meta_description,
        }
    }
}

/// A new staff account.
#[derive(InputObject)]
pub struct CreateUserInput {
    email: String,
    role: RoleValue,
    /// Without one, the account cannot sign in until a password is set.
    password: Option<String>,
    profile: ProfileFields,
}

/// Changes to someone's account: a new role, a new profile, or both.
#[derive(InputObject, Default)]
pub struct UpdateUserInput {
    role: Option<RoleValue>,
    profile: Option<ProfileFields>,
}

/// The changed account.
#[derive(SimpleObject)]
pub struct UserPayload {
    /// As saved.
    user: UserNode,
}

async fn target(req: &RequestContext, id: &ID) -> ApiResult<User> {
    let id = author_id(id, "id")?;
    req.store
        .read(move |c| users::get(c, id))
        .await?
        .ok_or(ApiError::NotFound("user"))
}

fn ownership(req: &RequestContext, user: &User) -> Ownership {
    req.viewer.ownership(&[user.id()])
}

#[derive(Default)]
pub struct StaffMutations;

#[Object]
impl StaffMutations {
    /// Creates a staff account. Editors create contributors and authors; administrators
    /// anyone.
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let req = request(ctx);
        req.viewer
            .authorize(managing(input.role.into()), Ownership::Others)?;
        let input = UserInput {
            profile: input.profile.into_input(),
            email: input.email,
            role: input.role.into(),
            password: input.password,
        };
        // Parsing hashes the password: on the hashing pool, not this worker.
        let new = hashing::run(move || NewUser::parse(&input))
            .await
            .map_err(ApiError::from)?;
        let now = req.now;
        let user = req
            .store
            .write(move |c| users::create(c, &new, now))
            .await
            .map_err(ApiError::from)?;
        Ok(UserPayload {
            user: UserNode(user),
        })
    }

    /// Changes someone's role or profile. Editors manage contributors and authors;
    /// administrators anyone.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let req = request(ctx);
        let user = target(req, &id).await?;
        let own = ownership(req, &user);
        let me = req.viewer.signed_in()?;
        if own == Ownership::Own && input.role.is_none() {
            req.viewer.authorize(Action::EditProfile, own)?;
        } else {
            req.viewer.authorize(managing(user.role), own)?;
        }
        if let Some(role) = input.role {
            req.viewer.authorize(managing(role.into()), own)?;
            if own == Ownership::Own && me.role != role.into() {
                return Err(ApiError::bad_input("role", "you cannot change your own role").into());
            }
        }
        let profile = input
            .profile
            .map(|p| Profile::parse(&p.into_input()))
            .transpose()
            .map_err(ApiError::from)?;
        let (id, role, now) = (user.id(), input.role, req.now);
        let saved = req
            .store
            .write(move |c| {
                let mut user = None;
                if let Some((profile, slug)) = &profile {
                    user = Some(users::update_profile(c, id, profile, slug.as_ref(), now)?);
                }
                if let Some(role) = role {
                    user = Some(users::set_role(c, id, role.into(), now)?);
                    // A new role takes effect at once: old tokens carry the old one.
                    sessions::revoke_all(c, id, now)?;
                }
                match user {
                    Some(user) => Ok(user),
                    None => users::get(c, id)?
                        .ok_or(broadsheet_persistence::StoreError::not_found("user")),
                }
            })
            .await
            .map_err(ApiError::from)?;
        Ok(UserPayload {
            user: UserNode(saved),
        })
    }

    /// Changes your own public profile.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        profile: ProfileFields,
    ) -> async_graphql::Result<UserPayload> {
        let req = request(ctx);
        let me = req
            .viewer
            .authorize(Action::EditProfile, Ownership::Own)?
            .id();
        let (profile, slug) = Profile::parse(&profile.into_input()).map_err(ApiError::from)?;
        let now = req.now;
        let saved = req
            .store
            .write(move |c| users::update_profile(c, me, &profile, slug.as_ref(), now))
            .await
            .map_err(ApiError::from)?;
        Ok(UserPayload {
            user: UserNode(saved),
        })
    }

    /// Changes your own password, given the current one. Every session and access token of
    /// yours ends at once: sign in again with the new password. Wrong current passwords are
    /// throttled as sign-ins are (RATE_LIMITED).
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> async_graphql::Result<bool> {
        let req = request(ctx);
        let me = req
            .viewer
            .authorize(Action::EditProfile, Ownership::Own)?
            .id();
        let new = Password::parse(&new_password).map_err(ApiError::from)?;
        let now = req.now;
        // Checked and hashed on the hashing pool, outside the transaction (which then only
        // writes), and held to sign-in's delays.
        if !session::check_password(&req.store, me, &current_password, req.address, now).await? {
            return Err(
                ApiError::bad_input("currentPassword", "is not your current password").into(),
            );
        }
        let hash = hashing::hash(new).await;
        req.store
            .write(move |c| {
                // Moves the token version: every access token of this user ends now.
                users::set_password(c, me, Some(&hash), now)?;
                sessions::revoke_all(c, me, now)
            })
            .await
            .map_err(ApiError::from)?;
        Ok(true)
    }

    /// Deactivates an account: it can no longer sign in, and its sessions and access tokens
    /// end at once; its bylines stay. Editors deactivate contributors and authors; administrators anyone but
    /// themselves.
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<UserPayload> {
        let req = request(ctx);
        let user = target(req, &id).await?;
        let own = ownership(req, &user);
        req.viewer.authorize(managing(user.role), own)?;
        if own == Ownership::Own {
            return Err(ApiError::bad_input("id", "you cannot deactivate yourself").into());
        }
        let (id, now) = (user.id(), req.now);
        let saved = req
            .store
            .write(move |c| {
                let user = users::set_active(c, id, false, now)?;
                sessions::revoke_all(c, id, now)?;
                Ok(user)
            })
            .await
            .map_err(ApiError::from)?;
        Ok(UserPayload {
            user: UserNode(saved),
        })
    }
}
