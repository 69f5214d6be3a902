//! Errors of the content model.
//!
//! Policy: a constructor that refuses a value returns a [`ValidationError`] naming the field
//! (as the client spelled it, in snake case, with `.` for nesting and `[i]` for list items) and
//! saying what is wrong in words a writer understands. Nothing here is an internal error: every
//! failure of this crate is the caller's input.

use std::borrow::Cow;

/// A value refused by a domain constructor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// The field that holds the bad value, e.g. `title` or `feature_image.url`.
    pub field: Cow<'static, str>,
    /// What is wrong with it.
    pub message: String,
}

impl ValidationError {
    /// An error about `field`.
    pub fn new(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error reported under a parent field: `url` becomes `feature_image.url`.
    #[must_use]
    pub fn within(self, parent: &str) -> Self {
        Self {
            field: Cow::Owned(format!("{parent}.{}", self.field)),
            message: self.message,
        }
    }
}
