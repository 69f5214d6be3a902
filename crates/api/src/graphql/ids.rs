//! Relay global ids: opaque, URL-safe, and saying which type they name. An article's is its
//! UUID (stable for ever); a tag's and an author's, their row id.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use broadsheet_domain::ids::{AuthorId, TagId};
use uuid::Uuid;

use super::error::ApiError;

/// What a global id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlobalId {
    /// An article, by UUID.
    Article(Uuid),
    /// A tag.
    Tag(TagId),
    /// An author.
    Author(AuthorId),
    /// An API key.
    ApiKey(i64),
    /// A webhook.
    Webhook(i64),
}

impl GlobalId {
    /// The opaque form.
    pub fn encode(self) -> String {
        let raw = match self {
            Self::Article(u) => format!("Article:{u}"),
            Self::Tag(t) => format!("Tag:{}", t.0),
            Self::Author(a) => format!("Author:{}", a.0),
            Self::ApiKey(k) => format!("ApiKey:{k}"),
            Self::Webhook(w) => format!("Webhook:{w}"),
        };
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Reads an opaque id; `field` names the argument for errors.
    pub fn decode(id: &str, field: &'static str) -> Result<Self, ApiError> {
        let invalid = || ApiError::bad_input(field, "is not a valid id");
        if id.len() > 128 {
            return Err(invalid());
        }
        let bytes = URL_SAFE_NO_PAD.decode(id).map_err(|_| invalid())?;
        let raw = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (kind, value) = raw.split_once(':').ok_or_else(invalid)?;
        match kind {
            "Article" => Uuid::parse_str(value)
                .map(Self::Article)
                .map_err(|_| invalid()),
            "Tag" => value
                .parse()
                .map(|n| Self::Tag(TagId(n)))
                .map_err(|_| invalid()),
            "Author" => value
                .parse()
                .map(|n| Self::Author(AuthorId(n)))
                .map_err(|_| invalid()),
            "ApiKey" => value.parse().map(Self::ApiKey).map_err(|_| invalid()),
            "Webhook" => value.parse().map(Self::Webhook).map_err(|_| invalid()),
            _ => Err(invalid()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for id in [
            GlobalId::Article(Uuid::now_v7()),
            GlobalId::Tag(TagId(7)),
            GlobalId::Author(AuthorId(9)),
            GlobalId::ApiKey(3),
            GlobalId::Webhook(4),
        ] {
            let encoded = id.encode();
            assert!(!encoded.contains(':'));
            assert_eq!(GlobalId::decode(&encoded, "id").ok(), Some(id));
        }
    }

    #[test]
    fn garbage_is_bad_input() {
        for bad in ["", "!!", "VGFnOng", "QXJ0aWNsZTpub3QtYS11dWlk", "Zm9vOjE"] {
            assert!(
                matches!(GlobalId::decode(bad, "id"), Err(ApiError::BadInput(_))),
                "{bad}"
            );
        }
    }
}
