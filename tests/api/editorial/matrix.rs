//! The authorization matrix: every mutation, by every role and by nobody, on the actor's own
//! things and on others'. The expected answer of each cell comes from the role policy (whose
//! own table is checked cell by cell in the domain crate); this proves the API asks it.

use std::sync::atomic::{AtomicUsize, Ordering};

use broadsheet_domain::author::Role;
use broadsheet_domain::ids::AuthorId;
use broadsheet_domain::policy::{Action, Ownership, permits};
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, UserBuilder};
use chrono::TimeDelta;
use serde_json::{Value, json};

use super::{Staff, code, global_id, staff};
use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(every_mutation_by_every_role);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    CreateArticle,
    UpdateDraft,
    UpdatePublished,
    Publish,
    Schedule,
    Unpublish,
    DeleteDraft,
    DeletePublished,
    SetTags,
    SetAuthors,
    RestoreRevision,
    AddRelated,
    CreateTag,
    UpdateTag,
    DeleteTag,
    MergeTags,
    CreateWriter,
    CreateEditor,
    UpdateWriter,
    UpdateEditor,
    DeactivateWriter,
    UpdateProfile,
}

const CASES: [(Case, Action, &[Ownership]); 22] = {
    use Ownership::{Others as O, Own as M};
    [
        (Case::CreateArticle, Action::CreateArticle, &[M, O]),
        (Case::UpdateDraft, Action::EditDraft, &[M, O]),
        (Case::UpdatePublished, Action::EditPublished, &[M, O]),
        (Case::Publish, Action::Publish, &[M, O]),
        (Case::Schedule, Action::Publish, &[M, O]),
        (Case::Unpublish, Action::Publish, &[M, O]),
        (Case::DeleteDraft, Action::DeleteDraft, &[M, O]),
        (Case::DeletePublished, Action::DeletePublished, &[M, O]),
        (Case::SetTags, Action::EditDraft, &[M, O]),
        (Case::SetAuthors, Action::EditDraft, &[M, O]),
        (Case::RestoreRevision, Action::EditDraft, &[M, O]),
        (Case::AddRelated, Action::ManageRelated, &[M, O]),
        (Case::CreateTag, Action::CreateTag, &[O]),
        (Case::UpdateTag, Action::EditTag, &[O]),
        (Case::DeleteTag, Action::EditTag, &[O]),
        (Case::MergeTags, Action::EditTag, &[O]),
        (Case::CreateWriter, Action::ManageWriters, &[O]),
        (Case::CreateEditor, Action::ManageAdmins, &[O]),
        (Case::UpdateWriter, Action::ManageWriters, &[O]),
        (Case::UpdateEditor, Action::ManageAdmins, &[O]),
        (Case::DeactivateWriter, Action::ManageWriters, &[O]),
        (Case::UpdateProfile, Action::EditProfile, &[M]),
    ]
};

static N: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix} {}", N.fetch_add(1, Ordering::Relaxed))
}

/// Makes what the case acts on and returns the GraphQL request for it.
fn prepare(app: &TestApp, case: Case, owner: AuthorId) -> (String, Value) {
    let mut c = app.db.store.conn().expect("connection");
    let draft = |c: &mut _| {
        ArticleBuilder::new(&unique("Draft"), owner)
            .draft()
            .create(c)
    };
    let published = |c: &mut _| ArticleBuilder::new(&unique("Published"), owner).create(c);
    let article_id = |a: &broadsheet_domain::article::Article| global_id("Article", a.uuid);
    let tag_id = |t: &broadsheet_domain::tag::Tag| global_id("Tag", t.id.0);
    let user_id = |u: &broadsheet_domain::author::User| global_id("Author", u.id().0);
    let update = "mutation($id: ID!) { updateArticle(id: $id, expectedVersion: 1, input: { title: \"Changed\" }) { article { id } } }";
    match case {
        Case::CreateArticle => (
            "mutation($a: ID!) { createArticle(input: { title: \"New\", authorIds: [$a] }) { article { id } } }".into(),
            json!({ "a": global_id("Author", owner.0) }),
        ),
        Case::UpdateDraft => (update.into(), json!({ "id": article_id(&draft(&mut c)) })),
        Case::UpdatePublished => (update.into(), json!({ "id": article_id(&published(&mut c)) })),
        Case::Publish => (
            "mutation($id: ID!) { publishArticle(id: $id, expectedVersion: 1) { article { id } } }".into(),
            json!({ "id": article_id(&draft(&mut c)) }),
        ),
        Case::Schedule => (
            "mutation($id: ID!, $at: DateTime!) { scheduleArticle(id: $id, expectedVersion: 1, publishAt: $at) { article { id } } }".into(),
            json!({ "id": article_id(&draft(&mut c)), "at": (now() + TimeDelta::days(1)).to_rfc3339() }),
        ),
        Case::Unpublish => (
            "mutation($id: ID!) { unpublishArticle(id: $id, expectedVersion: 1) { article { id } } }".into(),
            json!({ "id": article_id(&published(&mut c)) }),
        ),
        Case::DeleteDraft => (
            "mutation($id: ID!) { deleteArticle(id: $id) { deletedId } }".into(),
            json!({ "id": article_id(&draft(&mut c)) }),
        ),
        Case::DeletePublished => (
            "mutation($id: ID!) { deleteArticle(id: $id) { deletedId } }".into(),
            json!({ "id": article_id(&published(&mut c)) }),
        ),
        Case::SetTags => {
            let tag = TagBuilder::new(&unique("Tag")).create(&mut c);
            (
                "mutation($id: ID!, $t: ID!) { setArticleTags(id: $id, tagIds: [$t]) { article { id } } }".into(),
                json!({ "id": article_id(&draft(&mut c)), "t": tag_id(&tag) }),
            )
        }
        Case::SetAuthors => (
            "mutation($id: ID!, $a: ID!) { setArticleAuthors(id: $id, authorIds: [$a]) { article { id } } }".into(),
            json!({ "id": article_id(&draft(&mut c)), "a": global_id("Author", owner.0) }),
        ),
        Case::RestoreRevision => {
            let a = draft(&mut c);
            let revised = a
                .revise(&broadsheet_domain::article::ArticlePatch { title: Some("Second".into()), ..Default::default() })
                .expect("valid");
            broadsheet_persistence::articles::update(&mut c, &revised, None, now()).expect("saved");
            (
                "mutation($id: ID!) { restoreRevision(id: $id, version: 1, expectedVersion: 2) { article { id } } }".into(),
                json!({ "id": article_id(&a) }),
            )
        }
        Case::AddRelated => {
            let a = published(&mut c);
            let b = published(&mut c);
            (
                "mutation($id: ID!, $r: ID!) { addRelatedArticle(id: $id, relatedId: $r) { article { id } } }".into(),
                json!({ "id": article_id(&a), "r": article_id(&b) }),
            )
        }
        Case::CreateTag => (
            "mutation($n: String!) { createTag(input: { name: $n }) { tag { id } } }".into(),
            json!({ "n": unique("Tag") }),
        ),
        Case::UpdateTag => (
            "mutation($id: ID!, $n: String!) { updateTag(id: $id, input: { name: $n }) { tag { id } } }".into(),
            json!({ "id": tag_id(&TagBuilder::new(&unique("Tag")).create(&mut c)), "n": unique("Renamed") }),
        ),
        Case::DeleteTag => (
            "mutation($id: ID!) { deleteTag(id: $id) }".into(),
            json!({ "id": tag_id(&TagBuilder::new(&unique("Tag")).create(&mut c)) }),
        ),
        Case::MergeTags => {
            let from = TagBuilder::new(&unique("From")).create(&mut c);
            let into = TagBuilder::new(&unique("Into")).create(&mut c);
            (
                "mutation($f: ID!, $i: ID!) { mergeTags(from: $f, into: $i) { tag { id } } }".into(),
                json!({ "f": tag_id(&from), "i": tag_id(&into) }),
            )
        }
        Case::CreateWriter | Case::CreateEditor => {
            let role = if case == Case::CreateWriter { "AUTHOR" } else { "EDITOR" };
            let name = unique("New");
            (
                "mutation($e: String!, $n: String!, $r: Role!) { createUser(input: { email: $e, role: $r, profile: { name: $n } }) { user { id } } }".into(),
                json!({ "e": format!("{}@example.com", name.replace(' ', "")), "n": name, "r": role }),
            )
        }
        Case::UpdateWriter | Case::UpdateEditor | Case::DeactivateWriter => {
            let role = if case == Case::UpdateEditor { Role::Editor } else { Role::Author };
            let name = unique("Target");
            let user = UserBuilder::new(&name).role(role).create(&mut c);
            if case == Case::DeactivateWriter {
                ("mutation($id: ID!) { deactivateUser(id: $id) { user { id } } }".into(), json!({ "id": user_id(&user) }))
            } else {
                (
                    "mutation($id: ID!, $n: String!) { updateUser(id: $id, input: { profile: { name: $n } }) { user { id } } }".into(),
                    json!({ "id": user_id(&user), "n": unique("Renamed") }),
                )
            }
        }
        Case::UpdateProfile => (
            "mutation($n: String!) { updateProfile(profile: { name: $n }) { user { id } } }".into(),
            json!({ "n": unique("Renamed") }),
        ),
    }
}

async fn every_mutation_by_every_role(app: TestApp) {
    let owner_of_others = staff(&app, "Oscar Owner", Role::Author);
    let actors: Vec<(Option<Role>, Option<Staff>)> = std::iter::once((None, None))
        .chain(Role::ALL.into_iter().map(|role| {
            (
                Some(role),
                Some(staff(&app, &format!("Actor {}", role.as_str()), role)),
            )
        }))
        .collect();
    let mut checked = 0;
    for (case, action, ownerships) in CASES {
        for (role, actor) in &actors {
            for ownership in ownerships.iter().copied() {
                let owner = match (ownership, actor) {
                    (Ownership::Own, Some(actor)) => actor.user.id(),
                    _ => owner_of_others.user.id(),
                };
                let (query, variables) = prepare(&app, case, owner);
                let body = match actor {
                    Some(actor) => app.graphql_as(&actor.token, &query, variables).await.json(),
                    None => app.graphql(&query, variables).await.json(),
                };
                let expected = match role {
                    None => Some("UNAUTHENTICATED"),
                    Some(role) if permits(*role, action, ownership) => None,
                    Some(_) => Some("FORBIDDEN"),
                };
                assert_eq!(
                    code(&body),
                    expected,
                    "{case:?} by {role:?} on {ownership:?}: {body}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 5 * (12 * 2 + 9 + 1), "every cell");
}
