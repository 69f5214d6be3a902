//! The world a rule is tested in: a fresh database, a manual clock, a service, one staff
//! member of each role and someone else who owns "others'" things.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use broadsheet_domain::article::{Article, ArticlePatch};
use broadsheet_domain::author::{Author, Role, User};
use broadsheet_domain::clock::Clock;
use broadsheet_domain::ids::AuthorId;
use broadsheet_domain::tag::Tag;
use broadsheet_domain::time::{Timestamp, now};
use broadsheet_domain::webhook::{NewWebhook, WebhookEvent};
use broadsheet_persistence::db::PooledConnection;
use broadsheet_persistence::secrets::Keyring;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, TestDb, UserBuilder, raw};
use broadsheet_persistence::{articles, users, webhooks};
use broadsheet_service::{Actor, EventBodies, Service};

use crate::matrix::Who;
use chrono::TimeDelta;
use serde_json::{Value, json};

/// Declares async test functions that take a [`World`] and runs each on both backends:
/// `sqlite::name` and `postgres::name`.
macro_rules! service_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = broadsheet_persistence::testing::TestDb::sqlite();
                    super::$name(&$crate::harness::World::new(db)).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(db) = broadsheet_persistence::testing::TestDb::postgres() {
                        super::$name(&$crate::harness::World::new(db)).await;
                    }
                }
            )*
        }
    };
}
pub(crate) use service_tests;

/// Event bodies small enough to check by eye: what a receiver needs to tell which article or
/// tag an event is about.
struct Titles;

impl EventBodies for Titles {
    fn article(&self, article: &Article, tags: &[Tag], authors: &[Author]) -> Value {
        json!({
            "title": article.title.as_str(),
            "slug": article.slug.as_str(),
            "status": article.publication.status().as_str(),
            "tags": tags.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(),
            "authors": authors.iter().map(|a| a.slug.as_str()).collect::<Vec<_>>(),
        })
    }

    fn tag(&self, tag: &Tag) -> Value {
        json!({ "name": tag.name.as_str(), "slug": tag.slug.as_str() })
    }

    fn date(&self, at: Timestamp) -> Value {
        json!(at.to_rfc3339())
    }
}

/// A fresh database with a service over it, telling the time by a manual clock.
pub struct World {
    /// Dropped last: the schema (PostgreSQL) goes with it.
    pub db: TestDb,
    /// The service's clock; tests move it.
    pub clock: Clock,
    /// Under test.
    pub service: Service,
    /// One active staff member of each role, in [`Role::ALL`] order.
    staff: Vec<User>,
    /// The author of "others'" things: no actor acts as them.
    pub other: User,
    /// For unique names.
    counter: AtomicU32,
}

impl World {
    /// Staff of every role, someone else, and a webhook that wants every event (an event
    /// nobody wants is not stored, and the tests read what changes recorded from the outbox).
    pub fn new(db: TestDb) -> Self {
        let clock = Clock::manual(now());
        let service = Service::new(db.store.clone(), clock.clone(), Arc::new(Titles));
        let mut c = db.store.conn().expect("connection");
        let staff = Role::ALL
            .iter()
            .map(|role| {
                UserBuilder::new(&format!("Staff {}", role.as_str()))
                    .role(*role)
                    .create(&mut c)
            })
            .collect();
        let other = UserBuilder::new("Someone Else")
            .role(Role::Author)
            .create(&mut c);
        let everything = NewWebhook::parse(
            "https://hooks.example.com/everything",
            "a-secret-of-sixteen-or-more",
            &WebhookEvent::ALL,
        )
        .expect("valid webhook");
        webhooks::create(&mut c, &Keyring::default(), &everything, now()).expect("webhook");
        drop(c);
        Self {
            db,
            clock,
            service,
            staff,
            other,
            counter: AtomicU32::new(0),
        }
    }

    /// A connection for fixtures and inspection.
    pub fn conn(&self) -> PooledConnection {
        self.db.store.conn().expect("connection")
    }

    /// The staff member of `role`.
    pub fn staff(&self, role: Role) -> &User {
        let i = Role::ALL
            .iter()
            .position(|r| *r == role)
            .expect("every role has a staff member");
        &self.staff[i]
    }

    /// A number not used before in this world (for unique titles, names and slugs).
    pub fn unique(&self) -> u32 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// A new user of `role`, without a password (argon2 is slow on purpose).
    pub fn user(&self, role: Role) -> User {
        let n = self.unique();
        UserBuilder::new(&format!("Person {n}"))
            .role(role)
            .create(&mut self.conn())
    }

    /// A deactivated staff member of `role`.
    pub fn deactivated(&self, role: Role) -> User {
        let user = self.user(role);
        users::set_active(&mut self.conn(), user.id(), false, now()).expect("deactivated")
    }

    /// A new article by `owner` standing at `stage`.
    pub fn article(&self, owner: AuthorId, stage: Stage) -> Article {
        let title = format!("Story {}", self.unique());
        let builder = ArticleBuilder::new(&title, owner);
        let builder = match stage {
            Stage::Draft => builder.draft(),
            Stage::Scheduled => builder.scheduled_for(self.clock.now() + TimeDelta::days(1)),
            Stage::Published => builder,
        };
        builder.create(&mut self.conn())
    }

    /// A new article by `owner` at `stage` that has been saved once, so that version 1 is a
    /// revision to restore.
    pub fn revised_article(&self, owner: AuthorId, stage: Stage) -> Article {
        let article = self.article(owner, stage);
        let revised = article
            .revise(&ArticlePatch {
                body: Some("Second thoughts.".to_owned()),
                ..ArticlePatch::default()
            })
            .expect("valid revision");
        articles::update(&mut self.conn(), &revised, None, now()).expect("saved")
    }

    /// A new tag.
    pub fn tag(&self) -> Tag {
        TagBuilder::new(&format!("Topic {}", self.unique())).create(&mut self.conn())
    }

    /// The article `article` as stored now.
    pub fn reload(&self, article: &Article) -> Article {
        articles::get(&mut self.conn(), article.id)
            .expect("read")
            .expect("still there")
    }

    /// The authors of `article`, in order.
    pub fn owners(&self, article: &Article) -> Vec<AuthorId> {
        users::of_articles(&mut self.conn(), &[article.id])
            .expect("read")
            .remove(&article.id)
            .unwrap_or_default()
            .iter()
            .map(|a| a.id)
            .collect()
    }

    /// The account `id` as stored now.
    pub fn reload_user(&self, id: AuthorId) -> User {
        users::get(&mut self.conn(), id)
            .expect("read")
            .expect("still there")
    }

    /// The names of the events recorded so far, oldest first.
    pub fn events(&self) -> Vec<String> {
        raw::texts(
            &mut self.conn(),
            "SELECT event AS value FROM webhook_events ORDER BY id",
        )
    }

    /// The bodies of the events recorded so far, oldest first.
    pub fn bodies(&self) -> Vec<Value> {
        raw::texts(
            &mut self.conn(),
            "SELECT payload AS value FROM webhook_events ORDER BY id",
        )
        .iter()
        .map(|body| serde_json::from_str(body).expect("an event body is JSON"))
        .collect()
    }

    /// The actor `who` (for staff, the staff member of that role).
    pub fn actor(&self, who: Who) -> Actor {
        match who {
            Who::Anonymous => Actor::Anonymous,
            Who::Partner => Actor::Partner(1),
            Who::System => Actor::System,
            Who::Staff(role) => Actor::staff(self.staff(role).clone()),
        }
    }
}

/// Where a fixture article stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Not public.
    Draft,
    /// Public tomorrow.
    Scheduled,
    /// Public.
    Published,
}
