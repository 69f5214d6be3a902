//! Related articles: curated first, in order, then suggested; never self, draft or twice.

use broadsheet::demo;
use broadsheet_domain::related::NewRelatedLink;
use broadsheet_persistence::related;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, UserBuilder};
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::{data, first_code};
use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(
    the_sample_page_lists_its_five_curated_articles,
    curated_then_suggested
);

const Q: &str = "query($slug: String!, $first: Int!) { article(slug: $slug) {
    relatedArticles(first: $first) { reason note node { slug } } } }";

fn edges(body: &Value) -> Vec<(String, String)> {
    data(body, &["article", "relatedArticles"])
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            (
                e["reason"].as_str().unwrap_or_default().to_owned(),
                e["node"]["slug"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn the_sample_page_lists_its_five_curated_articles(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let slug = "weve-still-no-idea-about-needs-of-all-children-at-risk-admits-birmingham-social-services-chief";
    let body = app
        .graphql(Q, json!({ "slug": slug, "first": 5 }))
        .await
        .json();
    let got = edges(&body);
    let expected = [
        "picking-up-food-dont-take-the-mickey",
        "healthy-high-streets-can-we-trust-the-measurers",
        "brexit-where-now-for-devolution",
        "brexit-corbyn-might-as-well-measure-up-the-curtains",
        "was-hra-cap-scrapping-really-the-biggest-thing-since-thatcher",
    ];
    assert_eq!(
        got.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(),
        expected
    );
    assert!(got.iter().all(|(r, _)| r == "CURATED"));
    let seven = edges(
        &app.graphql(Q, json!({ "slug": slug, "first": 7 }))
            .await
            .json(),
    );
    assert_eq!(seven.len(), 7);
    assert!(
        seven[5..]
            .iter()
            .all(|(r, s)| r == "SUGGESTED" && s != slug && !expected.contains(&s.as_str()))
    );
    let none = edges(
        &app.graphql(Q, json!({ "slug": slug, "first": 0 }))
            .await
            .json(),
    );
    assert!(none.is_empty());
    let too_many = app
        .graphql(Q, json!({ "slug": slug, "first": 21 }))
        .await
        .json();
    assert_eq!(first_code(&too_many), "BAD_USER_INPUT");
}

async fn curated_then_suggested(app: TestApp) {
    let mut c = app.db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    let rare = TagBuilder::new("Rare").create(&mut c).id;
    let common = TagBuilder::new("Common").create(&mut c).id;
    let day = |d: u32| {
        Utc.with_ymd_and_hms(2020, 5, d, 8, 0, 0)
            .single()
            .expect("date")
    };
    let main = ArticleBuilder::new("Main", w)
        .slug("main")
        .published_at(day(1))
        .tags(&[common, rare])
        .create(&mut c);
    let picked = ArticleBuilder::new("Picked", w)
        .slug("picked")
        .published_at(day(2))
        .create(&mut c);
    let draft = ArticleBuilder::new("Picked draft", w)
        .slug("picked-draft")
        .draft()
        .tags(&[rare])
        .create(&mut c);
    let rare_one = ArticleBuilder::new("Rare one", w)
        .slug("rare-one")
        .published_at(day(3))
        .tags(&[rare])
        .create(&mut c);
    ArticleBuilder::new("Common new", w)
        .slug("common-new")
        .published_at(day(9))
        .tags(&[common])
        .create(&mut c);
    ArticleBuilder::new("Common old", w)
        .slug("common-old")
        .published_at(day(4))
        .tags(&[common])
        .create(&mut c);
    for i in 0..3 {
        ArticleBuilder::new(&format!("Filler {i}"), w)
            .published_at(day(5))
            .tags(&[common])
            .create(&mut c);
    }
    for to in [picked.id, draft.id, rare_one.id] {
        let note = (to == picked.id).then_some("Background");
        related::add(
            &mut c,
            &NewRelatedLink::new(main.id, to, note).expect("valid"),
        )
        .expect("link");
    }
    drop(c);
    let body = app
        .graphql(Q, json!({ "slug": "main", "first": 4 }))
        .await
        .json();
    assert_eq!(
        edges(&body),
        [
            ("CURATED".to_owned(), "picked".to_owned()),
            ("CURATED".to_owned(), "rare-one".to_owned()),
            ("SUGGESTED".to_owned(), "common-new".to_owned()),
            ("SUGGESTED".to_owned(), "filler-2".to_owned()),
        ],
        "the draft link is skipped; the curated rare article is not suggested again"
    );
    assert_eq!(
        data(&body, &["article", "relatedArticles", "0", "note"]),
        "Background"
    );
    let one = edges(
        &app.graphql(Q, json!({ "slug": "main", "first": 1 }))
            .await
            .json(),
    );
    assert_eq!(one, [("CURATED".to_owned(), "picked".to_owned())]);
}
