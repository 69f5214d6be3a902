//! `broadsheet user list | set-password | reactivate`.

use std::io::BufRead;

use broadsheet_domain::author::{Email, User};
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::{Store, users};
use broadsheet_service::Actor;
use secrecy::ExposeSecret as _;
use serde::Serialize;

use super::table::{Table, minute};
use super::{open, read_password, run, service};
use crate::cli::{UserEmailArgs, UserListArgs};

/// An account as `user list --json` prints it: no password hash, no token version.
#[derive(Serialize)]
struct Listed<'a> {
    id: i64,
    email: &'a str,
    name: &'a str,
    slug: &'a str,
    role: &'static str,
    active: bool,
    /// Whether it can sign in with a password.
    has_password: bool,
    /// An account an integration key acts as, not a person.
    integration: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl<'a> From<&'a User> for Listed<'a> {
    fn from(u: &'a User) -> Self {
        Self {
            id: u.id().0,
            email: u.email.as_str(),
            name: &u.author.profile.name,
            slug: u.author.slug.as_str(),
            role: u.role.as_str(),
            active: u.active,
            has_password: u.password_hash.is_some(),
            integration: users::is_integration(&u.email),
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// `broadsheet user list`.
pub fn list_users(args: &UserListArgs) -> anyhow::Result<()> {
    let store = open(&args.database)?;
    let all = users::list(&mut *store.conn()?)?;
    let listed: Vec<Listed<'_>> = all.iter().map(Listed::from).collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&listed)?);
        return Ok(());
    }
    let yes = |b: bool| if b { "yes" } else { "no" }.to_owned();
    let mut table = Table::new(&[
        "ID", "EMAIL", "NAME", "ROLE", "ACTIVE", "PASSWORD", "CREATED",
    ]);
    for u in &listed {
        table.row(vec![
            u.id.to_string(),
            u.email.to_owned(),
            u.name.to_owned(),
            u.role.to_owned(),
            yes(u.active),
            yes(u.has_password),
            minute(Some(u.created_at)),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}

/// `broadsheet user set-password`: the first line of `input` is the password (a prompt is
/// shown when `interactive`).
pub fn set_password(
    args: &UserEmailArgs,
    input: &mut dyn BufRead,
    interactive: bool,
) -> anyhow::Result<()> {
    let email = Email::parse(&args.email)?;
    let password = read_password(input, interactive)?;
    let store = open(&args.database)?;
    let account = account(&store, &email)?;
    let user =
        run(service(store).set_password(&Actor::System, account.id(), password.expose_secret()))??;
    println!(
        "{} ({}) has a new password; their sessions and tokens have ended{}",
        user.author.profile.name,
        user.email.as_str(),
        if user.active {
            ""
        } else {
            "; the account is deactivated: `user reactivate` lets it sign in"
        },
    );
    Ok(())
}

/// `broadsheet user reactivate`.
pub fn reactivate_user(args: &UserEmailArgs) -> anyhow::Result<()> {
    let email = Email::parse(&args.email)?;
    let store = open(&args.database)?;
    let before = account(&store, &email)?;
    let user = run(service(store).reactivate_user(&Actor::System, before.id()))??;
    println!(
        "{} ({}) {}{}",
        user.author.profile.name,
        user.email.as_str(),
        if before.active {
            "already active: nothing to do"
        } else {
            "reactivated: it can sign in again"
        },
        if user.password_hash.is_some() {
            ""
        } else {
            "; it has no password yet (`user set-password`)"
        },
    );
    Ok(())
}

/// The account with this address, or an error naming the argument.
fn account(store: &Store, email: &Email) -> anyhow::Result<User> {
    users::by_email(&mut *store.conn()?, email)?
        .ok_or_else(|| anyhow::anyhow!("email: no staff account has this address"))
}
