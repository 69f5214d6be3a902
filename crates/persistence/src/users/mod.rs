//! User queries: accounts for the editorial API, authors for the public.

mod public;
mod rows;

use std::collections::HashMap;

use broadsheet_domain::Slug;
use broadsheet_domain::author::{Author, Email, NewUser, PasswordHash, Profile, Role, User};
use broadsheet_domain::ids::{ArticleId, AuthorId};
use broadsheet_domain::listing::{NameCursor, Page, PageRequest};
use broadsheet_domain::time::Timestamp;
use diesel::dsl::AsSelect;
use diesel::prelude::*;

pub use public::public_page;
use rows::{AuthorCount, AuthorLink, AuthorRow, NewUserRow, ProfileFields, UserRow};

use crate::articles::literal_limit;
use crate::db::sql_types::DbTime;
use crate::db::stored::Stored;
use crate::db::{AnyConnection, MultiBackend};
use crate::raw::LimitedDsl;
use crate::schema::{article_authors, articles, author_counts, users};
use crate::{StoreError, keyset, slugs};

fn select_user() -> AsSelect<UserRow, MultiBackend> {
    UserRow::as_select()
}

fn select_author() -> AsSelect<AuthorRow, MultiBackend> {
    AuthorRow::as_select()
}

fn returned() -> <UserRow as Selectable<MultiBackend>>::SelectExpression {
    <UserRow as Selectable<MultiBackend>>::construct_selection()
}

/// Stores a new account. A derived slug gets a numeric suffix if taken; a slug asked for, or
/// an email, that is taken is a conflict.
pub fn create(conn: &mut AnyConnection, new: &NewUser, now: Timestamp) -> Result<User, StoreError> {
    conn.transaction(|c| {
        let slug = match &new.slug {
            Some(slug) => slug.clone(),
            None => free_slug(c, &Slug::derive(&new.profile.name, "author"))?,
        };
        let row: UserRow = diesel::insert_into(users::table)
            .values(NewUserRow::new(new, &slug, DbTime(now)))
            .returning(returned())
            .get_result(c)?;
        User::try_from(row)
    })
}

fn free_slug(c: &mut AnyConnection, base: &Slug) -> Result<Slug, StoreError> {
    slugs::free(c, slugs::SlugTable::Users, base)
}

/// Every account, integrations' included, oldest first: what operators see
/// (`broadsheet user list`).
pub fn list(conn: &mut AnyConnection) -> Result<Vec<User>, StoreError> {
    users::table
        .order(users::id.asc())
        .select(select_user())
        .load::<UserRow>(conn)?
        .into_iter()
        .map(User::try_from)
        .collect()
}

/// The account with this id.
pub fn get(conn: &mut AnyConnection, id: AuthorId) -> Result<Option<User>, StoreError> {
    users::table
        .find(id.0)
        .select(select_user())
        .first(conn)
        .optional()?
        .map(User::try_from)
        .transpose()
}

/// The account with this sign-in address.
pub fn by_email(conn: &mut AnyConnection, email: &Email) -> Result<Option<User>, StoreError> {
    users::table
        .filter(users::email.eq(email.as_str()))
        .select(select_user())
        .first(conn)
        .optional()?
        .map(User::try_from)
        .transpose()
}

/// The author at this slug.
pub fn author_by_slug(conn: &mut AnyConnection, slug: &Slug) -> Result<Option<Author>, StoreError> {
    users::table
        .filter(users::slug.eq(slug.as_str()))
        .select(select_author())
        .first(conn)
        .optional()?
        .map(Author::try_from)
        .transpose()
}

/// The authors with these ids, in one statement.
pub fn authors_by_ids(
    conn: &mut AnyConnection,
    ids: &[AuthorId],
) -> Result<HashMap<AuthorId, Author>, StoreError> {
    let raw: Vec<i64> = ids.iter().map(|a| a.0).collect();
    users::table
        .filter(crate::db::in_ids(users::id, raw))
        .select(select_author())
        .load::<AuthorRow>(conn)?
        .into_iter()
        .map(|r| Author::try_from(r).map(|a| (a.id, a)))
        .collect()
}

/// Writes `$values` and the update time to one user, returning the account.
macro_rules! update_user {
    ($conn:expr, $id:expr, $now:expr, $values:expr) => {
        diesel::update(users::table.find($id.0))
            .set(($values, users::updated_at.eq(DbTime($now))))
            .returning(returned())
            .get_result::<UserRow>($conn)
            .optional()?
            .ok_or_else(|| StoreError::not_found("user"))
            .and_then(User::try_from)
    };
}

/// Replaces the public profile. With no slug, the slug stays as it is.
pub fn update_profile(
    conn: &mut AnyConnection,
    id: AuthorId,
    profile: &Profile,
    slug: Option<&Slug>,
    now: Timestamp,
) -> Result<User, StoreError> {
    conn.transaction(|c| {
        let current = get(c, id)?.ok_or_else(|| StoreError::not_found("user"))?;
        let slug = slug.cloned().unwrap_or(current.author.slug);
        update_user!(c, id, now, ProfileFields::new(profile, &slug))
    })
}

/// Changes what the user may do.
pub fn set_role(
    conn: &mut AnyConnection,
    id: AuthorId,
    role: Role,
    now: Timestamp,
) -> Result<User, StoreError> {
    // A new role ends the tokens that carry the old one.
    update_user!(
        conn,
        id,
        now,
        (
            users::role.eq(Stored(role)),
            users::token_version.eq(users::token_version + 1)
        )
    )
}

/// Sets or removes (`None`: the user can no longer sign in) the password.
pub fn set_password(
    conn: &mut AnyConnection,
    id: AuthorId,
    hash: Option<&PasswordHash>,
    now: Timestamp,
) -> Result<User, StoreError> {
    // A new password ends every token issued under the old one.
    update_user!(
        conn,
        id,
        now,
        (
            users::password_hash.eq(hash.map(PasswordHash::as_phc)),
            users::token_version.eq(users::token_version + 1)
        )
    )
}

/// Activates or deactivates the account. A deactivated user cannot sign in; their bylines
/// stay.
pub fn set_active(
    conn: &mut AnyConnection,
    id: AuthorId,
    active: bool,
    now: Timestamp,
) -> Result<User, StoreError> {
    // Deactivation ends every token at once (and reactivation does not revive them).
    update_user!(
        conn,
        id,
        now,
        (
            users::active.eq(active),
            users::token_version.eq(users::token_version + 1)
        )
    )
}

/// Deletes an account that has no bylines. One that has is a conflict: deactivate it
/// instead, so that no article loses its author.
pub fn delete(conn: &mut AnyConnection, id: AuthorId) -> Result<(), StoreError> {
    conn.transaction(|c| {
        let bylines: i64 = article_authors::table
            .filter(article_authors::user_id.eq(id.0))
            .count()
            .get_result(c)?;
        if bylines > 0 {
            return Err(StoreError::conflict(
                "id",
                format!("the user is the author of {bylines} articles; deactivate them instead"),
            ));
        }
        match diesel::delete(users::table.find(id.0)).execute(c)? {
            0 => Err(StoreError::not_found("user")),
            _ => Ok(()),
        }
    })
}

/// The email domain of the accounts integration keys act as. They are staff accounts (so
/// that roles and policy apply to integrations unchanged) but not people: author listings
/// leave them out.
pub const INTEGRATION_EMAIL_DOMAIN: &str = "integrations.invalid";

/// Whether the account with this address is one an integration key acts as, not a person.
pub fn is_integration(email: &Email) -> bool {
    email
        .as_str()
        .strip_suffix(INTEGRATION_EMAIL_DOMAIN)
        .is_some_and(|local| local.ends_with('@'))
}

fn integration_pattern() -> String {
    format!("%@{INTEGRATION_EMAIL_DOMAIN}")
}

/// One page of authors by name, A to Z (integrations' accounts left out).
pub fn list_authors(
    conn: &mut AnyConnection,
    page: &PageRequest<NameCursor>,
) -> Result<Page<Author>, StoreError> {
    let (forward, size, cursor) = page.parts();
    let q = users::table
        .filter(users::email.not_like(integration_pattern()))
        .select(select_author())
        .into_boxed();
    let q = keyset::by_name!(q, users::sort_name, users::id, forward, cursor);
    let rows: Vec<AuthorRow> = q.limited(literal_limit(size)).load(conn)?;
    Page::from_walk(rows, size, forward, cursor.is_some()).try_map(Author::try_from)
}

/// Whom the public may see at `now`: active people (not integrations) with at least one
/// live article. Everyone else (staff who have published nothing, deactivated accounts,
/// integrations) is, to the public, nobody: their bylines on live articles stay, but they are
/// not listed, nor found by slug or id.
///
/// Read from the kept counts (`author_counts`, see [`crate::tallies`]): an author with a
/// published article, or one of `due`, the few with a scheduled article due at `now` (as
/// [`crate::tallies::authors_due`] read them). The statement then holds no instant, so that
/// PostgreSQL keeps one plan for it; a correlated `EXISTS` over the links with `now` bound was
/// planned again on every run (0.4-0.6 ms) and walked every author's links (1.7 ms at 100k).
fn public_authors(due: &[(i64, i64)]) -> users::BoxedQuery<'static, MultiBackend> {
    let published = users::id.eq_any(
        author_counts::table
            .filter(author_counts::published.gt(0))
            .select(author_counts::user_id),
    );
    let q = users::table
        .filter(users::active.eq(true))
        .filter(users::email.not_like(integration_pattern()))
        .into_boxed();
    if due.is_empty() {
        q.filter(published)
    } else {
        q.filter(published.or(crate::db::in_ids(users::id, due.iter().map(|(id, _)| *id))))
    }
}

/// [`public_authors`] at `now`.
fn public_authors_at(
    conn: &mut AnyConnection,
    now: Timestamp,
) -> Result<users::BoxedQuery<'static, MultiBackend>, StoreError> {
    Ok(public_authors(&crate::tallies::authors_due(conn, now)?))
}

/// One page of the public's authors (see [`public_authors`]) by name, A to Z.
pub fn list_public_authors(
    conn: &mut AnyConnection,
    page: &PageRequest<NameCursor>,
    now: Timestamp,
) -> Result<Page<Author>, StoreError> {
    let (forward, size, cursor) = page.parts();
    let q = public_authors_at(conn, now)?.select(select_author());
    let q = keyset::by_name!(q, users::sort_name, users::id, forward, cursor);
    let rows: Vec<AuthorRow> = q.limited(literal_limit(size)).load(conn)?;
    Page::from_walk(rows, size, forward, cursor.is_some()).try_map(Author::try_from)
}

/// How many authors the public sees at `now`.
pub fn count_public(conn: &mut AnyConnection, now: Timestamp) -> Result<i64, StoreError> {
    Ok(public_authors_at(conn, now)?.count().get_result(conn)?)
}

/// The author with this slug, if the public may see them at `now`.
pub fn public_author_by_slug(
    conn: &mut AnyConnection,
    slug: &Slug,
    now: Timestamp,
) -> Result<Option<Author>, StoreError> {
    public_authors_at(conn, now)?
        .filter(users::slug.eq(slug.as_str().to_owned()))
        .select(select_author())
        .first::<AuthorRow>(conn)
        .optional()?
        .map(Author::try_from)
        .transpose()
}

/// The author with this id, if the public may see them at `now`.
pub fn public_author(
    conn: &mut AnyConnection,
    id: AuthorId,
    now: Timestamp,
) -> Result<Option<Author>, StoreError> {
    public_authors_at(conn, now)?
        .filter(users::id.eq(id.0))
        .select(select_author())
        .first::<AuthorRow>(conn)
        .optional()?
        .map(Author::try_from)
        .transpose()
}

/// How many authors there are (integrations' accounts left out).
pub fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(users::table
        .filter(users::email.not_like(integration_pattern()))
        .count()
        .get_result(conn)?)
}

/// Each article's authors in order (the first is the primary author), in one statement.
pub fn of_articles(
    conn: &mut AnyConnection,
    ids: &[ArticleId],
) -> Result<HashMap<ArticleId, Vec<Author>>, StoreError> {
    if let [one] = ids {
        // One article: its links joined to the people they name (see `tags::of_articles`).
        let authors = article_authors::table
            .inner_join(users::table)
            .filter(article_authors::article_id.eq(one.0))
            .order(article_authors::position)
            .select(select_author())
            .load::<AuthorRow>(conn)?
            .into_iter()
            .map(Author::try_from)
            .collect::<Result<Vec<Author>, _>>()?;
        return Ok(if authors.is_empty() {
            HashMap::new()
        } else {
            HashMap::from([(*one, authors)])
        });
    }
    // Two index lookups rather than one join (see `tags::of_articles`).
    let raw: Vec<i64> = ids.iter().map(|a| a.0).collect();
    let links: Vec<AuthorLink> = article_authors::table
        .filter(crate::db::in_ids(article_authors::article_id, raw))
        .order((article_authors::article_id, article_authors::position))
        .select(AuthorLink::as_select())
        .load(conn)?;
    let mut wanted: Vec<AuthorId> = links.iter().map(|l| AuthorId(l.user_id)).collect();
    wanted.sort_unstable_by_key(|a| a.0);
    wanted.dedup();
    let found = authors_by_ids(conn, &wanted)?;
    let mut out: HashMap<ArticleId, Vec<Author>> = HashMap::with_capacity(ids.len());
    for link in links {
        if let Some(author) = found.get(&AuthorId(link.user_id)) {
            out.entry(ArticleId(link.article_id))
                .or_default()
                .push(author.clone());
        }
    }
    Ok(out)
}

/// How many articles each author has a byline on, counting only what the public may read at
/// `live` when given; authors with none are absent from the map.
pub fn article_counts(
    conn: &mut AnyConnection,
    ids: &[AuthorId],
    live: Option<Timestamp>,
) -> Result<HashMap<AuthorId, i64>, StoreError> {
    let raw: Vec<i64> = ids.iter().map(|a| a.0).collect();
    if let Some(now) = live {
        // Kept by triggers: one row per author rather than a walk over its links.
        let counts = crate::tallies::authors(conn, Some(&raw), now)?;
        return Ok(counts
            .into_iter()
            .map(|(id, n)| (AuthorId(id), n))
            .collect());
    }
    let rows: Vec<AuthorCount> = article_authors::table
        .inner_join(articles::table)
        .filter(article_authors::user_id.eq_any(raw))
        .group_by(article_authors::user_id)
        .select(AuthorCount::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (AuthorId(r.user_id), r.articles))
        .collect())
}

/// Every active author, by name (see [`crate::tags::all`]).
pub fn all_authors(conn: &mut AnyConnection) -> Result<Vec<Author>, StoreError> {
    users::table
        .filter(users::active.eq(true))
        .filter(users::email.not_like(integration_pattern()))
        .select(select_author())
        .order((users::sort_name, users::id))
        .load::<AuthorRow>(conn)?
        .into_iter()
        .map(Author::try_from)
        .collect()
}
