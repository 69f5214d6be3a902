//! Creating, changing, deleting and merging tags.

use broadsheet_domain::ids::TagId;
use broadsheet_domain::policy::{Action, Ownership};
use broadsheet_domain::tag::{NewTag, Tag, TagInput};
use broadsheet_persistence::tags;

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

    /// Replaces a tag's fields (editors and up).
    pub async fn update_tag(
        &self,
        actor: &Actor,
        id: TagId,
        input: TagInput,
    ) -> ServiceResult<Tag> {
        actor.authorize(Action::EditTag, Ownership::Others)?;
        let changes = NewTag::parse(&input)?;
        let (bodies, now) = (self.bodies(), self.now());
        Ok(self
            .store()
            .write(move |c| {
                let before = tags::get(c, id)?;
                let tag = tags::update(c, id, &changes, now)?;
                events::record_tag(c, &*bodies, before.as_ref(), Some(&tag), now)?;
                Ok(tag)
            })
            .await?)
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
