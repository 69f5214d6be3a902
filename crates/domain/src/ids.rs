//! Typed row identities. An `ArticleId` cannot be passed where a `TagId` is wanted, nor a
//! `WebhookId` where an `ApiKeyId` is.
//!
//! These are the database's own keys: compact and fast to join on. What the public sees of an
//! article is its UUID (see [`crate::article::Article::uuid`]); transports encode the rest
//! into opaque ids of their own.

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies an article.
    ArticleId
);
id_type!(
    /// Identifies a tag.
    TagId
);
id_type!(
    /// Identifies a staff user, who is also the author of articles.
    AuthorId
);
id_type!(
    /// Identifies an API key (a content key or an integration key).
    ApiKeyId
);
id_type!(
    /// Identifies a registered webhook.
    WebhookId
);
id_type!(
    /// Identifies one delivery of one event to one webhook.
    DeliveryId
);
id_type!(
    /// Identifies one attempt at a delivery.
    AttemptId
);
