//! Property tests of the filter language (the `fuzz_` tests: `PROPTEST_CASES` sets how many
//! cases each runs; 256 by default). Three kinds of input: any text at all, filters built from
//! the grammar (and then sometimes mangled), and filter trees printed and parsed back.

use chrono::{TimeZone as _, Utc};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use super::articles::{Condition, resolve};
use super::records::{self, Record};
use super::{
    Comparison, Expr, MAX_COMPARISONS, MAX_DEPTH, MAX_LEN, MAX_LIST, Op, Operand, Value, parse,
};
use crate::time::Timestamp;

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2020, 3, 31, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Properties an article, a tag or an author has, private ones, and some that nothing has.
const PROPERTIES: &[&str] = &[
    "tag",
    "tags",
    "tags.slug",
    "primary_tag",
    "author",
    "authors.slug",
    "primary_author",
    "slug",
    "title",
    "custom_excerpt",
    "feature_image",
    "status",
    "id",
    "uuid",
    "featured",
    "published_at",
    "created_at",
    "updated_at",
    "reading_time",
    "visibility",
    "name",
    "description",
    "bio",
    "location",
    "website",
    "email",
    "password",
    "authors.email",
    "colour",
    "Published_At",
];

const OPERATORS: &[&str] = &[
    "", "-", ">", ">=", "<", "<=", "~", "-~", "~^", "-~^", "~$", "-~$",
];

/// Values that mean something to one property or another, and values meant to hurt.
const WORDS: &[&str] = &[
    "null",
    "true",
    "false",
    "now",
    "now-30d",
    "now+2w",
    "now-1M",
    "now-100000y",
    "now+100000y",
    "now-99999999y",
    "now-1x",
    "2014-06-01",
    "0",
    "-1",
    "1.5",
    "-0",
    "1e308",
    "99999999999999999999",
    "news",
    "public",
    "paid",
    "0190ba3c-7d5e-7f2a-9c4b-6a1d2e3f4a5b",
    "%",
    "_",
    "%_%",
    "é–ü🦀",
    "\\",
];

/// Text between quotes: the characters a quoted string treats specially, SQL's, and any.
fn quoted_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z '\"\\\\%_;\\-]{0,12}",
        select(vec![
            "'; DROP TABLE articles; --",
            "\\' OR 1=1 --",
            "2017-06-03 23:43:12",
            "2017-06-03T23:43:12Z",
            "+262143-12-31T23:59:59Z",
            "-262144-01-01",
            "9999-12-31",
            "0001-01-01",
            "-4714-01-01",
            "10000-01-01",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
        "\\PC{0,8}".prop_map(|s| s.repeat(40)),
    ]
}

/// A value as written after an operator: a bare word, a quoted string, or a list.
fn written_value() -> impl Strategy<Value = String> {
    let one = prop_oneof![
        3 => select(WORDS).prop_map(str::to_owned),
        1 => "[a-zA-Z0-9.\\-]{1,10}",
        3 => (select(vec!['\'', '"']), quoted_text()).prop_map(|(q, text)| quote(q, &text)),
    ];
    prop_oneof![
        3 => one.clone(),
        1 => vec(one, 0..6).prop_map(|values| format!("[{}]", values.join(","))),
    ]
}

fn quote(q: char, text: &str) -> String {
    let mut out = String::from(q);
    for c in text.chars() {
        if c == q || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push(q);
    out
}

/// Filters from the grammar: comparisons joined by `+` and `,`, grouped, padded.
fn grammar() -> impl Strategy<Value = String> {
    let comparison = (
        select(PROPERTIES),
        select(OPERATORS),
        written_value(),
        select(vec!["", " ", "\t"]),
    )
        .prop_map(|(property, op, value, pad)| {
            // `-[…]` is a list's negation; other operators before a list are malformed.
            format!("{pad}{property}{pad}:{op}{value}{pad}")
        });
    comparison.prop_recursive(6, 48, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 2..4).prop_map(|parts| parts.join("+")),
            vec(inner.clone(), 2..4).prop_map(|parts| parts.join(",")),
            inner.prop_map(|e| format!("( {e} )")),
        ]
    })
}

/// `text` with one character replaced, inserted or removed.
fn mangled() -> impl Strategy<Value = String> {
    let noise = select(
        "()[]+,:-~^$<>='\"\\ %_\u{0}\u{7}é🦀\n"
            .chars()
            .collect::<Vec<_>>(),
    );
    (grammar(), any::<prop::sample::Index>(), 0..3u8, noise).prop_map(|(text, at, how, c)| {
        let mut chars: Vec<char> = text.chars().collect();
        let i = at.index(chars.len() + 1);
        match how {
            0 if i < chars.len() => chars[i] = c,
            1 => chars.insert(i, c),
            _ if i < chars.len() => {
                chars.remove(i);
            }
            _ => {}
        }
        chars.into_iter().collect()
    })
}

/// Any filter text: arbitrary, from NQL's characters, from the grammar, mangled, or huge.
fn any_filter() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any::<String>(),
        2 => "[()\\[\\]+,:\\-~^$<>='\"\\\\ a-z0-9_.é\u{0}\t]{0,80}",
        4 => grammar(),
        3 => mangled(),
        1 => (select(vec!["(", "[", "a:[", "a:(", "'", "a:1+", "a:1,"]), 1..(MAX_LEN / 2))
            .prop_map(|(unit, n)| unit.repeat(n)),
    ]
}

/// How many comparisons `expr` holds, and the most values in one of them.
fn shape(expr: &Expr) -> (usize, usize) {
    match expr {
        Expr::And(parts) | Expr::Or(parts) => parts
            .iter()
            .map(shape)
            .fold((0, 0), |(comparisons, list), (c, l)| {
                (comparisons + c, list.max(l))
            }),
        Expr::Cmp(c) => match &c.value {
            Operand::List(values) => (1, values.len()),
            Operand::One(_) => (1, 1),
        },
    }
}

/// A row with every text property tags and authors have, some of them empty.
struct Row(Vec<Option<String>>);

impl Record for Row {
    fn text(&self, name: &str) -> Option<&str> {
        let i = records::AUTHOR_PROPERTIES
            .iter()
            .chain(records::TAG_PROPERTIES)
            .position(|p| *p == name)?;
        self.0.get(i).and_then(Option::as_deref)
    }
}

proptest! {
    /// Any text is either a filter within the limits or a validation error naming the
    /// argument; a filter resolves to a condition or a validation error; tag and author
    /// filters validate or not, and evaluate, without panicking.
    #[test]
    fn fuzz_filter_parser_never_panics(
        text in any_filter(),
        row in vec(proptest::option::of(".{0,12}"), 9),
    ) {
        match parse(&text, now(), "filter") {
            Err(e) => prop_assert_eq!(e.field, "filter"),
            Ok(expr) => {
                let (comparisons, list) = shape(&expr);
                prop_assert!(comparisons <= MAX_COMPARISONS, "{comparisons} comparisons");
                prop_assert!(list <= MAX_LIST, "a list of {list}");
                prop_assert!(text.len() <= MAX_LEN);
                match resolve(&expr, "filter") {
                    Ok(condition) => check_condition(&condition)?,
                    Err(e) => prop_assert_eq!(e.field, "filter"),
                }
                for known in [records::TAG_PROPERTIES, records::AUTHOR_PROPERTIES] {
                    if records::validate(&expr, known, "filter").is_ok() {
                        let _ = records::matches(&expr, &Row(row.clone()));
                    }
                }
            }
        }
    }

    /// Filter trees printed as text parse back to the same tree.
    #[test]
    fn fuzz_filter_round_trips(expr in tree(), pad in select(vec!["", " ", "  \t"])) {
        let text = print(&expr, pad);
        prop_assume!(text.len() <= MAX_LEN && shape(&expr).0 <= MAX_COMPARISONS);
        let parsed = parse(&text, now(), "filter");
        prop_assert_eq!(parsed.as_ref(), Ok(&expr), "{}", text);
    }

    /// Parentheses nested past the limit are refused, however deep (no stack overflow).
    #[test]
    fn fuzz_filter_nesting_is_bounded(
        depth in prop_oneof![0..=MAX_DEPTH + 2, MAX_DEPTH..MAX_LEN, Just(100_000usize)],
        close in any::<bool>(),
    ) {
        let text = format!(
            "{}a:1{}",
            "(".repeat(depth),
            if close { ")".repeat(depth) } else { String::new() }
        );
        let parsed = parse(&text, now(), "filter");
        if depth <= MAX_DEPTH && (close || depth == 0) {
            prop_assert!(parsed.is_ok(), "{depth}: {parsed:?}");
        } else {
            prop_assert!(parsed.is_err(), "{depth}");
        }
    }
}

/// What a resolved condition must hold for the store to compile it: dates the databases can
/// store (years 1 to 9999) and bounded lists.
fn check_condition(condition: &Condition) -> Result<(), TestCaseError> {
    use chrono::Datelike as _;
    match condition {
        Condition::All(parts) | Condition::Any(parts) => {
            parts.iter().try_for_each(check_condition)?;
        }
        Condition::Time { value, .. } => {
            prop_assert!(
                (1..=9999).contains(&value.year()),
                "{value:?} is outside what a database stores"
            );
        }
        Condition::Related { slugs, .. } => prop_assert!(slugs.len() <= MAX_LIST),
        Condition::Uuid { values, .. } => prop_assert!(values.len() <= MAX_LIST),
        _ => {}
    }
    Ok(())
}

/// A literal that prints and parses back as itself: text (always quoted), numbers, and the
/// three keywords. (Relative dates resolve when parsed: the parser's own tests cover them.)
fn literal() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1_000_000i64..1_000_000).prop_map(|n| Value::Number(n as f64)),
        (-1_000_000i32..1_000_000).prop_map(|n| Value::Number(f64::from(n) / 8.0)),
        "[^\\p{Cc}]{0,12}".prop_map(Value::Text),
    ]
}

fn comparison_tree() -> impl Strategy<Value = Expr> {
    let op = select(vec![
        Op::Eq,
        Op::Ne,
        Op::Gt,
        Op::Gte,
        Op::Lt,
        Op::Lte,
        Op::Contains,
        Op::NotContains,
        Op::StartsWith,
        Op::NotStartsWith,
        Op::EndsWith,
        Op::NotEndsWith,
        Op::In,
        Op::NotIn,
    ]);
    ("[a-z_.][a-z0-9_.]{0,63}", op, vec(literal(), 1..5)).prop_map(|(property, op, values)| {
        let value = match op {
            Op::In | Op::NotIn => Operand::List(values),
            _ => Operand::One(match values.into_iter().next().unwrap_or(Value::Null) {
                // `a:-5` is `a` not equal to 5: a negative number cannot follow a bare colon.
                Value::Number(n) if op == Op::Eq => Value::Number(n.abs()),
                v => v,
            }),
        };
        Expr::Cmp(Comparison {
            property,
            op,
            value,
        })
    })
}

/// Trees the parser can produce: no one-part `And` or `Or`, at most 64 comparisons and
/// nested at most [`MAX_DEPTH`] deep once printed.
fn tree() -> impl Strategy<Value = Expr> {
    comparison_tree().prop_recursive(5, 40, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 2..4).prop_map(Expr::And),
            vec(inner, 2..4).prop_map(Expr::Or),
        ]
    })
}

/// `expr` as filter text, every group in parentheses and `pad` around every joint.
fn print(expr: &Expr, pad: &str) -> String {
    let group = |parts: &[Expr], joint: &str| {
        parts
            .iter()
            .map(|p| match p {
                Expr::Cmp(_) => print(p, pad),
                _ => format!("({pad}{}{pad})", print(p, pad)),
            })
            .collect::<Vec<_>>()
            .join(&format!("{pad}{joint}{pad}"))
    };
    match expr {
        Expr::And(parts) => group(parts, "+"),
        Expr::Or(parts) => group(parts, ","),
        Expr::Cmp(c) => {
            let op = match c.op {
                Op::Eq | Op::In => "",
                Op::Ne | Op::NotIn => "-",
                Op::Gt => ">",
                Op::Gte => ">=",
                Op::Lt => "<",
                Op::Lte => "<=",
                Op::Contains => "~",
                Op::NotContains => "-~",
                Op::StartsWith => "~^",
                Op::NotStartsWith => "-~^",
                Op::EndsWith => "~$",
                Op::NotEndsWith => "-~$",
            };
            let value = match &c.value {
                Operand::One(v) => literal_text(v),
                Operand::List(values) => format!(
                    "[{pad}{}{pad}]",
                    values
                        .iter()
                        .map(literal_text)
                        .collect::<Vec<_>>()
                        .join(&format!("{pad},{pad}"))
                ),
            };
            format!("{}{pad}:{op}{value}", c.property)
        }
    }
}

fn literal_text(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Text(s) => quote('\'', s),
        Value::Date(t) => t.to_rfc3339(),
    }
}
