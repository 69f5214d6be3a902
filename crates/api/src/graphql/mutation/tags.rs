//! Creating, changing, deleting and merging tags.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use broadsheet_domain::policy::{Action, Ownership};
use broadsheet_domain::tag::{NewTag, TagInput as DomainTagInput};
use broadsheet_persistence::tags;

use super::tag_id;
use crate::graphql::context::request;
use crate::graphql::error::ApiError;
use crate::graphql::ids::GlobalId;
use crate::graphql::tag::TagNode;
use crate::webhooks::outbox;

/// A tag's fields.
#[derive(InputObject)]
pub struct TagInput {
    /// Display name; a name starting with `#` makes an internal tag.
    name: String,
    /// Address; derived from the name when absent (on update: kept).
    slug: Option<String>,
    description: Option<String>,
    feature_image: Option<String>,
    meta_title: Option<String>,
    meta_description: Option<String>,
}

impl TagInput {
    fn parse(self) -> Result<NewTag, ApiError> {
        Ok(NewTag::parse(&DomainTagInput {
            name: self.name,
            slug: self.slug,
            description: self.description,
            feature_image: self.feature_image,
            meta_title: self.meta_title,
            meta_description: self.meta_description,
        })?)
    }
}

/// The changed tag.
#[derive(SimpleObject)]
pub struct TagPayload {
    /// As saved.
    tag: TagNode,
}

#[derive(Default)]
pub struct TagMutations;

#[Object]
impl TagMutations {
    /// Creates a tag (authors and up).
    async fn create_tag(
        &self,
        ctx: &Context<'_>,
        input: TagInput,
    ) -> async_graphql::Result<TagPayload> {
        let req = request(ctx);
        req.viewer.authorize(Action::CreateTag, Ownership::Others)?;
        let new = input.parse()?;
        let (site, now) = (req.site.clone(), req.now);
        let tag = req
            .store
            .write(move |c| {
                let tag = tags::create(c, &new, now)?;
                outbox::record_tag(c, &site, None, Some(&tag), now)?;
                Ok(tag)
            })
            .await
            .map_err(ApiError::from)?;
        Ok(TagPayload { tag: TagNode(tag) })
    }

    /// Replaces a tag's fields (editors and up).
    async fn update_tag(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: TagInput,
    ) -> async_graphql::Result<TagPayload> {
        let req = request(ctx);
        req.viewer.authorize(Action::EditTag, Ownership::Others)?;
        let (id, changes, now) = (tag_id(&id, "id")?, input.parse()?, req.now);
        let site = req.site.clone();
        let tag = req
            .store
            .write(move |c| {
                let before = tags::get(c, id)?;
                let tag = tags::update(c, id, &changes, now)?;
                outbox::record_tag(c, &site, before.as_ref(), Some(&tag), now)?;
                Ok(tag)
            })
            .await
            .map_err(ApiError::from)?;
        Ok(TagPayload { tag: TagNode(tag) })
    }

    /// Deletes a tag; articles lose it (editors and up).
    async fn delete_tag(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let req = request(ctx);
        req.viewer.authorize(Action::EditTag, Ownership::Others)?;
        let tag = tag_id(&id, "id")?;
        let (site, now) = (req.site.clone(), req.now);
        req.store
            .write(move |c| {
                let before = tags::get(c, tag)?;
                tags::delete(c, tag)?;
                outbox::record_tag(c, &site, before.as_ref(), None, now)
            })
            .await
            .map_err(ApiError::from)?;
        Ok(GlobalId::Tag(tag).encode().into())
    }

    /// Moves every article of tag `from` to tag `into` and deletes `from` (editors and up).
    async fn merge_tags(
        &self,
        ctx: &Context<'_>,
        from: ID,
        into: ID,
    ) -> async_graphql::Result<TagPayload> {
        let req = request(ctx);
        let me = req
            .viewer
            .authorize(Action::EditTag, Ownership::Others)?
            .id();
        let (from, into, now) = (tag_id(&from, "from")?, tag_id(&into, "into")?, req.now);
        let site = req.site.clone();
        let tag = req
            .store
            .write(move |c| {
                let merged = tags::get(c, from)?;
                let tag = tags::merge(c, from, into, Some(me), now)?;
                outbox::record_tag(c, &site, merged.as_ref(), None, now)?;
                Ok(tag)
            })
            .await
            .map_err(ApiError::from)?;
        Ok(TagPayload { tag: TagNode(tag) })
    }
}
