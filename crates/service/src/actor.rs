//! Who acts: every use case takes an [`Actor`] and asks it, through the domain's policy table
//! ([`broadsheet_domain::policy`]), whether the act is allowed.

use broadsheet_domain::author::User;
use broadsheet_domain::ids::AuthorId;
use broadsheet_domain::policy::{self, Action, Ownership};

use crate::error::ServiceError;

/// The one behind a request, a command or a task.
#[derive(Debug, Clone)]
pub enum Actor {
    /// A reader: published content only.
    Anonymous,
    /// A partner reading with a content key (id of the key): published content only, held to
    /// the key's limit by the transport.
    Partner(i64),
    /// A signed-in, active staff member, or an integration acting with its key's role (an
    /// integration is a staff account of its own).
    Staff(Box<User>),
    /// The system itself: the scheduler, maintenance, the command line run by an operator on
    /// the server. It may do anything an administrator may.
    System,
}

impl Actor {
    /// A staff actor.
    pub fn staff(user: User) -> Self {
        Self::Staff(Box::new(user))
    }

    /// The staff member, if one acts.
    pub fn user(&self) -> Option<&User> {
        match self {
            Self::Staff(user) => Some(user),
            Self::Anonymous | Self::Partner(_) | Self::System => None,
        }
    }

    /// The staff member's id, if one acts (saved as who made a change).
    pub fn user_id(&self) -> Option<AuthorId> {
        self.user().map(User::id)
    }

    /// Whether this actor may see unpublished things at all (staff or the system).
    pub fn is_staff(&self) -> bool {
        matches!(self, Self::Staff(_) | Self::System)
    }

    /// Whether the actor may do `action` to something that is `ownership`.
    pub fn may(&self, action: Action, ownership: Ownership) -> bool {
        match self {
            Self::Staff(u) => u.active && policy::permits(u.role, action, ownership),
            Self::System => true,
            Self::Anonymous | Self::Partner(_) => false,
        }
    }

    /// `Ok` if the actor may do `action`; UNAUTHENTICATED for readers, FORBIDDEN for staff
    /// whose role does not allow it.
    pub fn authorize(&self, action: Action, ownership: Ownership) -> Result<(), ServiceError> {
        match self {
            Self::Anonymous | Self::Partner(_) => {
                Err(ServiceError::Unauthenticated("sign in to do this"))
            }
            _ if self.may(action, ownership) => Ok(()),
            _ => Err(ServiceError::Forbidden("your role does not allow this")),
        }
    }

    /// The staff member, or UNAUTHENTICATED (for acts only a person can do: their own
    /// profile, their own password).
    pub fn signed_in(&self) -> Result<&User, ServiceError> {
        self.user()
            .ok_or(ServiceError::Unauthenticated("sign in to do this"))
    }

    /// Whether something owned by `owners` is the actor's own.
    pub fn ownership(&self, owners: &[AuthorId]) -> Ownership {
        match self.user() {
            Some(user) if owners.contains(&user.id()) => Ownership::Own,
            _ => Ownership::Others,
        }
    }

    /// Whether the actor may read what unpublished things `owners` have (drafts, revisions,
    /// preview links, the editorial fields of a published article).
    pub fn may_view_drafts_of(&self, owners: &[AuthorId]) -> bool {
        self.is_staff() && self.may(Action::ViewDraft, self.ownership(owners))
    }
}
