//! The README's example query gives the README's example output, and every GraphQL document
//! the README shows parses and validates as it is written (each named operation on its own).

use broadsheet::demo;
use broadsheet_domain::author::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(
    readme_example_is_true,
    readme_documents_validate,
    readme_article_life_runs
);

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
pub(crate) fn matches(expected: &Value, actual: &Value) -> bool {
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

/// The operations a document names (by name; one `None` for a lone anonymous one), read at
/// the top level, outside strings and comments.
fn operations(document: &str) -> Vec<Option<String>> {
    let mut names = Vec::new();
    let mut depth = 0_u32;
    let mut chars = document.chars().peekable();
    let mut word = String::new();
    let mut after_keyword = false;
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    match (escaped, c) {
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        _ => escaped = false,
                    }
                }
            }
            '{' | '(' => {
                if depth == 0 && after_keyword {
                    names.push(None);
                    after_keyword = false;
                }
                depth += 1;
            }
            '}' | ')' => depth = depth.saturating_sub(1),
            c if depth == 0 && (c.is_alphanumeric() || c == '_') => {
                word.push(c);
                if chars
                    .peek()
                    .is_none_or(|n| !(n.is_alphanumeric() || *n == '_'))
                {
                    if after_keyword {
                        names.push(Some(std::mem::take(&mut word)));
                        after_keyword = false;
                    } else {
                        after_keyword =
                            ["query", "mutation", "subscription"].contains(&word.as_str());
                        word.clear();
                    }
                }
            }
            _ => {}
        }
    }
    // A document that is only a selection set (`{ … }`) is one anonymous query.
    if names.is_empty() {
        names.push(None);
    }
    names
}

async fn readme_documents_validate(app: TestApp) {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let documents: Vec<&str> = readme
        .split("```graphql\n")
        .skip(1)
        .map(|rest| &rest[..rest.find("```").expect("closing fence")])
        .collect();
    assert!(
        documents.len() >= 3,
        "the README's GraphQL blocks: {}",
        documents.len()
    );
    for document in documents {
        let operations = operations(document);
        assert!(
            operations.len() == 1 || operations.iter().all(Option::is_some),
            "an anonymous operation among others cannot be run:\n{document}"
        );
        for name in operations {
            // Sent anonymously to an empty publication: mutations are refused, but only
            // after the document has parsed and validated.
            let mut request = json!({ "query": document });
            if let Some(name) = &name {
                request["operationName"] = json!(name);
            }
            let body = app
                .post_json(
                    "/graphql",
                    &[("accept", "application/json")],
                    &request.to_string(),
                )
                .await
                .json();
            for error in body["errors"].as_array().into_iter().flatten() {
                let code = error["extensions"]["code"].as_str().unwrap_or_default();
                assert!(
                    ![
                        "GRAPHQL_PARSE_FAILED",
                        "GRAPHQL_VALIDATION_FAILED",
                        "BAD_REQUEST"
                    ]
                    .contains(&code),
                    "the README's document{} does not run: {error}\n{document}",
                    name.map(|n| format!(" (operation {n})"))
                        .unwrap_or_default()
                );
            }
        }
    }
}

#[test]
fn operations_are_found() {
    assert_eq!(operations("{ a }"), vec![None]);
    assert_eq!(
        operations("query Q($x: Int) { a }"),
        vec![Some("Q".to_owned())]
    );
    assert_eq!(
        operations("mutation($id: ID!) { a(s: \"query X {\") }\nmutation($id: ID!) { b }"),
        vec![None, None]
    );
    assert_eq!(
        operations("# mutation Not\nmutation A { a }\nmutation B{ b }"),
        vec![Some("A".to_owned()), Some("B".to_owned())]
    );
}

/// The editorial API's document of an article's life: create, update, then publish or (another
/// article) schedule, each against the version the one before made.
async fn readme_article_life_runs(app: TestApp) {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let document = readme
        .split("```graphql\n")
        .map(|rest| &rest[..rest.find("```").unwrap_or(rest.len())])
        .find(|block| block.contains("mutation Create"))
        .expect("the README's article life");
    let editor = crate::editorial::staff(&app, "Eve Editor", Role::Editor);
    let run = |name: &'static str, variables: Value| {
        let body = json!({ "query": document, "operationName": name, "variables": variables });
        let auth = format!("Bearer {}", editor.token);
        let app = &app;
        async move {
            let reply = app
                .post_json(
                    "/graphql",
                    &[("accept", "application/json"), ("authorization", &auth)],
                    &body.to_string(),
                )
                .await
                .json();
            assert!(reply.get("errors").is_none(), "{name}: {reply:#}");
            reply
        }
    };
    let publish_at = (chrono::Utc::now() + chrono::TimeDelta::days(1)).to_rfc3339();
    for (last, variables) in [
        ("Publish", json!({})),
        ("Schedule", json!({ "at": publish_at })),
    ] {
        let created = run("Create", json!({})).await;
        let id = created["data"]["createArticle"]["article"]["id"].clone();
        assert_eq!(created["data"]["createArticle"]["article"]["version"], 1);
        let updated = run("Update", json!({ "id": id })).await;
        assert_eq!(updated["data"]["updateArticle"]["article"]["version"], 2);
        let mut variables = variables;
        variables["id"] = id;
        let done = run(last, variables).await;
        let field = if last == "Publish" {
            "publishArticle"
        } else {
            "scheduleArticle"
        };
        let status = if last == "Publish" {
            "PUBLISHED"
        } else {
            "SCHEDULED"
        };
        assert_eq!(done["data"][field]["article"]["status"], status, "{done:#}");
        assert_eq!(done["data"][field]["article"]["version"], 3, "{done:#}");
    }
}
