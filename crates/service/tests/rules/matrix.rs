//! The table-driven check: one use case run as every actor, on their own things and on
//! others', compared with an expected matrix written like the policy table (one row per
//! rule: contributor, author, editor, administrator), independently of it.

use std::fmt::Write as _;

use broadsheet_domain::author::{Role, User};
use broadsheet_service::{Actor, ServiceError, ServiceResult};

use crate::harness::World;

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// A reader.
    Anonymous,
    /// A reader with a content key.
    Partner,
    /// The scheduler, the command line.
    System,
    /// A signed-in staff member of this role.
    Staff(Role),
}

impl Who {
    /// Everyone, readers first.
    pub const ALL: [Who; 7] = [
        Who::Anonymous,
        Who::Partner,
        Who::System,
        Who::Staff(Role::Contributor),
        Who::Staff(Role::Author),
        Who::Staff(Role::Editor),
        Who::Staff(Role::Administrator),
    ];
}

/// Whose thing the actor acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    /// The actor's own (an article they are an author of, their own account).
    Mine,
    /// Someone else's, or nobody's (a tag, a key).
    Theirs,
}

/// Staff acting on their own things and on others'.
pub const BOTH: &[Whose] = &[Whose::Mine, Whose::Theirs];
/// Staff acting on others' things (or on nobody's) only.
pub const THEIRS: &[Whose] = &[Whose::Theirs];
/// Staff acting on their own things only.
pub const MINE: &[Whose] = &[Whose::Mine];

/// A cell of an expected matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// Refused, whoever's it is.
    No,
    /// Allowed on one's own things only.
    Own,
    /// Allowed on anything.
    Any,
}

pub use Cell::{Any, No, Own};

/// A row of an expected matrix: contributor, author, editor, administrator.
pub type Row = [Cell; 4];

/// How a use case ended, as far as the rules go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It was done.
    Allowed,
    /// Refused: sign in first.
    Unauthenticated,
    /// Refused: the role does not allow it.
    Forbidden,
    /// Anything else (the input, the store): never expected by a matrix.
    Other(String),
}

impl Outcome {
    /// How `result` ended.
    pub fn of<T>(result: &ServiceResult<T>) -> Self {
        match result {
            Ok(_) => Self::Allowed,
            Err(ServiceError::Unauthenticated(_)) => Self::Unauthenticated,
            Err(ServiceError::Forbidden(_)) => Self::Forbidden,
            Err(other) => Self::Other(format!("{other:?}")),
        }
    }

    fn refused(&self) -> bool {
        matches!(self, Self::Unauthenticated | Self::Forbidden)
    }
}

/// What each actor may do in one use case.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Staff, by role.
    pub staff: Row,
    /// The system (allowed, except for acts only a person can do).
    pub system: Outcome,
}

/// Staff as `staff` says; readers must sign in; the system may.
pub fn rule(staff: Row) -> Rule {
    Rule {
        staff,
        system: Outcome::Allowed,
    }
}

impl Rule {
    /// With the system refused as `outcome` (acts on one's own account).
    pub fn system(mut self, outcome: Outcome) -> Self {
        self.system = outcome;
        self
    }

    /// What `who` acting on `whose` thing should get.
    pub fn expected(&self, who: Who, whose: Whose) -> Outcome {
        let column = |role: Role| match role {
            Role::Contributor => 0,
            Role::Author => 1,
            Role::Editor => 2,
            Role::Administrator => 3,
        };
        match who {
            Who::Anonymous | Who::Partner => Outcome::Unauthenticated,
            Who::System => self.system.clone(),
            Who::Staff(role) => match (self.staff[column(role)], whose) {
                (Any, _) | (Own, Whose::Mine) => Outcome::Allowed,
                (No, _) | (Own, Whose::Theirs) => Outcome::Forbidden,
            },
        }
    }
}

/// One run of a use case in a matrix.
pub struct Case {
    /// Who acts.
    pub actor: Actor,
    /// Whose thing it is.
    pub whose: Whose,
    /// Who owns the thing acted on: the actor for [`Whose::Mine`], [`World::other`]
    /// otherwise.
    pub owner: User,
}

/// Runs `case` as every actor (staff on each of `scope`, readers and the system on others'
/// things), each on things of its own that `case` makes, and compares how each ended with
/// `rule`. A refused run must record no event. Reports every wrong cell at once.
pub async fn check<T>(
    world: &World,
    use_case: &str,
    rule: &Rule,
    scope: &[Whose],
    mut case: impl AsyncFnMut(&Case) -> ServiceResult<T>,
) {
    let mut wrong = String::new();
    for who in Who::ALL {
        let scope = match who {
            Who::Staff(_) => scope,
            Who::Anonymous | Who::Partner | Who::System => THEIRS,
        };
        for &whose in scope {
            let owner = match (who, whose) {
                (Who::Staff(role), Whose::Mine) => world.staff(role).clone(),
                _ => world.other.clone(),
            };
            let run = Case {
                actor: world.actor(who),
                whose,
                owner,
            };
            let events = world.events().len();
            let got = Outcome::of(&case(&run).await);
            let expected = rule.expected(who, whose);
            if got != expected {
                let _ = writeln!(
                    wrong,
                    "  {who:?} on {whose:?}: expected {expected:?}, got {got:?}"
                );
            }
            if got.refused() && world.events().len() != events {
                let _ = writeln!(
                    wrong,
                    "  {who:?} on {whose:?}: refused but recorded an event"
                );
            }
        }
    }
    assert!(wrong.is_empty(), "{use_case}:\n{wrong}");
}
