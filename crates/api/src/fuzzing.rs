//! Generators shared by the api crate's property tests (the `fuzz_` tests): GraphQL
//! documents written every way the language allows (and some ways it does not), and the
//! text of request headers.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// Insignificant text between tokens: GraphQL's whitespace, commas, comments and the byte
/// order mark, and sometimes whitespace GraphQL does not allow.
pub fn gap() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => select(vec!["", " ", "\n", "\t", ",", ", ", "\r\n", "  ,\n  "]).prop_map(str::to_owned),
        1 => "#[^\r\n]{0,12}\n",
        1 => Just("\u{feff}".to_owned()),
        1 => select(vec!["\u{a0}", "\u{2003}", "\u{0b}", "\u{0c}"]).prop_map(str::to_owned),
    ]
}

/// A GraphQL string literal: plain (with escapes) or block (with `\"""` and lone quotes).
pub fn string_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z #,{}()\\t]{0,12}".prop_map(|s| format!("\"{s}\"")),
        "[a-z \"#,{}]{0,8}".prop_map(|s| format!("\"{}\"", s.replace('"', "\\\""))),
        Just("\"\\\\\"".to_owned()),
        Just("\"\\u00e9 \\n \\\"\"".to_owned()),
        ("[a-z #,{}\n]{0,8}", "[a-z #,{}\n]{1,8}")
            .prop_map(|(a, b)| format!("\"\"\"{a}\"{b}\"\"\"")),
        Just("\"\"\"a \\\"\"\" b\"\"\"".to_owned()),
        Just("\"\"".to_owned()),
        Just("\"\"\"\"\"\"".to_owned()),
    ]
}

/// A literal argument value.
pub fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        select(vec![
            "1",
            "-1",
            "0",
            "5",
            "12",
            "1.5",
            "1e3",
            "-0.5E-2",
            "true",
            "false",
            "null",
            "NEWEST_FIRST",
            "TITLE_ASC",
            "$n",
            "$s",
            "$slug",
        ])
        .prop_map(str::to_owned),
        string_literal(),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(" "))),
            vec(("[a-z]{1,6}", inner), 0..3).prop_map(|fields| {
                let fields: Vec<String> = fields
                    .into_iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }),
        ]
    })
}

const FIELDS: &[&str] = &[
    "articles",
    "article",
    "tags",
    "tag",
    "authors",
    "author",
    "search",
    "node",
    "nodes",
    "edges",
    "title",
    "slug",
    "id",
    "html",
    "publishedAt",
    "pageInfo",
    "hasNextPage",
    "endCursor",
    "totalCount",
    "primaryAuthor",
    "name",
    "relatedArticles",
    "reason",
    "__typename",
    "noSuchField",
];

const ARGUMENTS: &[&str] = &[
    "first", "last", "after", "before", "slug", "id", "query", "filter", "orderBy", "ids",
];

/// A selection set, nested a few levels, with aliases, arguments, fragments and directives.
pub fn selection_set() -> impl Strategy<Value = String> {
    let field = (
        proptest::option::of("[a-z][a-zA-Z0-9_]{0,6}"),
        select(FIELDS),
        vec((select(ARGUMENTS), value()), 0..3),
        proptest::option::of(select(vec![
            "@include(if: true)",
            "@skip(if: $flag)",
            "@deprecated",
        ])),
        gap(),
    )
        .prop_map(|(alias, name, args, directive, gap)| {
            let mut out = String::new();
            if let Some(alias) = alias {
                out.push_str(&format!("{alias}:{gap}"));
            }
            out.push_str(name);
            if !args.is_empty() {
                let args: Vec<String> = args
                    .into_iter()
                    .map(|(k, v)| format!("{k}:{gap}{v}"))
                    .collect();
                out.push_str(&format!("({})", args.join(&format!(",{gap}"))));
            }
            if let Some(d) = directive {
                out.push_str(&format!("{gap}{d}"));
            }
            out
        });
    let set = vec(field, 1..4).prop_map(|fields| format!("{{ {} }}", fields.join(" ")));
    set.prop_recursive(4, 24, 3, |inner| {
        (
            vec((select(FIELDS), inner.clone(), gap()), 1..3),
            proptest::option::of(inner),
        )
            .prop_map(|(fields, fragment)| {
                let mut parts: Vec<String> = fields
                    .into_iter()
                    .map(|(name, set, gap)| format!("{name}{gap}{set}"))
                    .collect();
                if let Some(set) = fragment {
                    parts.push(format!("... on Article {set}"));
                    parts.push("...F".to_owned());
                }
                format!("{{{}}}", parts.join(" "))
            })
    })
}

/// A GraphQL document: an anonymous query, a named operation with variables, a mutation, a
/// fragment; then sometimes mangled.
pub fn document() -> impl Strategy<Value = String> {
    let operation = (
        select(vec![
            "",
            "query ",
            "query Page",
            "query Page($n: Int = 5, $s: String)",
            "mutation M",
            "subscription S",
        ]),
        selection_set(),
        proptest::option::of(selection_set()),
        gap(),
    )
        .prop_map(|(head, set, fragment, gap)| {
            let fragment = fragment
                .map(|f| format!("{gap}fragment F on Article{gap}{f}"))
                .unwrap_or_default();
            format!("{gap}{head}{gap}{set}{fragment}{gap}")
        })
        .boxed();
    prop_oneof![
        8 => operation.clone(),
        1 => (operation, any::<prop::sample::Index>(), select("{}()[]:$@\"#,!=.\n\\".chars().collect::<Vec<_>>()))
            .prop_map(|(doc, at, c)| {
                let mut chars: Vec<char> = doc.chars().collect();
                let i = at.index(chars.len());
                chars[i] = c;
                chars.into_iter().collect()
            }),
        1 => ".{0,40}",
    ]
}

/// An `Accept`-like header: media types with weights and parameters, and junk.
pub fn accept() -> impl Strategy<Value = String> {
    let item = (
        select(vec![
            "application/graphql-response+json",
            "application/json",
            "APPLICATION/JSON",
            "text/html",
            "application/*",
            "*/*",
            "text/plain",
            "application/xhtml+xml",
            "",
            "*",
        ]),
        select(vec![
            "",
            ";q=0",
            ";q=0.5",
            ";q=1",
            ";q=1.0",
            ";q=NaN",
            ";q=inf",
            ";q=-1",
            ";q=2",
            ";q=",
            ";q=0.001",
            "; q=0.9",
            ";level=1",
            ";charset=utf-8;q=0.8",
        ]),
    )
        .prop_map(|(media, params)| format!("{media}{params}"));
    prop_oneof![
        4 => vec(item, 0..5).prop_map(|items| items.join(", ")),
        1 => "[ -~]{0,40}",
    ]
}

/// An `Accept-Encoding`-like header.
pub fn accept_encoding() -> impl Strategy<Value = String> {
    let item = (
        select(vec![
            "gzip", "GZIP", "x-gzip", "br", "deflate", "identity", "*", "zstd", "",
        ]),
        select(vec![
            "", ";q=0", ";q=0.5", ";q=1", ";q=NaN", ";q=-0", ";q=x",
        ]),
    )
        .prop_map(|(coding, params)| format!("{coding}{params}"));
    prop_oneof![
        4 => vec(item, 0..5).prop_map(|items| items.join(", ")),
        1 => "[ -~]{0,40}",
    ]
}
