//! Scheduled articles go out on time, whether or not the scheduler is running.

use std::time::{Duration, Instant};

use broadsheet_domain::author::Role;
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::{ArticleBuilder, TestDb};
use chrono::TimeDelta;
use serde_json::json;

use super::staff;
use crate::graphql::data;
use crate::helpers::TestApp;

async fn scheduled_in(app: &TestApp, seconds: i64) -> broadsheet_domain::article::Article {
    let editor = staff(app, "Eve Editor", Role::Editor);
    let mut c = app.db.store.conn().expect("connection");
    ArticleBuilder::new("Embargoed until noon", editor.user.id())
        .scheduled_for(now() + TimeDelta::seconds(seconds))
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

/// The background task publishes a scheduled article within seconds of its time.
#[actix_web::test]
async fn the_scheduler_publishes_on_time() {
    for db in [Some(TestDb::sqlite()), TestDb::postgres()]
        .into_iter()
        .flatten()
    {
        let app = TestApp::spawn_configured(db, |args| args.scheduler_interval = 1).await;
        let article = scheduled_in(&app, 2).await;
        assert_eq!(stored_status(&app, &article), "scheduled");
        let deadline = Instant::now() + Duration::from_secs(10);
        while stored_status(&app, &article) != "published" {
            assert!(
                Instant::now() < deadline,
                "not published within seconds of its time"
            );
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        }
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
        let app = TestApp::spawn(db).await;
        let article = scheduled_in(&app, 1).await;
        assert_eq!(
            public_count(&app).await["totalCount"],
            0,
            "not before its time"
        );
        actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
        let listed = public_count(&app).await;
        assert_eq!(listed["totalCount"], 1, "after its time");
        assert_eq!(listed["nodes"][0]["status"], "PUBLISHED");
        assert_eq!(stored_status(&app, &article), "scheduled", "no task ran");
    }
}
