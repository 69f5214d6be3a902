//! The query parameters of the Content API: `include`, `fields`, `formats`, `filter`,
//! `limit`, `page`, `order`.

use std::collections::HashSet;

use super::error::GhostError;

/// Rows a page holds by default, and at most (`limit=all` and larger values give this).
pub const DEFAULT_LIMIT: usize = 15;
/// See [`DEFAULT_LIMIT`].
pub const MAX_LIMIT: usize = 100;
/// The most rows a page may skip (`(page - 1) × limit`). A database reads every row it skips,
/// so page 100,000 would cost as much as reading the archive; deeper than this, walk by date
/// instead (`filter=published_at:<'…'` with the last date seen), which an index serves at the
/// cost of page 1.
pub const MAX_OFFSET: usize = 10_000;

/// Parsed parameters.
#[derive(Debug, Default)]
pub struct Params {
    /// The content key.
    pub key: Option<String>,
    /// `include=authors,tags` or `include=count.posts`.
    pub include: HashSet<String>,
    /// `fields=title,slug`: only these (and `id`).
    pub fields: Option<Vec<String>>,
    /// `formats=html,plaintext` (default html).
    pub html: bool,
    /// See `html`.
    pub plaintext: bool,
    /// `filter`, in NQL.
    pub filter: Option<String>,
    /// Page size.
    pub limit: usize,
    /// 1-based page.
    pub page: usize,
    /// `order=published_at desc`: (field, descending).
    pub order: Option<(String, bool)>,
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

impl Params {
    /// The response cache's key for these parameters on `path`: everything that shapes the
    /// answer (not the content key), in one fixed order, equal for equal requests however
    /// their parameters were written. Each text is written after its length, so that no two
    /// different requests share a key.
    pub fn cache_key(&self, path: &str) -> String {
        use std::fmt::Write as _;
        fn text(key: &mut String, s: &str) {
            let _ = write!(key, "{}:{s}", s.len());
        }
        let mut include: Vec<&str> = self.include.iter().map(String::as_str).collect();
        include.sort_unstable();
        let mut key =
            String::with_capacity(path.len() + 64 + self.filter.as_ref().map_or(0, String::len));
        key.push_str("json\0");
        key.push_str(path);
        key.push('\0');
        let _ = write!(key, "i{}", include.len());
        for s in include {
            text(&mut key, s);
        }
        match &self.fields {
            Some(fields) => {
                let _ = write!(key, "f{}", fields.len());
                for s in fields {
                    text(&mut key, s);
                }
            }
            None => key.push('-'),
        }
        key.push(if self.html { 'h' } else { '-' });
        key.push(if self.plaintext { 'p' } else { '-' });
        match &self.filter {
            Some(filter) => {
                key.push('q');
                text(&mut key, filter);
            }
            None => key.push('-'),
        }
        let _ = write!(key, "l{}p{}", self.limit, self.page);
        match &self.order {
            Some((field, descending)) => {
                key.push(if *descending { 'd' } else { 'a' });
                text(&mut key, field);
            }
            None => key.push('-'),
        }
        key
    }
}

/// Parses a query string (undecodable bytes read as U+FFFD, as browsers do); a bad `limit`,
/// `page` or `order` is a 400.
pub fn parse(query: &str) -> Result<Params, GhostError> {
    let mut p = Params {
        html: true,
        limit: DEFAULT_LIMIT,
        page: 1,
        ..Params::default()
    };
    let mut formats = None;
    // Names and values are borrowed from the query unless they hold escapes.
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*name {
            "key" => p.key = Some(value.into_owned()),
            "include" => p.include.extend(list(&value)),
            "fields" => p.fields = Some(list(&value)),
            "formats" => formats = Some(list(&value)),
            "filter" => p.filter = Some(value.into_owned()).filter(|f| !f.trim().is_empty()),
            "limit" => {
                p.limit = if value.eq_ignore_ascii_case("all") {
                    MAX_LIMIT
                } else {
                    value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| {
                            GhostError::bad_request(
                                "Validation error, cannot list.",
                                "limit must be a positive number or 'all'",
                            )
                        })?
                        .min(MAX_LIMIT)
                };
            }
            "page" => {
                p.page = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=1_000_000).contains(n))
                    .ok_or_else(|| {
                        GhostError::bad_request(
                            "Validation error, cannot list.",
                            "page must be a positive number",
                        )
                    })?;
            }
            "order" => {
                let mut words = value.split_whitespace();
                let field = words.next().unwrap_or_default().to_ascii_lowercase();
                let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
                    None | Some("asc") => false,
                    Some("desc") => true,
                    Some(_) => {
                        return Err(GhostError::bad_request(
                            "Validation error, cannot list.",
                            "order is 'field asc' or 'field desc'",
                        ));
                    }
                };
                if !field.is_empty() {
                    p.order = Some((field, descending));
                }
            }
            // Unknown parameters are ignored, as Ghost ignores them.
            _ => {}
        }
    }
    if (p.page - 1).saturating_mul(p.limit) > MAX_OFFSET {
        return Err(GhostError::bad_request(
            "Validation error, cannot list.",
            format!(
                "page {} of {} skips more than {MAX_OFFSET} rows; walk further by date with \
                 filter=published_at:<'…' (the last date seen) instead",
                p.page, p.limit
            ),
        ));
    }
    if let Some(formats) = formats {
        // Unknown formats are ignored; asking for none of the known ones keeps html.
        let known: Vec<&String> = formats
            .iter()
            .filter(|f| *f == "html" || *f == "plaintext")
            .collect();
        if !known.is_empty() {
            p.html = known.iter().any(|f| *f == "html");
            p.plaintext = known.iter().any(|f| *f == "plaintext");
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::*;

    fn parameter() -> impl Strategy<Value = (&'static str, String)> {
        let value = prop_oneof![
            select(vec![
                "all",
                "ALL",
                "0",
                "1",
                "15",
                "100",
                "101",
                "-1",
                "1000000",
                "1000001",
                "18446744073709551616",
                "title asc",
                "published_at DESC",
                "title sideways",
                " ",
                "",
                "tags,authors",
                "count.posts",
                "html,plaintext",
                "mobiledoc",
                "tag:news+featured:true",
                "title,slug,,id",
            ])
            .prop_map(str::to_owned),
            ".{0,20}",
        ];
        (
            select(vec![
                "key", "include", "fields", "formats", "filter", "limit", "page", "order", "x",
            ]),
            value,
        )
    }

    proptest! {
        /// Any query string is parameters within their bounds or a 400, never a panic.
        #[test]
        fn fuzz_content_api_parameters(query in prop_oneof![
            any::<String>(),
            "[a-z=&%+,.0-9]{0,60}",
            proptest::collection::vec(parameter(), 0..8)
                .prop_map(|pairs| serde_urlencoded::to_string(pairs).unwrap_or_default()),
        ]) {
            if let Ok(p) = parse(&query) {
                prop_assert!((1..=MAX_LIMIT).contains(&p.limit));
                prop_assert!((1..=1_000_000).contains(&p.page));
                prop_assert!(p.html || p.plaintext);
            }
        }

        /// Requests that differ in anything that shapes their answer have different cache
        /// keys, and those that do not, the same.
        #[test]
        fn fuzz_content_api_cache_keys_tell_requests_apart(
            a in proptest::collection::vec(parameter(), 0..6),
            b in proptest::collection::vec(parameter(), 0..6),
        ) {
            let shape = |p: &Params| {
                let mut include: Vec<&String> = p.include.iter().collect();
                include.sort();
                format!(
                    "{include:?};{:?};{};{};{:?};{};{};{:?}",
                    p.fields, p.html, p.plaintext, p.filter, p.limit, p.page, p.order
                )
            };
            let a = parse(&serde_urlencoded::to_string(&a).unwrap_or_default());
            let b = parse(&serde_urlencoded::to_string(&b).unwrap_or_default());
            if let (Ok(a), Ok(b)) = (a, b) {
                prop_assert_eq!(shape(&a) == shape(&b), a.cache_key("/p") == b.cache_key("/p"));
            }
        }

        /// The cache key of an answer does not depend on the order parameters come in.
        #[test]
        fn fuzz_content_api_canonical_order(
            pairs in proptest::collection::vec(parameter(), 0..8),
            seed in any::<u64>(),
        ) {
            let mut unique: Vec<(&str, String)> = Vec::new();
            for (name, value) in pairs {
                if !unique.iter().any(|(n, _)| *n == name) {
                    unique.push((name, value));
                }
            }
            let mut shuffled = unique.clone();
            // Rotate by the seed: a different order, as reproducible as the case.
            let n = shuffled.len().max(1);
            shuffled.rotate_left(usize::try_from(seed % n as u64).unwrap_or(0));
            let a = parse(&serde_urlencoded::to_string(&unique).unwrap_or_default());
            let b = parse(&serde_urlencoded::to_string(&shuffled).unwrap_or_default());
            match (a, b) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a.cache_key("/p"), b.cache_key("/p")),
                (a, b) => prop_assert_eq!(a.is_ok(), b.is_ok()),
            }
        }
    }

    #[test]
    fn defaults_and_caps() {
        let p = parse("key=abc").expect("valid");
        assert_eq!((p.limit, p.page, p.html, p.plaintext), (15, 1, true, false));
        assert_eq!(parse("limit=all").expect("valid").limit, 100);
        assert_eq!(parse("limit=5000").expect("valid").limit, 100);
        assert!(parse("limit=-1").is_err());
        assert!(parse("page=0").is_err());
        assert!(parse("limit=100&page=101").is_ok());
        assert!(
            parse("limit=100&page=102").is_err(),
            "skips past MAX_OFFSET"
        );
        assert!(parse("limit=15&page=1000000").is_err());
        assert!(parse("order=title%20sideways").is_err());
        let p = parse("include=authors%2Ctags&fields=title,slug&formats=plaintext,mobiledoc&order=published_at%20desc").expect("valid");
        assert!(p.include.contains("authors") && p.include.contains("tags"));
        assert_eq!(p.fields, Some(vec!["title".into(), "slug".into()]));
        assert_eq!((p.html, p.plaintext), (false, true));
        assert_eq!(p.order, Some(("published_at".into(), true)));
    }
}
