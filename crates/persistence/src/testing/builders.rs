//! Fixture builders: a valid entity with sensible defaults, changed only where a test cares.

use broadsheet_domain::article::{Article, ArticleInput, ArticleStatus, NewArticle};
use broadsheet_domain::author::{NewUser, ProfileInput, Role, User, UserInput};
use broadsheet_domain::ids::{AuthorId, TagId};
use broadsheet_domain::tag::{NewTag, Tag, TagInput};
use broadsheet_domain::time::{Timestamp, now};

use crate::db::AnyConnection;
use crate::{articles, tags, users};

/// Builds a user.
pub struct UserBuilder {
    input: UserInput,
}

impl UserBuilder {
    /// A user called `name` with an address derived from it.
    pub fn new(name: &str) -> Self {
        let local: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase();
        Self {
            input: UserInput {
                profile: ProfileInput {
                    name: name.to_owned(),
                    ..ProfileInput::default()
                },
                email: format!("{local}@example.com"),
                role: Role::Author,
                password: None,
            },
        }
    }

    /// With this role.
    pub fn role(mut self, role: Role) -> Self {
        self.input.role = role;
        self
    }

    /// With this sign-in address.
    pub fn email(mut self, email: &str) -> Self {
        self.input.email = email.to_owned();
        self
    }

    /// With this slug.
    pub fn slug(mut self, slug: &str) -> Self {
        self.input.profile.slug = Some(slug.to_owned());
        self
    }

    /// With this password.
    pub fn password(mut self, password: &str) -> Self {
        self.input.password = Some(password.to_owned());
        self
    }

    /// Stores the user.
    pub fn create(self, conn: &mut AnyConnection) -> User {
        let new = NewUser::parse(&self.input).expect("valid user fixture");
        users::create(conn, &new, now()).expect("store user fixture")
    }
}

/// Builds a tag.
pub struct TagBuilder {
    input: TagInput,
}

impl TagBuilder {
    /// A tag called `name`.
    pub fn new(name: &str) -> Self {
        Self {
            input: TagInput {
                name: name.to_owned(),
                ..TagInput::default()
            },
        }
    }

    /// With this slug.
    pub fn slug(mut self, slug: &str) -> Self {
        self.input.slug = Some(slug.to_owned());
        self
    }

    /// Stores the tag.
    pub fn create(self, conn: &mut AnyConnection) -> Tag {
        let new = NewTag::parse(&self.input).expect("valid tag fixture");
        tags::create(conn, &new, now()).expect("store tag fixture")
    }
}

/// Builds an article; published now unless told otherwise.
pub struct ArticleBuilder {
    input: ArticleInput,
}

impl ArticleBuilder {
    /// A published article titled `title` by `author`.
    pub fn new(title: &str, author: AuthorId) -> Self {
        Self {
            input: ArticleInput {
                title: title.to_owned(),
                body: format!("Body of *{title}*."),
                status: ArticleStatus::Published,
                authors: vec![author],
                ..ArticleInput::default()
            },
        }
    }

    /// Published at this instant.
    pub fn published_at(mut self, at: Timestamp) -> Self {
        self.input.status = ArticleStatus::Published;
        self.input.published_at = Some(at);
        self
    }

    /// Scheduled for this instant.
    pub fn scheduled_for(mut self, at: Timestamp) -> Self {
        self.input.status = ArticleStatus::Scheduled;
        self.input.published_at = Some(at);
        self
    }

    /// A draft.
    pub fn draft(mut self) -> Self {
        self.input.status = ArticleStatus::Draft;
        self.input.published_at = None;
        self
    }

    /// With this slug.
    pub fn slug(mut self, slug: &str) -> Self {
        self.input.slug = Some(slug.to_owned());
        self
    }

    /// With this Markdown body.
    pub fn body(mut self, body: &str) -> Self {
        self.input.body = body.to_owned();
        self
    }

    /// Featured.
    pub fn featured(mut self) -> Self {
        self.input.featured = true;
        self
    }

    /// With these tags, in order.
    pub fn tags(mut self, tags: &[TagId]) -> Self {
        self.input.tags = tags.to_vec();
        self
    }

    /// With these authors, in order.
    pub fn authors(mut self, authors: &[AuthorId]) -> Self {
        self.input.authors = authors.to_vec();
        self
    }

    /// Stores the article.
    pub fn create(self, conn: &mut AnyConnection) -> Article {
        let new = NewArticle::parse(&self.input, now()).expect("valid article fixture");
        articles::create(conn, &new, None, now()).expect("store article fixture")
    }
}
