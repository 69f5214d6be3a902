//! Headers that list choices with weights (`Accept`, `Accept-Encoding`): `a;q=0.5, b`.

/// The items of `header`, each trimmed, with its `q=` weight (1 when it has none or an
/// unreadable one), held between 0 and 1 as HTTP's weights are.
pub(crate) fn items(header: &str) -> impl Iterator<Item = (&str, f32)> {
    header.split(',').map(|item| {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            // `NaN` parses, and compares with nothing.
            .find_map(|q| q.trim().parse::<f32>().ok().filter(|q| !q.is_nan()))
            .map_or(1.0, |q| q.clamp(0.0, 1.0));
        (name, q)
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// Any header splits into trimmed items with a weight, never a panic.
        #[test]
        fn fuzz_weighted_items(header in prop_oneof![
            any::<String>(),
            "[a-z*/+;=,. q0-9\\-]{0,60}",
            proptest::collection::vec(
                ("[a-z*/+\\-]{0,12}", "(;q=[0-9.eEinfaINF+\\-]{0,8})?", "( ?; ?[a-z]=[a-z0-9]{0,3})?"),
                0..8,
            )
            .prop_map(|items| items.into_iter().map(|(a, b, c)| format!("{a}{b}{c}")).collect::<Vec<_>>().join(", ")),
        ]) {
            let items: Vec<_> = super::items(&header).collect();
            prop_assert_eq!(items.len(), header.split(',').count());
            for (name, q) in items {
                prop_assert_eq!(name, name.trim());
                prop_assert!((0.0..=1.0).contains(&q), "q={q} in {header:?}");
            }
        }
    }

    #[test]
    fn weights_are_between_zero_and_one() {
        // Found by fuzzing: `q=NaN` was a weight no other could beat or equal, so
        // `application/json;q=NaN, application/graphql-response+json` chose plain JSON.
        let items: Vec<_> = super::items("a;q=NaN, b;q=inf, c;q=-1, d;q=7, e;q=0.5").collect();
        assert_eq!(
            items,
            [("a", 1.0), ("b", 1.0), ("c", 0.0), ("d", 1.0), ("e", 0.5)]
        );
    }

    #[test]
    fn items_carry_their_weights() {
        let items: Vec<_> = super::items("gzip;q=0.5, br , *;q=0, x;level=1;q=bad").collect();
        assert_eq!(items, [("gzip", 0.5), ("br", 1.0), ("*", 0.0), ("x", 1.0)]);
    }
}
