//! Property tests of what the response cache reads from requests (the `fuzz_` tests;
//! `PROPTEST_CASES` sets how many cases): `If-None-Match`, `If-Modified-Since`,
//! `Accept-Encoding`, and the normalized GraphQL document it keys anonymous queries by.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::fuzzing::{accept_encoding, document};

/// An entity tag as this server writes it: strong or weak, identity or encoded.
fn etag() -> impl Strategy<Value = (String, String)> {
    let suffix = select(vec![
        "",
        Coding::Gzip.etag_suffix(),
        Coding::Brotli.etag_suffix(),
    ]);
    ("[0-9a-f]{1,8}", any::<bool>(), suffix).prop_map(|(inner, weak, suffix)| {
        let tag = format!("\"{inner}\"");
        let written = format!("{}\"{inner}{suffix}\"", if weak { "W/" } else { "" });
        (tag, written)
    })
}

/// A document without its positions, to compare two parses of it.
fn shape(doc: &async_graphql::parser::types::ExecutableDocument) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                map.remove("pos");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(doc).unwrap_or_default();
    strip(&mut v);
    v
}

proptest! {
    /// A client holding either representation's tag, weak or strong, in any list, gets a
    /// match; one holding only other tags does not; nothing panics.
    #[test]
    fn fuzz_if_none_match(
        (tag, written) in etag(),
        others in proptest::collection::vec("[0-9a-f]{1,8}".prop_map(|t| format!("\"x{t}\"")), 0..4),
        junk in prop_oneof![any::<String>(), "[\"W/, *a-z-]{0,20}"],
        at in any::<prop::sample::Index>(),
    ) {
        let mut listed = others.clone();
        listed.insert(at.index(listed.len() + 1), written.clone());
        prop_assert!(etag_matches(&listed.join(", "), &tag), "{listed:?} {tag}");
        let weak = format!("W/{tag}");
        prop_assert!(etag_matches(&written, &weak), "{written} {weak}");
        if !others.is_empty() {
            prop_assert!(!etag_matches(&others.join(","), &tag));
        }
        let _ = etag_matches(&junk, &tag);
        let _ = etag_matches(&tag, &junk);
    }

    /// Any request headers get a 200 with the body (encoded only as the client takes it, under
    /// that representation's tag) or a 304 with none.
    #[test]
    fn fuzz_conditional_responses(
        if_none_match in proptest::option::of(prop_oneof![
            etag().prop_map(|(_, written)| written),
            Just("*".to_owned()),
            "[ -~]{0,30}",
        ]),
        if_modified_since in proptest::option::of(prop_oneof![
            Just("Thu, 26 Jun 2014 09:00:00 GMT".to_owned()),
            Just("Mon, 01 Jan 9999 00:00:00 GMT".to_owned()),
            Just("Sat, 01 Jan 0000 00:00:00 GMT".to_owned()),
            Just("Thu, 26 Jun 2014 09:00:00 +2359".to_owned()),
            "[ -~]{0,30}",
        ]),
        encoding in proptest::option::of(accept_encoding()),
        last_modified in any::<bool>(),
    ) {
        let mut req = TestRequest::get();
        for (name, value) in [
            (actix_web::http::header::IF_NONE_MATCH, &if_none_match),
            (actix_web::http::header::IF_MODIFIED_SINCE, &if_modified_since),
            (actix_web::http::header::ACCEPT_ENCODING, &encoding),
        ] {
            if let Some(v) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                req = req.insert_header((name, v));
            }
        }
        let req = req.to_http_request();
        let body = "{\"data\":{\"articles\":[]}}".repeat(20);
        let cached = Cached::new(
            Bytes::from(body),
            etag_of(b"x"),
            last_modified.then(|| "Thu, 26 Jun 2014 09:00:00 GMT".to_owned()),
            Dependencies::shown(["articles".to_owned(), "article:a".to_owned()]),
        );
        let control = cache_control(60, 30);
        let res = respond(&req, &cached, &Served {
            content_type: "application/json",
            vary: "Accept-Encoding",
            cache_control: &control,
            hit: true,
            extra: &[],
        });
        let status = res.status();
        prop_assert!(status == StatusCode::OK || status == StatusCode::NOT_MODIFIED, "{status}");
        let sent = res
            .headers()
            .get(actix_web::http::header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap_or("?").to_owned());
        let tag = res.headers().get(actix_web::http::header::ETAG).and_then(|v| v.to_str().ok());
        prop_assert!(tag.is_some());
        if let Some(sent) = sent {
            let coding = Coding::ALL.into_iter().find(|c| c.name() == sent);
            prop_assert!(coding.is_some(), "{sent}");
            let coding = coding.unwrap_or(Coding::Gzip);
            let header = encoding::accept_encoding(&req).unwrap_or("");
            prop_assert!(encoding::quality(header, coding) > 0.0, "{sent} for {header:?}");
            let marked = format!("{}\"", coding.etag_suffix());
            prop_assert!(tag.is_some_and(|t| t.ends_with(&marked)), "{tag:?} for {sent}");
        }
    }

    /// A normalized document means what the document means: it parses exactly when the
    /// document does, to the same operations, and normalizing it again changes nothing.
    /// (Anonymous queries are cached under it: a difference would answer one query with
    /// another's response.)
    #[test]
    fn fuzz_normalized_queries_mean_the_same(text in document()) {
        let normalized = normalize_query(&text);
        prop_assert_eq!(normalize_query(&normalized), normalized.clone(), "{:?}", text);
        let original = async_graphql::parser::parse_query(&text);
        let again = async_graphql::parser::parse_query(&normalized);
        match (&original, &again) {
            (Ok(a), Ok(b)) => prop_assert_eq!(shape(a), shape(b), "{:?} -> {:?}", text, normalized),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(
                false,
                "{text:?} parses {}, normalized {normalized:?} parses {}",
                original.is_ok(),
                again.is_ok()
            ),
        }
    }

    /// Any `Accept-Encoding` is read without a panic; a coding is taken only when named (or
    /// `*` is), never one the client weighs below another it takes.
    #[test]
    fn fuzz_accept_encoding(value in accept_encoding(), kind in select(vec![0u8, 1])) {
        let Ok(header) = HeaderValue::from_str(&value) else { return Ok(()) };
        let name = if kind == 0 { "accept-encoding" } else { "Accept-Encoding" };
        let req = TestRequest::default().insert_header((name, header)).to_http_request();
        let read = encoding::accept_encoding(&req);
        if let Some(coding) = encoding::choose(read, |_| true) {
            let lower = value.to_ascii_lowercase();
            prop_assert!(lower.contains(coding.name()) || value.contains('*'), "{coding:?} {value:?}");
            let header = read.unwrap_or("");
            for other in Coding::ALL {
                prop_assert!(encoding::quality(header, other) <= encoding::quality(header, coding));
            }
        }
    }
}

#[test]
fn only_graphql_s_whitespace_is_insignificant() {
    // Found by fuzzing: a no-break space (or any other Unicode space) was dropped like a
    // GraphQL space, so a document that does not parse was answered with the cached response
    // of one that does, while uncached it got GRAPHQL_PARSE_FAILED.
    for space in ['\u{a0}', '\u{2003}', '\u{b}', '\u{c}'] {
        let broken = format!("{{ articles{space}{{ title }} }}");
        assert_ne!(
            normalize_query(&broken),
            normalize_query("{ articles { title } }"),
            "{space:?}"
        );
    }
    assert_eq!(
        normalize_query("\u{feff}{ a,\tb\r\n}"),
        normalize_query("{a b}")
    );
}

#[test]
fn strings_side_by_side_stay_apart() {
    // Found by fuzzing: `"" ""` (two empty strings) became `""""`, the start of a block
    // string, so the normalized document no longer meant what the document did.
    for (text, normalized) in [
        ("{ a(x: [\"\" \"\"]) }", "{a(x:[\"\" \"\"])}"),
        ("{ a(x: [\"\" \"b\"]) }", "{a(x:[\"\" \"b\"])}"),
        ("{ a(x: [\"a\", \"b\"]) }", "{a(x:[\"a\" \"b\"])}"),
    ] {
        assert_eq!(normalize_query(text), normalized, "{text}");
    }
}
