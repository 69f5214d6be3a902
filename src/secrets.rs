//! Stored secrets at startup: sealed with the master key if one is given, and a refusal to
//! start when they cannot be read.

use anyhow::{Context as _, bail};
use broadsheet_persistence::secrets::{self, Keyring, SecretError, Unreadable};
use broadsheet_persistence::{Backend, Store};

/// Seals with the store's master key every stored secret that is in plaintext or sealed with
/// the old key, in one transaction, and logs how many. Fails, naming the flag to set, if a
/// secret cannot be read (sealed with a key not given, or altered). Without a master key, on
/// PostgreSQL, warns that secrets are stored in plaintext. Blocking.
pub fn reseal_at_startup(store: &Store) -> anyhow::Result<()> {
    let keyring = store.keyring();
    let outcome = store
        .write_blocking(|c| secrets::reseal(c, &keyring))
        .context("reading the stored secrets")?;
    match (outcome, keyring.current_id()) {
        (Err(unreadable), _) => bail!(refusal(&unreadable, &keyring)),
        (Ok(0), Some(_)) => {}
        (Ok(sealed), Some(key)) => {
            tracing::info!(
                secrets = sealed,
                key,
                "sealed stored secrets with the master key"
            );
        }
        (Ok(_), None) => {
            if store.backend() == Backend::Postgres {
                tracing::warn!(
                    "no master key: integration key secrets, webhook secrets and the generated \
                     signing secret are stored in plaintext, readable by anyone who can read \
                     the database; set BROADSHEET_MASTER_KEY or --master-key-file (32 random \
                     bytes in base64, from `openssl rand -base64 32`) to seal them"
                );
            }
        }
    }
    Ok(())
}

/// Refuses to store a new secret in plaintext (no master key given) where the others are
/// sealed: it would work, but lie readable in the database until the server's next start.
pub fn refuse_plaintext_beside_sealed(store: &Store, keyring: &Keyring) -> anyhow::Result<()> {
    if keyring.current_id().is_none() && secrets::any_sealed(&mut *store.conn()?)? {
        bail!(
            "the stored secrets are sealed with a master key: give it (--master-key-file or \
             BROADSHEET_MASTER_KEY) so that this key's secret is sealed too"
        );
    }
    Ok(())
}

/// Why the server does not start, and what to give it.
fn refusal(unreadable: &Unreadable, keyring: &Keyring) -> String {
    let place = &unreadable.place;
    match &unreadable.error {
        SecretError::NoKey(id) => format!(
            "stored secrets are sealed with master key {id} (the first at {place}), and no \
             master key is given: set --master-key-file or BROADSHEET_MASTER_KEY"
        ),
        SecretError::UnknownKey(id) => format!(
            "stored secrets are sealed with master key {id} (the first at {place}), which is \
             not the master key given ({}): give that key, or during a rotation give it as \
             --master-key-old-file or BROADSHEET_MASTER_KEY_OLD",
            keyring.current_id().unwrap_or("none")
        ),
        other => format!(
            "the secret at {place} {other}; restore that row from a backup, or delete it (and \
             make a new webhook or key)"
        ),
    }
}
