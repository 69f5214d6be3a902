//! Staff accounts as their owners and managers see them.

use async_graphql::{Enum, ID, Object};
use broadsheet_domain::author::{Role, User};

use super::author::AuthorNode;
use super::ids::GlobalId;

/// A staff account (private: only for the user and those who manage them).
pub struct UserNode(pub User);

/// What a staff member may do.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(name = "Role")]
pub enum RoleValue {
    /// Writes drafts of their own; cannot publish.
    Contributor,
    /// Writes and publishes their own articles.
    Author,
    /// Edits and publishes anyone's articles; manages tags and writers.
    Editor,
    /// Everything.
    Administrator,
}

impl From<Role> for RoleValue {
    fn from(r: Role) -> Self {
        match r {
            Role::Contributor => Self::Contributor,
            Role::Author => Self::Author,
            Role::Editor => Self::Editor,
            Role::Administrator => Self::Administrator,
        }
    }
}

impl From<RoleValue> for Role {
    fn from(r: RoleValue) -> Self {
        match r {
            RoleValue::Contributor => Self::Contributor,
            RoleValue::Author => Self::Author,
            RoleValue::Editor => Self::Editor,
            RoleValue::Administrator => Self::Administrator,
        }
    }
}

#[Object(name = "User")]
impl UserNode {
    /// The same global id as the user's `Author`.
    async fn id(&self) -> ID {
        GlobalId::Author(self.0.id()).encode().into()
    }

    /// Sign-in address.
    async fn email(&self) -> &str {
        self.0.email.as_str()
    }

    /// What the user may do.
    async fn role(&self) -> RoleValue {
        self.0.role.into()
    }

    /// Deactivated users cannot sign in.
    async fn active(&self) -> bool {
        self.0.active
    }

    /// Whether the user has a password (and so can sign in).
    async fn has_password(&self) -> bool {
        self.0.password_hash.is_some()
    }

    /// The public profile.
    async fn author(&self) -> AuthorNode {
        AuthorNode(self.0.author.clone())
    }
}
