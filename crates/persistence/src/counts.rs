//! List counts remembered until the content changes.
//!
//! Counting a list (the JSON API's `meta.pagination.total` on every page, GraphQL's
//! `totalCount`) walks the whole list: its cost grows with the archive, while its value
//! changes only when the content does. A count is kept with the [`ContentState`] it was made
//! at and given again only while the state read in the same connection is unchanged and no
//! scheduled article has come due since (which changes what is live with no write). Reading
//! the state is one row by key; the count it saves is a scan.

use std::collections::HashMap;
use std::sync::Mutex;

use broadsheet_domain::listing::{ArticleFilter, ArticleOrder};

use crate::content::{self, ContentState};
use crate::db::AnyConnection;
use crate::{StoreError, articles};

/// Most lists remembered; past this the memo starts again (filters with instants in them,
/// such as `published_at:>now-1y`, never repeat).
const MAX_LISTS: usize = 512;

/// Remembered counts, shared by every request of a process.
#[derive(Debug, Default)]
pub struct CountMemo {
    counts: Mutex<HashMap<String, (ContentState, i64)>>,
}

impl CountMemo {
    /// How many articles the list holds, as [`articles::count`] would say, from memory when
    /// nothing that could change it has happened since it was counted.
    pub fn count(
        &self,
        conn: &mut AnyConnection,
        filter: &ArticleFilter,
        order: ArticleOrder,
    ) -> Result<i64, StoreError> {
        let Some(now) = filter.live_at else {
            // Editors' lists (drafts and all): rarely paged, never memoised.
            return articles::count(conn, filter, order);
        };
        // The instant of reading is not part of the list's identity: the state says when
        // the live set changes by itself.
        let key = format!(
            "{:?}|{}",
            ArticleFilter {
                live_at: None,
                ..filter.clone()
            },
            order.needs_date()
        );
        let state = content::state(conn)?;
        let settled = state.next_due.is_none_or(|due| due > now);
        if settled
            && let Some((at, n)) = self.lock().get(&key)
            && *at == state
        {
            return Ok(*n);
        }
        let n = articles::count(conn, filter, order)?;
        if settled {
            let mut counts = self.lock();
            if counts.len() >= MAX_LISTS {
                counts.clear();
            }
            counts.insert(key, (state, n));
        }
        Ok(n)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (ContentState, i64)>> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }
}
