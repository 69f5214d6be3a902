//! Who may write, publish, delete and curate articles: every use case as every actor, on
//! their own articles and on others', at each stage where the rule depends on it.

use broadsheet_domain::article::{ArticleInput, ArticlePatch, ArticleStatus};
use broadsheet_domain::author::Role;
use broadsheet_domain::related::NewRelatedLink;
use broadsheet_persistence::related;
use chrono::TimeDelta;

use crate::harness::{Stage, World, service_tests};
use crate::matrix::{Any, BOTH, No, Own, Row, Whose, check, rule};

// The expected matrix, one row per rule: contributor, author, editor, administrator.
// `Own`: only on articles they are an author of.

/// Creating an article (a draft).
const CREATE: Row = [Own, Own, Any, Any];
/// Creating an article that is published or scheduled at once: creating and publishing.
const CREATE_PUBLISHED: Row = [No, Own, Any, Any];
/// Changing a draft's fields, tags, authors or words.
const EDIT_DRAFT: Row = [Own, Own, Any, Any];
/// Changing a published or scheduled article.
const EDIT_PUBLISHED: Row = [No, Own, Any, Any];
/// Publishing, scheduling, unpublishing.
const PUBLISH: Row = [No, Own, Any, Any];
/// Deleting a draft.
const DELETE_DRAFT: Row = [Own, Own, Any, Any];
/// Deleting a published or scheduled article.
const DELETE_PUBLISHED: Row = [No, Own, Any, Any];
/// Handing an article to others entirely (the actor not among its new authors): editing
/// others' articles, whoever's it was.
const GIVE_AWAY: Row = [No, No, Any, Any];
/// Adding, removing, reordering curated related articles.
const MANAGE_RELATED: Row = [No, No, Any, Any];

/// The rule for changing an article at `stage`.
fn edit(stage: Stage) -> Row {
    match stage {
        Stage::Draft => EDIT_DRAFT,
        Stage::Scheduled | Stage::Published => EDIT_PUBLISHED,
    }
}

const STAGES: [Stage; 3] = [Stage::Draft, Stage::Scheduled, Stage::Published];

service_tests!(
    creating,
    changing_fields,
    publishing_scheduling_and_unpublishing,
    restoring_a_revision,
    revoking_preview_links,
    deleting,
    setting_tags,
    setting_authors,
    curating_related_articles,
);

async fn creating(w: &World) {
    for (status, row) in [
        (ArticleStatus::Draft, CREATE),
        (ArticleStatus::Scheduled, CREATE_PUBLISHED),
        (ArticleStatus::Published, CREATE_PUBLISHED),
    ] {
        let use_case = format!("create a {} article", status.as_str());
        check(w, &use_case, &rule(row), BOTH, async |c| {
            let input = ArticleInput {
                title: format!("New {}", w.unique()),
                body: "Words.".to_owned(),
                status,
                published_at: (status == ArticleStatus::Scheduled)
                    .then(|| w.clock.now() + TimeDelta::hours(1)),
                ..ArticleInput::default()
            };
            // One's own: the actor is the author (the default); others': someone else is.
            let authors = match c.whose {
                Whose::Mine => None,
                Whose::Theirs => Some(vec![c.owner.id()]),
            };
            w.service.create_article(&c.actor, input, authors).await
        })
        .await;
    }
}

async fn changing_fields(w: &World) {
    for stage in STAGES {
        let use_case = format!("update a {stage:?} article");
        check(w, &use_case, &rule(edit(stage)), BOTH, async |c| {
            let a = w.article(c.owner.id(), stage);
            let patch = ArticlePatch {
                title: Some("Retitled".to_owned()),
                ..ArticlePatch::default()
            };
            w.service
                .update_article(&c.actor, a.uuid, a.version, patch)
                .await
        })
        .await;
    }
}

async fn publishing_scheduling_and_unpublishing(w: &World) {
    for stage in [Stage::Draft, Stage::Scheduled] {
        let use_case = format!("publish a {stage:?} article");
        check(w, &use_case, &rule(PUBLISH), BOTH, async |c| {
            let a = w.article(c.owner.id(), stage);
            w.service
                .publish_article(&c.actor, a.uuid, a.version, None)
                .await
        })
        .await;
    }
    for stage in [Stage::Draft, Stage::Published] {
        let use_case = format!("schedule a {stage:?} article");
        check(w, &use_case, &rule(PUBLISH), BOTH, async |c| {
            let a = w.article(c.owner.id(), stage);
            let at = w.clock.now() + TimeDelta::hours(2);
            w.service
                .schedule_article(&c.actor, a.uuid, a.version, at)
                .await
        })
        .await;
    }
    for stage in [Stage::Scheduled, Stage::Published] {
        let use_case = format!("unpublish a {stage:?} article");
        check(w, &use_case, &rule(PUBLISH), BOTH, async |c| {
            let a = w.article(c.owner.id(), stage);
            w.service
                .unpublish_article(&c.actor, a.uuid, a.version)
                .await
        })
        .await;
    }
}

async fn restoring_a_revision(w: &World) {
    for stage in STAGES {
        let use_case = format!("restore a revision of a {stage:?} article");
        check(w, &use_case, &rule(edit(stage)), BOTH, async |c| {
            let a = w.revised_article(c.owner.id(), stage);
            w.service
                .restore_revision(&c.actor, a.uuid, 1, a.version)
                .await
        })
        .await;
    }
}

async fn revoking_preview_links(w: &World) {
    for stage in STAGES {
        let use_case = format!("revoke the preview links of a {stage:?} article");
        check(w, &use_case, &rule(edit(stage)), BOTH, async |c| {
            let a = w.article(c.owner.id(), stage);
            w.service.revoke_preview_links(&c.actor, a.uuid).await
        })
        .await;
    }
}

async fn deleting(w: &World) {
    for stage in STAGES {
        let row = match stage {
            Stage::Draft => DELETE_DRAFT,
            Stage::Scheduled | Stage::Published => DELETE_PUBLISHED,
        };
        let use_case = format!("delete a {stage:?} article");
        check(w, &use_case, &rule(row), BOTH, async |c| {
            let a = w.article(c.owner.id(), stage);
            w.service.delete_article(&c.actor, a.uuid).await
        })
        .await;
    }
}

async fn setting_tags(w: &World) {
    let tag = w.tag();
    for stage in STAGES {
        let use_case = format!("set the tags of a {stage:?} article");
        check(w, &use_case, &rule(edit(stage)), BOTH, async |c| {
            let a = w.article(c.owner.id(), stage);
            w.service
                .set_article_tags(&c.actor, a.uuid, vec![tag.id], Some(a.version))
                .await
        })
        .await;
    }
}

async fn setting_authors(w: &World) {
    for stage in STAGES {
        let use_case = format!("set the authors of a {stage:?} article, keeping oneself");
        check(w, &use_case, &rule(edit(stage)), BOTH, async |c| {
            let a = w.article(c.owner.id(), stage);
            let mut authors = vec![w.other.id()];
            authors.extend(c.actor.user_id());
            w.service
                .set_article_authors(&c.actor, a.uuid, authors, Some(a.version))
                .await
        })
        .await;

        let use_case = format!("hand a {stage:?} article to someone else entirely");
        check(w, &use_case, &rule(GIVE_AWAY), BOTH, async |c| {
            let a = w.article(c.owner.id(), stage);
            let newcomer = w.user(Role::Author);
            w.service
                .set_article_authors(&c.actor, a.uuid, vec![newcomer.id()], Some(a.version))
                .await
        })
        .await;
    }
}

async fn curating_related_articles(w: &World) {
    check(
        w,
        "add a related article",
        &rule(MANAGE_RELATED),
        BOTH,
        async |c| {
            let a = w.article(c.owner.id(), Stage::Published);
            let b = w.article(w.other.id(), Stage::Published);
            w.service
                .add_related_article(&c.actor, a.uuid, b.uuid, Some("Background".to_owned()))
                .await
        },
    )
    .await;

    check(
        w,
        "remove a related article",
        &rule(MANAGE_RELATED),
        BOTH,
        async |c| {
            let a = w.article(c.owner.id(), Stage::Published);
            let b = w.article(w.other.id(), Stage::Published);
            let link = NewRelatedLink::new(a.id, b.id, None).expect("valid link");
            related::add(&mut w.conn(), &link).expect("linked");
            w.service
                .remove_related_article(&c.actor, a.uuid, b.uuid)
                .await
        },
    )
    .await;

    check(
        w,
        "reorder related articles",
        &rule(MANAGE_RELATED),
        BOTH,
        async |c| {
            let a = w.article(c.owner.id(), Stage::Draft);
            let b = w.article(w.other.id(), Stage::Published);
            let d = w.article(w.other.id(), Stage::Published);
            for to in [b.id, d.id] {
                let link = NewRelatedLink::new(a.id, to, None).expect("valid link");
                related::add(&mut w.conn(), &link).expect("linked");
            }
            w.service
                .reorder_related_articles(&c.actor, a.uuid, vec![d.uuid, b.uuid])
                .await
        },
    )
    .await;
}
