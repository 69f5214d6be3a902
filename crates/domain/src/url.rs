//! Links stored with content: canonical URLs, websites, images.

use std::fmt;

use crate::ValidationError;

const MAX_LEN: usize = 2000;

/// An absolute `http` or `https` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(String);

impl WebUrl {
    /// Parses an absolute web address. Other schemes (`javascript:`, `data:`, `file:`) are
    /// refused: these values end up in `href` and `src` attributes of other people's pages.
    pub fn parse(field: &'static str, value: &str) -> Result<Self, ValidationError> {
        let value = value.trim();
        if value.len() > MAX_LEN {
            return Err(ValidationError::new(
                field,
                format!("must be at most {MAX_LEN} characters"),
            ));
        }
        let url = ::url::Url::parse(value)
            .map_err(|e| ValidationError::new(field, format!("is not a valid URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(ValidationError::new(
                field,
                "must be an absolute http or https URL",
            ));
        }
        Ok(Self(url.into()))
    }

    /// Like [`WebUrl::parse`] for an optional field; blank is `None`.
    pub fn optional(
        field: &'static str,
        value: Option<&str>,
    ) -> Result<Option<Self>, ValidationError> {
        match value.map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => Self::parse(field, v).map(Some),
        }
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The address of an image: an absolute `http`/`https` URL, or a path on the publication's
/// own site (`/content/images/a.jpg`), which frontends resolve against the site URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUrl(String);

impl ImageUrl {
    /// Parses an image address.
    pub fn parse(field: &'static str, value: &str) -> Result<Self, ValidationError> {
        let value = value.trim();
        if value.starts_with('/') && !value.starts_with("//") {
            // Browsers read `\` in a URL as `/`: `/\evil.example/a.jpg` is another host's
            // image, so a backslash is never part of a site path.
            let path_ok = value.len() <= MAX_LEN
                && !value
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '\\');
            return if path_ok {
                Ok(Self(value.to_owned()))
            } else {
                Err(ValidationError::new(field, "is not a valid path"))
            };
        }
        WebUrl::parse(field, value).map(|u| Self(u.0))
    }

    /// Like [`ImageUrl::parse`] for an optional field; blank is `None`.
    pub fn optional(
        field: &'static str,
        value: Option<&str>,
    ) -> Result<Option<Self>, ValidationError> {
        match value.map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => Self::parse(field, v).map(Some),
        }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for ImageUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_urls_must_be_http() {
        assert!(WebUrl::parse("u", "https://example.com/a?b=c").is_ok());
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "/relative",
            "example.com",
            "",
        ] {
            assert_eq!(WebUrl::parse("u", bad).unwrap_err().field, "u", "{bad}");
        }
    }

    #[test]
    fn image_urls_may_be_site_paths() {
        assert!(ImageUrl::parse("i", "/content/images/a.jpg").is_ok());
        assert!(ImageUrl::parse("i", "https://cdn.example.com/a.jpg").is_ok());
        assert!(ImageUrl::parse("i", "//evil.example.com/a.jpg").is_err());
        assert!(ImageUrl::parse("i", "/\\evil.example.com/a.jpg").is_err());
        assert!(ImageUrl::parse("i", "/content\\images/a.jpg").is_err());
        assert!(ImageUrl::parse("i", "/a b.jpg").is_err());
        assert!(ImageUrl::parse("i", "javascript:alert(1)").is_err());
    }

    #[test]
    fn blank_optional_is_none() {
        assert_eq!(WebUrl::optional("u", Some(" ")), Ok(None));
        assert_eq!(ImageUrl::optional("i", None), Ok(None));
    }
}
