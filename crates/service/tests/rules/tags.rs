//! Who may create, change, delete and merge tags (nobody owns a tag).

use broadsheet_domain::tag::TagInput;

use crate::harness::{World, service_tests};
use crate::matrix::{Any, No, Row, THEIRS, Who, check, rule};

// contributor, author, editor, administrator

/// Creating a tag (attaching existing tags is part of editing an article).
const CREATE_TAG: Row = [No, Any, Any, Any];
/// Changing, deleting or merging tags.
const EDIT_TAG: Row = [No, No, Any, Any];

service_tests!(creating, changing, deleting, merging, tag_events);

fn input(name: &str) -> TagInput {
    TagInput {
        name: name.to_owned(),
        ..TagInput::default()
    }
}

async fn creating(w: &World) {
    check(w, "create a tag", &rule(CREATE_TAG), THEIRS, async |c| {
        let name = format!("Fresh {}", w.unique());
        w.service.create_tag(&c.actor, input(&name)).await
    })
    .await;
}

async fn changing(w: &World) {
    check(w, "update a tag", &rule(EDIT_TAG), THEIRS, async |c| {
        let tag = w.tag();
        let name = format!("Renamed {}", w.unique());
        w.service.update_tag(&c.actor, tag.id, input(&name)).await
    })
    .await;
}

async fn deleting(w: &World) {
    check(w, "delete a tag", &rule(EDIT_TAG), THEIRS, async |c| {
        let tag = w.tag();
        w.service.delete_tag(&c.actor, tag.id).await
    })
    .await;
}

async fn merging(w: &World) {
    check(w, "merge tags", &rule(EDIT_TAG), THEIRS, async |c| {
        let (from, into) = (w.tag(), w.tag());
        w.service.merge_tags(&c.actor, from.id, into.id).await
    })
    .await;
}

/// A public tag's life is announced: created, updated, deleted (merged away counts as
/// deleted).
async fn tag_events(w: &World) {
    let admin = w.actor(Who::System);
    let tag = w
        .service
        .create_tag(&admin, input("Elections"))
        .await
        .expect("created");
    w.service
        .update_tag(&admin, tag.id, input("Elections 2027"))
        .await
        .expect("updated");
    let into = w
        .service
        .create_tag(&admin, input("Politics"))
        .await
        .expect("created");
    w.service
        .merge_tags(&admin, tag.id, into.id)
        .await
        .expect("merged");
    w.service
        .delete_tag(&admin, into.id)
        .await
        .expect("deleted");
    assert_eq!(
        w.events(),
        [
            "tag.created",
            "tag.updated",
            "tag.created",
            "tag.deleted",
            "tag.deleted"
        ]
    );
    let bodies = w.bodies();
    assert_eq!(bodies[1]["data"]["tag"]["name"], "Elections 2027");
    assert_eq!(bodies[3]["data"]["tag"]["name"], "Elections 2027");
    assert_eq!(bodies[4]["data"]["tag"]["name"], "Politics");
}
