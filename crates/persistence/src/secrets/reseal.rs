//! Bringing every stored secret under the current master key.

use diesel::prelude::*;

use super::{Keyring, SecretError, is_sealed, place};
use crate::StoreError;
use crate::db::{AnyConnection, MultiBackend};
use crate::schema::{api_keys, settings, webhooks};

/// A stored secret that could not be opened; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the secret at {place} {error}")]
pub struct Unreadable {
    /// Where it is (`webhooks.secret:3`).
    pub place: String,
    /// Why it does not open.
    pub error: SecretError,
}

enum Row {
    ApiKey(i64),
    Webhook(i64),
    Setting(String),
}

struct Stored {
    row: Row,
    place: String,
    value: String,
}

/// An integration key's secret as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = api_keys, check_for_backend(MultiBackend))]
struct KeySecret {
    id: i64,
    key_id: Option<String>,
    secret: Option<String>,
}

/// A webhook's secret as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = webhooks, check_for_backend(MultiBackend))]
struct HookSecret {
    id: i64,
    secret: String,
}

/// A setting that is a secret, as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = settings, check_for_backend(MultiBackend))]
struct SettingSecret {
    key: String,
    value: String,
}

/// Every secret the database keeps, with where it is.
fn inventory(conn: &mut AnyConnection) -> Result<Vec<Stored>, StoreError> {
    let keys: Vec<KeySecret> = api_keys::table
        .filter(api_keys::secret.is_not_null())
        .select(KeySecret::as_select())
        .load(conn)?;
    let hooks: Vec<HookSecret> = webhooks::table.select(HookSecret::as_select()).load(conn)?;
    let kept: Vec<SettingSecret> = settings::table
        .filter(settings::key.eq_any(crate::settings::SECRETS))
        .select(SettingSecret::as_select())
        .load(conn)?;
    let keys = keys.into_iter().filter_map(|k| {
        Some(Stored {
            row: Row::ApiKey(k.id),
            place: place::api_key(&k.key_id?),
            value: k.secret?,
        })
    });
    let hooks = hooks.into_iter().map(|h| Stored {
        row: Row::Webhook(h.id),
        place: place::webhook(broadsheet_domain::ids::WebhookId(h.id)),
        value: h.secret,
    });
    let kept = kept.into_iter().map(|s| Stored {
        place: place::setting(&s.key),
        row: Row::Setting(s.key),
        value: s.value,
    });
    Ok(keys.chain(hooks).chain(kept).collect())
}

/// Whether any stored secret is sealed (so that a master key is needed to read it).
pub fn any_sealed(conn: &mut AnyConnection) -> Result<bool, StoreError> {
    Ok(inventory(conn)?.iter().any(|s| is_sealed(&s.value)))
}

/// Seals with the keyring's master key every secret stored in plaintext or sealed with the
/// old key; returns how many were. Every secret is opened before any is written, so one that
/// does not open (sealed with a key not given, or altered) leaves them all as they were, and
/// is the `Unreadable` answer. Without a master key nothing is written, and any sealed secret
/// is `Unreadable`. Run it in a transaction.
pub fn reseal(
    conn: &mut AnyConnection,
    keyring: &Keyring,
) -> Result<Result<usize, Unreadable>, StoreError> {
    let mut changes = Vec::new();
    for stored in inventory(conn)? {
        let opened = keyring.open(&stored.place, &stored.value);
        let secret = match opened {
            Ok(secret) => secret,
            Err(error) => {
                return Ok(Err(Unreadable {
                    place: stored.place,
                    error,
                }));
            }
        };
        if keyring.is_current(&stored.value) {
            continue;
        }
        match keyring.seal(&stored.place, &secret) {
            Ok(sealed) => changes.push((stored.row, sealed)),
            Err(error) => {
                return Ok(Err(Unreadable {
                    place: stored.place,
                    error,
                }));
            }
        }
    }
    for (row, sealed) in &changes {
        match row {
            Row::ApiKey(id) => diesel::update(api_keys::table.find(id))
                .set(api_keys::secret.eq(sealed))
                .execute(conn)?,
            Row::Webhook(id) => diesel::update(webhooks::table.find(id))
                .set(webhooks::secret.eq(sealed))
                .execute(conn)?,
            Row::Setting(key) => diesel::update(settings::table.find(key))
                .set(settings::value.eq(sealed))
                .execute(conn)?,
        };
    }
    Ok(Ok(changes.len()))
}
