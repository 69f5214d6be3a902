//! The public face of a staff member: what a byline or an author page shows.

use crate::ids::AuthorId;
use crate::text::{bounded, optional};
use crate::url::{ImageUrl, WebUrl};
use crate::{Slug, ValidationError};

/// An author as the public sees them. Holds nothing private.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// Identity.
    pub id: AuthorId,
    /// Unique address of the author page.
    pub slug: Slug,
    /// Everything else shown.
    pub profile: Profile,
}

/// Validated public profile fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Display name.
    pub name: String,
    /// Short biography.
    pub bio: Option<String>,
    /// Portrait.
    pub profile_image: Option<ImageUrl>,
    /// Banner for the author page.
    pub cover_image: Option<ImageUrl>,
    /// Personal website.
    pub website: Option<WebUrl>,
    /// Where they are based.
    pub location: Option<String>,
    /// Twitter/X handle, `@name`.
    pub twitter: Option<String>,
    /// Facebook user or page name.
    pub facebook: Option<String>,
    /// Title for search engines.
    pub meta_title: Option<String>,
    /// Description for search engines.
    pub meta_description: Option<String>,
}

/// Profile fields as a client sends them, before validation.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    /// Required.
    pub name: String,
    /// Derived from the name when absent.
    pub slug: Option<String>,
    /// Optional fields.
    pub bio: Option<String>,
    /// Optional fields.
    pub profile_image: Option<String>,
    /// Optional fields.
    pub cover_image: Option<String>,
    /// Optional fields.
    pub website: Option<String>,
    /// Optional fields.
    pub location: Option<String>,
    /// `@name`, `name` or a profile URL.
    pub twitter: Option<String>,
    /// `name` or a profile URL.
    pub facebook: Option<String>,
    /// Optional fields.
    pub meta_title: Option<String>,
    /// Optional fields.
    pub meta_description: Option<String>,
}

impl Profile {
    /// Validates every field; returns the profile and the slug asked for, if any.
    pub fn parse(input: &ProfileInput) -> Result<(Self, Option<Slug>), ValidationError> {
        let profile = Self {
            name: bounded("name", &input.name, 191, false)?,
            bio: optional("bio", input.bio.as_deref(), 200, true)?,
            profile_image: ImageUrl::optional("profile_image", input.profile_image.as_deref())?,
            cover_image: ImageUrl::optional("cover_image", input.cover_image.as_deref())?,
            website: WebUrl::optional("website", input.website.as_deref())?,
            location: optional("location", input.location.as_deref(), 150, false)?,
            twitter: input
                .twitter
                .as_deref()
                .map(twitter_handle)
                .transpose()?
                .flatten(),
            facebook: input
                .facebook
                .as_deref()
                .map(facebook_name)
                .transpose()?
                .flatten(),
            meta_title: optional("meta_title", input.meta_title.as_deref(), 300, false)?,
            meta_description: optional(
                "meta_description",
                input.meta_description.as_deref(),
                500,
                false,
            )?,
        };
        let slug = input.slug.as_deref().map(Slug::parse).transpose()?;
        Ok((profile, slug))
    }
}

/// `@name`, `name` or `https://twitter.com/name` (or x.com) becomes `@name`.
fn twitter_handle(value: &str) -> Result<Option<String>, ValidationError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let name = strip_profile_url(v, &["twitter.com", "x.com"]).trim_start_matches('@');
    let ok = (1..=15).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(Some(format!("@{name}")))
    } else {
        Err(ValidationError::new(
            "twitter",
            "must be a handle of 1 to 15 letters, digits or underscores",
        ))
    }
}

/// `name` or `https://facebook.com/name` becomes `name`.
fn facebook_name(value: &str) -> Result<Option<String>, ValidationError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let name = strip_profile_url(v, &["facebook.com", "www.facebook.com"]);
    let ok = (1..=100).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/'));
    if ok {
        Ok(Some(name.to_owned()))
    } else {
        Err(ValidationError::new(
            "facebook",
            "must be a Facebook user or page name",
        ))
    }
}

fn strip_profile_url<'a>(value: &'a str, hosts: &[&str]) -> &'a str {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .unwrap_or(value);
    for host in hosts {
        if let Some(path) = rest
            .strip_prefix(host)
            .or_else(|| rest.strip_prefix("www.").and_then(|r| r.strip_prefix(host)))
            .and_then(|r| r.strip_prefix('/'))
        {
            return path.trim_end_matches('/');
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut ProfileInput)) -> Result<Profile, ValidationError> {
        let mut input = ProfileInput {
            name: "Ada".into(),
            ..ProfileInput::default()
        };
        f(&mut input);
        Profile::parse(&input).map(|(p, _)| p)
    }

    #[test]
    fn social_handles_are_normalised() {
        for t in [
            "ada_w",
            "@ada_w",
            "https://twitter.com/ada_w",
            "https://x.com/ada_w/",
        ] {
            let p = with(|i| i.twitter = Some(t.into())).expect(t);
            assert_eq!(p.twitter.as_deref(), Some("@ada_w"));
        }
        let p = with(|i| i.facebook = Some("https://www.facebook.com/ada.w".into()));
        assert_eq!(p.map(|p| p.facebook), Ok(Some("ada.w".into())));
    }

    #[test]
    fn bad_fields_are_named() {
        assert_eq!(with(|i| i.name = String::new()).unwrap_err().field, "name");
        assert_eq!(
            with(|i| i.twitter = Some("not a handle!".into()))
                .unwrap_err()
                .field,
            "twitter"
        );
        assert_eq!(
            with(|i| i.website = Some("javascript:x".into()))
                .unwrap_err()
                .field,
            "website"
        );
        assert_eq!(
            with(|i| i.bio = Some("x".repeat(201))).unwrap_err().field,
            "bio"
        );
        assert_eq!(
            with(|i| i.slug = Some("Bad Slug".into()))
                .unwrap_err()
                .field,
            "slug"
        );
    }
}
