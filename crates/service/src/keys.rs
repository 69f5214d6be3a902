//! API keys: content keys for partners (read-only), integration keys for tools that write
//! (each acts as a staff account of its own, with a role). Administrators make and revoke
//! them; the credential is shown once and only its hash (content) or its sealed secret
//! (integration) is kept.

use broadsheet_domain::author::{NewUser, ProfileInput, Role, UserInput};
use broadsheet_domain::ids::ApiKeyId;
use broadsheet_domain::policy::{Action, Ownership};
use broadsheet_domain::text::bounded;
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::keys::{self, ApiKey};
use broadsheet_persistence::secrets::Keyring;
use broadsheet_persistence::{AnyConnection, StoreError, users};
use sha2::{Digest as _, Sha256};

use crate::Service;
use crate::actor::Actor;
use crate::error::{ServiceError, ServiceResult};

pub use broadsheet_persistence::keys::KeyWithRole;

/// Requests a minute a new key gets unless told otherwise.
pub const DEFAULT_RATE_LIMIT: u32 = 600;
/// The most requests a minute a key may be given.
pub const MAX_RATE_LIMIT: u32 = 1_000_000;

/// A new key and what to hand to its holder.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    /// As stored.
    pub key: ApiKey,
    /// The credential: 26 hex characters for a content key, `{id}:{secret}` for an
    /// integration key. Shown once.
    pub credential: String,
}

/// The stored form of a content key.
pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Whether `key` looks like a content key: 26 lowercase hex characters.
pub fn well_formed(key: &str) -> bool {
    key.len() == 26
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn random_hex(bytes: usize) -> String {
    use rand::RngCore as _;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// A key's limit: `requested`, or the default; between 1 and [`MAX_RATE_LIMIT`].
fn rate_limit(requested: Option<i64>) -> ServiceResult<u32> {
    let n = requested.unwrap_or(i64::from(DEFAULT_RATE_LIMIT));
    match u32::try_from(n) {
        Ok(n) if (1..=MAX_RATE_LIMIT).contains(&n) => Ok(n),
        _ => Err(ServiceError::invalid(
            "rateLimit",
            format!("must be between 1 and {MAX_RATE_LIMIT} requests a minute"),
        )),
    }
}

/// Creates a content key in the transaction `c`: 26 hex characters, read-only, limited to
/// `rate_limit` requests a minute. (The use case is [`Service::create_content_key`]; this is
/// its step inside the transaction, for importers and test fixtures.)
pub fn create_content(
    c: &mut AnyConnection,
    name: &str,
    rate_limit: u32,
    now: Timestamp,
) -> Result<IssuedKey, StoreError> {
    let name = bounded("name", name, 191, false)?;
    let mut credential = random_hex(13);
    credential.truncate(26);
    let key = keys::create_content(c, &name, &hash(&credential), rate_limit, now)?;
    Ok(IssuedKey { key, credential })
}

/// Creates an integration key in the transaction `c` that acts as a new staff account of
/// `role` (named after the integration, with no password). The secret is stored sealed with
/// `keyring`'s master key, if it has one. (See [`Service::create_integration_key`].)
pub fn create_integration(
    c: &mut AnyConnection,
    keyring: &Keyring,
    name: &str,
    role: Role,
    rate_limit: u32,
    now: Timestamp,
) -> Result<IssuedKey, StoreError> {
    let name = bounded("name", name, 150, false)?;
    let key_id = random_hex(12);
    let secret = random_hex(32);
    let user = NewUser::parse(&UserInput {
        profile: ProfileInput {
            name: format!("{name} (integration)"),
            ..ProfileInput::default()
        },
        email: format!("integration-{key_id}@{}", users::INTEGRATION_EMAIL_DOMAIN),
        role,
        password: None,
    })?;
    let user = users::create(c, &user, now)?;
    let key = keys::create_integration(
        c,
        keyring,
        &name,
        &key_id,
        &secret,
        user.id(),
        rate_limit,
        now,
    )?;
    Ok(IssuedKey {
        key,
        credential: format!("{key_id}:{secret}"),
    })
}

impl Service {
    /// Makes a content key for a partner (administrators), limited to `limit` requests a
    /// minute (default [`DEFAULT_RATE_LIMIT`]).
    pub async fn create_content_key(
        &self,
        actor: &Actor,
        name: &str,
        limit: Option<i64>,
    ) -> ServiceResult<IssuedKey> {
        actor.authorize(Action::ManageKeys, Ownership::Others)?;
        let limit = rate_limit(limit)?;
        let (name, now) = (name.to_owned(), self.now());
        Ok(self
            .store()
            .write(move |c| create_content(c, &name, limit, now))
            .await?)
    }

    /// Makes an integration key (administrators): tokens signed with its secret act as a new
    /// staff account of `role` (named after the integration, with no password). The secret is
    /// stored sealed with the store's master key, if it has one.
    pub async fn create_integration_key(
        &self,
        actor: &Actor,
        name: &str,
        role: Role,
        limit: Option<i64>,
    ) -> ServiceResult<IssuedKey> {
        actor.authorize(Action::ManageKeys, Ownership::Others)?;
        let limit = rate_limit(limit)?;
        let (name, keyring, now) = (name.to_owned(), self.store().keyring(), self.now());
        Ok(self
            .store()
            .write(move |c| create_integration(c, &keyring, &name, role, limit, now))
            .await?)
    }

    /// Revokes a key (administrators); it stops working at once (on other replicas within
    /// their key cache's lifetime). Revoking it again keeps the time it was first revoked.
    pub async fn revoke_key(&self, actor: &Actor, id: ApiKeyId) -> ServiceResult<KeyWithRole> {
        actor.authorize(Action::ManageKeys, Ownership::Others)?;
        let now = self.now();
        Ok(self
            .store()
            .write(move |c| {
                let key = keys::revoke(c, id, now)?;
                let role = match key.user {
                    Some(user) => users::get(c, user)?.map(|u| u.role),
                    None => None,
                };
                Ok::<_, StoreError>(KeyWithRole { key, role })
            })
            .await?)
    }

    /// Every key, newest first, with the roles of integration keys (administrators).
    pub async fn list_keys(&self, actor: &Actor) -> ServiceResult<Vec<KeyWithRole>> {
        actor.authorize(Action::ManageKeys, Ownership::Others)?;
        Ok(self.store().read(keys::list_with_roles).await?)
    }
}
