use broadsheet_domain::article::ArticlePatch;
use broadsheet_domain::ids::ArticleId;
use broadsheet_domain::listing::{ArticleFilter, ArticleOrder};
use broadsheet_domain::search::SearchQuery;
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::{ArticleBuilder, TestDb, UserBuilder};
use broadsheet_persistence::{AnyConnection, articles, backend_tests, search};
use chrono::TimeDelta;

backend_tests!(
    title_matches_outrank_body_matches,
    snippets_mark_matches_and_escape_text,
    hostile_queries_are_plain_words,
    only_live_articles_are_found,
    the_index_follows_edits_and_deletes,
    pages_and_counts,
    only_the_newest_matches_are_ranked,
);

fn ids(c: &mut AnyConnection, q: &str) -> Vec<ArticleId> {
    let query = SearchQuery::parse(q).expect("valid query");
    search::search(c, &query, now(), 0, 50)
        .expect("search")
        .into_iter()
        .map(|h| h.article)
        .collect()
}

fn title_matches_outrank_body_matches(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    let body_heavy = ArticleBuilder::new("Council meeting", w)
        .body("Ofsted said. Ofsted again. Ofsted inspectors, Ofsted reports, Ofsted everywhere.")
        .create(&mut c);
    let title = ArticleBuilder::new("Ofsted verdict on the city", w)
        .body("The inspectors published their findings today.")
        .create(&mut c);
    for i in 0..8 {
        ArticleBuilder::new(&format!("Unrelated {i}"), w)
            .body("Nothing to see.")
            .create(&mut c);
    }
    assert_eq!(ids(&mut c, "ofsted"), [title.id, body_heavy.id]);
    assert_eq!(
        ids(&mut c, "OFSTED verdict"),
        [title.id],
        "every word, any case"
    );
    let mut both = ids(&mut c, "ofsted inspectors");
    both.sort();
    assert_eq!(both, [body_heavy.id, title.id]);
    assert_eq!(ids(&mut c, "ofsted unicorns"), Vec::<ArticleId>::new());
}

fn snippets_mark_matches_and_escape_text(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    ArticleBuilder::new("Budget", w)
        .body("Spending <script>alert(1)</script> & the council's budget vote went ahead.")
        .create(&mut c);
    let q = SearchQuery::parse("vote").expect("valid");
    let hits = search::search(&mut c, &q, now(), 0, 5).expect("search");
    let snippet = &hits.first().expect("one hit").snippet;
    assert!(snippet.contains("<mark>vote</mark>"), "{snippet}");
    assert!(!snippet.contains("<script>"), "{snippet}");
    assert!(
        snippet.contains("&lt;script&gt;") || !snippet.contains("script"),
        "{snippet}"
    );
}

fn hostile_queries_are_plain_words(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    let a = ArticleBuilder::new("Drop the table tax", w)
        .body("A table of figures from the articles of association.")
        .create(&mut c);
    for q in [
        "\"table\"",
        "table*",
        "NEAR(table tax)",
        "table OR nonsense",
        "'; DROP TABLE articles; --",
        "table) OR (1=1",
        "tax:table",
        "-tax table",
        "^table",
        "table AND",
    ] {
        let found = ids(&mut c, q);
        assert!(found.is_empty() || found == [a.id], "{q}: {found:?}");
    }
    assert_eq!(
        ids(&mut c, "'; DROP TABLE articles; --"),
        [a.id],
        "searched as words"
    );
    let all = ArticleFilter::default();
    assert_eq!(
        articles::count(&mut c, &all, ArticleOrder::TitleAsc).expect("count"),
        1
    );
}

fn only_live_articles_are_found(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    let live = ArticleBuilder::new("Devolution deal", w).create(&mut c);
    ArticleBuilder::new("Devolution draft", w)
        .draft()
        .create(&mut c);
    ArticleBuilder::new("Devolution later", w)
        .scheduled_for(now() + TimeDelta::days(1))
        .create(&mut c);
    let due = ArticleBuilder::new("Devolution due", w)
        .scheduled_for(now() - TimeDelta::minutes(1))
        .create(&mut c);
    let mut found = ids(&mut c, "devolution");
    found.sort();
    assert_eq!(found, [live.id, due.id]);
}

fn the_index_follows_edits_and_deletes(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    let a = ArticleBuilder::new("Trams", w)
        .body("Light rail.")
        .create(&mut c);
    let revised = a
        .revise(&ArticlePatch {
            title: Some("Buses".into()),
            body: Some("Bus lanes.".into()),
            ..ArticlePatch::default()
        })
        .expect("valid");
    articles::update(&mut c, &revised, None, now()).expect("saved");
    assert!(ids(&mut c, "trams").is_empty());
    assert!(ids(&mut c, "rail").is_empty());
    assert_eq!(ids(&mut c, "lanes"), [a.id]);
    articles::delete(&mut c, a.id).expect("deleted");
    assert!(ids(&mut c, "buses").is_empty());
}

fn pages_and_counts(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    for i in 0..5 {
        ArticleBuilder::new(&format!("Housing story {i}"), w).create(&mut c);
    }
    let q = SearchQuery::parse("housing").expect("valid");
    assert_eq!(search::count(&mut c, &q, now()).expect("count"), 5);
    let first = search::search(&mut c, &q, now(), 0, 3).expect("page");
    let rest = search::search(&mut c, &q, now(), 3, 3).expect("page");
    assert_eq!((first.len(), rest.len()), (3, 2));
    let mut all: Vec<ArticleId> = first.iter().chain(&rest).map(|h| h.article).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 5, "no hit twice across pages");
}

fn only_the_newest_matches_are_ranked(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    let oldest = ArticleBuilder::new("Tram fares rise", w)
        .body("Tram fares.")
        .create(&mut c);
    let middle = ArticleBuilder::new("Council budget", w)
        .body("The tram line is late.")
        .create(&mut c);
    ArticleBuilder::new("Draft", w)
        .draft()
        .body("Tram tram tram.")
        .create(&mut c);
    let newest = ArticleBuilder::new("Weather", w)
        .body("Rain stopped the tram.")
        .create(&mut c);
    let q = SearchQuery::parse("tram").expect("valid");
    let all: Vec<ArticleId> = search::search(&mut c, &q, now(), 0, 10)
        .expect("all")
        .into_iter()
        .map(|h| h.article)
        .collect();
    assert_eq!(all[0], oldest.id, "the title match first");
    assert_eq!(all.len(), 3);
    let two: Vec<ArticleId> = search::search_among(&mut c, &q, now(), 0, 10, 2)
        .expect("newest two")
        .into_iter()
        .map(|h| h.article)
        .collect();
    let mut sorted = two.clone();
    sorted.sort();
    assert_eq!(sorted, [middle.id, newest.id], "drafts take no place");
    assert_eq!(search::count_among(&mut c, &q, now(), 2).expect("count"), 2);
    assert_eq!(search::count(&mut c, &q, now()).expect("count"), 3);
    let page: Vec<ArticleId> = search::search_among(&mut c, &q, now(), 1, 10, 2)
        .expect("second page")
        .into_iter()
        .map(|h| h.article)
        .collect();
    assert_eq!(page, two[1..], "pages within the bound");
}
