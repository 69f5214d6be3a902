//! The commands that manage a database and exit.
//!
//! Each is a process of its own, started by an operator: "now" is the system's clock, read
//! once per command (no clock is handed to a process from outside; the server's tests inject
//! theirs into `serve` instead).

use broadsheet_api::site::SiteUrl;
use broadsheet_api::webhooks::outbox::ContentApiBodies;
use broadsheet_domain::clock::Clock;
use broadsheet_service::{Actor, Service};
use std::io::BufRead;

use anyhow::{Context as _, bail};
use broadsheet_domain::author::{NewUser, ProfileInput, Role, UserInput};
use broadsheet_domain::time::now;
use broadsheet_persistence::{PoolOptions, Store, users};
use secrecy::{ExposeSecret as _, SecretString};

use crate::cli::{DatabaseArgs, KeyCreateArgs, TokenArgs, UserCreateArgs};
use crate::demo;

mod key;
mod table;
mod user;

pub use key::{list_keys, revoke_key};
pub use user::{list_users, reactivate_user, set_password};

fn open(args: &DatabaseArgs) -> anyhow::Result<Store> {
    let options = PoolOptions {
        max_connections: args.max_connections().min(2),
        ..PoolOptions::default()
    };
    Store::open(&args.url, &options).with_context(|| format!("cannot open database {}", args.url))
}

/// `broadsheet migrate`.
pub fn migrate(args: &DatabaseArgs) -> anyhow::Result<()> {
    let options = PoolOptions {
        max_connections: 1,
        ..PoolOptions::default()
    };
    let store = Store::connect(&args.url, &options)
        .with_context(|| format!("cannot open database {}", args.url))?;
    let applied = store.migrate().context("migration failed")?;
    if applied.is_empty() {
        println!("{}: up to date", args.url);
    } else {
        println!("{}: applied {}", args.url, applied.join(", "));
    }
    Ok(())
}

/// `broadsheet demo`.
pub fn demo(args: &DatabaseArgs) -> anyhow::Result<()> {
    let store = open(args)?;
    let summary = demo::load(&store).context("loading the sample publication")?;
    println!("{}: {summary}", args.url);
    Ok(())
}

/// `broadsheet user create`. With `--password-stdin`, the first line of `input` is the
/// password (a prompt is shown when `interactive`).
pub fn create_user(
    args: &UserCreateArgs,
    input: &mut dyn BufRead,
    interactive: bool,
) -> anyhow::Result<()> {
    let role = Role::from(args.role);
    let password = if args.password_stdin {
        Some(
            read_password(input, interactive)?
                .expose_secret()
                .to_owned(),
        )
    } else {
        None
    };
    let new = NewUser::parse(&UserInput {
        profile: ProfileInput {
            name: args.name.clone(),
            ..ProfileInput::default()
        },
        email: args.email.clone(),
        role,
        password,
    })?;
    let (store, now) = (open(&args.database)?, now());
    let user = store.write_blocking(|c| users::create(c, &new, now))?;
    println!(
        "created {} {} ({}) with author page slug {}{}",
        user.role.as_str(),
        user.author.profile.name,
        user.email.as_str(),
        user.author.slug,
        if user.password_hash.is_some() {
            ""
        } else {
            "; no password: cannot sign in yet"
        },
    );
    Ok(())
}

/// The first line of `input`, without its line ending (with a prompt on stderr when
/// `interactive`).
fn read_password(input: &mut dyn BufRead, interactive: bool) -> anyhow::Result<SecretString> {
    if interactive {
        eprint!("password: ");
    }
    // Read into a buffer that is wiped however this ends, and cut in place: no copy is left.
    let mut line = zeroize::Zeroizing::new(String::new());
    input.read_line(&mut line).context("reading the password")?;
    let len = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(len);
    if line.is_empty() {
        bail!("password: nothing on standard input");
    }
    Ok(SecretString::from(std::mem::take(&mut *line)))
}

/// `broadsheet token`: prints an access token for an active staff member.
pub fn token(args: &TokenArgs) -> anyhow::Result<()> {
    let email = broadsheet_domain::author::Email::parse(&args.email)?;
    let store = open(&args.database)?.with_keyring(args.secrets.keyring()?);
    let now = now();
    let jwt = crate::auth::jwt_config(&args.auth, &store, now)?;
    let user = users::by_email(&mut *store.conn()?, &email)?
        .filter(|u| u.active)
        .ok_or_else(|| anyhow::anyhow!("email: no active staff member has this address"))?;
    let ttl = crate::auth::delta(args.ttl)?;
    println!("{}", jwt.issue_for(&user, now, ttl));
    Ok(())
}

/// The application over `store`, for a command run by the operator.
fn service(store: Store) -> Service {
    Service::new(
        store,
        Clock::system(),
        ContentApiBodies::shared(SiteUrl::default()),
    )
}

/// Runs a use case to its end on a runtime of its own (commands are not async).
fn run<F: std::future::Future>(work: F) -> anyhow::Result<F::Output> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(work))
}

/// `broadsheet key create`.
pub fn create_key(args: &KeyCreateArgs) -> anyhow::Result<()> {
    let role = args.integration_role.map(Role::from);
    let keyring = args.secrets.keyring()?;
    let store = open(&args.database)?;
    if role.is_some() {
        crate::secrets::refuse_plaintext_beside_sealed(&store, &keyring)?;
    }
    let service = service(store.with_keyring(keyring));
    let limit = Some(i64::from(args.rate_limit));
    let issued = run(async {
        match role {
            Some(role) => {
                service
                    .create_integration_key(&Actor::System, &args.name, role, limit)
                    .await
            }
            None => {
                service
                    .create_content_key(&Actor::System, &args.name, limit)
                    .await
            }
        }
    })??;
    println!("{}", issued.credential);
    eprintln!(
        "created {} key {:?} (id {}); it is shown once",
        if role.is_some() {
            "an integration"
        } else {
            "a content"
        },
        issued.key.name,
        issued.key.id
    );
    Ok(())
}
