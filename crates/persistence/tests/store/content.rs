//! The content version: every change to what readers can be shown moves it, and nothing else
//! does; the next scheduled instant is known.

use broadsheet_domain::time::now;
use broadsheet_persistence::secrets::Keyring;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, TestDb, UserBuilder};
use broadsheet_persistence::{backend_tests, content, keys, tags, webhooks};
use chrono::TimeDelta;

backend_tests!(content_changes_move_the_version_and_nothing_else_does);

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
