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
