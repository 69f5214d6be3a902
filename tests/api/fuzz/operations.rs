//! GraphQL operations to send: the README's query and the others a frontend or a script
//! sends, with variables of the right type holding hostile values most of the time (so that
//! requests get past validation to the resolvers and the database), and otherwise anything.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

/// A document, the operation to run, and its variables.
#[derive(Debug, Clone)]
pub struct Operation {
    pub query: String,
    pub name: Option<String>,
    pub variables: Value,
}

pub const README_QUERY: &str = "query ArticlePage($slug: String!) {
  article(slug: $slug) {
    title publishedAt readingTime
    primaryAuthor { name slug }
    tags { name slug }
    html
    relatedArticles(first: 5) { reason node { title slug publishedAt } }
  }
}";

/// Text meant to hurt: quotes, wildcards, control characters, other scripts.
pub fn short_hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "",
            " ",
            "'",
            "\"",
            "\\",
            "%",
            "_",
            "%_%",
            "\u{0}",
            "a\u{0}b",
            "\u{7}",
            "é–ü 🦀",
            "'; DROP TABLE articles; --",
            "<script>alert(1)</script>",
            "NEAR(a b)",
            "birmingham",
            "children",
            "council budget",
            "tom-ashby",
            "ofsted",
        ])
        .prop_map(str::to_owned),
        ".{0,24}",
    ]
}

/// [`short_hostile`], and sometimes thousands of characters long.
pub fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => short_hostile(),
        1 => (".{1,3}", 1..3000usize).prop_map(|(s, n)| s.repeat(n)),
    ]
}

pub fn filter() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(vec![
            "tag:birmingham",
            "tag:[birmingham,ofsted]+published_at:>'2014-06-01'",
            "authors.slug:-tom-ashby",
            "title:~'%_\\\\'",
            "featured:true,tag:news",
            "published_at:>now-100000y",
            "published_at:<'+10000-01-01'",
            "published_at:>'-4714-01-01'",
            "slug:[a,b]",
            "id:0190ba3c-7d5e-7f2a-9c4b-6a1d2e3f4a5b",
            "(((((((((((((((((a:1)))))))))))))))))",
            "reading_time:>2147483648",
            "title:~'\u{0}'",
            "custom_excerpt:-null+status:published",
        ])
        .prop_map(str::to_owned),
        1 => short_hostile(),
    ]
}

fn int() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (0i64..=120).prop_map(Value::from),
        1 => select(vec![
            json!(-1),
            json!(i32::MAX),
            json!(i64::from(i32::MAX) + 1),
            json!(i64::MIN),
            json!(1.5),
            Value::Null,
        ]),
    ]
}

/// Cursors of every kind the API hands out, with parts of any value.
fn cursor() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        select(vec![
            "1403773200000000",
            "0",
            "-8334601228800000000",
            "8210266876799999999",
            "253402300800000000",
            "\u{0}",
            "a",
            "",
        ])
        .prop_map(str::to_owned),
        short_hostile(),
    ];
    let raw = prop_oneof![
        (select(vec!["n", "o", "t", "u"]), any::<i64>(), key.clone())
            .prop_map(|(t, id, key)| format!("a1:{t}:{id}:{key}")),
        (any::<i64>(), key).prop_map(|(id, key)| format!("n1:{id}:{key}")),
        any::<i64>().prop_map(|n| format!("s1:{n}")),
        (0..300u32).prop_map(|n| format!("s1:{n}")),
    ];
    prop_oneof![
        4 => raw.prop_map(|r| Value::from(URL_SAFE_NO_PAD.encode(r))),
        1 => short_hostile().prop_map(Value::from),
        1 => Just(Value::Null),
    ]
}

/// Global ids of every kind, for things that exist (`known`) or not.
fn id(known: &[String]) -> impl Strategy<Value = Value> + use<> {
    let known = select(known.to_vec()).prop_map(Value::from);
    let raw = prop_oneof![
        any::<u128>().prop_map(|n| format!("Article:{}", uuid::Uuid::from_u128(n))),
        (
            select(vec!["Tag", "Author", "ApiKey", "Webhook"]),
            prop_oneof![1i64..30, any::<i64>()]
        )
            .prop_map(|(kind, n)| format!("{kind}:{n}")),
        short_hostile().prop_map(|s| format!("Tag:{s}")),
    ];
    prop_oneof![
        3 => known,
        3 => raw.prop_map(|r| Value::from(URL_SAFE_NO_PAD.encode(r))),
        1 => short_hostile().prop_map(Value::from),
    ]
}

fn date() -> impl Strategy<Value = Value> {
    prop_oneof![
        select(vec![
            json!("2014-06-01T00:00:00Z"),
            json!("0000-01-01T00:00:00Z"),
            json!("9999-12-31T23:59:59.999999Z"),
            json!("2014-06-01T00:00:00+14:00"),
            json!("2099-01-01T00:00:00Z"),
            Value::Null,
        ]),
        // Outside what both databases store, or not a date.
        select(vec![
            json!("-4714-01-01T00:00:00Z"),
            json!("-0001-12-31T23:59:59Z"),
            json!("+10000-01-01T00:00:00Z"),
            json!("+262143-01-01T00:00:00Z"),
            json!("yesterday"),
        ]),
    ]
}

fn slug() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => select(vec![
            "weve-still-no-idea-about-needs-of-all-children-at-risk-admits-birmingham-social-services-chief",
            "birmingham",
            "tom-ashby",
            "homepage",
            "nope",
        ])
        .prop_map(Value::from),
        1 => hostile().prop_map(Value::from),
    ]
}

fn title() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => "[A-Za-z ]{1,20}[A-Za-z]".prop_map(Value::from),
        1 => hostile().prop_map(Value::from),
    ]
}

fn markdown() -> impl Strategy<Value = Value> {
    prop_oneof![
        select(vec![
            "<script>alert(1)</script>",
            "[x](javascript:alert(1))",
            "<img src=x onerror=alert(1)>",
            "| a |\n|---|\n| <td style=\"background:url(javascript:x)\"> |",
            "# Title\n\n> quote\n\n- one\n- two",
        ])
        .prop_map(Value::from),
        hostile().prop_map(Value::from),
    ]
}

/// An object of the given variables, each left out now and then.
fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    fields
        .into_iter()
        .map(|(name, value)| proptest::option::weighted(0.8, value).prop_map(move |v| (name, v)))
        .collect::<Vec<_>>()
        .prop_map(|fields| {
            Value::Object(
                fields
                    .into_iter()
                    .filter_map(|(name, v)| v.map(|v| (name.to_owned(), v)))
                    .collect::<Map<_, _>>(),
            )
        })
        .boxed()
}

/// Documents with their operation name and typed variables; `ids` are global ids of articles
/// that exist.
fn typed(ids: &[String]) -> impl Strategy<Value = Operation> + use<> {
    let op = |query: &'static str, name: Option<&'static str>, vars: BoxedStrategy<Value>| {
        vars.prop_map(move |variables| Operation {
            query: query.to_owned(),
            name: name.map(str::to_owned),
            variables,
        })
        .boxed()
    };
    let order = select(vec![
        "NEWEST_FIRST",
        "OLDEST_FIRST",
        "TITLE",
        "RECENTLY_UPDATED",
        "NOPE",
    ])
    .prop_map(Value::from)
    .boxed();
    prop_oneof![
        1 => op(README_QUERY, Some("ArticlePage"), object(vec![("slug", slug().boxed())])),
        1 => op(
            "{ articles(first: 5) { edges { cursor node { title slug } } pageInfo { hasNextPage endCursor } totalCount } }",
            None,
            Just(json!({})).boxed(),
        ),
        4 => op(
            "query List($first: Int, $after: String, $last: Int, $before: String, $nql: String, $order: ArticleOrderBy) { articles(first: $first, after: $after, last: $last, before: $before, filter: { nql: $nql }, orderBy: $order) { edges { cursor node { id title publishedAt } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }",
            Some("List"),
            object(vec![
                ("first", int().boxed()),
                ("after", cursor().boxed()),
                ("last", int().boxed()),
                ("before", cursor().boxed()),
                ("nql", filter().prop_map(Value::from).boxed()),
                ("order", order),
            ]),
        ),
        2 => op(
            "query Filter($tags: [String!], $after: DateTime, $before: DateTime, $featured: Boolean) { articles(first: 3, filter: { tags: $tags, allTags: $tags, authors: $tags, publishedAfter: $after, publishedBefore: $before, featured: $featured }) { nodes { slug } totalCount } }",
            Some("Filter"),
            object(vec![
                ("tags", vec(slug(), 0..120).prop_map(Value::Array).boxed()),
                ("after", date().boxed()),
                ("before", date().boxed()),
                ("featured", any::<bool>().prop_map(Value::from).boxed()),
            ]),
        ),
        2 => op(
            "query Search($query: String!, $first: Int, $after: String) { search(query: $query, first: $first, after: $after) { edges { cursor snippet node { slug } } pageInfo { hasNextPage } totalCount } }",
            Some("Search"),
            object(vec![
                ("query", hostile().prop_map(Value::from).boxed()),
                ("first", int().boxed()),
                ("after", cursor().boxed()),
            ]),
        ),
        1 => op(
            "query Node($id: ID!) { node(id: $id) { id ... on Article { title } ... on Tag { name } ... on Author { name } } }",
            Some("Node"),
            object(vec![("id", id(ids).boxed())]),
        ),
        1 => op(
            "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            Some("Nodes"),
            object(vec![("ids", vec(id(ids), 0..110).prop_map(Value::Array).boxed())]),
        ),
        1 => op(
            "query Slug($slug: String!) { article(slug: $slug) { title redirectedFrom } tag(slug: $slug) { name articleCount } author(slug: $slug) { name } }",
            Some("Slug"),
            object(vec![("slug", slug().boxed())]),
        ),
        2 => op(
            "query Names($first: Int, $after: String, $last: Int, $before: String) { tags(first: $first, after: $after, last: $last, before: $before) { edges { cursor node { slug } } totalCount } authors(first: $first, after: $after) { edges { cursor node { slug } } } }",
            Some("Names"),
            object(vec![
                ("first", int().boxed()),
                ("after", cursor().boxed()),
                ("last", int().boxed()),
                ("before", cursor().boxed()),
            ]),
        ),
        1 => op(
            "query Preview($token: String!) { preview(token: $token) { title } me { name } }",
            Some("Preview"),
            object(vec![("token", hostile().prop_map(Value::from).boxed())]),
        ),
        1 => op(
            "mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }",
            Some("Login"),
            object(vec![
                ("email", hostile().prop_map(Value::from).boxed()),
                ("password", hostile().prop_map(Value::from).boxed()),
            ]),
        ),
        1 => op(
            "mutation Tag($name: String!) { createTag(input: { name: $name }) { tag { slug } } }",
            Some("Tag"),
            object(vec![("name", hostile().prop_map(Value::from).boxed())]),
        ),
        1 => op(
            "mutation Write($title: String!, $markdown: String!) { createArticle(input: { title: $title, markdown: $markdown }) { article { id html } } }",
            Some("Write"),
            object(vec![
                ("title", title().boxed()),
                ("markdown", markdown().boxed()),
            ]),
        ),
        3 => op(
            "mutation Dated($title: String!, $at: DateTime, $status: ArticleStatus) { createArticle(input: { title: $title, status: $status, publishedAt: $at }) { article { id publishedAt } } }",
            Some("Dated"),
            object(vec![
                ("title", title().boxed()),
                ("at", date().boxed()),
                ("status", select(vec!["DRAFT", "SCHEDULED", "PUBLISHED", "NOPE"]).prop_map(Value::from).boxed()),
            ]),
        ),
        3 => op(
            "mutation Publish($id: ID!, $at: DateTime) { publishArticle(id: $id, expectedVersion: 1, publishedAt: $at) { article { id } } scheduleArticle(id: $id, expectedVersion: 2, publishAt: $at) { article { id } } }",
            Some("Publish"),
            object(vec![("id", id(ids).boxed()), ("at", date().boxed())]),
        ),
        1 => op("{ __typename }", None, Just(json!({})).boxed()),
    ]
}

/// Any JSON, for variables that are not what the document asks for.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        short_hostile().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec(("[a-z]{1,6}", inner), 0..3).prop_map(|f| Value::Object(f.into_iter().collect())),
        ]
    })
}

/// An operation as a client would send it, or spoiled: its document mangled, another
/// operation named, variables of any shape, a document nested too deep.
pub fn operation(ids: &[String]) -> impl Strategy<Value = Operation> + use<> {
    let mangle = select("{}()[]:$@\"#,!=.\n\\ \u{a0}".chars().collect::<Vec<_>>());
    prop_oneof![
        12 => typed(ids),
        2 => (typed(ids), any::<prop::sample::Index>(), mangle, 0..3u8).prop_map(|(mut op, at, c, how)| {
            let mut chars: Vec<char> = op.query.chars().collect();
            let i = at.index(chars.len());
            match how {
                0 => chars[i] = c,
                1 => chars.insert(i, c),
                _ => {
                    chars.remove(i);
                }
            }
            op.query = chars.into_iter().collect();
            op
        }),
        1 => (typed(ids), select(vec!["Nope", "", "List"])).prop_map(|(mut op, name)| {
            op.name = Some(name.to_owned());
            op
        }),
        1 => (typed(ids), any_json()).prop_map(|(mut op, variables)| {
            op.variables = variables;
            op
        }),
        1 => (1..40usize).prop_map(|n| Operation {
            query: format!("{}{}", "{ articles { edges { node { ".repeat(n), "}".repeat(n)),
            name: None,
            variables: json!({}),
        }),
        1 => ".{0,40}".prop_map(|query| Operation { query, name: None, variables: Value::Null }),
    ]
}
