//! Authors are the staff: the public profile that bylines show, and the private account
//! (email, role, password) behind it. The two are separate types so that code serving the
//! public cannot reach a password hash or an email address by accident.

mod credentials;
mod profile;

pub use credentials::{Email, Password, PasswordHash};
pub use profile::{Author, Profile, ProfileInput};

use crate::ids::AuthorId;
use crate::time::Timestamp;
use crate::{Slug, ValidationError};

/// What a staff member may do (the same split as Ghost's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Writes drafts of their own; cannot publish.
    Contributor,
    /// Writes and publishes their own articles.
    Author,
    /// Edits and publishes anyone's articles; manages tags and other writers.
    Editor,
    /// Everything, including users and keys.
    Administrator,
}

impl Role {
    /// Every role, least powerful first.
    pub const ALL: [Role; 4] = [
        Role::Contributor,
        Role::Author,
        Role::Editor,
        Role::Administrator,
    ];

    /// The stored and served spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contributor => "contributor",
            Self::Author => "author",
            Self::Editor => "editor",
            Self::Administrator => "administrator",
        }
    }

    /// Parses the stored spelling (case-insensitively, for command lines).
    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(value.trim()))
            .ok_or_else(|| {
                ValidationError::new(
                    "role",
                    "must be one of contributor, author, editor, administrator",
                )
            })
    }
}

/// A staff account: the public author and the private part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The public profile.
    pub author: Author,
    /// Sign-in address; unique.
    pub email: Email,
    /// What the user may do.
    pub role: Role,
    /// `None` for authors who never sign in.
    pub password_hash: Option<PasswordHash>,
    /// Deactivated users cannot sign in; their bylines stay.
    pub active: bool,
    /// When the account was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// Moves whenever the account's credentials or standing change (a new password, a new
    /// role, deactivation): access tokens carry the version they were issued at, and older
    /// ones stop working at once.
    pub token_version: i64,
}

impl User {
    /// The user's id.
    pub fn id(&self) -> AuthorId {
        self.author.id
    }
}

/// The fields of a new account as a client sends them, before validation. Its `Debug` shows
/// neither the password nor the address (like [`Password`] and [`Email`]).
#[derive(Clone)]
pub struct UserInput {
    /// Public profile.
    pub profile: ProfileInput,
    /// Sign-in address.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Plain password; `None` makes an author who cannot sign in.
    pub password: Option<String>,
}

impl std::fmt::Debug for UserInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserInput")
            .field("profile", &self.profile)
            .field("role", &self.role)
            .field("password", &self.password.as_ref().map(|_| ".."))
            .finish_non_exhaustive()
    }
}

/// A validated account, not yet stored. The password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Public profile.
    pub profile: Profile,
    /// The slug asked for; `None` derives one from the name.
    pub slug: Option<Slug>,
    /// Sign-in address.
    pub email: Email,
    /// Role.
    pub role: Role,
    /// Hash of the password, if one was given.
    pub password_hash: Option<PasswordHash>,
}

impl NewUser {
    /// Validates every field and hashes the password (argon2id), naming the first field
    /// that is wrong.
    pub fn parse(input: &UserInput) -> Result<Self, ValidationError> {
        let (profile, slug) = Profile::parse(&input.profile)?;
        Ok(Self {
            profile,
            slug,
            email: Email::parse(&input.email)?,
            role: input.role,
            password_hash: input
                .password
                .as_deref()
                .map(|p| Password::parse(p).map(|p| p.hash()))
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert_eq!(Role::parse("Editor"), Ok(Role::Editor));
        assert_eq!(Role::parse("owner").unwrap_err().field, "role");
    }

    #[test]
    fn new_user_hashes_password() {
        let input = UserInput {
            profile: ProfileInput {
                name: "Ada Writer".into(),
                ..ProfileInput::default()
            },
            email: "Ada@Example.COM".into(),
            role: Role::Author,
            password: Some("correct horse battery".into()),
        };
        assert!(
            !format!("{input:?}").contains("horse"),
            "the password never prints"
        );
        let user = NewUser::parse(&input).expect("valid user");
        assert_eq!(user.email.as_str(), "ada@example.com");
        let hash = user.password_hash.expect("hashed");
        assert!(hash.verify("correct horse battery"));
        assert!(!hash.verify("wrong"));
    }

    #[test]
    fn short_password_is_refused() {
        let input = UserInput {
            profile: ProfileInput {
                name: "Ada".into(),
                ..ProfileInput::default()
            },
            email: "ada@example.com".into(),
            role: Role::Author,
            password: Some("short".into()),
        };
        assert_eq!(NewUser::parse(&input).unwrap_err().field, "password");
    }
}
