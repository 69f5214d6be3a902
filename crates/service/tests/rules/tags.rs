//! Who may create, change, delete and merge tags (nobody owns a tag).

use broadsheet_domain::tag::{TagChanges, TagInput};

use crate::harness::{World, service_tests};
use crate::matrix::{Any, No, Row, THEIRS, Who, check, rule};

// contributor, author, editor, administrator

/// Creating a tag (attaching existing tags is part of editing an article).
const CREATE_TAG: Row = [No, Any, Any, Any];
/// Changing, deleting or merging tags.
const EDIT_TAG: Row = [No, No, Any, Any];

service_tests!(
    creating,
    changing,
    deleting,
    merging,
    tag_events,
    what_an_update_leaves_out_stays,
);

fn input(name: &str) -> TagInput {
    TagInput {
        name: name.to_owned(),
        ..TagInput::default()
    }
}

fn rename(name: &str) -> TagChanges {
    TagChanges {
        name: Some(name.to_owned()),
        ..TagChanges::default()
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
        w.service.update_tag(&c.actor, tag.id, rename(&name)).await
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
        .update_tag(&admin, tag.id, rename("Elections 2027"))
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

/// Renaming a tag keeps its description, image and metadata (found from outside: an update
/// naming only `name` cleared them); `Some(None)` clears one on purpose.
async fn what_an_update_leaves_out_stays(w: &World) {
    let admin = w.actor(Who::System);
    let tag = w
        .service
        .create_tag(
            &admin,
            TagInput {
                description: Some("Votes and counts".into()),
                meta_title: Some("Elections".into()),
                feature_image: Some("https://img.example.com/ballot.jpg".into()),
                ..input("Elections")
            },
        )
        .await
        .expect("created");
    let renamed = w
        .service
        .update_tag(&admin, tag.id, rename("Elections 2027"))
        .await
        .expect("renamed");
    assert_eq!(renamed.name.as_str(), "Elections 2027");
    assert_eq!(renamed.slug, tag.slug, "the address stays");
    assert_eq!(renamed.description.as_deref(), Some("Votes and counts"));
    assert_eq!(renamed.meta_title.as_deref(), Some("Elections"));
    assert_eq!(renamed.feature_image, tag.feature_image);
    let cleared = w
        .service
        .update_tag(
            &admin,
            tag.id,
            TagChanges {
                description: Some(None),
                ..TagChanges::default()
            },
        )
        .await
        .expect("cleared");
    assert_eq!(cleared.description, None);
    assert_eq!(cleared.meta_title.as_deref(), Some("Elections"));
    assert_eq!(cleared.name.as_str(), "Elections 2027");
}
