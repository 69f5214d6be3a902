use broadsheet_domain::ids::ArticleId;
use broadsheet_domain::related::NewRelatedLink;
use broadsheet_persistence::testing::{ArticleBuilder, TestDb, UserBuilder};
use broadsheet_persistence::{StoreError, backend_tests, related};

backend_tests!(
    links_keep_their_order,
    duplicates_and_unknown_articles_are_refused,
    reorder_and_replace
);

fn link(from: ArticleId, to: ArticleId) -> NewRelatedLink {
    NewRelatedLink::new(from, to, None).expect("valid link")
}

fn targets(db: &mut broadsheet_persistence::AnyConnection, from: ArticleId) -> Vec<ArticleId> {
    related::of_articles(db, &[from])
        .expect("links")
        .remove(&from)
        .unwrap_or_default()
        .into_iter()
        .map(|l| l.to)
        .collect()
}

fn articles(c: &mut broadsheet_persistence::AnyConnection, n: usize) -> Vec<ArticleId> {
    let author = UserBuilder::new("Writer").create(c);
    (0..n)
        .map(|i| {
            ArticleBuilder::new(&format!("Article {i}"), author.id())
                .create(c)
                .id
        })
        .collect()
}

fn links_keep_their_order(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let ids = articles(&mut c, 5);
    for to in [ids[3], ids[1], ids[4], ids[2]] {
        related::add(&mut c, &link(ids[0], to)).expect("link");
    }
    let noted = related::add(
        &mut c,
        &NewRelatedLink::new(ids[1], ids[0], Some("The background")).expect("valid"),
    )
    .expect("link");
    assert_eq!(noted.position, 0);
    assert_eq!(targets(&mut c, ids[0]), [ids[3], ids[1], ids[4], ids[2]]);
    related::remove(&mut c, ids[0], ids[1]).expect("removed");
    assert_eq!(targets(&mut c, ids[0]), [ids[3], ids[4], ids[2]]);
    related::add(&mut c, &link(ids[0], ids[1])).expect("link");
    assert_eq!(
        targets(&mut c, ids[0]),
        [ids[3], ids[4], ids[2], ids[1]],
        "appended at the end"
    );
    let with_note = related::of_articles(&mut c, &[ids[1]]).expect("links");
    assert_eq!(
        with_note[&ids[1]][0].note.as_deref(),
        Some("The background")
    );
    assert!(matches!(
        related::remove(&mut c, ids[0], ids[0]),
        Err(StoreError::NotFound { .. })
    ));
}

fn duplicates_and_unknown_articles_are_refused(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let ids = articles(&mut c, 2);
    related::add(&mut c, &link(ids[0], ids[1])).expect("link");
    match related::add(&mut c, &link(ids[0], ids[1])) {
        Err(StoreError::Conflict { field, .. }) => assert_eq!(field, "related_id"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(matches!(
        related::add(&mut c, &link(ids[0], ArticleId(999_999))),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        NewRelatedLink::new(ids[0], ids[0], None)
            .expect_err("self link")
            .field,
        "related_id"
    );
    assert_eq!(targets(&mut c, ids[0]), [ids[1]]);
}

fn reorder_and_replace(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let ids = articles(&mut c, 5);
    for to in &ids[1..4] {
        related::add(&mut c, &link(ids[0], *to)).expect("link");
    }
    let reordered = related::reorder(&mut c, ids[0], &[ids[3], ids[1], ids[2]]).expect("reordered");
    assert_eq!(
        reordered.iter().map(|l| l.to).collect::<Vec<_>>(),
        [ids[3], ids[1], ids[2]]
    );
    assert_eq!(
        reordered.iter().map(|l| l.position).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    for bad in [
        vec![ids[3], ids[1]],
        vec![ids[3], ids[1], ids[4]],
        vec![ids[3], ids[1], ids[2], ids[2]],
    ] {
        match related::reorder(&mut c, ids[0], &bad) {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field, "related_ids"),
            other => panic!("expected invalid, got {other:?}"),
        }
    }
    assert_eq!(
        targets(&mut c, ids[0]),
        [ids[3], ids[1], ids[2]],
        "a refused reorder changes nothing"
    );
    let replaced = related::replace(
        &mut c,
        ids[0],
        &[link(ids[0], ids[4]), link(ids[0], ids[2])],
    )
    .expect("replaced");
    assert_eq!(
        replaced.iter().map(|l| l.to).collect::<Vec<_>>(),
        [ids[4], ids[2]]
    );
    assert!(matches!(
        related::replace(&mut c, ids[0], &[link(ids[0], ArticleId(31_337))]),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(targets(&mut c, ids[0]), [ids[4], ids[2]]);
}

mod suggested {
    use broadsheet_domain::ids::ArticleId;
    use broadsheet_domain::related::NewRelatedLink;
    use broadsheet_domain::time::now;
    use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, TestDb, UserBuilder};
    use broadsheet_persistence::{backend_tests, related};
    use chrono::{TimeDelta, TimeZone, Utc};

    backend_tests!(
        rare_shared_tags_first_then_newest,
        never_self_curated_draft_or_twice,
        candidates_and_counts_are_bounded,
        articles_not_yet_out_do_not_crowd_out_suggestions
    );

    fn day(d: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2014, 6, d, 9, 0, 0)
            .single()
            .expect("date")
    }

    fn rare_shared_tags_first_then_newest(db: &TestDb) {
        let mut c = db.store.conn().expect("connection");
        let w = UserBuilder::new("Writer").create(&mut c).id();
        let rare = TagBuilder::new("Ofsted").create(&mut c).id;
        let common = TagBuilder::new("Birmingham").create(&mut c).id;
        let internal = TagBuilder::new("#homepage").create(&mut c).id;
        let source = ArticleBuilder::new("Source", w)
            .published_at(day(1))
            .tags(&[common, rare, internal])
            .create(&mut c);
        let shares_rare = ArticleBuilder::new("Old but rare", w)
            .published_at(day(2))
            .tags(&[rare])
            .create(&mut c);
        let newer = ArticleBuilder::new("Newer common", w)
            .published_at(day(9))
            .tags(&[common])
            .create(&mut c);
        let older = ArticleBuilder::new("Older common", w)
            .published_at(day(5))
            .tags(&[common])
            .create(&mut c);
        for i in 0..4 {
            // Make "Birmingham" common.
            ArticleBuilder::new(&format!("Filler {i}"), w)
                .published_at(day(3))
                .tags(&[common])
                .create(&mut c);
        }
        ArticleBuilder::new("Only internal", w)
            .published_at(day(20))
            .tags(&[internal])
            .create(&mut c);

        let got = related::suggestions(&mut c, &[source.id], 3, now()).expect("suggestions");
        assert_eq!(got[&source.id], [shares_rare.id, newer.id, older.id]);
    }

    fn never_self_curated_draft_or_twice(db: &TestDb) {
        let mut c = db.store.conn().expect("connection");
        let w = UserBuilder::new("Writer").create(&mut c).id();
        let a = TagBuilder::new("A").create(&mut c).id;
        let b = TagBuilder::new("B").create(&mut c).id;
        let one = ArticleBuilder::new("One", w)
            .published_at(day(1))
            .tags(&[a, b])
            .create(&mut c);
        let two = ArticleBuilder::new("Two", w)
            .published_at(day(2))
            .tags(&[a, b])
            .create(&mut c);
        let curated = ArticleBuilder::new("Curated", w)
            .published_at(day(3))
            .tags(&[a])
            .create(&mut c);
        ArticleBuilder::new("Draft", w)
            .draft()
            .tags(&[a, b])
            .create(&mut c);
        ArticleBuilder::new("Future", w)
            .scheduled_for(now() + TimeDelta::days(2))
            .tags(&[a])
            .create(&mut c);
        related::add(
            &mut c,
            &NewRelatedLink::new(one.id, curated.id, None).expect("valid"),
        )
        .expect("link");

        let got = related::suggestions(&mut c, &[one.id, two.id], 10, now()).expect("suggestions");
        assert_eq!(
            got[&one.id],
            [two.id],
            "shares two tags but appears once; no curated, draft or future"
        );
        let mut for_two: Vec<ArticleId> = got[&two.id].clone();
        for_two.sort();
        assert_eq!(for_two, [one.id, curated.id]);
        assert!(
            related::suggestions(&mut c, &[], 5, now())
                .expect("empty")
                .is_empty()
        );
    }

    /// Candidates are ordered on their tag links, and only each source's best few are read
    /// from `articles`: when articles scheduled but not yet out (dated later than any live
    /// one) fill that shortlist, the live ones behind it are still found.
    fn articles_not_yet_out_do_not_crowd_out_suggestions(db: &TestDb) {
        let mut c = db.store.conn().expect("connection");
        let w = UserBuilder::new("Writer").create(&mut c).id();
        let a = TagBuilder::new("A").create(&mut c).id;
        let source = ArticleBuilder::new("Source", w)
            .published_at(day(1))
            .tags(&[a])
            .create(&mut c);
        let live = ArticleBuilder::new("Live", w)
            .published_at(day(2))
            .tags(&[a])
            .create(&mut c);
        for i in 0..30 {
            ArticleBuilder::new(&format!("Future {i}"), w)
                .scheduled_for(now() + TimeDelta::days(2 + i))
                .tags(&[a])
                .create(&mut c);
        }
        for per_source in [1, 5] {
            let got = related::suggestions(&mut c, &[source.id, live.id], per_source, now())
                .expect("suggestions");
            assert_eq!(got[&source.id], [live.id], "{per_source} asked for");
            assert_eq!(got[&live.id], [source.id], "{per_source} asked for");
        }
    }

    fn candidates_and_counts_are_bounded(db: &TestDb) {
        let mut c = db.store.conn().expect("connection");
        let w = UserBuilder::new("Writer").create(&mut c).id();
        let big = TagBuilder::new("Big").create(&mut c).id;
        let small = TagBuilder::new("Small").create(&mut c).id;
        let source = ArticleBuilder::new("Source", w)
            .published_at(day(1))
            .tags(&[big, small])
            .create(&mut c);
        // Created in this order, so ids rise with the day; the big tag's are the newest.
        let in_big: Vec<ArticleId> = (0..6)
            .map(|i| {
                ArticleBuilder::new(&format!("Big {i}"), w)
                    .published_at(day(20 + i))
                    .tags(&[big])
                    .create(&mut c)
                    .id
            })
            .collect();
        let in_small: Vec<ArticleId> = (0..4)
            .map(|i| {
                ArticleBuilder::new(&format!("Small {i}"), w)
                    .published_at(day(10 + i))
                    .tags(&[small])
                    .create(&mut c)
                    .id
            })
            .collect();
        let newest_first = |ids: &[ArticleId], n: usize| -> Vec<ArticleId> {
            ids.iter().rev().take(n).copied().collect()
        };

        let unbounded = related::suggestions(&mut c, &[source.id], 20, now()).expect("all");
        let expected: Vec<ArticleId> =
            [newest_first(&in_small, 4), newest_first(&in_big, 6)].concat();
        assert_eq!(unbounded[&source.id], expected, "the rarer tag first");

        let few = related::suggestions_bounded(&mut c, &[source.id], 20, now(), 3, 1000)
            .expect("three candidates per tag");
        let expected: Vec<ArticleId> =
            [newest_first(&in_small, 3), newest_first(&in_big, 3)].concat();
        assert_eq!(few[&source.id], expected, "only each tag's three newest");

        let capped = related::suggestions_bounded(&mut c, &[source.id], 20, now(), 3, 3)
            .expect("counts capped at three");
        let expected: Vec<ArticleId> =
            [newest_first(&in_big, 3), newest_first(&in_small, 3)].concat();
        assert_eq!(
            capped[&source.id], expected,
            "both tags count as common: newest first"
        );
    }
}
