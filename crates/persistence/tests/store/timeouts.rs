//! PostgreSQL ends the API's statements that run too long: an abandoned request must not
//! keep a backend busy; migrations are exempt and leave the limit as they found it.

use std::time::Duration;

use broadsheet_persistence::testing::TestDb;
use broadsheet_persistence::{AnyConnection, PoolOptions, Store};
use diesel::RunQueryDsl as _;

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

#[test]
fn postgres_statements_past_the_timeout_are_ended() {
    let Some(db) = TestDb::postgres() else { return };
    let options = PoolOptions {
        max_connections: 2,
        statement_timeout: Some(Duration::from_millis(300)),
        ..PoolOptions::default()
    };
    // `open` migrates (nothing is pending here, but the limit is lifted and put back).
    let store = Store::open(db.url(), &options).expect("open");
    store.migrate().expect("migrate again");
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(store.conn().expect("connection"));
    }
    for conn in &mut held {
        let AnyConnection::Postgres(pg) = &mut **conn else {
            unreachable!("postgres")
        };
        let setting: Vec<Setting> =
            diesel::sql_query("SELECT current_setting('statement_timeout') AS value")
                .load(pg)
                .expect("setting");
        assert_eq!(
            setting.first().map(|s| s.value.as_str()),
            Some("300ms"),
            "every connection of the pool, the migrating one included"
        );
        diesel::sql_query("SELECT pg_sleep(0.01)")
            .execute(pg)
            .expect("a quick statement runs");
        let error = diesel::sql_query("SELECT pg_sleep(3)")
            .execute(pg)
            .expect_err("a slow statement is ended");
        assert!(error.to_string().contains("statement timeout"), "{error}");
    }
}
