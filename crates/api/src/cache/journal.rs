//! What the cache knows of the content's changes: the version it has seen, and for each
//! dependency key, the latest version that changed it (from the database's journal, see
//! [`broadsheet_persistence::content::changes`]).
//!
//! An entry is fresh at the current version when none of its keys changed after the version
//! it was last known fresh at. Knowledge starts at `floor`: an entry last known fresh before
//! it cannot be vouched for.

use std::collections::HashMap;

use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::content::ContentState;

/// The key a change to everything names (settings, a tag shown or hidden everywhere).
pub const EVERYTHING: &str = "*";

/// How many keys are remembered before the cache starts over instead.
const MAX_KEYS: usize = 200_000;

/// See the module's documentation.
#[derive(Debug)]
pub(super) struct Known {
    /// The content version seen last (`i64::MIN`: none yet, nothing can be trusted).
    pub version: i64,
    /// When the next scheduled article comes due.
    pub next_due: Option<Timestamp>,
    /// Every change after this version is in `changed`.
    floor: i64,
    /// The latest version that changed each key, for changes after `floor`.
    changed: HashMap<Box<str>, i64>,
}

impl Known {
    /// Before the first synchronisation.
    pub fn unsynced() -> Self {
        Self {
            version: i64::MIN,
            next_due: None,
            floor: i64::MAX,
            changed: HashMap::new(),
        }
    }

    /// Whether nothing that `deps` names changed after `since` (up to the current version).
    pub fn unchanged(&self, since: i64, deps: &[Box<str>]) -> bool {
        if self.version == i64::MIN || since > self.version {
            return false;
        }
        if since == self.version {
            return true;
        }
        since >= self.floor
            && deps
                .iter()
                .all(|d| self.changed.get(d).is_none_or(|&v| v <= since))
    }

    /// Forgets every change: knowledge starts again at `state`.
    pub fn restart(&mut self, state: ContentState) {
        self.version = state.version;
        self.next_due = state.next_due;
        self.floor = state.version;
        self.changed.clear();
    }

    /// Learns `changes` (version, key), which are every change after the current version up
    /// to `state`'s. `false` when the cache must start over instead: everything changed, or
    /// there is too much to remember (the caller then calls [`Self::restart`]).
    #[must_use]
    pub fn learn(&mut self, state: ContentState, changes: Vec<(i64, String)>) -> bool {
        if self.version == i64::MIN || state.version < self.version {
            return false;
        }
        for (version, key) in changes {
            if key == EVERYTHING {
                return false;
            }
            let latest = self.changed.entry(key.into_boxed_str()).or_insert(version);
            *latest = (*latest).max(version);
        }
        if self.changed.len() > MAX_KEYS {
            return false;
        }
        self.version = state.version;
        self.next_due = state.next_due;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(version: i64) -> ContentState {
        ContentState {
            version,
            next_due: None,
        }
    }

    fn deps(keys: &[&str]) -> Vec<Box<str>> {
        keys.iter().map(|k| (*k).into()).collect()
    }

    #[test]
    fn an_entry_is_fresh_while_none_of_its_keys_changed() {
        let mut known = Known::unsynced();
        assert!(!known.unchanged(0, &[]), "nothing trusted before a sync");
        known.restart(state(10));
        assert!(known.learn(
            state(12),
            vec![(11, "article:a".into()), (12, "tag:1".into())]
        ));
        assert!(known.unchanged(10, &deps(&["article:b", "tag:2"])));
        assert!(!known.unchanged(10, &deps(&["article:b", "article:a"])));
        assert!(!known.unchanged(11, &deps(&["tag:1"])));
        assert!(
            known.unchanged(11, &deps(&["article:a"])),
            "changed at 11, known at 11"
        );
        assert!(!known.unchanged(9, &deps(&[])), "before knowledge starts");
        assert!(!known.unchanged(13, &deps(&[])), "from the future");
    }

    #[test]
    fn everything_or_too_much_starts_over() {
        let mut known = Known::unsynced();
        assert!(!known.learn(state(1), vec![]), "unsynced");
        known.restart(state(1));
        assert!(!known.learn(state(2), vec![(2, EVERYTHING.into())]));
        assert!(!known.learn(state(0), vec![]), "the version went back");
        let many = (0..=MAX_KEYS as i64)
            .map(|i| (2, format!("article:{i}")))
            .collect();
        assert!(!known.learn(state(2), many));
    }
}
