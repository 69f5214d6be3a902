//! URL slugs: the readable, unique part of an article's, tag's or author's address.

use std::fmt;

use crate::ValidationError;

/// A lowercase URL-safe slug: ASCII letters and digits in runs joined by single hyphens, at
/// most [`Slug::MAX`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    /// Longest slug accepted.
    pub const MAX: usize = 191;

    /// Accepts a slug exactly as given; nothing is silently rewritten, so a client that sent
    /// `Hello World` learns it was wrong rather than getting a different address.
    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        let err = |m: &str| Err(ValidationError::new("slug", m.to_owned()));
        if value.is_empty() {
            return err("must not be empty");
        }
        if value.len() > Self::MAX {
            return err("must be at most 191 characters");
        }
        let valid_chars = value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_chars {
            return err("may contain only lowercase letters a-z, digits and hyphens");
        }
        if value.starts_with('-') || value.ends_with('-') || value.contains("--") {
            return err("hyphens must separate words: none at the ends, never two together");
        }
        Ok(Self(value.to_owned()))
    }

    /// Derives a slug from a title or name: accents folded to ASCII, apostrophes dropped
    /// (`Children’s` gives `childrens`), every other run of non-alphanumerics a hyphen.
    /// Text with nothing usable in it gives `fallback`.
    pub fn derive(text: &str, fallback: &str) -> Self {
        let ascii = deunicode::deunicode(text);
        let mut slug = String::with_capacity(ascii.len());
        let mut pending_hyphen = false;
        for c in ascii.chars() {
            if c == '\'' || c == '\u{2019}' {
                continue;
            }
            if c.is_ascii_alphanumeric() {
                if pending_hyphen && !slug.is_empty() {
                    slug.push('-');
                }
                pending_hyphen = false;
                slug.push(c.to_ascii_lowercase());
            } else {
                pending_hyphen = true;
            }
        }
        if slug.is_empty() {
            return Self(fallback.to_owned());
        }
        Self(truncate_at_hyphen(&slug, Self::MAX).to_owned())
    }

    /// This slug with a numeric suffix, `base-2`, still within the length limit.
    #[must_use]
    pub fn with_suffix(&self, n: u32) -> Self {
        let suffix = format!("-{n}");
        let base = truncate_at_hyphen(&self.0, Self::MAX - suffix.len());
        Self(format!("{base}{suffix}"))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The longest prefix of `slug` of at most `max` bytes that ends at a word boundary (or is
/// simply cut, for a single overlong word).
fn truncate_at_hyphen(slug: &str, max: usize) -> &str {
    if slug.len() <= max {
        return slug;
    }
    let cut = &slug[..max];
    match cut.rfind('-') {
        Some(i) if i > 0 => &cut[..i],
        _ => cut.trim_end_matches('-'),
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lowercase_words() {
        assert!(Slug::parse("brexit-where-now-for-devolution").is_ok());
        assert!(Slug::parse("2014").is_ok());
    }

    #[test]
    fn refuses_what_is_not_a_slug() {
        for bad in [
            "", "Hello", "a b", "-a", "a-", "a--b", "a/b", "a_b", "é", "a'b", "../x",
        ] {
            let err = Slug::parse(bad).unwrap_err();
            assert_eq!(err.field, "slug", "{bad}");
        }
        assert!(Slug::parse(&"a".repeat(192)).is_err());
    }

    #[test]
    fn derives_from_titles() {
        let s = Slug::derive(
            "‘We’ve still no idea about needs of all children at risk’ admits Birmingham social services chief",
            "untitled",
        );
        assert_eq!(
            s.as_str(),
            "weve-still-no-idea-about-needs-of-all-children-at-risk-admits-birmingham-social-services-chief"
        );
        assert_eq!(
            Slug::derive("Children's services", "x").as_str(),
            "childrens-services"
        );
        assert_eq!(Slug::derive("Café  Society!", "x").as_str(), "cafe-society");
        assert_eq!(Slug::derive("!!!", "untitled").as_str(), "untitled");
        assert_eq!(Slug::derive("#homepage", "x").as_str(), "homepage");
    }

    #[test]
    fn derived_slugs_are_valid_and_bounded() {
        let long = "word ".repeat(100);
        let s = Slug::derive(&long, "x");
        assert!(s.as_str().len() <= Slug::MAX);
        assert!(Slug::parse(s.as_str()).is_ok());
        let suffixed = s.with_suffix(12);
        assert!(suffixed.as_str().ends_with("-12"));
        assert!(Slug::parse(suffixed.as_str()).is_ok());
    }

    #[test]
    fn suffix_appends_number() {
        let s = Slug::parse("ofsted").map(|s| s.with_suffix(2));
        assert_eq!(s.map(|s| s.0), Ok("ofsted-2".into()));
    }
}
