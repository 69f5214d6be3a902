//! The input rules the service owns: a scheduled article needs a future time, publishing
//! takes no future time, and a change made against a stale version conflicts.

use broadsheet_domain::article::{ArticleInput, ArticlePatch, ArticleStatus, Publication};
use broadsheet_domain::author::Role;
use broadsheet_persistence::StoreError;
use broadsheet_service::{ServiceError, ServiceResult};
use chrono::TimeDelta;

use crate::harness::{Stage, World, service_tests};
use crate::matrix::Who;

service_tests!(
    a_new_scheduled_article_needs_a_future_time,
    scheduling_needs_a_future_time,
    publishing_takes_no_future_time,
    a_new_published_article_takes_no_future_time,
    stale_versions_conflict,
    a_new_article_is_by_its_creator_unless_told,
);

fn refused_in<T: std::fmt::Debug>(result: ServiceResult<T>, field: &str, case: &str) {
    match result {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.field, field, "{case}: {e}"),
        other => panic!("{case}: expected {field} refused, got {other:?}"),
    }
}

fn scheduled_input(title: &str, at: Option<broadsheet_domain::time::Timestamp>) -> ArticleInput {
    ArticleInput {
        title: title.to_owned(),
        body: "Embargoed.".to_owned(),
        status: ArticleStatus::Scheduled,
        published_at: at,
        ..ArticleInput::default()
    }
}

async fn a_new_scheduled_article_needs_a_future_time(w: &World) {
    let editor = w.actor(Who::Staff(Role::Editor));
    let now = w.clock.now();
    for (case, at) in [
        ("no time", None),
        ("now", Some(now)),
        ("the past", Some(now - TimeDelta::minutes(1))),
    ] {
        let made = w
            .service
            .create_article(&editor, scheduled_input(case, at), None)
            .await;
        refused_in(made, "publishedAt", case);
    }
    let at = now + TimeDelta::seconds(1);
    let made = w
        .service
        .create_article(&editor, scheduled_input("Soon", Some(at)), None)
        .await
        .expect("a future time");
    assert_eq!(made.publication, Publication::Scheduled(at));
    assert!(w.events().is_empty(), "nothing live, nothing announced");
}

async fn scheduling_needs_a_future_time(w: &World) {
    let editor = w.actor(Who::Staff(Role::Editor));
    let now = w.clock.now();
    for stage in [Stage::Draft, Stage::Published] {
        let a = w.article(w.other.id(), stage);
        for (case, at) in [("now", now), ("the past", now - TimeDelta::days(1))] {
            let done = w
                .service
                .schedule_article(&editor, a.uuid, a.version, at)
                .await;
            refused_in(
                done,
                "publishAt",
                &format!("{stage:?} scheduled for {case}"),
            );
        }
        assert_eq!(w.reload(&a), a, "{stage:?}: unchanged");
        let at = now + TimeDelta::minutes(1);
        let done = w
            .service
            .schedule_article(&editor, a.uuid, a.version, at)
            .await
            .expect("a future time");
        assert_eq!(done.publication, Publication::Scheduled(at));
    }
}

async fn publishing_takes_no_future_time(w: &World) {
    let editor = w.actor(Who::Staff(Role::Editor));
    let now = w.clock.now();
    let a = w.article(w.other.id(), Stage::Draft);
    let tomorrow = now + TimeDelta::days(1);
    let done = w
        .service
        .publish_article(&editor, a.uuid, a.version, Some(tomorrow))
        .await;
    refused_in(done, "publishedAt", "published tomorrow");
    assert_eq!(w.reload(&a), a, "unchanged");
    assert!(
        w.events().is_empty(),
        "a refused publication announces nothing"
    );

    // Now, or a time in the past (a backdated article), is publishing.
    let yesterday = now - TimeDelta::days(1);
    let backdated = w
        .service
        .publish_article(&editor, a.uuid, a.version, Some(yesterday))
        .await
        .expect("backdated");
    assert_eq!(backdated.publication, Publication::Published(yesterday));
    let b = w.article(w.other.id(), Stage::Draft);
    let at_once = w
        .service
        .publish_article(&editor, b.uuid, b.version, None)
        .await
        .expect("published");
    assert_eq!(at_once.publication, Publication::Published(now));
}

/// Creating an article as published is publishing: a future date is refused there too (it
/// was accepted, and the article was live at once while dated days ahead, first in every
/// list and feed until then).
async fn a_new_published_article_takes_no_future_time(w: &World) {
    let editor = w.actor(Who::Staff(Role::Editor));
    let now = w.clock.now();
    let published = |title: &str, at| ArticleInput {
        title: title.to_owned(),
        body: "Words.".to_owned(),
        status: ArticleStatus::Published,
        published_at: at,
        ..ArticleInput::default()
    };
    let tomorrow = now + TimeDelta::days(1);
    let made = w
        .service
        .create_article(&editor, published("Tomorrow", Some(tomorrow)), None)
        .await;
    refused_in(made, "publishedAt", "created published tomorrow");
    assert!(w.events().is_empty(), "nothing announced");

    let yesterday = now - TimeDelta::days(1);
    let backdated = w
        .service
        .create_article(&editor, published("Yesterday", Some(yesterday)), None)
        .await
        .expect("backdated");
    assert_eq!(backdated.publication, Publication::Published(yesterday));
    let at_once = w
        .service
        .create_article(&editor, published("Today", None), None)
        .await
        .expect("published");
    assert_eq!(at_once.publication, Publication::Published(now));
}

/// Every change that names the version the client saw is refused when someone saved since,
/// as a stale version carrying the current one; nothing changes and nothing is announced.
async fn stale_versions_conflict(w: &World) {
    let editor = w.actor(Who::Staff(Role::Editor));
    let tag = w.tag();
    let later = w.clock.now() + TimeDelta::hours(1);
    // Published, then saved once (version 2): a client that saw version 1 is behind.
    let a = w.revised_article(w.other.id(), Stage::Published);
    assert_eq!(a.version, 2);
    let events = w.events().len();
    let stale = a.version - 1;
    let s = &w.service;
    let patch = ArticlePatch {
        title: Some("Overwritten".to_owned()),
        ..ArticlePatch::default()
    };
    let results: [(&str, ServiceResult<_>); 7] = [
        (
            "update",
            s.update_article(&editor, a.uuid, stale, patch).await,
        ),
        (
            "publish",
            s.publish_article(&editor, a.uuid, stale, None).await,
        ),
        (
            "schedule",
            s.schedule_article(&editor, a.uuid, stale, later).await,
        ),
        (
            "unpublish",
            s.unpublish_article(&editor, a.uuid, stale).await,
        ),
        (
            "restore",
            s.restore_revision(&editor, a.uuid, 1, stale).await,
        ),
        (
            "set tags",
            s.set_article_tags(&editor, a.uuid, vec![tag.id], Some(stale))
                .await,
        ),
        (
            "set authors",
            s.set_article_authors(&editor, a.uuid, vec![w.other.id()], Some(stale))
                .await,
        ),
    ];
    for (case, result) in results {
        match result {
            Err(ServiceError::Store(StoreError::StaleVersion {
                current_version, ..
            })) => assert_eq!(current_version, a.version, "{case}"),
            other => panic!("{case} at a stale version: {other:?}"),
        }
    }
    assert_eq!(w.reload(&a), a, "unchanged");
    assert_eq!(w.events().len(), events, "nothing announced");
    // At the current version, the same change goes through.
    s.unpublish_article(&editor, a.uuid, a.version)
        .await
        .expect("current version");
}

async fn a_new_article_is_by_its_creator_unless_told(w: &World) {
    let author = w.actor(Who::Staff(Role::Author));
    let me = w.staff(Role::Author).id();
    let input = ArticleInput {
        title: "Mine".to_owned(),
        body: "Words.".to_owned(),
        ..ArticleInput::default()
    };
    let made = w
        .service
        .create_article(&author, input.clone(), None)
        .await
        .expect("created");
    assert_eq!(made.publication, Publication::Draft, "a draft by default");
    assert_eq!(made.updated_by, Some(me));
    let owners = w.owners(&made);
    assert_eq!(owners, [me]);
    // The system is nobody: it must name the authors.
    let system = w.actor(Who::System);
    refused_in(
        w.service.create_article(&system, input.clone(), None).await,
        "authors",
        "the system naming no author",
    );
    let made = w
        .service
        .create_article(&system, input, Some(vec![w.other.id(), me]))
        .await
        .expect("created");
    assert_eq!(w.owners(&made), [w.other.id(), me]);
}
