//! Pruning what has outlived its use: dead refresh tokens, ended sign-in throttle windows,
//! revisions beyond the newest few of each article.

use broadsheet_domain::ids::ArticleId;
use broadsheet_domain::time::now;
use broadsheet_persistence::testing::{ArticleBuilder, TestDb, UserBuilder};
use broadsheet_persistence::{AnyConnection, articles, backend_tests, sessions, throttle};
use chrono::TimeDelta;
use diesel::RunQueryDsl as _;

backend_tests!(
    dead_refresh_tokens_are_pruned,
    ended_throttle_windows_are_pruned,
    only_the_newest_revisions_are_kept,
);

#[derive(diesel::QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// The values of a text column, sorted.
fn column(c: &mut AnyConnection, sql: &str) -> Vec<String> {
    let mut values: Vec<String> = diesel::sql_query(sql)
        .load::<Text>(c)
        .expect("read")
        .into_iter()
        .map(|t| t.value)
        .collect();
    values.sort();
    values
}

fn dead_refresh_tokens_are_pruned(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let u = UserBuilder::new("Writer").create(&mut c).id();
    let (t0, later) = (now(), now() + TimeDelta::days(30));
    sessions::create(&mut c, u, "live", "a", t0, later).expect("created");
    sessions::create(&mut c, u, "used", "b", t0, later).expect("created");
    sessions::rotate(&mut c, "used", "used-next", t0, later).expect("rotated");
    let long_ago = t0 - TimeDelta::days(60);
    sessions::create(&mut c, u, "expired", "c", long_ago, t0 - TimeDelta::days(1))
        .expect("created");
    sessions::create(&mut c, u, "revoked", "d", t0, later).expect("created");
    sessions::revoke(&mut c, "revoked", t0).expect("revoked");

    // A batch of one at a time, to the end.
    let mut pruned = 0;
    loop {
        match sessions::prune(&mut c, now(), 1).expect("pruned") {
            0 => break,
            n => pruned += n,
        }
    }
    assert_eq!(pruned, 2);
    assert_eq!(
        column(&mut c, "SELECT token_hash AS value FROM refresh_tokens"),
        ["live", "used", "used-next"]
    );
    // The used token is still there to catch its reuse.
    assert_eq!(
        sessions::rotate(&mut c, "used", "x", now(), later).expect("reuse"),
        sessions::Rotation::Reused
    );
}

fn ended_throttle_windows_are_pruned(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let window = TimeDelta::minutes(15);
    let t0 = now();
    throttle::record_failure(&mut c, "ended", t0 - TimeDelta::hours(1), window).expect("counted");
    throttle::record_failure(&mut c, "current", t0 - TimeDelta::minutes(5), window)
        .expect("counted");
    assert_eq!(throttle::prune(&mut c, t0 - window).expect("pruned"), 1);
    assert_eq!(
        column(&mut c, "SELECT key AS value FROM login_throttle"),
        ["current"]
    );
    assert_eq!(
        throttle::failures(&mut c, "current", t0, window)
            .expect("read")
            .count,
        1
    );
    // A run that started long ago but is still going (its last failure is recent) stays.
    throttle::record_failure(&mut c, "long", t0 - TimeDelta::minutes(50), window).expect("1");
    throttle::record_failure(&mut c, "long", t0 - TimeDelta::minutes(40), window).expect("2");
    throttle::record_failure(&mut c, "long", t0 - TimeDelta::minutes(30), window).expect("3");
    throttle::record_failure(&mut c, "long", t0 - TimeDelta::minutes(20), window).expect("4");
    throttle::record_failure(&mut c, "long", t0 - TimeDelta::minutes(10), window).expect("5");
    assert_eq!(throttle::prune(&mut c, t0 - window).expect("pruned"), 0);
    assert_eq!(
        throttle::failures(&mut c, "long", t0, window)
            .expect("read")
            .count,
        5
    );
}

fn only_the_newest_revisions_are_kept(db: &TestDb) {
    let mut c = db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    let busy = ArticleBuilder::new("Busy", w).create(&mut c);
    let quiet = ArticleBuilder::new("Quiet", w).create(&mut c);
    let third = ArticleBuilder::new("Third", w).create(&mut c);
    // Each change keeps the version it replaces: 6, 2 and 5 revisions.
    for (article, saves) in [(&busy, 6), (&quiet, 2), (&third, 5)] {
        for _ in 0..saves {
            articles::set_tags(&mut c, article.id, &[], None, now()).expect("saved");
        }
    }
    let versions = |c: &mut AnyConnection, id: ArticleId| -> Vec<i64> {
        articles::revisions(c, id)
            .expect("read")
            .iter()
            .map(|r| r.version)
            .collect()
    };

    // One article a batch, walking on from the last one pruned.
    let (mut deleted, mut after) = (0, None);
    loop {
        let articles::Pruned { deleted: n, last } =
            articles::prune_revisions(&mut c, 3, after, 1).expect("pruned");
        deleted += n;
        match last {
            Some(last) => after = Some(last),
            None => break,
        }
    }
    assert_eq!(deleted, 3 + 2);
    assert_eq!(versions(&mut c, busy.id), [6, 5, 4], "the newest three");
    assert_eq!(
        versions(&mut c, quiet.id),
        [2, 1],
        "fewer than three: all kept"
    );
    assert_eq!(versions(&mut c, third.id), [5, 4, 3]);
    assert_eq!(
        articles::prune_revisions(&mut c, 3, None, 10).expect("pruned"),
        articles::Pruned {
            deleted: 0,
            last: None
        },
        "nothing more to prune"
    );
}
