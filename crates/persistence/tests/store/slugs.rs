//! Derived slugs: numbered from the base, found by index lookups on both backends.

use broadsheet_domain::Slug;
use broadsheet_persistence::testing::{
    ArticleBuilder, SlugTable, TagBuilder, TestDb, UserBuilder, slug_lookup_plan,
};
use broadsheet_persistence::{Backend, backend_tests};
use diesel::RunQueryDsl as _;

backend_tests!(
    derived_slugs_are_numbered_from_the_base,
    finding_a_free_slug_reads_the_slug_index,
);

fn derived_slugs_are_numbered_from_the_base(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    // A slug that starts like the base must not shift the numbering.
    let writer = UserBuilder::new("News")
        .slug("news-today")
        .email("desk@example.com")
        .create(&mut c);
    let users: Vec<String> = (0..3)
        .map(|i| {
            let email = format!("news{i}@example.com");
            let user = UserBuilder::new("News").email(&email).create(&mut c);
            user.author.slug.to_string()
        })
        .collect();
    assert_eq!(users, ["news", "news-2", "news-3"]);

    TagBuilder::new("News today").create(&mut c);
    TagBuilder::new("Tag").slug("news-4").create(&mut c);
    let tags: Vec<String> = (0..4)
        .map(|_| TagBuilder::new("News").create(&mut c).slug.to_string())
        .collect();
    assert_eq!(
        tags,
        ["news", "news-2", "news-3", "news-5"],
        "news-4 is taken"
    );

    // Past the first batch of candidates looked up at once.
    let articles: Vec<String> = (0..40)
        .map(|_| {
            ArticleBuilder::new("News", writer.id())
                .create(&mut c)
                .slug
                .to_string()
        })
        .collect();
    let expected: Vec<String> = std::iter::once("news".to_owned())
        .chain((2..=40).map(|n| format!("news-{n}")))
        .collect();
    assert_eq!(articles, expected);
}

fn finding_a_free_slug_reads_the_slug_index(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let base = Slug::parse("news").expect("valid");
    if db.store.backend() == Backend::Postgres {
        // These tables are too small for the planner to bother with an index; forbidding
        // sequential scans shows whether one can serve the statement (if none can, the plan is
        // a sequential scan all the same).
        diesel::sql_query("SET enable_seqscan = off")
            .execute(&mut **c)
            .expect("set");
    }
    for (table, index) in [
        (SlugTable::Articles, "articles_slug_key"),
        (SlugTable::Tags, "tags_slug_key"),
        (SlugTable::Users, "users_slug_key"),
    ] {
        let plan = slug_lookup_plan(&mut c, table, &base).expect("explained");
        let uses_index = match db.store.backend() {
            // `SEARCH`, not `SCAN` (which reads the whole table, or the whole index).
            Backend::Sqlite => plan.iter().all(|step| {
                step.starts_with("SEARCH") && step.contains("INDEX") && step.contains("(slug=?)")
            }),
            // Looked up in the index (`Index Cond`), not read through it whole and filtered.
            Backend::Postgres => {
                plan.iter().any(|line| line.contains(index))
                    && plan
                        .iter()
                        .any(|line| line.contains("Index Cond: (slug = "))
                    && !plan
                        .iter()
                        .any(|line| line.contains("Seq Scan") || line.contains("Filter:"))
            }
        };
        assert!(uses_index, "{table:?}: {plan:#?}");
    }
}
