//! `broadsheet key …`: content keys for partners, integration keys for writers.

use clap::{Args, Subcommand};

use super::{DatabaseArgs, MasterKeyArgs, RoleArg};

/// `broadsheet key …`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create a key and print it (it is shown once).
    Create(KeyCreateArgs),
    /// List the keys, newest first, revoked ones included; never their secrets.
    List(KeyListArgs),
    /// Revoke a key: servers stop accepting it within a second.
    Revoke(KeyRevokeArgs),
}

/// `broadsheet key create`.
#[derive(Debug, Clone, Args)]
pub struct KeyCreateArgs {
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// The master key, to seal an integration key's secret.
    #[command(flatten)]
    pub secrets: MasterKeyArgs,

    /// Whose key ("Partner Times").
    #[arg(long, env = "BROADSHEET_KEY_NAME")]
    pub name: String,

    /// Make an integration key (`{id}:{secret}`, for the editorial API) acting with this
    /// role, instead of a read-only content key.
    #[arg(
        long,
        env = "BROADSHEET_KEY_INTEGRATION_ROLE",
        value_enum,
        ignore_case = true
    )]
    pub integration_role: Option<RoleArg>,

    /// Requests a minute the key may make (at least 1).
    #[arg(long, env = "BROADSHEET_KEY_RATE_LIMIT", default_value_t = 600,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: u32,
}

/// `broadsheet key list`.
#[derive(Debug, Clone, Args)]
pub struct KeyListArgs {
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// One JSON array, for scripts, instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `broadsheet key revoke`.
#[derive(Debug, Clone, Args)]
pub struct KeyRevokeArgs {
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// The key's id, as `key list` shows it.
    #[arg(long)]
    pub id: i64,
}
