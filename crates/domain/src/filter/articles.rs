//! Filters on articles: the parsed [`Expr`] checked against the properties an article has.
//!
//! Properties: `id`/`uuid`, `slug`, `title`, `custom_excerpt`, `feature_image`, `status`,
//! `featured`, `published_at`, `created_at`, `updated_at`, `reading_time`, `visibility`, and
//! the relations `tag`/`tags`/`tags.slug`, `primary_tag`, `author`/`authors`/`authors.slug`,
//! `primary_author`. Private properties (`email`, `password`, …) are ignored, as Ghost
//! ignores them, so a filter cannot probe them. Anything else is refused by name.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use uuid::Uuid;

use super::{Comparison, Expr, Op, Operand, Value};
use crate::time::{Timestamp, storable, truncate};
use crate::{Slug, ValidationError};

/// A checked filter on articles.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Every part holds.
    All(Vec<Condition>),
    /// At least one part holds.
    Any(Vec<Condition>),
    /// Always true (a condition on a private property, ignored).
    Always,
    /// Never true.
    Never,
    /// A text column.
    Text {
        /// Which column.
        field: TextField,
        /// The test.
        test: TextTest,
    },
    /// The public id.
    Uuid {
        /// Any of these.
        values: Vec<Uuid>,
        /// None of them, instead.
        negated: bool,
    },
    /// `featured`.
    Featured(bool),
    /// A date column compared with an instant.
    Time {
        /// Which column.
        field: TimeField,
        /// How.
        op: CmpOp,
        /// With what.
        value: Timestamp,
    },
    /// A date column that is (or is not) empty.
    TimeIsNull {
        /// Which column.
        field: TimeField,
        /// `false` tests "is not null".
        is_null: bool,
    },
    /// `reading_time` compared with a number of minutes.
    ReadingTime {
        /// How.
        op: CmpOp,
        /// Minutes.
        value: i64,
    },
    /// Has (or lacks) a tag or author among `slugs`.
    Related {
        /// Which relation.
        relation: Relation,
        /// Any of these.
        slugs: Vec<Slug>,
        /// None of them, instead.
        negated: bool,
    },
}

impl Condition {
    /// Whether which articles meet this condition follows only from what places articles
    /// in lists by date: their status, publication date, slug, featured flag, tags and
    /// authors (see [`crate::listing::ArticleFilter::placed_by_listing`]). A change to
    /// anything else (a title, a body, an excerpt, a date of change) cannot move an article
    /// into or out of it. The public id is left out: it never changes, but nothing that
    /// records changes says so.
    pub fn placed_by_listing(&self) -> bool {
        match self {
            Self::All(parts) | Self::Any(parts) => parts.iter().all(Self::placed_by_listing),
            Self::Always | Self::Never | Self::Featured(_) | Self::Related { .. } => true,
            Self::Text { field, .. } => matches!(field, TextField::Slug | TextField::Status),
            Self::Time { field, .. } | Self::TimeIsNull { field, .. } => {
                *field == TimeField::PublishedAt
            }
            Self::Uuid { .. } | Self::ReadingTime { .. } => false,
        }
    }
}

/// Text columns a filter may test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    /// `slug`
    Slug,
    /// `title`
    Title,
    /// `custom_excerpt`
    CustomExcerpt,
    /// `feature_image`
    FeatureImage,
    /// `status`
    Status,
}

impl TextField {
    /// Whether the column may be empty.
    pub fn nullable(self) -> bool {
        matches!(self, Self::CustomExcerpt | Self::FeatureImage)
    }
}

/// Tests on a text column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextTest {
    /// Equal to one of these.
    Equals(Vec<String>),
    /// Equal to none of these (empty values count as not equal).
    NotEquals(Vec<String>),
    /// Empty.
    IsNull,
    /// Not empty.
    IsNotNull,
    /// Contains, case-insensitively.
    Contains(String),
    /// Does not contain.
    NotContains(String),
    /// Starts with.
    StartsWith(String),
    /// Does not start with.
    NotStartsWith(String),
    /// Ends with.
    EndsWith(String),
    /// Does not end with.
    NotEndsWith(String),
}

/// Date columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeField {
    /// `published_at`
    PublishedAt,
    /// `created_at`
    CreatedAt,
    /// `updated_at`
    UpdatedAt,
}

/// Orderings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
}

/// Relations an article has, by slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// Any of its tags.
    Tag,
    /// Its first tag.
    PrimaryTag,
    /// Any of its authors.
    Author,
    /// Its first author.
    PrimaryAuthor,
}

const HIDDEN: &[&str] = &[
    "email",
    "password",
    "password_hash",
    "authors.email",
    "authors.password",
    "markdown",
    "mobiledoc",
    "lexical",
];

/// Checks `expr` against article properties. `field` names the argument for errors.
pub fn resolve(expr: &Expr, field: &'static str) -> Result<Condition, ValidationError> {
    match expr {
        Expr::And(parts) => parts
            .iter()
            .map(|p| resolve(p, field))
            .collect::<Result<_, _>>()
            .map(Condition::All),
        Expr::Or(parts) => parts
            .iter()
            .map(|p| resolve(p, field))
            .collect::<Result<_, _>>()
            .map(Condition::Any),
        Expr::Cmp(c) => {
            comparison(c).map_err(|m| ValidationError::new(field, format!("{}: {m}", c.property)))
        }
    }
}

fn comparison(c: &Comparison) -> Result<Condition, String> {
    let p = c.property.as_str();
    if HIDDEN.contains(&p) {
        return Ok(Condition::Always);
    }
    match p {
        "tag" | "tags" | "tag.slug" | "tags.slug" => related(Relation::Tag, c),
        "primary_tag" | "primary_tag.slug" => related(Relation::PrimaryTag, c),
        "author" | "authors" | "author.slug" | "authors.slug" => related(Relation::Author, c),
        "primary_author" | "primary_author.slug" => related(Relation::PrimaryAuthor, c),
        "slug" => text(TextField::Slug, c),
        "title" => text(TextField::Title, c),
        "custom_excerpt" => text(TextField::CustomExcerpt, c),
        "feature_image" => text(TextField::FeatureImage, c),
        "status" => text(TextField::Status, c),
        "id" | "uuid" => uuid(c),
        "featured" => featured(c),
        "published_at" => time(TimeField::PublishedAt, c),
        "created_at" => time(TimeField::CreatedAt, c),
        "updated_at" => time(TimeField::UpdatedAt, c),
        "reading_time" => reading_time(c),
        "visibility" => visibility(c),
        _ => Err("unknown property".into()),
    }
}

fn values(c: &Comparison) -> Vec<&Value> {
    match &c.value {
        Operand::One(v) => vec![v],
        Operand::List(vs) => vs.iter().collect(),
    }
}

fn as_text(v: &Value) -> Result<String, String> {
    match v {
        Value::Text(s) => Ok(s.clone()),
        Value::Number(n) => Ok(format_number(*n)),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err("null cannot be in a list".into()),
        Value::Date(_) => Err("expected text, not a date".into()),
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn related(relation: Relation, c: &Comparison) -> Result<Condition, String> {
    let negated = match c.op {
        Op::Eq | Op::In => false,
        Op::Ne | Op::NotIn => true,
        _ => return Err("takes only :, :-, :[…] and :-[…]".into()),
    };
    let slugs = values(c)
        .into_iter()
        .map(|v| {
            let text = as_text(v)?.to_lowercase();
            Slug::parse(&text).map_err(|_| format!("{text:?} is not a slug"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Condition::Related {
        relation,
        slugs,
        negated,
    })
}

fn text(field: TextField, c: &Comparison) -> Result<Condition, String> {
    let single = || match &c.value {
        Operand::One(v) => as_text(v),
        Operand::List(_) => Err("takes one value here".into()),
    };
    let is_null = matches!(c.value, Operand::One(Value::Null));
    let test = match c.op {
        Op::Eq if is_null => TextTest::IsNull,
        Op::Ne if is_null => TextTest::IsNotNull,
        Op::Eq | Op::In => TextTest::Equals(
            values(c)
                .into_iter()
                .map(as_text)
                .collect::<Result<_, _>>()?,
        ),
        Op::Ne | Op::NotIn => TextTest::NotEquals(
            values(c)
                .into_iter()
                .map(as_text)
                .collect::<Result<_, _>>()?,
        ),
        Op::Contains => TextTest::Contains(single()?),
        Op::NotContains => TextTest::NotContains(single()?),
        Op::StartsWith => TextTest::StartsWith(single()?),
        Op::NotStartsWith => TextTest::NotStartsWith(single()?),
        Op::EndsWith => TextTest::EndsWith(single()?),
        Op::NotEndsWith => TextTest::NotEndsWith(single()?),
        Op::Gt | Op::Gte | Op::Lt | Op::Lte => return Err("cannot be compared with > or <".into()),
    };
    Ok(Condition::Text { field, test })
}

fn uuid(c: &Comparison) -> Result<Condition, String> {
    let negated = match c.op {
        Op::Eq | Op::In => false,
        Op::Ne | Op::NotIn => true,
        _ => return Err("takes only :, :-, :[…] and :-[…]".into()),
    };
    let values = values(c)
        .into_iter()
        .map(|v| {
            let text = as_text(v)?;
            Uuid::parse_str(&text).map_err(|_| format!("{text:?} is not an id"))
        })
        .collect::<Result<_, _>>()?;
    Ok(Condition::Uuid { values, negated })
}

fn single_bool(c: &Comparison) -> Result<bool, String> {
    match &c.value {
        Operand::One(Value::Bool(b)) => Ok(*b),
        Operand::One(Value::Text(t)) if t == "true" || t == "false" => Ok(t == "true"),
        _ => Err("expects true or false".into()),
    }
}

fn featured(c: &Comparison) -> Result<Condition, String> {
    let value = single_bool(c)?;
    match c.op {
        Op::Eq => Ok(Condition::Featured(value)),
        Op::Ne => Ok(Condition::Featured(!value)),
        _ => Err("takes only : and :-".into()),
    }
}

fn cmp_op(op: Op) -> Result<CmpOp, String> {
    Ok(match op {
        Op::Eq => CmpOp::Eq,
        Op::Ne => CmpOp::Ne,
        Op::Gt => CmpOp::Gt,
        Op::Gte => CmpOp::Gte,
        Op::Lt => CmpOp::Lt,
        Op::Lte => CmpOp::Lte,
        _ => return Err("takes only :, :-, :>, :>=, :< and :<=".into()),
    })
}

fn time(field: TimeField, c: &Comparison) -> Result<Condition, String> {
    let value = match &c.value {
        Operand::One(v) => v,
        Operand::List(_) => return Err("takes one date".into()),
    };
    if *value == Value::Null {
        return match c.op {
            Op::Eq => Ok(Condition::TimeIsNull {
                field,
                is_null: true,
            }),
            Op::Ne => Ok(Condition::TimeIsNull {
                field,
                is_null: false,
            }),
            _ => Err("null takes only : and :-".into()),
        };
    }
    let op = cmp_op(c.op)?;
    let value = match value {
        Value::Date(t) => *t,
        Value::Text(s) => parse_date(s).ok_or_else(|| format!("{s:?} is not a date"))?,
        _ => return Err("expects a date".into()),
    };
    Ok(Condition::Time { field, op, value })
}

/// `2017-06-03 23:43:12`, `2017-06-03T23:43:12`, RFC 3339 with an offset, or `2017-06-03`;
/// times without an offset are UTC. Instants a database cannot store are not dates.
pub fn parse_date(s: &str) -> Option<Timestamp> {
    any_date(s).filter(|t| storable(*t))
}

fn any_date(s: &str) -> Option<Timestamp> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(truncate(t.with_timezone(&Utc)));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Some(truncate(t.and_utc()));
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn reading_time(c: &Comparison) -> Result<Condition, String> {
    let op = cmp_op(c.op)?;
    match &c.value {
        Operand::One(Value::Number(n)) if n.fract() == 0.0 && n.abs() < 1e9 => {
            Ok(Condition::ReadingTime {
                op,
                value: *n as i64,
            })
        }
        _ => Err("expects a whole number of minutes".into()),
    }
}

fn visibility(c: &Comparison) -> Result<Condition, String> {
    let public = values(c)
        .into_iter()
        .map(as_text)
        .collect::<Result<Vec<_>, _>>()?
        .iter()
        .any(|v| v == "public");
    // Every article served is public: there are no member-only posts.
    Ok(match (c.op, public) {
        (Op::Eq | Op::In, true) | (Op::Ne | Op::NotIn, false) => Condition::Always,
        (Op::Eq | Op::In | Op::Ne | Op::NotIn, _) => Condition::Never,
        _ => return Err("takes only :, :-, :[…] and :-[…]".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::parse;

    fn r(s: &str) -> Result<Condition, ValidationError> {
        resolve(&parse(s, crate::time::now(), "filter")?, "filter")
    }

    fn slugs(s: &[&str]) -> Vec<Slug> {
        s.iter().map(|s| Slug::parse(s).expect("slug")).collect()
    }

    #[test]
    fn conditions_on_what_places_articles_in_lists_are_told_apart_from_the_rest() {
        for listed in [
            "tag:[a,b]+featured:true",
            "primary_tag:a,author:b",
            "slug:[x,y]+status:published",
            "published_at:>'2020-01-01'+published_at:-null",
            "featured:true+password:'x'",
        ] {
            assert!(r(listed).expect(listed).placed_by_listing(), "{listed}");
        }
        for other in [
            "title:~'brexit'",
            "tag:a+custom_excerpt:-null",
            "updated_at:>'2020-01-01'",
            "reading_time:>5",
            "id:0123456789abcdef0123456789abcdef",
            "featured:true,feature_image:null",
        ] {
            assert!(!r(other).expect(other).placed_by_listing(), "{other}");
        }
    }

    #[test]
    fn relations() {
        assert_eq!(
            r("tag:news"),
            Ok(Condition::Related {
                relation: Relation::Tag,
                slugs: slugs(&["news"]),
                negated: false
            })
        );
        assert_eq!(
            r("authors:-joe"),
            Ok(Condition::Related {
                relation: Relation::Author,
                slugs: slugs(&["joe"]),
                negated: true
            })
        );
        assert_eq!(
            r("tags.slug:[a,b]"),
            Ok(Condition::Related {
                relation: Relation::Tag,
                slugs: slugs(&["a", "b"]),
                negated: false
            })
        );
        assert_eq!(
            r("primary_tag:2014"),
            Ok(Condition::Related {
                relation: Relation::PrimaryTag,
                slugs: slugs(&["2014"]),
                negated: false
            })
        );
        assert_eq!(r("tag:'not a slug'").expect_err("bad slug").field, "filter");
        assert!(r("tag:>news").is_err());
    }

    #[test]
    fn scalars() {
        assert_eq!(r("featured:true"), Ok(Condition::Featured(true)));
        assert_eq!(r("featured:-true"), Ok(Condition::Featured(false)));
        assert!(r("featured:maybe").is_err());
        assert_eq!(
            r("published_at:>'2017-06-03 23:43:12'"),
            Ok(Condition::Time {
                field: TimeField::PublishedAt,
                op: CmpOp::Gt,
                value: parse_date("2017-06-03T23:43:12Z").expect("date"),
            })
        );
        assert!(matches!(
            r("published_at:<=2017-06-03"),
            Ok(Condition::Time { op: CmpOp::Lte, .. })
        ));
        assert!(r("published_at:>'yesterday'").is_err());
        assert_eq!(
            r("custom_excerpt:null"),
            Ok(Condition::Text {
                field: TextField::CustomExcerpt,
                test: TextTest::IsNull
            })
        );
        assert_eq!(
            r("title:~'Brexit'"),
            Ok(Condition::Text {
                field: TextField::Title,
                test: TextTest::Contains("Brexit".into())
            })
        );
        assert!(matches!(
            r("reading_time:>=5"),
            Ok(Condition::ReadingTime { value: 5, .. })
        ));
        assert!(r("id:not-a-uuid").is_err());
    }

    #[test]
    fn dates_a_database_cannot_store_are_refused() {
        // Found by fuzzing: PostgreSQL failed ("timestamp out of range") on years before
        // 4713 BC, and SQLite's text comparison put years past 9999 before every other.
        for bad in [
            "published_at:>now-100000y",
            "published_at:<'+10000-01-01'",
            "created_at:'-4714-01-01'",
            "updated_at:<='+10000-01-01 00:00:00'",
            "published_at:>'-000001-12-31T23:59:59'",
        ] {
            assert_eq!(r(bad).expect_err(bad).field, "filter", "{bad}");
        }
        for good in [
            "published_at:>now-2000y",
            "published_at:<'9999-12-31T23:59:59Z'",
            "published_at:>'0000-01-01'",
        ] {
            assert!(r(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn private_properties_are_ignored_and_unknown_ones_refused() {
        assert_eq!(r("email:a@b.c"), Ok(Condition::Always));
        assert_eq!(r("password:~x"), Ok(Condition::Always));
        let err = r("colour:red").expect_err("unknown");
        assert_eq!(err.field, "filter");
        assert!(err.message.contains("colour"), "{}", err.message);
    }

    #[test]
    fn visibility_is_always_public() {
        assert_eq!(r("visibility:public"), Ok(Condition::Always));
        assert_eq!(r("visibility:paid"), Ok(Condition::Never));
        assert_eq!(r("visibility:-public"), Ok(Condition::Never));
    }

    #[test]
    fn structure_is_kept() {
        let c = r("tag:a+(featured:true,slug:[x,y])").expect("valid");
        let Condition::All(parts) = c else {
            panic!("and")
        };
        assert_eq!(parts.len(), 2);
        assert!(matches!(&parts[1], Condition::Any(inner) if inner.len() == 2));
    }
}
