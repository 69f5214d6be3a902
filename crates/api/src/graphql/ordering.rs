//! Puts response fields back in the order the query selected them.
//!
//! async-graphql 7.2 resolves sibling fields concurrently and writes each into the response
//! as it finishes, so the order of keys depends on timing. The GraphQL specification orders
//! them as selected; and caches need it too, since the same query must give the same bytes
//! (and the same `ETag`) every time. This walks the response beside the document and
//! reorders each object: the fields of fragments and inline fragments count where the
//! fragment is spread, as the specification's CollectFields does.

use std::collections::HashMap;

use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Value};

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

/// Reorders `data`, the result of `operation` in `doc`.
pub fn order_like_selection(data: &mut Value, doc: &ExecutableDocument, operation: Option<&str>) {
    let set = doc
        .operations
        .iter()
        .find(|(name, _)| match (operation, name) {
            (Some(wanted), Some(name)) => name.as_str() == wanted,
            (None, _) => true,
            (Some(_), None) => false,
        })
        .map(|(_, op)| &op.node.selection_set.node);
    if let Some(set) = set {
        let plan = Plan::of(&[set], &doc.fragments, 0);
        plan.place(data);
    }
}

/// How deep a plan follows the document: deeper objects keep the order they were resolved in.
/// (Validation bounds a document's depth far below this; the bound only keeps a plan finite.)
const MAX_DEPTH: usize = 64;

/// The response keys of a selection, in order, each with the plan of the selection beneath
/// it: worked out once from the document, then laid over every object of the response, so
/// that placing a list of twenty articles neither collects their selection twenty times nor
/// looks up each field by hash.
struct Plan {
    keys: Vec<(Name, Plan)>,
}

impl Plan {
    fn of(sets: &[&SelectionSet], fragments: &Fragments, depth: usize) -> Self {
        if depth >= MAX_DEPTH {
            return Self { keys: Vec::new() };
        }
        let mut order = Vec::new();
        let mut spread = Vec::new();
        for set in sets {
            collect(set, fragments, &mut order, &mut spread);
        }
        let keys = order
            .into_iter()
            .map(|(key, subsets)| (key, Self::of(&subsets, fragments, depth + 1)))
            .collect();
        Self { keys }
    }

    fn place(&self, value: &mut Value) {
        if self.keys.is_empty() {
            return;
        }
        match value {
            Value::List(items) => {
                for item in items {
                    self.place(item);
                }
            }
            Value::Object(map) => {
                // Fields that finished in the order they were selected (the common case) stay
                // where they are; anything not named in the document (there should be nothing)
                // goes last.
                let mut expected = self.keys.iter();
                if !map.keys().all(|k| expected.any(|(o, _)| same(o, k))) {
                    map.sort_by_cached_key(|k, _| {
                        self.keys
                            .iter()
                            .position(|(o, _)| o == k)
                            .unwrap_or(usize::MAX)
                    });
                }
                // Both in the same order now: each value meets its plan in one pass.
                let mut slots = self.keys.iter();
                for (key, v) in map.iter_mut() {
                    if let Some((_, sub)) = slots.by_ref().find(|(o, _)| same(o, key)) {
                        sub.place(v);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Whether two response keys are the same: the response's keys are clones of the document's
/// names, so most are the same string in memory and need no comparison of their bytes.
fn same(a: &Name, b: &Name) -> bool {
    std::ptr::eq(a.as_str(), b.as_str()) || a == b
}

/// Where each response key goes, with the selection sets beneath it.
type Order<'a> = Vec<(Name, Vec<&'a SelectionSet>)>;

fn collect<'a>(
    set: &'a SelectionSet,
    fragments: &'a Fragments,
    order: &mut Order<'a>,
    spread: &mut Vec<&'a Name>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let key = &field.node.response_key().node;
                let sub = &field.node.selection_set.node;
                match order.iter_mut().find(|(k, _)| k == key) {
                    Some((_, subsets)) => subsets.push(sub),
                    None => order.push((key.clone(), vec![sub])),
                }
            }
            Selection::InlineFragment(f) => {
                collect(&f.node.selection_set.node, fragments, order, spread)
            }
            Selection::FragmentSpread(s) => {
                let name = &s.node.fragment_name.node;
                // Each fragment once per object, which also stops cycles.
                if spread.contains(&name) {
                    continue;
                }
                spread.push(name);
                if let Some(fragment) = fragments.get(name) {
                    collect(&fragment.node.selection_set.node, fragments, order, spread);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn keys(v: &Value) -> Vec<String> {
        match v {
            Value::Object(m) => m.keys().map(ToString::to_string).collect(),
            _ => vec![],
        }
    }

    #[test]
    fn restores_selection_order_through_fragments_and_lists() {
        let doc =
            parse_query("query Q { b a: x { ...F ... on T { d } c } } fragment F on T { e f: g }")
                .expect("parses");
        let mut data = Value::from_json(serde_json::json!({
            "a": [{ "c": 1, "d": 2, "f": 3, "e": 4 }],
            "b": true,
        }))
        .expect("json");
        order_like_selection(&mut data, &doc, Some("Q"));
        assert_eq!(keys(&data), ["b", "a"]);
        let Value::Object(top) = &data else {
            panic!("object")
        };
        let Some(Value::List(items)) = top.get("a") else {
            panic!("list")
        };
        assert_eq!(keys(&items[0]), ["e", "f", "d", "c"]);
    }

    #[test]
    fn restores_order_in_lists_within_lists() {
        let doc =
            parse_query("{ articles { nodes { title tags { name slug } authors { name } } } }")
                .expect("parses");
        let mut data = Value::from_json(serde_json::json!({
            "articles": { "nodes": [
                { "authors": [{ "name": "x" }], "tags": [{ "slug": "a", "name": "A" }], "title": "t" },
                { "title": "u", "tags": [{ "name": "B", "slug": "b" }, { "slug": "c", "name": "C" }], "authors": [] },
            ] },
        }))
        .expect("json");
        order_like_selection(&mut data, &doc, None);
        // serde_json's own maps are sorted (so the input above arrives out of order), and
        // would not tell orders apart: compared as text.
        let expected = concat!(
            r#"{"articles":{"nodes":["#,
            r#"{"title":"t","tags":[{"name":"A","slug":"a"}],"authors":[{"name":"x"}]},"#,
            r#"{"title":"u","tags":[{"name":"B","slug":"b"},{"name":"C","slug":"c"}],"authors":[]}"#,
            "]}}"
        );
        assert_eq!(serde_json::to_string(&data).expect("serialises"), expected);
    }
}
