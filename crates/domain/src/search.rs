//! Search queries. What a reader types is reduced to plain words before it goes near a
//! search engine: quotes, `*`, `NEAR(`, `OR`, `-`, `'; DROP TABLE` and the like become words
//! or vanish, never syntax.

use crate::ValidationError;

/// Longest query accepted, in characters.
pub const MAX_CHARS: usize = 200;
/// Most words used from a query.
pub const MAX_WORDS: usize = 12;

/// A search: one or more lowercase words, all of which a hit must contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    words: Vec<String>,
}

impl SearchQuery {
    /// Splits `text` into words (runs of letters and digits, in any script), lowercased.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        if text.chars().count() > MAX_CHARS {
            return Err(ValidationError::new(
                "query",
                format!("must be at most {MAX_CHARS} characters"),
            ));
        }
        let mut words: Vec<String> = Vec::new();
        for word in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let word = word.to_lowercase();
            if !words.contains(&word) {
                words.push(word);
            }
        }
        words.truncate(MAX_WORDS);
        if words.is_empty() {
            return Err(ValidationError::new(
                "query",
                "must contain at least one word",
            ));
        }
        Ok(Self { words })
    }

    /// The words, in the order given.
    pub fn words(&self) -> &[String] {
        &self.words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        SearchQuery::parse(s).map(|q| q.words).unwrap_or_default()
    }

    #[test]
    fn syntax_becomes_words() {
        assert_eq!(
            words("Ofsted \"children\" NEAR(a b)"),
            ["ofsted", "children", "near", "a", "b"]
        );
        assert_eq!(
            words("'; DROP TABLE articles; --"),
            ["drop", "table", "articles"]
        );
        assert_eq!(words("birm* OR -council"), ["birm", "or", "council"]);
        assert_eq!(words("Éducation  école"), ["éducation", "école"]);
        assert_eq!(words("a a A"), ["a"]);
    }

    #[test]
    fn empty_and_overlong_queries_are_refused() {
        for bad in ["", "  ", "\"*\"", "'; --", "()"] {
            assert_eq!(SearchQuery::parse(bad).expect_err(bad).field, "query");
        }
        assert!(SearchQuery::parse(&"a".repeat(MAX_CHARS + 1)).is_err());
        assert_eq!(words(&"w ".repeat(20)).len(), 1);
        let many: String = (0..20).map(|i| format!("w{i} ")).collect();
        assert_eq!(words(&many).len(), MAX_WORDS);
    }
}
