//! The publication's public address, from which page URLs are made.

use std::sync::Arc;

/// The site's address, without a trailing slash.
#[derive(Debug, Clone)]
pub struct SiteUrl(Arc<str>);

impl SiteUrl {
    /// `url` with any trailing slash removed.
    pub fn new(url: &str) -> Self {
        Self(Arc::from(url.trim_end_matches('/')))
    }

    /// `{site}/{path}/`.
    pub fn page(&self, path: &str) -> String {
        format!("{}/{path}/", self.0)
    }

    /// `{site}{path}`, for a path that starts with `/`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// `{site}/`.
    pub fn root(&self) -> String {
        format!("{}/", self.0)
    }
}

impl Default for SiteUrl {
    fn default() -> Self {
        Self::new("http://localhost:8080")
    }
}
