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
        let AnyConnection::Postgres(pg) = &mut ***conn else {
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

/// On SQLite, a statement of a request whose deadline passes is ended there, on the row it
/// was looking at, not left to run to the end on its connection; and a request past its
/// deadline starts nothing.
#[tokio::test]
async fn sqlite_statements_past_the_deadline_are_ended() {
    use broadsheet_domain::filter::{articles::resolve, parse};
    use broadsheet_domain::listing::{ArticleFilter, ArticleOrder, PageRequest};
    use broadsheet_domain::time::now;
    use broadsheet_persistence::testing::{ArticleBuilder, UserBuilder};
    use broadsheet_persistence::{StoreError, articles};
    use std::time::Instant;

    let db = TestDb::sqlite();
    {
        let mut c = db.store.conn().expect("connection");
        let writer = UserBuilder::new("Wendy Writer").create(&mut c);
        for i in 0..50 {
            ArticleBuilder::new(&format!("Article number {i}"), writer.id()).create(&mut c);
        }
    }
    // A contains filter that matches nothing: every row is looked at, none kept.
    let condition = resolve(
        &parse("title:~'no such words'", now(), "filter").expect("parses"),
        "filter",
    )
    .expect("resolves");
    let filter = ArticleFilter {
        live_at: Some(now()),
        condition: Some(condition),
        ..ArticleFilter::default()
    };
    let list = move |filter: ArticleFilter| {
        move |c: &mut AnyConnection| {
            // The deadline passes while the request is busy before its statement.
            std::thread::sleep(Duration::from_millis(60));
            articles::list(
                c,
                &filter,
                ArticleOrder::NewestFirst,
                &PageRequest::first(10),
            )
        }
    };
    let relaxed = db
        .store
        .with_deadline(Instant::now() + Duration::from_secs(30));
    let page = relaxed.read(list(filter.clone())).await.expect("in time");
    assert!(page.items.is_empty());

    let hurried = db
        .store
        .with_deadline(Instant::now() + Duration::from_millis(20));
    let ended = hurried.read(list(filter.clone())).await;
    assert!(matches!(ended, Err(StoreError::TimedOut)), "{ended:?}");
    // The same connection serves the next request normally.
    assert!(relaxed.read(list(filter.clone())).await.is_ok());
    // Past the deadline, nothing starts.
    let late = db.store.with_deadline(Instant::now());
    let refused = late.read(|_| Ok(())).await;
    assert!(matches!(refused, Err(StoreError::TimedOut)), "{refused:?}");
}
