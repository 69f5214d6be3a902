//! Real clients against the server: Ghost's official JavaScript Content API client (from
//! npm) and Python's `feedparser` (from PyPI). `.ci/run` installs both; without them (a
//! machine with only the Rust toolchain) these tests say they were skipped.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use broadsheet::demo;

use crate::helpers::{TestApp, e2e_tests};

/// Set by `.ci/run`: the external clients must be there, and a missing one fails the test.
const REQUIRED: &str = "BROADSHEET_TEST_REQUIRE_CLIENTS";

fn skipped(what: &str, how: &str) {
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

fn js_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js")
}

e2e_tests!(ghosts_official_client_works);

async fn ghosts_official_client_works(app: TestApp) {
    if !js_dir().join("node_modules/@tryghost/content-api").is_dir() {
        return skipped("@tryghost/content-api", "run `npm install` in tests/js");
    }
    demo::load(&app.db.store).expect("demo");
    let key = {
        let mut c = app.db.store.conn().expect("connection");
        broadsheet_api::keys::create_content(&mut c, "Ghost client test", 10_000)
            .expect("key")
            .credential
    };
    let address = app.address.clone();
    let out = actix_web::rt::task::spawn_blocking(move || {
        Command::new("node")
            .current_dir(js_dir())
            .args(["content-api.test.mjs", &address, &key])
            .output()
    })
    .await
    .expect("joined")
    .expect("node runs");
    assert!(
        out.status.success(),
        "the Ghost client test failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
