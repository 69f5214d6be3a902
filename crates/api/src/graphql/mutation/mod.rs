//! Changes, for signed-in staff. Each mutation authorizes against the role policy, calls the
//! store in one transaction, and returns what it changed.

mod admin;
mod articles;
mod session;
mod staff;
mod tags;

use async_graphql::{ID, MergedObject};
use broadsheet_domain::ids::{AuthorId, TagId};
use uuid::Uuid;

use super::error::{ApiError, ApiResult};
use super::ids::GlobalId;

/// Every mutation.
#[derive(MergedObject, Default)]
pub struct Mutation(
    session::SessionMutations,
    articles::ArticleMutations,
    tags::TagMutations,
    staff::StaffMutations,
    admin::AdminMutations,
);

/// An article's public id from its global id.
fn article_id(id: &ID, field: &'static str) -> ApiResult<Uuid> {
    match GlobalId::decode(id, field)? {
        GlobalId::Article(uuid) => Ok(uuid),
        _ => Err(ApiError::bad_input(field, "is not an article id")),
    }
}

/// A tag id from its global id.
fn tag_id(id: &ID, field: &'static str) -> ApiResult<TagId> {
    match GlobalId::decode(id, field)? {
        GlobalId::Tag(tag) => Ok(tag),
        _ => Err(ApiError::bad_input(field, "is not a tag id")),
    }
}

/// A user id from its global id (a user's id is their author id).
fn author_id(id: &ID, field: &'static str) -> ApiResult<AuthorId> {
    match GlobalId::decode(id, field)? {
        GlobalId::Author(author) => Ok(author),
        _ => Err(ApiError::bad_input(field, "is not an author id")),
    }
}
