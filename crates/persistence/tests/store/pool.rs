//! The PostgreSQL pool: a connection lent again within a second of its last loan goes out
//! without a `SELECT 1` first, and a connection the server has dropped costs the request that
//! finds it, not the ones after.

use std::time::Duration;

use broadsheet_persistence::testing::TestDb;
use broadsheet_persistence::{PoolOptions, Store, StoreError};
use diesel::RunQueryDsl as _;

#[derive(diesel::QueryableByName)]
struct Pid {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

async fn backend(store: &Store) -> Result<i32, StoreError> {
    store
        .read(|c| {
            let rows: Vec<Pid> = diesel::sql_query("SELECT pg_backend_pid() AS pid").load(c)?;
            rows.first()
                .map(|r| r.pid)
                .ok_or_else(|| StoreError::internal("no row"))
        })
        .await
}

#[tokio::test]
async fn postgres_connections_lent_again_soon_are_not_pinged() {
    let Some(db) = TestDb::postgres() else { return };
    let options = PoolOptions {
        max_connections: 2,
        ..PoolOptions::default()
    };
    let store = Store::open(db.url(), &options).expect("open");
    backend(&store).await.expect("first read");
    let (statements, checks) = (store.statements_run(), store.checks_made());
    for _ in 0..20 {
        backend(&store).await.expect("read");
    }
    assert_eq!(
        store.statements_run() - statements,
        20,
        "checks are not counted"
    );
    // A check before each loan was a second round trip for every read.
    let checked = store.checks_made() - checks;
    assert!(checked <= 2, "{checked} checks for 20 reads");
}

#[tokio::test]
async fn postgres_a_dropped_connection_fails_one_request_and_is_replaced() {
    let Some(db) = TestDb::postgres() else { return };
    let options = PoolOptions {
        max_connections: 2,
        ..PoolOptions::default()
    };
    let store = Store::open(db.url(), &options).expect("open");
    // Both connections lent and back in the pool.
    let (a, b) = tokio::join!(backend(&store), backend(&store));
    let pids = [a.expect("read"), b.expect("read")];
    // The server ends them (as a restart, or an administrator, would).
    let admin = db.another();
    admin
        .store
        .read(move |c| {
            for pid in pids {
                diesel::sql_query(format!("SELECT pg_terminate_backend({pid})")).execute(c)?;
            }
            Ok(())
        })
        .await
        .expect("terminate");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut failed = 0;
    let mut seen = Vec::new();
    for _ in 0..10 {
        match backend(&store).await {
            Ok(pid) => seen.push(pid),
            Err(_) => failed += 1,
        }
    }
    assert!(
        failed <= 1,
        "{failed} of 10 reads failed after the server dropped the pool"
    );
    assert_eq!(seen.len(), 10 - failed);
    assert!(
        seen.iter().all(|pid| !pids.contains(pid)),
        "a dropped connection was lent again: {seen:?} (dropped {pids:?})"
    );
}

#[derive(diesel::QueryableByName)]
struct CompileOption {
    #[diesel(sql_type = diesel::sql_types::Text)]
    compile_options: String,
}

/// The bundled SQLite is built as `.cargo/config.toml` says: in multi-thread mode (no mutex
/// taken around every call on a connection; each connection is used by one thread at a time)
/// and with the planner stability guarantee (prepared statements with a bound `LIMIT` are kept).
#[test]
fn sqlite_is_built_multi_threaded_with_stable_plans() {
    let db = TestDb::sqlite();
    let mut conn = db.store.conn().expect("connection");
    let options: Vec<CompileOption> = diesel::sql_query("PRAGMA compile_options")
        .load(&mut **conn)
        .expect("compile options");
    let options: Vec<&str> = options.iter().map(|o| o.compile_options.as_str()).collect();
    assert!(options.contains(&"THREADSAFE=2"), "{options:?}");
    assert!(options.contains(&"ENABLE_QPSG"), "{options:?}");
}
