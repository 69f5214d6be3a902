//! Choosing a free slug: the one derived from a title or name, or that with the first numeric
//! suffix not yet taken (`ofsted`, `ofsted-2`, `ofsted-3`, …).

use std::collections::HashSet;

use broadsheet_domain::Slug;

/// The pattern of slugs that could collide with `base` or its suffixed forms, for `LIKE`.
/// Slugs hold only `a-z`, `0-9` and `-`, none of which is special to `LIKE`.
pub(crate) fn like_pattern(base: &Slug) -> String {
    format!("{base}-%")
}

/// `base` if free, else its first free suffixed form. `taken` holds the existing slugs that
/// match `base` or [`like_pattern`].
pub(crate) fn first_free(base: &Slug, taken: Vec<String>) -> Slug {
    let taken: HashSet<String> = taken.into_iter().collect();
    if !taken.contains(base.as_str()) {
        return base.clone();
    }
    (2..=u32::MAX)
        .map(|n| base.with_suffix(n))
        .find(|s| !taken.contains(s.as_str()))
        .unwrap_or_else(|| base.with_suffix(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_first_free_suffix() {
        let base = Slug::parse("ofsted").expect("valid");
        assert_eq!(first_free(&base, vec![]).as_str(), "ofsted");
        let taken = vec!["ofsted".into(), "ofsted-2".into(), "ofsted-report".into()];
        assert_eq!(first_free(&base, taken).as_str(), "ofsted-3");
    }
}
