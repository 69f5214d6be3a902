//! Who may do what: one table, role by action, Ghost's split of roles.
//!
//! Each cell says whether the role may act on anything (`Any`), only on its own things
//! (`Own`: an article the user is an author of, or the user's own account), or not at all.
//! Everything the editorial API does asks [`permits`] first; nothing else decides.

use crate::author::Role;

/// Things staff do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Create an article (own: with oneself among its authors).
    CreateArticle,
    /// Read an unpublished article, its revisions, or a preview link for it.
    ViewDraft,
    /// Change an unpublished article: fields, tags, authors, a revision restored.
    EditDraft,
    /// Change a published (or scheduled) article.
    EditPublished,
    /// Publish, schedule or unpublish.
    Publish,
    /// Delete an unpublished article.
    DeleteDraft,
    /// Delete a published (or scheduled) article.
    DeletePublished,
    /// Add, remove or reorder curated related articles.
    ManageRelated,
    /// Create a tag (attaching existing tags is part of editing).
    CreateTag,
    /// Edit, delete or merge tags.
    EditTag,
    /// Create, change or deactivate contributors and authors.
    ManageWriters,
    /// Create, change or deactivate editors and administrators, or give those roles.
    ManageAdmins,
    /// Change one's own profile or password.
    EditProfile,
    /// Create and revoke API keys and webhooks.
    ManageKeys,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 14] = [
        Self::CreateArticle,
        Self::ViewDraft,
        Self::EditDraft,
        Self::EditPublished,
        Self::Publish,
        Self::DeleteDraft,
        Self::DeletePublished,
        Self::ManageRelated,
        Self::CreateTag,
        Self::EditTag,
        Self::ManageWriters,
        Self::ManageAdmins,
        Self::EditProfile,
        Self::ManageKeys,
    ];
}

/// Whether the thing acted on is the actor's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// Theirs: an article they are an author of, their own account.
    Own,
    /// Someone else's, or nobody's (a tag).
    Others,
}

/// A cell of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    Never,
    Own,
    Any,
}

use Rule::{Any, Never, Own};

/// The table: for each action, the rule for contributor, author, editor, administrator.
const TABLE: [(Action, [Rule; 4]); 14] = [
    (Action::CreateArticle, [Own, Own, Any, Any]),
    (Action::ViewDraft, [Own, Own, Any, Any]),
    (Action::EditDraft, [Own, Own, Any, Any]),
    (Action::EditPublished, [Never, Own, Any, Any]),
    (Action::Publish, [Never, Own, Any, Any]),
    (Action::DeleteDraft, [Own, Own, Any, Any]),
    (Action::DeletePublished, [Never, Own, Any, Any]),
    (Action::ManageRelated, [Never, Never, Any, Any]),
    (Action::CreateTag, [Never, Any, Any, Any]),
    (Action::EditTag, [Never, Never, Any, Any]),
    (Action::ManageWriters, [Never, Never, Any, Any]),
    (Action::ManageAdmins, [Never, Never, Never, Any]),
    (Action::EditProfile, [Own, Own, Own, Any]),
    (Action::ManageKeys, [Never, Never, Never, Any]),
];

fn column(role: Role) -> usize {
    match role {
        Role::Contributor => 0,
        Role::Author => 1,
        Role::Editor => 2,
        Role::Administrator => 3,
    }
}

/// Whether `role` may do `action` to something that is `ownership`.
pub fn permits(role: Role, action: Action, ownership: Ownership) -> bool {
    let rule = TABLE
        .iter()
        .find(|(a, _)| *a == action)
        .map_or(Never, |(_, rules)| rules[column(role)]);
    match rule {
        Never => false,
        Own => ownership == Ownership::Own,
        Any => true,
    }
}

/// The action that managing a user with `role` needs.
pub fn managing(role: Role) -> Action {
    match role {
        Role::Contributor | Role::Author => Action::ManageWriters,
        Role::Editor | Role::Administrator => Action::ManageAdmins,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ownership::{Others, Own as Mine};

    /// Every cell, spelled out: (action, role, ownership) → allowed. Written independently
    /// of the table above, so that a change to either shows here.
    #[test]
    fn every_cell() {
        use Role::{Administrator as Ad, Author as Au, Contributor as Co, Editor as Ed};
        let allowed: &[(Action, Role, Ownership)] = &[
            (Action::CreateArticle, Co, Mine),
            (Action::CreateArticle, Au, Mine),
            (Action::CreateArticle, Ed, Mine),
            (Action::CreateArticle, Ed, Others),
            (Action::CreateArticle, Ad, Mine),
            (Action::CreateArticle, Ad, Others),
            (Action::ViewDraft, Co, Mine),
            (Action::ViewDraft, Au, Mine),
            (Action::ViewDraft, Ed, Mine),
            (Action::ViewDraft, Ed, Others),
            (Action::ViewDraft, Ad, Mine),
            (Action::ViewDraft, Ad, Others),
            (Action::EditDraft, Co, Mine),
            (Action::EditDraft, Au, Mine),
            (Action::EditDraft, Ed, Mine),
            (Action::EditDraft, Ed, Others),
            (Action::EditDraft, Ad, Mine),
            (Action::EditDraft, Ad, Others),
            (Action::EditPublished, Au, Mine),
            (Action::EditPublished, Ed, Mine),
            (Action::EditPublished, Ed, Others),
            (Action::EditPublished, Ad, Mine),
            (Action::EditPublished, Ad, Others),
            (Action::Publish, Au, Mine),
            (Action::Publish, Ed, Mine),
            (Action::Publish, Ed, Others),
            (Action::Publish, Ad, Mine),
            (Action::Publish, Ad, Others),
            (Action::DeleteDraft, Co, Mine),
            (Action::DeleteDraft, Au, Mine),
            (Action::DeleteDraft, Ed, Mine),
            (Action::DeleteDraft, Ed, Others),
            (Action::DeleteDraft, Ad, Mine),
            (Action::DeleteDraft, Ad, Others),
            (Action::DeletePublished, Au, Mine),
            (Action::DeletePublished, Ed, Mine),
            (Action::DeletePublished, Ed, Others),
            (Action::DeletePublished, Ad, Mine),
            (Action::DeletePublished, Ad, Others),
            (Action::ManageRelated, Ed, Mine),
            (Action::ManageRelated, Ed, Others),
            (Action::ManageRelated, Ad, Mine),
            (Action::ManageRelated, Ad, Others),
            (Action::CreateTag, Au, Mine),
            (Action::CreateTag, Au, Others),
            (Action::CreateTag, Ed, Mine),
            (Action::CreateTag, Ed, Others),
            (Action::CreateTag, Ad, Mine),
            (Action::CreateTag, Ad, Others),
            (Action::EditTag, Ed, Mine),
            (Action::EditTag, Ed, Others),
            (Action::EditTag, Ad, Mine),
            (Action::EditTag, Ad, Others),
            (Action::ManageWriters, Ed, Mine),
            (Action::ManageWriters, Ed, Others),
            (Action::ManageWriters, Ad, Mine),
            (Action::ManageWriters, Ad, Others),
            (Action::ManageAdmins, Ad, Mine),
            (Action::ManageAdmins, Ad, Others),
            (Action::EditProfile, Co, Mine),
            (Action::EditProfile, Au, Mine),
            (Action::EditProfile, Ed, Mine),
            (Action::EditProfile, Ad, Mine),
            (Action::EditProfile, Ad, Others),
            (Action::ManageKeys, Ad, Mine),
            (Action::ManageKeys, Ad, Others),
        ];
        for action in Action::ALL {
            for role in Role::ALL {
                for ownership in [Mine, Others] {
                    let expected = allowed.contains(&(action, role, ownership));
                    assert_eq!(
                        permits(role, action, ownership),
                        expected,
                        "{role:?} {action:?} {ownership:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn managing_a_user_depends_on_their_role() {
        assert_eq!(managing(Role::Author), Action::ManageWriters);
        assert_eq!(managing(Role::Editor), Action::ManageAdmins);
    }
}
