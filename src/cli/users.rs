//! `broadsheet user …`: staff accounts.

use broadsheet_domain::author::Role;
use clap::{Args, Subcommand, ValueEnum};

use super::DatabaseArgs;

/// `broadsheet user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff account.
    Create(UserCreateArgs),
    /// List the staff accounts, integrations' included (never a password hash).
    List(UserListArgs),
    /// Give an account a password, read from the first line of standard input.
    ///
    /// A first password for an account created without one, or a reset: the account's
    /// sessions and tokens end.
    SetPassword(UserEmailArgs),
    /// Let a deactivated account sign in again.
    Reactivate(UserEmailArgs),
}

/// What a staff member may do, least powerful first (`--role`, `--integration-role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Writes drafts of their own; cannot publish.
    Contributor,
    /// Writes and publishes their own articles.
    Author,
    /// Edits and publishes anyone's articles; manages tags and other writers.
    Editor,
    /// Everything, including users, keys and webhooks.
    Administrator,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Contributor => Self::Contributor,
            RoleArg::Author => Self::Author,
            RoleArg::Editor => Self::Editor,
            RoleArg::Administrator => Self::Administrator,
        }
    }
}

/// `broadsheet user create`.
#[derive(Debug, Clone, Args)]
pub struct UserCreateArgs {
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Sign-in address.
    #[arg(long, env = "BROADSHEET_USER_EMAIL")]
    pub email: String,

    /// Display name.
    #[arg(long, env = "BROADSHEET_USER_NAME")]
    pub name: String,

    /// What the account may do.
    // `ignore_case`: `Editor` worked before the roles were a list.
    #[arg(long, env = "BROADSHEET_USER_ROLE", value_enum, ignore_case = true)]
    pub role: RoleArg,

    /// Read the password from the first line of standard input (without it, the account
    /// cannot sign in until a password is set with `user set-password`).
    #[arg(long, env = "BROADSHEET_USER_PASSWORD_STDIN")]
    pub password_stdin: bool,
}

/// `broadsheet user list`.
#[derive(Debug, Clone, Args)]
pub struct UserListArgs {
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// One JSON array, for scripts, instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The commands that act on one account, named by its sign-in address.
#[derive(Debug, Clone, Args)]
pub struct UserEmailArgs {
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// The account's sign-in address.
    #[arg(long, env = "BROADSHEET_USER_EMAIL")]
    pub email: String,
}
