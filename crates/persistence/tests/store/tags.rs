use broadsheet_domain::Slug;
use broadsheet_domain::listing::{NameCursor, PageRequest};
use broadsheet_domain::tag::{NewTag, TagInput, Visibility};
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, TestDb, UserBuilder};
use broadsheet_persistence::{StoreError, articles, backend_tests, tags};

backend_tests!(
    create_read_update_delete,
    internal_tags,
    duplicate_slug_is_a_conflict_and_derived_slugs_are_suffixed,
    listing_and_counts,
    deleting_a_tag_removes_it_from_articles,
    concurrent_writers_all_succeed,
);

fn create_read_update_delete(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let input = TagInput {
        name: "Children’s services".into(),
        description: Some("Care, protection and Ofsted.".into()),
        feature_image: Some("/content/images/children.jpg".into()),
        ..TagInput::default()
    };
    let tag = tags::create(&mut c, &NewTag::parse(&input).expect("valid"), now()).expect("created");
    assert_eq!(tag.slug.as_str(), "childrens-services");
    assert_eq!(tag.visibility(), Visibility::Public);
    assert_eq!(
        tags::get(&mut c, tag.id).expect("read").as_ref(),
        Some(&tag)
    );
    assert_eq!(
        tags::by_slug(&mut c, &tag.slug)
            .expect("read")
            .map(|t| t.id),
        Some(tag.id)
    );
    let changes = NewTag::parse(&TagInput {
        name: "Children's social care".into(),
        slug: Some("childrens-social-care".into()),
        ..TagInput::default()
    })
    .expect("valid");
    let updated = tags::update(&mut c, tag.id, &changes, now()).expect("updated");
    assert_eq!(updated.name.as_str(), "Children's social care");
    assert_eq!(updated.slug.as_str(), "childrens-social-care");
    assert_eq!(updated.description, None);
    assert!(updated.updated_at >= tag.updated_at);
    tags::delete(&mut c, tag.id).expect("deleted");
    assert_eq!(tags::get(&mut c, tag.id).expect("read"), None);
    assert!(matches!(
        tags::delete(&mut c, tag.id),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        tags::update(&mut c, tag.id, &changes, now()),
        Err(StoreError::NotFound { .. })
    ));
}

fn internal_tags(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let internal = TagBuilder::new("#homepage").create(&mut c);
    let public = TagBuilder::new("Homepage").create(&mut c);
    assert_eq!(internal.slug.as_str(), "hash-homepage");
    assert_eq!(internal.visibility(), Visibility::Internal);
    assert_eq!(public.slug.as_str(), "homepage");
    let listed =
        tags::list(&mut c, Some(Visibility::Public), &PageRequest::first(10)).expect("list");
    assert_eq!(listed.items, vec![public]);
    assert_eq!(
        tags::count(&mut c, Some(Visibility::Internal)).expect("count"),
        1
    );
    assert_eq!(tags::count(&mut c, None).expect("count"), 2);
}

fn duplicate_slug_is_a_conflict_and_derived_slugs_are_suffixed(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let first = TagBuilder::new("Ofsted").create(&mut c);
    let second = TagBuilder::new("OFSTED").create(&mut c);
    let third = TagBuilder::new("Ofsted!").create(&mut c);
    assert_eq!(
        [
            first.slug.as_str(),
            second.slug.as_str(),
            third.slug.as_str()
        ],
        ["ofsted", "ofsted-2", "ofsted-3"]
    );
    let clash = NewTag::parse(&TagInput {
        name: "Other".into(),
        slug: Some("ofsted".into()),
        ..TagInput::default()
    })
    .expect("valid");
    match tags::create(&mut c, &clash, now()) {
        Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "slug"),
        other => panic!("expected a slug conflict, got {other:?}"),
    }
    match tags::update(&mut c, third.id, &clash, now()) {
        Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "slug"),
        other => panic!("expected a slug conflict, got {other:?}"),
    }
    assert_eq!(
        tags::get(&mut c, third.id).expect("read").map(|t| t.slug),
        Slug::parse("ofsted-3").ok(),
        "a refused update changes nothing"
    );
}

fn listing_and_counts(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let author = UserBuilder::new("Writer").create(&mut c);
    let names = ["brexit", "Birmingham", "Devolution", "budget", "Housing"];
    let made: Vec<_> = names
        .iter()
        .map(|n| TagBuilder::new(n).create(&mut c))
        .collect();
    let page = tags::list(&mut c, None, &PageRequest::first(2)).expect("list");
    let got: Vec<&str> = page.items.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(got, ["Birmingham", "brexit"]);
    let last = page.items.last().expect("two");
    let rest = tags::list(
        &mut c,
        None,
        &PageRequest::Forward {
            first: 10,
            after: Some(NameCursor::of(last.name.as_str(), last.id.0)),
        },
    )
    .expect("list");
    let got: Vec<&str> = rest.items.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(got, ["budget", "Devolution", "Housing"]);

    let (brexit, birmingham) = (made[0].id, made[1].id);
    ArticleBuilder::new("One", author.id())
        .tags(&[brexit, birmingham])
        .create(&mut c);
    ArticleBuilder::new("Two", author.id())
        .tags(&[brexit])
        .create(&mut c);
    ArticleBuilder::new("Draft", author.id())
        .draft()
        .tags(&[brexit])
        .create(&mut c);
    let all =
        tags::article_counts(&mut c, &[brexit, birmingham, made[2].id], None).expect("counts");
    assert_eq!(all.get(&brexit), Some(&3));
    assert_eq!(all.get(&birmingham), Some(&1));
    assert_eq!(all.get(&made[2].id), None);
    let live = tags::article_counts(&mut c, &[brexit], Some(now())).expect("counts");
    assert_eq!(
        live.get(&brexit),
        Some(&2),
        "drafts are not counted for the public"
    );
}

fn deleting_a_tag_removes_it_from_articles(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let author = UserBuilder::new("Writer").create(&mut c);
    let a = TagBuilder::new("A").create(&mut c);
    let b = TagBuilder::new("B").create(&mut c);
    let article = ArticleBuilder::new("Tagged", author.id())
        .tags(&[a.id, b.id])
        .create(&mut c);
    tags::delete(&mut c, a.id).expect("deleted");
    let left = tags::of_articles(&mut c, &[article.id]).expect("tags");
    assert_eq!(
        left.get(&article.id)
            .map(|t| t.iter().map(|t| t.id).collect::<Vec<_>>()),
        Some(vec![b.id])
    );
    assert!(articles::get(&mut c, article.id).expect("read").is_some());
}

/// Writers racing through the store all succeed: SQLite's single writer is queued, not
/// refused, and PostgreSQL takes them as they come.
fn concurrent_writers_all_succeed(db: &TestDb) {
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let store = db.store.clone();
            std::thread::spawn(move || {
                for i in 0..8 {
                    let new = NewTag::parse(&TagInput {
                        name: format!("Tag {t}-{i}"),
                        ..TagInput::default()
                    })
                    .expect("valid");
                    store
                        .write_blocking(|c| {
                            // Read, then write: the pattern that fails on SQLite without an
                            // up-front write lock.
                            tags::count(c, None)?;
                            tags::create(c, &new, now())
                        })
                        .expect("write succeeds");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("writer thread");
    }
    let mut c = db.store.conn().expect("connection");
    assert_eq!(tags::count(&mut c, None).expect("count"), 48);
}
