//! Tag rows and their conversion to the domain type.

use broadsheet_domain::Slug;
use broadsheet_domain::ids::TagId;
use broadsheet_domain::tag::{NewTag, Tag, TagName, Visibility};
use broadsheet_domain::text::sort_key;
use broadsheet_domain::url::ImageUrl;
use diesel::prelude::*;

use crate::StoreError;
use crate::articles::stored;
use crate::db::MultiBackend;
use crate::db::sql_types::DbTime;
use crate::db::stored::Stored;
use crate::schema::{article_tags, tags};

/// A `tags` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = tags, check_for_backend(MultiBackend))]
pub(crate) struct TagRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub feature_image: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub created_at: DbTime,
    pub updated_at: DbTime,
}

/// An article's link to a tag (`article_tags`), in the article's order.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = article_tags, check_for_backend(MultiBackend))]
pub(crate) struct TagLink {
    pub article_id: i64,
    pub tag_id: i64,
}

/// How many articles carry a tag (read grouped by `tag_id`).
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = article_tags, check_for_backend(MultiBackend))]
pub(crate) struct TagCount {
    pub tag_id: i64,
    #[diesel(
        select_expression = diesel::dsl::count_star(),
        select_expression_type = diesel::dsl::count_star
    )]
    pub articles: i64,
}

/// The columns a tag edit writes.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = tags, treat_none_as_null = true)]
pub(crate) struct TagFields<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub sort_name: String,
    pub visibility: Stored<Visibility>,
    pub description: Option<&'a str>,
    pub feature_image: Option<&'a str>,
    pub meta_title: Option<&'a str>,
    pub meta_description: Option<&'a str>,
}

impl<'a> TagFields<'a> {
    pub fn new(tag: &'a NewTag, slug: &'a Slug) -> Self {
        Self {
            slug: slug.as_str(),
            name: tag.name.as_str(),
            sort_name: sort_key(tag.name.as_str()),
            visibility: Stored(tag.name.visibility()),
            description: tag.description.as_deref(),
            feature_image: tag.feature_image.as_ref().map(ImageUrl::as_str),
            meta_title: tag.meta_title.as_deref(),
            meta_description: tag.meta_description.as_deref(),
        }
    }
}

impl TryFrom<TagRow> for Tag {
    type Error = StoreError;

    fn try_from(r: TagRow) -> Result<Self, StoreError> {
        Ok(Tag {
            id: TagId(r.id),
            slug: Slug::parse(&r.slug).map_err(stored)?,
            name: TagName::parse(&r.name).map_err(stored)?,
            description: r.description,
            feature_image: r
                .feature_image
                .map(|u| ImageUrl::parse("feature_image", &u))
                .transpose()
                .map_err(stored)?,
            meta_title: r.meta_title,
            meta_description: r.meta_description,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}
