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
        reorder(data, &[set], &doc.fragments);
    }
}

/// Where each response key goes, with the selection sets beneath it.
type Order<'a> = Vec<(Name, Vec<&'a SelectionSet>)>;

fn reorder(value: &mut Value, sets: &[&SelectionSet], fragments: &Fragments) {
    if !matches!(value, Value::List(_) | Value::Object(_)) {
        return;
    }
    // Worked out once for a list: every item of it has the same selection.
    let mut order = Vec::new();
    let mut spread = Vec::new();
    for set in sets {
        collect(set, fragments, &mut order, &mut spread);
    }
    place(value, &order, fragments);
}

fn place(value: &mut Value, order: &Order<'_>, fragments: &Fragments) {
    match value {
        Value::List(items) => {
            for item in items {
                place(item, order, fragments);
            }
        }
        Value::Object(map) => {
            for (key, subsets) in order {
                if let Some(v) = map.get_mut(key) {
                    reorder(v, subsets, fragments);
                }
            }
            // Fields that finished in the order they were selected (the common case) stay
            // where they are; anything not named in the document (there should be nothing)
            // goes last.
            let mut expected = order.iter();
            if !map.keys().all(|k| expected.any(|(o, _)| o == k)) {
                map.sort_by_cached_key(|k, _| {
                    order.iter().position(|(o, _)| o == k).unwrap_or(usize::MAX)
                });
            }
        }
        _ => {}
    }
}

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
}
