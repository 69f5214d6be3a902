use broadsheet_domain::Slug;
use broadsheet_domain::article::{
    ArticleInput, ArticlePatch, ArticleStatus, NewArticle, Publication, SeoInput,
};
use broadsheet_domain::ids::{ArticleId, AuthorId, TagId};
use broadsheet_domain::related::NewRelatedLink;
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, TestDb, UserBuilder};
use broadsheet_persistence::{StoreError, articles, backend_tests, related, tags, users};
use chrono::{TimeZone, Utc};

backend_tests!(
    create_read_update_delete,
    every_field_round_trips,
    slug_is_derived_and_suffixed,
    duplicate_slug_is_a_conflict,
    stale_version_is_refused,
    tags_and_authors_keep_their_order,
    unknown_tags_or_authors_are_refused_by_field,
    delete_cascades_to_links_both_ways,
);

fn create_read_update_delete(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let author = UserBuilder::new("Writer").create(&mut c);
    let article = ArticleBuilder::new("Council budget set", author.id())
        .body("The council **met**.\n\n- cuts\n- savings")
        .create(&mut c);
    assert_eq!(article.slug.as_str(), "council-budget-set");
    assert_eq!(article.version, 1);
    assert!(article.content.html.contains("<strong>met</strong>"));
    assert_eq!(
        article.content.plaintext,
        "The council met.\n\ncuts\nsavings"
    );
    assert_eq!(article.content.word_count, 5);

    assert_eq!(
        articles::get(&mut c, article.id).expect("read").as_ref(),
        Some(&article)
    );
    assert_eq!(
        articles::by_uuid(&mut c, article.uuid)
            .expect("read")
            .map(|a| a.id),
        Some(article.id)
    );
    assert_eq!(
        articles::by_slug(&mut c, &article.slug)
            .expect("read")
            .map(|a| a.id),
        Some(article.id)
    );
    let missing = Slug::parse("no-such-article").expect("valid");
    assert_eq!(articles::by_slug(&mut c, &missing).expect("read"), None);
    assert_eq!(
        articles::get(&mut c, ArticleId(987_654)).expect("read"),
        None
    );

    let revised = article
        .revise(&ArticlePatch {
            title: Some("Council budget agreed".into()),
            body: Some("New body".into()),
            featured: Some(true),
            ..ArticlePatch::default()
        })
        .expect("valid patch");
    let saved = articles::update(&mut c, &revised, None, now()).expect("updated");
    assert_eq!(saved.version, 2);
    assert_eq!(saved.title.as_str(), "Council budget agreed");
    assert_eq!(saved.slug, article.slug, "the slug stays unless changed");
    assert_eq!(saved.content.excerpt, "New body");
    assert!(saved.featured);
    assert!(saved.updated_at >= article.updated_at);
    assert_eq!(saved.created_at, article.created_at);

    let mut unpublished = saved.clone();
    unpublished.publication = Publication::Draft;
    let draft = articles::update(&mut c, &unpublished, None, now()).expect("updated");
    assert_eq!(draft.publication, Publication::Draft);
    assert_eq!(draft.version, 3);

    articles::delete(&mut c, article.id).expect("deleted");
    assert_eq!(articles::get(&mut c, article.id).expect("read"), None);
    assert!(matches!(
        articles::delete(&mut c, article.id),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        articles::update(&mut c, &draft, None, now()),
        Err(StoreError::NotFound { .. })
    ));
}

fn every_field_round_trips(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let author = UserBuilder::new("Writer").create(&mut c);
    let published = Utc
        .with_ymd_and_hms(2014, 6, 26, 9, 30, 15)
        .single()
        .expect("valid date")
        + chrono::TimeDelta::microseconds(123_456);
    let input = ArticleInput {
        title: "Every field".into(),
        slug: Some("every-field".into()),
        custom_excerpt: Some("A standfirst.".into()),
        body: "Body".into(),
        status: ArticleStatus::Published,
        published_at: Some(published),
        featured: true,
        feature_image: Some("https://cdn.example.com/a.jpg".into()),
        feature_image_alt: Some("Alt".into()),
        feature_image_caption: Some("Caption".into()),
        seo: SeoInput {
            canonical_url: Some("https://example.com/original".into()),
            meta_title: Some("Meta title".into()),
            meta_description: Some("Meta description".into()),
            og_image: Some("/og.jpg".into()),
            og_title: Some("OG title".into()),
            og_description: Some("OG description".into()),
            twitter_image: Some("/tw.jpg".into()),
            twitter_title: Some("TW title".into()),
            twitter_description: Some("TW description".into()),
        },
        tags: vec![],
        authors: vec![author.id()],
    };
    let new = NewArticle::parse(&input, now()).expect("valid");
    let stored = articles::create(&mut c, &new, None, now()).expect("created");
    let read = articles::get(&mut c, stored.id)
        .expect("read")
        .expect("found");
    assert_eq!(read, stored);
    assert_eq!(read.uuid, new.uuid);
    assert_eq!(
        read.publication,
        Publication::Published(published),
        "microseconds survive"
    );
    assert_eq!(read.content.excerpt, "A standfirst.");
    assert_eq!(
        read.seo.twitter_description.as_deref(),
        Some("TW description")
    );
    assert_eq!(
        read.seo.canonical_url.map(|u| u.to_string()),
        Some("https://example.com/original".into())
    );
    assert_eq!(
        read.feature_image.and_then(|f| f.caption),
        Some("Caption".into())
    );
}

fn slug_is_derived_and_suffixed(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let author = UserBuilder::new("Writer").create(&mut c);
    let title = "‘We’ve still no idea about needs of all children at risk’";
    let a = ArticleBuilder::new(title, author.id()).create(&mut c);
    let b = ArticleBuilder::new(title, author.id()).create(&mut c);
    let d = ArticleBuilder::new(title, author.id())
        .draft()
        .create(&mut c);
    assert_eq!(
        a.slug.as_str(),
        "weve-still-no-idea-about-needs-of-all-children-at-risk"
    );
    assert_eq!(b.slug.as_str(), format!("{}-2", a.slug));
    assert_eq!(d.slug.as_str(), format!("{}-3", a.slug));
}

fn duplicate_slug_is_a_conflict(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let author = UserBuilder::new("Writer").create(&mut c);
    let first = ArticleBuilder::new("First", author.id())
        .slug("taken")
        .create(&mut c);
    let input = ArticleInput {
        title: "Second".into(),
        slug: Some("taken".into()),
        authors: vec![author.id()],
        ..ArticleInput::default()
    };
    match articles::create(
        &mut c,
        &NewArticle::parse(&input, now()).expect("valid"),
        None,
        now(),
    ) {
        Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "slug"),
        other => panic!("expected a slug conflict, got {other:?}"),
    }
    let second = ArticleBuilder::new("Second", author.id()).create(&mut c);
    let clash = second
        .revise(&ArticlePatch {
            slug: Some(first.slug.as_str().into()),
            ..ArticlePatch::default()
        })
        .expect("valid patch");
    match articles::update(&mut c, &clash, None, now()) {
        Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "slug"),
        other => panic!("expected a slug conflict, got {other:?}"),
    }
    let unchanged = articles::get(&mut c, second.id)
        .expect("read")
        .expect("found");
    assert_eq!(unchanged, second, "a refused update changes nothing");
}

fn stale_version_is_refused(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let author = UserBuilder::new("Writer").create(&mut c);
    let article = ArticleBuilder::new("Original", author.id()).create(&mut c);
    let theirs = article
        .revise(&ArticlePatch {
            title: Some("Theirs".into()),
            ..ArticlePatch::default()
        })
        .expect("valid");
    let mine = article
        .revise(&ArticlePatch {
            title: Some("Mine".into()),
            ..ArticlePatch::default()
        })
        .expect("valid");
    articles::update(&mut c, &theirs, None, now()).expect("first save wins");
    match articles::update(&mut c, &mine, None, now()) {
        Err(StoreError::StaleVersion {
            current_version, ..
        }) => assert_eq!(current_version, 2),
        other => panic!("expected a stale version, got {other:?}"),
    }
    let stored = articles::get(&mut c, article.id)
        .expect("read")
        .expect("found");
    assert_eq!(
        stored.title.as_str(),
        "Theirs",
        "the second save did not overwrite the first"
    );
}

fn tags_and_authors_keep_their_order(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let a = UserBuilder::new("Ann").create(&mut c);
    let b = UserBuilder::new("Bob").create(&mut c);
    let t: Vec<TagId> = ["Zeta", "Alpha", "Mid"]
        .iter()
        .map(|n| TagBuilder::new(n).create(&mut c).id)
        .collect();
    let article = ArticleBuilder::new("Ordered", b.id())
        .authors(&[b.id(), a.id()])
        .tags(&t)
        .create(&mut c);
    let tag_ids = |c: &mut _| -> Vec<TagId> {
        tags::of_articles(c, &[article.id]).expect("tags")[&article.id]
            .iter()
            .map(|t| t.id)
            .collect()
    };
    let author_ids = |c: &mut _| -> Vec<AuthorId> {
        users::of_articles(c, &[article.id]).expect("authors")[&article.id]
            .iter()
            .map(|a| a.id)
            .collect()
    };
    assert_eq!(tag_ids(&mut c), t, "the first is the primary tag");
    assert_eq!(
        author_ids(&mut c),
        [b.id(), a.id()],
        "the first is the primary author"
    );

    let reordered =
        articles::set_tags(&mut c, article.id, &[t[2], t[0]], None, now()).expect("set");
    assert_eq!(reordered.version, 2, "a tag change is a change");
    assert_eq!(tag_ids(&mut c), [t[2], t[0]]);
    articles::set_authors(&mut c, article.id, &[a.id()], None, now()).expect("set");
    assert_eq!(author_ids(&mut c), [a.id()]);
    assert!(matches!(
        articles::set_authors(&mut c, article.id, &[], None, now()),
        Err(StoreError::Invalid(e)) if e.field == "authors"
    ));
    assert!(matches!(
        articles::set_tags(&mut c, ArticleId(424_242), &[], None, now()),
        Err(StoreError::NotFound { .. })
    ));
}

fn unknown_tags_or_authors_are_refused_by_field(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let author = UserBuilder::new("Writer").create(&mut c);
    let input = ArticleInput {
        title: "Bad refs".into(),
        tags: vec![TagId(777)],
        authors: vec![author.id()],
        ..ArticleInput::default()
    };
    match articles::create(
        &mut c,
        &NewArticle::parse(&input, now()).expect("valid"),
        None,
        now(),
    ) {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.field, "tags");
            assert!(e.message.contains("777"));
        }
        other => panic!("expected invalid tags, got {other:?}"),
    }
    let input = ArticleInput {
        tags: vec![],
        authors: vec![AuthorId(888)],
        ..input
    };
    match articles::create(
        &mut c,
        &NewArticle::parse(&input, now()).expect("valid"),
        None,
        now(),
    ) {
        Err(StoreError::Invalid(e)) => assert_eq!(e.field, "authors"),
        other => panic!("expected invalid authors, got {other:?}"),
    }
    let all = broadsheet_domain::listing::ArticleFilter::default();
    assert_eq!(
        articles::count(
            &mut c,
            &all,
            broadsheet_domain::listing::ArticleOrder::TitleAsc
        )
        .expect("count"),
        0,
        "nothing half-written"
    );
}

fn delete_cascades_to_links_both_ways(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let author = UserBuilder::new("Writer").create(&mut c);
    let tag = TagBuilder::new("Topic").create(&mut c);
    let a = ArticleBuilder::new("A", author.id())
        .tags(&[tag.id])
        .create(&mut c);
    let b = ArticleBuilder::new("B", author.id()).create(&mut c);
    let x = ArticleBuilder::new("X", author.id()).create(&mut c);
    related::add(
        &mut c,
        &NewRelatedLink::new(a.id, b.id, None).expect("valid"),
    )
    .expect("link");
    related::add(
        &mut c,
        &NewRelatedLink::new(b.id, a.id, None).expect("valid"),
    )
    .expect("link");
    related::add(
        &mut c,
        &NewRelatedLink::new(x.id, a.id, None).expect("valid"),
    )
    .expect("link");
    related::add(
        &mut c,
        &NewRelatedLink::new(x.id, b.id, None).expect("valid"),
    )
    .expect("link");

    articles::delete(&mut c, a.id).expect("deleted");
    let links = related::of_articles(&mut c, &[a.id, b.id, x.id]).expect("links");
    assert_eq!(links.get(&a.id), None);
    assert_eq!(
        links.get(&b.id),
        None,
        "links to the deleted article are gone"
    );
    assert_eq!(
        links[&x.id].iter().map(|l| l.to).collect::<Vec<_>>(),
        [b.id]
    );
    assert!(tags::of_articles(&mut c, &[a.id]).expect("tags").is_empty());
    assert!(
        users::of_articles(&mut c, &[a.id])
            .expect("authors")
            .is_empty()
    );
    assert!(
        tags::get(&mut c, tag.id).expect("read").is_some(),
        "the tag itself stays"
    );
    assert_eq!(
        users::article_counts(&mut c, &[author.id()], None)
            .expect("counts")
            .get(&author.id()),
        Some(&2)
    );
}
