//! Tag and author filters ([`Condition`]) compiled to SQL. Every value is a bound parameter;
//! the only SQL text written here is fixed.

use broadsheet_domain::filter::records::Condition;
use broadsheet_domain::listing::records::{RecordList, RecordPage};
use diesel::dsl::not;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable};

use crate::db::MultiBackend;

/// A boolean SQL expression over table `T`.
pub(crate) type Predicate<T> =
    Box<dyn BoxableExpression<T, MultiBackend, SqlType = Nullable<Bool>>>;

/// The page of rows `wanted` (in that order) out of `found`, with their counts from `counts`
/// when `counted` (the page's counts are among those the order was made from).
pub(crate) fn page_in_order<K, T>(
    wanted: &[K],
    mut found: std::collections::HashMap<K, T>,
    counts: &std::collections::HashMap<K, i64>,
    counted: bool,
    total: i64,
) -> RecordList<T, K>
where
    K: Copy + Eq + std::hash::Hash,
{
    let rows = wanted.iter().filter_map(|id| found.remove(id)).collect();
    let counts = if counted {
        wanted
            .iter()
            .filter_map(|id| counts.get(id).map(|n| (*id, *n)))
            .collect()
    } else {
        std::collections::HashMap::new()
    };
    RecordList {
        rows,
        total,
        counts,
    }
}

/// A page's `LIMIT` and `OFFSET` as SQL takes them (no limit: the largest there is).
pub(crate) fn limit_offset(page: &RecordPage) -> (u32, i64) {
    // The limit is written into the statement (see `raw::Limited`): a page's few sizes.
    let limit = page
        .limit
        .map_or(u32::MAX, |l| u32::try_from(l).unwrap_or(u32::MAX));
    (limit, i64::try_from(page.offset).unwrap_or(i64::MAX))
}

/// `1 = 1` or `1 = 0`.
pub(crate) fn constant<T: 'static>(holds: bool) -> Predicate<T> {
    Box::new(crate::db::static_sql::<Nullable<Bool>>(if holds {
        "1 = 1"
    } else {
        "1 = 0"
    }))
}

/// Whether a column equals one of some texts or, with `null`, is empty: `(column)`, the
/// texts, and whether `null` is among the values. The result is never SQL's unknown, so that
/// `NOT` of it is what [`broadsheet_domain::filter::records::matches`] says of `:-`.
macro_rules! equals {
    ($column:expr, $texts:expr, $null:expr) => {{
        let column = $column.nullable();
        let texts: Vec<String> = $texts;
        let matches: $crate::records::Predicate<_> = if texts.is_empty() {
            $crate::records::constant(false)
        } else {
            Box::new(column.eq_any(texts))
        };
        let p: $crate::records::Predicate<_> = if $null {
            Box::new(column.is_null().nullable().or(matches))
        } else {
            Box::new(column.is_not_null().nullable().and(matches))
        };
        p
    }};
}
pub(crate) use equals;

/// Compiles one equality test (property, texts, whether `null` is among the values) on the
/// table's column for that property.
pub(crate) type Column<T> = dyn Fn(&str, Vec<String>, bool) -> Predicate<T>;

/// `condition` as an SQL predicate, its equality tests compiled by `column`.
pub(crate) fn compile<T: 'static>(condition: &Condition, column: &Column<T>) -> Predicate<T> {
    match condition {
        Condition::All(parts) => parts
            .iter()
            .map(|p| compile(p, column))
            .reduce(|a, b| Box::new(a.and(b)))
            .unwrap_or_else(|| constant(true)),
        Condition::Any(parts) => parts
            .iter()
            .map(|p| compile(p, column))
            .reduce(|a, b| Box::new(a.or(b)))
            .unwrap_or_else(|| constant(false)),
        Condition::Always => constant(true),
        Condition::Equals {
            property,
            values,
            negated,
        } => {
            let null = values.iter().any(Option::is_none);
            let texts = values.iter().flatten().cloned().collect();
            let holds = column(property, texts, null);
            if *negated {
                Box::new(not(holds))
            } else {
                holds
            }
        }
    }
}

/// The ids of `page`'s rows when ordered by article count: `keys` (id and name sort key of
/// every row the list holds) ordered by count, then sort key, then id, in `page`'s direction,
/// then sliced. Counted with one grouped statement over the list (as GraphQL's loaders
/// count) rather than one correlated count per row, which the planners run no faster.
pub(crate) fn by_count(
    mut keys: Vec<(i64, String)>,
    count: impl Fn(i64) -> i64,
    page: &RecordPage,
) -> Vec<i64> {
    keys.sort_by(|a, b| (count(a.0), &a.1, a.0).cmp(&(count(b.0), &b.1, b.0)));
    if page.descending {
        keys.reverse();
    }
    keys.into_iter()
        .skip(page.offset)
        .take(page.limit.unwrap_or(usize::MAX))
        .map(|(id, _)| id)
        .collect()
}
