//! Why a use case refused or failed.
//!
//! Policy: a use case returns [`ServiceError`]. Refusals the application decides
//! (`Unauthenticated`, `Forbidden`, `Invalid`, `NotFound`, `RateLimited`) are variants of
//! their own; everything the store reports (conflicts, stale versions, an unavailable or slow
//! database, internal faults) travels as [`ServiceError::Store`] unchanged, so that the
//! transports map it in their one place (GraphQL `extensions.code`, HTTP status).

use broadsheet_domain::ValidationError;
use broadsheet_persistence::StoreError;

/// A use case's failure.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Not signed in (or the credentials do not check out).
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// Signed in, but the role does not allow it.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The input is refused, naming the field.
    #[error(transparent)]
    Invalid(ValidationError),
    /// The thing acted on does not exist (or is not the actor's to see).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Too many attempts: try again after this many seconds.
    #[error("too many attempts; retry after {0} s")]
    RateLimited(u64),
    /// What the store said.
    #[error(transparent)]
    Store(StoreError),
}

/// A use case's result.
pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    /// Input refused in `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(ValidationError::new(field, message))
    }

    /// Whether the actor was refused (as opposed to the input or the store failing).
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::Unauthenticated(_) | Self::Forbidden(_))
    }
}

impl From<ValidationError> for ServiceError {
    fn from(e: ValidationError) -> Self {
        Self::Invalid(e)
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(v) => Self::Invalid(v),
            other => Self::Store(other),
        }
    }
}
