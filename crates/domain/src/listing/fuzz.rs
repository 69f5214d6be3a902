//! Property tests of list cursors (the `fuzz_` tests; `PROPTEST_CASES` sets how many cases
//! each runs): any token is a cursor or a validation error, and cursors round-trip.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Datelike as _};
use proptest::prelude::*;
use proptest::sample::select;

use super::{ArticleCursor, ArticleOrder, NameCursor, PageRequest, SortKey};
use crate::ids::ArticleId;
use crate::time::{MAX_STORED, MIN_STORED};

fn order() -> impl Strategy<Value = ArticleOrder> {
    select(vec![
        ArticleOrder::NewestFirst,
        ArticleOrder::OldestFirst,
        ArticleOrder::TitleAsc,
        ArticleOrder::RecentlyUpdated,
    ])
}

/// Parts a cursor is made of, and values meant to break one.
fn part() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(vec![
            "a1", "n1", "s1", "n", "o", "t", "u", "", "-1", "0", "1", "9223372036854775807",
            "-9223372036854775808", "9223372036854775808", "1403773200000000",
            "8210266876799999999", "-8334601228800000000", "253402300800000000",
            "-62135596800000001", "\u{0}", "a\u{0}b", "\u{7f}", "é", "'", "%",
        ])
        .prop_map(str::to_owned),
        1 => ".{0,12}",
        1 => any::<i64>().prop_map(|n| n.to_string()),
    ]
}

/// Tokens: arbitrary text, base64 of arbitrary bytes (both alphabets), and cursors of the
/// right shape with arbitrary parts.
fn token() -> impl Strategy<Value = String> {
    let article = (
        select(vec!["a1", "a2"]),
        select(vec!["n", "o", "t", "u"]),
        part(),
        part(),
    )
        .prop_map(|(v, t, id, key)| format!("{v}:{t}:{id}:{key}"));
    let name = (part(), part()).prop_map(|(id, key)| format!("n1:{id}:{key}"));
    prop_oneof![
        1 => any::<String>(),
        1 => "[A-Za-z0-9_\\-+/=]{0,40}",
        2 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
        1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(|b| STANDARD.encode(b)),
        2 => proptest::collection::vec(part(), 1..6)
            .prop_map(|parts| URL_SAFE_NO_PAD.encode(parts.join(":"))),
        4 => article.prop_map(|raw| URL_SAFE_NO_PAD.encode(raw)),
        2 => name.prop_map(|raw| URL_SAFE_NO_PAD.encode(raw)),
        1 => (1..3000usize).prop_map(|n| "A".repeat(n)),
    ]
}

fn check_key(key: &SortKey) -> Result<(), TestCaseError> {
    match key {
        SortKey::Time(t) => prop_assert!(
            (MIN_STORED..=MAX_STORED).contains(t),
            "{t:?} (year {}) is outside what a database stores",
            t.year()
        ),
        SortKey::Text(s) => prop_assert!(!s.chars().any(char::is_control), "{s:?}"),
    }
    Ok(())
}

proptest! {
    /// Any token is a cursor whose key a database can compare, or an error naming the
    /// argument that carried it.
    #[test]
    fn fuzz_cursors_decode_or_refuse(token in token(), order in order()) {
        match ArticleCursor::decode(&token, order, "after") {
            Ok(cursor) => {
                prop_assert_eq!(cursor.order, order);
                check_key(&cursor.key)?;
            }
            Err(e) => prop_assert_eq!(e.field, "after"),
        }
        match NameCursor::decode(&token, "before") {
            Ok(cursor) => prop_assert!(!cursor.key.chars().any(char::is_control)),
            Err(e) => prop_assert_eq!(e.field, "before"),
        }
    }

    /// Cursors of rows that can exist read back as they were made.
    #[test]
    fn fuzz_cursors_round_trip(
        order in order(),
        micros in MIN_STORED.timestamp_micros()..=MAX_STORED.timestamp_micros(),
        title in "[^\\p{Cc}]{0,40}",
        id in any::<i64>(),
    ) {
        let key = match order {
            ArticleOrder::TitleAsc => SortKey::Text(crate::text::sort_key(&title)),
            _ => SortKey::Time(DateTime::from_timestamp_micros(micros).unwrap_or_default()),
        };
        let cursor = ArticleCursor { order, key, id: ArticleId(id) };
        prop_assert_eq!(ArticleCursor::decode(&cursor.encode(), order, "after"), Ok(cursor));
        let name = NameCursor::of(&title, id);
        prop_assert_eq!(NameCursor::decode(&name.encode(), "after"), Ok(name));
    }

    /// Relay arguments of any size are a page request within the limit or an error.
    #[test]
    fn fuzz_relay_arguments(
        first in proptest::option::of(any::<i64>()),
        last in proptest::option::of(any::<i64>()),
        after in any::<bool>(),
        before in any::<bool>(),
        max in 0usize..1000,
    ) {
        let cursor = |given: bool| given.then(|| NameCursor::of("a", 1));
        if let Ok(page) =
            PageRequest::from_relay(first, cursor(after), last, cursor(before), max.min(20), max)
        {
            prop_assert!(page.size() <= max);
        }
    }
}
