//! PostgreSQL over TLS: managed databases require it, so a build with `postgres-tls` (the
//! Docker image's) must speak it; a build without it refuses a URL that demands it, saying
//! how to get it. `.ci/run` runs this file both ways.

use broadsheet_persistence::DatabaseUrl;
use broadsheet_persistence::testing::TestDb;

#[cfg(not(feature = "postgres-tls"))]
#[test]
fn without_tls_a_url_demanding_it_is_refused_clearly() {
    let Some(db) = TestDb::postgres() else { return };
    let DatabaseUrl::Postgres(url) = db.url() else {
        unreachable!("postgres")
    };
    let error = DatabaseUrl::parse(&format!("{url}&sslmode=require"))
        .expect_err("a build without TLS cannot honour sslmode=require");
    assert!(
        error.to_string().contains("--features postgres-tls"),
        "{error}"
    );
}

#[cfg(feature = "postgres-tls")]
#[test]
fn postgres_connections_can_use_tls() {
    use broadsheet_persistence::{AnyConnection, PoolOptions, Store};
    use diesel::RunQueryDsl as _;

    #[derive(diesel::QueryableByName)]
    struct Ssl {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        ssl: bool,
    }

    let Some(db) = TestDb::postgres() else { return };
    let DatabaseUrl::Postgres(url) = db.url() else {
        unreachable!("postgres")
    };
    let mut plain = db.store.conn().expect("connection");
    let AnyConnection::Postgres(pg) = &mut **plain else {
        unreachable!("postgres")
    };
    let server_has_tls: Vec<Ssl> =
        diesel::sql_query("SELECT setting = 'on' AS ssl FROM pg_settings WHERE name = 'ssl'")
            .load(pg)
            .expect("query");
    if !server_has_tls.first().is_some_and(|s| s.ssl) {
        eprintln!("NOTE: the test PostgreSQL server has TLS off; TLS test skipped");
        return;
    }
    let tls = DatabaseUrl::Postgres(format!("{url}&sslmode=require"));
    let store = Store::connect(&tls, &PoolOptions::default()).expect("TLS connection");
    let mut conn = store.conn().expect("connection");
    let AnyConnection::Postgres(pg) = &mut **conn else {
        unreachable!("postgres")
    };
    let rows: Vec<Ssl> =
        diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .load(pg)
            .expect("query");
    assert!(
        rows.first().is_some_and(|r| r.ssl),
        "the connection is encrypted"
    );
}
