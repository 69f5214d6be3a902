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

/// Property tests (`fuzz_`; `PROPTEST_CASES` sets how many cases).
#[cfg(test)]
mod fuzz {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use proptest::prelude::*;

    use super::*;

    fn any_id() -> impl Strategy<Value = GlobalId> {
        prop_oneof![
            any::<u128>().prop_map(|n| GlobalId::Article(Uuid::from_u128(n))),
            any::<i64>().prop_map(|n| GlobalId::Tag(TagId(n))),
            any::<i64>().prop_map(|n| GlobalId::Author(AuthorId(n))),
            any::<i64>().prop_map(GlobalId::ApiKey),
            any::<i64>().prop_map(GlobalId::Webhook),
        ]
    }

    /// Text that decodes to `kind:value` with parts meant to break a parser.
    fn hostile() -> impl Strategy<Value = String> {
        let kind = proptest::sample::select(vec![
            "Article",
            "Tag",
            "Author",
            "ApiKey",
            "Webhook",
            "tag",
            "",
            "Article:Tag",
        ]);
        let value = prop_oneof![
            ".{0,40}",
            any::<i128>().prop_map(|n| n.to_string()),
            Just("00000000-0000-0000-0000-000000000000".to_owned()),
            Just(" 1".to_owned()),
            Just("+1".to_owned()),
        ];
        prop_oneof![
            any::<String>(),
            proptest::collection::vec(any::<u8>(), 0..120).prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
            proptest::collection::vec(any::<u8>(), 0..120).prop_map(|b| STANDARD.encode(b)),
            (kind, value).prop_map(|(k, v)| URL_SAFE_NO_PAD.encode(format!("{k}:{v}"))),
        ]
    }

    proptest! {
        #[test]
        fn fuzz_global_ids_round_trip(id in any_id()) {
            let encoded = id.encode();
            prop_assert!(encoded.len() <= 128);
            prop_assert_eq!(GlobalId::decode(&encoded, "id").ok(), Some(id));
        }

        /// Any text is an id or bad input naming the argument; never a panic.
        #[test]
        fn fuzz_global_ids_decode_or_refuse(text in hostile()) {
            match GlobalId::decode(&text, "id") {
                Ok(id) => prop_assert_eq!(GlobalId::decode(&id.encode(), "id").ok(), Some(id)),
                Err(ApiError::BadInput(e)) => prop_assert_eq!(e.field, "id"),
                Err(other) => prop_assert!(false, "{other:?}"),
            }
        }
    }
}
