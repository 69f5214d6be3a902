//! No N+1: a page costs the same number of SQL statements whatever its size.

use broadsheet_domain::ids::ArticleId;
use broadsheet_domain::related::NewRelatedLink;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, UserBuilder};
use broadsheet_persistence::{Backend, related};
use chrono::{TimeDelta, TimeZone, Utc};
use serde_json::json;

use super::data;
use crate::helpers::TestApp;

/// Statements are counted with the response cache off (and so with nothing polling it).
async fn uncached(db: broadsheet_persistence::testing::TestDb) -> TestApp {
    TestApp::spawn_configured(db, |args| args.response_cache_mb = 0).await
}

mod sqlite {
    #[actix_web::test]
    async fn a_page_costs_a_constant_number_of_statements() {
        let db = broadsheet_persistence::testing::TestDb::sqlite();
        super::a_page_costs_a_constant_number_of_statements(super::uncached(db).await).await;
    }

    #[actix_web::test]
    async fn an_article_page_is_one_trip_to_the_database() {
        let db = broadsheet_persistence::testing::TestDb::sqlite();
        super::an_article_page_is_one_trip_to_the_database(super::uncached(db).await).await;
    }
}

mod postgres {
    #[actix_web::test]
    async fn a_page_costs_a_constant_number_of_statements() {
        if let Some(db) = broadsheet_persistence::testing::TestDb::postgres() {
            super::a_page_costs_a_constant_number_of_statements(super::uncached(db).await).await;
        }
    }

    #[actix_web::test]
    async fn an_article_page_is_one_trip_to_the_database() {
        if let Some(db) = broadsheet_persistence::testing::TestDb::postgres() {
            super::an_article_page_is_one_trip_to_the_database(super::uncached(db).await).await;
        }
    }
}

const HOME: &str =
    "query($first: Int!) { articles(first: $first) { totalCount edges { cursor node {
    title slug excerpt publishedAt url
    primaryTag { name slug } tags { name slug articleCount }
    primaryAuthor { name slug } authors { name slug }
    relatedArticles(first: 5) { reason node { title slug tags { slug } } } } } } }";

async fn statements_for(app: &TestApp, first: usize) -> u64 {
    let before = app.server_store.statements_run();
    let body = app.graphql(HOME, json!({ "first": first })).await.json();
    let after = app.server_store.statements_run();
    let edges = data(&body, &["articles", "edges"])
        .as_array()
        .expect("edges");
    assert_eq!(edges.len(), first);
    assert!(edges.iter().all(|e| {
        e["node"]["relatedArticles"]
            .as_array()
            .is_some_and(|r| r.len() == 5)
    }));
    after - before
}

async fn a_page_costs_a_constant_number_of_statements(app: TestApp) {
    let mut c = app.db.store.conn().expect("connection");
    let writers: Vec<_> = (0..3)
        .map(|i| UserBuilder::new(&format!("Writer {i}")).create(&mut c).id())
        .collect();
    let tags: Vec<_> = (0..6)
        .map(|i| TagBuilder::new(&format!("Topic {i}")).create(&mut c).id)
        .collect();
    let start = Utc
        .with_ymd_and_hms(2021, 1, 1, 0, 0, 0)
        .single()
        .expect("date");
    let ids: Vec<ArticleId> = (0..40usize)
        .map(|i| {
            ArticleBuilder::new(&format!("Story {i}"), writers[i % 3])
                .published_at(start + TimeDelta::hours(i as i64))
                .tags(&[tags[i % 6], tags[(i + 1) % 6]])
                .create(&mut c)
                .id
        })
        .collect();
    // Every article has two curated links; the other three come from suggestions.
    for (i, id) in ids.iter().enumerate() {
        for step in [7, 13] {
            let to = ids[(i + step) % ids.len()];
            related::add(&mut c, &NewRelatedLink::new(*id, to, None).expect("valid"))
                .expect("link");
        }
    }
    drop(c);

    // The first page counts the list; later ones read the content version and find the
    // count remembered (one statement instead of two). Measure both after that first one.
    let first = statements_for(&app, 5).await;
    let small = statements_for(&app, 5).await;
    let large = statements_for(&app, 25).await;
    assert_eq!(first, small + 1, "the count is remembered");
    assert_eq!(small, large, "statements must not grow with the page size");
    // Articles, count, authors, curated links, curated articles, suggestions, suggested
    // articles, their tags: one each, except that tags and authors are two (the links, then
    // the rows they name), and tag counts two (the counts kept by triggers, then the
    // scheduled articles come due since, which the triggers cannot have counted).
    // PostgreSQL checks each pooled connection with one more statement when it is lent.
    let bound = match app.server_store.backend() {
        Backend::Sqlite => 15,
        Backend::Postgres => 28,
    };
    assert!(large <= bound, "{large} statements for a page of 25");
}

const ARTICLE_PAGE: &str = "query($slug: String!) { article(slug: $slug) {
    title html publishedAt primaryTag { slug } tags { name slug } authors { name slug }
    relatedArticles(first: 2) { reason node { title slug } } } }";

/// An article page by slug (body, tags, authors, curated related articles) is read in one
/// trip, with what the loaders would have read in four; and it shows the same.
async fn an_article_page_is_one_trip_to_the_database(app: TestApp) {
    let mut c = app.db.store.conn().expect("connection");
    let writer = UserBuilder::new("Writer").create(&mut c).id();
    let other = UserBuilder::new("Other Writer").create(&mut c).id();
    let (housing, budget) = (
        TagBuilder::new("Housing").create(&mut c).id,
        TagBuilder::new("Budget").create(&mut c).id,
    );
    let article = ArticleBuilder::new("Homes target", writer)
        .authors(&[writer, other])
        .tags(&[budget, housing])
        .create(&mut c);
    for title in ["First link", "Second link"] {
        let to = ArticleBuilder::new(title, writer).create(&mut c).id;
        related::add(
            &mut c,
            &NewRelatedLink::new(article.id, to, None).expect("valid"),
        )
        .expect("link");
    }
    drop(c);

    let before = app.server_store.trips_made();
    let body = app
        .graphql(ARTICLE_PAGE, json!({ "slug": article.slug.as_str() }))
        .await
        .json();
    assert_eq!(app.server_store.trips_made() - before, 1, "{body}");
    let page = data(&body, &["article"]);
    assert_eq!(page["primaryTag"]["slug"], "budget");
    assert_eq!(
        page["tags"],
        json!([{ "name": "Budget", "slug": "budget" }, { "name": "Housing", "slug": "housing" }])
    );
    assert_eq!(
        page["authors"],
        json!([{ "name": "Writer", "slug": "writer" }, { "name": "Other Writer", "slug": "other-writer" }])
    );
    let related: Vec<_> = page["relatedArticles"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| (r["reason"].as_str(), r["node"]["title"].as_str()))
        .collect();
    assert_eq!(
        related,
        [
            (Some("CURATED"), Some("First link")),
            (Some("CURATED"), Some("Second link"))
        ]
    );
}
