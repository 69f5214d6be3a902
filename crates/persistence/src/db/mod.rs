//! Connections, the pool, and migrations.

mod connection;
pub(crate) mod deadline;
#[cfg(all(test, feature = "testing"))]
mod drift;
mod id_list;
pub mod sql_types;
mod static_sql;
pub(crate) mod stored;
mod url;

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection as _;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::r2d2::{self, ManageConnection, R2D2Connection as _};
use diesel::{Connection as _, PgConnection, RunQueryDsl as _, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub(crate) use connection::on_inner;
pub use connection::{AnyConnection, MultiBackend};
pub(crate) use id_list::{any_of_ids, in_ids};
pub(crate) use static_sql::static_sql;
pub use url::{Backend, DatabaseUrl, InvalidDatabaseUrl};

use crate::StoreError;
use crate::error::Cause;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Set on every new SQLite connection: enforce foreign keys (off by default in SQLite), wait
/// for locks rather than fail at once, and sync less often (safe under WAL).
///
/// The page cache is 4 MB a connection (SQLite's default is 2): hot index pages stay in the
/// process, the rest comes from the OS's file cache. No `mmap_size`: mapped pages count in
/// the process's resident memory once per connection, for little gain over the file cache.
const SQLITE_CONNECTION_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; \
     PRAGMA cache_size = -4000;";

/// An arbitrary key for PostgreSQL's advisory lock that serialises migrations when several
/// replicas start at once.
const MIGRATION_LOCK_KEY: i64 = 0x6272_6f61_6473;

/// Opens connections for the pool, and judges whether one lent before is still good.
///
/// A PostgreSQL server can restart, or end a backend, under a pooled connection. Rather than a
/// `SELECT 1` before every loan (a round trip per batch of a request: three of the eight
/// statements of the home page), a connection returned less than [`TRUSTED_FOR`] ago is lent
/// as it is, as HikariCP does: it was working a moment ago. A connection found lost by a
/// statement is dropped when it comes back, and for [`SUSPICIOUS_FOR`] after any loss every
/// connection is checked before it is lent, so that a restart costs the requests then in
/// flight and no more.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    statements: Arc<AtomicU64>,
    statement_timeout: Option<Duration>,
    /// When a connection was last found lost, in milliseconds after `epoch` (0: never).
    lost_at: Arc<AtomicU64>,
    /// How many times a connection was checked before a loan.
    checks: Arc<AtomicU64>,
    epoch: Instant,
}

/// How long after its last loan a pooled connection is trusted without a check.
pub const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// How long after a lost connection every connection is checked before it is lent.
pub const SUSPICIOUS_FOR: Duration = Duration::from_secs(10);

/// A connection of the pool: derefs to [`AnyConnection`].
pub struct Pooled {
    conn: AnyConnection,
    /// When it last came back to the pool (`None`: never lent yet).
    returned: Option<Instant>,
    /// What its instrumentation and the pool tell each other.
    health: Arc<Health>,
}

/// Shared by a pooled connection and its instrumentation.
#[derive(Debug, Default)]
struct Health {
    /// A statement found the connection lost.
    lost: AtomicBool,
    /// The pool is checking the connection: its `SELECT 1` is not one of the statements
    /// counted (which are the requests' own, the figure the N+1 tests check).
    pinging: AtomicBool,
}

impl Deref for Pooled {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

impl std::fmt::Debug for Pooled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pooled")
            .field("returned", &self.returned)
            .field("health", &self.health)
            .finish_non_exhaustive()
    }
}

impl Manager {
    /// A manager for `url` that counts the statements its connections run in `statements`,
    /// and its checks before loans in `checks`.
    pub fn new(url: DatabaseUrl, statements: Arc<AtomicU64>, checks: Arc<AtomicU64>) -> Self {
        Self {
            url,
            statements,
            statement_timeout: None,
            lost_at: Arc::new(AtomicU64::new(0)),
            checks,
            epoch: Instant::now(),
        }
    }

    /// Milliseconds since this manager was made, at least 1 (0 stands for "never").
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    /// Whether a connection was found lost less than [`SUSPICIOUS_FOR`] ago.
    fn suspicious(&self) -> bool {
        let lost_at = self.lost_at.load(Ordering::Relaxed);
        let window = u64::try_from(SUSPICIOUS_FOR.as_millis()).unwrap_or(u64::MAX);
        lost_at != 0 && self.now_ms().saturating_sub(lost_at) < window
    }

    /// PostgreSQL ends any statement of these connections that runs longer than `timeout`.
    pub fn with_statement_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.statement_timeout = timeout;
        self
    }
}

/// Counts every statement a connection runs (the figure behind the N+1 tests) and logs its
/// SQL at `trace` level: the text only, never the values bound to it (password hashes,
/// token and key hashes, email addresses). Notes when a statement finds the connection lost.
struct StatementCounter {
    statements: Arc<AtomicU64>,
    /// This connection's [`Pooled::health`].
    health: Arc<Health>,
}

impl Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                if !self.health.pinging.load(Ordering::Relaxed) {
                    self.statements.fetch_add(1, Ordering::Relaxed);
                }
                if tracing::enabled!(tracing::Level::TRACE) {
                    let text = query.to_string();
                    tracing::trace!(sql = %without_binds(&text), "query");
                }
            }
            InstrumentationEvent::FinishQuery {
                error:
                    Some(diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::ClosedConnection,
                        _,
                    )),
                ..
            } => self.health.lost.store(true, Ordering::Relaxed),
            _ => {}
        }
    }
}

/// A statement as diesel prints it (`SQL -- binds: [values]`), without its values.
fn without_binds(printed: &str) -> &str {
    printed
        .rsplit_once(" -- binds: ")
        .map_or(printed, |(sql, _)| sql)
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        let mut conn = self.open()?;
        let health = Arc::new(Health::default());
        conn.set_instrumentation(StatementCounter {
            statements: Arc::clone(&self.statements),
            health: Arc::clone(&health),
        });
        Ok(Pooled {
            conn,
            returned: None,
            health,
        })
    }

    /// Called before each loan (PostgreSQL only: see `connect`'s pool settings).
    fn is_valid(&self, conn: &mut Pooled) -> Result<(), r2d2::Error> {
        let recent = conn.returned.is_some_and(|at| at.elapsed() < TRUSTED_FOR);
        if recent && !self.suspicious() {
            return Ok(());
        }
        self.checks.fetch_add(1, Ordering::Relaxed);
        conn.health.pinging.store(true, Ordering::Relaxed);
        let pinged = conn.conn.ping();
        conn.health.pinging.store(false, Ordering::Relaxed);
        pinged.map_err(r2d2::Error::QueryError)
    }

    /// Called as each loan ends.
    fn has_broken(&self, conn: &mut Pooled) -> bool {
        conn.returned = Some(Instant::now());
        if conn.health.lost.load(Ordering::Relaxed) {
            self.lost_at.store(self.now_ms(), Ordering::Relaxed);
            return true;
        }
        conn.conn.is_broken()
    }
}

impl Manager {
    fn open(&self) -> Result<AnyConnection, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_str().ok_or_else(|| {
                    r2d2::Error::ConnectionError(diesel::ConnectionError::InvalidConnectionUrl(
                        "the SQLite path is not valid UTF-8".into(),
                    ))
                })?;
                let mut conn =
                    SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_CONNECTION_PRAGMAS)
                    .map_err(r2d2::Error::QueryError)?;
                deadline::register(&conn).map_err(r2d2::Error::QueryError)?;
                Ok(AnyConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                let mut conn =
                    PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?;
                if let Some(timeout) = self.statement_timeout {
                    conn.batch_execute(&format!(
                        "SET statement_timeout = {}",
                        timeout.as_millis().max(1)
                    ))
                    .map_err(r2d2::Error::QueryError)?;
                }
                Ok(AnyConnection::Postgres(conn))
            }
        }
    }
}

/// The connection pool.
pub type Pool = r2d2::Pool<Manager>;

/// A connection borrowed from the pool; derefs to [`Pooled`], and on to [`AnyConnection`].
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Most connections open at once.
    pub max_connections: u32,
    /// How long a request waits for a free connection before it fails as unavailable.
    pub acquire_timeout: Duration,
    /// PostgreSQL: the longest a statement may run before the server ends it (`None`: no
    /// limit). A request whose client has gone, or that its own time limit abandoned, would
    /// otherwise keep a backend busy to the end. Migrations are exempt. SQLite runs
    /// statements in the process and has no such setting.
    pub statement_timeout: Option<Duration>,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: None,
        }
    }
}

/// Opens a pool on `url`, failing if the database cannot be reached; its connections count
/// their statements in `statements`, and the checks made before loans in `checks`.
pub fn connect(
    url: &DatabaseUrl,
    options: &PoolOptions,
    statements: Arc<AtomicU64>,
    checks: Arc<AtomicU64>,
) -> Result<Pool, StoreError> {
    if let DatabaseUrl::Sqlite(path) = url {
        // SQLite creates a missing file but not a missing directory; say so plainly.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            return Err(StoreError::Unavailable(Cause::new(format!(
                "directory {} does not exist",
                dir.display()
            ))));
        }
    }
    // One direct attempt first: a wrong password or a refused connection fails at once with
    // the server's reason, rather than after the pool's whole acquire timeout.
    let manager = Manager::new(url.clone(), statements, checks)
        .with_statement_timeout(options.statement_timeout);
    manager
        .open()
        .map_err(|e| StoreError::Unavailable(Cause::new(e)))?;
    r2d2::Pool::builder()
        .max_size(options.max_connections.max(1))
        .min_idle(Some(1))
        .connection_timeout(options.acquire_timeout)
        // A PostgreSQL server can restart under us: a pooled connection is judged before it
        // is lent (see `Manager`). SQLite connections cannot go away.
        .test_on_check_out(url.backend() == Backend::Postgres)
        .error_handler(Box::new(LogErrors))
        .build(manager)
        .map_err(|e| StoreError::Unavailable(Cause::new(e)))
}

/// Reports connection failures through `tracing` (r2d2 would use the `log` crate).
#[derive(Debug)]
struct LogErrors;

impl r2d2::HandleError<r2d2::Error> for LogErrors {
    fn handle_error(&self, error: r2d2::Error) {
        let error = error.to_string();
        let error = error.split_whitespace().collect::<Vec<_>>().join(" ");
        tracing::warn!(%error, "database connection failed");
    }
}

/// Applies every pending migration. Safe to run from several processes at once.
pub fn migrate(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let applied = match conn {
        AnyConnection::Sqlite(c) => {
            // WAL lets readers proceed while one writer writes; the setting is stored in the
            // file, so once is enough.
            let mode: Vec<JournalMode> = diesel::sql_query("PRAGMA journal_mode = WAL")
                .load(c)
                .map_err(StoreError::from)?;
            tracing::debug!(journal_mode = ?mode.first().map(|m| &m.journal_mode));
            run(c, SQLITE_MIGRATIONS)?
        }
        AnyConnection::Postgres(c) => {
            // A migration over a large archive (an index on a million articles) may take
            // longer than any request should: the connection's statement timeout is lifted
            // for it, and put back after.
            let timeout: Vec<Setting> =
                diesel::sql_query("SELECT current_setting('statement_timeout') AS value")
                    .load(c)?;
            c.batch_execute("SET statement_timeout = 0")?;
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                .execute(c)?;
            let result = run(c, POSTGRES_MIGRATIONS);
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
                .execute(c)?;
            if let Some(setting) = timeout.first() {
                diesel::sql_query("SELECT set_config('statement_timeout', $1, false)")
                    .bind::<diesel::sql_types::Text, _>(&setting.value)
                    .execute(c)?;
            }
            result?
        }
    };
    Ok(applied)
}

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

#[derive(diesel::QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = diesel::sql_types::Text)]
    journal_mode: String,
}

fn run<C>(conn: &mut C, migrations: EmbeddedMigrations) -> Result<Vec<String>, StoreError>
where
    C: MigrationHarness<C::Backend> + diesel::Connection,
{
    conn.run_pending_migrations(migrations)
        .map(|versions| versions.iter().map(ToString::to_string).collect())
        .map_err(|e| StoreError::Internal(Cause::new(format!("migration failed: {e}"))))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    #[test]
    fn logged_statements_leave_their_values_out() {
        let printed = "SELECT a FROM t WHERE h = ? -- binds: [\"secret-hash\"]";
        assert_eq!(super::without_binds(printed), "SELECT a FROM t WHERE h = ?");
        assert_eq!(super::without_binds("SELECT 1"), "SELECT 1");
    }
    use std::path::Path;

    fn versions(backend: &str) -> BTreeSet<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../migrations")
            .join(backend);
        std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    /// Both backends have the same migrations, by the same names, each with up and down.
    #[test]
    fn migration_folders_match() {
        let sqlite = versions("sqlite");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, versions("postgres"));
        for backend in ["sqlite", "postgres"] {
            for version in &sqlite {
                for file in ["up.sql", "down.sql"] {
                    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("../../migrations")
                        .join(backend)
                        .join(version)
                        .join(file);
                    assert!(path.is_file(), "{} is missing", path.display());
                }
            }
        }
    }
}
