//! Headless Chromium against the server: GraphiQL works with no network beyond the server,
//! and pages on another origin use the API through CORS (Ghost's client, GraphQL by fetch).
//! Debian's `chromium` and `playwright-core` (npm, in tests/js) drive it; `.ci/run` installs
//! both, and without them these tests say they were skipped. They run on SQLite only: what
//! they prove happens in the browser and the HTTP layer, the same on either database, and a
//! browser is the costly part.

use std::path::Path;

use broadsheet::demo;
use broadsheet_persistence::testing::TestDb;

use crate::external::{js_dir, node, skipped};
use crate::helpers::TestApp;

/// The sample article that GraphiQL's example query shows.
const TITLE: &str = "‘We’ve still no idea about needs of all children at risk’ admits Birmingham social services chief";

/// Whether Chromium and its driver are installed; says the test was skipped when not.
fn chromium_installed() -> bool {
    let chromium =
        std::env::var("BROADSHEET_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        skipped(
            "Chromium",
            &format!("no {chromium} (apt-get install chromium, or set BROADSHEET_TEST_CHROMIUM)"),
        );
        return false;
    }
    if !js_dir().join("node_modules/playwright-core").is_dir() {
        skipped("playwright-core", "run `npm ci` in tests/js");
        return false;
    }
    true
}

async fn demo_app() -> TestApp {
    let app = TestApp::spawn(TestDb::sqlite()).await;
    demo::load(&app.db.store).expect("demo");
    app
}

/// GraphiQL loads from the server alone (no request to any other origin, no CSP violation),
/// keeps its example query, runs it, and shows the sample article's title.
#[actix_web::test]
async fn graphiql_runs_the_example_query_offline() {
    if !chromium_installed() {
        return;
    }
    let app = demo_app().await;
    let mut args = vec![app.address.clone(), TITLE.to_owned()];
    if let Some(dir) = std::env::var_os("BROADSHEET_TEST_SCREENSHOTS") {
        args.push(Path::new(&dir).join("graphiql.png").display().to_string());
    }
    node("browser/graphiql.test.mjs", args).await;
}

/// A page on another origin lists the posts with Ghost's official client.
#[actix_web::test]
async fn ghosts_client_works_from_another_origin() {
    if !chromium_installed() {
        return;
    }
    let app = demo_app().await;
    let key = {
        let mut c = app.db.store.conn().expect("connection");
        broadsheet_service::keys::create_content(
            &mut c,
            "Browser test",
            10_000,
            broadsheet_domain::time::now(),
        )
        .expect("key")
        .credential
    };
    node(
        "browser/ghost-cors.test.mjs",
        vec![app.address.clone(), key, TITLE.to_owned()],
    )
    .await;
}

/// A page on another origin runs GraphQL with fetch: POST, and a persisted query by GET.
#[actix_web::test]
async fn graphql_fetch_works_from_another_origin() {
    if !chromium_installed() {
        return;
    }
    let app = demo_app().await;
    node(
        "browser/graphql-cors.test.mjs",
        vec![app.address.clone(), TITLE.to_owned()],
    )
    .await;
}
