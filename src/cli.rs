//! Command-line arguments. Every flag can also be set by a `BROADSHEET_*` environment
//! variable; flags win. Parsed once, into these types, at startup.

use std::net::SocketAddr;

use broadsheet_persistence::DatabaseUrl;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// A headless content API for newsrooms.
#[derive(Debug, Parser)]
#[command(name = "broadsheet", version, about)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(
        long,
        global = true,
        env = "BROADSHEET_LOG_FORMAT",
        default_value = "text"
    )]
    pub log_format: LogFormat,

    /// Log filter, as tracing's `EnvFilter` reads it (e.g. `info` or
    /// `info,broadsheet_persistence=debug`).
    #[arg(long, global = true, env = "BROADSHEET_LOG", default_value = "info")]
    pub log: String,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line, for log collectors.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (creating and migrating the database first).
    Serve(ServeArgs),
    /// Apply pending database migrations, then exit.
    Migrate(DatabaseArgs),
    /// Load the sample publication (safe to run again: nothing is loaded twice).
    Demo(DatabaseArgs),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
}

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `sqlite://PATH` (created if missing) or `postgres://USER:PASSWORD@HOST/DB?sslmode=…`.
    #[arg(
        long = "database",
        env = "BROADSHEET_DATABASE_URL",
        default_value = "sqlite://broadsheet.db",
        value_parser = parse_database_url,
        hide_env_values = true
    )]
    pub url: DatabaseUrl,

    /// Most database connections held open at once.
    #[arg(long, env = "BROADSHEET_DB_MAX_CONNECTIONS", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_max_connections: u32,
}

fn parse_database_url(value: &str) -> Result<DatabaseUrl, String> {
    DatabaseUrl::parse(value).map_err(|e| e.to_string())
}

/// `broadsheet serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, env = "BROADSHEET_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Load the sample publication if the database holds no articles.
    #[arg(long, env = "BROADSHEET_DEMO")]
    pub demo: bool,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "BROADSHEET_WORKERS", value_parser = clap::value_parser!(u16).range(1..=512))]
    pub workers: Option<u16>,

    /// Seconds that requests in flight may take to finish after SIGTERM or SIGINT.
    #[arg(long, env = "BROADSHEET_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,
}

/// `broadsheet user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff account.
    Create(UserCreateArgs),
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

    /// contributor, author, editor or administrator.
    #[arg(long, env = "BROADSHEET_USER_ROLE")]
    pub role: String,

    /// Read the password from the first line of standard input (without it, the account
    /// cannot sign in until a password is set).
    #[arg(long, env = "BROADSHEET_USER_PASSWORD_STDIN")]
    pub password_stdin: bool,
}
