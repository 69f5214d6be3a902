//! Lists of articles: filters, orders, and keyset pages.
//!
//! Pages are keyset pages, not offsets: a cursor names the last row seen by its sort key
//! and id, and the next page starts strictly after it. Rows that share a timestamp are
//! ordered by id, so none is skipped or repeated, and page 5,000 costs what page 1 costs.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;

use crate::article::{Article, ArticleStatus};
use crate::filter::articles::Condition;
use crate::ids::ArticleId;
use crate::text::sort_key;
use crate::time::{Timestamp, storable};
use crate::{Slug, ValidationError};

#[cfg(test)]
mod fuzz;
pub mod records;

/// Which articles a list holds. Empty lists and `None` mean "no condition".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArticleFilter {
    /// Stored statuses to include.
    pub statuses: Vec<ArticleStatus>,
    /// Only articles the public may read at this instant: published, or scheduled and due.
    pub live_at: Option<Timestamp>,
    /// Articles with at least one of these tags.
    pub tags_any: Vec<Slug>,
    /// Articles with every one of these tags.
    pub tags_all: Vec<Slug>,
    /// Articles by at least one of these authors.
    pub authors_any: Vec<Slug>,
    /// Featured, or not.
    pub featured: Option<bool>,
    /// Published strictly after this instant.
    pub published_after: Option<Timestamp>,
    /// Published strictly before this instant.
    pub published_before: Option<Timestamp>,
    /// A condition in the filter language (see [`crate::filter`]).
    pub condition: Option<Condition>,
    /// Only articles with this author among their authors.
    pub author: Option<crate::ids::AuthorId>,
}

impl ArticleFilter {
    /// Most values one list condition may hold; more is a mistake or an attack.
    pub const MAX_VALUES: usize = 100;

    /// Whether which articles this filter holds follows only from their status, publication
    /// date, slug, featured flag, tags and authors. A change to any of those is recorded as a
    /// change to the lists (the `articles` dependency of a cached list); an edit of a title or
    /// a body is not.
    pub fn placed_by_listing(&self) -> bool {
        self.condition
            .as_ref()
            .is_none_or(Condition::placed_by_listing)
    }

    /// What the public may read at `now`.
    pub fn live(now: Timestamp) -> Self {
        Self {
            live_at: Some(now),
            ..Self::default()
        }
    }

    /// Refuses filters with more values than [`Self::MAX_VALUES`] in one condition, or
    /// bounds a database cannot compare.
    pub fn check(&self) -> Result<(), ValidationError> {
        for (field, bound) in [
            ("published_after", self.published_after),
            ("published_before", self.published_before),
        ] {
            if let Some(t) = bound {
                crate::time::check_storable(field, t)?;
            }
        }
        let lists = [
            ("tags_any", self.tags_any.len()),
            ("tags_all", self.tags_all.len()),
            ("authors_any", self.authors_any.len()),
        ];
        for (field, n) in lists {
            if n > Self::MAX_VALUES {
                return Err(ValidationError::new(
                    field,
                    format!("may hold at most {} values", Self::MAX_VALUES),
                ));
            }
        }
        Ok(())
    }
}

/// The order of an article list. Every order ends with the id, so it is total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ArticleOrder {
    /// `published_at desc, id desc`. Drafts, having no date, are not in such a list.
    #[default]
    NewestFirst,
    /// `published_at asc, id asc`. Drafts are not in such a list.
    OldestFirst,
    /// By title, A to Z, case and accents ignored.
    TitleAsc,
    /// `updated_at desc, id desc`: every article, drafts included.
    RecentlyUpdated,
}

impl ArticleOrder {
    fn tag(self) -> &'static str {
        match self {
            Self::NewestFirst => "n",
            Self::OldestFirst => "o",
            Self::TitleAsc => "t",
            Self::RecentlyUpdated => "u",
        }
    }

    /// Whether this order lists only articles that have a publication date.
    pub fn needs_date(self) -> bool {
        matches!(self, Self::NewestFirst | Self::OldestFirst)
    }

    /// Whether this order places articles only by what places them in lists (their
    /// publication dates; see [`ArticleFilter::placed_by_listing`]), not by their titles or
    /// dates of change.
    pub fn placed_by_listing(self) -> bool {
        self.needs_date()
    }

    /// Whether the primary key sorts descending.
    pub fn is_descending(self) -> bool {
        matches!(self, Self::NewestFirst | Self::RecentlyUpdated)
    }
}

/// The sort-key value of a row in a given order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    /// A date (publication or update).
    Time(Timestamp),
    /// A title's sort key (see [`crate::text::sort_key`]).
    Text(String),
}

/// A position in an ordered list: the sort key and id of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleCursor {
    /// The order the position belongs to.
    pub order: ArticleOrder,
    /// The row's sort key.
    pub key: SortKey,
    /// The row's id, which breaks ties.
    pub id: ArticleId,
}

const CURSOR_VERSION: &str = "a1";

impl ArticleCursor {
    /// The position of `article` in a list ordered by `order`.
    pub fn of(article: &Article, order: ArticleOrder) -> Self {
        let key = match order {
            // Such lists hold dated articles only; the fallback is never used in them.
            ArticleOrder::NewestFirst | ArticleOrder::OldestFirst => SortKey::Time(
                article
                    .publication
                    .published_at()
                    .unwrap_or(article.created_at),
            ),
            ArticleOrder::TitleAsc => SortKey::Text(sort_key(article.title.as_str())),
            ArticleOrder::RecentlyUpdated => SortKey::Time(article.updated_at),
        };
        Self {
            order,
            key,
            id: article.id,
        }
    }

    /// An opaque, URL-safe token for this position.
    pub fn encode(&self) -> String {
        let key = match &self.key {
            SortKey::Time(t) => t.timestamp_micros().to_string(),
            SortKey::Text(s) => s.clone(),
        };
        let raw = format!("{CURSOR_VERSION}:{}:{}:{key}", self.order.tag(), self.id.0);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Reads a token made by [`ArticleCursor::encode`] for a list in `order`. `field` names
    /// the argument that carried it, for the error.
    pub fn decode(
        token: &str,
        order: ArticleOrder,
        field: &'static str,
    ) -> Result<Self, ValidationError> {
        let invalid = || ValidationError::new(field, "is not a valid cursor");
        if token.len() > 1024 {
            return Err(invalid());
        }
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
        let raw = String::from_utf8(bytes).map_err(|_| invalid())?;
        let mut parts = raw.splitn(4, ':');
        let (Some(version), Some(tag), Some(id), Some(key)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        if version != CURSOR_VERSION {
            return Err(invalid());
        }
        if tag != order.tag() {
            return Err(ValidationError::new(
                field,
                "is a cursor from a list in another order",
            ));
        }
        let id = ArticleId(id.parse().map_err(|_| invalid())?);
        // No row has a key a database cannot compare (see `time::storable`; PostgreSQL
        // refuses NUL in text): such a cursor was made by hand.
        let key = match order {
            ArticleOrder::TitleAsc if !key.chars().any(char::is_control) => {
                SortKey::Text(key.to_owned())
            }
            ArticleOrder::TitleAsc => return Err(invalid()),
            _ => {
                let micros: i64 = key.parse().map_err(|_| invalid())?;
                let t = DateTime::from_timestamp_micros(micros).filter(|t| storable(*t));
                SortKey::Time(t.ok_or_else(invalid)?)
            }
        };
        Ok(Self { order, key, id })
    }
}

/// A position in a list ordered by name (tags, authors): the name's sort key and the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameCursor {
    /// The row's sort key (see [`crate::text::sort_key`]).
    pub key: String,
    /// The row's id, which breaks ties.
    pub id: i64,
}

const NAME_CURSOR_VERSION: &str = "n1";

impl NameCursor {
    /// The position of a row with this name and id.
    pub fn of(name: &str, id: i64) -> Self {
        Self {
            key: sort_key(name),
            id,
        }
    }

    /// An opaque, URL-safe token for this position.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{NAME_CURSOR_VERSION}:{}:{}", self.id, self.key))
    }

    /// Reads a token made by [`NameCursor::encode`]; `field` names the argument for errors.
    pub fn decode(token: &str, field: &'static str) -> Result<Self, ValidationError> {
        let invalid = || ValidationError::new(field, "is not a valid cursor");
        if token.len() > 1024 {
            return Err(invalid());
        }
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
        let raw = String::from_utf8(bytes).map_err(|_| invalid())?;
        let mut parts = raw.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            // PostgreSQL refuses NUL in text, and no name holds a control character.
            (Some(NAME_CURSOR_VERSION), Some(id), Some(key))
                if !key.chars().any(char::is_control) =>
            {
                Ok(Self {
                    key: key.to_owned(),
                    id: id.parse().map_err(|_| invalid())?,
                })
            }
            _ => Err(invalid()),
        }
    }
}

/// Which page of a list to fetch, in Relay's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest<C = ArticleCursor> {
    /// The `first` rows after `after` (or from the start).
    Forward {
        /// Page size.
        first: usize,
        /// Exclusive start.
        after: Option<C>,
    },
    /// The `last` rows before `before` (or up to the end).
    Backward {
        /// Page size.
        last: usize,
        /// Exclusive end.
        before: Option<C>,
    },
}

impl<C> PageRequest<C> {
    /// The first `n` rows.
    pub fn first(n: usize) -> Self {
        Self::Forward {
            first: n,
            after: None,
        }
    }

    /// Builds a request from Relay arguments: `first`/`after` or `last`/`before`, never
    /// both directions; sizes from 0 to `max`, `default` when neither is given.
    pub fn from_relay(
        first: Option<i64>,
        after: Option<C>,
        last: Option<i64>,
        before: Option<C>,
        default: usize,
        max: usize,
    ) -> Result<Self, ValidationError> {
        let size = |field: &'static str, n: i64| {
            usize::try_from(n)
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| ValidationError::new(field, format!("must be between 0 and {max}")))
        };
        let backward = last.is_some() || before.is_some();
        let forward = first.is_some() || after.is_some();
        match (forward, backward) {
            (true, true) => Err(ValidationError::new(
                "last",
                "page forwards with first/after or backwards with last/before, not both",
            )),
            (_, false) => Ok(Self::Forward {
                first: first
                    .map(|n| size("first", n))
                    .transpose()?
                    .unwrap_or(default),
                after,
            }),
            (false, true) => Ok(Self::Backward {
                last: last
                    .map(|n| size("last", n))
                    .transpose()?
                    .unwrap_or(default),
                before,
            }),
        }
    }

    /// Rows asked for.
    pub fn size(&self) -> usize {
        match self {
            Self::Forward { first, .. } => *first,
            Self::Backward { last, .. } => *last,
        }
    }

    /// `(forward, size, cursor)`: the direction, the page size and the exclusive bound.
    pub fn parts(&self) -> (bool, usize, Option<&C>) {
        match self {
            Self::Forward { first, after } => (true, *first, after.as_ref()),
            Self::Backward { last, before } => (false, *last, before.as_ref()),
        }
    }
}

impl<T> Page<T> {
    /// A page from rows read in walking order: at most `size + 1` of them, the extra one
    /// only telling that more follow. Backward pages are turned into list order.
    pub fn from_walk(mut rows: Vec<T>, size: usize, forward: bool, had_cursor: bool) -> Self {
        let more = rows.len() > size;
        rows.truncate(size);
        if !forward {
            rows.reverse();
        }
        Self {
            items: rows,
            has_next_page: if forward { more } else { had_cursor },
            has_previous_page: if forward { had_cursor } else { more },
        }
    }

    /// The same page with each item converted, failing on the first that fails.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, E>>()?,
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
        })
    }
}

/// One page of a list, in list order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Whether rows follow this page.
    pub has_next_page: bool,
    /// Whether rows precede this page.
    pub has_previous_page: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(order: ArticleOrder, key: SortKey) -> ArticleCursor {
        ArticleCursor {
            order,
            key,
            id: ArticleId(42),
        }
    }

    #[test]
    fn cursors_round_trip() {
        let t = crate::time::now();
        for c in [
            cursor(ArticleOrder::NewestFirst, SortKey::Time(t)),
            cursor(ArticleOrder::RecentlyUpdated, SortKey::Time(t)),
            cursor(ArticleOrder::TitleAsc, SortKey::Text("a: b: c".into())),
        ] {
            let token = c.encode();
            assert!(
                token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
            assert_eq!(ArticleCursor::decode(&token, c.order, "after"), Ok(c));
        }
    }

    #[test]
    fn bad_cursors_are_refused_naming_the_argument() {
        let t = crate::time::now();
        let token = cursor(ArticleOrder::NewestFirst, SortKey::Time(t)).encode();
        let err = ArticleCursor::decode(&token, ArticleOrder::TitleAsc, "before").unwrap_err();
        assert_eq!(err.field, "before");
        for bad in ["", "!!!", "YTE6bjp4OjE", &"A".repeat(2000), "YTI6bjoxOjE"] {
            let err = ArticleCursor::decode(bad, ArticleOrder::NewestFirst, "after").unwrap_err();
            assert_eq!(err.field, "after", "{bad}");
        }
    }

    #[test]
    fn cursors_a_database_cannot_compare_are_refused() {
        // Found by fuzzing: PostgreSQL refuses NUL in text and years before 4713 BC, and
        // SQLite's text comparison misplaces years past 9999; no row has such a key.
        let token = |raw: &str| URL_SAFE_NO_PAD.encode(raw);
        for (raw, order) in [
            ("a1:n:1:-8334601228800000000", ArticleOrder::NewestFirst),
            ("a1:u:1:8210266876799999999", ArticleOrder::RecentlyUpdated),
            ("a1:o:1:253402300800000000", ArticleOrder::OldestFirst),
            ("a1:t:1:a\u{0}b", ArticleOrder::TitleAsc),
            ("a1:t:1:\u{7}", ArticleOrder::TitleAsc),
        ] {
            let err = ArticleCursor::decode(&token(raw), order, "after").expect_err(raw);
            assert_eq!(err.field, "after");
        }
        assert!(NameCursor::decode(&token("n1:1:a\u{0}"), "after").is_err());
        assert!(
            ArticleCursor::decode(
                &token("a1:o:1:253402300799999999"),
                ArticleOrder::OldestFirst,
                "after"
            )
            .is_ok(),
            "the last instant of 9999 is a date"
        );
    }

    #[test]
    fn name_cursors_round_trip() {
        let c = NameCursor::of("Children’s: Services", 7);
        assert_eq!(NameCursor::decode(&c.encode(), "after"), Ok(c));
        assert!(NameCursor::decode("bm90IGEgY3Vyc29y", "after").is_err());
    }

    #[test]
    fn pages_from_walks() {
        let p = Page::from_walk(vec![1, 2, 3], 2, true, false);
        assert_eq!(
            (p.items, p.has_next_page, p.has_previous_page),
            (vec![1, 2], true, false)
        );
        let p = Page::from_walk(vec![3, 2, 1], 2, false, true);
        assert_eq!(
            (p.items, p.has_next_page, p.has_previous_page),
            (vec![2, 3], true, true)
        );
        let p = Page::from_walk(vec![1], 2, true, true);
        assert_eq!(
            (p.items, p.has_next_page, p.has_previous_page),
            (vec![1], false, true)
        );
    }

    #[test]
    fn relay_arguments() {
        assert_eq!(
            PageRequest::<ArticleCursor>::from_relay(None, None, None, None, 20, 100),
            Ok(PageRequest::first(20))
        );
        assert_eq!(
            PageRequest::<ArticleCursor>::from_relay(None, None, Some(5), None, 20, 100),
            Ok(PageRequest::Backward {
                last: 5,
                before: None
            })
        );
        let too_many = PageRequest::<NameCursor>::from_relay(Some(101), None, None, None, 20, 100)
            .unwrap_err();
        assert_eq!(too_many.field, "first");
        assert!(too_many.message.contains("100"));
        assert!(
            PageRequest::<NameCursor>::from_relay(Some(-1), None, None, None, 20, 100).is_err()
        );
        assert!(
            PageRequest::<NameCursor>::from_relay(Some(1), None, Some(1), None, 20, 100).is_err()
        );
    }

    #[test]
    fn filters_with_too_many_values_are_refused() {
        let slug = Slug::parse("a").expect("valid");
        let f = ArticleFilter {
            tags_any: vec![slug; ArticleFilter::MAX_VALUES + 1],
            ..ArticleFilter::default()
        };
        assert_eq!(f.check().unwrap_err().field, "tags_any");
        assert!(ArticleFilter::default().check().is_ok());
        let f = ArticleFilter {
            published_before: Some(crate::time::MIN_STORED - chrono::TimeDelta::seconds(1)),
            ..ArticleFilter::default()
        };
        assert_eq!(f.check().unwrap_err().field, "published_before");
    }
}
