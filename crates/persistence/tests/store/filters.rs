//! The filter language compiled to SQL: every operator, on both backends.

use std::collections::BTreeSet;

use broadsheet_domain::filter::{articles::resolve, parse};
use broadsheet_domain::listing::{ArticleFilter, ArticleOrder, PageRequest};
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, TestDb, UserBuilder};
use broadsheet_persistence::{AnyConnection, articles, backend_tests};
use chrono::{TimeZone, Utc};

backend_tests!(
    every_operator_and_property,
    hostile_filters_never_reach_the_database_as_errors
);

fn matching(c: &mut AnyConnection, nql: &str) -> BTreeSet<String> {
    let expr = parse(nql, now(), "filter").unwrap_or_else(|e| panic!("{nql}: {e}"));
    let condition = resolve(&expr, "filter").unwrap_or_else(|e| panic!("{nql}: {e}"));
    let filter = ArticleFilter {
        condition: Some(condition),
        ..ArticleFilter::default()
    };
    let page = articles::list(c, &filter, ArticleOrder::TitleAsc, &PageRequest::first(100))
        .unwrap_or_else(|e| panic!("{nql}: {e:?}"));
    let n = articles::count(c, &filter, ArticleOrder::TitleAsc).expect("count");
    assert_eq!(
        usize::try_from(n).expect("small"),
        page.items.len(),
        "{nql}"
    );
    page.items.into_iter().map(|a| a.slug.to_string()).collect()
}

fn set(slugs: &[&str]) -> BTreeSet<String> {
    slugs.iter().map(|s| (*s).to_owned()).collect()
}

fn every_operator_and_property(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let ann = UserBuilder::new("Ann").create(&mut c).id();
    let bob = UserBuilder::new("Bob").create(&mut c).id();
    let news = TagBuilder::new("News").create(&mut c).id;
    let politics = TagBuilder::new("Politics").create(&mut c).id;
    let sport = TagBuilder::new("Sport").create(&mut c).id;
    let day = |d: u32| {
        Utc.with_ymd_and_hms(2014, 6, d, 9, 0, 0)
            .single()
            .expect("date")
    };
    let a = ArticleBuilder::new("Budget 100% approved", ann)
        .slug("budget")
        .published_at(day(1))
        .tags(&[news, politics])
        .featured()
        .create(&mut c);
    let b = ArticleBuilder::new("Brexit_talks", bob)
        .slug("brexit-talks")
        .published_at(day(2))
        .tags(&[politics])
        .authors(&[bob, ann])
        .create(&mut c);
    ArticleBuilder::new("Sport talks: 100 days", ann)
        .slug("sport")
        .published_at(day(3))
        .tags(&[sport, news])
        .body(&"word ".repeat(700))
        .create(&mut c);
    // A standfirst only on the first.
    let revised = a
        .revise(&broadsheet_domain::article::ArticlePatch {
            custom_excerpt: Some(Some("Standfirst".into())),
            ..Default::default()
        })
        .expect("valid");
    articles::update(&mut c, &revised, None, now()).expect("saved");

    let all = set(&["budget", "brexit-talks", "sport"]);
    let cases: &[(&str, &[&str])] = &[
        ("tag:news", &["budget", "sport"]),
        ("tag:-news", &["brexit-talks"]),
        (
            "tags:[sport,politics]",
            &["budget", "brexit-talks", "sport"],
        ),
        ("tag:-[news,sport]", &["brexit-talks"]),
        ("tags.slug:politics", &["budget", "brexit-talks"]),
        ("primary_tag:politics", &["brexit-talks"]),
        ("authors:ann", &["budget", "brexit-talks", "sport"]),
        ("primary_author:ann", &["budget", "sport"]),
        ("author:-bob", &["budget", "sport"]),
        ("featured:true", &["budget"]),
        ("featured:false", &["brexit-talks", "sport"]),
        (
            "published_at:>'2014-06-01 12:00:00'",
            &["brexit-talks", "sport"],
        ),
        (
            "published_at:>='2014-06-02 09:00:00'",
            &["brexit-talks", "sport"],
        ),
        ("published_at:<2014-06-02", &["budget"]),
        ("published_at:<=now", &["budget", "brexit-talks", "sport"]),
        ("published_at:>now-1d", &[]),
        ("title:~'100%'", &["budget"]),
        ("title:~'_talks'", &["brexit-talks"]),
        ("title:~^'BREXIT'", &["brexit-talks"]),
        ("title:~$'approved'", &["budget"]),
        ("title:-~'talks'", &["budget"]),
        ("title:-~^'sport'", &["budget", "brexit-talks"]),
        ("title:-~$'days'", &["budget", "brexit-talks"]),
        ("custom_excerpt:null", &["brexit-talks", "sport"]),
        ("custom_excerpt:-null", &["budget"]),
        ("custom_excerpt:-'Standfirst'", &["brexit-talks", "sport"]),
        ("custom_excerpt:'Standfirst'", &["budget"]),
        ("slug:[budget,brexit-talks]", &["budget", "brexit-talks"]),
        ("slug:-budget", &["brexit-talks", "sport"]),
        ("slug:-[budget,sport]", &["brexit-talks"]),
        ("reading_time:>1", &["sport"]),
        ("reading_time:<=1", &["budget", "brexit-talks"]),
        ("visibility:public", &["budget", "brexit-talks", "sport"]),
        ("visibility:paid", &[]),
        (
            "email:someone@example.com",
            &["budget", "brexit-talks", "sport"],
        ),
        ("status:published", &["budget", "brexit-talks", "sport"]),
        // AND binds tighter than OR; parentheses regroup.
        ("tag:sport,tag:politics+featured:true", &["budget", "sport"]),
        ("(tag:sport,tag:politics)+featured:true", &["budget"]),
        ("tag:news+tag:politics", &["budget"]),
        ("title:~'\\'; DROP TABLE articles; --'", &[]),
    ];
    for (nql, expected) in cases {
        assert_eq!(matching(&mut c, nql), set(expected), "{nql}");
    }
    assert_eq!(
        matching(&mut c, &format!("id:{}", b.uuid)),
        set(&["brexit-talks"])
    );
    assert_eq!(
        matching(&mut c, "visibility:public"),
        all,
        "nothing was dropped"
    );
}

/// A small, seeded pseudo-random generator (xorshift), so a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n as u64)).unwrap_or(0)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const TEXT: &[&str] = &[
    "news",
    "talks",
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
    "'a''b'",
    "null",
    "published",
    "draft",
];
const DATES: &[&str] = &[
    "2014-06-01",
    "'2014-06-01 09:00:00'",
    "'2014-06-01T09:00:00Z'",
    "now",
    "now-1d",
    "now+3y",
    "now-99999999y",
    "'9999-12-31'",
    "'0001-01-01'",
    "null",
];
const NUMBERS: &[&str] = &["0", "-1", "1.5", "1e308", "-0", "99999999999999999999", "5"];
const BOOLEANS: &[&str] = &["true", "false"];
const IDS: &[&str] = &[
    "0190ba3c-7d5e-7f2a-9c4b-6a1d2e3f4a5b",
    "'0190ba3c-7d5e'",
    "0190ba3c7d5e7f2a9c4b6a1d2e3f4a5b",
];
const VISIBILITY: &[&str] = &["public", "internal", "all"];

const EQUALITY: &[&str] = &["", "-"];
const TEXT_OPS: &[&str] = &["", "-", "~", "-~", "~^", "-~^", "~$", "-~$"];
const ORDERING: &[&str] = &["", "-", ">", ">=", "<", "<="];

/// Properties with the operators and values that fit them.
const PROPERTIES: &[(&str, &[&str], &[&str])] = &[
    ("tag", EQUALITY, TEXT),
    ("tags.slug", EQUALITY, TEXT),
    ("primary_tag", EQUALITY, TEXT),
    ("authors", EQUALITY, TEXT),
    ("primary_author.slug", EQUALITY, TEXT),
    ("slug", TEXT_OPS, TEXT),
    ("title", TEXT_OPS, TEXT),
    ("custom_excerpt", TEXT_OPS, TEXT),
    ("feature_image", TEXT_OPS, TEXT),
    ("status", EQUALITY, TEXT),
    ("id", EQUALITY, IDS),
    ("featured", EQUALITY, BOOLEANS),
    ("published_at", ORDERING, DATES),
    ("created_at", ORDERING, DATES),
    ("updated_at", ORDERING, DATES),
    ("reading_time", ORDERING, NUMBERS),
    ("visibility", EQUALITY, VISIBILITY),
    // Not properties, or not public ones.
    ("password", EQUALITY, TEXT),
    ("authors.email", EQUALITY, TEXT),
    ("1=1", EQUALITY, TEXT),
];

const ALL_VALUES: &[&[&str]] = &[TEXT, DATES, NUMBERS, BOOLEANS, IDS, VISIBILITY];

/// A filter from the grammar: mostly well-typed, sometimes not, sometimes mangled.
fn generate(rng: &mut Rng, depth: usize) -> String {
    let mut out = String::new();
    let parts = 1 + rng.below(3);
    for i in 0..parts {
        if i > 0 {
            out.push_str(rng.pick(&["+", ","]));
        }
        if depth < 4 && rng.below(5) == 0 {
            out.push('(');
            out.push_str(&generate(rng, depth + 1));
            out.push(')');
            continue;
        }
        let (property, mut ops, mut values) = PROPERTIES[rng.below(PROPERTIES.len())];
        if rng.below(8) == 0 {
            ops = &["", "-", ">", "<=", "~", "-~$"];
        }
        if rng.below(8) == 0 {
            values = ALL_VALUES[rng.below(ALL_VALUES.len())];
        }
        out.push_str(property);
        out.push(':');
        if rng.below(4) == 0 {
            out.push_str(rng.pick(&["", "-"]));
            out.push('[');
            let n = 1 + rng.below(4);
            let list: Vec<&str> = (0..n).map(|_| rng.pick(values)).collect();
            out.push_str(&list.join(","));
            out.push(']');
        } else {
            out.push_str(rng.pick(ops));
            out.push_str(rng.pick(values));
        }
    }
    if rng.below(6) == 0 {
        // Mangle: replace, insert or delete a character.
        let mut chars: Vec<char> = out.chars().collect();
        let noise: Vec<char> = "()[]+,:-~^$<>='\"\\ %_\u{0}é".chars().collect();
        let at = rng.below(chars.len() + 1);
        match rng.below(3) {
            0 if at < chars.len() => chars[at] = noise[rng.below(noise.len())],
            1 => chars.insert(at, noise[rng.below(noise.len())]),
            _ if at < chars.len() => {
                chars.remove(at);
            }
            _ => {}
        }
        out = chars.into_iter().collect();
    }
    out
}

/// Property: any filter text either is refused by the parser or the resolver (a validation
/// error, naming the argument), or runs; none reaches the database as an SQL error, and none
/// changes the data. Bounded: `BROADSHEET_FUZZ_CASES` cases (default 2000 per backend).
fn hostile_filters_never_reach_the_database_as_errors(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let ann = UserBuilder::new("Ann").create(&mut c).id();
    let news = TagBuilder::new("News").create(&mut c).id;
    for i in 0..5 {
        ArticleBuilder::new(&format!("Story {i} 100% _x_ O'Brien"), ann)
            .tags(&[news])
            .create(&mut c);
    }
    let cases: usize = std::env::var("BROADSHEET_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let seed = std::env::var("BROADSHEET_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_f11e_u64);
    let mut rng = Rng(seed);
    let (mut ran, mut refused) = (0, 0);
    for case in 0..cases {
        let text = generate(&mut rng, 0);
        let Ok(expr) = parse(&text, now(), "filter") else {
            refused += 1;
            continue;
        };
        let Ok(condition) = resolve(&expr, "filter") else {
            refused += 1;
            continue;
        };
        let filter = ArticleFilter {
            condition: Some(condition),
            ..ArticleFilter::default()
        };
        for order in [ArticleOrder::TitleAsc, ArticleOrder::NewestFirst] {
            if let Err(e) = articles::list(&mut c, &filter, order, &PageRequest::first(10)) {
                panic!("case {case} (seed {seed}): {text:?} reached the database as {e:?}");
            }
        }
        if let Err(e) = articles::count(&mut c, &filter, ArticleOrder::TitleAsc) {
            panic!("case {case} (seed {seed}): {text:?} failed to count: {e:?}");
        }
        ran += 1;
    }
    assert!(
        ran * 5 >= cases,
        "the generator must reach the database often enough to mean something: {ran} ran, \
         {refused} refused"
    );
    let everything = ArticleFilter::default();
    assert_eq!(
        articles::count(&mut c, &everything, ArticleOrder::TitleAsc).expect("count"),
        5,
        "no filter changed the data"
    );
}
