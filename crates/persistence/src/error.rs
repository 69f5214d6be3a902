//! Errors of the store.
//!
//! Policy:
//! - Every diesel error becomes a [`StoreError`] in exactly one place, the `From` impl below:
//!   a missing row is `NotFound`, a unique or foreign-key violation is `Conflict` with the
//!   field it concerns, a lost connection is `Unavailable`, anything else is `Internal`. A
//!   stored value that cannot be read (an unknown status, a malformed instant) is `Internal`
//!   with the whole story in its cause: the column and what was wrong with the value.
//! - `Invalid` carries a domain [`ValidationError`] for input only the store can judge (a tag
//!   id that does not exist, a reorder that is not a permutation).
//! - `Internal` keeps its cause for the log; its `Display` never includes it, so SQL text and
//!   file paths cannot reach a client through `to_string()`.

use std::fmt;

use broadsheet_domain::ValidationError;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// A failure of a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("{entity} not found")]
    NotFound {
        /// What was looked for: `article`, `tag`, `user`, `related link`.
        entity: &'static str,
    },
    /// The change would break a uniqueness or reference rule.
    #[error("{field}: {message}")]
    Conflict {
        /// The field concerned, e.g. `slug` or `email`.
        field: String,
        /// What is in the way.
        message: String,
    },
    /// The change was made against an old version of the article.
    #[error("the article was changed by someone else (now at version {current_version})")]
    StaleVersion {
        /// The version now stored.
        current_version: i64,
        /// The name of whoever saved it, if known.
        saved_by: Option<String>,
    },
    /// Input refused.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The database cannot be reached or is overloaded.
    /// The request's deadline passed: its statement was ended, or not started.
    #[error("the request took too long")]
    TimedOut,
    #[error("the database is unavailable")]
    Unavailable(#[source] Cause),
    /// Anything else; the cause is for logs only.
    #[error("internal storage error")]
    Internal(#[source] Cause),
}

/// The underlying cause of an `Unavailable` or `Internal` error, kept for logs.
pub struct Cause(Box<dyn std::error::Error + Send + Sync>);

impl Cause {
    /// Wraps any error.
    pub fn new(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(e.into())
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl StoreError {
    /// Not found, naming the entity.
    pub fn not_found(entity: &'static str) -> Self {
        Self::NotFound { entity }
    }

    /// A conflict on `field`.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An internal error with its cause.
    pub fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(Cause::new(e))
    }

    /// Whether this is the caller's fault (as opposed to the server's).
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            Self::Unavailable(_) | Self::Internal(_) | Self::TimedOut
        )
    }
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => Self::NotFound { entity: "row" },
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                let field = violated_field(info.constraint_name(), info.message());
                Self::conflict(field, "is already taken")
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                let field = violated_field(info.constraint_name(), info.message());
                Self::conflict(field, "is still referenced or refers to nothing")
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::Unavailable(Cause::new(info.message().to_owned()))
            }
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if is_busy(info.message()) =>
            {
                Self::Unavailable(Cause::new(e))
            }
            DieselError::DatabaseError(_, ref info) if timed_out(info.message()) => Self::TimedOut,
            // diesel's message names the field; what was wrong with its value is the source.
            DieselError::DeserializationError(e) => Self::internal(with_sources(&*e)),
            other => Self::internal(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(Cause::new(e))
    }
}

/// `e`'s message followed by its sources', for a cause that is logged as one line.
fn with_sources(e: &(dyn std::error::Error + 'static)) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

/// SQLite reports lock contention that outlasted the busy timeout as an unknown error.
/// A statement ended for taking too long: past its request's deadline on SQLite (see
/// [`crate::db::deadline`]), or by PostgreSQL's `statement_timeout`.
fn timed_out(message: &str) -> bool {
    message.contains(crate::db::deadline::PASSED)
        || message.contains("canceling statement due to statement timeout")
}

fn is_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
}

/// The field a constraint protects. PostgreSQL names the constraint (`articles_slug_key`,
/// our convention `<table>_<columns>_key`); SQLite names the columns in its message
/// (`UNIQUE constraint failed: articles.slug`).
fn violated_field(constraint: Option<&str>, message: &str) -> String {
    let from_constraint = constraint.and_then(|c| {
        let c = c.strip_suffix("_key").or_else(|| c.strip_suffix("_fkey"))?;
        KNOWN_FIELDS
            .iter()
            .find(|f| c.ends_with(*f))
            .map(|f| (*f).to_owned())
    });
    if let Some(field) = from_constraint {
        return field;
    }
    let columns = message.rsplit(": ").next().unwrap_or(message);
    KNOWN_FIELDS
        .iter()
        .find(|f| columns.split(", ").any(|c| c.ends_with(&format!(".{f}"))))
        .map_or_else(|| "id".to_owned(), |f| (*f).to_owned())
}

/// Fields guarded by unique or reference constraints, most specific first.
const KNOWN_FIELDS: &[&str] = &["related_id", "slug", "email", "uuid", "user_id", "tag_id"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_from_either_backend() {
        assert_eq!(violated_field(Some("articles_slug_key"), ""), "slug");
        assert_eq!(violated_field(Some("users_email_key"), ""), "email");
        assert_eq!(
            violated_field(None, "UNIQUE constraint failed: users.email"),
            "email"
        );
        assert_eq!(
            violated_field(
                None,
                "UNIQUE constraint failed: related_articles.article_id, related_articles.related_id"
            ),
            "related_id"
        );
        assert_eq!(
            violated_field(Some("related_articles_related_id_key"), ""),
            "related_id"
        );
        assert_eq!(violated_field(Some("something_else"), "x"), "id");
    }

    #[test]
    fn internal_errors_do_not_show_their_cause() {
        let e = StoreError::internal("SELECT secret FROM /var/lib/db");
        assert_eq!(e.to_string(), "internal storage error");
    }
}
