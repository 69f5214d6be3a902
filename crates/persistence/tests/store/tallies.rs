//! The article counts per tag and author kept by triggers stay equal to counting the links,
//! through every kind of write: links replaced, articles published, unpublished, scheduled,
//! come due, deleted, tags merged and deleted.

use std::collections::{BTreeMap, HashSet};

use broadsheet_domain::article::ArticleStatus;
use broadsheet_domain::ids::{ArticleId, AuthorId, TagId};
use broadsheet_domain::time::{Timestamp, now};
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, TestDb, UserBuilder, raw};
use broadsheet_persistence::{AnyConnection, articles, backend_tests, tags, tallies, users};
use chrono::TimeDelta;

backend_tests!(
    kept_counts_equal_counted_links_through_random_writes,
    a_loader_without_triggers_is_recounted,
);

/// A small deterministic generator: the same steps on every run and backend.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((self.0 >> 33) % n as u64).expect("small")
    }
}

/// Live links per tag and per author, counted from the links themselves (`due`: the
/// scheduled articles whose time has come).
fn counted(c: &mut AnyConnection, due: &HashSet<i64>) -> (BTreeMap<i64, i64>, BTreeMap<i64, i64>) {
    let mut out = (BTreeMap::new(), BTreeMap::new());
    for (sql, map) in [
        (
            "SELECT l.tag_id || ':' || a.status || ':' || a.id AS value \
             FROM article_tags l JOIN articles a ON a.id = l.article_id",
            &mut out.0,
        ),
        (
            "SELECT l.user_id || ':' || a.status || ':' || a.id AS value \
             FROM article_authors l JOIN articles a ON a.id = l.article_id",
            &mut out.1,
        ),
    ] {
        for row in raw::texts(c, sql) {
            let mut parts = row.split(':');
            let (Some(owner), Some(status), Some(article)) =
                (parts.next(), parts.next(), parts.next())
            else {
                panic!("unexpected row {row}");
            };
            let article: i64 = article.parse().expect("id");
            if status == "published" || (status == "scheduled" && due.contains(&article)) {
                *map.entry(owner.parse().expect("id")).or_default() += 1;
            }
        }
    }
    out
}

fn kept(c: &mut AnyConnection, at: Timestamp) -> (BTreeMap<i64, i64>, BTreeMap<i64, i64>) {
    let tag_ids: Vec<TagId> = raw::texts(c, "SELECT CAST(id AS TEXT) AS value FROM tags")
        .iter()
        .map(|s| TagId(s.parse().expect("id")))
        .collect();
    let user_ids: Vec<AuthorId> = raw::texts(c, "SELECT CAST(id AS TEXT) AS value FROM users")
        .iter()
        .map(|s| AuthorId(s.parse().expect("id")))
        .collect();
    let tags = tags::article_counts(c, &tag_ids, Some(at)).expect("tag counts");
    let authors = users::article_counts(c, &user_ids, Some(at)).expect("author counts");
    (
        tags.into_iter().map(|(k, v)| (k.0, v)).collect(),
        authors.into_iter().map(|(k, v)| (k.0, v)).collect(),
    )
}

fn kept_counts_equal_counted_links_through_random_writes(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let at = now();
    let day = TimeDelta::days(1);
    let writers: Vec<AuthorId> = (0..4)
        .map(|i| UserBuilder::new(&format!("Writer {i}")).create(&mut c).id())
        .collect();
    let mut tag_ids: Vec<TagId> = (0..6)
        .map(|i| TagBuilder::new(&format!("Tag {i}")).create(&mut c).id)
        .collect();
    let mut rng = Lcg(7);
    let mut ids: Vec<ArticleId> = Vec::new();
    let mut due = HashSet::new();
    for i in 0..24 {
        let tags: Vec<TagId> = (0..rng.below(3) + 1)
            .map(|_| tag_ids[rng.below(tag_ids.len())])
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let author = writers[rng.below(writers.len())];
        let b = ArticleBuilder::new(&format!("Article {i}"), author)
            .tags(&tags)
            .authors(
                &[author, writers[rng.below(writers.len())]]
                    .into_iter()
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>(),
            );
        let b = match rng.below(4) {
            0 => b.draft(),
            1 => b.scheduled_for(at + day),
            2 => b.scheduled_for(at - day),
            _ => b,
        };
        let article = b.create(&mut c);
        if article.publication.status() == ArticleStatus::Scheduled
            && article.publication.published_at().is_some_and(|p| p <= at)
        {
            due.insert(article.id.0);
        }
        ids.push(article.id);
    }
    assert_eq!(kept(&mut c, at), counted(&mut c, &due), "after creating");

    for step in 0..80 {
        let article = ids[rng.below(ids.len())];
        let what = match rng.below(9) {
            0 => {
                let tags: Vec<TagId> = (0..rng.below(4))
                    .map(|_| tag_ids[rng.below(tag_ids.len())])
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                articles::set_tags(&mut c, article, &tags, None, at)
                    .map(|_| ())
                    .map_err(|e| format!("{e:?}"))
                    .map(|()| "tags replaced")
            }
            1 => {
                let author = writers[rng.below(writers.len())];
                articles::set_authors(&mut c, article, &[author], None, at)
                    .map(|_| "authors replaced")
                    .map_err(|e| format!("{e:?}"))
            }
            2 => {
                raw::execute(
                    &mut c,
                    &format!(
                        "UPDATE articles SET status = 'draft', published_at = NULL WHERE id = {}",
                        article.0
                    ),
                );
                due.remove(&article.0);
                Ok("unpublished")
            }
            3 => {
                raw::execute(
                    &mut c,
                    &format!(
                        "UPDATE articles SET status = 'published', published_at = \
                         (SELECT min(b.published_at) FROM articles b) WHERE id = {}",
                        article.0
                    ),
                );
                due.remove(&article.0);
                Ok("published")
            }
            4 => {
                // Scheduled for a time already past: due, as if the scheduler were late.
                raw::execute(
                    &mut c,
                    &format!(
                        "UPDATE articles SET status = 'scheduled', published_at = \
                         (SELECT min(b.published_at) FROM articles b) WHERE id = {}",
                        article.0
                    ),
                );
                due.insert(article.0);
                Ok("scheduled, due")
            }
            5 => {
                let published = articles::publish_due(&mut c, at).expect("scheduler");
                for a in published {
                    due.remove(&a.id.0);
                }
                Ok("scheduler ran")
            }
            6 if ids.len() > 4 => {
                articles::delete(&mut c, article).expect("deleted");
                ids.retain(|a| *a != article);
                due.remove(&article.0);
                Ok("article deleted")
            }
            7 if tag_ids.len() > 2 => {
                let from = tag_ids.remove(rng.below(tag_ids.len()));
                let into = tag_ids[rng.below(tag_ids.len())];
                tags::merge(&mut c, from, into, None, at).expect("merged");
                Ok("tags merged")
            }
            8 if tag_ids.len() > 2 => {
                let gone = tag_ids.remove(rng.below(tag_ids.len()));
                tags::delete(&mut c, gone).expect("deleted");
                Ok("tag deleted")
            }
            _ => {
                tag_ids.push(
                    TagBuilder::new(&format!("New tag {step}"))
                        .create(&mut c)
                        .id,
                );
                Ok("tag created")
            }
        };
        let what = what.unwrap_or_else(|e| panic!("step {step}: {e}"));
        assert_eq!(
            kept(&mut c, at),
            counted(&mut c, &due),
            "step {step}: {what} (article {})",
            article.0
        );
    }
}

fn a_loader_without_triggers_is_recounted(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let writer = UserBuilder::new("Writer").create(&mut c);
    let tag = TagBuilder::new("Tag").create(&mut c);
    for i in 0..3 {
        ArticleBuilder::new(&format!("A{i}"), writer.id())
            .tags(&[tag.id])
            .create(&mut c);
    }
    // As a loader that switched triggers off would leave them.
    raw::execute(&mut c, "DELETE FROM tag_counts");
    raw::execute(&mut c, "UPDATE author_counts SET published = 0");
    tallies::recount(&mut c).expect("recounted");
    let at = now();
    assert_eq!(
        tags::article_counts(&mut c, &[tag.id], Some(at))
            .expect("counts")
            .get(&tag.id),
        Some(&3)
    );
    assert_eq!(
        users::article_counts(&mut c, &[writer.id()], Some(at))
            .expect("counts")
            .get(&writer.id()),
        Some(&3)
    );
}
