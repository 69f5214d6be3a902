//! The README's example query gives the README's example output.

use broadsheet::demo;
use serde_json::{Value, json};

use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(readme_example_is_true);

/// The text of the first fenced `lang` block after `marker`.
pub(crate) fn block_after<'a>(readme: &'a str, marker: &str, lang: &str) -> &'a str {
    let start = readme
        .find(marker)
        .unwrap_or_else(|| panic!("README has no {marker}"));
    let rest = &readme[start..];
    let open = format!("```{lang}\n");
    let from = rest.find(&open).expect("code block") + open.len();
    let to = rest[from..].find("```").expect("closing fence") + from;
    &rest[from..to]
}

/// `actual` matches `expected`, where an expected string ending in `…` need only be a prefix.
fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(e), Value::String(a)) => match e.strip_suffix('…') {
            Some(prefix) => a.starts_with(prefix),
            None => e == a,
        },
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(e, a)| matches(e, a))
        }
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len()
                && e.keys().eq(a.keys())
                && e.iter()
                    .all(|(k, v)| a.get(k).is_some_and(|av| matches(v, av)))
        }
        (e, a) => e == a,
    }
}

async fn readme_example_is_true(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let query = block_after(&readme, "<!-- readme-query", "graphql");
    let expected: Value = serde_json::from_str(block_after(&readme, "<!-- readme-output", "json"))
        .expect("README output is JSON");
    let slug = "weve-still-no-idea-about-needs-of-all-children-at-risk-admits-birmingham-social-services-chief";
    let actual = app.graphql(query, json!({ "slug": slug })).await.json();
    assert!(
        matches(&expected, &actual),
        "README output is stale; the server answers:\n{actual:#}"
    );
}
