//! Headers that list choices with weights (`Accept`, `Accept-Encoding`): `a;q=0.5, b`.

/// The items of `header`, each trimmed, with its `q=` weight (1 when it has none or an
/// unreadable one).
pub(crate) fn items(header: &str) -> impl Iterator<Item = (&str, f32)> {
    header.split(',').map(|item| {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        (name, q)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn items_carry_their_weights() {
        let items: Vec<_> = super::items("gzip;q=0.5, br , *;q=0, x;level=1;q=bad").collect();
        assert_eq!(items, [("gzip", 0.5), ("br", 1.0), ("*", 0.0), ("x", 1.0)]);
    }
}
