//! Preview links: a token that shows one article, published or not, to whoever holds it.
//! The token itself (its signature and expiry) is the transport's; what makes a link dead is
//! decided here.

use broadsheet_domain::article::Article;
use broadsheet_domain::ids::AuthorId;
use broadsheet_persistence::{articles, users};
use uuid::Uuid;

use crate::Service;
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};

/// What a preview link names: the article, its preview version then, and who made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreviewLink {
    /// The article's public id.
    pub article: Uuid,
    /// The article's preview version when the link was made.
    pub version: i64,
    /// The staff member who made it.
    pub by: Option<AuthorId>,
}

/// Why a preview link no longer opens its article.
const DEAD: &str = "the preview link is not valid or has expired";

impl Service {
    /// The article a preview link opens, or `None` if the article is gone. A link is dead
    /// (UNAUTHENTICATED) once its links were revoked, the article was taken down after being
    /// published, or its maker was deactivated.
    pub async fn open_preview(&self, link: PreviewLink) -> ServiceResult<Option<Article>> {
        let found = self
            .store()
            .read(move |c| {
                let Some(article) = articles::by_uuid(c, link.article)? else {
                    return Ok(None);
                };
                let version = articles::preview_version(c, article.id)?;
                let maker_active = match link.by {
                    Some(by) => users::get(c, by)?.is_some_and(|u| u.active),
                    None => true,
                };
                Ok(Some((article, version, maker_active)))
            })
            .await?;
        match found {
            None => Ok(None),
            Some((article, version, true)) if version == link.version => Ok(Some(article)),
            Some(_) => Err(ServiceError::Unauthenticated(DEAD)),
        }
    }

    /// A new preview link for `article` (by its row), made by `actor`, who must be able to read
    /// its drafts (`owners` are its authors).
    pub async fn make_preview(
        &self,
        actor: &Actor,
        article: &Article,
        owners: &[AuthorId],
    ) -> ServiceResult<PreviewLink> {
        if !actor.may_view_drafts_of(owners) {
            return Err(match actor {
                Actor::Anonymous | Actor::Partner(_) => {
                    ServiceError::Unauthenticated("sign in to do this")
                }
                _ => ServiceError::Forbidden("your role does not allow this"),
            });
        }
        let id = article.id;
        let version = self
            .store()
            .read(move |c| articles::preview_version(c, id))
            .await?;
        Ok(PreviewLink {
            article: article.uuid,
            version,
            by: actor.user_id(),
        })
    }
}
