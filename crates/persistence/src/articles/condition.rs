//! Filter-language conditions compiled to SQL. Every value is a bound parameter; the only
//! SQL text written here is fixed.

use std::collections::HashMap;

use broadsheet_domain::Slug;
use broadsheet_domain::filter::articles::{
    CmpOp, Condition, Relation, TextField, TextTest, TimeField,
};
use diesel::dsl::{exists, not};
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};

use crate::StoreError;
use crate::db::sql_types::{DbTime, DbUuid};
use crate::db::{AnyConnection, MultiBackend, any_of_ids};
use crate::schema::{article_authors, article_tags, articles, tags, users};

/// A boolean SQL expression over `articles`.
pub(crate) type Predicate =
    Box<dyn BoxableExpression<articles::table, MultiBackend, SqlType = Nullable<Bool>>>;

diesel::define_sql_function! {
    /// SQL `lower()`.
    fn lower(x: Text) -> Text;
}

fn constant(holds: bool) -> Predicate {
    Box::new(crate::db::static_sql::<Nullable<Bool>>(if holds {
        "1 = 1"
    } else {
        "1 = 0"
    }))
}

/// The tags and authors a condition names by slug, with their ids (`None`: no such tag or
/// author), read before it is compiled. With ids in the statement, PostgreSQL estimates each
/// tag's links from its statistics (a tag on a third of the archive, or on a hundred
/// articles) and plans by them; given slugs, it took every tag for the average (21 links at
/// 10k articles) and drove `tag:[council,budget]+featured:true` from 6,000 links, one article
/// lookup each (79 ms), instead of walking the featured articles by date. SQLite gains too:
/// each article a page walks is tested against the links of the ids alone, not joined to the
/// tags to compare slugs, and the ids go in as one parameter ([`any_of_ids`]), so the statement
/// keeps one text and stays in the statement cache rather than being prepared at every
/// request (json-filter at 100k: +21-25% requests a second, p99 77 -> 59-62 ms).
#[derive(Debug, Default)]
pub(crate) struct Named {
    tags: HashMap<String, Option<i64>>,
    authors: HashMap<String, Option<i64>>,
    /// Whether the condition is compiled for a count (see [`Named::counting`]).
    counting: bool,
}

impl Named {
    /// Reads the ids of what `condition` names (nothing when it names nothing).
    pub(crate) fn read(
        conn: &mut AnyConnection,
        condition: Option<&Condition>,
    ) -> Result<Self, StoreError> {
        let mut named = Self::default();
        if let Some(condition) = condition {
            named.collect(condition);
        }
        if !named.tags.is_empty() {
            let slugs: Vec<String> = named.tags.keys().cloned().collect();
            let found: Vec<(String, i64)> = tags::table
                .filter(tags::slug.eq_any(slugs))
                .select((tags::slug, tags::id))
                .load(conn)?;
            for (slug, id) in found {
                named.tags.insert(slug, Some(id));
            }
        }
        if !named.authors.is_empty() {
            let slugs: Vec<String> = named.authors.keys().cloned().collect();
            let found: Vec<(String, i64)> = users::table
                .filter(users::slug.eq_any(slugs))
                .select((users::slug, users::id))
                .load(conn)?;
            for (slug, id) in found {
                named.authors.insert(slug, Some(id));
            }
        }
        Ok(named)
    }

    /// The same names, for a count: a relation is then read once, as the list of the linked
    /// articles, rather than probed for each article. A count reads every match, where a
    /// page stops after a few: at 100k articles on SQLite, counting the live featured
    /// articles with one of two common tags (`tag:[a,b]+featured:true`) probed the links of
    /// each of 5,026 featured articles (9-13 ms); the list of the two tags' links is read from
    /// their index in one pass (3 ms). A page keeps the probes: it walks the articles in its
    /// order and stops when it is full, long before the list would be read. (PostgreSQL
    /// plans both forms as the same semi-join.)
    pub(crate) fn counting(mut self) -> Self {
        self.counting = true;
        self
    }

    fn collect(&mut self, condition: &Condition) {
        match condition {
            Condition::All(parts) | Condition::Any(parts) => {
                for part in parts {
                    self.collect(part);
                }
            }
            Condition::Related {
                relation, slugs, ..
            } => {
                let names = match relation {
                    Relation::Tag | Relation::PrimaryTag => &mut self.tags,
                    Relation::Author | Relation::PrimaryAuthor => &mut self.authors,
                };
                for slug in slugs {
                    names.entry(slug.as_str().to_owned()).or_insert(None);
                }
            }
            _ => {}
        }
    }

    /// The ids of `slugs` (those that name something), if every one was read.
    fn ids(&self, relation: Relation, slugs: &[Slug]) -> Option<Vec<i64>> {
        let names = match relation {
            Relation::Tag | Relation::PrimaryTag => &self.tags,
            Relation::Author | Relation::PrimaryAuthor => &self.authors,
        };
        let mut ids = Vec::with_capacity(slugs.len());
        for slug in slugs {
            if let Some(id) = names.get(slug.as_str())? {
                ids.push(*id);
            }
        }
        Some(ids)
    }
}

/// `condition` as an SQL predicate, with the ids of the tags and authors it names when
/// `named` has them (by their slugs otherwise).
pub(crate) fn compile(condition: &Condition, named: &Named) -> Predicate {
    match condition {
        Condition::All(parts) => parts
            .iter()
            .map(|part| compile(part, named))
            .reduce(|a, b| Box::new(a.and(b)))
            .unwrap_or_else(|| constant(true)),
        Condition::Any(parts) => parts
            .iter()
            .map(|part| compile(part, named))
            .reduce(|a, b| Box::new(a.or(b)))
            .unwrap_or_else(|| constant(false)),
        Condition::Always => constant(true),
        Condition::Never => constant(false),
        Condition::Text { field, test } => text(*field, test),
        Condition::Uuid { values, negated } => {
            let values: Vec<DbUuid> = values.iter().copied().map(DbUuid).collect();
            let matches = articles::uuid.eq_any(values).nullable();
            if *negated {
                Box::new(not(matches))
            } else {
                Box::new(matches)
            }
        }
        Condition::Featured(value) => Box::new(articles::featured.eq(*value).nullable()),
        Condition::Time { field, op, value } => {
            let value = DbTime(*value);
            match field {
                TimeField::PublishedAt => compare!(articles::published_at, *op, value),
                TimeField::CreatedAt => compare!(articles::created_at.nullable(), *op, value),
                TimeField::UpdatedAt => compare!(articles::updated_at.nullable(), *op, value),
            }
        }
        Condition::TimeIsNull { field, is_null } => match field {
            TimeField::PublishedAt if *is_null => {
                Box::new(articles::published_at.is_null().nullable())
            }
            TimeField::PublishedAt => Box::new(articles::published_at.is_not_null().nullable()),
            // Never empty.
            TimeField::CreatedAt | TimeField::UpdatedAt => constant(!is_null),
        },
        Condition::ReadingTime { op, value } => {
            let value =
                i32::try_from(*value).unwrap_or(if *value < 0 { i32::MIN } else { i32::MAX });
            compare!(articles::reading_time.nullable(), *op, value)
        }
        Condition::Related {
            relation,
            slugs,
            negated,
        } => {
            let holds = match named.ids(*relation, slugs) {
                Some(ids) if named.counting => listed(*relation, ids),
                Some(ids) => related_ids(*relation, ids),
                None => related(*relation, slugs),
            };
            if *negated {
                Box::new(not(holds))
            } else {
                holds
            }
        }
    }
}

/// Compares a nullable column with a value.
macro_rules! compare {
    ($column:expr, $op:expr, $value:expr) => {{
        let value = $value;
        let p: Predicate = match $op {
            CmpOp::Eq => Box::new($column.eq(value)),
            CmpOp::Ne => Box::new($column.ne(value)),
            CmpOp::Gt => Box::new($column.gt(value)),
            CmpOp::Gte => Box::new($column.ge(value)),
            CmpOp::Lt => Box::new($column.lt(value)),
            CmpOp::Lte => Box::new($column.le(value)),
        };
        p
    }};
}
use compare;

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern, lowercased.
fn like(prefix: &str, needle: &str, suffix: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    out.push_str(prefix);
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str(suffix);
    out
}

fn text(field: TextField, test: &TextTest) -> Predicate {
    macro_rules! on {
        ($column:expr) => {{
            let column = $column.nullable();
            let nullable = field.nullable();
            let (matches, negated): (Predicate, bool) = match test {
                TextTest::Equals(v) => (Box::new(column.eq_any(v.clone())), false),
                TextTest::NotEquals(v) => (Box::new(column.eq_any(v.clone())), true),
                TextTest::IsNull => (Box::new(column.is_null().nullable()), false),
                TextTest::IsNotNull => (Box::new(column.is_null().nullable()), true),
                TextTest::Contains(s) => (
                    Box::new(
                        lower(column.assume_not_null())
                            .like(like("%", s, "%"))
                            .escape('\\')
                            .nullable(),
                    ),
                    false,
                ),
                TextTest::NotContains(s) => (
                    Box::new(
                        lower(column.assume_not_null())
                            .like(like("%", s, "%"))
                            .escape('\\')
                            .nullable(),
                    ),
                    true,
                ),
                TextTest::StartsWith(s) => (
                    Box::new(
                        lower(column.assume_not_null())
                            .like(like("", s, "%"))
                            .escape('\\')
                            .nullable(),
                    ),
                    false,
                ),
                TextTest::NotStartsWith(s) => (
                    Box::new(
                        lower(column.assume_not_null())
                            .like(like("", s, "%"))
                            .escape('\\')
                            .nullable(),
                    ),
                    true,
                ),
                TextTest::EndsWith(s) => (
                    Box::new(
                        lower(column.assume_not_null())
                            .like(like("%", s, ""))
                            .escape('\\')
                            .nullable(),
                    ),
                    false,
                ),
                TextTest::NotEndsWith(s) => (
                    Box::new(
                        lower(column.assume_not_null())
                            .like(like("%", s, ""))
                            .escape('\\')
                            .nullable(),
                    ),
                    true,
                ),
            };
            let is_null_test = matches!(test, TextTest::IsNull | TextTest::IsNotNull);
            match (negated, nullable && !is_null_test) {
                (false, _) => matches,
                // An empty value does not equal, contain, start or end with anything.
                (true, true) => Box::new(column.is_null().nullable().or(not(matches))),
                (true, false) => Box::new(not(matches)),
            }
        }};
    }
    match field {
        TextField::Slug => on!(articles::slug),
        TextField::Title => on!(articles::title),
        TextField::CustomExcerpt => on!(articles::custom_excerpt),
        TextField::FeatureImage => on!(articles::feature_image),
        TextField::Status => on!(articles::status),
    }
}

/// Whether an article has a link among `tagged` (its tag links, narrowed to those asked for)
/// or `written` (its byline's), as `relation` asks: any of them, or the first (the primary tag
/// or author is at position 0).
macro_rules! linked {
    ($relation:expr, $tagged:expr, $written:expr) => {{
        let (tagged, written) = ($tagged, $written);
        let linked: Predicate = match $relation {
            Relation::Tag => Box::new(exists(tagged.select(article_tags::article_id)).nullable()),
            Relation::PrimaryTag => Box::new(
                exists(
                    tagged
                        .filter(article_tags::position.eq(0))
                        .select(article_tags::article_id),
                )
                .nullable(),
            ),
            Relation::Author => {
                Box::new(exists(written.select(article_authors::article_id)).nullable())
            }
            Relation::PrimaryAuthor => Box::new(
                exists(
                    written
                        .filter(article_authors::position.eq(0))
                        .select(article_authors::article_id),
                )
                .nullable(),
            ),
        };
        linked
    }};
}

/// Whether an article has one of the tags or authors `ids` (in first place, for the primary
/// ones).
fn related_ids(relation: Relation, ids: Vec<i64>) -> Predicate {
    if ids.is_empty() {
        return constant(false);
    }
    // The ids as one parameter (see `any_of_ids`): one statement text whatever their number,
    // which SQLite's statement cache keeps, and on PostgreSQL a plan for the tags bound.
    let tagged = article_tags::table
        .filter(article_tags::article_id.eq(articles::id))
        .filter(any_of_ids(article_tags::tag_id, ids.iter().copied()));
    let written = article_authors::table
        .filter(article_authors::article_id.eq(articles::id))
        .filter(any_of_ids(article_authors::user_id, ids));
    linked!(relation, tagged, written)
}

/// Whether an article has one of the tags or authors `slugs` names (for a condition compiled
/// without their ids).
fn related(relation: Relation, slugs: &[Slug]) -> Predicate {
    let slugs: Vec<String> = slugs.iter().map(|s| s.as_str().to_owned()).collect();
    let tagged = article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq(articles::id))
        .filter(tags::slug.eq_any(slugs.clone()));
    let written = article_authors::table
        .inner_join(users::table)
        .filter(article_authors::article_id.eq(articles::id))
        .filter(users::slug.eq_any(slugs));
    linked!(relation, tagged, written)
}

/// [`related_ids`] as membership of the list of the linked articles, for counts (see
/// [`Named::counting`]).
fn listed(relation: Relation, ids: Vec<i64>) -> Predicate {
    if ids.is_empty() {
        return constant(false);
    }
    let tagged = article_tags::table.filter(any_of_ids(article_tags::tag_id, ids.iter().copied()));
    let written = article_authors::table.filter(any_of_ids(article_authors::user_id, ids));
    match relation {
        Relation::Tag => Box::new(
            articles::id
                .eq_any(tagged.select(article_tags::article_id))
                .nullable(),
        ),
        Relation::PrimaryTag => Box::new(
            articles::id
                .eq_any(
                    tagged
                        .filter(article_tags::position.eq(0))
                        .select(article_tags::article_id),
                )
                .nullable(),
        ),
        Relation::Author => Box::new(
            articles::id
                .eq_any(written.select(article_authors::article_id))
                .nullable(),
        ),
        Relation::PrimaryAuthor => Box::new(
            articles::id
                .eq_any(
                    written
                        .filter(article_authors::position.eq(0))
                        .select(article_authors::article_id),
                )
                .nullable(),
        ),
    }
}
