//! The tables, as diesel sees them. Written by hand to match both migration folders: the
//! custom types in `db::sql_types` map each column to the right type on each backend.

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Instant;

    users (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        sort_name -> Text,
        email -> Text,
        role -> Text,
        password_hash -> Nullable<Text>,
        active -> Bool,
        bio -> Nullable<Text>,
        profile_image -> Nullable<Text>,
        cover_image -> Nullable<Text>,
        website -> Nullable<Text>,
        location -> Nullable<Text>,
        twitter -> Nullable<Text>,
        facebook -> Nullable<Text>,
        meta_title -> Nullable<Text>,
        meta_description -> Nullable<Text>,
        created_at -> Instant,
        updated_at -> Instant,
        token_version -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Instant;

    tags (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        sort_name -> Text,
        visibility -> Text,
        description -> Nullable<Text>,
        feature_image -> Nullable<Text>,
        meta_title -> Nullable<Text>,
        meta_description -> Nullable<Text>,
        created_at -> Instant,
        updated_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{Instant, PublicUuid};

    articles (id) {
        id -> BigInt,
        uuid -> PublicUuid,
        slug -> Text,
        title -> Text,
        title_sort -> Text,
        custom_excerpt -> Nullable<Text>,
        markdown -> Text,
        html -> Text,
        plaintext -> Text,
        excerpt -> Text,
        word_count -> Integer,
        reading_time -> Integer,
        status -> Text,
        published_at -> Nullable<Instant>,
        featured -> Bool,
        feature_image -> Nullable<Text>,
        feature_image_alt -> Nullable<Text>,
        feature_image_caption -> Nullable<Text>,
        canonical_url -> Nullable<Text>,
        meta_title -> Nullable<Text>,
        meta_description -> Nullable<Text>,
        og_image -> Nullable<Text>,
        og_title -> Nullable<Text>,
        og_description -> Nullable<Text>,
        twitter_image -> Nullable<Text>,
        twitter_title -> Nullable<Text>,
        twitter_description -> Nullable<Text>,
        version -> BigInt,
        created_at -> Instant,
        updated_at -> Instant,
        updated_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Instant;

    article_revisions (id) {
        id -> BigInt,
        article_id -> BigInt,
        version -> BigInt,
        title -> Text,
        custom_excerpt -> Nullable<Text>,
        markdown -> Text,
        saved_by -> Nullable<BigInt>,
        saved_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Instant;

    article_slug_aliases (slug) {
        slug -> Text,
        article_id -> BigInt,
        created_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Instant;

    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        family -> Text,
        created_at -> Instant,
        expires_at -> Instant,
        used_at -> Nullable<Instant>,
        revoked_at -> Nullable<Instant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Instant;

    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_started_at -> Instant,
        last_failed_at -> Nullable<Instant>,
    }
}

diesel::table! {
    article_preview_versions (article_id) {
        article_id -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Instant;

    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Instant;

    article_tags (article_id, tag_id) {
        article_id -> BigInt,
        tag_id -> BigInt,
        position -> Integer,
        /// The article's `published_at`, kept equal by triggers (for tag lists by date).
        published_at -> Nullable<Instant>,
    }
}

diesel::table! {
    article_authors (article_id, user_id) {
        article_id -> BigInt,
        user_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    related_articles (article_id, related_id) {
        article_id -> BigInt,
        related_id -> BigInt,
        position -> Integer,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    /// Published articles per tag, kept by triggers (see `tallies`).
    tag_counts (tag_id) {
        tag_id -> BigInt,
        published -> BigInt,
    }
}

diesel::table! {
    /// Published articles per author, kept by triggers (see `tallies`).
    author_counts (user_id) {
        user_id -> BigInt,
        published -> BigInt,
    }
}

diesel::joinable!(tag_counts -> tags (tag_id));
diesel::joinable!(author_counts -> users (user_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(article_authors -> articles (article_id));
diesel::joinable!(article_preview_versions -> articles (article_id));
diesel::joinable!(article_authors -> users (user_id));

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Instant;

    api_keys (id) {
        id -> BigInt,
        kind -> Text,
        name -> Text,
        key_hash -> Nullable<Text>,
        key_id -> Nullable<Text>,
        secret -> Nullable<Text>,
        user_id -> Nullable<BigInt>,
        rate_limit -> Integer,
        created_at -> Instant,
        revoked_at -> Nullable<Instant>,
        last_used_at -> Nullable<Instant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Instant;

    webhooks (id) {
        id -> BigInt,
        url -> Text,
        secret -> Text,
        events -> Text,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        created_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Instant;

    webhook_events (id) {
        id -> BigInt,
        event_id -> Text,
        event -> Text,
        payload -> Text,
        created_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Instant;

    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event_row -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Instant,
        created_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::Instant;

    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempted_at -> Instant,
        response_status -> Nullable<Integer>,
        error -> Nullable<Text>,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_row));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(article_revisions -> users (saved_by));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::table! {
    rate_windows (bucket, window_start) {
        bucket -> Text,
        window_start -> BigInt,
        used -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    articles,
    content_version,
    content_changes,
    tags,
    users,
    article_tags,
    article_authors,
    tag_counts,
    author_counts,
    related_articles,
    article_revisions,
    article_slug_aliases,
    refresh_tokens,
    api_keys,
    webhooks,
    webhook_events,
    webhook_deliveries,
    webhook_attempts,
    article_preview_versions,
);

diesel::table! {
    content_version (id) {
        id -> Integer,
        version -> BigInt,
        pruned -> BigInt,
    }
}

diesel::table! {
    content_changes (version, key) {
        version -> BigInt,
        key -> Text,
    }
}
