//! Test support: a fresh database per test, on SQLite or PostgreSQL, and fixture builders.
//!
//! PostgreSQL tests run when `BROADSHEET_TEST_POSTGRES_URL` is set (to a database the tests may
//! create schemas in); each test gets its own schema, dropped when the test ends. When the
//! variable is not set they are skipped, and the test binary says so on stderr.

mod builders;
pub mod raw;

pub use crate::slugs::SlugTable;
pub use builders::{ArticleBuilder, TagBuilder, UserBuilder};

use std::io::Write as _;
use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::connection::SimpleConnection as _;
use diesel::{Connection as _, PgConnection};

use crate::Store;
use crate::db::{DatabaseUrl, PoolOptions};

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "BROADSHEET_TEST_POSTGRES_URL";

/// A database that exists for one test.
pub struct TestDb {
    /// The migrated store.
    pub store: Store,
    url: DatabaseUrl,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        admin_url: String,
        schema: String,
    },
    /// Another handle's database: the first cleans up.
    Borrowed,
}

impl TestDb {
    /// A migrated SQLite database in a temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = DatabaseUrl::Sqlite(dir.path().join("broadsheet.db"));
        let store = Store::open(&url, &options()).expect("open SQLite test database");
        Self {
            store,
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A migrated PostgreSQL schema of its own, or `None` (with a note on stderr) when
    /// [`POSTGRES_URL_VAR`] is not set. A set but unreachable server fails the test.
    pub fn postgres() -> Option<Self> {
        let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
            note_skipped();
            return None;
        };
        let schema = unique_schema_name();
        let mut admin = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is set but unreachable: {e}"));
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("create test schema");
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = DatabaseUrl::Postgres(format!(
            "{admin_url}{separator}options=-csearch_path%3D{schema}"
        ));
        let store = Store::open(&url, &options()).expect("open PostgreSQL test schema");
        Some(Self {
            store,
            url,
            cleanup: Cleanup::Postgres { admin_url, schema },
        })
    }

    /// Another handle on the same database (for a second server on it, as another replica
    /// would be); the database lives as long as `self`, which the caller keeps.
    pub fn another(&self) -> Self {
        Self {
            store: Store::open(&self.url, &options()).expect("open the test database again"),
            url: self.url.clone(),
            cleanup: Cleanup::Borrowed,
        }
    }

    /// Where the database is, for starting the server or the command line on it.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// The URL as text, for a command line.
    pub fn url_string(&self) -> String {
        match &self.url {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, schema } = &self.cleanup {
            // Connections of the pool may still be open; DROP SCHEMA does not wait for them.
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

/// The plan the database makes for the statement that finds a free slug for `base` in
/// `table` (SQLite's `EXPLAIN QUERY PLAN` rows, PostgreSQL's `EXPLAIN` lines).
pub fn slug_lookup_plan(
    conn: &mut crate::AnyConnection,
    table: SlugTable,
    base: &broadsheet_domain::Slug,
) -> Result<Vec<String>, crate::StoreError> {
    crate::slugs::plan(conn, table, base)
}

fn options() -> PoolOptions {
    PoolOptions {
        max_connections: 4,
        ..PoolOptions::default()
    }
}

fn unique_schema_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "broadsheet_test_{}_{}_{:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    )
}

/// Says once per test binary, past the test harness's output capture, that PostgreSQL tests
/// were skipped.
fn note_skipped() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "\nNOTE: PostgreSQL tests SKIPPED (they pass vacuously): {POSTGRES_URL_VAR} is not set.\n\
             Set it, e.g. {POSTGRES_URL_VAR}=postgres://postgres@127.0.0.1:5432/test, to run them.\n"
        );
    });
}

/// Declares test functions that take `&TestDb` and runs each on both backends:
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name(&$crate::testing::TestDb::sqlite());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(db) = $crate::testing::TestDb::postgres() {
                        super::$name(&db);
                    }
                }
            )*
        }
    };
}
