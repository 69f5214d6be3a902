//! Links stored with content: canonical URLs, websites, images.

use std::fmt;

use crate::ValidationError;
use crate::net::Host;

const MAX_LEN: usize = 2000;

/// An absolute `http` or `https` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(::url::Url);

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
        Ok(Self(url))
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
        self.0.as_str()
    }

    /// Where it points: an address, or a name to resolve. IPv4 addresses in other notations
    /// (`http://2130706433/`, `http://0x7f.1/`) are read as addresses, as browsers read them.
    pub fn host(&self) -> Host<'_> {
        match self.0.host() {
            Some(::url::Host::Ipv4(ip)) => Host::Ip(ip.into()),
            Some(::url::Host::Ipv6(ip)) => Host::Ip(ip.into()),
            Some(::url::Host::Domain(name)) => Host::Name(name),
            // `parse` refuses a URL without a host.
            None => Host::Name(""),
        }
    }

    /// The port: the one given, or the scheme's (80 or 443).
    pub fn port(&self) -> u16 {
        self.0.port_or_known_default().unwrap_or(80)
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
        WebUrl::parse(field, value).map(|u| Self(u.0.into()))
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
        f.write_str(self.0.as_str())
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
    fn hosts_are_addresses_or_names() {
        let host = |url: &str| WebUrl::parse("u", url).expect("valid").host().to_string();
        assert_eq!(host("http://127.0.0.1:9/x"), "127.0.0.1");
        assert_eq!(host("http://[::1]/x"), "::1");
        assert_eq!(host("http://2130706433/"), "127.0.0.1");
        assert_eq!(host("http://0x7f.1/"), "127.0.0.1");
        assert_eq!(host("https://Partner.Example/hooks"), "partner.example");
        let url = |u: &str| WebUrl::parse("u", u).expect("valid");
        assert_eq!(
            url("http://[::1]/x").host(),
            Host::Ip("::1".parse().expect("ip"))
        );
        assert_eq!(url("http://localhost/").host(), Host::Name("localhost"));
        assert_eq!(url("http://a.example/").port(), 80);
        assert_eq!(url("https://a.example/").port(), 443);
        assert_eq!(url("https://a.example:8443/").port(), 8443);
    }

    #[test]
    fn blank_optional_is_none() {
        assert_eq!(WebUrl::optional("u", Some(" ")), Ok(None));
        assert_eq!(ImageUrl::optional("i", None), Ok(None));
    }
}
