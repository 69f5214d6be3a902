//! The JSON Content API's pages of public tags and authors, filtered, ordered, counted and
//! paged in SQL (`tags::public_page`, `users::public_page`).

use broadsheet_domain::filter::records::{self, Condition};
use broadsheet_domain::listing::records::{RecordOrder, RecordPage};
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, TestDb, UserBuilder};
use broadsheet_persistence::{backend_tests, tags, users};

backend_tests!(
    tags_are_ordered_paged_and_counted,
    tags_are_filtered_by_equality,
    authors_are_the_public_ones_ordered_paged_and_filtered,
    scheduled_articles_due_count_in_the_order_before_they_are_published,
);

fn page(order: RecordOrder, descending: bool, offset: usize, limit: Option<usize>) -> RecordPage {
    RecordPage {
        condition: None,
        order,
        descending,
        offset,
        limit,
    }
}

fn filtered(filter: &str, columns: &[&str]) -> RecordPage {
    let expr = broadsheet_domain::filter::parse(filter, now(), "filter").expect("parses");
    RecordPage {
        condition: Some(records::to_condition(&expr, columns).expect("an SQL filter")),
        ..page(RecordOrder::Name, false, 0, None)
    }
}

fn slugs<T>(rows: &[T], slug: impl Fn(&T) -> &str) -> Vec<String> {
    rows.iter().map(|r| slug(r).to_owned()).collect()
}

fn tags_are_ordered_paged_and_counted(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let author = UserBuilder::new("Writer").create(&mut c);
    // `a-c` before `ab` bytewise, after it in a collation that skips hyphens.
    let ab = TagBuilder::new("Zebra").slug("ab").create(&mut c);
    let a_c = TagBuilder::new("apple").slug("a-c").create(&mut c);
    let mango = TagBuilder::new("Mango").create(&mut c);
    let hidden = TagBuilder::new("#internal").create(&mut c);
    for _ in 0..2 {
        ArticleBuilder::new("Live", author.id())
            .tags(&[mango.id, hidden.id])
            .create(&mut c);
    }
    ArticleBuilder::new("Live too", author.id())
        .tags(&[ab.id])
        .create(&mut c);
    ArticleBuilder::new("Draft", author.id())
        .draft()
        .tags(&[ab.id])
        .create(&mut c);
    ArticleBuilder::new("Later", author.id())
        .scheduled_for(now() + chrono::TimeDelta::hours(1))
        .tags(&[ab.id])
        .create(&mut c);

    let list = |c: &mut _, p: RecordPage| {
        let l = tags::public_page(c, &p, now(), false).expect("page");
        let (rows, total) = (l.rows, l.total);
        (slugs(&rows, |t| t.slug.as_str()), total)
    };
    let (by_name, total) = list(&mut c, page(RecordOrder::Name, false, 0, None));
    assert_eq!(
        (by_name, total),
        (vec!["a-c".into(), "mango".into(), "ab".into()], 3)
    );
    let (by_slug, _) = list(&mut c, page(RecordOrder::Slug, false, 0, None));
    assert_eq!(by_slug, ["a-c", "ab", "mango"]);
    let (by_slug, _) = list(&mut c, page(RecordOrder::Slug, true, 0, None));
    assert_eq!(by_slug, ["mango", "ab", "a-c"]);
    // Live articles only; ties by name, in the same direction.
    let (by_count, _) = list(&mut c, page(RecordOrder::ArticleCount, true, 0, None));
    assert_eq!(by_count, ["mango", "ab", "a-c"]);
    let (by_count, _) = list(&mut c, page(RecordOrder::ArticleCount, false, 0, None));
    assert_eq!(by_count, ["a-c", "ab", "mango"]);
    let (second, total) = list(&mut c, page(RecordOrder::ArticleCount, true, 1, Some(1)));
    assert_eq!((second, total), (vec!["ab".into()], 3));
    let (second, total) = list(&mut c, page(RecordOrder::Name, true, 1, Some(1)));
    assert_eq!(
        (second, total),
        (vec!["mango".into()], 3),
        "the total counts every page"
    );
    let (past_the_end, total) = list(&mut c, page(RecordOrder::Name, false, 3, Some(2)));
    assert_eq!((past_the_end.len(), total), (0, 3));
    // The page's counts, however the page was ordered (a tag with none is absent).
    for (order, expected) in [
        (RecordOrder::Name, [Some(1), Some(2)]),
        (RecordOrder::ArticleCount, [Some(2), Some(1)]),
    ] {
        let l =
            tags::public_page(&mut c, &page(order, true, 0, Some(2)), now(), true).expect("page");
        let counts: Vec<Option<i64>> = l
            .rows
            .iter()
            .map(|t| l.counts.get(&t.id).copied())
            .collect();
        assert_eq!(counts, expected, "{order:?}");
    }
    let counts =
        tags::article_counts(&mut c, &[ab.id, a_c.id, mango.id], Some(now())).expect("counts");
    assert_eq!(
        (
            counts.get(&ab.id),
            counts.get(&a_c.id),
            counts.get(&mango.id)
        ),
        (Some(&1), None, Some(&2))
    );
}

fn tags_are_filtered_by_equality(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    TagBuilder::new("Brexit").create(&mut c);
    TagBuilder::new("Budget").create(&mut c);
    TagBuilder::new("Devolution").create(&mut c);
    TagBuilder::new("#homepage").create(&mut c);
    let list = |c: &mut _, filter: &str| {
        let l = tags::public_page(c, &filtered(filter, records::TAG_COLUMNS), now(), false)
            .expect("page");
        let (rows, total) = (l.rows, l.total);
        assert_eq!(usize::try_from(total).ok(), Some(rows.len()), "{filter}");
        slugs(&rows, |t| t.slug.as_str())
    };
    assert_eq!(list(&mut c, "slug:budget"), ["budget"]);
    assert_eq!(
        list(&mut c, "slug:[devolution,brexit]"),
        ["brexit", "devolution"]
    );
    assert_eq!(list(&mut c, "slug:-[devolution,brexit]"), ["budget"]);
    assert_eq!(
        list(&mut c, "name:'Budget',slug:brexit"),
        ["brexit", "budget"]
    );
    assert_eq!(list(&mut c, "slug:budget+visibility:public"), ["budget"]);
    assert!(
        list(&mut c, "slug:hash-homepage").is_empty(),
        "internal tags stay hidden"
    );
    assert!(list(&mut c, "visibility:internal").is_empty());
    // An empty description is `null`; `:-` holds of it.
    assert_eq!(list(&mut c, "description:null+slug:budget"), ["budget"]);
    assert_eq!(list(&mut c, "description:-x").len(), 3);
    assert_eq!(
        list(&mut c, "email:x@y.z+slug:budget"),
        ["budget"],
        "private: ignored"
    );
    let none = filtered("slug:now", records::TAG_COLUMNS);
    assert!(matches!(&none.condition, Some(Condition::Equals { values, .. }) if values.is_empty()));
    assert!(
        tags::public_page(&mut c, &none, now(), false)
            .expect("page")
            .rows
            .is_empty()
    );
}

fn authors_are_the_public_ones_ordered_paged_and_filtered(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let ada = UserBuilder::new("Ada Lovelace").create(&mut c);
    let bob = UserBuilder::new("bob").create(&mut c);
    let quiet = UserBuilder::new("Quiet").create(&mut c);
    let gone = UserBuilder::new("Gone").create(&mut c);
    let bot = UserBuilder::new("Bot")
        .email("bot@integrations.invalid")
        .create(&mut c);
    for (author, n) in [(ada.id(), 1), (bob.id(), 2), (gone.id(), 1), (bot.id(), 1)] {
        for _ in 0..n {
            ArticleBuilder::new("Live", author).create(&mut c);
        }
    }
    ArticleBuilder::new("Draft", quiet.id())
        .draft()
        .create(&mut c);
    users::set_active(&mut c, gone.id(), false, now()).expect("deactivated");

    let list = |c: &mut _, p: RecordPage| {
        let l = users::public_page(c, &p, now(), true).expect("page");
        let (rows, total) = (l.rows, l.total);
        (slugs(&rows, |a| a.slug.as_str()), total)
    };
    let (by_name, total) = list(&mut c, page(RecordOrder::Name, false, 0, Some(15)));
    assert_eq!(
        (by_name, total),
        (vec!["ada-lovelace".into(), "bob".into()], 2)
    );
    let (by_count, _) = list(&mut c, page(RecordOrder::ArticleCount, true, 0, None));
    assert_eq!(by_count, ["bob", "ada-lovelace"]);
    let (last, total) = list(&mut c, page(RecordOrder::ArticleCount, false, 1, Some(5)));
    assert_eq!((last, total), (vec!["bob".into()], 2));
    let (by_slug, total) = list(&mut c, page(RecordOrder::Slug, true, 1, Some(1)));
    assert_eq!((by_slug, total), (vec!["ada-lovelace".into()], 2));
    let l = users::public_page(
        &mut c,
        &filtered("slug:bob", records::AUTHOR_COLUMNS),
        now(),
        false,
    )
    .expect("page");
    let (rows, total) = (l.rows, l.total);
    assert_eq!(
        (slugs(&rows, |a| a.slug.as_str()), total),
        (vec!["bob".into()], 1)
    );
    for hidden in ["quiet", "gone", "bot"] {
        let rows = users::public_page(
            &mut c,
            &filtered(&format!("slug:{hidden}"), records::AUTHOR_COLUMNS),
            now(),
            false,
        )
        .expect("page")
        .rows;
        assert!(rows.is_empty(), "{hidden} is not public");
    }
}

/// Ordered by count, a list counts the scheduled articles whose time has come though the
/// scheduler has not published them yet (no trigger has counted them): the database orders
/// by the kept counts only when there are none.
fn scheduled_articles_due_count_in_the_order_before_they_are_published(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let ada = UserBuilder::new("Ada").create(&mut c);
    let bob = UserBuilder::new("Bob").create(&mut c);
    let cy = UserBuilder::new("Cy").create(&mut c);
    let ab = TagBuilder::new("Zebra").slug("ab").create(&mut c);
    let a_c = TagBuilder::new("apple").slug("a-c").create(&mut c);
    let mango = TagBuilder::new("Mango").create(&mut c);
    for _ in 0..2 {
        ArticleBuilder::new("Live", bob.id())
            .tags(&[mango.id])
            .create(&mut c);
        ArticleBuilder::new("Due", ada.id())
            .scheduled_for(now() - chrono::TimeDelta::minutes(5))
            .tags(&[a_c.id])
            .create(&mut c);
    }
    ArticleBuilder::new("Live too", cy.id())
        .tags(&[ab.id])
        .create(&mut c);

    let tags = |c: &mut _, descending| {
        let l = tags::public_page(
            c,
            &page(RecordOrder::ArticleCount, descending, 0, None),
            now(),
            true,
        )
        .expect("page");
        let counts: Vec<i64> = l
            .rows
            .iter()
            .map(|t| l.counts.get(&t.id).copied().unwrap_or(0))
            .collect();
        (slugs(&l.rows, |t| t.slug.as_str()), counts)
    };
    // Two each for `mango` and `a-c` (due), tied and then ordered by name.
    assert_eq!(
        tags(&mut c, true),
        (
            vec!["mango".into(), "a-c".into(), "ab".into()],
            vec![2, 2, 1]
        )
    );
    assert_eq!(
        tags(&mut c, false),
        (
            vec!["ab".into(), "a-c".into(), "mango".into()],
            vec![1, 2, 2]
        )
    );
    let authors = |c: &mut _| {
        let l = users::public_page(
            c,
            &page(RecordOrder::ArticleCount, true, 0, None),
            now(),
            false,
        )
        .expect("page");
        slugs(&l.rows, |a| a.slug.as_str())
    };
    assert_eq!(authors(&mut c), ["bob", "ada", "cy"]);
    // Ada is public by her due articles alone (none published): listed by name, counted
    // and found by slug, as by count.
    let l = users::public_page(
        &mut c,
        &page(RecordOrder::Name, false, 0, None),
        now(),
        true,
    )
    .expect("page");
    assert_eq!(slugs(&l.rows, |a| a.slug.as_str()), ["ada", "bob", "cy"]);
    assert_eq!((l.total, l.counts.get(&ada.id()).copied()), (3, Some(2)));
    let slug = broadsheet_domain::Slug::parse("ada").expect("slug");
    assert!(
        users::public_author_by_slug(&mut c, &slug, now())
            .expect("read")
            .is_some()
    );
    // An instant before they came due, she is nobody to the public.
    let before = now() - chrono::TimeDelta::hours(1);
    assert!(
        users::public_author_by_slug(&mut c, &slug, before)
            .expect("read")
            .is_none()
    );
}
