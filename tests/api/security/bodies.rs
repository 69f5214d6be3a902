//! A body that nests thousands of levels deep is refused before it is rendered: sanitizing
//! it would take a worker's CPU for seconds to minutes (found by the fuzz tests).

use broadsheet_domain::author::Role;
use serde_json::json;

use crate::editorial::{code, staff};
use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(bodies_nesting_thousands_deep_are_refused_before_rendering);

async fn bodies_nesting_thousands_deep_are_refused_before_rendering(app: TestApp) {
    let writer = staff(&app, "Wendy Writer", Role::Author);
    let create =
        "mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { id } } }";
    for body in ["1. ".repeat(20_000), "<div>".repeat(20_000)] {
        let reply = app
            .graphql_as(
                &writer.token,
                create,
                json!({ "input": { "title": "Deep", "markdown": body } }),
            )
            .await
            .json();
        assert_eq!(code(&reply), Some("BAD_USER_INPUT"), "{reply}");
        assert_eq!(reply["errors"][0]["extensions"]["field"], "body");
    }
}
