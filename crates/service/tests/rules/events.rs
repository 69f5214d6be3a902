//! What changes announce, and that a change and its event are stored together or not at all.

use broadsheet_domain::article::{ArticleInput, ArticlePatch, ArticleStatus};
use broadsheet_domain::author::Role;
use broadsheet_persistence::Backend;
use broadsheet_persistence::testing::raw;
use broadsheet_service::ServiceError;
use chrono::TimeDelta;

use crate::harness::{Stage, World, service_tests};
use crate::matrix::Who;

service_tests!(
    an_articles_life_is_announced,
    a_change_and_its_event_are_stored_together,
);

async fn an_articles_life_is_announced(w: &World) {
    let editor = w.actor(Who::Staff(Role::Editor));
    let s = &w.service;
    let input = ArticleInput {
        title: "Budget day".to_owned(),
        body: "Numbers.".to_owned(),
        status: ArticleStatus::Draft,
        ..ArticleInput::default()
    };
    let a = s
        .create_article(&editor, input, None)
        .await
        .expect("created");
    let a = s
        .update_article(&editor, a.uuid, a.version, retitle("Budget day: the plan"))
        .await
        .expect("saved");
    assert!(w.events().is_empty(), "a draft's changes are not announced");

    let a = s
        .publish_article(&editor, a.uuid, a.version, None)
        .await
        .expect("published");
    let events = w.events();
    assert_eq!(events, ["article.published"]);
    let body = &w.bodies()[0];
    assert_eq!(body["event"], "article.published");
    assert_eq!(body["data"]["version"], a.version);
    assert_eq!(body["data"]["article"]["title"], "Budget day: the plan");
    assert_eq!(body["data"]["article"]["status"], "published");
    assert_eq!(
        body["data"]["article"]["authors"][0],
        w.staff(Role::Editor).author.slug.as_str()
    );
    assert_eq!(body["created_at"], w.clock.now().to_rfc3339());

    w.clock.advance(TimeDelta::minutes(5));
    let a = s
        .update_article(&editor, a.uuid, a.version, retitle("Budget day: the vote"))
        .await
        .expect("saved");
    let tag = w.tag();
    let a = s
        .set_article_tags(&editor, a.uuid, vec![tag.id], Some(a.version))
        .await
        .expect("tagged");
    let a = s
        .unpublish_article(&editor, a.uuid, a.version)
        .await
        .expect("unpublished");
    let a = s
        .publish_article(&editor, a.uuid, a.version, None)
        .await
        .expect("published again");
    s.delete_article(&editor, a.uuid).await.expect("deleted");
    assert_eq!(
        w.events(),
        [
            "article.published",
            "article.updated",
            "article.updated",
            "article.unpublished",
            "article.published",
            "article.deleted",
        ]
    );
    let bodies = w.bodies();
    assert_eq!(
        bodies[1]["data"]["article"]["title"],
        "Budget day: the vote"
    );
    assert_eq!(bodies[2]["data"]["article"]["tags"][0], tag.slug.as_str());
    // A deletion carries the article as it was, at its last version.
    assert_eq!(bodies[5]["data"]["version"], a.version);
    assert_eq!(bodies[5]["data"]["article"]["tags"][0], tag.slug.as_str());
    let ids: std::collections::HashSet<_> = bodies.iter().map(|b| b["id"].to_string()).collect();
    assert_eq!(ids.len(), bodies.len(), "every event has its own id");

    // Rescheduling a live article takes it off the site; deleting a draft announces nothing.
    let b = w.article(w.other.id(), Stage::Published);
    let later = w.clock.now() + TimeDelta::hours(1);
    s.schedule_article(&editor, b.uuid, b.version, later)
        .await
        .expect("rescheduled");
    let d = w.article(w.other.id(), Stage::Draft);
    s.delete_article(&editor, d.uuid).await.expect("deleted");
    assert_eq!(w.events().len(), 7);
    assert_eq!(w.events()[6], "article.unpublished");
}

fn retitle(title: &str) -> ArticlePatch {
    ArticlePatch {
        title: Some(title.to_owned()),
        ..ArticlePatch::default()
    }
}

/// Makes every attempt to store an event fail (or stops doing so), behind the store's back.
fn refuse_events(w: &World, refuse: bool) {
    let mut c = w.conn();
    let statements: &[&str] = match (w.db.store.backend(), refuse) {
        (Backend::Sqlite, true) => &[
            "CREATE TRIGGER refuse_events BEFORE INSERT ON webhook_events \
              BEGIN SELECT RAISE(ABORT, 'events refused'); END",
        ],
        (Backend::Sqlite, false) => &["DROP TRIGGER refuse_events"],
        (Backend::Postgres, true) => &[
            "CREATE FUNCTION refuse_events() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'events refused'; END $$",
            "CREATE TRIGGER refuse_events BEFORE INSERT ON webhook_events \
             FOR EACH ROW EXECUTE FUNCTION refuse_events()",
        ],
        (Backend::Postgres, false) => &[
            "DROP TRIGGER refuse_events ON webhook_events",
            "DROP FUNCTION refuse_events()",
        ],
    };
    for statement in statements {
        raw::execute(&mut c, statement);
    }
}

/// When the event cannot be stored, the change is not made either: the use case's change and
/// its event share one transaction (for an editor's change and for the scheduler).
async fn a_change_and_its_event_are_stored_together(w: &World) {
    let editor = w.actor(Who::Staff(Role::Editor));
    let a = w.article(w.other.id(), Stage::Draft);
    let b = w.article(w.other.id(), Stage::Published);
    let due = w.article(w.other.id(), Stage::Scheduled);
    w.clock.advance(TimeDelta::days(2));

    refuse_events(w, true);
    let s = &w.service;
    let failed = [
        s.publish_article(&editor, a.uuid, a.version, None)
            .await
            .map(drop),
        s.update_article(&editor, b.uuid, b.version, retitle("Changed"))
            .await
            .map(drop),
        s.delete_article(&editor, b.uuid).await.map(drop),
        s.publish_due().await.map(drop),
    ];
    for result in failed {
        assert!(
            matches!(result, Err(ServiceError::Store(_))),
            "the store refused the event: {result:?}"
        );
    }
    assert_eq!(w.reload(&a), a, "not published without its event");
    assert_eq!(w.reload(&b), b, "not changed without its event");
    assert_eq!(
        w.reload(&due),
        due,
        "not published by the scheduler without its event"
    );

    refuse_events(w, false);
    s.publish_article(&editor, a.uuid, a.version, None)
        .await
        .expect("published");
    assert_eq!(s.publish_due().await.expect("published").len(), 1);
    assert_eq!(w.events(), ["article.published", "article.published"]);
}
