//! Generated requests: GraphQL by GET and POST (valid documents and mangled ones, random
//! variables, operation names and persisted-query extensions), the JSON Content API with
//! random parameters, feeds, and random headers on all of them.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::operations::{filter, operation, short_hostile};

/// What the generators need to know of the server's data.
#[derive(Debug, Clone)]
pub struct Known {
    /// A working content key.
    pub key: String,
    /// A working staff token (an editor's).
    pub token: String,
    /// Slugs that exist.
    pub slugs: Vec<String>,
    /// Global ids of articles that exist.
    pub ids: Vec<String>,
}

/// One request, and whether to send it twice (the second may come from the cache).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub twice: bool,
}

impl Request {
    /// Anonymous, and a read: the same request must get the same answer.
    pub fn repeatable(&self) -> bool {
        !self.headers.iter().any(|(n, _)| *n == "authorization")
            && !String::from_utf8_lossy(&self.body).contains("mutation")
            && !self.path.contains("mutation")
    }
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The GraphQL parameters of a request: query, variables, operation name, extensions.
fn graphql_params(known: &Known) -> impl Strategy<Value = Vec<(&'static str, Value)>> + use<> {
    (operation(&known.ids), 0..20u8, short_hostile()).prop_map(|(op, persisted, junk)| {
        let hash = sha256(&op.query);
        let ext = |version: Value, hash: Value| {
            json!({ "persistedQuery": { "version": version, "sha256Hash": hash } })
        };
        let (send_query, extensions) = match persisted {
            // Apollo's protocol: the hash alone, and the query with its hash.
            0 | 1 => (false, Some(ext(json!(1), json!(hash)))),
            2 | 3 => (true, Some(ext(json!(1), json!(hash)))),
            4 => (true, Some(ext(json!(1), json!(hash.to_ascii_uppercase())))),
            5 => (true, Some(ext(json!(1), json!(sha256(&junk))))),
            6 => (false, Some(ext(json!(2), json!(hash)))),
            7 => (true, Some(json!({ "persistedQuery": junk }))),
            _ => (true, None),
        };
        let mut params = Vec::new();
        if send_query {
            params.push(("query", Value::from(op.query)));
        }
        params.push(("variables", op.variables));
        if let Some(name) = op.name {
            params.push(("operationName", Value::from(name)));
        }
        if let Some(e) = extensions {
            params.push(("extensions", e));
        }
        params
    })
}

/// Headers any request may carry.
fn headers(known: &Known) -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let token = known.token.clone();
    let accept = prop_oneof![
        6 => select(vec![
            "application/json",
            "application/graphql-response+json",
            "application/graphql-response+json, application/json;q=0.9",
            "application/json;q=NaN, application/graphql-response+json",
            "*/*",
        ]),
        1 => select(vec!["text/html", "text/plain", ""]),
    ];
    let encoding = select(vec![
        "gzip",
        "gzip;q=0",
        "br, gzip;q=0.5",
        "gzip, deflate, br",
        "br;q=0, gzip",
        "br;q=0",
        "deflate",
        "*",
        "identity",
        "x-gzip",
    ]);
    let if_none_match = prop_oneof![
        Just("*".to_owned()),
        "\"[0-9a-f]{32}\"",
        "W/\"[0-9a-f]{32}(-gzip|-br)?\"",
        "[ -~]{0,20}",
    ];
    let authorization = prop_oneof![
        3 => Just(format!("Bearer {token}")),
        1 => Just("Bearer".to_owned()),
        1 => "Bearer [A-Za-z0-9._\\-]{0,60}",
        1 => "Ghost [A-Za-z0-9._\\-]{0,60}",
        1 => "[ -~]{0,30}",
    ];
    (
        proptest::option::of(accept),
        proptest::option::of(encoding),
        proptest::option::weighted(0.2, if_none_match),
        proptest::option::weighted(0.2, authorization),
    )
        .prop_map(|(accept, encoding, inm, auth)| {
            let mut out = Vec::new();
            if let Some(a) = accept {
                out.push(("accept", a.to_owned()));
            }
            if let Some(e) = encoding {
                out.push(("accept-encoding", e.to_owned()));
            }
            if let Some(v) = inm {
                out.push(("if-none-match", v));
            }
            if let Some(v) = auth {
                out.push(("authorization", v));
            }
            out
        })
}

fn encode(pairs: &[(&str, String)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        out.append_pair(name, value);
    }
    out.finish()
}

fn graphql(known: &Known) -> impl Strategy<Value = Request> {
    let key = known.key.clone();
    let bearer = format!("Bearer {}", known.token);
    (
        graphql_params(known),
        headers(known),
        0..12u8,
        any::<bool>(),
        proptest::option::weighted(0.15, 0..3u8),
        proptest::bool::weighted(0.7),
    )
        .prop_map(move |(params, mut headers, how, twice, keyed, staff)| {
            // Mutations mostly as an editor, by POST, so that they get past sign-in.
            let mutation = params
                .iter()
                .any(|(k, v)| *k == "query" && v.as_str().is_some_and(|q| q.contains("mutation")));
            let how = if mutation && staff {
                headers.retain(|(name, _)| *name != "authorization");
                headers.push(("authorization", bearer.clone()));
                6 + how % 5
            } else {
                how
            };
            let key_param = keyed.map(|k| match k {
                0 => ("key", key.clone()),
                1 => ("k%65y", key.clone()),
                _ => ("key", "0123456789abcdef0123456789".to_owned()),
            });
            let text = |v: &Value| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let pairs: Vec<(&str, String)> = params.iter().map(|(k, v)| (*k, text(v))).collect();
            // A URL past 16 KiB goes in a body instead: servers refuse such heads.
            let how = if encode(&pairs).len() > 16 * 1024 {
                6
            } else {
                how
            };
            match how {
                // GET with the parameters in the URL.
                0..=5 => {
                    let mut path = format!("/graphql?{}", encode(&pairs));
                    if let Some((name, value)) = key_param {
                        path.push_str(&format!("&{name}={value}"));
                    }
                    Request {
                        method: "GET",
                        path,
                        headers,
                        body: Vec::new(),
                        twice,
                    }
                }
                // POST with a JSON body.
                6..=10 => {
                    let body: serde_json::Map<String, Value> =
                        params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
                    let mut path = "/graphql".to_owned();
                    if let Some((name, value)) = key_param {
                        path.push_str(&format!("?{name}={value}"));
                    }
                    let mut headers = headers;
                    headers.push(("content-type", "application/json".to_owned()));
                    Request {
                        method: "POST",
                        path,
                        headers,
                        body: Value::Object(body).to_string().into_bytes(),
                        twice,
                    }
                }
                // POST with anything.
                _ => {
                    let mut headers = headers;
                    headers.push(("content-type", "application/json; charset=utf-8".to_owned()));
                    let body = match params.first() {
                        Some((_, v)) => format!("[{v}]").into_bytes(),
                        None => b"{".to_vec(),
                    };
                    Request {
                        method: "POST",
                        path: "/graphql".to_owned(),
                        headers,
                        body,
                        twice,
                    }
                }
            }
        })
}

fn content_api(known: &Known) -> impl Strategy<Value = Request> {
    let key = known.key.clone();
    let slug = prop_oneof![
        3 => select(known.slugs.clone()),
        1 => short_hostile().prop_map(|s| encode(&[("x", s)]).trim_start_matches("x=").to_owned()),
        1 => select(vec!["%FF", "%00", "a%2Fb", "..", "%2e%2e", "0190ba3c-7d5e-7f2a-9c4b-6a1d2e3f4a5b", "1"])
            .prop_map(str::to_owned),
    ];
    let resource = select(vec![
        "posts", "posts", "posts", "pages", "tags", "tags", "authors", "settings", "nope",
    ]);
    let path = (
        select(vec!["", "v4/", "v5.0/", "canary/"]),
        resource,
        0..4u8,
        slug,
    )
        .prop_map(|(version, resource, shape, slug)| match shape {
            0 | 1 => format!("/ghost/api/{version}content/{resource}/"),
            2 => format!("/ghost/api/{version}content/{resource}/slug/{slug}/"),
            _ => format!("/ghost/api/{version}content/{resource}/{slug}/"),
        });
    let filter = filter();
    let param = prop_oneof![
        4 => filter.prop_map(|f| ("filter", f)),
        1 => prop_oneof![
            4 => select(vec!["all", "1", "15", "100", "101", "99999999999999999999"]),
            1 => select(vec!["0", "-1", "x"]),
        ]
        .prop_map(|l| ("limit", l.to_owned())),
        1 => prop_oneof![
            4 => select(vec!["1", "2", "3", "1000000"]),
            1 => select(vec!["0", "1000001", "x"]),
        ]
        .prop_map(|p| ("page", p.to_owned())),
        1 => select(vec!["published_at desc", "published_at asc", "title asc", "updated_at desc", "count.posts desc", "name asc", "x y", ""])
            .prop_map(|o| ("order", o.to_owned())),
        1 => select(vec!["title,slug", "id", "", "html,plaintext,nope"]).prop_map(|f| ("fields", f.to_owned())),
        1 => select(vec!["tags,authors", "count.posts", "x"]).prop_map(|i| ("include", i.to_owned())),
        1 => select(vec!["html", "plaintext", "mobiledoc"]).prop_map(|f| ("formats", f.to_owned())),
    ];
    (
        path,
        vec(param, 0..5),
        0..12u8,
        headers(known),
        any::<bool>(),
    )
        .prop_map(move |(path, mut params, keyed, headers, twice)| {
            match keyed {
                0 => {}
                1 => params.push(("key", "0123456789abcdef0123456789".to_owned())),
                2 => params.push(("key", "nope".to_owned())),
                _ => params.insert(0, ("key", key.clone())),
            }
            Request {
                method: "GET",
                path: format!("{path}?{}", encode(&params)),
                headers,
                body: Vec::new(),
                twice,
            }
        })
}

fn feeds(known: &Known) -> impl Strategy<Value = Request> {
    let slug = prop_oneof![
        select(known.slugs.clone()),
        select(vec!["%FF", "nope", "a%00b", "%E2%80%AE"]).prop_map(str::to_owned),
    ];
    (
        select(vec!["", "/tag/{}", "/author/{}"]),
        slug,
        select(vec!["/rss/", "/atom/", "/feed.json"]),
        headers(known),
        any::<bool>(),
    )
        .prop_map(|(scope, slug, format, mut headers, twice)| {
            if twice {
                headers.push((
                    "if-modified-since",
                    "Thu, 26 Jun 2014 09:00:00 GMT".to_owned(),
                ));
            }
            Request {
                method: "GET",
                path: format!("{}{format}", scope.replace("{}", &slug)),
                headers,
                body: Vec::new(),
                twice,
            }
        })
}

/// Any request to the public surface.
pub fn request(known: &Known) -> impl Strategy<Value = Request> {
    prop_oneof![
        6 => graphql(known),
        3 => content_api(known),
        1 => feeds(known),
    ]
}
