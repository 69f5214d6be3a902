//! Hostile input against a real database (the `fuzz_` tests): filters, cursors and searches
//! are either refused by the domain (a validation error) or run; none reaches the database as
//! an SQL error, and none changes the data. `PROPTEST_CASES` sets the cases on SQLite (64 by
//! default); PostgreSQL, slower per statement, runs a quarter as many.

use broadsheet_domain::filter::{articles::resolve, parse};
use broadsheet_domain::listing::{
    ArticleCursor, ArticleFilter, ArticleOrder, NameCursor, PageRequest,
};
use broadsheet_domain::search::SearchQuery;
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, TestDb, UserBuilder};
use broadsheet_persistence::{AnyConnection, Backend, StoreError, articles, backend_tests};
use broadsheet_persistence::{search, tags, users};
use chrono::{TimeDelta, TimeZone as _, Utc};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestRunner};
use std::cell::{Cell, RefCell};

backend_tests!(
    inputs_found_by_fuzzing_run_or_are_refused,
    fuzz_hostile_filters_run_or_are_refused,
    fuzz_hostile_cursors_run_or_are_refused,
    fuzz_hostile_searches_run_or_are_refused
);

/// Cases for this backend: `PROPTEST_CASES` (or `default`) on SQLite, a quarter on
/// PostgreSQL.
fn runner(db: &TestDb, default: u32) -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    let cases = match db.store.backend() {
        Backend::Sqlite => cases,
        Backend::Postgres => (cases / 4).max(8),
    };
    TestRunner::new(Config {
        cases,
        // Each case is run against a database: no file of past failures next to the source.
        failure_persistence: None,
        ..Config::default()
    })
}

/// A small publication whose texts hold LIKE's and SQL's special characters.
fn seed(c: &mut AnyConnection) -> i64 {
    let ann = UserBuilder::new("Ann O'Brien").slug("ann").create(c).id();
    let bob = UserBuilder::new("Bob 100%_\\").slug("bob").create(c).id();
    let news = TagBuilder::new("News").create(c).id;
    let odd = TagBuilder::new("50% _off_ \\ 'quoted'")
        .slug("odd")
        .create(c)
        .id;
    let day = |d: u32| {
        Utc.with_ymd_and_hms(2014, 6, d, 9, 0, 0)
            .single()
            .unwrap_or_default()
    };
    let titles = [
        "Story 100% _x_ O'Brien",
        "Back\\slash \"quoted\" é–ü 🦀",
        "'; DROP TABLE articles; --",
        "Plain news",
    ];
    let (both_tags, both_authors) = ([news, odd], [ann, bob]);
    for (i, title) in (1u32..).zip(titles) {
        let even = i % 2 == 0;
        ArticleBuilder::new(title, ann)
            .published_at(day(i))
            .tags(if even { &both_tags } else { &both_tags[1..] })
            .authors(if even {
                &both_authors
            } else {
                &both_authors[1..]
            })
            .create(c);
    }
    ArticleBuilder::new("A draft", ann).draft().create(c);
    ArticleBuilder::new("Featured later", bob)
        .scheduled_for(now() + TimeDelta::days(1))
        .featured()
        .create(c);
    6
}

const TEXT: &[&str] = &[
    "news",
    "odd",
    "ann",
    "'%'",
    "'_'",
    "'\\\\'",
    "'\\''",
    "\"a\\\"b\"",
    "'; DROP TABLE articles; --'",
    "'\\' OR 1=1 --'",
    "'é–ü 🦀'",
    "'%_%'",
    "''",
    "null",
    "published",
    "draft",
    "true",
    "0",
];

const SLUGS: &[&str] = &[
    "news",
    "odd",
    "ann",
    "bob",
    "no-such-slug",
    "'odd'",
    "\"news\"",
    "1",
];

const DATES: &[&str] = &[
    "2014-06-01",
    "'2014-06-01 09:00:00'",
    "'2014-06-01T09:00:00Z'",
    "'2014-06-01T09:00:00+14:00'",
    "now",
    "now-1d",
    "now+3y",
    "now-100000y",
    "now+100000y",
    "now-99999999y",
    "'9999-12-31T23:59:59Z'",
    "'0001-01-01'",
    "'0000-01-01'",
    "'-4714-01-01'",
    "'10000-01-01'",
    "'+262143-12-31T23:59:59Z'",
    "null",
];

const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1.5",
    "1e308",
    "-0",
    "99999999999999999999",
    "2147483648",
    "-2147483649",
    "999999999",
    "5",
];

const IDS: &[&str] = &[
    "0190ba3c-7d5e-7f2a-9c4b-6a1d2e3f4a5b",
    "'0190ba3c-7d5e'",
    "0190ba3c7d5e7f2a9c4b6a1d2e3f4a5b",
    "00000000-0000-0000-0000-000000000000",
];

const EQUALITY: &[&str] = &["", "-"];
const TEXT_OPS: &[&str] = &["", "-", "~", "-~", "~^", "-~^", "~$", "-~$"];
const ORDERING: &[&str] = &["", "-", ">", ">=", "<", "<="];

/// Properties with the operators and values that fit them.
const PROPERTIES: &[(&str, &[&str], &[&str])] = &[
    ("tag", EQUALITY, SLUGS),
    ("tags.slug", EQUALITY, SLUGS),
    ("primary_tag", EQUALITY, SLUGS),
    ("authors", EQUALITY, SLUGS),
    ("primary_author.slug", EQUALITY, SLUGS),
    ("slug", TEXT_OPS, TEXT),
    ("title", TEXT_OPS, TEXT),
    ("custom_excerpt", TEXT_OPS, TEXT),
    ("feature_image", TEXT_OPS, TEXT),
    ("status", EQUALITY, TEXT),
    ("id", EQUALITY, IDS),
    ("featured", EQUALITY, &["true", "false"]),
    ("published_at", ORDERING, DATES),
    ("created_at", ORDERING, DATES),
    ("updated_at", ORDERING, DATES),
    ("reading_time", ORDERING, NUMBERS),
    ("visibility", EQUALITY, &["public", "paid"]),
    ("password", EQUALITY, TEXT),
    ("authors.email", EQUALITY, TEXT),
];

/// Text to put between quotes: anything, long runs, and LIKE's wildcards and escape.
fn hostile_text() -> impl Strategy<Value = String> {
    let raw = prop_oneof![
        ".{0,16}",
        "[%_\\\\'\"a ]{0,16}",
        (".{1,4}", 100..1500usize).prop_map(|(s, n)| s.repeat(n)),
    ];
    raw.prop_map(|s| {
        let mut out = String::from("'");
        for c in s.chars() {
            if c == '\'' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('\'');
        out
    })
}

/// One comparison that fits its property most of the time.
fn comparison() -> impl Strategy<Value = String> {
    let value = |values: &'static [&'static str]| {
        prop_oneof![
            4 => select(values).prop_map(str::to_owned),
            1 => hostile_text(),
        ]
    };
    (select(PROPERTIES), any::<prop::sample::Index>(), 0..5u8).prop_flat_map(
        move |((property, ops, values), op, shape)| {
            let op = ops[op.index(ops.len())];
            match shape {
                0 => (select(EQUALITY), vec(value(values), 1..5))
                    .prop_map(move |(neg, vs)| format!("{property}:{neg}[{}]", vs.join(",")))
                    .boxed(),
                _ => value(values)
                    .prop_map(move |v| format!("{property}:{op}{v}"))
                    .boxed(),
            }
        },
    )
}

/// Filters from the grammar, nested and joined.
fn filter() -> impl Strategy<Value = String> {
    comparison().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 2..4).prop_map(|parts| parts.join("+")),
            vec(inner.clone(), 2..4).prop_map(|parts| parts.join(",")),
            inner.prop_map(|e| format!("({e})")),
        ]
    })
}

fn order() -> impl Strategy<Value = ArticleOrder> {
    select(vec![
        ArticleOrder::NewestFirst,
        ArticleOrder::OldestFirst,
        ArticleOrder::TitleAsc,
        ArticleOrder::RecentlyUpdated,
    ])
}

/// Runs every read the APIs make of a list with `filter`: a numbered page (the JSON API),
/// a keyset page and its count (GraphQL), the remembered count.
fn read_all(
    db: &TestDb,
    c: &mut AnyConnection,
    filter: &ArticleFilter,
    order: ArticleOrder,
    page: &PageRequest,
    offset: usize,
) -> Result<(), StoreError> {
    articles::page_at(c, filter, order, offset, 15, articles::Reading::Whole)?;
    articles::list(c, filter, order, page)?;
    articles::list_summaries(c, filter, order, page)?;
    articles::count(c, filter, order)?;
    db.store.counts().count(c, filter, order)?;
    Ok(())
}

/// An error the domain made (input refused), not the database.
fn refused(e: &StoreError) -> bool {
    matches!(e, StoreError::Invalid(_))
}

fn unchanged(db: &TestDb, c: &mut AnyConnection, n: i64) {
    let everything = ArticleFilter::default();
    assert_eq!(
        articles::count(c, &everything, ArticleOrder::TitleAsc).expect("count"),
        n,
        "no input changed the data ({:?})",
        db.store.backend()
    );
}

/// Any filter text is refused by the parser or the resolver, or runs in every list read.
fn fuzz_hostile_filters_run_or_are_refused(db: &TestDb) {
    let mut conn = db.store.conn().expect("connection");
    let n = seed(&mut conn);
    let c = RefCell::new(conn);
    let cases = (
        prop_oneof![8 => filter(), 1 => ".{0,40}"],
        order(),
        any::<bool>(),
        select(vec![0usize, 1, 14, 99_999_900]),
    );
    let (ran, total) = (Cell::new(0u32), Cell::new(0u32));
    runner(db, 64)
        .run(&cases, |(text, order, live, offset)| {
            total.set(total.get() + 1);
            let Ok(expr) = parse(&text, now(), "filter") else {
                return Ok(());
            };
            let Ok(condition) = resolve(&expr, "filter") else {
                return Ok(());
            };
            ran.set(ran.get() + 1);
            let filter = ArticleFilter {
                live_at: live.then(now),
                condition: Some(condition),
                ..ArticleFilter::default()
            };
            let result = read_all(
                db,
                &mut c.borrow_mut(),
                &filter,
                order,
                &PageRequest::first(10),
                offset,
            );
            prop_assert!(result.is_ok(), "{text:?} ({order:?}) failed: {result:?}");
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{:?}: {e}", db.store.backend()));
    let (ran, total) = (ran.get(), total.get());
    // A third of cases run; a few dozen cases are too few to tell a broken generator.
    assert!(
        total < 200 || ran * 5 >= total,
        "the generator must reach the database often enough to mean something: {ran} of {total}"
    );
    unchanged(db, &mut c.borrow_mut(), n);
}

/// Any cursor token is refused, or pages every list (articles in every order, tags,
/// authors) without an SQL error; a cursor of another order is a validation error.
fn fuzz_hostile_cursors_run_or_are_refused(db: &TestDb) {
    use base64::Engine as _;
    let mut conn = db.store.conn().expect("connection");
    let n = seed(&mut conn);
    let c = RefCell::new(conn);
    let key = prop_oneof![
        select(vec![
            "0",
            "-1",
            "1403773200000000",
            "8210266876799999999",
            "-8334601228800000000",
            "253402300800000000",
            "-62135596800000001",
            "-210866803200000001",
            "\u{0}",
            "a\u{0}b",
            "story",
            "'",
            "%",
            "\\",
        ])
        .prop_map(str::to_owned),
        ".{0,20}",
        any::<i64>().prop_map(|n| n.to_string()),
    ];
    let raw = prop_oneof![
        (select(vec!["n", "o", "t", "u"]), any::<i64>(), key.clone())
            .prop_map(|(tag, id, key)| format!("a1:{tag}:{id}:{key}")),
        (any::<i64>(), key).prop_map(|(id, key)| format!("n1:{id}:{key}")),
    ];
    let cases = (
        raw.prop_map(|r| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r)),
        order(),
        any::<bool>(),
    );
    runner(db, 64)
        .run(&cases, |(token, order, forward)| {
            if let Ok(cursor) = ArticleCursor::decode(&token, order, "after") {
                let page = if forward {
                    PageRequest::Forward {
                        first: 5,
                        after: Some(cursor),
                    }
                } else {
                    PageRequest::Backward {
                        last: 5,
                        before: Some(cursor),
                    }
                };
                for filter in [
                    ArticleFilter::live(now()),
                    ArticleFilter {
                        tags_any: vec![broadsheet_domain::Slug::parse("odd").expect("slug")],
                        ..ArticleFilter::live(now())
                    },
                ] {
                    let result = articles::list(&mut c.borrow_mut(), &filter, order, &page);
                    prop_assert!(
                        result.as_ref().map_or_else(refused, |_| true),
                        "{token:?} ({order:?}): {result:?}"
                    );
                }
            }
            if let Ok(cursor) = NameCursor::decode(&token, "after") {
                let page = PageRequest::Forward {
                    first: 5,
                    after: Some(cursor),
                };
                let result = tags::list(&mut c.borrow_mut(), None, &page);
                prop_assert!(result.is_ok(), "{token:?} (tags): {result:?}");
                let result = users::list_authors(&mut c.borrow_mut(), &page);
                prop_assert!(result.is_ok(), "{token:?} (authors): {result:?}");
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{:?}: {e}", db.store.backend()));
    unchanged(db, &mut c.borrow_mut(), n);
}

/// Any search text is refused or searched, ranked and counted.
fn fuzz_hostile_searches_run_or_are_refused(db: &TestDb) {
    let mut conn = db.store.conn().expect("connection");
    let n = seed(&mut conn);
    let c = RefCell::new(conn);
    let text = prop_oneof![
        ".{0,60}",
        "[a-z\"*():^+\\- ]{0,40}",
        select(vec![
            "NEAR(a b)",
            "\"unterminated",
            "title:x",
            "a AND OR NOT b",
            "story*",
            "'; DROP TABLE articles; --",
            "é–ü 🦀 ١٢٣ 漢字",
        ])
        .prop_map(str::to_owned),
    ];
    runner(db, 64)
        .run(&(text, 0usize..300), |(text, offset)| {
            let Ok(query) = SearchQuery::parse(&text) else {
                return Ok(());
            };
            let hits = search::search(&mut c.borrow_mut(), &query, now(), offset, 10, true);
            prop_assert!(hits.is_ok(), "{text:?}: {hits:?}");
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{:?}: {e}", db.store.backend()));
    unchanged(db, &mut c.borrow_mut(), n);
}

/// What fuzzing found, kept as plain cases: each reached PostgreSQL as an SQL error
/// ("timestamp out of range"; "invalid byte sequence for encoding \"UTF8\": 0x00"), and the
/// dates past 9999 compared wrongly on SQLite, until the domain refused them.
fn inputs_found_by_fuzzing_run_or_are_refused(db: &TestDb) {
    use base64::Engine as _;
    let mut c = db.store.conn().expect("connection");
    seed(&mut c);
    // If a filter runs, it says what it means: the four live articles are all dated 2014.
    for (text, live) in [
        ("published_at:'-4714-01-01'", 0),
        ("published_at:>now-100000y", 4),
        ("published_at:<'+10000-01-01'", 4),
        ("created_at:<='-000001-12-31T23:59:59'", 0),
    ] {
        let condition = parse(text, now(), "filter").and_then(|e| resolve(&e, "filter"));
        if let Ok(condition) = condition {
            let filter = ArticleFilter {
                condition: Some(condition),
                ..ArticleFilter::live(now())
            };
            let page = PageRequest::first(10);
            let result = read_all(db, &mut c, &filter, ArticleOrder::OldestFirst, &page, 0);
            assert!(result.is_ok(), "{text}: {result:?}");
            let n = articles::count(&mut c, &filter, ArticleOrder::OldestFirst);
            assert_eq!(n.ok(), Some(live), "{text}");
        }
    }
    let token = |raw: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    for (raw, order) in [
        ("a1:t:1:a\u{0}", ArticleOrder::TitleAsc),
        ("a1:n:1:-8334601228800000000", ArticleOrder::NewestFirst),
    ] {
        if let Ok(cursor) = ArticleCursor::decode(&token(raw), order, "after") {
            let page = PageRequest::Forward {
                first: 5,
                after: Some(cursor),
            };
            let result = articles::list(&mut c, &ArticleFilter::live(now()), order, &page);
            assert!(result.is_ok(), "{raw:?}: {result:?}");
        }
    }
    if let Ok(cursor) = NameCursor::decode(&token("n1:0:\u{0}"), "after") {
        let page = PageRequest::Forward {
            first: 5,
            after: Some(cursor),
        };
        let result = tags::list(&mut c, None, &page);
        assert!(result.is_ok(), "tags: {result:?}");
    }
}
