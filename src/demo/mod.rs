//! The sample publication: a political news site built from one real article page (the
//! Chamberlain Files' report of 26 June 2014 on Birmingham's children's services, with the
//! five "Similar Articles" the page lists) and enough further articles, tags and authors for
//! lists, tag pages and pagination to show something. The authors are invented: the page
//! credits none.
//!
//! Loading is idempotent: each author, tag and article is looked up by its slug first and
//! only created when missing, and related links are set only on articles that have none.

use std::collections::HashMap;
use std::fmt;

use anyhow::{Context as _, anyhow};
use broadsheet_domain::Slug;
use broadsheet_domain::article::{ArticleInput, ArticleStatus, NewArticle};
use broadsheet_domain::author::{NewUser, ProfileInput, Role, UserInput};
use broadsheet_domain::ids::{ArticleId, AuthorId, TagId};
use broadsheet_domain::listing::{ArticleFilter, ArticleOrder};
use broadsheet_domain::related::NewRelatedLink;
use broadsheet_domain::tag::{NewTag, TagInput};
use broadsheet_domain::time::{Timestamp, now};
use broadsheet_persistence::{AnyConnection, Store, articles, related, settings, tags, users};
use serde::Deserialize;

const PUBLICATION: &str = include_str!("publication.json");

/// Bodies kept in files of their own, by file name.
const BODY_FILES: &[(&str, &str)] = &[(
    "childrens-services.md",
    include_str!("childrens-services.md"),
)];

#[derive(Deserialize)]
struct Publication {
    authors: Vec<AuthorFixture>,
    tags: Vec<TagFixture>,
    articles: Vec<ArticleFixture>,
}

#[derive(Deserialize)]
struct AuthorFixture {
    slug: String,
    name: String,
    email: String,
    role: String,
    bio: Option<String>,
    location: Option<String>,
    twitter: Option<String>,
}

#[derive(Deserialize)]
struct TagFixture {
    slug: String,
    name: String,
    description: Option<String>,
}

#[derive(Deserialize)]
struct ArticleFixture {
    slug: String,
    title: String,
    custom_excerpt: Option<String>,
    #[serde(default)]
    status: Option<String>,
    published_at: Option<Timestamp>,
    #[serde(default)]
    featured: bool,
    body: Option<String>,
    body_file: Option<String>,
    tags: Vec<String>,
    authors: Vec<String>,
    #[serde(default)]
    related: Vec<String>,
}

/// What a load created.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// New authors.
    pub authors: usize,
    /// New tags.
    pub tags: usize,
    /// New articles.
    pub articles: usize,
    /// Articles given their related links.
    pub related_lists: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Self::default() {
            return f.write_str("sample publication already loaded; nothing to do");
        }
        write!(
            f,
            "loaded {} authors, {} tags, {} articles, {} related-article lists",
            self.authors, self.tags, self.articles, self.related_lists
        )
    }
}

/// Loads the sample publication, as of `now`, if the database holds no articles at all.
pub fn load_if_empty(store: &Store, now: Timestamp) -> anyhow::Result<Option<Summary>> {
    let existing = articles::count(
        &mut *store.conn()?,
        &ArticleFilter::default(),
        ArticleOrder::RecentlyUpdated,
    )?;
    if existing > 0 {
        tracing::info!(
            articles = existing,
            "database holds articles; not loading the sample"
        );
        return Ok(None);
    }
    load_at(store, now).map(Some)
}

/// Loads whatever part of the sample publication is missing, in one transaction, as of the
/// system's time: for the `demo` command (a process of its own, with no clock handed to it)
/// and tests on the system's clock.
pub fn load(store: &Store) -> anyhow::Result<Summary> {
    load_at(store, now())
}

/// Loads whatever part of the sample publication is missing, in one transaction, as of
/// `now` (its creation time; an article with no date of its own is published then).
pub fn load_at(store: &Store, now: Timestamp) -> anyhow::Result<Summary> {
    let publication: Publication =
        serde_json::from_str(PUBLICATION).context("the sample publication fixture is invalid")?;
    store.write_blocking(|c| Ok(load_into(c, &publication, now)))?
}

fn load_into(c: &mut AnyConnection, p: &Publication, now: Timestamp) -> anyhow::Result<Summary> {
    let mut summary = Summary::default();
    for (key, value) in [
        (broadsheet_api::content::SITE_TITLE, "The Chamberlain Files"),
        (
            broadsheet_api::content::SITE_DESCRIPTION,
            "Politics, policy and public affairs in Birmingham and the West Midlands.",
        ),
        (broadsheet_api::content::SITE_LANG, "en-GB"),
    ] {
        settings::get_or_insert(c, key, now, || value.to_owned())?;
    }

    let mut author_ids: HashMap<&str, AuthorId> = HashMap::new();
    for a in &p.authors {
        let slug = Slug::parse(&a.slug)?;
        let id = match users::author_by_slug(c, &slug)? {
            Some(existing) => existing.id,
            None => {
                let new = NewUser::parse(&UserInput {
                    profile: ProfileInput {
                        name: a.name.clone(),
                        slug: Some(a.slug.clone()),
                        bio: a.bio.clone(),
                        location: a.location.clone(),
                        twitter: a.twitter.clone(),
                        ..ProfileInput::default()
                    },
                    email: a.email.clone(),
                    role: Role::parse(&a.role)?,
                    password: None,
                })
                .with_context(|| format!("author {}", a.slug))?;
                summary.authors += 1;
                users::create(c, &new, now)?.id()
            }
        };
        author_ids.insert(&a.slug, id);
    }

    let mut tag_ids: HashMap<&str, TagId> = HashMap::new();
    for t in &p.tags {
        let slug = Slug::parse(&t.slug)?;
        let id = match tags::by_slug(c, &slug)? {
            Some(existing) => existing.id,
            None => {
                let new = NewTag::parse(&TagInput {
                    name: t.name.clone(),
                    slug: Some(t.slug.clone()),
                    description: t.description.clone(),
                    ..TagInput::default()
                })
                .with_context(|| format!("tag {}", t.slug))?;
                summary.tags += 1;
                tags::create(c, &new, now)?.id
            }
        };
        tag_ids.insert(&t.slug, id);
    }

    let mut article_ids: HashMap<&str, ArticleId> = HashMap::new();
    for a in &p.articles {
        let slug = Slug::parse(&a.slug)?;
        let id = match articles::by_slug(c, &slug)? {
            Some(existing) => existing.id,
            None => {
                let input = article_input(a, &tag_ids, &author_ids)?;
                let new = NewArticle::parse(&input, now)
                    .with_context(|| format!("article {}", a.slug))?;
                summary.articles += 1;
                articles::create(c, &new, None, now)?.id
            }
        };
        article_ids.insert(&a.slug, id);
    }

    for a in p.articles.iter().filter(|a| !a.related.is_empty()) {
        let from = article_ids[a.slug.as_str()];
        if related::of_articles(c, &[from])?.contains_key(&from) {
            continue;
        }
        let links = a
            .related
            .iter()
            .map(|to| {
                let to = *article_ids
                    .get(to.as_str())
                    .ok_or_else(|| anyhow!("related article {to} is not in the fixture"))?;
                Ok(NewRelatedLink::new(from, to, None)?)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        related::replace(c, from, &links)?;
        summary.related_lists += 1;
    }
    Ok(summary)
}

fn article_input(
    a: &ArticleFixture,
    tag_ids: &HashMap<&str, TagId>,
    author_ids: &HashMap<&str, AuthorId>,
) -> anyhow::Result<ArticleInput> {
    let body = match (&a.body, &a.body_file) {
        (Some(body), None) => body.clone(),
        (None, Some(file)) => BODY_FILES
            .iter()
            .find(|(name, _)| name == file)
            .map(|(_, body)| (*body).to_owned())
            .ok_or_else(|| anyhow!("article {}: no body file {file}", a.slug))?,
        _ => {
            return Err(anyhow!(
                "article {}: give exactly one of body and body_file",
                a.slug
            ));
        }
    };
    fn lookup<T: Copy>(
        article: &str,
        kind: &str,
        map: &HashMap<&str, T>,
        slug: &str,
    ) -> anyhow::Result<T> {
        map.get(slug)
            .copied()
            .ok_or_else(|| anyhow!("article {article}: unknown {kind} {slug}"))
    }
    Ok(ArticleInput {
        title: a.title.clone(),
        slug: Some(a.slug.clone()),
        custom_excerpt: a.custom_excerpt.clone(),
        body,
        status: match a.status.as_deref() {
            Some(s) => ArticleStatus::parse(s)?,
            None => ArticleStatus::Published,
        },
        published_at: a.published_at,
        featured: a.featured,
        tags: a
            .tags
            .iter()
            .map(|t| lookup(&a.slug, "tag", tag_ids, t))
            .collect::<anyhow::Result<_>>()?,
        authors: a
            .authors
            .iter()
            .map(|s| lookup(&a.slug, "author", author_ids, s))
            .collect::<anyhow::Result<_>>()?,
        ..ArticleInput::default()
    })
}
