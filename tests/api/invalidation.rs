//! Precise invalidation: a change drops only the cached responses that can show it (#15).
//!
//! - From the outside, as the issue reported it: an article's title corrected through the API
//!   leaves the other articles' pages cached, and the lists filtered by tags and featured that
//!   it is not in.
//! - A property, on both backends: random writes made straight to the database (every kind a
//!   writer can make, through the triggers that journal them), each followed by a refresh of
//!   the cache, interleaved with random reads of every public API; every cached answer equals
//!   the answer of a second server on the same database with no cache.

use actix_web::http::StatusCode;
use broadsheet_domain::author::Role;
use broadsheet_domain::ids::{AuthorId, TagId};
use broadsheet_persistence::db::DatabaseUrl;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, TestDb, UserBuilder, raw};
use chrono::TimeDelta;

use crate::editorial::staff;
use crate::helpers::{TestApp, db_tests, e2e_tests, manual_clock};

e2e_tests!(
    an_edit_leaves_the_pages_of_unrelated_articles_cached,
    an_edit_leaves_filtered_lists_it_is_not_in_cached
);

/// Two servers on one database: one caching, one not.
mod against_a_server_without_cache {
    use super::*;

    db_tests!(cached_reads_equal_uncached_ones_whatever_is_written);
}

fn article_page(slug: &str) -> String {
    let query = format!(
        "{{ article(slug: \"{slug}\") {{ title tags {{ name }} authors {{ name }} \
         relatedArticles(first: 3) {{ reason node {{ title }} }} }} }}"
    );
    let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
    format!("/graphql?query={encoded}")
}

/// The report of #15: three article pages sharing no tag with a fourth are cached; an editor
/// changes the fourth's title; the three are still answered from the cache, and the fourth
/// is built again with its new title.
async fn an_edit_leaves_the_pages_of_unrelated_articles_cached(app: TestApp) {
    let editor = staff(&app, "Eve Editor", Role::Editor);
    {
        let mut c = app.db.store.conn().expect("connection");
        let ann = UserBuilder::new("Ann").create(&mut c).id();
        let (shared, apart) = (
            TagBuilder::new("Politics").create(&mut c).id,
            TagBuilder::new("Gardening").create(&mut c).id,
        );
        for i in 0..3 {
            ArticleBuilder::new(&format!("Politics {i}"), ann)
                .slug(&format!("politics-{i}"))
                .tags(&[shared])
                .create(&mut c);
        }
        ArticleBuilder::new("Roses in winter", ann)
            .slug("roses")
            .tags(&[apart])
            .create(&mut c);
    }
    app.refresh_cache().await;
    let pages: Vec<String> = ["politics-0", "politics-1", "politics-2", "roses"]
        .iter()
        .map(|s| article_page(s))
        .collect();
    for page in &pages {
        app.get(page).await;
        assert_eq!(app.get(page).await.header("x-cache"), Some("HIT"), "{page}");
    }
    app.edit_article(&editor.token, "roses", "{ title: \"Roses in spring\" }")
        .await;
    for page in &pages[..3] {
        let reply = app.get(page).await;
        assert_eq!(reply.header("x-cache"), Some("HIT"), "{page} was dropped");
    }
    let edited = app.get(&pages[3]).await;
    assert_eq!(edited.header("x-cache"), Some("MISS"));
    assert_eq!(edited.json()["data"]["article"]["title"], "Roses in spring");
}

/// A partner's filtered browse (`tag:[a,b]+featured:true`, the newsroom benchmark's
/// json-filter) is cached; an edit of the title of an article outside it leaves it cached;
/// an article that becomes featured enters it, and an edit of an article in it shows.
async fn an_edit_leaves_filtered_lists_it_is_not_in_cached(app: TestApp) {
    let editor = staff(&app, "Eve Editor", Role::Editor);
    let mut c = app.db.store.conn().expect("connection");
    let key = broadsheet_service::keys::create_content(
        &mut c,
        "Partner",
        1000,
        broadsheet_domain::time::now(),
    )
    .expect("key")
    .credential;
    {
        let ann = UserBuilder::new("Ann").create(&mut c).id();
        let politics = TagBuilder::new("Politics").create(&mut c).id;
        let sport = TagBuilder::new("Sport").create(&mut c).id;
        ArticleBuilder::new("Featured politics", ann)
            .slug("in-list")
            .tags(&[politics])
            .featured()
            .create(&mut c);
        ArticleBuilder::new("Plain sport", ann)
            .slug("not-featured")
            .tags(&[sport])
            .create(&mut c);
        ArticleBuilder::new("Featured gardening", ann)
            .slug("other-tag")
            .featured()
            .create(&mut c);
    }
    drop(c);
    app.refresh_cache().await;
    let list = format!(
        "/ghost/api/content/posts/?key={key}&filter=tag:[politics,sport]%2Bfeatured:true&fields=title"
    );
    let titles = |body: serde_json::Value| -> Vec<String> {
        body["posts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["title"].as_str().map(str::to_owned))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    app.get(&list).await;
    assert_eq!(app.get(&list).await.header("x-cache"), Some("HIT"));
    for slug in ["not-featured", "other-tag"] {
        app.edit_article(&editor.token, slug, "{ title: \"Retitled\" }")
            .await;
        let reply = app.get(&list).await;
        assert_eq!(
            reply.header("x-cache"),
            Some("HIT"),
            "dropped by {slug}'s edit"
        );
        assert_eq!(titles(reply.json()), ["Featured politics"]);
    }
    app.edit_article(&editor.token, "not-featured", "{ featured: true }")
        .await;
    let reply = app.get(&list).await;
    assert_eq!(reply.header("x-cache"), Some("MISS"));
    assert_eq!(titles(reply.json()), ["Featured politics", "Retitled"]);
    app.edit_article(
        &editor.token,
        "in-list",
        "{ title: \"Politics, corrected\" }",
    )
    .await;
    let reply = app.get(&list).await;
    assert_eq!(reply.header("x-cache"), Some("MISS"));
    assert_eq!(titles(reply.json()), ["Politics, corrected", "Retitled"]);
}

/// A small deterministic generator (xorshift64*): the same steps on every run.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        usize::try_from(x >> 33).unwrap_or(0) % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The fixture's ids, for the writes.
struct World {
    articles: Vec<i64>,
    tags: Vec<TagId>,
    authors: Vec<AuthorId>,
    /// An instant an hour ahead, as the database writes it.
    later: String,
}

/// How many articles the fixture has: more than any list shows, so that a change can move
/// an article into a list it was not in.
const ARTICLES: usize = 16;
const SLUGS: &[&str] = &[
    "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13", "s14",
    "s15", "p0", "p1", "nope",
];
const TAG_NAMES: &[&str] = &[
    "Politics", "Sport", "Science", "Culture", "Travel", "Food", "Music", "Books",
];
const TAG_SLUGS: &[&str] = &[
    "politics", "sport", "games", "science", "culture", "travel", "food", "music", "books", "nope",
];
const AUTHOR_NAMES: &[&str] = &["Ann", "Bob", "Cat", "Dan", "Eve", "Fay"];
const AUTHOR_SLUGS: &[&str] = &["ann", "bob", "cat", "dan", "eve", "fay", "nope"];

fn world(db: &TestDb) -> World {
    let mut c = db.store.conn().expect("connection");
    let authors: Vec<AuthorId> = AUTHOR_NAMES
        .iter()
        .map(|n| UserBuilder::new(n).create(&mut c).id())
        .collect();
    let tags: Vec<TagId> = TAG_NAMES
        .iter()
        .map(|n| TagBuilder::new(n).create(&mut c).id)
        .collect();
    let now = broadsheet_domain::time::now();
    let mut articles = Vec::new();
    for i in 0..ARTICLES {
        // One tag each, a second for some: lists and pools that overlap only in part.
        let mut own = vec![tags[i % tags.len()]];
        if i % 3 == 0 && tags[(i / 3) % tags.len()] != own[0] {
            own.push(tags[(i / 3) % tags.len()]);
        }
        let mut b = ArticleBuilder::new(&format!("Story {i}"), authors[i % authors.len()])
            .slug(&format!("s{i}"))
            .body(if i % 2 == 0 {
                "alpha words"
            } else {
                "beta words"
            })
            .tags(&own);
        b = match i {
            6 | 13 => b.draft(),
            7 | 14 => b.scheduled_for(now + TimeDelta::hours(1)),
            _ => b.published_at(now - TimeDelta::hours(i64::try_from(i).unwrap_or(0) + 1)),
        };
        if i == 2 {
            b = b.featured();
        }
        articles.push(b.create(&mut c).id.0);
    }
    let sqlite = matches!(db.url(), DatabaseUrl::Sqlite(_));
    let later_at = now + TimeDelta::hours(1);
    let later = if sqlite {
        later_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    } else {
        later_at.format("%Y-%m-%d %H:%M:%S%.6f+00").to_string()
    };
    World {
        articles,
        tags,
        authors,
        later,
    }
}

/// One random write, as SQL (so that no store function's bookkeeping hides a trigger's
/// omission); its name, for the failure message.
fn write(w: &World, dice: &mut Dice, n: usize) -> (String, Vec<String>) {
    let a = *dice.pick(&w.articles);
    let b = *dice.pick(&w.articles);
    let t = dice.pick(&w.tags).0;
    let u = dice.pick(&w.authors).0;
    let no_slug = |s: &str| {
        format!(
            "NOT EXISTS (SELECT 1 FROM articles x WHERE x.slug = '{s}') \
             AND NOT EXISTS (SELECT 1 FROM article_slug_aliases y WHERE y.slug = '{s}')"
        )
    };
    let (what, sql): (&str, Vec<String>) = match dice.below(17) {
        0 | 1 => (
            "title edit",
            vec![format!(
                "UPDATE articles SET title = 'Title {n}', title_sort = 'title {n}' WHERE id = {a}"
            )],
        ),
        2 => (
            "body edit",
            vec![format!(
                "UPDATE articles SET markdown = 'alpha {n}', plaintext = 'alpha {n}', \
                 html = '<p>alpha {n}</p>', excerpt = 'alpha {n}' WHERE id = {a}"
            )],
        ),
        3 => (
            "unpublish",
            vec![format!(
                "UPDATE articles SET status = 'draft', published_at = NULL WHERE id = {a}"
            )],
        ),
        4 => (
            "publish",
            vec![format!(
                "UPDATE articles SET status = 'published', \
                 published_at = COALESCE(published_at, created_at) WHERE id = {a}"
            )],
        ),
        5 => (
            "schedule",
            vec![format!(
                "UPDATE articles SET status = 'scheduled', published_at = '{}' WHERE id = {a}",
                w.later
            )],
        ),
        6 => {
            let s = dice.pick(&["p0", "p1", "s0", "s3"]);
            (
                "slug change",
                vec![
                    format!(
                        "INSERT INTO article_slug_aliases (slug, article_id, created_at) \
                         SELECT slug, id, created_at FROM articles WHERE id = {a} AND {}",
                        no_slug(s)
                    ),
                    format!(
                        "UPDATE articles SET slug = '{s}' WHERE id = {a} AND {}",
                        no_slug(s)
                    ),
                ],
            )
        }
        7 => (
            "featured",
            vec![format!(
                "UPDATE articles SET featured = NOT featured WHERE id = {a}"
            )],
        ),
        8 => (
            "tag added",
            vec![format!(
                "INSERT INTO article_tags (article_id, tag_id, position) \
                 SELECT id, {t}, 7 FROM articles WHERE id = {a} AND NOT EXISTS \
                 (SELECT 1 FROM article_tags x WHERE x.article_id = {a} AND x.tag_id = {t})"
            )],
        ),
        9 => (
            "tag removed",
            vec![format!(
                "DELETE FROM article_tags WHERE article_id = {a} AND tag_id = {t}"
            )],
        ),
        10 => {
            let slug = match t == w.tags[1].0 {
                true => dice.pick(&["sport", "games"]).to_string(),
                false => "slug".into(),
            };
            let slug = if slug == "slug" {
                "slug".into()
            } else {
                format!("'{slug}'")
            };
            (
                "tag renamed",
                vec![format!(
                    "UPDATE tags SET name = 'Tag {n}', sort_name = 'tag {n}', slug = {slug} \
                     WHERE id = {t}"
                )],
            )
        }
        11 => (
            "tag visibility",
            vec![format!(
                "UPDATE tags SET visibility = CASE visibility WHEN 'public' THEN 'internal' \
                 ELSE 'public' END WHERE id = {t}"
            )],
        ),
        12 => (
            "author change",
            vec![
                format!("UPDATE users SET name = 'Writer {n}' WHERE id = {u}"),
                format!(
                    "UPDATE article_authors SET user_id = {u} WHERE article_id = {a} AND \
                     NOT EXISTS (SELECT 1 FROM article_authors x WHERE x.article_id = {a} \
                     AND x.user_id = {u}) AND position = 0"
                ),
            ],
        ),
        13 => (
            "related link",
            vec![format!(
                "INSERT INTO related_articles (article_id, related_id, position, note) \
                 SELECT x.id, y.id, {n}, NULL FROM articles x, articles y \
                 WHERE x.id = {a} AND y.id = {b} AND x.id <> y.id AND NOT EXISTS \
                 (SELECT 1 FROM related_articles r WHERE r.article_id = {a} AND r.related_id = {b})"
            )],
        ),
        14 => (
            "related unlinked",
            vec![format!(
                "DELETE FROM related_articles WHERE article_id = {a}"
            )],
        ),
        15 => (
            "settings",
            vec![format!(
                "INSERT INTO settings (key, value, updated_at) \
                 SELECT 'site.title', 'Paper {n}', created_at FROM users WHERE id = {u} \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            )],
        ),
        _ => (
            "deleted",
            vec![format!("DELETE FROM articles WHERE id = {a}")],
        ),
    };
    (format!("{what} (article {a}, tag {t}, author {u})"), sql)
}

fn graphql(query: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
    format!("/graphql?query={encoded}")
}

/// Every public read the property looks at: the lists (read after every write: a change
/// must drop those it can move an article into or out of), and the pages.
fn reads(key: &str) -> (Vec<String>, Vec<String>) {
    let lists = vec![
        graphql(
            "{ articles(first: 3) { edges { node { title slug featured tags { name } authors { name } } } } }",
        ),
        graphql("{ articles(first: 2, filter: { featured: true }) { edges { node { title } } } }"),
        graphql("{ articles(first: 3, orderBy: TITLE) { edges { node { title } } } }"),
        graphql("{ articles(first: 3, orderBy: OLDEST_FIRST) { edges { node { title } } } }"),
        graphql("{ tags(first: 10) { edges { node { name slug articleCount } } } }"),
        graphql("{ authors(first: 10) { edges { node { name articleCount } } } }"),
        graphql("{ search(query: \"alpha\") { edges { snippet node { title } } } }"),
        format!("/ghost/api/content/posts/?key={key}&include=tags,authors"),
        format!("/ghost/api/content/posts/?key={key}&filter=tag:politics&include=tags"),
        format!("/ghost/api/content/posts/?key={key}&order=title%20asc&fields=title"),
        // Filtered by what places articles in lists (tags, authors, featured, slugs,
        // statuses, dates), which an edit of a title leaves in place; and by a title, which
        // it can change.
        format!(
            "/ghost/api/content/posts/?key={key}&filter=tag:[politics,sport]%2Bfeatured:true&include=tags"
        ),
        format!(
            "/ghost/api/content/posts/?key={key}&filter=primary_author:ann,slug:[s1,s2,p0]&limit=3&fields=title,slug"
        ),
        format!(
            "/ghost/api/content/posts/?key={key}&filter=status:published%2Bprimary_tag:-politics&limit=3&fields=title"
        ),
        format!("/ghost/api/content/posts/?key={key}&filter=title:~'1'&fields=title"),
        graphql(
            "{ articles(first: 3, filter: { nql: \"featured:true,tag:sport\" }) { totalCount edges { node { title } } } }",
        ),
        graphql(
            "{ articles(first: 3, orderBy: OLDEST_FIRST, filter: { nql: \"published_at:>'2000-01-01'+author:[bob,cat]\" }) { edges { node { title } } } }",
        ),
        format!("/ghost/api/content/tags/?key={key}&include=count.posts"),
        format!("/ghost/api/content/authors/?key={key}&include=count.posts"),
        format!("/ghost/api/content/settings/?key={key}"),
        "/rss/".to_owned(),
        "/feed.json".to_owned(),
    ];
    let mut paths = Vec::new();
    for slug in SLUGS {
        paths.push(article_page(slug));
        paths.push(format!(
            "/ghost/api/content/posts/slug/{slug}/?key={key}&include=tags,authors"
        ));
    }
    for slug in TAG_SLUGS {
        paths.push(graphql(&format!(
            "{{ tag(slug: \"{slug}\") {{ name articleCount articles(first: 2) {{ edges {{ node {{ title }} }} }} }} }}"
        )));
        paths.push(format!("/tag/{slug}/rss/"));
    }
    for slug in AUTHOR_SLUGS {
        paths.push(graphql(&format!(
            "{{ author(slug: \"{slug}\") {{ name articleCount articles(first: 2) {{ edges {{ node {{ title }} }} }} }} }}"
        )));
        paths.push(format!("/author/{slug}/feed.json"));
    }
    (lists, paths)
}

/// A body as compared: an error's id is made per request.
fn comparable(body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut json) if json["errors"].is_array() => {
            for e in json["errors"].as_array_mut().into_iter().flatten() {
                if let Some(e) = e.as_object_mut() {
                    e.remove("id");
                }
            }
            json.to_string()
        }
        _ => String::from_utf8_lossy(body).into_owned(),
    }
}

async fn cached_reads_equal_uncached_ones_whatever_is_written(db: TestDb) {
    let w = world(&db);
    let key = {
        let mut c = db.store.conn().expect("connection");
        broadsheet_service::keys::create_content(
            &mut c,
            "Partner",
            1_000_000,
            broadsheet_domain::time::now(),
        )
        .expect("key")
        .credential
    };
    let plain = db.another();
    let clock = manual_clock();
    let cached = TestApp::spawn_configured(db, |args| {
        args.clock = clock.clone();
        args.cache_refresh_ms = 60_000;
    })
    .await;
    let uncached = TestApp::spawn_configured(plain, |args| {
        args.clock = clock.clone();
        args.response_cache_mb = 0;
    })
    .await;
    cached.refresh_cache().await;
    let (lists, pages) = reads(&key);
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let (mut hits, mut total, mut writes) = (0, 0, 0);
    let mut history: Vec<String> = Vec::new();
    for step in 0..120 {
        if step % 2 == 1 {
            let (what, statements) = write(&w, &mut dice, step);
            {
                let mut c = cached.db.store.conn().expect("connection");
                let rows: usize = statements.iter().map(|sql| raw::execute(&mut c, sql)).sum();
                writes += usize::from(rows > 0);
            }
            history.push(what);
            if step == 81 {
                // The scheduled articles come due, with no write.
                clock.advance(TimeDelta::hours(2));
            }
            cached.refresh_cache().await;
        }
        let some_pages: Vec<&String> = (0..8).map(|_| dice.pick(&pages)).collect();
        for path in lists.iter().chain(some_pages) {
            let got = cached.get(path).await;
            let want = uncached.get(path).await;
            total += 1;
            if got.header("x-cache") == Some("HIT") {
                hits += 1;
            }
            assert_eq!(
                (got.status, comparable(&got.body)),
                (want.status, comparable(&want.body)),
                "{path} ({:?}) after: {}",
                got.header("x-cache"),
                history.join("; ")
            );
        }
    }
    // The property is about the cache: it must have answered much of it, across writes
    // that changed something.
    eprintln!(
        "{hits} hits of {total} reads, {writes} writes of {} changed rows",
        history.len()
    );
    assert!(hits * 4 > total, "{hits} hits of {total}");
    assert!(
        writes * 3 > history.len() * 2,
        "{writes} of {}",
        history.len()
    );
    assert_eq!(uncached.get(&lists[0]).await.status, StatusCode::OK);
}
