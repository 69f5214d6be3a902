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
    title_matches_first_then_the_rest_each_newest_first,
    pages_run_across_the_tiers,
    more_matches_than_the_first_steps_read,
    at_most_max_results,
);

fn ids(c: &mut AnyConnection, q: &str) -> Vec<ArticleId> {
    let query = SearchQuery::parse(q).expect("valid query");
    search::search(c, &query, now(), 0, 50, false)
        .expect("search")
        .hits
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
    let hits = search::search(&mut c, &q, now(), 0, 5, false)
        .expect("search")
        .hits;
    let snippet = &hits.first().expect("one hit").snippet;
    assert!(snippet.contains("<mark>vote</mark>"), "{snippet}");
    assert!(!snippet.contains("<script>"), "{snippet}");
    assert!(
        snippet.contains("&lt;script&gt;") || !snippet.contains("script"),
        "{snippet}"
    );
    // The same snippet on both backends: the words whose stems are the query's, marked in
    // the body's words (not the title's).
    ArticleBuilder::new("Trams return", w)
        .body("The councils voted on the budget. Trams ran late.")
        .create(&mut c);
    let q = SearchQuery::parse("councils trams").expect("valid");
    let hits = search::search(&mut c, &q, now(), 0, 5, false)
        .expect("search")
        .hits;
    assert_eq!(
        hits.iter().map(|h| h.snippet.as_str()).collect::<Vec<_>>(),
        ["The <mark>councils</mark> voted on the budget. <mark>Trams</mark> ran late."]
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
    let first = search::search(&mut c, &q, now(), 0, 3, true).expect("page");
    assert_eq!(first.total, Some(5));
    let rest = search::search(&mut c, &q, now(), 3, 3, false).expect("page");
    assert_eq!(rest.total, None, "counted only when asked");
    assert_eq!((first.hits.len(), rest.hits.len()), (3, 2));
    let mut all: Vec<ArticleId> = first
        .hits
        .iter()
        .chain(&rest.hits)
        .map(|h| h.article)
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 5, "no hit twice across pages");
}

/// Title matches, newest first, then body matches, newest first; drafts nowhere. Returns the
/// expected order of "tram".
fn tram_fixture(c: &mut AnyConnection) -> Vec<ArticleId> {
    let w = UserBuilder::new("Writer").create(c).id();
    let mut titles = Vec::new();
    let mut bodies = Vec::new();
    for i in 0..40 {
        // Every fifth article names trams in its title, every third in its body only, and
        // the rest not at all: matches spread among articles that do not match.
        let b = match (i % 5, i % 3) {
            (0, _) => ArticleBuilder::new(&format!("Tram news {i}"), w).body("Timetables."),
            (_, 0) => ArticleBuilder::new(&format!("Story {i}"), w).body("The tram was late."),
            _ => ArticleBuilder::new(&format!("Story {i}"), w).body("Buses and bikes."),
        };
        let b = if i == 15 || i == 9 { b.draft() } else { b };
        let a = b.create(c);
        match (i % 5, i % 3, i == 15 || i == 9) {
            (_, _, true) => {}
            (0, _, _) => titles.push(a.id),
            (_, 0, _) => bodies.push(a.id),
            _ => {}
        }
    }
    // Newer articles that do not match at all: a walk from the newest finds nothing first.
    for i in 0..12 {
        ArticleBuilder::new(&format!("Weather {i}"), w)
            .body("Rain.")
            .create(c);
    }
    titles.reverse();
    bodies.reverse();
    titles.into_iter().chain(bodies).collect()
}

fn page(
    c: &mut AnyConnection,
    q: &str,
    offset: usize,
    limit: usize,
    steps: search::Steps,
) -> search::Found {
    let query = SearchQuery::parse(q).expect("valid query");
    search::search_in_steps(c, &query, now(), offset, limit, true, steps).expect("search")
}

fn article_ids(found: &search::Found) -> Vec<ArticleId> {
    found.hits.iter().map(|h| h.article).collect()
}

fn title_matches_first_then_the_rest_each_newest_first(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let expected = tram_fixture(&mut c);
    assert_eq!(expected.len(), 7 + 10, "fixture");
    let all = page(&mut c, "tram", 0, 50, search::Steps::default());
    assert_eq!(article_ids(&all), expected);
    assert_eq!(all.total, Some(17));
    // A passage of the body: the body matches' passages hold the word.
    assert!(
        all.hits[7..]
            .iter()
            .all(|h| h.snippet.contains("<mark>tram</mark>")),
        "{:?}",
        all.hits
    );
}

fn pages_run_across_the_tiers(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let expected = tram_fixture(&mut c);
    for size in [1, 2, 3, 5, 7, 16] {
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let found = page(&mut c, "tram", offset, size, search::Steps::default());
            assert_eq!(found.total, Some(17));
            if found.hits.is_empty() {
                break;
            }
            seen.extend(article_ids(&found));
            offset += size;
        }
        assert_eq!(seen, expected, "pages of {size}");
    }
}

/// Bounds far below the fixture make every later step run: step 1 reads only as many rows as
/// results wanted (and, when it found some, again as far as a second bound allows), step 2
/// asks the index among as many ids, and what they miss the last step finds. Every bound
/// gives the same pages.
fn more_matches_than_the_first_steps_read(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let expected = tram_fixture(&mut c);
    let bounds = [
        (1, 0, 1),
        (1, 0, 2),
        (2, 0, 1),
        (3, 0, 4),
        (1, 0, 1_000),
        // Step 1 again, further (a bound of 1 per result wanted for the body tier).
        (1, 4, 1),
        (1, 8, 2),
        (2, 64, 1),
        (1, 1_000, 1),
    ];
    for (walk, rewalk, window) in bounds {
        let steps = search::Steps {
            walk_per_result: walk,
            rewalk_per_result: rewalk,
            window_per_result: window,
        };
        for size in [1, 3, 10, 50] {
            let mut seen = Vec::new();
            let mut offset = 0;
            while offset < expected.len() + size {
                let found = page(&mut c, "tram", offset, size, steps);
                assert_eq!(
                    found.total,
                    Some(17),
                    "walk {walk}, again {rewalk}, window {window}"
                );
                seen.extend(article_ids(&found));
                offset += size;
            }
            assert_eq!(
                seen, expected,
                "walk {walk}, again {rewalk}, window {window}, pages of {size}"
            );
        }
        let titles = page(&mut c, "tram news", 0, 10, steps);
        assert_eq!(
            article_ids(&titles),
            expected[..7],
            "two words, title tier only"
        );
    }
}

fn at_most_max_results(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    let over = search::MAX_RESULTS + 3;
    let mut made: Vec<ArticleId> = (0..over)
        .map(|i| {
            ArticleBuilder::new(&format!("Note {i}"), w)
                .body("Ferry times.")
                .create(&mut c)
                .id
        })
        .collect();
    made.reverse();
    let q = SearchQuery::parse("ferry").expect("valid");
    let first = search::search(&mut c, &q, now(), 0, 10, true).expect("first");
    assert_eq!(first.total, Some(200));
    assert_eq!(article_ids(&first), made[..10]);
    let last = search::search(&mut c, &q, now(), 195, 10, false).expect("last");
    assert_eq!(article_ids(&last), made[195..200]);
    let past = search::search(&mut c, &q, now(), 200, 10, true).expect("past");
    assert!(past.hits.is_empty());
    assert_eq!(past.total, Some(200));
}
