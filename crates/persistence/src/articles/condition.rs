//! Filter-language conditions compiled to SQL. Every value is a bound parameter; the only
//! SQL text written here is fixed.

use broadsheet_domain::Slug;
use broadsheet_domain::filter::articles::{
    CmpOp, Condition, Relation, TextField, TextTest, TimeField,
};
use diesel::dsl::{exists, not};
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};

use crate::db::MultiBackend;
use crate::db::sql_types::{DbTime, DbUuid};
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

/// `condition` as an SQL predicate.
pub(crate) fn compile(condition: &Condition) -> Predicate {
    match condition {
        Condition::All(parts) => parts
            .iter()
            .map(compile)
            .reduce(|a, b| Box::new(a.and(b)))
            .unwrap_or_else(|| constant(true)),
        Condition::Any(parts) => parts
            .iter()
            .map(compile)
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
            let holds = related(*relation, slugs);
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
    // The primary tag or author is the first, at position 0.
    match relation {
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
    }
}
