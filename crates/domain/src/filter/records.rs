//! Filters on small collections held in memory (tags, authors): the parsed [`Expr`] checked
//! against a list of text properties, then evaluated row by row.

use super::{Comparison, Expr, Op, Operand, Value};
use crate::ValidationError;

/// A row a filter can look at.
pub trait Record {
    /// The text of property `name` (`None` when empty). Only called with known names.
    fn text(&self, name: &str) -> Option<&str>;
}

/// Properties nobody may filter on: a condition on one is ignored (always true).
const HIDDEN: &[&str] = &["email", "password", "password_hash", "role", "status"];

/// Refuses a filter that names a property not in `known` (private ones are allowed, and
/// ignored). `field` names the argument for errors.
pub fn validate(expr: &Expr, known: &[&str], field: &'static str) -> Result<(), ValidationError> {
    match expr {
        Expr::And(parts) | Expr::Or(parts) => {
            parts.iter().try_for_each(|p| validate(p, known, field))
        }
        Expr::Cmp(c)
            if known.contains(&c.property.as_str()) || HIDDEN.contains(&c.property.as_str()) =>
        {
            if matches!(c.op, Op::Gt | Op::Gte | Op::Lt | Op::Lte) {
                return Err(ValidationError::new(
                    field,
                    format!("{}: cannot be compared with > or <", c.property),
                ));
            }
            Ok(())
        }
        Expr::Cmp(c) => Err(ValidationError::new(
            field,
            format!("{}: unknown property", c.property),
        )),
    }
}

/// Whether `record` satisfies `expr` (which [`validate`] accepted).
pub fn matches(expr: &Expr, record: &impl Record) -> bool {
    match expr {
        Expr::And(parts) => parts.iter().all(|p| matches(p, record)),
        Expr::Or(parts) => parts.iter().any(|p| matches(p, record)),
        Expr::Cmp(c) => {
            HIDDEN.contains(&c.property.as_str()) || compare(c, record.text(&c.property))
        }
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(s.clone()),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some(format!("{}", *n as i64)),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Date(_) => None,
    }
}

fn compare(c: &Comparison, actual: Option<&str>) -> bool {
    let values: Vec<&Value> = match &c.value {
        Operand::One(v) => vec![v],
        Operand::List(vs) => vs.iter().collect(),
    };
    let equal_any = || {
        values.iter().any(|v| match (v, actual) {
            (Value::Null, None) => true,
            (v, Some(a)) => text(v).is_some_and(|t| t == a),
            _ => false,
        })
    };
    let needle = || {
        values
            .first()
            .and_then(|v| text(v))
            .unwrap_or_default()
            .to_lowercase()
    };
    let hay = || actual.unwrap_or_default().to_lowercase();
    match c.op {
        Op::Eq | Op::In => equal_any(),
        Op::Ne | Op::NotIn => !equal_any(),
        Op::Contains => actual.is_some() && hay().contains(&needle()),
        Op::NotContains => !(actual.is_some() && hay().contains(&needle())),
        Op::StartsWith => actual.is_some() && hay().starts_with(&needle()),
        Op::NotStartsWith => !(actual.is_some() && hay().starts_with(&needle())),
        Op::EndsWith => actual.is_some() && hay().ends_with(&needle()),
        Op::NotEndsWith => !(actual.is_some() && hay().ends_with(&needle())),
        Op::Gt | Op::Gte | Op::Lt | Op::Lte => false,
    }
}

/// A filter on tags or authors that a database can answer: equality tests only, so that it
/// means in SQL exactly what [`matches`] means in memory (the tests that contain, start or
/// end with text fold case, which SQL's `lower()` does not do as Rust does for every
/// alphabet).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Every part holds.
    All(Vec<Condition>),
    /// At least one part holds.
    Any(Vec<Condition>),
    /// Always holds (a condition on a private property, which is ignored).
    Always,
    /// `property` is one of `values` (`None`: empty), or, when `negated`, none of them.
    Equals {
        /// The property, one of the columns given to [`to_condition`].
        property: String,
        /// The values as text; a value that no text equals (a date) is left out.
        values: Vec<Option<String>>,
        /// `:-` and `:-[…]`.
        negated: bool,
    },
}

/// `expr` (which [`validate`] accepted) as a [`Condition`] on the properties in `columns`,
/// or `None` when some part of it cannot be one (another property, or a text test other
/// than equality): such a filter is evaluated in memory with [`matches`].
pub fn to_condition(expr: &Expr, columns: &[&str]) -> Option<Condition> {
    let all = |parts: &[Expr]| -> Option<Vec<Condition>> {
        parts.iter().map(|p| to_condition(p, columns)).collect()
    };
    match expr {
        Expr::And(parts) => all(parts).map(Condition::All),
        Expr::Or(parts) => all(parts).map(Condition::Any),
        Expr::Cmp(c) if HIDDEN.contains(&c.property.as_str()) => Some(Condition::Always),
        Expr::Cmp(c) if columns.contains(&c.property.as_str()) => {
            let negated = match c.op {
                Op::Eq | Op::In => false,
                Op::Ne | Op::NotIn => true,
                _ => return None,
            };
            let values = match &c.value {
                Operand::One(v) => std::slice::from_ref(v),
                Operand::List(vs) => vs.as_slice(),
            };
            // As `compare` reads them: `null` equals an empty property, a date equals nothing.
            let values = values
                .iter()
                .filter_map(|v| match v {
                    Value::Null => Some(None),
                    v => text(v).map(Some),
                })
                .collect();
            Some(Condition::Equals {
                property: c.property.clone(),
                values,
                negated,
            })
        }
        Expr::Cmp(_) => None,
    }
}

/// The tag properties a database filter may name (see [`Condition`]).
pub const TAG_COLUMNS: &[&str] = &["slug", "name", "description", "visibility"];

/// The author properties a database filter may name. Not `website`: it is compared as the
/// address reads once parsed, which need not be the text stored.
pub const AUTHOR_COLUMNS: &[&str] = &["slug", "name", "bio", "location"];

/// What a tag filter may name.
pub const TAG_PROPERTIES: &[&str] = &["slug", "name", "description", "visibility"];

impl Record for crate::tag::Tag {
    fn text(&self, name: &str) -> Option<&str> {
        match name {
            "slug" => Some(self.slug.as_str()),
            "name" => Some(self.name.as_str()),
            "description" => self.description.as_deref(),
            "visibility" => Some(self.visibility().as_str()),
            _ => None,
        }
    }
}

/// What an author filter may name.
pub const AUTHOR_PROPERTIES: &[&str] = &["slug", "name", "bio", "location", "website"];

impl Record for crate::author::Author {
    fn text(&self, name: &str) -> Option<&str> {
        match name {
            "slug" => Some(self.slug.as_str()),
            "name" => Some(&self.profile.name),
            "bio" => self.profile.bio.as_deref(),
            "location" => self.profile.location.as_deref(),
            "website" => self.profile.website.as_ref().map(|w| w.as_str()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::parse;

    struct Row(&'static str, Option<&'static str>);

    impl Record for Row {
        fn text(&self, name: &str) -> Option<&str> {
            match name {
                "slug" => Some(self.0),
                "description" => self.1,
                _ => None,
            }
        }
    }

    fn m(filter: &str, row: &Row) -> bool {
        let expr = parse(filter, crate::time::now(), "filter").expect("parses");
        validate(&expr, &["slug", "description"], "filter").expect("valid");
        matches(&expr, row)
    }

    #[test]
    fn text_operators() {
        let row = Row("brexit", Some("Leaving the EU"));
        assert!(m("slug:brexit", &row));
        assert!(!m("slug:-brexit", &row));
        assert!(m("slug:[a,brexit]", &row));
        assert!(m("slug:-[a,b]", &row));
        assert!(m("description:~'the eu'", &row));
        assert!(m("description:~^'leaving'", &row));
        assert!(m("description:~$'EU'", &row));
        assert!(m("description:-~'remain'", &row));
        assert!(m("slug:brexit+description:-null", &row));
        assert!(m("slug:nope,description:~eu", &row));
        assert!(m("email:x@y.z", &row), "private properties are ignored");
        assert!(m("description:null", &Row("x", None)));
    }

    fn sql(filter: &str) -> Option<Condition> {
        let expr = parse(filter, crate::time::now(), "filter").expect("parses");
        to_condition(&expr, &["slug", "description"])
    }

    #[test]
    fn equality_tests_become_conditions() {
        let eq = |property: &str, values: &[Option<&str>], negated| Condition::Equals {
            property: property.into(),
            values: values.iter().map(|v| v.map(str::to_owned)).collect(),
            negated,
        };
        assert_eq!(
            sql("slug:brexit"),
            Some(eq("slug", &[Some("brexit")], false))
        );
        assert_eq!(
            sql("slug:-[a,b]"),
            Some(eq("slug", &[Some("a"), Some("b")], true))
        );
        assert_eq!(sql("slug:42"), Some(eq("slug", &[Some("42")], false)));
        assert_eq!(
            sql("description:null"),
            Some(eq("description", &[None], false))
        );
        assert_eq!(
            sql("slug:now"),
            Some(eq("slug", &[], false)),
            "a date equals no text"
        );
        assert_eq!(
            sql("slug:a+email:x@y.z,description:-b"),
            Some(Condition::Any(vec![
                Condition::All(vec![eq("slug", &[Some("a")], false), Condition::Always]),
                eq("description", &[Some("b")], true),
            ]))
        );
    }

    #[test]
    fn other_tests_stay_in_memory() {
        assert_eq!(sql("description:~eu"), None);
        assert_eq!(sql("slug:a+description:-~^x"), None);
        assert_eq!(sql("name:x"), None, "not a column");
    }

    #[test]
    fn unknown_properties_are_refused() {
        let expr = parse("colour:red", crate::time::now(), "filter").expect("parses");
        assert_eq!(
            validate(&expr, &["slug"], "filter")
                .expect_err("unknown")
                .field,
            "filter"
        );
        let expr = parse("slug:>a", crate::time::now(), "filter").expect("parses");
        assert!(validate(&expr, &["slug"], "filter").is_err());
    }
}
