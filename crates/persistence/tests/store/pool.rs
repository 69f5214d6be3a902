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

#[derive(diesel::QueryableByName)]
struct Plans {
    #[diesel(sql_type = diesel::sql_types::Text)]
    statement: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    generic_plans: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    custom_plans: i64,
}

/// The lists every page reads (articles by date, a tag's articles, the first numbered page,
/// tags and authors by name and the Content API's pages of them) and an article page's lookups by its id are planned once per
/// connection, not at every run (`pg_prepared_statements` counts both kinds of plan for
/// each statement a connection keeps). While a list's limit was a parameter, PostgreSQL
/// planned it as if it read a tenth of the table, found that dearer than a plan for the
/// limit bound, and planned every run again; and it planned `= ANY($1)` for one id as if
/// the array held ten (for one id, or the five related articles of an article page). Tables
/// large enough that a tenth is more than a page show it.
#[test]
fn postgres_lists_keep_one_plan() {
    use broadsheet_domain::article::{ArticleInput, ArticleStatus, NewArticle};
    use broadsheet_domain::listing::records::{RecordOrder, RecordPage};
    use broadsheet_domain::listing::{ArticleFilter, ArticleOrder, PageRequest};
    use broadsheet_domain::time::now;
    use broadsheet_persistence::testing::{TagBuilder, UserBuilder};
    use broadsheet_persistence::{articles, bulk, tags, users};

    let Some(db) = TestDb::postgres() else { return };
    let mut c = db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    for i in 0..300 {
        UserBuilder::new(&format!("Writer {i}")).create(&mut c);
        TagBuilder::new(&format!("Topic {i}")).create(&mut c);
    }
    let tag = TagBuilder::new("Trams").create(&mut c);
    let new: Vec<NewArticle> = (0..3_000)
        .map(|i| {
            let input = ArticleInput {
                title: format!("Story {i}"),
                slug: Some(format!("story-{i}")),
                body: format!("Words of story {i}."),
                status: ArticleStatus::Published,
                published_at: Some(now()),
                tags: vec![tag.id],
                authors: vec![w],
                ..ArticleInput::default()
            };
            NewArticle::parse(&input, now()).expect("valid")
        })
        .collect();
    let ids = bulk::insert_articles(&mut c, &new, None, now()).expect("loaded");
    let conn: &mut broadsheet_persistence::AnyConnection = &mut c;
    diesel::sql_query("ANALYZE").execute(conn).expect("analyze");
    let tagged = ArticleFilter {
        tags_any: vec![tag.slug.clone()],
        ..ArticleFilter::live(now())
    };
    fn first<C>() -> PageRequest<C> {
        PageRequest::Forward {
            first: 20,
            after: None,
        }
    }
    for _ in 0..12 {
        for filter in [&ArticleFilter::live(now()), &tagged] {
            articles::list_summaries(conn, filter, ArticleOrder::default(), &first())
                .expect("list");
        }
        articles::page_at(
            conn,
            &tagged,
            ArticleOrder::default(),
            0,
            15,
            articles::Reading::Html,
        )
        .expect("page");
        tags::list(conn, None, &first()).expect("tags");
        users::list_authors(conn, &first()).expect("authors");
        // The Content API's pages of tags and authors, by name and by article count.
        for order in [RecordOrder::Name, RecordOrder::ArticleCount] {
            let records = RecordPage {
                condition: None,
                order,
                descending: order == RecordOrder::ArticleCount,
                offset: 0,
                limit: Some(15),
            };
            tags::public_page(conn, &records, now(), true).expect("public tags");
            users::public_page(conn, &records, now(), true).expect("public authors");
        }
        // An article page's lookups, by its one id. (Each statement runs 12 times here,
        // and is told from those the setup ran by that.)
        tags::of_articles(conn, &ids[..1]).expect("tags of one");
        users::of_articles(conn, &ids[..1]).expect("authors of one");
        articles::contents(conn, &ids[..1]).expect("bodies of one");
        // A few ids: an article page's related articles, by their five ids.
        articles::summaries_by_ids(conn, &ids[2..7]).expect("five related");
    }
    let plans: Vec<Plans> = diesel::sql_query(
        "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements \
         WHERE generic_plans + custom_plans = 12",
    )
    .load(conn)
    .expect("plans");
    assert!(plans.len() >= 8, "the statements run: {}", plans.len());
    // The public authors (the Content API's `/authors/`) are read by prepared statements
    // too: a correlated `EXISTS` written as SQL text kept them out of the statement cache,
    // parsed and planned again on every request.
    assert!(
        plans
            .iter()
            .any(|p| p.statement.starts_with("SELECT COUNT(*) FROM \"users\"")),
        "the public authors' count is a prepared statement: {:?}",
        plans
            .iter()
            .map(|p| &p.statement[..60.min(p.statement.len())])
            .collect::<Vec<_>>()
    );
    for p in &plans {
        // Five custom plans first; then PostgreSQL compares them with the generic one.
        assert!(
            p.generic_plans >= 6 && p.custom_plans <= 5,
            "planned at every run ({} generic plans, {} custom): {}",
            p.generic_plans,
            p.custom_plans,
            p.statement
                .split(" FROM ")
                .skip(1)
                .collect::<Vec<_>>()
                .join(" FROM ")
        );
    }
}
