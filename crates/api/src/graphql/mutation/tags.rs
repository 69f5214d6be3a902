//! Creating, changing, deleting and merging tags.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use broadsheet_domain::tag::{TagChanges, TagInput as DomainTagInput};

use super::tag_id;
use crate::graphql::context::request;
use crate::graphql::error::ApiError;
use crate::graphql::ids::GlobalId;
use crate::graphql::tag::TagNode;

/// A tag's fields. In an update, a field left out stays as it is and `null` clears it.
#[derive(InputObject)]
pub struct TagInput {
    /// Display name; a name starting with `#` makes an internal tag.
    name: String,
    /// Address; derived from the name when absent (on update: kept).
    slug: Option<String>,
    description: MaybeUndefined<String>,
    feature_image: MaybeUndefined<String>,
    meta_title: MaybeUndefined<String>,
    meta_description: MaybeUndefined<String>,
}

/// Left out: keep (`None`); `null`: clear (`Some(None)`); a value: set.
fn change(v: MaybeUndefined<String>) -> Option<Option<String>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

impl TagInput {
    fn into_domain(self) -> DomainTagInput {
        DomainTagInput {
            name: self.name,
            slug: self.slug,
            description: self.description.take(),
            feature_image: self.feature_image.take(),
            meta_title: self.meta_title.take(),
            meta_description: self.meta_description.take(),
        }
    }

    fn into_changes(self) -> TagChanges {
        TagChanges {
            name: Some(self.name),
            slug: self.slug,
            description: change(self.description),
            feature_image: change(self.feature_image),
            meta_title: change(self.meta_title),
            meta_description: change(self.meta_description),
        }
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
        let tag = req
            .service
            .create_tag(&req.viewer, input.into_domain())
            .await
            .map_err(ApiError::from)?;
        Ok(TagPayload { tag: TagNode(tag) })
    }

    /// Changes a tag (editors and up): fields left out of `input` stay as they are; `null`
    /// clears one.
    async fn update_tag(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: TagInput,
    ) -> async_graphql::Result<TagPayload> {
        let req = request(ctx);
        let tag = req
            .service
            .update_tag(&req.viewer, tag_id(&id, "id")?, input.into_changes())
            .await
            .map_err(ApiError::from)?;
        Ok(TagPayload { tag: TagNode(tag) })
    }

    /// Deletes a tag; articles lose it (editors and up).
    async fn delete_tag(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let req = request(ctx);
        let tag = tag_id(&id, "id")?;
        req.service
            .delete_tag(&req.viewer, tag)
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
        let (from, into) = (tag_id(&from, "from")?, tag_id(&into, "into")?);
        let tag = req
            .service
            .merge_tags(&req.viewer, from, into)
            .await
            .map_err(ApiError::from)?;
        Ok(TagPayload { tag: TagNode(tag) })
    }
}
