//! What an actor may read: the public sees what is live; staff see unpublished things their
//! role lets them read. The transports load what they show (batched, cached) and ask these
//! functions; they decide nothing themselves.

use broadsheet_domain::article::{Article, ArticleStatus};
use broadsheet_domain::ids::AuthorId;
use broadsheet_domain::listing::ArticleFilter;
use broadsheet_domain::policy::{Action, Ownership};
use broadsheet_domain::time::Timestamp;

use crate::actor::Actor;
use crate::error::ServiceResult;

/// Whether `actor` may read `article` (whose authors are `owners`) at `now`: it is live, or
/// it is a draft the actor's role lets them read.
pub fn may_read(actor: &Actor, article: &Article, owners: &[AuthorId], now: Timestamp) -> bool {
    article.publication.is_live_at(now) || actor.may_view_drafts_of(owners)
}

/// Whether `actor` may read the editorial side of an article by `owners` (its version,
/// Markdown source, revisions, preview links).
pub fn may_read_editorial(actor: &Actor, owners: &[AuthorId]) -> bool {
    actor.may_view_drafts_of(owners)
}

/// Whether `actor` may read anything unpublished at all (so whether loading an article's
/// owners is worth it).
pub fn may_read_unpublished(actor: &Actor) -> bool {
    actor.is_staff()
}

/// Narrows a public article `filter` to what `actor` may list when they ask for articles by
/// status (`statuses`): every status for those who may read others' drafts, only their own
/// for those who may read their own, UNAUTHENTICATED or FORBIDDEN otherwise.
pub fn by_status(
    actor: &Actor,
    mut filter: ArticleFilter,
    statuses: Vec<ArticleStatus>,
) -> ServiceResult<ArticleFilter> {
    filter.live_at = None;
    filter.statuses = statuses;
    if !actor.may(Action::ViewDraft, Ownership::Others) {
        actor.authorize(Action::ViewDraft, Ownership::Own)?;
        filter.author = actor.user_id();
    }
    Ok(filter)
}
