//! Editors racing on one version: one wins, the rest are told, nothing is lost.

use broadsheet_domain::author::Role;
use serde_json::json;

use super::{code, global_id, staff};
use crate::graphql::data;
use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(parallel_saves_of_one_version_give_one_success);

async fn parallel_saves_of_one_version_give_one_success(app: TestApp) {
    let editor = staff(&app, "Eve Editor", Role::Editor);
    let article = {
        let mut c = app.db.store.conn().expect("connection");
        broadsheet_persistence::testing::ArticleBuilder::new("Contested", editor.user.id())
            .create(&mut c)
    };
    let id = global_id("Article", article.uuid);
    let update = "mutation($id: ID!, $t: String!) { updateArticle(id: $id, expectedVersion: 1, input: { title: $t }) { article { version title } } }";
    let saves = (0..8).map(|i| {
        let (app, token, id) = (&app, editor.token.clone(), id.clone());
        async move {
            app.graphql_as(
                &token,
                update,
                json!({ "id": id, "t": format!("Title {i}") }),
            )
            .await
            .json()
        }
    });
    let results = futures_util::future::join_all(saves).await;
    let wins: Vec<_> = results
        .iter()
        .filter(|r| r.get("errors").is_none())
        .collect();
    let conflicts = results
        .iter()
        .filter(|r| code(r) == Some("CONFLICT"))
        .count();
    assert_eq!(wins.len(), 1, "{results:#?}");
    assert_eq!(conflicts, 7);
    let winner = data(wins[0], &["updateArticle", "article", "title"]).clone();
    let stored = app
        .graphql_as(
            &editor.token,
            "query($id: ID!) { article(id: $id) { version title revisions { version } } }",
            json!({ "id": id }),
        )
        .await
        .json();
    assert_eq!(data(&stored, &["article", "version"]), 2);
    assert_eq!(
        data(&stored, &["article", "title"]),
        &winner,
        "the stored title is the winner's"
    );
    assert_eq!(
        data(&stored, &["article", "revisions"])
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}
