//! Writing, publishing and deleting articles; their tags, authors and related links.
//!
//! Each change runs in one transaction that reads the article as it stands (locked against
//! other writers), decides whether the actor may make it, makes it, and records the events it
//! announces. Articles are named by their public id (`Uuid`), as clients know them.

use broadsheet_domain::article::{
    Article, ArticleInput, ArticlePatch, ArticleStatus, NewArticle, Publication,
};
use broadsheet_domain::ids::{ArticleId, AuthorId, TagId};
use broadsheet_domain::policy::{Action, Ownership};
use broadsheet_domain::related::NewRelatedLink;
use broadsheet_domain::time::{Timestamp, check_storable, truncate};
use broadsheet_persistence::{AnyConnection, articles, related, users};
use uuid::Uuid;

use crate::Service;
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, EventBodies};

/// An article about to be changed, as it stands, and whose it is.
struct Editing {
    article: Article,
    ownership: Ownership,
}

impl Editing {
    /// Reads the article `uuid` for a change by `actor`, locked until the transaction ends.
    fn load(c: &mut AnyConnection, actor: &Actor, uuid: Uuid) -> ServiceResult<Self> {
        if !actor.is_staff() {
            return Err(ServiceError::Unauthenticated("sign in to do this"));
        }
        let article = find(c, uuid, "article")?;
        let article =
            articles::get_for_change(c, article)?.ok_or(ServiceError::NotFound("article"))?;
        let owners = owners(c, article.id)?;
        Ok(Self {
            ownership: actor.ownership(&owners),
            article,
        })
    }

    fn is_draft(&self) -> bool {
        self.article.publication.status() == ArticleStatus::Draft
    }

    /// The right needed to change this article's content: a draft's or a published one's.
    fn edit_action(&self) -> Action {
        if self.is_draft() {
            Action::EditDraft
        } else {
            Action::EditPublished
        }
    }

    /// `Ok` if `actor` may change this article's content.
    fn authorize_edit(&self, actor: &Actor) -> ServiceResult<()> {
        actor.authorize(self.edit_action(), self.ownership)
    }

    /// This article at the version the client saw (a save then conflicts if it moved).
    fn as_seen(&self, expected_version: i64) -> Article {
        let mut a = self.article.clone();
        a.version = expected_version;
        a
    }
}

/// The row id of the article `uuid`, or NOT_FOUND naming `what`.
fn find(c: &mut AnyConnection, uuid: Uuid, what: &'static str) -> ServiceResult<ArticleId> {
    Ok(articles::by_uuid(c, uuid)?
        .ok_or(ServiceError::NotFound(what))?
        .id)
}

/// The authors of article `id`.
pub(crate) fn owners(c: &mut AnyConnection, id: ArticleId) -> ServiceResult<Vec<AuthorId>> {
    Ok(users::of_articles(c, &[id])?
        .remove(&id)
        .unwrap_or_default()
        .iter()
        .map(|a| a.id)
        .collect())
}

/// Saves `revised` over `before` and records what it announces.
fn save(
    c: &mut AnyConnection,
    bodies: &dyn EventBodies,
    before: &Article,
    revised: &Article,
    by: Option<AuthorId>,
    now: Timestamp,
) -> ServiceResult<Article> {
    let after = articles::update(c, revised, by, now)?;
    events::record_article(c, bodies, Some(before), Some(&after), now)?;
    Ok(after)
}

/// When an article may be published at: now, or `at` when it is in the past (backdated).
fn publication_time(at: Option<Timestamp>, now: Timestamp) -> ServiceResult<Timestamp> {
    match at {
        Some(at) if at > now => Err(ServiceError::invalid(
            "publishedAt",
            "is in the future: use scheduleArticle",
        )),
        Some(at) => Ok(truncate(check_storable("publishedAt", at)?)),
        None => Ok(now),
    }
}

/// When a scheduled article goes out: `at`, which must be in the future.
fn schedule_time(
    field: &'static str,
    at: Option<Timestamp>,
    now: Timestamp,
) -> ServiceResult<Timestamp> {
    match at {
        Some(at) if at > now => Ok(truncate(check_storable(field, at)?)),
        _ => Err(ServiceError::invalid(
            field,
            "a scheduled article needs a time in the future",
        )),
    }
}

impl Service {
    /// Creates an article: a draft unless `input.status` says otherwise (which needs the right
    /// to publish; a scheduled article needs a future time, a published one a past time or
    /// none, as when scheduling or publishing). `authors` default to the actor.
    pub async fn create_article(
        &self,
        actor: &Actor,
        mut input: ArticleInput,
        authors: Option<Vec<AuthorId>>,
    ) -> ServiceResult<Article> {
        let now = self.now();
        let me = actor.user_id();
        if !actor.is_staff() {
            return Err(ServiceError::Unauthenticated("sign in to do this"));
        }
        input.authors = match (authors, me) {
            (Some(authors), _) => authors,
            (None, Some(me)) => vec![me],
            (None, None) => Vec::new(),
        };
        let ownership = actor.ownership(&input.authors);
        actor.authorize(Action::CreateArticle, ownership)?;
        if input.status != ArticleStatus::Draft {
            actor.authorize(Action::Publish, ownership)?;
        }
        // Creating an article as scheduled or published is scheduling or publishing it, under
        // the same rules for its time.
        match input.status {
            ArticleStatus::Scheduled => {
                schedule_time("publishedAt", input.published_at, now)?;
            }
            ArticleStatus::Published => {
                publication_time(input.published_at, now)?;
            }
            ArticleStatus::Draft => {}
        }
        let new = NewArticle::parse(&input, now)?;
        let bodies = self.bodies();
        self.store()
            .transaction(move |c| {
                let created = articles::create(c, &new, me, now)?;
                events::record_article(c, &*bodies, None, Some(&created), now)?;
                Ok(created)
            })
            .await
    }

    /// Changes an article's fields. `expected_version` is the version the client last saw: if
    /// someone saved since, nothing changes (a stale-version conflict).
    pub async fn update_article(
        &self,
        actor: &Actor,
        article: Uuid,
        expected_version: i64,
        patch: ArticlePatch,
    ) -> ServiceResult<Article> {
        self.edit(actor, article, move |editing, _| {
            Ok(editing.as_seen(expected_version).revise(&patch)?)
        })
        .await
    }

    /// Publishes now, or at `published_at` if that is in the past (a backdated article).
    pub async fn publish_article(
        &self,
        actor: &Actor,
        article: Uuid,
        expected_version: i64,
        published_at: Option<Timestamp>,
    ) -> ServiceResult<Article> {
        let at = publication_time(published_at, self.now())?;
        self.set_publication(actor, article, expected_version, Publication::Published(at))
            .await
    }

    /// Schedules the article to be published at `publish_at`, which must be in the future.
    pub async fn schedule_article(
        &self,
        actor: &Actor,
        article: Uuid,
        expected_version: i64,
        publish_at: Timestamp,
    ) -> ServiceResult<Article> {
        let at = schedule_time("publishAt", Some(publish_at), self.now())?;
        self.set_publication(actor, article, expected_version, Publication::Scheduled(at))
            .await
    }

    /// Takes the article back to draft.
    pub async fn unpublish_article(
        &self,
        actor: &Actor,
        article: Uuid,
        expected_version: i64,
    ) -> ServiceResult<Article> {
        self.set_publication(actor, article, expected_version, Publication::Draft)
            .await
    }

    /// Brings back the words (title, standfirst, body) of an earlier version, as a new version.
    pub async fn restore_revision(
        &self,
        actor: &Actor,
        article: Uuid,
        version: i64,
        expected_version: i64,
    ) -> ServiceResult<Article> {
        self.edit(actor, article, move |editing, c| {
            let revision = articles::revision_at(c, editing.article.id, version)?
                .ok_or(ServiceError::NotFound("revision"))?;
            Ok(editing.as_seen(expected_version).restore(&revision)?)
        })
        .await
    }

    /// Ends every preview link made so far for the article; links made afterwards work.
    pub async fn revoke_preview_links(
        &self,
        actor: &Actor,
        article: Uuid,
    ) -> ServiceResult<Article> {
        let actor = actor.clone();
        self.store()
            .transaction(move |c| {
                let editing = Editing::load(c, &actor, article)?;
                editing.authorize_edit(&actor)?;
                articles::revoke_previews(c, editing.article.id)?;
                Ok(editing.article)
            })
            .await
    }

    /// Deletes the article with its links both ways; returns its public id.
    pub async fn delete_article(&self, actor: &Actor, article: Uuid) -> ServiceResult<Uuid> {
        let (actor, bodies, now) = (actor.clone(), self.bodies(), self.now());
        self.store()
            .transaction(move |c| {
                let editing = Editing::load(c, &actor, article)?;
                let action = if editing.is_draft() {
                    Action::DeleteDraft
                } else {
                    Action::DeletePublished
                };
                actor.authorize(action, editing.ownership)?;
                // Rendered before the article and its links are gone.
                let announcement = events::article(c, &*bodies, Some(&editing.article), None, now)?;
                articles::delete(c, editing.article.id)?;
                if let Some(announcement) = announcement {
                    announcement.record(c, now)?;
                }
                Ok(editing.article.uuid)
            })
            .await
    }

    /// Replaces the article's tags with `tags`, in order.
    pub async fn set_article_tags(
        &self,
        actor: &Actor,
        article: Uuid,
        tags: Vec<TagId>,
        expected_version: Option<i64>,
    ) -> ServiceResult<Article> {
        let (actor, bodies, now) = (actor.clone(), self.bodies(), self.now());
        self.store()
            .transaction(move |c| {
                let editing = Editing::load(c, &actor, article)?;
                editing.authorize_edit(&actor)?;
                let saved = articles::set_tags_at(
                    c,
                    editing.article.id,
                    &tags,
                    expected_version,
                    actor.user_id(),
                    now,
                )?;
                events::record_article(c, &*bodies, Some(&editing.article), Some(&saved), now)?;
                Ok(saved)
            })
            .await
    }

    /// Replaces the article's authors with `authors`, in order. Handing an article to others
    /// is editing others' articles: contributors and authors must stay among them.
    pub async fn set_article_authors(
        &self,
        actor: &Actor,
        article: Uuid,
        authors: Vec<AuthorId>,
        expected_version: Option<i64>,
    ) -> ServiceResult<Article> {
        let (actor, bodies, now) = (actor.clone(), self.bodies(), self.now());
        self.store()
            .transaction(move |c| {
                let editing = Editing::load(c, &actor, article)?;
                editing.authorize_edit(&actor)?;
                actor.authorize(editing.edit_action(), actor.ownership(&authors))?;
                let saved = articles::set_authors_at(
                    c,
                    editing.article.id,
                    &authors,
                    expected_version,
                    actor.user_id(),
                    now,
                )?;
                events::record_article(c, &*bodies, Some(&editing.article), Some(&saved), now)?;
                Ok(saved)
            })
            .await
    }

    /// Adds a curated related article at the end of the list.
    pub async fn add_related_article(
        &self,
        actor: &Actor,
        article: Uuid,
        related_article: Uuid,
        note: Option<String>,
    ) -> ServiceResult<Article> {
        self.change_related(actor, article, move |c, from| {
            let to = find(c, related_article, "related article")?;
            let link = NewRelatedLink::new(from, to, note.as_deref())?;
            related::add(c, &link)?;
            Ok(())
        })
        .await
    }

    /// Removes a curated related article.
    pub async fn remove_related_article(
        &self,
        actor: &Actor,
        article: Uuid,
        related_article: Uuid,
    ) -> ServiceResult<Article> {
        self.change_related(actor, article, move |c, from| {
            let to = find(c, related_article, "related article")?;
            Ok(related::remove(c, from, to)?)
        })
        .await
    }

    /// Puts the curated related articles in this order (each exactly once).
    pub async fn reorder_related_articles(
        &self,
        actor: &Actor,
        article: Uuid,
        order: Vec<Uuid>,
    ) -> ServiceResult<Article> {
        self.change_related(actor, article, move |c, from| {
            let order = order
                .into_iter()
                .map(|uuid| find(c, uuid, "related article"))
                .collect::<ServiceResult<Vec<_>>>()?;
            related::reorder(c, from, &order)?;
            Ok(())
        })
        .await
    }

    /// Revises the article `uuid` with `revise` (given the article as it stands) and saves it,
    /// for an actor who may edit it.
    async fn edit(
        &self,
        actor: &Actor,
        uuid: Uuid,
        revise: impl FnOnce(&Editing, &mut AnyConnection) -> ServiceResult<Article> + Send + 'static,
    ) -> ServiceResult<Article> {
        let (actor, bodies, now) = (actor.clone(), self.bodies(), self.now());
        self.store()
            .transaction(move |c| {
                let editing = Editing::load(c, &actor, uuid)?;
                editing.authorize_edit(&actor)?;
                let revised = revise(&editing, c)?;
                save(
                    c,
                    &*bodies,
                    &editing.article,
                    &revised,
                    actor.user_id(),
                    now,
                )
            })
            .await
    }

    /// Gives the article a new publication state, at the version the client saw.
    async fn set_publication(
        &self,
        actor: &Actor,
        uuid: Uuid,
        expected_version: i64,
        publication: Publication,
    ) -> ServiceResult<Article> {
        let (actor, bodies, now) = (actor.clone(), self.bodies(), self.now());
        self.store()
            .transaction(move |c| {
                let editing = Editing::load(c, &actor, uuid)?;
                actor.authorize(Action::Publish, editing.ownership)?;
                let mut revised = editing.as_seen(expected_version);
                revised.publication = publication;
                save(
                    c,
                    &*bodies,
                    &editing.article,
                    &revised,
                    actor.user_id(),
                    now,
                )
            })
            .await
    }

    /// Changes the article's curated links with `change`, for those who may.
    async fn change_related(
        &self,
        actor: &Actor,
        uuid: Uuid,
        change: impl FnOnce(&mut AnyConnection, ArticleId) -> ServiceResult<()> + Send + 'static,
    ) -> ServiceResult<Article> {
        let actor = actor.clone();
        self.store()
            .transaction(move |c| {
                let editing = Editing::load(c, &actor, uuid)?;
                actor.authorize(Action::ManageRelated, editing.ownership)?;
                change(c, editing.article.id)?;
                Ok(editing.article)
            })
            .await
    }
}
