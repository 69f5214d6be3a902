//! Staff accounts: creating and managing them, and one's own profile and password.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use broadsheet_domain::author::{ProfileInput, UserInput};

use super::author_id;
use crate::graphql::context::request;
use crate::graphql::error::ApiError;
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
        let input = UserInput {
            profile: input.profile.into_input(),
            email: input.email,
            role: input.role.into(),
            password: input.password,
        };
        let user = req
            .service
            .create_user(&req.viewer, input)
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
        let saved = req
            .service
            .update_user(
                &req.viewer,
                author_id(&id, "id")?,
                input.role.map(Into::into),
                input.profile.map(ProfileFields::into_input),
            )
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
        let saved = req
            .service
            .update_profile(&req.viewer, profile.into_input())
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
        req.service
            .change_password(&req.viewer, &current_password, &new_password, req.address)
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
        let saved = req
            .service
            .deactivate_user(&req.viewer, author_id(&id, "id")?)
            .await
            .map_err(ApiError::from)?;
        Ok(UserPayload {
            user: UserNode(saved),
        })
    }
}
