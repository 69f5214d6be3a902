//! Real clients against the server: Ghost's official JavaScript Content API and Admin API
//! clients (from npm) and Python's `feedparser` (from PyPI). `.ci/run` installs both; without them (a
//! machine with only the Rust toolchain) these tests say they were skipped.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use broadsheet::demo;

use crate::helpers::{TestApp, e2e_tests};

/// Set by `.ci/run`: the external clients must be there, and a missing one fails the test.
const REQUIRED: &str = "BROADSHEET_TEST_REQUIRE_CLIENTS";

pub(crate) fn skipped(what: &str, how: &str) {
    assert!(
        std::env::var_os(REQUIRED).is_none(),
        "{what} is required ({REQUIRED} is set) but missing: {how}"
    );
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "\nNOTE: {what} tests SKIPPED: {how}. `.ci/run` installs it.\n"
        );
    });
}

pub(crate) fn js_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js")
}

e2e_tests!(
    ghosts_official_client_works,
    ghosts_admin_client_signs_integration_tokens,
    feeds_parse_with_a_real_parser
);

async fn ghosts_official_client_works(app: TestApp) {
    if !js_dir().join("node_modules/@tryghost/content-api").is_dir() {
        return skipped("@tryghost/content-api", "run `npm install` in tests/js");
    }
    demo::load(&app.db.store).expect("demo");
    let key = {
        let mut c = app.db.store.conn().expect("connection");
        broadsheet_service::keys::create_content(
            &mut c,
            "Ghost client test",
            10_000,
            broadsheet_domain::time::now(),
        )
        .expect("key")
        .credential
    };
    node("content-api.test.mjs", vec![app.address.clone(), key]).await;
}

/// Runs `node <script> <args>` in tests/js; fails the test with its output if it fails.
pub(crate) async fn node(script: &'static str, args: Vec<String>) {
    let out = actix_web::rt::task::spawn_blocking(move || {
        Command::new("node")
            .current_dir(js_dir())
            .arg(script)
            .args(args)
            .output()
    })
    .await
    .expect("joined")
    .expect("node runs");
    assert!(
        out.status.success(),
        "{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn ghosts_admin_client_signs_integration_tokens(app: TestApp) {
    if !js_dir().join("node_modules/@tryghost/admin-api").is_dir() {
        return skipped("@tryghost/admin-api", "run `npm install` in tests/js");
    }
    let key = {
        let mut c = app.db.store.conn().expect("connection");
        broadsheet_service::keys::create_integration(
            &mut c,
            &broadsheet_persistence::secrets::Keyring::default(),
            "Ghost admin client test",
            broadsheet_domain::author::Role::Editor,
            10_000,
            broadsheet_domain::time::now(),
        )
        .expect("key")
        .credential
    };
    node("admin-api.test.mjs", vec![app.address.clone(), key]).await;
}

/// A Python that has feedparser: `BROADSHEET_TEST_PYTHON`, or `python3` if it has it.
fn python_with_feedparser() -> Option<String> {
    let candidate =
        std::env::var("BROADSHEET_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    Command::new(&candidate)
        .args(["-c", "import feedparser"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| candidate)
}

async fn feeds_parse_with_a_real_parser(app: TestApp) {
    let Some(python) = python_with_feedparser() else {
        return skipped(
            "feedparser",
            "no Python with feedparser (set BROADSHEET_TEST_PYTHON)",
        );
    };
    demo::load(&app.db.store).expect("demo");
    let hostile = "Budget <b>cuts</b> & \"savings\" — it's ]]> done";
    {
        let mut c = app.db.store.conn().expect("connection");
        let author = broadsheet_persistence::users::author_by_slug(
            &mut c,
            &broadsheet_domain::Slug::parse("tom-ashby").expect("slug"),
        )
        .expect("read")
        .expect("demo author");
        let tag = broadsheet_persistence::tags::by_slug(
            &mut c,
            &broadsheet_domain::Slug::parse("birmingham").expect("slug"),
        )
        .expect("read")
        .expect("demo tag");
        broadsheet_persistence::testing::ArticleBuilder::new(hostile, author.id)
            .tags(&[tag.id])
            .body("Text with ]]> inside, <script>x</script> and a [link](https://example.com).")
            .create(&mut c);
    }
    let address = app.address.clone();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/check_feeds.py");
    let out = actix_web::rt::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .args([&address, hostile, "birmingham", "tom-ashby"])
            .output()
    })
    .await
    .expect("joined")
    .expect("python runs");
    assert!(
        out.status.success(),
        "the feed check failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
