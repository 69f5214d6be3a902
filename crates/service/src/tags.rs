//! Creating, changing, deleting and merging tags.

use broadsheet_domain::ids::TagId;
use broadsheet_domain::policy::{Action, Ownership};
use broadsheet_domain::tag::{NewTag, Tag, TagChanges, TagInput};
use broadsheet_persistence::{StoreError, tags};

use crate::Service;
use crate::actor::Actor;
use crate::error::ServiceResult;
use crate::events;

impl Service {
    /// Creates a tag (authors and up).
    pub async fn create_tag(&self, actor: &Actor, input: TagInput) -> ServiceResult<Tag> {
        actor.authorize(Action::CreateTag, Ownership::Others)?;
        let new = NewTag::parse(&input)?;
        let (bodies, now) = (self.bodies(), self.now());
        Ok(self
            .store()
            .write(move |c| {
                let tag = tags::create(c, &new, now)?;
                events::record_tag(c, &*bodies, None, Some(&tag), now)?;
                Ok(tag)
            })
            .await?)
    }

    /// Changes a tag (editors and up): what `changes` leaves out stays as it is.
    pub async fn update_tag(
        &self,
        actor: &Actor,
        id: TagId,
        changes: TagChanges,
    ) -> ServiceResult<Tag> {
        actor.authorize(Action::EditTag, Ownership::Others)?;
        let (bodies, now) = (self.bodies(), self.now());
        self.store()
            .transaction(move |c| -> ServiceResult<Tag> {
                let before = tags::get(c, id)?.ok_or_else(|| StoreError::not_found("tag"))?;
                // What is left out stays: validated whole, as the tag will be.
                let tag = NewTag::parse(&changes.applied_to(&before))?;
                let tag = tags::update(c, id, &tag, now)?;
                events::record_tag(c, &*bodies, Some(&before), Some(&tag), now)?;
                Ok(tag)
            })
            .await
    }

    /// Deletes a tag; articles lose it (editors and up).
    pub async fn delete_tag(&self, actor: &Actor, id: TagId) -> ServiceResult<()> {
        actor.authorize(Action::EditTag, Ownership::Others)?;
        let (bodies, now) = (self.bodies(), self.now());
        Ok(self
            .store()
            .write(move |c| {
                let before = tags::get(c, id)?;
                tags::delete(c, id)?;
                events::record_tag(c, &*bodies, before.as_ref(), None, now)
            })
            .await?)
    }

    /// Moves every article of tag `from` to tag `into` and deletes `from` (editors and up).
    pub async fn merge_tags(&self, actor: &Actor, from: TagId, into: TagId) -> ServiceResult<Tag> {
        actor.authorize(Action::EditTag, Ownership::Others)?;
        let (by, bodies, now) = (actor.user_id(), self.bodies(), self.now());
        Ok(self
            .store()
            .write(move |c| {
                let merged = tags::get(c, from)?;
                let tag = tags::merge(c, from, into, by, now)?;
                events::record_tag(c, &*bodies, merged.as_ref(), None, now)?;
                Ok(tag)
            })
            .await?)
    }
}
