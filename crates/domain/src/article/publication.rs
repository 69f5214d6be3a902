//! Where an article stands: draft, scheduled for a time, or published at a time.

use crate::ValidationError;
use crate::time::Timestamp;

/// The stored status of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArticleStatus {
    /// Being written; not public.
    Draft,
    /// Will become public at its publication date.
    Scheduled,
    /// Public.
    Published,
}

impl ArticleStatus {
    /// Every status.
    pub const ALL: [ArticleStatus; 3] = [Self::Draft, Self::Scheduled, Self::Published];

    /// The stored and served spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Published => "published",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .ok_or_else(|| {
                ValidationError::new("status", "must be one of draft, scheduled, published")
            })
    }
}

/// Status and date together, so that a published article always has a date and a draft
/// never has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publication {
    /// Not public, no date.
    Draft,
    /// Public from the given instant on.
    Scheduled(Timestamp),
    /// Public since the given instant.
    Published(Timestamp),
}

impl Publication {
    /// Builds from a status and a date; the date must be present exactly when the status is
    /// not `draft`, and be one a database can store.
    pub fn from_parts(
        status: ArticleStatus,
        published_at: Option<Timestamp>,
    ) -> Result<Self, ValidationError> {
        if let Some(at) = published_at {
            crate::time::check_storable("published_at", at)?;
        }
        match (status, published_at) {
            (ArticleStatus::Draft, None) => Ok(Self::Draft),
            (ArticleStatus::Scheduled, Some(at)) => Ok(Self::Scheduled(at)),
            (ArticleStatus::Published, Some(at)) => Ok(Self::Published(at)),
            (ArticleStatus::Draft, Some(_)) => Err(ValidationError::new(
                "published_at",
                "a draft has no publication date",
            )),
            (ArticleStatus::Scheduled, None) => Err(ValidationError::new(
                "published_at",
                "a scheduled article needs the date it will be published",
            )),
            (ArticleStatus::Published, None) => Err(ValidationError::new(
                "published_at",
                "a published article needs a publication date",
            )),
        }
    }

    /// The status part.
    pub fn status(&self) -> ArticleStatus {
        match self {
            Self::Draft => ArticleStatus::Draft,
            Self::Scheduled(_) => ArticleStatus::Scheduled,
            Self::Published(_) => ArticleStatus::Published,
        }
    }

    /// The date part.
    pub fn published_at(&self) -> Option<Timestamp> {
        match self {
            Self::Draft => None,
            Self::Scheduled(at) | Self::Published(at) => Some(*at),
        }
    }

    /// Whether the public may read the article at `now`: published, or scheduled and due
    /// (so an article reads as published on time even if the scheduler runs late).
    pub fn is_live_at(&self, now: Timestamp) -> bool {
        match self {
            Self::Draft => false,
            Self::Published(_) => true,
            Self::Scheduled(at) => *at <= now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn date_is_required_exactly_when_not_draft() {
        let t = crate::time::now();
        assert_eq!(
            Publication::from_parts(ArticleStatus::Draft, None),
            Ok(Publication::Draft)
        );
        assert_eq!(
            Publication::from_parts(ArticleStatus::Published, Some(t)),
            Ok(Publication::Published(t))
        );
        for (s, d) in [
            (ArticleStatus::Draft, Some(t)),
            (ArticleStatus::Scheduled, None),
            (ArticleStatus::Published, None),
        ] {
            assert_eq!(
                Publication::from_parts(s, d).unwrap_err().field,
                "published_at"
            );
        }
    }

    #[test]
    fn dates_a_database_cannot_store_are_refused() {
        let too_late = crate::time::MAX_STORED + TimeDelta::microseconds(1);
        let too_early = crate::time::MIN_STORED - TimeDelta::microseconds(1);
        for at in [too_late, too_early] {
            let err = Publication::from_parts(ArticleStatus::Published, Some(at)).unwrap_err();
            assert_eq!(err.field, "published_at");
        }
    }

    #[test]
    fn scheduled_is_live_once_due() {
        let now = crate::time::now();
        let later = now + TimeDelta::hours(1);
        assert!(!Publication::Scheduled(later).is_live_at(now));
        assert!(Publication::Scheduled(now).is_live_at(now));
        assert!(!Publication::Draft.is_live_at(now));
    }

    #[test]
    fn statuses_round_trip() {
        for s in ArticleStatus::ALL {
            assert_eq!(ArticleStatus::parse(s.as_str()), Ok(s));
        }
        assert!(ArticleStatus::parse("deleted").is_err());
    }
}
