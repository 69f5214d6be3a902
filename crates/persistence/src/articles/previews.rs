//! Preview links' versions: a preview token carries its article's version at the time it was
//! made, and stops working when the version moves (the links are revoked, or the article is
//! taken down after being published).

use broadsheet_domain::ids::ArticleId;
use diesel::prelude::*;

use crate::StoreError;
use crate::db::{AnyConnection, on_inner};
use crate::schema::article_preview_versions;

/// The article's preview version (0 until its links are first revoked).
pub fn preview_version(conn: &mut AnyConnection, id: ArticleId) -> Result<i64, StoreError> {
    Ok(article_preview_versions::table
        .find(id.0)
        .select(article_preview_versions::version)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Ends every preview link made so far for the article; returns the new version.
pub fn revoke_previews(conn: &mut AnyConnection, id: ArticleId) -> Result<i64, StoreError> {
    Ok(on_inner!(conn, |c| {
        diesel::insert_into(article_preview_versions::table)
            .values((
                article_preview_versions::article_id.eq(id.0),
                article_preview_versions::version.eq(1_i64),
            ))
            .on_conflict(article_preview_versions::article_id)
            .do_update()
            .set(article_preview_versions::version.eq(article_preview_versions::version + 1))
            .returning(article_preview_versions::version)
            .get_result(c)
    })?)
}
