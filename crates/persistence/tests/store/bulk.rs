//! Bulk loading: the same rows as one article at a time.

use broadsheet_domain::article::{ArticleInput, ArticleStatus, NewArticle};
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::{TagBuilder, TestDb, UserBuilder};
use broadsheet_persistence::{articles, backend_tests, bulk, tags, users};

backend_tests!(many_articles_at_once);

fn many_articles_at_once(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let ann = UserBuilder::new("Ann").create(&mut c).id();
    let news = TagBuilder::new("News").create(&mut c).id;
    let new: Vec<NewArticle> = (0..1_203)
        .map(|i| {
            NewArticle::parse(
                &ArticleInput {
                    title: format!("Story {i}"),
                    slug: Some(format!("story-{i}")),
                    body: format!("Words of story **{i}**."),
                    status: ArticleStatus::Published,
                    published_at: Some(now()),
                    tags: vec![news],
                    authors: vec![ann],
                    ..ArticleInput::default()
                },
                now(),
            )
            .expect("valid")
        })
        .collect();
    let ids = bulk::insert_articles(&mut c, &new, None, now()).expect("loaded");
    assert_eq!(ids.len(), 1_203);
    let last = articles::get(&mut c, ids[1_202])
        .expect("read")
        .expect("there");
    assert_eq!(last.title.as_str(), "Story 1202");
    assert_eq!(last.uuid, new[1_202].uuid);
    assert!(last.content.html.contains("<strong>1202</strong>"));
    let of = tags::of_articles(&mut c, &ids[..3]).expect("tags");
    assert_eq!(of[&ids[2]][0].id, news);
    let by = users::of_articles(&mut c, &ids[..3]).expect("authors");
    assert_eq!(by[&ids[0]][0].id, ann);
    bulk::insert_related(&mut c, &[(ids[0], vec![ids[1], ids[2]])]).expect("related");

    // Lookups by a list of ids take any number of them as one parameter: all of these, none,
    // and ids that name nothing.
    let all = tags::of_articles(&mut c, &ids).expect("tags of all");
    assert_eq!(all.len(), 1_203);
    assert!(all.values().all(|t| t.len() == 1 && t[0].id == news));
    let found = articles::by_ids(&mut c, &ids).expect("articles by id");
    assert_eq!(found.len(), 1_203);
    assert!(tags::of_articles(&mut c, &[]).expect("none").is_empty());
    assert!(users::of_articles(&mut c, &[]).expect("none").is_empty());
    let unknown = broadsheet_domain::ids::ArticleId(i64::MAX);
    assert!(
        articles::by_ids(&mut c, &[unknown])
            .expect("unknown")
            .is_empty()
    );
    let mixed = users::of_articles(&mut c, &[unknown, ids[7]]).expect("mixed");
    assert_eq!(mixed.len(), 1);
    assert_eq!(mixed[&ids[7]][0].id, ann);
}
