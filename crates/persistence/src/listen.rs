//! Hearing of content changes the moment they commit, on PostgreSQL: every change the
//! triggers journal (see [`crate::content`]) also sends a notification on a channel of its
//! schema (`pg_notify`, delivered when the writing transaction commits, whoever wrote: a
//! replica, the CLI, an importer, a database client). A [`ChangeListener`] holds one
//! connection of its own that `LISTEN`s on that channel, so a response cache on another
//! replica can re-read what changed at once instead of at its next poll.
//!
//! SQLite has no such thing (and needs none: one process serves a SQLite file, and writes
//! made beside it, by the CLI, are seen at the next poll).

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection as _;
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::StoreError;
use crate::db::DatabaseUrl;
use crate::error::Cause;

/// The channel of the connection's schema, as SQL: one per schema, so that publications kept
/// in schemas of one database (and the tests, which do the same) hear only their own
/// changes; the schema's name as its md5, which keeps the name within the 63 bytes a channel
/// may have. The migration `2026-12-02-000015_change_notification` sends on the same name.
const CHANNEL: &str = "'broadsheet_content:' || md5(current_schema())";

/// The listening connection's `application_name`.
pub const APPLICATION_NAME: &str = "broadsheet-listener";

/// How often a wait looks for notifications that have arrived. Looking reads the socket
/// without a round trip (libpq's `PQconsumeInput`): cheap enough to do often.
const LOOK_EVERY: Duration = Duration::from_millis(20);

/// A connection listening for content changes (see the module's docs).
pub struct ChangeListener {
    conn: PgConnection,
    channel: String,
}

impl std::fmt::Debug for ChangeListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeListener")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

#[derive(QueryableByName)]
struct ChannelRow {
    #[diesel(sql_type = Text)]
    channel: String,
}

impl ChangeListener {
    /// Opens a connection of its own to `url` and listens on its schema's channel; `None` on
    /// SQLite. Blocking.
    pub fn connect(url: &DatabaseUrl) -> Result<Option<Self>, StoreError> {
        let DatabaseUrl::Postgres(url) = url else {
            return Ok(None);
        };
        let mut conn =
            PgConnection::establish(url).map_err(|e| StoreError::Unavailable(Cause::new(e)))?;
        let ChannelRow { channel } = diesel::sql_query(format!("SELECT {CHANNEL} AS channel"))
            .get_result(&mut conn)
            .map_err(unavailable)?;
        // Named, so that an operator sees it for what it is in `pg_stat_activity`.
        conn.batch_execute(&format!(
            "SET application_name = '{APPLICATION_NAME}'; LISTEN {}",
            quote_identifier(&channel)
        ))
        .map_err(unavailable)?;
        Ok(Some(Self { conn, channel }))
    }

    /// The channel listened on.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// Waits at most `within` for a change: `Ok(true)` as soon as one (or more) has been
    /// heard, `Ok(false)` if none came. An error means the connection is lost: connect again,
    /// and re-read everything, since changes made meanwhile were not heard.
    pub fn wait(&mut self, within: Duration) -> Result<bool, StoreError> {
        let until = Instant::now() + within;
        loop {
            let mut heard = false;
            for notification in self.conn.notifications_iter() {
                notification.map_err(unavailable)?;
                heard = true;
            }
            if heard {
                return Ok(true);
            }
            let now = Instant::now();
            if now >= until {
                return Ok(false);
            }
            std::thread::sleep(LOOK_EVERY.min(until - now));
        }
    }

    /// Checks the connection with a round trip: one silently gone (a network cut, a server
    /// restarted without closing it) would otherwise never hear anything again, with no
    /// error.
    pub fn check(&mut self) -> Result<(), StoreError> {
        self.conn.batch_execute("SELECT 1").map_err(unavailable)
    }
}

fn unavailable(e: diesel::result::Error) -> StoreError {
    StoreError::Unavailable(Cause::new(e))
}

/// `name` as a quoted SQL identifier.
fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_identifier("a:b"), "\"a:b\"");
        assert_eq!(quote_identifier("x\"y"), "\"x\"\"y\"");
    }
}
