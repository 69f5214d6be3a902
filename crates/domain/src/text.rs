//! Short texts: titles, names, descriptions. Each is trimmed, must fit its limit in
//! characters (not bytes), and may not hold control characters, which render as garbage in
//! HTML, feeds and terminals alike.

use crate::ValidationError;

/// Trims `value` and checks it is non-empty, at most `max` characters, and free of control
/// characters. `multiline` lets newlines and tabs through (for descriptions and bios).
pub fn bounded(
    field: &'static str,
    value: &str,
    max: usize,
    multiline: bool,
) -> Result<String, ValidationError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    let chars = value.chars().count();
    if chars > max {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max} characters (got {chars})"),
        ));
    }
    let allowed = |c: char| multiline && matches!(c, '\n' | '\t' | '\r');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(ValidationError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}

/// Like [`bounded`], for a field that may be left out: `None`, or a blank value, is `None`.
pub fn optional(
    field: &'static str,
    value: Option<&str>,
    max: usize,
    multiline: bool,
) -> Result<Option<String>, ValidationError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => bounded(field, v, max, multiline).map(Some),
    }
}

/// The headline of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    /// Longest title accepted, in characters.
    pub const MAX: usize = 255;

    /// A title: trimmed, 1 to 255 characters, one line.
    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        bounded("title", value, Self::MAX, false).map(Self)
    }

    /// The title as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Title {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A key that orders names and titles the same way on every database: lowercase, accents
/// folded to ASCII, runs of whitespace collapsed. Stored beside the text so that ordering
/// uses an index and never depends on a server's collation.
pub fn sort_key(value: &str) -> String {
    let folded = deunicode::deunicode(value).to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_trimmed() {
        assert_eq!(Title::parse("  Hello  ").map(|t| t.0), Ok("Hello".into()));
    }

    #[test]
    fn empty_title_is_refused_naming_the_field() {
        let err = Title::parse("   ").unwrap_err();
        assert_eq!(err.field, "title");
        assert_eq!(err.to_string(), "title: must not be empty");
    }

    #[test]
    fn long_title_is_refused() {
        let long = "é".repeat(256);
        assert!(Title::parse(&long).is_err());
        assert!(Title::parse(&"é".repeat(255)).is_ok());
    }

    #[test]
    fn control_characters_are_refused_unless_multiline() {
        assert!(Title::parse("a\u{0}b").is_err());
        assert!(Title::parse("a\nb").is_err());
        assert!(bounded("bio", "a\nb", 10, true).is_ok());
        assert!(bounded("bio", "a\u{7}b", 10, true).is_err());
    }

    #[test]
    fn blank_optional_is_none() {
        assert_eq!(optional("x", Some("  "), 5, false), Ok(None));
        assert_eq!(optional("x", None, 5, false), Ok(None));
        assert_eq!(optional("x", Some(" a "), 5, false), Ok(Some("a".into())));
    }

    #[test]
    fn sort_key_folds_case_accents_and_space() {
        assert_eq!(sort_key("  Élan   Vital "), "elan vital");
        assert!(sort_key("birmingham") < sort_key("Brexit"));
    }
}
