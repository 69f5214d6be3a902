//! Scheduled publishing on a manual clock: an article goes out once its time has come, once,
//! with its event; nothing sleeps.

use broadsheet_domain::article::Publication;
use broadsheet_domain::author::Role;
use broadsheet_service::reading::may_read;
use chrono::TimeDelta;

use crate::harness::{Stage, World, service_tests};
use crate::matrix::Who;

service_tests!(
    a_scheduled_article_goes_out_once_when_due,
    unscheduled_articles_stay_in
);

async fn a_scheduled_article_goes_out_once_when_due(w: &World) {
    let author = w.actor(Who::Staff(Role::Author));
    let me = w.staff(Role::Author).id();
    let draft = w.article(me, Stage::Draft);
    let at = w.clock.now() + TimeDelta::hours(1);
    let scheduled = w
        .service
        .schedule_article(&author, draft.uuid, draft.version, at)
        .await
        .expect("scheduled");
    assert!(w.service.publish_due().await.expect("pass").is_empty());
    w.clock.advance(TimeDelta::minutes(59));
    assert!(w.service.publish_due().await.expect("pass").is_empty());
    assert!(w.events().is_empty(), "nothing went out early");
    let reader = w.actor(Who::Anonymous);
    assert!(!may_read(&reader, &scheduled, &[me], w.service.now()));

    w.clock.advance(TimeDelta::minutes(2));
    // Due: the public reads it on time, even before the scheduler's pass.
    assert!(may_read(&reader, &scheduled, &[me], w.service.now()));
    let published = w.service.publish_due().await.expect("pass");
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].id, scheduled.id);
    // Published at the time it was scheduled for, not when the pass ran.
    assert_eq!(published[0].publication, Publication::Published(at));
    assert_eq!(published[0].version, scheduled.version + 1);
    let stored = w.reload(&scheduled);
    assert_eq!(stored.publication, Publication::Published(at));
    assert_eq!(w.events(), ["article.published"]);
    let body = &w.bodies()[0];
    assert_eq!(body["data"]["version"], stored.version);
    assert_eq!(body["data"]["article"]["title"], scheduled.title.as_str());

    // Once.
    w.clock.advance(TimeDelta::hours(1));
    assert!(w.service.publish_due().await.expect("pass").is_empty());
    assert_eq!(w.events().len(), 1);
    assert_eq!(w.reload(&scheduled), stored);
}

async fn unscheduled_articles_stay_in(w: &World) {
    let editor = w.actor(Who::Staff(Role::Editor));
    // Scheduled, then taken back to draft before its time.
    let a = w.article(w.other.id(), Stage::Scheduled);
    let a = w
        .service
        .unpublish_article(&editor, a.uuid, a.version)
        .await
        .expect("unscheduled");
    // Scheduled, then put off by a week.
    let b = w.article(w.other.id(), Stage::Scheduled);
    let week = w.clock.now() + TimeDelta::weeks(1);
    let b = w
        .service
        .schedule_article(&editor, b.uuid, b.version, week)
        .await
        .expect("rescheduled");
    w.clock.advance(TimeDelta::days(2));
    assert!(w.service.publish_due().await.expect("pass").is_empty());
    assert_eq!(w.reload(&a), a);
    assert_eq!(w.reload(&b), b);
    assert!(w.events().is_empty());
    w.clock.advance(TimeDelta::weeks(1));
    let published = w.service.publish_due().await.expect("pass");
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].id, b.id);
}
