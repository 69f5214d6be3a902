//! Scheduled articles go out on time, whether or not the scheduler is running. The server
//! runs on a manual clock: the tests move it past an article's time instead of waiting.

use broadsheet_domain::author::Role;
use broadsheet_persistence::testing::{ArticleBuilder, TestDb};
use chrono::TimeDelta;
use serde_json::json;

use super::staff;
use crate::graphql::data;
use crate::helpers::TestApp;

/// How far ahead the article is scheduled.
const AHEAD: TimeDelta = TimeDelta::hours(2);

async fn scheduled_ahead(app: &TestApp) -> broadsheet_domain::article::Article {
    let editor = staff(app, "Eve Editor", Role::Editor);
    let mut c = app.db.store.conn().expect("connection");
    ArticleBuilder::new("Embargoed until noon", editor.user.id())
        .scheduled_for(app.clock.now() + AHEAD)
        .create(&mut c)
}

fn stored_status(app: &TestApp, article: &broadsheet_domain::article::Article) -> &'static str {
    let mut c = app.db.store.conn().expect("connection");
    broadsheet_persistence::articles::get(&mut c, article.id)
        .expect("read")
        .expect("found")
        .publication
        .status()
        .as_str()
}

async fn public_count(app: &TestApp) -> serde_json::Value {
    let body = app
        .graphql("{ articles { totalCount nodes { status } } }", json!({}))
        .await
        .json();
    data(&body, &["articles"]).clone()
}

/// The background task publishes a scheduled article once its time has come, and not before.
#[actix_web::test]
async fn the_scheduler_publishes_on_time() {
    for db in [Some(TestDb::sqlite()), TestDb::postgres()]
        .into_iter()
        .flatten()
    {
        let app = TestApp::spawn_configured(db, |args| {
            args.clock = crate::helpers::manual_clock();
            args.scheduler_interval = 1;
        })
        .await;
        let article = scheduled_ahead(&app).await;
        app.run_scheduler().await;
        assert_eq!(stored_status(&app, &article), "scheduled");
        app.advance(AHEAD - TimeDelta::seconds(1));
        app.run_scheduler().await;
        assert_eq!(stored_status(&app, &article), "scheduled", "a second early");
        app.advance(TimeDelta::seconds(1));
        app.run_scheduler().await;
        assert_eq!(stored_status(&app, &article), "published", "on time");
        assert_eq!(public_count(&app).await["totalCount"], 1);
    }
}

/// With the task off, an article whose time has passed reads as published anyway.
#[actix_web::test]
async fn due_articles_read_as_published_without_the_scheduler() {
    for db in [Some(TestDb::sqlite()), TestDb::postgres()]
        .into_iter()
        .flatten()
    {
        let app = TestApp::spawn_manual(db).await;
        let article = scheduled_ahead(&app).await;
        // Written behind the server's back: the response cache learns of it (and of when it
        // comes due) from its refresh, run here rather than raced against its 250 ms poll.
        app.refresh_cache().await;
        app.advance(AHEAD - TimeDelta::seconds(1));
        assert_eq!(
            public_count(&app).await["totalCount"],
            0,
            "not before its time"
        );
        app.advance(TimeDelta::seconds(1));
        let listed = public_count(&app).await;
        assert_eq!(listed["totalCount"], 1, "after its time");
        assert_eq!(listed["nodes"][0]["status"], "PUBLISHED");
        assert_eq!(stored_status(&app, &article), "scheduled", "no task ran");
    }
}
