//! The editorial side of the store: revisions, slug aliases, scheduling, tag merges,
//! sessions, throttling, settings.

use broadsheet_domain::Slug;
use broadsheet_domain::article::{ArticlePatch, Publication};
use broadsheet_domain::listing::{ArticleFilter, ArticleOrder, PageRequest};
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, TestDb, UserBuilder};
use broadsheet_persistence::{
    StoreError, articles, backend_tests, sessions, settings, tags, throttle,
};
use chrono::TimeDelta;

backend_tests!(
    every_save_keeps_the_words_it_replaces,
    a_stale_save_names_who_saved,
    renamed_published_articles_keep_their_old_slug,
    due_articles_are_published,
    merging_tags_moves_every_article_once,
    refresh_tokens_rotate_and_reuse_revokes,
    failed_logins_are_counted_in_a_window,
    settings_are_set_once,
    lists_by_one_author,
);

fn every_save_keeps_the_words_it_replaces(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let ann = UserBuilder::new("Ann").create(&mut c);
    let tag = TagBuilder::new("Topic").create(&mut c);
    let v1 = ArticleBuilder::new("First words", ann.id())
        .body("One")
        .create(&mut c);
    let v2 = articles::update(
        &mut c,
        &v1.revise(&ArticlePatch {
            title: Some("Second words".into()),
            body: Some("Two".into()),
            ..ArticlePatch::default()
        })
        .expect("valid"),
        Some(ann.id()),
        now(),
    )
    .expect("saved");
    assert_eq!(v2.updated_by, Some(ann.id()));
    let v3 = articles::set_tags(&mut c, v1.id, &[tag.id], None, now()).expect("tagged");
    assert_eq!(v3.version, 3);
    let history = articles::revisions(&mut c, v1.id).expect("revisions");
    assert_eq!(
        history.iter().map(|r| r.version).collect::<Vec<_>>(),
        [2, 1],
        "newest first"
    );
    assert_eq!(history[1].title, "First words");
    assert_eq!(history[1].markdown, "One");
    assert_eq!(history[0].saved_by, Some(ann.id()), "who saved version 2");

    let old = articles::revision_at(&mut c, v1.id, 1)
        .expect("read")
        .expect("kept");
    let restored = articles::update(
        &mut c,
        &v3.restore(&old).expect("valid"),
        Some(ann.id()),
        now(),
    )
    .expect("restored");
    assert_eq!(
        (restored.version, restored.title.as_str()),
        (4, "First words")
    );
    assert_eq!(
        articles::revisions(&mut c, v1.id).expect("revisions").len(),
        3,
        "nothing lost"
    );
    assert_eq!(articles::revision_at(&mut c, v1.id, 9).expect("read"), None);
}

fn a_stale_save_names_who_saved(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let ann = UserBuilder::new("Ann Editor").create(&mut c);
    let a = ArticleBuilder::new("Story", ann.id()).create(&mut c);
    let mine = a
        .revise(&ArticlePatch {
            title: Some("Mine".into()),
            ..ArticlePatch::default()
        })
        .expect("valid");
    let theirs = a
        .revise(&ArticlePatch {
            title: Some("Theirs".into()),
            ..ArticlePatch::default()
        })
        .expect("valid");
    articles::update(&mut c, &theirs, Some(ann.id()), now()).expect("saved");
    match articles::update(&mut c, &mine, None, now()) {
        Err(StoreError::StaleVersion {
            current_version,
            saved_by,
        }) => {
            assert_eq!(current_version, 2);
            assert_eq!(saved_by.as_deref(), Some("Ann Editor"));
        }
        other => panic!("expected a stale version, got {other:?}"),
    }
}

fn renamed_published_articles_keep_their_old_slug(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    let slug = |s: &str| Slug::parse(s).expect("slug");
    let a = ArticleBuilder::new("Story", w).slug("first").create(&mut c);
    let rename = |c: &mut _, a: &broadsheet_domain::article::Article, to: &str| {
        let next = a
            .revise(&ArticlePatch {
                slug: Some(to.into()),
                ..ArticlePatch::default()
            })
            .expect("valid");
        articles::update(c, &next, None, now()).expect("renamed")
    };
    let a = rename(&mut c, &a, "second");
    let a = rename(&mut c, &a, "third");
    for old in ["first", "second"] {
        let articles::BySlug {
            article: found,
            aliased,
        } = articles::by_slug_or_alias(&mut c, &slug(old))
            .expect("read")
            .expect("found");
        assert_eq!(
            (found.id, found.slug.as_str(), aliased),
            (a.id, "third", true),
            "{old}"
        );
    }
    let articles::BySlug { aliased, .. } = articles::by_slug_or_alias(&mut c, &slug("third"))
        .expect("read")
        .expect("found");
    assert!(!aliased);
    // Back to an old slug: it is the slug again, not an alias.
    let a = rename(&mut c, &a, "first");
    let articles::BySlug {
        article: found,
        aliased,
    } = articles::by_slug_or_alias(&mut c, &slug("first"))
        .expect("read")
        .expect("found");
    assert_eq!((found.id, aliased), (a.id, false));
    // Drafts leave no aliases behind.
    let d = ArticleBuilder::new("Draft", w)
        .slug("draft-one")
        .draft()
        .create(&mut c);
    rename(&mut c, &d, "draft-two");
    assert_eq!(
        articles::by_slug_or_alias(&mut c, &slug("draft-one")).expect("read"),
        None
    );
    articles::delete(&mut c, a.id).expect("deleted");
    assert_eq!(
        articles::by_slug_or_alias(&mut c, &slug("second")).expect("read"),
        None,
        "aliases go with the article"
    );
}

fn due_articles_are_published(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    let due = ArticleBuilder::new("Due", w)
        .body("Embargoed *words*")
        .scheduled_for(now() - TimeDelta::seconds(5))
        .create(&mut c);
    let later = ArticleBuilder::new("Later", w)
        .scheduled_for(now() + TimeDelta::hours(1))
        .create(&mut c);
    let published = articles::publish_due(&mut c, now()).expect("published");
    assert_eq!(published.iter().map(|a| a.id).collect::<Vec<_>>(), [due.id]);
    assert!(matches!(
        published[0].publication,
        Publication::Published(_)
    ));
    assert_eq!(published[0].version, 2);
    assert_eq!(
        published[0].content.html, due.content.html,
        "the HTML, for events"
    );
    let kept = articles::revisions(&mut c, due.id).expect("revisions");
    assert_eq!(
        kept.iter()
            .map(|r| (r.version, r.markdown.as_str(), r.saved_at))
            .collect::<Vec<_>>(),
        [(1, due.content.markdown.as_str(), due.updated_at)],
        "the scheduled version is kept, words and all"
    );
    assert!(
        articles::publish_due(&mut c, now())
            .expect("again")
            .is_empty(),
        "once only"
    );
    let later = articles::get(&mut c, later.id)
        .expect("read")
        .expect("found");
    assert!(matches!(later.publication, Publication::Scheduled(_)));
}

fn merging_tags_moves_every_article_once(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    let from = TagBuilder::new("Childrens services").create(&mut c).id;
    let into = TagBuilder::new("Children’s services").create(&mut c).id;
    let other = TagBuilder::new("Ofsted").create(&mut c).id;
    let only_from = ArticleBuilder::new("A", w)
        .tags(&[other, from])
        .create(&mut c);
    let both = ArticleBuilder::new("B", w)
        .tags(&[from, into])
        .create(&mut c);
    tags::merge(&mut c, from, into, None, now()).expect("merged");
    let of = tags::of_articles(&mut c, &[only_from.id, both.id]).expect("tags");
    let ids = |id| of[&id].iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(only_from.id), [other, into], "moved in place");
    assert_eq!(ids(both.id), [into], "no duplicate");
    assert_eq!(tags::get(&mut c, from).expect("read"), None);
    assert!(tags::merge(&mut c, into, into, None, now()).is_err());
    assert!(matches!(
        tags::merge(&mut c, from, into, None, now()),
        Err(StoreError::NotFound { .. })
    ));
}

fn refresh_tokens_rotate_and_reuse_revokes(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let u = UserBuilder::new("Writer").create(&mut c).id();
    let later = now() + TimeDelta::days(30);
    sessions::create(&mut c, u, "hash-1", "family-a", now(), later).expect("created");
    assert_eq!(
        sessions::rotate(&mut c, "hash-1", "hash-2", now(), later).expect("rotate"),
        sessions::Rotation::Rotated(u)
    );
    assert_eq!(
        sessions::rotate(&mut c, "hash-1", "hash-x", now(), later).expect("reuse"),
        sessions::Rotation::Reused
    );
    assert_eq!(
        sessions::rotate(&mut c, "hash-2", "hash-3", now(), later).expect("after reuse"),
        sessions::Rotation::Invalid,
        "reusing a token revokes its whole family"
    );
    assert_eq!(
        sessions::rotate(&mut c, "nope", "x", now(), later).expect("unknown"),
        sessions::Rotation::Invalid
    );
    sessions::create(
        &mut c,
        u,
        "hash-old",
        "family-b",
        now() - TimeDelta::days(60),
        now() - TimeDelta::days(30),
    )
    .expect("created");
    assert_eq!(
        sessions::rotate(&mut c, "hash-old", "y", now(), later).expect("expired"),
        sessions::Rotation::Invalid
    );
    sessions::create(&mut c, u, "hash-c", "family-c", now(), later).expect("created");
    assert!(sessions::revoke(&mut c, "hash-c", now()).expect("revoked"));
    assert_eq!(
        sessions::rotate(&mut c, "hash-c", "z", now(), later).expect("revoked"),
        sessions::Rotation::Invalid
    );
    sessions::create(&mut c, u, "hash-d", "family-d", now(), later).expect("created");
    sessions::revoke_all(&mut c, u, now()).expect("all");
    assert_eq!(
        sessions::rotate(&mut c, "hash-d", "w", now(), later).expect("revoked"),
        sessions::Rotation::Invalid
    );
}

fn failed_logins_are_counted_in_a_window(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let window = TimeDelta::minutes(15);
    let start = now();
    let count = |c: &mut broadsheet_persistence::AnyConnection, key: &str, at| {
        throttle::failures(c, key, at, window).expect("count").count
    };
    for i in 1..=3 {
        let run = throttle::record_failure(&mut c, "pair:a", start, window).expect("count");
        assert_eq!((run.count, run.last), (i, Some(start)));
    }
    assert_eq!(count(&mut c, "pair:a", start), 3);
    assert_eq!(count(&mut c, "pair:b", start), 0);
    // A run goes on while each failure comes within the window of the one before.
    let a_bit_later = start + TimeDelta::minutes(10);
    let run = throttle::record_failure(&mut c, "pair:a", a_bit_later, window).expect("count");
    assert_eq!(run.count, 4);
    assert_eq!(
        count(&mut c, "pair:a", a_bit_later + TimeDelta::minutes(10)),
        4
    );
    let later = a_bit_later + TimeDelta::minutes(16);
    assert_eq!(count(&mut c, "pair:a", later), 0, "the window passed");
    let run = throttle::record_failure(&mut c, "pair:a", later, window).expect("count");
    assert_eq!(run.count, 1, "a new run");
    throttle::clear(&mut c, "pair:a").expect("cleared");
    assert_eq!(count(&mut c, "pair:a", later), 0);
    // Recorded from several connections at once, every failure counts (one upsert each, no
    // read-delete-insert that two could interleave).
    drop(c);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..5 {
                    db.store
                        .write_blocking(|c| throttle::record_failure(c, "pair:c", start, window))
                        .expect("recorded");
                }
            });
        }
    });
    let mut c = db.store.conn().expect("connection");
    assert_eq!(count(&mut c, "pair:c", start), 20);
}

fn settings_are_set_once(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    assert_eq!(settings::get(&mut c, "k").expect("read"), None);
    assert_eq!(
        settings::get_or_insert(&mut c, "k", now(), || "first".into()).expect("set"),
        "first"
    );
    assert_eq!(
        settings::get_or_insert(&mut c, "k", now(), || "second".into()).expect("kept"),
        "first"
    );
}

fn lists_by_one_author(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let ann = UserBuilder::new("Ann").create(&mut c).id();
    let bob = UserBuilder::new("Bob").create(&mut c).id();
    let mine = ArticleBuilder::new("Mine", ann).draft().create(&mut c);
    ArticleBuilder::new("Bob's", bob).draft().create(&mut c);
    let shared = ArticleBuilder::new("Shared", bob)
        .authors(&[bob, ann])
        .create(&mut c);
    let filter = ArticleFilter {
        author: Some(ann),
        ..ArticleFilter::default()
    };
    let page = articles::list(
        &mut c,
        &filter,
        ArticleOrder::TitleAsc,
        &PageRequest::first(10),
    )
    .expect("list");
    assert_eq!(
        page.items.iter().map(|a| a.id).collect::<Vec<_>>(),
        [mine.id, shared.id]
    );
}
