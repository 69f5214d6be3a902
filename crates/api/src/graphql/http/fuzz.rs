//! Property tests of the GraphQL transport's parsers (the `fuzz_` tests; `PROPTEST_CASES`
//! sets how many cases): `Accept`, URL and body parameters, persisted queries, the raw cache
//! key, and what the transport reads of a document before executing it.

use std::sync::LazyLock;

use actix_web::test::TestRequest;
use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::fuzzing::{accept, document};

static SERVICE: LazyLock<GraphqlService> = LazyLock::new(|| {
    GraphqlService::new(
        GraphqlConfig::default(),
        SiteUrl::new("https://news.example.com"),
    )
});

fn format_for(value: &str, html: bool) -> Option<Format> {
    let req = TestRequest::default().insert_header((header::ACCEPT, value));
    negotiate(&req.to_http_request(), html)
}

/// Any JSON, biased to what a GraphQL request holds.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        select(vec!["persistedQuery", "version", "sha256Hash", "query"]).prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    select(vec![
                        "persistedQuery",
                        "version",
                        "sha256Hash",
                        "query",
                        "x"
                    ]),
                    inner
                ),
                0..4
            )
            .prop_map(|fields| Value::Object(
                fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

/// `extensions` carrying a persisted query: right and wrong versions and hashes.
fn extensions(query: &str) -> impl Strategy<Value = Value> + use<> {
    let right = crate::hex::encode(&Sha256::digest(query.as_bytes()));
    let hash = prop_oneof![
        Just(right.clone()),
        Just(right.to_ascii_uppercase()),
        Just(right[..63].to_owned()),
        Just(format!("{right}0")),
        "[0-9a-f]{64}",
        ".{0,70}",
    ];
    let version = prop_oneof![
        4 => Just(json!(1)),
        1 => select(vec![json!(0), json!(2), json!("1"), json!(1.5), Value::Null, json!(-1)]),
    ];
    prop_oneof![
        6 => (version, hash).prop_map(|(version, hash)| {
            json!({ "persistedQuery": { "version": version, "sha256Hash": hash } })
        }),
        1 => json(),
    ]
}

proptest! {
    /// `Accept` picks an acceptable format, or none when nothing acceptable is named.
    #[test]
    fn fuzz_accept_negotiation(value in accept(), html in any::<bool>()) {
        let Ok(_) = HeaderValue::from_str(&value) else { return Ok(()) };
        let format = format_for(&value, html);
        if format == Some(Format::Html) {
            prop_assert!(html);
        }
        let lower = value.to_ascii_lowercase();
        let names_one = ["json", "*/*", "application/*", "text/html"].iter().any(|m| lower.contains(m));
        if !names_one {
            prop_assert_eq!(format, None, "{:?}", value);
        }
    }

    /// URL parameters, bodies and the `key` parameter are read or refused, never a panic.
    #[test]
    fn fuzz_request_parameters(
        query_string in prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9=&%+{}\":,]{0,60}",
            (document(), json(), json()).prop_map(|(q, v, e)| serde_urlencoded::to_string([
                ("query", q), ("variables", v.to_string()), ("extensions", e.to_string()),
            ]).unwrap_or_default()),
        ],
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..80),
            json().prop_map(|v| v.to_string().into_bytes()),
            (document(), json()).prop_map(|(q, v)| json!({ "query": q, "variables": v }).to_string().into_bytes()),
        ],
    ) {
        let _ = url_params(&query_string);
        let _ = content_key(&query_string);
        let _ = body_params(&body);
    }

    /// A request that carries a content key, however its name is written, is never answered
    /// from the raw cache (which would skip the key's check and its rate limit); nor is one
    /// with credentials.
    #[test]
    fn fuzz_raw_cache_keys(
        name in select(vec!["key", "k%65y", "%6Bey", "%6b%65%79", "ke%79", "kEy", "keys", "key%00"]),
        value in "[0-9a-f]{26}",
        rest in "[a-z=&]{0,12}",
        authorization in any::<bool>(),
    ) {
        let query_string = format!("{rest}&{name}={value}");
        let mut req = TestRequest::get().uri(&format!("/graphql?{query_string}"));
        if authorization {
            req = req.insert_header((header::AUTHORIZATION, "Bearer x"));
        }
        let raw = raw_cache_key(&req.to_http_request(), "GET", query_string.as_bytes());
        let keyed = content_key(&query_string).is_ok_and(|key| key.is_some());
        if keyed || authorization {
            prop_assert_eq!(raw, None, "{}", query_string);
        }
    }

    /// A query sent with its hash is remembered and found by the hash alone; a wrong hash
    /// or version is refused with its own code.
    #[test]
    fn fuzz_persisted_queries(
        (query, extensions) in "[ -~]{1,60}".prop_flat_map(|q| (Just(q.clone()), extensions(&q))),
    ) {
        let persisted = extensions.get("persistedQuery");
        let right = crate::hex::encode(&Sha256::digest(query.as_bytes()));
        let hash = persisted.and_then(|p| p.get("sha256Hash")).and_then(Value::as_str);
        let version_one = persisted.and_then(|p| p.get("version")).and_then(Value::as_i64) == Some(1);
        let sent = resolve_query(&SERVICE, Some(query.clone()), Some(&extensions));
        match (persisted, sent) {
            (None, Ok((q, to_persist))) => {
                prop_assert_eq!(q, query);
                prop_assert_eq!(to_persist, None);
            }
            (None, Err(e)) => prop_assert!(query.trim().is_empty(), "{}", e.message),
            (Some(_), Ok((q, to_persist))) => {
                prop_assert!(version_one && hash.is_some_and(|h| h.eq_ignore_ascii_case(&right)));
                prop_assert_eq!(&q, &query);
                // Registered only once it has validated (here: only if it parses at all).
                let to_persist = to_persist.unwrap_or_default();
                prop_assert_eq!(&to_persist, &right);
                let kept = SERVICE.persisted.register(&to_persist, &query);
                prop_assert_eq!(kept, async_graphql::parser::parse_query(&query).is_ok());
                let again = resolve_query(&SERVICE, None, Some(&extensions));
                if kept {
                    prop_assert_eq!(again.ok().map(|(q, _)| q), Some(query));
                } else {
                    prop_assert!(again.is_err());
                }
            }
            (Some(_), Err(e)) => {
                let expected: &[&str] = if !version_one {
                    &["PERSISTED_QUERY_NOT_SUPPORTED"]
                } else if query.trim().is_empty() {
                    &["PERSISTED_QUERY_NOT_FOUND", "BAD_REQUEST"]
                } else {
                    &["PERSISTED_QUERY_HASH_MISMATCH", "BAD_REQUEST"]
                };
                prop_assert!(expected.contains(&e.code), "{}: {}", e.code, e.message);
                prop_assert!(e.status.is_client_error() || e.status == StatusCode::OK);
            }
        }
    }

    /// What the transport reads of a parsed document (which operation, how big) never
    /// panics, whatever the document and operation name.
    #[test]
    fn fuzz_documents_are_sized_and_selected(
        text in document(),
        name in proptest::option::of(select(vec!["Page", "M", "S", "", "Nope"])),
    ) {
        if let Ok(doc) = async_graphql::parser::parse_query(&text) {
            let _ = select_operation(&doc, name);
            let _ = check_size(&doc, &GraphqlConfig::default());
        }
    }
}

#[test]
fn a_content_key_with_an_encoded_name_is_not_answered_from_the_raw_cache() {
    // Found by fuzzing: `k%65y=` is `key=` to the key check, but not to the raw cache, which
    // answered such requests without checking or counting the key.
    for name in ["k%65y", "%6B%65%79", "key"] {
        let query_string = format!("query=%7Bx%7D&{name}=0123456789abcdef0123456789");
        let req = TestRequest::get()
            .uri(&format!("/graphql?{query_string}"))
            .to_http_request();
        assert_eq!(
            raw_cache_key(&req, "GET", query_string.as_bytes()),
            None,
            "{name}"
        );
    }
}

#[test]
fn an_unreadable_weight_does_not_win_negotiation() {
    // Found by fuzzing: `q=NaN` compared with nothing, so the first type named won.
    assert_eq!(
        format_for(
            "application/json;q=NaN, application/graphql-response+json",
            false
        ),
        Some(Format::GraphqlResponse)
    );
}
