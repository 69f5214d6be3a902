//! Deletes what has outlived its use, periodically: refresh tokens that can no longer be
//! used, sign-in throttle windows that have ended, and revisions beyond the newest
//! `--revisions-kept` of each article. Each table is pruned a small batch a transaction, so
//! that no pass holds the write lock for long; several replicas running it only share the
//! work.

use std::time::Duration;

use broadsheet_api::background::Pulse;
use broadsheet_domain::clock::Clock;
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::{Store, StoreError, articles, rate_windows, sessions, throttle};
use broadsheet_service::sessions as session;

/// Refresh tokens deleted a transaction.
const TOKEN_BATCH: usize = 500;
/// Articles whose old revisions are deleted a transaction.
const ARTICLE_BATCH: usize = 100;

/// What a pass deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    /// Refresh tokens expired or revoked.
    pub refresh_tokens: usize,
    /// Sign-in throttle rows of windows that ended.
    pub throttle_rows: usize,
    /// Revisions beyond the newest kept of their article.
    pub revisions: usize,
}

/// Runs a pass now, then one every `interval` (or when `pulse` asks), for as long as the
/// server runs, logging what each deleted; what is past its use is judged by `clock`.
pub async fn run(
    store: Store,
    interval: Duration,
    revisions_kept: u32,
    clock: Clock,
    pulse: Pulse,
) {
    loop {
        let pass_of = pulse.begin();
        match pass(&store, revisions_kept, clock.now()).await {
            Ok(pruned) if pruned == Pruned::default() => {}
            Ok(pruned) => tracing::info!(
                refresh_tokens = pruned.refresh_tokens,
                throttle_rows = pruned.throttle_rows,
                revisions = pruned.revisions,
                "pruned"
            ),
            Err(error) => tracing::warn!(%error, "pruning failed; will retry"),
        }
        pulse.finish(pass_of);
        pulse.wait(interval).await;
    }
}

/// Deletes what is past its use at `now`, keeping the newest `revisions_kept` revisions of
/// each article (all of them if 0).
pub async fn pass(
    store: &Store,
    revisions_kept: u32,
    now: Timestamp,
) -> Result<Pruned, StoreError> {
    let mut pruned = Pruned::default();
    loop {
        let n = store
            .write(move |c| sessions::prune(c, now, TOKEN_BATCH))
            .await?;
        pruned.refresh_tokens += n;
        if n < TOKEN_BATCH {
            break;
        }
    }
    let ended = now - session::WINDOW;
    pruned.throttle_rows = store.write(move |c| throttle::prune(c, ended)).await?;
    // Shared rate limits' minutes before the last (a client that stopped asking leaves its
    // last one behind).
    let minute = now.timestamp().div_euclid(60);
    store
        .write(move |c| rate_windows::prune(c, minute - 1))
        .await?;
    if revisions_kept > 0 {
        let mut after = None;
        while let articles::Pruned {
            deleted,
            last: Some(last),
        } = store
            .write(move |c| articles::prune_revisions(c, revisions_kept, after, ARTICLE_BATCH))
            .await?
        {
            pruned.revisions += deleted;
            after = Some(last);
        }
    }
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use broadsheet_domain::time::now;
    use broadsheet_persistence::testing::{ArticleBuilder, TestDb, UserBuilder};
    use chrono::TimeDelta;

    use super::*;

    #[tokio::test]
    async fn a_pass_prunes_each_table() {
        for db in [Some(TestDb::sqlite()), TestDb::postgres()]
            .into_iter()
            .flatten()
        {
            let mut c = db.store.conn().expect("connection");
            let w = UserBuilder::new("Writer").create(&mut c).id();
            let t0 = now();
            let long_ago = t0 - TimeDelta::days(60);
            sessions::create(&mut c, w, "expired", "a", long_ago, t0 - TimeDelta::days(1))
                .expect("created");
            sessions::create(&mut c, w, "live", "b", t0, t0 + TimeDelta::days(1)).expect("created");
            throttle::record_failure(&mut c, "ended", t0 - TimeDelta::hours(1), session::WINDOW)
                .expect("counted");
            throttle::record_failure(&mut c, "current", t0, session::WINDOW).expect("counted");
            let article = ArticleBuilder::new("Busy", w).create(&mut c);
            for _ in 0..4 {
                articles::set_tags(&mut c, article.id, &[], None, t0).expect("saved");
            }
            drop(c);

            let pruned = pass(&db.store, 3, now()).await.expect("pruned");
            assert_eq!(
                pruned,
                Pruned {
                    refresh_tokens: 1,
                    throttle_rows: 1,
                    revisions: 1,
                }
            );
            let mut c = db.store.conn().expect("connection");
            let kept: Vec<i64> = articles::revisions(&mut c, article.id)
                .expect("read")
                .iter()
                .map(|r| r.version)
                .collect();
            assert_eq!(kept, [4, 3, 2]);
            assert_eq!(
                throttle::failures(&mut c, "current", now(), session::WINDOW)
                    .expect("read")
                    .count,
                1
            );
            drop(c);
            assert_eq!(
                pass(&db.store, 0, now()).await.expect("again"),
                Pruned::default(),
                "nothing left past its use; with 0, every revision is kept"
            );
        }
    }
}
