//! Instants outside what both databases store (found by fuzzing the HTTP surface).

use broadsheet_domain::author::Role;
use serde_json::json;

use super::{code, staff};
use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(instants_a_database_cannot_store_are_bad_input);

const LIST: &str =
    "query($before: DateTime) { articles(filter: { publishedBefore: $before }) { totalCount } }";

/// GraphQL's `DateTime` takes years past 9999 and before 0 (`+10000-…`, `-4714-…`): in a list
/// filter they reached PostgreSQL as "timestamp out of range" (INTERNAL) and compared wrongly
/// as SQLite text; an article published or scheduled with one failed (INTERNAL) on SQLite,
/// which could not read back what it had just written, and on PostgreSQL before 4713 BC.
async fn instants_a_database_cannot_store_are_bad_input(app: TestApp) {
    let editor = staff(&app, "Eve Editor", Role::Editor);
    for at in [
        "-4714-01-01T00:00:00Z",
        "+10000-01-01T00:00:00Z",
        "-0001-12-31T23:59:59Z",
    ] {
        let listed = app.graphql(LIST, json!({ "before": at })).await.json();
        assert_eq!(code(&listed), Some("BAD_USER_INPUT"), "{at}: {listed}");

        let created = app
            .graphql_as(
                &editor.token,
                "mutation($at: DateTime) { createArticle(input: { title: \"Old news\", status: PUBLISHED, publishedAt: $at }) { article { id } } }",
                json!({ "at": at }),
            )
            .await
            .json();
        assert_eq!(code(&created), Some("BAD_USER_INPUT"), "{at}: {created}");

        let draft = app
            .graphql_as(
                &editor.token,
                "mutation { createArticle(input: { title: \"Draft\" }) { article { id version } } }",
                json!({}),
            )
            .await
            .json();
        let id = draft["data"]["createArticle"]["article"]["id"].clone();
        for mutation in [
            "mutation($id: ID!, $at: DateTime) { publishArticle(id: $id, expectedVersion: 1, publishedAt: $at) { article { id } } }",
            "mutation($id: ID!, $at: DateTime!) { scheduleArticle(id: $id, expectedVersion: 1, publishAt: $at) { article { id } } }",
        ] {
            let changed = app
                .graphql_as(&editor.token, mutation, json!({ "id": id, "at": at }))
                .await
                .json();
            assert_eq!(code(&changed), Some("BAD_USER_INPUT"), "{at}: {changed}");
        }
    }
    // Nothing unreadable was stored: lists, public and editorial, still answer.
    let public = app.graphql(LIST, json!({})).await.json();
    assert_eq!(code(&public), None, "{public}");
    let all = app
        .graphql_as(
            &editor.token,
            "{ articles(filter: { status: [DRAFT, SCHEDULED, PUBLISHED] }, orderBy: RECENTLY_UPDATED) { totalCount } }",
            json!({}),
        )
        .await
        .json();
    assert_eq!(code(&all), None, "{all}");
}
