-- The content model: staff users (who are the authors), tags, articles, and the links
-- between them. Instants are UTC text in one fixed-width format (see db/sql_types.rs), so
-- comparing text compares instants. The PostgreSQL migration of the same name is the same
-- schema in that backend's types.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL
        CHECK (role IN ('contributor', 'author', 'editor', 'administrator')),
    password_hash TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    bio TEXT,
    profile_image TEXT,
    cover_image TEXT,
    website TEXT,
    location TEXT,
    twitter TEXT,
    facebook TEXT,
    meta_title TEXT,
    meta_description TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT users_slug_key UNIQUE (slug),
    CONSTRAINT users_email_key UNIQUE (email)
);
CREATE INDEX users_sort_name_idx ON users (sort_name, id);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
    description TEXT,
    feature_image TEXT,
    meta_title TEXT,
    meta_description TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT tags_slug_key UNIQUE (slug)
);
CREATE INDEX tags_sort_name_idx ON tags (sort_name, id);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    title_sort TEXT NOT NULL,
    custom_excerpt TEXT,
    markdown TEXT NOT NULL,
    html TEXT NOT NULL,
    plaintext TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    word_count INTEGER NOT NULL,
    reading_time INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published')),
    published_at TEXT,
    featured BOOLEAN NOT NULL DEFAULT FALSE,
    feature_image TEXT,
    feature_image_alt TEXT,
    feature_image_caption TEXT,
    canonical_url TEXT,
    meta_title TEXT,
    meta_description TEXT,
    og_image TEXT,
    og_title TEXT,
    og_description TEXT,
    twitter_image TEXT,
    twitter_title TEXT,
    twitter_description TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT articles_uuid_key UNIQUE (uuid),
    CONSTRAINT articles_slug_key UNIQUE (slug),
    CONSTRAINT articles_date_matches_status CHECK ((status = 'draft') = (published_at IS NULL))
);
-- Lists in date order (home page, archives) and keyset pages over them.
CREATE INDEX articles_published_at_idx ON articles (published_at, id);
CREATE INDEX articles_updated_at_idx ON articles (updated_at, id);
CREATE INDEX articles_title_sort_idx ON articles (title_sort, id);

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    CONSTRAINT article_tags_tag_id_key PRIMARY KEY (article_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX article_tags_tag_idx ON article_tags (tag_id, article_id);

-- A user who still has bylines cannot be deleted (RESTRICT): deactivate them instead.
CREATE TABLE article_authors (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    position INTEGER NOT NULL,
    CONSTRAINT article_authors_user_id_key PRIMARY KEY (article_id, user_id)
) WITHOUT ROWID;
CREATE INDEX article_authors_user_idx ON article_authors (user_id, article_id);

CREATE TABLE related_articles (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    related_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    note TEXT,
    CONSTRAINT related_articles_related_id_key PRIMARY KEY (article_id, related_id),
    CONSTRAINT related_articles_not_self CHECK (article_id <> related_id)
) WITHOUT ROWID;
CREATE INDEX related_articles_related_idx ON related_articles (related_id);
