//! Preview links: who may make one (those who may read the article's drafts), and when a link
//! stops opening its article (revoked, taken down after being published, its maker
//! deactivated, the article deleted).

use broadsheet_domain::author::Role;
use broadsheet_service::ServiceError;
use broadsheet_service::previews::PreviewLink;

use crate::harness::{Stage, World, service_tests};
use crate::matrix::{Any, BOTH, Own, Row, Who, check, rule};

// contributor, author, editor, administrator

/// Reading an unpublished article, its revisions and preview links.
const VIEW_DRAFT: Row = [Own, Own, Any, Any];

service_tests!(making_a_preview_link, when_a_preview_link_dies);

async fn making_a_preview_link(w: &World) {
    for stage in [Stage::Draft, Stage::Published] {
        let use_case = format!("make a preview link for a {stage:?} article");
        check(w, &use_case, &rule(VIEW_DRAFT), BOTH, async |c| {
            let a = w.article(c.owner.id(), stage);
            let link = w
                .service
                .make_preview(&c.actor, &a, &[c.owner.id()])
                .await?;
            assert_eq!(link.article, a.uuid);
            assert_eq!(link.by, c.actor.user_id());
            Ok(link)
        })
        .await;
    }
}

fn is_dead<T: std::fmt::Debug>(result: Result<T, ServiceError>, case: &str) {
    assert!(
        matches!(result, Err(ServiceError::Unauthenticated(_))),
        "{case}: {result:?}"
    );
}

async fn when_a_preview_link_dies(w: &World) {
    let editor = w.actor(Who::Staff(Role::Editor));
    let s = &w.service;
    let owners = [w.other.id()];
    let a = w.article(w.other.id(), Stage::Draft);
    let first = s.make_preview(&editor, &a, &owners).await.expect("made");
    let opened = s.open_preview(first).await.expect("opens");
    assert_eq!(opened.map(|o| o.id), Some(a.id));

    // Revoked: links made before die; links made after work.
    s.revoke_preview_links(&editor, a.uuid)
        .await
        .expect("revoked");
    is_dead(s.open_preview(first).await, "revoked");
    let second = s.make_preview(&editor, &a, &owners).await.expect("made");
    assert!(s.open_preview(second).await.expect("opens").is_some());

    // Taken down after being published: links shared while it was out die.
    let a = s
        .publish_article(&editor, a.uuid, a.version, None)
        .await
        .expect("published");
    let while_out = s.make_preview(&editor, &a, &owners).await.expect("made");
    let a = s
        .unpublish_article(&editor, a.uuid, a.version)
        .await
        .expect("unpublished");
    is_dead(s.open_preview(while_out).await, "taken down");
    is_dead(s.open_preview(second).await, "taken down");

    // The maker deactivated: their links die (and live again if they come back).
    let maker = w.user(Role::Author);
    let b = w.article(maker.id(), Stage::Draft);
    let theirs = s
        .make_preview(
            &broadsheet_service::Actor::staff(maker.clone()),
            &b,
            &[maker.id()],
        )
        .await
        .expect("made");
    let system = w.actor(Who::System);
    s.deactivate_user(&system, maker.id())
        .await
        .expect("deactivated");
    is_dead(s.open_preview(theirs).await, "maker deactivated");
    s.reactivate_user(&system, maker.id()).await.expect("back");
    assert!(s.open_preview(theirs).await.expect("opens").is_some());

    // Made by the system (no maker): opens.
    let by_system = s.make_preview(&system, &a, &owners).await.expect("made");
    assert_eq!(by_system.by, None);
    assert!(s.open_preview(by_system).await.expect("opens").is_some());

    // The article deleted: nothing to open.
    s.delete_article(&editor, a.uuid).await.expect("deleted");
    assert_eq!(s.open_preview(by_system).await.expect("answered"), None);

    // A link naming a version the article never had (forged or stale) does not open.
    let c = w.article(w.other.id(), Stage::Draft);
    let forged = PreviewLink {
        article: c.uuid,
        version: 7,
        by: None,
    };
    is_dead(s.open_preview(forged).await, "unknown version");
}
