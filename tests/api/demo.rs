//! The sample publication, as loaded on both backends.

use broadsheet::demo;
use broadsheet_domain::Slug;
use broadsheet_domain::article::ArticleStatus;
use broadsheet_domain::listing::{ArticleFilter, ArticleOrder, PageRequest};
use broadsheet_persistence::testing::TestDb;
use broadsheet_persistence::{articles, backend_tests, related, tags, users};
use chrono::{Datelike as _, TimeZone as _, Utc};

backend_tests!(
    sample_article_page_is_complete,
    loads_once,
    lists_have_enough_to_page
);

const MAIN: &str = "weve-still-no-idea-about-needs-of-all-children-at-risk-admits-birmingham-social-services-chief";
const SIMILAR: [&str; 5] = [
    "picking-up-food-dont-take-the-mickey",
    "healthy-high-streets-can-we-trust-the-measurers",
    "brexit-where-now-for-devolution",
    "brexit-corbyn-might-as-well-measure-up-the-curtains",
    "was-hra-cap-scrapping-really-the-biggest-thing-since-thatcher",
];

fn sample_article_page_is_complete(db: &TestDb) {
    demo::load(&db.store).expect("loads");
    let mut c = db.store.conn().expect("connection");
    let article = articles::by_slug(&mut c, &Slug::parse(MAIN).expect("slug"))
        .expect("read")
        .expect("the sample article");
    assert_eq!(
        article.title.as_str(),
        "‘We’ve still no idea about needs of all children at risk’ admits Birmingham social services chief"
    );
    let published = article.publication.published_at().expect("published");
    assert_eq!(
        (published.year(), published.month(), published.day()),
        (2014, 6, 26)
    );
    assert_eq!(article.publication.status(), ArticleStatus::Published);

    let html = &article.content.html;
    assert!(
        html.starts_with("<p>Birmingham City Council still has “no idea”"),
        "{html}"
    );
    assert!(html.contains("<blockquote>"), "quotations are block quotes");
    assert_eq!(html.matches("<ul>").count(), 2, "both bulleted lists");
    assert_eq!(html.matches("<li>").count(), 5 + 7);
    assert!(html.contains("<li>Poor project and change management.</li>"));
    assert!(
        article
            .content
            .plaintext
            .ends_with("we have to be concerned.”")
    );
    assert!(article.content.word_count > 900);

    let tag_slugs: Vec<String> = tags::of_articles(&mut c, &[article.id]).expect("tags")
        [&article.id]
        .iter()
        .map(|t| t.slug.to_string())
        .collect();
    assert_eq!(
        tag_slugs[..3],
        ["birmingham", "childrens-services", "ofsted"]
    );
    let authors = users::of_articles(&mut c, &[article.id]).expect("authors");
    assert_eq!(authors[&article.id].len(), 1);

    let links = related::of_articles(&mut c, &[article.id])
        .expect("links")
        .remove(&article.id)
        .expect("links");
    let linked =
        articles::by_ids(&mut c, &links.iter().map(|l| l.to).collect::<Vec<_>>()).expect("read");
    let slugs: Vec<&str> = links.iter().map(|l| linked[&l.to].slug.as_str()).collect();
    assert_eq!(slugs, SIMILAR, "in the page's order");
    let cutoff = Utc
        .with_ymd_and_hms(2014, 6, 26, 0, 0, 0)
        .single()
        .expect("date");
    for a in linked.values() {
        assert!(
            a.publication.published_at().is_some_and(|p| p < cutoff),
            "{} is dated before",
            a.slug
        );
        assert!(!a.content.plaintext.is_empty());
    }
}

fn loads_once(db: &TestDb) {
    let first = demo::load(&db.store).expect("loads");
    // As the README's "The sample publication" counts them.
    assert_eq!(
        (first.articles, first.tags, first.authors),
        (27, 16, 4),
        "{first}"
    );
    assert_eq!(first.related_lists, 1);
    let second = demo::load(&db.store).expect("loads again");
    assert_eq!(second, demo::Summary::default(), "nothing loaded twice");
    assert!(
        demo::load_if_empty(&db.store, broadsheet_domain::time::now())
            .expect("checks")
            .is_none()
    );
}

fn lists_have_enough_to_page(db: &TestDb) {
    demo::load(&db.store).expect("loads");
    let mut c = db.store.conn().expect("connection");
    let live = ArticleFilter::live(broadsheet_domain::time::now());
    let page = articles::list(
        &mut c,
        &live,
        ArticleOrder::NewestFirst,
        &PageRequest::first(20),
    )
    .expect("page");
    assert_eq!(page.items.len(), 20);
    assert!(page.has_next_page, "a second page of the home page");
    // All but the one draft are published, as the README says.
    assert_eq!(
        articles::count(&mut c, &live, ArticleOrder::NewestFirst).expect("count"),
        26
    );
    let birmingham = ArticleFilter {
        tags_any: vec![Slug::parse("birmingham").expect("slug")],
        ..live
    };
    assert!(articles::count(&mut c, &birmingham, ArticleOrder::NewestFirst).expect("count") >= 5);
}
