//! The filter language compiled to SQL: every operator, on both backends.

use std::collections::BTreeSet;

use broadsheet_domain::filter::{articles::resolve, parse};
use broadsheet_domain::listing::{ArticleFilter, ArticleOrder, PageRequest};
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, TestDb, UserBuilder};
use broadsheet_persistence::{AnyConnection, articles, backend_tests};
use chrono::{TimeZone, Utc};

// Hostile filters against the database: `fuzz.rs`.
backend_tests!(every_operator_and_property);

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
        // Slugs that name nothing: no ids to test against.
        ("tag:no-such-tag", &[]),
        ("tag:-no-such-tag", &["budget", "brexit-talks", "sport"]),
        ("tag:[no-such-tag,sport]", &["sport"]),
        (
            "primary_author:-nobody",
            &["budget", "brexit-talks", "sport"],
        ),
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
