//! An article body and everything derived from it at write time, so that reads never render.

use crate::ValidationError;
use crate::markdown;

/// Longest Markdown body accepted, in bytes (about 150,000 words: more than any article).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Characters in an excerpt derived from the body.
pub const EXCERPT_CHARS: usize = 300;

/// The body in Markdown, and derived from it: sanitized HTML, plain text, excerpt, counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleContent {
    /// The source, as written.
    pub markdown: String,
    /// Sanitized HTML.
    pub html: String,
    /// The text a reader sees.
    pub plaintext: String,
    /// The custom excerpt, or the start of the plain text cut at a word.
    pub excerpt: String,
    /// Words in the plain text.
    pub word_count: u32,
    /// Minutes to read.
    pub reading_time: u32,
}

impl ArticleContent {
    /// Renders `markdown`; the excerpt is `custom_excerpt` when there is one.
    pub fn render(markdown: &str, custom_excerpt: Option<&str>) -> Result<Self, ValidationError> {
        if markdown.len() > MAX_BODY_BYTES {
            return Err(ValidationError::new(
                "body",
                format!("must be at most {MAX_BODY_BYTES} bytes"),
            ));
        }
        if markdown.contains('\0') {
            return Err(ValidationError::new(
                "body",
                "must not contain NUL characters",
            ));
        }
        if let Some(reason) = markdown::too_deep(markdown) {
            return Err(ValidationError::new("body", reason));
        }
        let rendered = markdown::render(markdown);
        let word_count = markdown::word_count(&rendered.plaintext);
        let excerpt = match custom_excerpt {
            Some(custom) => custom.to_owned(),
            None => markdown::excerpt(&rendered.plaintext, EXCERPT_CHARS),
        };
        Ok(Self {
            markdown: markdown.to_owned(),
            html: rendered.html,
            plaintext: rendered.plaintext,
            excerpt,
            word_count,
            reading_time: markdown::reading_time(word_count),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_excerpt_and_counts() {
        let body = "word ".repeat(600);
        let c = ArticleContent::render(&body, None).expect("renders");
        assert_eq!(c.word_count, 600);
        assert_eq!(c.reading_time, 2);
        assert!(c.excerpt.chars().count() <= EXCERPT_CHARS);
        assert!(c.excerpt.ends_with("word"));
    }

    #[test]
    fn custom_excerpt_wins() {
        let c = ArticleContent::render("Body text.", Some("Standfirst")).expect("renders");
        assert_eq!(c.excerpt, "Standfirst");
    }

    #[test]
    fn oversized_body_is_refused() {
        let big = "a".repeat(MAX_BODY_BYTES + 1);
        assert_eq!(
            ArticleContent::render(&big, None).unwrap_err().field,
            "body"
        );
        assert_eq!(
            ArticleContent::render("a\0b", None).unwrap_err().field,
            "body"
        );
    }
}
