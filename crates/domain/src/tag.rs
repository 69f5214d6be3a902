//! Tags: the sections and topics articles are filed under.

use crate::ids::TagId;
use crate::text::{bounded, optional};
use crate::time::Timestamp;
use crate::url::ImageUrl;
use crate::{Slug, ValidationError};

/// Whether the public may see a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// Shown to everyone.
    Public,
    /// For staff and templates only (the name starts with `#`, as in Ghost).
    Internal,
}

impl Visibility {
    /// The stored and served spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Internal => "internal",
        }
    }
}

/// A tag's display name. Its first character decides its visibility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagName(String);

impl TagName {
    /// A name: trimmed, 1 to 191 characters, one line.
    pub fn parse(value: &str) -> Result<Self, ValidationError> {
        bounded("name", value, 191, false).map(Self)
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `internal` for names starting with `#`, else `public`.
    pub fn visibility(&self) -> Visibility {
        if self.0.starts_with('#') {
            Visibility::Internal
        } else {
            Visibility::Public
        }
    }

    /// The slug a tag of this name gets when none is given: `#homepage` becomes
    /// `hash-homepage`, so an internal tag never takes a public tag's address.
    pub fn derived_slug(&self) -> Slug {
        match self.0.strip_prefix('#') {
            Some(rest) => {
                let base = Slug::derive(rest, "tag");
                Slug::derive(&format!("hash-{base}"), "hash")
            }
            None => Slug::derive(&self.0, "tag"),
        }
    }
}

/// A tag as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Identity.
    pub id: TagId,
    /// Unique address.
    pub slug: Slug,
    /// Display name.
    pub name: TagName,
    /// Longer description for tag pages.
    pub description: Option<String>,
    /// Header image for tag pages.
    pub feature_image: Option<ImageUrl>,
    /// Title for search engines.
    pub meta_title: Option<String>,
    /// Description for search engines.
    pub meta_description: Option<String>,
    /// When the tag was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Tag {
    /// Derived from the name.
    pub fn visibility(&self) -> Visibility {
        self.name.visibility()
    }
}

/// The fields of a tag as a client sends them, before validation.
#[derive(Debug, Clone, Default)]
pub struct TagInput {
    /// Required.
    pub name: String,
    /// Derived from the name when absent.
    pub slug: Option<String>,
    /// Optional fields.
    pub description: Option<String>,
    /// Optional fields.
    pub feature_image: Option<String>,
    /// Optional fields.
    pub meta_title: Option<String>,
    /// Optional fields.
    pub meta_description: Option<String>,
}

/// Changes to a tag, as an update sends them: a field left out (`None`) stays as it is; an
/// optional field set to `Some(None)` is cleared.
#[derive(Debug, Clone, Default)]
pub struct TagChanges {
    /// A new display name.
    pub name: Option<String>,
    /// A new address.
    pub slug: Option<String>,
    /// A new description, or none.
    pub description: Option<Option<String>>,
    /// A new header image, or none.
    pub feature_image: Option<Option<String>>,
    /// A new title for search engines, or none.
    pub meta_title: Option<Option<String>>,
    /// A new description for search engines, or none.
    pub meta_description: Option<Option<String>>,
}

impl TagChanges {
    /// Every field of `tag` after these changes, to be validated as a whole.
    pub fn applied_to(self, tag: &Tag) -> TagInput {
        let image = tag.feature_image.as_ref().map(|u| u.as_str().to_owned());
        TagInput {
            name: self.name.unwrap_or_else(|| tag.name.as_str().to_owned()),
            slug: Some(self.slug.unwrap_or_else(|| tag.slug.as_str().to_owned())),
            description: self.description.unwrap_or_else(|| tag.description.clone()),
            feature_image: self.feature_image.unwrap_or(image),
            meta_title: self.meta_title.unwrap_or_else(|| tag.meta_title.clone()),
            meta_description: self
                .meta_description
                .unwrap_or_else(|| tag.meta_description.clone()),
        }
    }
}

/// A validated tag, not yet stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTag {
    /// Display name.
    pub name: TagName,
    /// The slug asked for; `None` derives one from the name (with a numeric suffix if taken).
    pub slug: Option<Slug>,
    /// See [`Tag`].
    pub description: Option<String>,
    /// See [`Tag`].
    pub feature_image: Option<ImageUrl>,
    /// See [`Tag`].
    pub meta_title: Option<String>,
    /// See [`Tag`].
    pub meta_description: Option<String>,
}

impl NewTag {
    /// Validates every field, naming the first that is wrong.
    pub fn parse(input: &TagInput) -> Result<Self, ValidationError> {
        Ok(Self {
            name: TagName::parse(&input.name)?,
            slug: input.slug.as_deref().map(Slug::parse).transpose()?,
            description: optional("description", input.description.as_deref(), 500, true)?,
            feature_image: ImageUrl::optional("feature_image", input.feature_image.as_deref())?,
            meta_title: optional("meta_title", input.meta_title.as_deref(), 300, false)?,
            meta_description: optional(
                "meta_description",
                input.meta_description.as_deref(),
                500,
                false,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str) -> TagInput {
        TagInput {
            name: name.into(),
            ..TagInput::default()
        }
    }

    #[test]
    fn hash_names_are_internal() {
        let t = NewTag::parse(&input("#homepage")).map(|t| t.name);
        assert_eq!(
            t.as_ref().map(TagName::visibility),
            Ok(Visibility::Internal)
        );
        assert_eq!(
            t.map(|n| n.derived_slug().as_str().to_owned()),
            Ok("hash-homepage".to_owned())
        );
        let public = TagName::parse("Children’s services");
        assert_eq!(
            public.as_ref().map(TagName::visibility),
            Ok(Visibility::Public)
        );
        assert_eq!(
            public.map(|n| n.derived_slug().as_str().to_owned()),
            Ok("childrens-services".to_owned())
        );
    }

    #[test]
    fn refuses_bad_fields_by_name() {
        assert_eq!(NewTag::parse(&input(" ")).unwrap_err().field, "name");
        let bad_slug = TagInput {
            slug: Some("Not A Slug".into()),
            ..input("x")
        };
        assert_eq!(NewTag::parse(&bad_slug).unwrap_err().field, "slug");
        let bad_image = TagInput {
            feature_image: Some("javascript:alert(1)".into()),
            ..input("x")
        };
        assert_eq!(
            NewTag::parse(&bad_image).unwrap_err().field,
            "feature_image"
        );
    }
}
