//! Command-line arguments. Every flag can also be set by a `BROADSHEET_*` environment
//! variable; flags win. Parsed once, into these types, at startup.

use std::net::SocketAddr;

use broadsheet_persistence::DatabaseUrl;
use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

mod duration;
mod keys;
mod master_key;
mod switch;
mod users;

pub use duration::{parse_duration, parse_duration_or_zero};
pub use keys::{KeyCommand, KeyCreateArgs, KeyListArgs, KeyRevokeArgs};
pub use master_key::MasterKeyArgs;
pub use users::{RoleArg, UserCommand, UserCreateArgs, UserEmailArgs, UserListArgs};

switch::switch!(
    Demo,
    "demo",
    "BROADSHEET_DEMO",
    default false,
    "Load the sample publication if the database holds no articles.",
    "Do not load the sample publication.",
);
switch::switch!(
    WebhookDelivery,
    "webhook-delivery",
    "BROADSHEET_WEBHOOK_DELIVERY",
    default true,
    "Deliver webhooks from this process. Any number of replicas may (each delivery is \
     claimed by one at a time).",
    "Only serve: leave deliveries to other processes.",
);
switch::switch!(
    WebhookAllowPrivate,
    "webhook-allow-private",
    "BROADSHEET_WEBHOOK_ALLOW_PRIVATE",
    default false,
    "Let webhooks reach loopback, private, link-local and other non-public addresses (an \
     intranet's receivers). Off, such receivers are refused when registered and not \
     delivered to.",
    "Refuse webhook receivers at non-public addresses (the default).",
);
switch::switch!(
    GraphqlIntrospection,
    "graphql-introspection",
    "BROADSHEET_GRAPHQL_INTROSPECTION",
    default true,
    "Answer introspection queries.",
    "Refuse introspection queries.",
);
switch::switch!(
    GraphqlSuggestions,
    "graphql-suggestions",
    "BROADSHEET_GRAPHQL_SUGGESTIONS",
    default true,
    "Suggest field names in validation errors (\"did you mean …\").",
    "Leave suggestions out of validation errors.",
);
switch::switch!(
    Graphiql,
    "graphiql",
    "BROADSHEET_GRAPHIQL",
    default true,
    "Serve GraphiQL to browsers at GET /graphql.",
    "Do not serve GraphiQL.",
);

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
    // Boxed: the server's flags outweigh every other command's.
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations, then exit.
    Migrate(DatabaseArgs),
    /// Load the sample publication (safe to run again: nothing is loaded twice).
    Demo(DatabaseArgs),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Print the GraphQL schema (SDL), as `schema.graphql` holds it.
    Schema,
    /// Print an access token for a staff member, for scripts.
    Token(TokenArgs),
    /// Manage API keys for partners and integrations.
    #[command(subcommand)]
    Key(KeyCommand),
}

/// `broadsheet token`.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Sign-in settings (the same as the server's).
    #[command(flatten)]
    pub auth: AuthArgs,

    /// The master key, to read a sealed signing secret.
    #[command(flatten)]
    pub secrets: MasterKeyArgs,

    /// Whose token.
    #[arg(long, env = "BROADSHEET_TOKEN_EMAIL")]
    pub email: String,

    /// How long it lives.
    #[arg(long, env = "BROADSHEET_TOKEN_TTL", default_value = "1h", value_parser = parse_duration)]
    pub ttl: std::time::Duration,
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

    /// Most database connections held open at once. Default: 8 on PostgreSQL; on SQLite one
    /// per core this process may run on, from 2 to 8 (SQLite reads run in this process, so
    /// connections beyond the cores add no throughput, only a page cache each).
    #[arg(long, env = "BROADSHEET_DB_MAX_CONNECTIONS",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_max_connections: Option<u32>,

    /// PostgreSQL: the server ends a statement of the API's that runs longer than this (`0`:
    /// never), so a request abandoned by its client or by its own time limit does not keep a
    /// backend busy. Migrations and CLI commands run without it.
    #[arg(long, env = "BROADSHEET_DB_STATEMENT_TIMEOUT", default_value = "30s",
          value_parser = parse_duration_or_zero)]
    pub db_statement_timeout: std::time::Duration,
}

impl DatabaseArgs {
    /// The pool size: as given, or the default for the backend.
    pub fn max_connections(&self) -> u32 {
        self.db_max_connections.unwrap_or_else(|| match self.url {
            DatabaseUrl::Postgres(_) => 8,
            DatabaseUrl::Sqlite(_) => std::thread::available_parallelism()
                .map_or(2, |n| u32::try_from(n.get()).unwrap_or(8))
                .clamp(2, 8),
        })
    }
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

    /// Address and port of a listener of its own that serves `/metrics` in the Prometheus
    /// text format (port 0 picks a free one); off unless set. Keep it off the public network.
    #[arg(long, env = "BROADSHEET_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,

    #[command(flatten)]
    pub demo: Demo,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "BROADSHEET_WORKERS", value_parser = clap::value_parser!(u16).range(1..=512))]
    pub workers: Option<u16>,

    /// How long a client may take to send a request's body once its headers are in (a
    /// client dribbling it a byte at a time is cut off with 408).
    #[arg(long, env = "BROADSHEET_REQUEST_BODY_TIMEOUT", default_value = "10s",
          value_parser = parse_duration)]
    pub request_body_timeout: std::time::Duration,

    /// Seconds that requests in flight may take to finish after SIGTERM or SIGINT.
    #[arg(long, env = "BROADSHEET_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,

    /// The publication's public address; article, tag and author URLs start with it.
    #[arg(long, env = "BROADSHEET_SITE_URL", default_value = "http://localhost:8080",
          value_parser = parse_site_url)]
    pub site_url: String,

    /// Proxies and load balancers whose `Forwarded` / `X-Forwarded-For` headers are believed,
    /// as addresses or networks, comma-separated (`10.0.0.0/8,127.0.0.1`). From any other
    /// peer those headers are ignored: the peer is the client.
    #[arg(long, env = "BROADSHEET_TRUSTED_PROXIES", default_value = "",
          value_parser = parse_trusted_proxies)]
    pub trusted_proxies: TrustedProxies,

    /// Requests a minute each anonymous client address may make (an IPv6 /64 counts as one
    /// address), in bursts of up to a sixth of that; 0: no limit. Requests with a content
    /// key count against the key instead; staff are not limited here.
    #[arg(long, env = "BROADSHEET_ANONYMOUS_RATE_LIMIT", default_value_t = 1200)]
    pub anonymous_rate_limit: u32,

    /// Origins whose pages may call the API from a browser, comma-separated, or `*` for any.
    #[arg(
        long,
        env = "BROADSHEET_CORS_ORIGINS",
        default_value = "*",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,

    /// GraphQL settings.
    #[command(flatten)]
    pub graphql: GraphqlArgs,

    /// Sign-in settings.
    #[command(flatten)]
    pub auth: AuthArgs,

    /// The master key that seals stored secrets.
    #[command(flatten)]
    pub secrets: MasterKeyArgs,

    /// Articles in each RSS, Atom and JSON feed.
    #[arg(long, env = "BROADSHEET_FEED_SIZE", default_value_t = 20,
          value_parser = clap::value_parser!(u16).range(1..=100))]
    pub feed_size: u16,

    /// Seconds between runs of the task that publishes scheduled articles (0: never; an
    /// article due still reads as published).
    #[arg(long, env = "BROADSHEET_SCHEDULER_INTERVAL", default_value_t = 5)]
    pub scheduler_interval: u64,

    #[command(flatten)]
    pub webhooks: WebhookArgs,

    /// Earlier versions of each article kept: the newest ones; older ones are deleted by the
    /// maintenance task (0: keep them all).
    #[arg(long, env = "BROADSHEET_REVISIONS_KEPT", default_value_t = 50)]
    pub revisions_kept: u32,

    /// How often the maintenance task deletes what has outlived its use (refresh tokens that
    /// can no longer be used, ended sign-in throttle windows, revisions beyond
    /// `--revisions-kept`); 0: never.
    #[arg(long, env = "BROADSHEET_MAINTENANCE_INTERVAL", default_value = "1h",
          value_parser = parse_duration_or_zero)]
    pub maintenance_interval: std::time::Duration,

    /// Memory for the response cache of public reads, in MiB (0: no cache).
    #[arg(long, env = "BROADSHEET_RESPONSE_CACHE_MB", default_value_t = 64)]
    pub response_cache_mb: usize,

    /// How often, in milliseconds, the response cache checks the database for changes made
    /// elsewhere (other replicas, the CLI); this process's own writes are seen at once.
    #[arg(long, env = "BROADSHEET_CACHE_REFRESH_MS", default_value_t = 250,
          value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub cache_refresh_ms: u64,

    /// `stale-while-revalidate` of public responses, in seconds: how long a CDN may serve a
    /// response past its `max-age` while it fetches a new one.
    #[arg(
        long,
        env = "BROADSHEET_CACHE_STALE_WHILE_REVALIDATE",
        default_value_t = 30
    )]
    pub cache_stale_while_revalidate: u32,

    /// The clock the server tells the time by: the system's; tests set a manual one. Not a
    /// flag.
    #[arg(skip)]
    pub clock: broadsheet_domain::clock::Clock,
}

/// How webhooks are delivered.
#[derive(Debug, Clone, Args)]
pub struct WebhookArgs {
    #[command(flatten)]
    pub webhook_delivery: WebhookDelivery,

    /// How long a webhook receiver has to answer.
    #[arg(long, env = "BROADSHEET_WEBHOOK_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub webhook_timeout: std::time::Duration,

    /// Attempts per webhook delivery, the first included.
    #[arg(long, env = "BROADSHEET_WEBHOOK_MAX_ATTEMPTS", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=30))]
    pub webhook_max_attempts: u32,

    /// The wait before retrying a failed delivery; each further retry waits twice as long
    /// (at most 6 hours).
    #[arg(long, env = "BROADSHEET_WEBHOOK_RETRY_BASE", default_value = "30s", value_parser = parse_duration)]
    pub webhook_retry_base: std::time::Duration,

    #[command(flatten)]
    pub webhook_allow_private: WebhookAllowPrivate,
}

impl WebhookArgs {
    /// The delivery worker's options.
    pub fn options(&self) -> broadsheet_api::webhooks::DeliveryOptions {
        broadsheet_api::webhooks::DeliveryOptions {
            timeout: self.webhook_timeout,
            max_attempts: self.webhook_max_attempts,
            retry_base: self.webhook_retry_base,
            receivers: self.receivers(),
            ..broadsheet_api::webhooks::DeliveryOptions::default()
        }
    }

    /// Which addresses webhooks may be registered at and delivered to.
    pub fn receivers(&self) -> broadsheet_api::webhooks::Receivers {
        if self.webhook_allow_private.on() {
            broadsheet_api::webhooks::Receivers::AnyAddress
        } else {
            broadsheet_api::webhooks::Receivers::PublicOnly
        }
    }
}

/// `--trusted-proxies`, parsed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<broadsheet_api::client::IpNet>);

fn parse_trusted_proxies(value: &str) -> Result<TrustedProxies, String> {
    broadsheet_api::client::parse_networks(value).map(TrustedProxies)
}

/// A secret flag's value, held so that it never prints (`Debug` shows `[REDACTED]`).
fn parse_secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value))
}

/// Public-key algorithms for tokens from an external identity provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyAlgorithm {
    /// RSA with SHA-256.
    #[value(name = "RS256")]
    Rs256,
    /// Ed25519.
    #[value(name = "EdDSA")]
    EdDsa,
}

/// How staff sign in and how their tokens are made and checked.
#[derive(Debug, Clone, Args)]
pub struct AuthArgs {
    /// Secret for signing tokens (HS256), at least 32 bytes. Without one, a random secret is
    /// generated once and kept in the database.
    #[arg(long, env = "BROADSHEET_JWT_SECRET", hide_env_values = true, value_parser = parse_secret)]
    pub jwt_secret: Option<SecretString>,

    /// `iss` of the tokens made, and the only issuer accepted.
    #[arg(long, env = "BROADSHEET_JWT_ISSUER", default_value = "broadsheet")]
    pub jwt_issuer: String,

    /// `aud` of the tokens made, and the only audience accepted.
    #[arg(long, env = "BROADSHEET_JWT_AUDIENCE", default_value = "broadsheet")]
    pub jwt_audience: String,

    /// How long an access token lives.
    #[arg(long, env = "BROADSHEET_ACCESS_TOKEN_TTL", default_value = "15m", value_parser = parse_duration)]
    pub access_token_ttl: std::time::Duration,

    /// How long a refresh token lives.
    #[arg(long, env = "BROADSHEET_REFRESH_TOKEN_TTL", default_value = "30d", value_parser = parse_duration)]
    pub refresh_token_ttl: std::time::Duration,

    /// PEM file of the public key of an external identity provider whose tokens are accepted
    /// too.
    #[arg(long, env = "BROADSHEET_JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<std::path::PathBuf>,

    /// The algorithm of that key.
    #[arg(
        long,
        env = "BROADSHEET_JWT_PUBLIC_KEY_ALGORITHM",
        default_value = "RS256"
    )]
    pub jwt_public_key_algorithm: KeyAlgorithm,
}

fn parse_site_url(value: &str) -> Result<String, String> {
    broadsheet_domain::url::WebUrl::parse("site_url", value)
        .map(|u| u.as_str().trim_end_matches('/').to_owned())
        .map_err(|e| e.message)
}

/// Limits and switches of the GraphQL endpoint.
#[derive(Debug, Clone, Args)]
pub struct GraphqlArgs {
    #[command(flatten)]
    pub graphql_introspection: GraphqlIntrospection,

    #[command(flatten)]
    pub graphql_suggestions: GraphqlSuggestions,

    #[command(flatten)]
    pub graphiql: Graphiql,

    /// Deepest selection nesting a query may have.
    /// (15 by default: GraphiQL's schema query nests that deep.)
    #[arg(long, env = "BROADSHEET_GRAPHQL_MAX_DEPTH", default_value_t = 15)]
    pub graphql_max_depth: usize,

    /// Highest query complexity (list fields count once per row asked for).
    #[arg(
        long,
        env = "BROADSHEET_GRAPHQL_MAX_COMPLEXITY",
        default_value_t = 10_000
    )]
    pub graphql_max_complexity: usize,

    /// How long a read may take, on every API (GraphQL, the JSON Content API, feeds):
    /// past it the client gets 503 `TIMEOUT`, and its statements are ended.
    #[arg(long, alias = "graphql-timeout", env = "BROADSHEET_REQUEST_TIMEOUT",
          default_value = "10s", value_parser = parse_duration)]
    pub request_timeout: std::time::Duration,

    /// `max-age`, in seconds, of cacheable responses.
    #[arg(long, env = "BROADSHEET_CACHE_MAX_AGE", default_value_t = 60)]
    pub cache_max_age: u32,

    /// Memory for automatic persisted queries, in MiB (anyone may register one; the least
    /// recently used go first). 0: none are kept.
    #[arg(long, env = "BROADSHEET_PERSISTED_QUERIES_MB", default_value_t = 4,
          value_parser = clap::value_parser!(u64).range(0..=4096))]
    pub persisted_queries_mb: u64,
}

impl GraphqlArgs {
    /// The GraphQL endpoint's configuration from these flags (`--request-timeout` and
    /// `--cache-max-age` apply to every API: see `startup::app_config`).
    pub fn config(&self) -> broadsheet_api::GraphqlConfig {
        broadsheet_api::GraphqlConfig {
            max_depth: self.graphql_max_depth,
            max_complexity: self.graphql_max_complexity,
            introspection: self.graphql_introspection.on(),
            suggestions: self.graphql_suggestions.on(),
            graphiql: self.graphiql.on(),
            persisted_queries_bytes: self.persisted_queries_mb * 1024 * 1024,
            ..broadsheet_api::GraphqlConfig::default()
        }
    }
}

#[cfg(test)]
mod tests;
