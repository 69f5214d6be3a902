//! `broadsheet key list | revoke`.

use broadsheet_domain::ids::ApiKeyId;
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::StoreError;
use broadsheet_service::keys::KeyWithRole;
use broadsheet_service::{Actor, ServiceError};
use serde::Serialize;

use super::table::{Table, minute};
use super::{open, run, service};
use crate::cli::{KeyListArgs, KeyRevokeArgs};

/// A key as `key list --json` prints it: never its secret or hash.
#[derive(Serialize)]
struct Listed<'a> {
    id: i64,
    /// `content` or `integration`.
    kind: &'static str,
    name: &'a str,
    /// An integration key's public half (`{id}` of `{id}:{secret}`).
    key_id: Option<&'a str>,
    /// The role an integration key acts with.
    role: Option<&'static str>,
    rate_limit: u32,
    created_at: Timestamp,
    last_used_at: Option<Timestamp>,
    revoked_at: Option<Timestamp>,
}

impl<'a> From<&'a KeyWithRole> for Listed<'a> {
    fn from(k: &'a KeyWithRole) -> Self {
        Self {
            id: k.key.id.0,
            kind: k.key.kind.as_str(),
            name: &k.key.name,
            key_id: k.key.key_id.as_deref(),
            role: k.role.map(|r| r.as_str()),
            rate_limit: k.key.rate_limit,
            created_at: k.key.created_at,
            last_used_at: k.key.last_used_at,
            revoked_at: k.key.revoked_at,
        }
    }
}

/// `broadsheet key list`.
pub fn list_keys(args: &KeyListArgs) -> anyhow::Result<()> {
    let all = run(service(open(&args.database)?).list_keys(&Actor::System))??;
    let listed: Vec<Listed<'_>> = all.iter().map(Listed::from).collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&listed)?);
        return Ok(());
    }
    let mut table = Table::new(&[
        "ID",
        "KIND",
        "NAME",
        "KEY ID",
        "ROLE",
        "LIMIT/MIN",
        "CREATED",
        "LAST USED",
        "REVOKED",
    ]);
    for k in &listed {
        table.row(vec![
            k.id.to_string(),
            k.kind.to_owned(),
            k.name.to_owned(),
            k.key_id.unwrap_or("-").to_owned(),
            k.role.unwrap_or("-").to_owned(),
            k.rate_limit.to_string(),
            minute(Some(k.created_at)),
            minute(k.last_used_at),
            minute(k.revoked_at),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}

/// `broadsheet key revoke`.
pub fn revoke_key(args: &KeyRevokeArgs) -> anyhow::Result<()> {
    let service = service(open(&args.database)?);
    let revoked =
        run(service.revoke_key(&Actor::System, ApiKeyId(args.id)))?.map_err(|e| match e {
            ServiceError::NotFound(_) | ServiceError::Store(StoreError::NotFound { .. }) => {
                anyhow::anyhow!("id: no key has this id (see `key list`)")
            }
            e => e.into(),
        })?;
    // Servers remember a content key they have read for up to a second
    // (`broadsheet_api::keys::KEY_TTL`).
    println!(
        "{} key {:?} (id {}) revoked at {}; servers stop accepting it within a second",
        revoked.key.kind.as_str(),
        revoked.key.name,
        revoked.key.id,
        minute(revoked.key.revoked_at),
    );
    Ok(())
}
