//! The content version: every change to what readers can be shown moves it, and nothing else
//! does; the next scheduled instant is known.

use broadsheet_domain::time::now;
use broadsheet_persistence::secrets::Keyring;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, TestDb, UserBuilder};
use broadsheet_persistence::{backend_tests, content, keys, tags, webhooks};
use chrono::TimeDelta;

backend_tests!(
    content_changes_move_the_version_and_nothing_else_does,
    each_change_journals_the_keys_it_touched,
    a_pruned_journal_cannot_say_what_changed,
);

fn content_changes_move_the_version_and_nothing_else_does(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let version = |c: &mut _| content::state(c).expect("state").version;
    let mut last = version(&mut c);
    let mut moved = |c: &mut _, what: &str| {
        let v = version(c);
        assert!(v > last, "{what} must move the version");
        last = v;
    };

    let ann = UserBuilder::new("Ann").create(&mut c).id();
    moved(&mut c, "a new author");
    let tag = TagBuilder::new("News").create(&mut c);
    moved(&mut c, "a new tag");
    let article = ArticleBuilder::new("Story", ann)
        .tags(&[tag.id])
        .create(&mut c);
    moved(&mut c, "a new article");
    broadsheet_persistence::articles::set_tags(&mut c, article.id, &[], None, now())
        .expect("untagged");
    moved(&mut c, "tags of an article");
    tags::delete(&mut c, tag.id).expect("deleted");
    moved(&mut c, "a deleted tag");
    broadsheet_persistence::articles::delete(&mut c, article.id).expect("deleted");
    moved(&mut c, "a deleted article");

    // Keys, webhooks and their deliveries are not content.
    let quiet = version(&mut c);
    let key =
        keys::create_content(&mut c, "Partner", "0".repeat(64).as_str(), 10, now()).expect("key");
    keys::touch(&mut c, key.id, now()).expect("touched");
    let hook = broadsheet_domain::webhook::NewWebhook::parse(
        "https://partner.example/",
        "0123456789abcdef",
        &broadsheet_domain::webhook::WebhookEvent::ALL,
    )
    .expect("valid");
    webhooks::create(&mut c, &Keyring::default(), &hook, now()).expect("hook");
    webhooks::claim_due(&mut c, &Keyring::default(), now(), now(), 10, 5).expect("claim");
    assert_eq!(version(&mut c), quiet, "nothing a reader sees changed");

    // The next scheduled instant.
    assert_eq!(content::state(&mut c).expect("state").next_due, None);
    let soon = broadsheet_domain::time::truncate(now() + TimeDelta::hours(1));
    let later = soon + TimeDelta::hours(1);
    ArticleBuilder::new("Later", ann)
        .scheduled_for(later)
        .create(&mut c);
    ArticleBuilder::new("Soon", ann)
        .scheduled_for(soon)
        .create(&mut c);
    assert_eq!(content::state(&mut c).expect("state").next_due, Some(soon));
}

/// The keys journalled after `from`, up to now.
fn journalled(c: &mut broadsheet_persistence::AnyConnection, from: i64) -> Vec<String> {
    let upto = content::state(c).expect("state").version;
    match content::changes(c, from, upto, 10_000).expect("changes") {
        content::Changes::Keys(rows) => {
            let mut keys: Vec<String> = rows.into_iter().map(|(_, k)| k).collect();
            keys.sort();
            keys.dedup();
            keys
        }
        content::Changes::Unknown => panic!("the journal covers {from}..={upto}"),
    }
}

fn each_change_journals_the_keys_it_touched(db: &TestDb) {
    use broadsheet_persistence::testing::raw;
    let mut c = db.store.conn().expect("connection");
    let version = |c: &mut _| content::state(c).expect("state").version;
    let ann = UserBuilder::new("Ann").create(&mut c).id();
    let tag = TagBuilder::new("News").create(&mut c);
    let article = ArticleBuilder::new("Story", ann)
        .tags(&[tag.id])
        .create(&mut c);
    let key = format!("article:{}", article.uuid.simple());
    let (t, a) = (format!("tag:{}", tag.id.0), format!("author:{}", ann.0));
    let related = format!("related:{}", tag.id.0);

    // An edit: the article, and what reads every article.
    let from = version(&mut c);
    raw::execute(
        &mut c,
        &format!(
            "UPDATE articles SET title = 'Other' WHERE id = {}",
            article.id.0
        ),
    );
    assert_eq!(journalled(&mut c, from), [key.as_str(), "articles:any"]);

    // Unpublished: the lists, its tag's and author's pages and counts, the suggestion pool.
    let from = version(&mut c);
    raw::execute(
        &mut c,
        &format!(
            "UPDATE articles SET status = 'draft', published_at = NULL WHERE id = {}",
            article.id.0
        ),
    );
    let mut want = vec![
        key.clone(),
        "articles".into(),
        "articles:any".into(),
        a.clone(),
        "authors".into(),
        related.clone(),
        t.clone(),
        "tags".into(),
    ];
    want.sort();
    assert_eq!(journalled(&mut c, from), want);

    // A tag renamed: the tag, the lists (by its slug), its pool.
    let from = version(&mut c);
    raw::execute(
        &mut c,
        &format!("UPDATE tags SET name = 'Updates' WHERE id = {}", tag.id.0),
    );
    let mut want = vec![
        "articles".to_owned(),
        "articles:any".into(),
        related.clone(),
        t.clone(),
        "tags".into(),
    ];
    want.sort();
    assert_eq!(journalled(&mut c, from), want);

    // Settings: everything.
    let from = version(&mut c);
    raw::execute(
        &mut c,
        "INSERT INTO settings (key, value, updated_at) SELECT 'site.title', 'Paper', created_at \
         FROM users WHERE id > 0 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    assert_eq!(journalled(&mut c, from), ["*"]);

    // Deleted: the article and every link's keys (the links go with it).
    let from = version(&mut c);
    broadsheet_persistence::articles::delete(&mut c, article.id).expect("deleted");
    let got = journalled(&mut c, from);
    for k in [&key, &t, &a, &related, &"articles".to_owned()] {
        assert!(got.contains(k), "{k} in {got:?}");
    }
}

fn a_pruned_journal_cannot_say_what_changed(db: &TestDb) {
    use broadsheet_persistence::testing::raw;
    let mut c = db.store.conn().expect("connection");
    let ann = UserBuilder::new("Ann").create(&mut c).id();
    let start = content::state(&mut c).expect("state").version;
    // Enough changes to prune past `start` (the journal keeps about 8192 versions).
    raw::execute(
        &mut c,
        "UPDATE content_version SET version = version + 9000 WHERE id = 1",
    );
    for i in 0..1100 {
        raw::execute(
            &mut c,
            &format!("UPDATE users SET name = 'Ann {i}' WHERE id = {}", ann.0),
        );
    }
    let upto = content::state(&mut c).expect("state").version;
    assert_eq!(
        content::changes(&mut c, start, upto, 100_000).expect("changes"),
        content::Changes::Unknown
    );
    // A recent version is still covered; more rows than asked for is unknown too.
    let recent = upto - 10;
    assert!(matches!(
        content::changes(&mut c, recent, upto, 100_000).expect("changes"),
        content::Changes::Keys(rows) if !rows.is_empty()
    ));
    assert_eq!(
        content::changes(&mut c, recent, upto, 3).expect("changes"),
        content::Changes::Unknown
    );
}
