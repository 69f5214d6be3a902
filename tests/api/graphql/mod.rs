//! The GraphQL API over HTTP.

mod graphiql;
mod limits;
mod persisted;
mod queries;
pub(crate) mod readme;
mod related;
mod search;
mod statements;
mod transport;

use serde_json::Value;

/// `data.<path>` of a JSON response (numbers index lists), panicking with the whole body if
/// it has errors.
pub fn data<'a>(body: &'a Value, path: &[&str]) -> &'a Value {
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    path.iter()
        .fold(&body["data"], |v, key| match key.parse::<usize>() {
            Ok(i) => &v[i],
            Err(_) => &v[*key],
        })
}

/// The `extensions.code` of the first error.
pub fn first_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}
