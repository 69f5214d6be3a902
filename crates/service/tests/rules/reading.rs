//! What each actor may read: the public sees what is live (published, or scheduled and
//! due); staff see the drafts their role lets them read, and may list by status.

use broadsheet_domain::article::ArticleStatus;
use broadsheet_domain::author::Role;
use broadsheet_domain::listing::ArticleFilter;
use broadsheet_service::reading::{by_status, may_read, may_read_editorial, may_read_unpublished};
use broadsheet_service::{Actor, ServiceError};
use chrono::TimeDelta;

use crate::harness::{Stage, World, service_tests};
use crate::matrix::{Any, BOTH, Outcome, Own, Row, Who, Whose, rule};

// contributor, author, editor, administrator

/// Reading an unpublished article, its revisions, its preview links, and the editorial
/// fields of a published one.
const VIEW_DRAFT: Row = [Own, Own, Any, Any];

service_tests!(
    reading_articles,
    reading_the_editorial_side,
    listing_by_status,
    deactivated_staff_read_what_the_public_reads,
);

/// Every actor on `whose` article: (who, whose), staff on both, the rest on others'.
fn cases() -> Vec<(Who, Whose)> {
    Who::ALL
        .into_iter()
        .flat_map(|who| {
            let scope = match who {
                Who::Staff(_) => BOTH,
                Who::Anonymous | Who::Partner | Who::System => &[Whose::Theirs][..],
            };
            scope.iter().map(move |whose| (who, *whose))
        })
        .collect()
}

/// Whether `rule` lets `who` at `whose` thing (readers: never; the system: always).
fn permitted(who: Who, whose: Whose) -> bool {
    rule(VIEW_DRAFT).expected(who, whose) == Outcome::Allowed
}

fn owner(w: &World, who: Who, whose: Whose) -> broadsheet_domain::ids::AuthorId {
    match (who, whose) {
        (Who::Staff(role), Whose::Mine) => w.staff(role).id(),
        _ => w.other.id(),
    }
}

async fn reading_articles(w: &World) {
    let now = w.clock.now();
    for (who, whose) in cases() {
        let actor = w.actor(who);
        let owners = [owner(w, who, whose)];
        let draft = w.article(owners[0], Stage::Draft);
        let scheduled = w.article(owners[0], Stage::Scheduled);
        let published = w.article(owners[0], Stage::Published);
        let drafts_too = permitted(who, whose);
        let case = format!("{who:?} on {whose:?}");
        assert!(
            may_read(&actor, &published, &owners, now),
            "{case}: published"
        );
        assert_eq!(
            may_read(&actor, &draft, &owners, now),
            drafts_too,
            "{case}: draft"
        );
        assert_eq!(
            may_read(&actor, &scheduled, &owners, now),
            drafts_too,
            "{case}: scheduled, not yet due"
        );
        // Due but not yet published by the scheduler: it reads as published, on time.
        let due = now + TimeDelta::days(2);
        assert!(
            may_read(&actor, &scheduled, &owners, due),
            "{case}: scheduled, due"
        );
        assert_eq!(
            may_read_unpublished(&actor),
            matches!(who, Who::System | Who::Staff(_)),
            "{case}"
        );
    }
}

async fn reading_the_editorial_side(w: &World) {
    for (who, whose) in cases() {
        let owners = [owner(w, who, whose)];
        assert_eq!(
            may_read_editorial(&w.actor(who), &owners),
            permitted(who, whose),
            "{who:?} on {whose:?}"
        );
    }
}

async fn listing_by_status(w: &World) {
    let public = ArticleFilter::live(w.clock.now());
    let statuses = vec![ArticleStatus::Draft, ArticleStatus::Scheduled];
    for who in Who::ALL {
        let actor = w.actor(who);
        let listed = by_status(&actor, public.clone(), statuses.clone());
        // Those who may read others' drafts list everyone's; those who may read only their
        // own list their own; readers must sign in.
        let expected_author = match (
            rule(VIEW_DRAFT).expected(who, Whose::Theirs),
            rule(VIEW_DRAFT).expected(who, Whose::Mine),
        ) {
            (Outcome::Allowed, _) => Ok(None),
            (_, Outcome::Allowed) => Ok(actor.user_id()),
            (_, refused) => Err(refused),
        };
        match (expected_author, listed) {
            (Ok(author), Ok(filter)) => {
                assert_eq!(filter.author, author, "{who:?}");
                assert_eq!(filter.statuses, statuses, "{who:?}");
                assert_eq!(filter.live_at, None, "{who:?}: not only what is live");
            }
            (Err(expected), got) => assert_eq!(Outcome::of(&got), expected, "{who:?}"),
            (Ok(_), Err(e)) => panic!("{who:?}: {e:?}"),
        }
    }
}

async fn deactivated_staff_read_what_the_public_reads(w: &World) {
    for role in Role::ALL {
        let user = w.deactivated(role);
        let gone = Actor::staff(user.clone());
        let draft = w.article(user.id(), Stage::Draft);
        let published = w.article(user.id(), Stage::Published);
        let now = w.clock.now();
        assert!(!may_read(&gone, &draft, &[user.id()], now), "{role:?}");
        assert!(may_read(&gone, &published, &[user.id()], now), "{role:?}");
        assert!(!may_read_editorial(&gone, &[user.id()]), "{role:?}");
        let listed = by_status(&gone, ArticleFilter::default(), vec![ArticleStatus::Draft]);
        assert!(
            matches!(listed, Err(ServiceError::Forbidden(_))),
            "{role:?}: {listed:?}"
        );
    }
}
