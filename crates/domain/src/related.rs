//! Curated related-article links: "Similar Articles" chosen by an editor, in their order.

use crate::ValidationError;
use crate::ids::ArticleId;
use crate::text::optional;

/// A stored link from one article to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedLink {
    /// The article the link is shown on.
    pub from: ArticleId,
    /// The article it points to.
    pub to: ArticleId,
    /// Place in the list, from 0.
    pub position: i32,
    /// An editor's note on why it is related.
    pub note: Option<String>,
}

/// A link to add, validated: never from an article to itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRelatedLink {
    /// The article the link is shown on.
    pub from: ArticleId,
    /// The article it points to.
    pub to: ArticleId,
    /// An editor's note.
    pub note: Option<String>,
}

impl NewRelatedLink {
    /// Refuses self links and overlong notes.
    pub fn new(
        from: ArticleId,
        to: ArticleId,
        note: Option<&str>,
    ) -> Result<Self, ValidationError> {
        if from == to {
            return Err(ValidationError::new(
                "related_id",
                "an article cannot be related to itself",
            ));
        }
        Ok(Self {
            from,
            to,
            note: optional("note", note, 300, false)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_links_are_refused() {
        let err = NewRelatedLink::new(ArticleId(1), ArticleId(1), None).unwrap_err();
        assert_eq!(err.field, "related_id");
        assert!(NewRelatedLink::new(ArticleId(1), ArticleId(2), Some("see also")).is_ok());
        assert_eq!(
            NewRelatedLink::new(ArticleId(1), ArticleId(2), Some(&"x".repeat(301)))
                .unwrap_err()
                .field,
            "note"
        );
    }
}
