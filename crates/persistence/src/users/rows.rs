//! User rows: the whole account, and the public author subset.

use broadsheet_domain::Slug;
use broadsheet_domain::author::{Author, Email, NewUser, PasswordHash, Profile, Role, User};
use broadsheet_domain::ids::AuthorId;
use broadsheet_domain::text::sort_key;
use broadsheet_domain::url::{ImageUrl, WebUrl};
use diesel::prelude::*;

use crate::StoreError;
use crate::articles::stored;
use crate::db::MultiBackend;
use crate::db::sql_types::DbTime;
use crate::db::stored::Stored;
use crate::schema::{article_authors, users};

/// The public columns of a `users` row: what a byline needs, nothing private.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(MultiBackend))]
pub(crate) struct AuthorRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    pub profile_image: Option<String>,
    pub cover_image: Option<String>,
    pub website: Option<String>,
    pub location: Option<String>,
    pub twitter: Option<String>,
    pub facebook: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
}

/// A whole `users` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(MultiBackend))]
pub(crate) struct UserRow {
    #[diesel(embed)]
    pub author: AuthorRow,
    pub email: String,
    pub role: Stored<Role>,
    pub password_hash: Option<String>,
    pub active: bool,
    pub created_at: DbTime,
    pub updated_at: DbTime,
    pub token_version: i64,
}

/// An article's link to an author (`article_authors`), in the article's order.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = article_authors, check_for_backend(MultiBackend))]
pub(crate) struct AuthorLink {
    pub article_id: i64,
    pub user_id: i64,
}

/// How many articles an author has a byline on (read grouped by `user_id`).
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = article_authors, check_for_backend(MultiBackend))]
pub(crate) struct AuthorCount {
    pub user_id: i64,
    #[diesel(
        select_expression = diesel::dsl::count_star(),
        select_expression_type = diesel::dsl::count_star
    )]
    pub articles: i64,
}

/// The public columns an edit of a profile writes.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub(crate) struct ProfileFields<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub sort_name: String,
    pub bio: Option<&'a str>,
    pub profile_image: Option<&'a str>,
    pub cover_image: Option<&'a str>,
    pub website: Option<&'a str>,
    pub location: Option<&'a str>,
    pub twitter: Option<&'a str>,
    pub facebook: Option<&'a str>,
    pub meta_title: Option<&'a str>,
    pub meta_description: Option<&'a str>,
}

impl<'a> ProfileFields<'a> {
    pub fn new(p: &'a Profile, slug: &'a Slug) -> Self {
        Self {
            slug: slug.as_str(),
            name: &p.name,
            sort_name: sort_key(&p.name),
            bio: p.bio.as_deref(),
            profile_image: p.profile_image.as_ref().map(ImageUrl::as_str),
            cover_image: p.cover_image.as_ref().map(ImageUrl::as_str),
            website: p.website.as_ref().map(WebUrl::as_str),
            location: p.location.as_deref(),
            twitter: p.twitter.as_deref(),
            facebook: p.facebook.as_deref(),
            meta_title: p.meta_title.as_deref(),
            meta_description: p.meta_description.as_deref(),
        }
    }
}

/// A new `users` row.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub(crate) struct NewUserRow<'a> {
    #[diesel(embed)]
    pub profile: ProfileFields<'a>,
    pub email: &'a str,
    pub role: Stored<Role>,
    pub password_hash: Option<&'a str>,
    pub active: bool,
    pub created_at: DbTime,
    pub updated_at: DbTime,
}

impl<'a> NewUserRow<'a> {
    pub fn new(u: &'a NewUser, slug: &'a Slug, now: DbTime) -> Self {
        Self {
            profile: ProfileFields::new(&u.profile, slug),
            email: u.email.as_str(),
            role: Stored(u.role),
            password_hash: u.password_hash.as_ref().map(PasswordHash::as_phc),
            active: true,
            created_at: now,
            updated_at: now,
        }
    }
}

impl TryFrom<AuthorRow> for Author {
    type Error = StoreError;

    fn try_from(r: AuthorRow) -> Result<Self, StoreError> {
        let image = |field, v: Option<String>| {
            v.map(|v| ImageUrl::parse(field, &v))
                .transpose()
                .map_err(stored)
        };
        Ok(Author {
            id: AuthorId(r.id),
            slug: Slug::parse(&r.slug).map_err(stored)?,
            profile: Profile {
                name: r.name,
                bio: r.bio,
                profile_image: image("profile_image", r.profile_image)?,
                cover_image: image("cover_image", r.cover_image)?,
                website: r
                    .website
                    .map(|w| WebUrl::parse("website", &w))
                    .transpose()
                    .map_err(stored)?,
                location: r.location,
                twitter: r.twitter,
                facebook: r.facebook,
                meta_title: r.meta_title,
                meta_description: r.meta_description,
            },
        })
    }
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            author: Author::try_from(r.author)?,
            email: Email::parse(&r.email).map_err(stored)?,
            role: r.role.0,
            password_hash: r
                .password_hash
                .map(|h| PasswordHash::from_phc(&h))
                .transpose()
                .map_err(stored)?,
            active: r.active,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
            token_version: r.token_version,
        })
    }
}
