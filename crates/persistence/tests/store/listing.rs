use std::collections::HashSet;

use broadsheet_domain::Slug;
use broadsheet_domain::article::Article;
use broadsheet_domain::ids::ArticleId;
use broadsheet_domain::listing::{ArticleCursor, ArticleFilter, ArticleOrder, PageRequest};
use broadsheet_domain::text::sort_key;
use broadsheet_domain::time::{Timestamp, now};
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, TestDb, UserBuilder};
use broadsheet_persistence::{AnyConnection, StoreError, articles, backend_tests};
use chrono::{TimeDelta, TimeZone, Utc};

backend_tests!(
    keyset_pages_never_skip_or_repeat,
    every_filter,
    hostile_filters_are_refused_or_harmless,
    a_cursor_of_another_order_is_refused,
    tag_lists_follow_dates_and_tags,
);

fn day(d: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2014, 6, d, 12, 0, 0)
        .single()
        .expect("valid date")
}

fn slug(s: &str) -> Slug {
    Slug::parse(s).expect("valid slug")
}

/// Every row of `order`, read page by page forwards, then page by page backwards.
fn walk(
    c: &mut AnyConnection,
    filter: &ArticleFilter,
    order: ArticleOrder,
    size: usize,
) -> (Vec<ArticleId>, Vec<ArticleId>) {
    let mut forward = Vec::new();
    let mut after = None;
    loop {
        let page = articles::list(
            c,
            filter,
            order,
            &PageRequest::Forward {
                first: size,
                after: after.clone(),
            },
        )
        .expect("page");
        assert!(page.items.len() <= size);
        assert_eq!(page.has_previous_page, after.is_some());
        forward.extend(page.items.iter().map(|a| a.id));
        match page.items.last() {
            Some(last) if page.has_next_page => after = Some(ArticleCursor::of(last, order)),
            _ => break,
        }
    }
    let mut backward = Vec::new();
    let mut before = None;
    loop {
        let page = articles::list(
            c,
            filter,
            order,
            &PageRequest::Backward {
                last: size,
                before: before.clone(),
            },
        )
        .expect("page");
        assert_eq!(page.has_next_page, before.is_some());
        let mut ids: Vec<ArticleId> = page.items.iter().map(|a| a.id).collect();
        ids.extend(backward);
        backward = ids;
        match page.items.first() {
            Some(first) if page.has_previous_page => before = Some(ArticleCursor::of(first, order)),
            _ => break,
        }
    }
    (forward, backward)
}

fn keyset_pages_never_skip_or_repeat(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let author = UserBuilder::new("Writer").create(&mut c);
    let mut made: Vec<Article> = Vec::new();
    // Five articles share one instant, three another; titles repeat too.
    let dates = [
        day(1),
        day(2),
        day(2),
        day(2),
        day(2),
        day(2),
        day(3),
        day(5),
        day(5),
        day(5),
        day(9),
    ];
    for (i, d) in dates.iter().enumerate() {
        let title = ["Budget", "budget", "Éclair", "Ofsted"][i % 4];
        made.push(
            ArticleBuilder::new(title, author.id())
                .published_at(*d)
                .create(&mut c),
        );
    }
    made.push(
        ArticleBuilder::new("Draft", author.id())
            .draft()
            .create(&mut c),
    );
    let all = ArticleFilter::default();

    let mut newest: Vec<&Article> = made
        .iter()
        .filter(|a| a.publication.published_at().is_some())
        .collect();
    newest.sort_by(|a, b| {
        (b.publication.published_at(), b.id).cmp(&(a.publication.published_at(), a.id))
    });
    let newest: Vec<ArticleId> = newest.iter().map(|a| a.id).collect();
    let oldest: Vec<ArticleId> = newest.iter().rev().copied().collect();
    let mut by_title: Vec<&Article> = made.iter().collect();
    by_title.sort_by(|a, b| {
        (sort_key(a.title.as_str()), a.id).cmp(&(sort_key(b.title.as_str()), b.id))
    });
    let by_title: Vec<ArticleId> = by_title.iter().map(|a| a.id).collect();
    let mut updated: Vec<&Article> = made.iter().collect();
    updated.sort_by_key(|a| std::cmp::Reverse((a.updated_at, a.id)));
    let updated: Vec<ArticleId> = updated.iter().map(|a| a.id).collect();

    for (order, expected) in [
        (ArticleOrder::NewestFirst, &newest),
        (ArticleOrder::OldestFirst, &oldest),
        (ArticleOrder::TitleAsc, &by_title),
        (ArticleOrder::RecentlyUpdated, &updated),
    ] {
        for size in [1, 2, 3, 4, 100] {
            let (forward, backward) = walk(&mut c, &all, order, size);
            assert_eq!(&forward, expected, "{order:?} forwards by {size}");
            assert_eq!(&backward, expected, "{order:?} backwards by {size}");
        }
    }
    assert_eq!(newest.len(), 11, "drafts have no place in date order");
    assert_eq!(by_title.len(), 12);
}

fn every_filter(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let ann = UserBuilder::new("Ann").create(&mut c);
    let bob = UserBuilder::new("Bob").create(&mut c);
    let news = TagBuilder::new("News").create(&mut c);
    let politics = TagBuilder::new("Politics").create(&mut c);
    let sport = TagBuilder::new("Sport").create(&mut c);
    let soon = now() + TimeDelta::days(3);

    let a = ArticleBuilder::new("A", ann.id())
        .published_at(day(1))
        .tags(&[news.id, politics.id])
        .featured()
        .create(&mut c);
    let b = ArticleBuilder::new("B", bob.id())
        .published_at(day(2))
        .tags(&[politics.id])
        .create(&mut c);
    let d = ArticleBuilder::new("D", ann.id())
        .published_at(day(3))
        .tags(&[sport.id])
        .authors(&[ann.id(), bob.id()])
        .create(&mut c);
    let draft = ArticleBuilder::new("Draft", bob.id())
        .draft()
        .tags(&[news.id])
        .create(&mut c);
    let due = ArticleBuilder::new("Due", ann.id())
        .scheduled_for(day(4))
        .create(&mut c);
    let later = ArticleBuilder::new("Later", ann.id())
        .scheduled_for(soon)
        .tags(&[news.id])
        .create(&mut c);

    let check = |c: &mut AnyConnection,
                 filter: ArticleFilter,
                 order: ArticleOrder,
                 expected: &[&Article]| {
        let page = articles::list(c, &filter, order, &PageRequest::first(50)).expect("list");
        let got: HashSet<ArticleId> = page.items.iter().map(|a| a.id).collect();
        let want: HashSet<ArticleId> = expected.iter().map(|a| a.id).collect();
        assert_eq!(got, want, "{filter:?}");
        assert_eq!(
            articles::count(c, &filter, order).expect("count"),
            i64::try_from(want.len()).expect("small"),
            "{filter:?}"
        );
    };
    use broadsheet_domain::article::ArticleStatus::{Draft, Published, Scheduled};
    let any = ArticleOrder::RecentlyUpdated;
    check(
        &mut c,
        ArticleFilter::default(),
        any,
        &[&a, &b, &d, &draft, &due, &later],
    );
    check(
        &mut c,
        ArticleFilter {
            statuses: vec![Draft],
            ..Default::default()
        },
        any,
        &[&draft],
    );
    check(
        &mut c,
        ArticleFilter {
            statuses: vec![Published, Scheduled],
            ..Default::default()
        },
        any,
        &[&a, &b, &d, &due, &later],
    );
    check(&mut c, ArticleFilter::live(now()), any, &[&a, &b, &d, &due]);
    check(
        &mut c,
        ArticleFilter::live(soon),
        any,
        &[&a, &b, &d, &due, &later],
    );
    check(
        &mut c,
        ArticleFilter {
            tags_any: vec![slug("news"), slug("sport")],
            ..Default::default()
        },
        any,
        &[&a, &d, &draft, &later],
    );
    check(
        &mut c,
        ArticleFilter {
            tags_all: vec![slug("news"), slug("politics")],
            ..Default::default()
        },
        any,
        &[&a],
    );
    check(
        &mut c,
        ArticleFilter {
            tags_any: vec![slug("no-such-tag")],
            ..Default::default()
        },
        any,
        &[],
    );
    check(
        &mut c,
        ArticleFilter {
            authors_any: vec![slug("bob")],
            ..Default::default()
        },
        any,
        &[&b, &d, &draft],
    );
    check(
        &mut c,
        ArticleFilter {
            featured: Some(true),
            ..Default::default()
        },
        any,
        &[&a],
    );
    check(
        &mut c,
        ArticleFilter {
            featured: Some(false),
            ..Default::default()
        },
        any,
        &[&b, &d, &draft, &due, &later],
    );
    check(
        &mut c,
        ArticleFilter {
            published_after: Some(day(1)),
            ..Default::default()
        },
        any,
        &[&b, &d, &due, &later],
    );
    check(
        &mut c,
        ArticleFilter {
            published_before: Some(day(3)),
            ..Default::default()
        },
        any,
        &[&a, &b],
    );
    check(
        &mut c,
        ArticleFilter {
            live_at: Some(now()),
            tags_any: vec![slug("politics"), slug("sport")],
            authors_any: vec![slug("ann")],
            published_after: Some(day(1)),
            ..Default::default()
        },
        ArticleOrder::NewestFirst,
        &[&d],
    );
    // A date order lists only dated articles, whatever the filter.
    check(
        &mut c,
        ArticleFilter {
            statuses: vec![Draft, Published],
            ..Default::default()
        },
        ArticleOrder::OldestFirst,
        &[&a, &b, &d],
    );
}

fn hostile_filters_are_refused_or_harmless(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let author = UserBuilder::new("Writer").create(&mut c);
    ArticleBuilder::new("Safe", author.id()).create(&mut c);
    let many = ArticleFilter {
        tags_any: vec![slug("a"); 101],
        ..Default::default()
    };
    match articles::list(
        &mut c,
        &many,
        ArticleOrder::NewestFirst,
        &PageRequest::first(5),
    ) {
        Err(StoreError::Invalid(e)) => assert_eq!(e.field, "tags_any"),
        other => panic!("expected invalid, got {other:?}"),
    }
    // Slugs are validated before they get here, but titles in cursors are free text: they
    // are bound as parameters, never spliced into SQL.
    let cursor = ArticleCursor {
        order: ArticleOrder::TitleAsc,
        key: broadsheet_domain::listing::SortKey::Text(
            "x' OR '1'='1'; DROP TABLE articles; --".into(),
        ),
        id: ArticleId(0),
    };
    let page = articles::list(
        &mut c,
        &ArticleFilter::default(),
        ArticleOrder::TitleAsc,
        &PageRequest::Forward {
            first: 5,
            after: Some(cursor),
        },
    )
    .expect("harmless");
    assert!(page.items.is_empty());
    assert_eq!(
        articles::count(&mut c, &ArticleFilter::default(), ArticleOrder::TitleAsc).expect("count"),
        1
    );
}

fn a_cursor_of_another_order_is_refused(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let author = UserBuilder::new("Writer").create(&mut c);
    let a = ArticleBuilder::new("A", author.id()).create(&mut c);
    let cursor = ArticleCursor::of(&a, ArticleOrder::TitleAsc);
    match articles::list(
        &mut c,
        &ArticleFilter::default(),
        ArticleOrder::NewestFirst,
        &PageRequest::Forward {
            first: 5,
            after: Some(cursor),
        },
    ) {
        Err(StoreError::Invalid(e)) => assert_eq!(e.field, "after"),
        other => panic!("expected invalid, got {other:?}"),
    }
}

/// A tag's list by date is read from the tag links' own copy of the date: it must follow
/// every change of date or tags, and page exactly as the general query does.
fn tag_lists_follow_dates_and_tags(db: &TestDb) {
    use broadsheet_domain::article::Publication;

    let mut c = db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    let news = TagBuilder::new("News").create(&mut c);
    let other = TagBuilder::new("Other").create(&mut c);
    let mut made = Vec::new();
    for (i, d) in [1, 2, 2, 2, 5, 7, 7, 9].into_iter().enumerate() {
        made.push(
            ArticleBuilder::new(&format!("News {i}"), w)
                .published_at(day(d))
                .tags(&[news.id, other.id])
                .create(&mut c),
        );
    }
    let draft = ArticleBuilder::new("Draft", w)
        .draft()
        .tags(&[news.id])
        .create(&mut c);
    let later = ArticleBuilder::new("Later", w)
        .scheduled_for(now() + TimeDelta::days(3))
        .tags(&[news.id])
        .create(&mut c);
    ArticleBuilder::new("Elsewhere", w)
        .published_at(day(4))
        .tags(&[other.id])
        .create(&mut c);

    let tag_only = |live: bool| ArticleFilter {
        tags_any: vec![slug("news")],
        live_at: live.then(now),
        ..ArticleFilter::default()
    };
    // Two slugs (one of no tag) take the general query: the reference.
    let general = |live: bool| ArticleFilter {
        tags_any: vec![slug("news"), slug("no-such-tag")],
        live_at: live.then(now),
        ..ArticleFilter::default()
    };
    let same = |c: &mut AnyConnection, what: &str| {
        for live in [true, false] {
            for order in [ArticleOrder::NewestFirst, ArticleOrder::OldestFirst] {
                let (expected, _) = walk(c, &general(live), order, 100);
                for size in [1, 2, 3, 100] {
                    let (forward, backward) = walk(c, &tag_only(live), order, size);
                    assert_eq!(
                        forward, expected,
                        "{what}: {order:?} by {size}, live {live}"
                    );
                    assert_eq!(backward, expected, "{what}: {order:?} back by {size}");
                }
                let numbered: Vec<ArticleId> = (0..expected.len())
                    .step_by(3)
                    .flat_map(|at| {
                        articles::page_at(
                            c,
                            &tag_only(live),
                            order,
                            at,
                            3,
                            articles::Reading::Whole,
                        )
                        .expect("numbered page")
                    })
                    .map(|a| a.id)
                    .collect();
                assert_eq!(numbered, expected, "{what}: numbered pages, {order:?}");
            }
        }
    };
    same(&mut c, "as made");
    let (listed, _) = walk(&mut c, &tag_only(true), ArticleOrder::NewestFirst, 100);
    assert_eq!(listed.len(), made.len(), "no draft, nothing not yet due");
    assert!(!listed.contains(&draft.id) && !listed.contains(&later.id));

    // Back-dated, published, unpublished, retagged: the list follows each.
    let mut moved = made[7].clone();
    moved.publication = Publication::Published(day(1));
    articles::update(&mut c, &moved, None, now()).expect("back-dated");
    let mut published = articles::get(&mut c, draft.id)
        .expect("read")
        .expect("there");
    published.publication = Publication::Published(day(3));
    articles::update(&mut c, &published, None, now()).expect("published");
    let mut unpublished = made[0].clone();
    unpublished.publication = Publication::Draft;
    articles::update(&mut c, &unpublished, None, now()).expect("unpublished");
    articles::set_tags(&mut c, made[1].id, &[other.id], None, now()).expect("retagged");
    same(&mut c, "after changes");
    let (listed, _) = walk(&mut c, &tag_only(true), ArticleOrder::NewestFirst, 100);
    assert_eq!(listed.last(), Some(&made[7].id), "back-dated to the oldest");
    assert!(listed.contains(&draft.id), "published");
    assert!(!listed.contains(&made[0].id), "unpublished");
    assert!(!listed.contains(&made[1].id), "no longer tagged");
}
